/**
 * Latency bookkeeping, as Redis 7.0 keeps it:
 *
 * - a per-command latency histogram (latency-tracking): values in
 *   nanoseconds from 1 ns to 1 s at two significant digits, laid out like an
 *   HDR histogram so percentiles (INFO latencystats) and the cumulative
 *   distribution (LATENCY HISTOGRAM) come out of the same buckets Redis uses;
 * - the latency monitor (latency-monitor-threshold): per event class
 *   ("command", "fast-command", "expire-cycle", ...) a ring of 160
 *   one-per-second samples in milliseconds plus the all-time maximum, read by
 *   LATENCY LATEST / HISTORY / GRAPH / DOCTOR.
 */

// ---- histogram ----------------------------------------------------------------

/** Two significant digits: 256 sub-buckets, the lower half shared with the previous bucket. */
const SUB_HALF_MAGNITUDE = 7;
const SUB_COUNT = 256;
const SUB_HALF = 128;
const SUB_MASK = SUB_COUNT - 1;
export const HIST_MIN = 1;
export const HIST_MAX = 1_000_000_000;

function bucketIndex(v: number): number {
  // Position of the highest set bit of (v | mask), plus one, minus the sub-bucket magnitude.
  const pow2ceiling = v >= 2 ** 31 ? 64 - Math.clz32(Math.floor(v / 2 ** 32)) : 32 - Math.clz32(v | SUB_MASK);
  return pow2ceiling - (SUB_HALF_MAGNITUDE + 1);
}

function subBucketIndex(v: number, bucket: number): number {
  return Math.floor(v / 2 ** bucket);
}

function countsIndex(v: number): number {
  const b = bucketIndex(v);
  const s = subBucketIndex(v, b);
  return ((b + 1) << SUB_HALF_MAGNITUDE) + (s - SUB_HALF);
}

function valueFromIndex(i: number): number {
  let b = (i >> SUB_HALF_MAGNITUDE) - 1;
  let s = (i & (SUB_HALF - 1)) + SUB_HALF;
  if (b < 0) {
    s -= SUB_HALF;
    b = 0;
  }
  return s * 2 ** b;
}

export function lowestEquivalent(v: number): number {
  const b = bucketIndex(v);
  return subBucketIndex(v, b) * 2 ** b;
}

export function highestEquivalent(v: number): number {
  const b = bucketIndex(v);
  const s = subBucketIndex(v, b);
  const range = 2 ** (s >= SUB_COUNT ? b + 1 : b);
  return s * 2 ** b + range - 1;
}

const COUNTS_LEN = countsIndex(HIST_MAX) + 1;

export class LatencyHistogram {
  readonly counts = new Float64Array(COUNTS_LEN);
  total = 0;

  /** Record a duration in nanoseconds (clamped to 1 ns .. 1 s as Redis does). */
  record(ns: number): void {
    let v = Math.floor(ns);
    if (v < HIST_MIN) v = HIST_MIN;
    if (v > HIST_MAX) v = HIST_MAX;
    this.counts[countsIndex(v)]++;
    this.total++;
  }

  /** hdr_value_at_percentile: the highest value equivalent to the percentile's bucket. */
  valueAtPercentile(p: number): number {
    const req = p < 100 ? p : 100;
    let want = Math.floor((req / 100) * this.total + 0.5);
    if (want < 1) want = 1;
    let sum = 0;
    const counts = this.counts;
    for (let i = 0; i < counts.length; i++) {
      sum += counts[i];
      if (sum >= want) return highestEquivalent(valueFromIndex(i));
    }
    return 0;
  }

  /**
   * The cumulative distribution LATENCY HISTOGRAM reports: at each power of
   * two from 1024 ns, the count of samples up to that bucket, keyed by the
   * bucket's highest value in microseconds; only steps that add samples.
   */
  cdf(): [number, number][] {
    const out: [number, number][] = [];
    const counts = this.counts;
    let level = 1024;
    let cumulative = 0;
    let prev = 0;
    let i = 0;
    while (cumulative < this.total || i < counts.length) {
      const levelIdx = countsIndex(Math.min(level, HIST_MAX * 2));
      while (i <= levelIdx && i < counts.length) cumulative += counts[i++];
      if (cumulative > prev) out.push([Math.floor(highestEquivalent(level) / 1000), cumulative]);
      prev = cumulative;
      if (cumulative >= this.total) break;
      level *= 2;
    }
    return out;
  }
}

// ---- latency monitor ---------------------------------------------------------------

export const LATENCY_TS_LEN = 160;

export interface LatencySample {
  time: number;
  latency: number;
}

export class LatencySeries {
  samples: LatencySample[] = Array.from({ length: LATENCY_TS_LEN }, () => ({ time: 0, latency: 0 }));
  idx = 0;
  max = 0;

  /** Samples in time order (oldest first), empty slots skipped. */
  ordered(): LatencySample[] {
    const out: LatencySample[] = [];
    for (let j = 0; j < LATENCY_TS_LEN; j++) {
      const s = this.samples[(this.idx + j) % LATENCY_TS_LEN];
      if (s.time !== 0) out.push(s);
    }
    return out;
  }

  get last(): LatencySample {
    return this.samples[(this.idx + LATENCY_TS_LEN - 1) % LATENCY_TS_LEN];
  }
}

export class LatencyMonitor {
  /** Event name -> series, in creation order. */
  readonly events = new Map<string, LatencySeries>();

  /** Add a sample (ms) to an event: one slot per second, keeping the worst of that second. */
  add(event: string, ms: number, nowSec = Math.floor(Date.now() / 1000)): void {
    let ts = this.events.get(event);
    if (ts === undefined) {
      ts = new LatencySeries();
      this.events.set(event, ts);
    }
    if (ms > ts.max) ts.max = ms;
    const prev = ts.last;
    if (prev.time === nowSec) {
      if (ms > prev.latency) prev.latency = ms;
      return;
    }
    const s = ts.samples[ts.idx];
    s.time = nowSec;
    s.latency = ms;
    ts.idx = (ts.idx + 1) % LATENCY_TS_LEN;
  }

  /** Drop one event (case-insensitive) or all of them; returns how many were dropped. */
  reset(event?: string): number {
    let n = 0;
    for (const name of [...this.events.keys()]) {
      if (event === undefined || name.toLowerCase() === event.toLowerCase()) {
        this.events.delete(name);
        n++;
      }
    }
    return n;
  }
}
