/**
 * Client-level differential testing: the same scenario, written against a
 * real client library's API (ioredis, node-redis), runs once against a real
 * Redis 7.0.15 and once against Cinnabar. Every result the client hands back
 * (or the error it throws) goes into a transcript; the two transcripts must
 * be equal. So what is compared is what an application actually sees after
 * the client has parsed and transformed the replies.
 */
import { after, before } from 'node:test';
import * as assert from 'node:assert/strict';
import { inspect } from 'util';
import { skipWithoutRedis, startCinnabar, startRedis, type TestServer } from './servers';
import type { RunningServer } from '../../src/index';
import type { ServerOptions } from '../../src/server/server';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export type Which = 'redis' | 'cinnabar';

/** One run's record of results, in order. */
export class Transcript {
  readonly entries: [string, unknown][] = [];

  constructor(readonly which: Which) {}

  /**
   * Await a client call and record its result (after norm), or the error
   * message it failed with. Returns the raw result (undefined on error).
   */
  async rec<T>(label: string, p: Promise<T> | (() => Promise<T>), norm?: (v: T) => unknown): Promise<T> {
    try {
      const v = await (typeof p === 'function' ? p() : p);
      this.entries.push([label, norm ? norm(v) : v]);
      return v;
    } catch (e) {
      // A mistake in the test itself must not hide as "the same error on both servers".
      if (e instanceof TypeError || e instanceof ReferenceError || e instanceof RangeError || (e as Error)?.name === 'AssertionError') throw e;
      this.entries.push([label, { error: errorText(e) }]);
      return undefined as T;
    }
  }

  /** Record a value computed by the test itself. */
  note(label: string, v: unknown): void {
    this.entries.push([label, v]);
  }
}

function errorText(e: unknown): string {
  if (e instanceof AggregateError) return e.errors.map(errorText).join('; ');
  if (e instanceof Error) return `${e.constructor.name}: ${e.message}`;
  return String(e);
}

/** Assert two transcripts are equal, pointing at the first difference. */
export function assertSameTranscript(redis: Transcript, cinnabar: Transcript): void {
  const n = Math.max(redis.entries.length, cinnabar.entries.length);
  for (let i = 0; i < n; i++) {
    const a = redis.entries[i];
    const b = cinnabar.entries[i];
    let same = true;
    try {
      assert.deepStrictEqual(b, a);
    } catch {
      same = false;
    }
    if (!same) {
      if (typeof a?.[1] === 'string' && typeof b?.[1] === 'string') {
        const x = a[1], y = b[1];
        let k = 0;
        while (k < x.length && x[k] === y[k]) k++;
        const from = Math.max(0, k - 60);
        assert.fail(`transcripts differ at entry ${i} (${a[0]}), at char ${k}:\n  redis:    ...${JSON.stringify(x.slice(from, k + 120))}\n  cinnabar: ...${JSON.stringify(y.slice(from, k + 120))}`);
      }
      if (Array.isArray(a?.[1]) && Array.isArray(b?.[1]) && a[1].length > 10) {
        const x = a[1].map(String), y = b[1].map(String);
        const onlyRedis = x.filter((e) => !y.includes(e)), onlyCin = y.filter((e) => !x.includes(e));
        let k = 0;
        while (k < x.length && x[k] === y[k]) k++;
        assert.fail(`transcripts differ at entry ${i} (${a[0]}): first at index ${k}: ${JSON.stringify(x[k])} vs ${JSON.stringify(y[k])}\n  only redis:    ${JSON.stringify(onlyRedis.slice(0, 30))}\n  only cinnabar: ${JSON.stringify(onlyCin.slice(0, 30))}`);
      }
      const show = (x: unknown) => inspect(x, { depth: 8, maxArrayLength: 40, maxStringLength: 300, breakLength: 120 });
      assert.fail(`transcripts differ at entry ${i} (${a?.[0] ?? b?.[0]}):\n  redis:    ${show(a?.[1])}\n  cinnabar: ${show(b?.[1])}`);
    }
  }
}

/** Order-insensitive forms for replies that are legitimately unordered. */
export const sorted = <T>(v: T[] | Set<T> | null | undefined): T[] | null | undefined =>
  v == null ? (v as null | undefined) : [...v].map((x) => x).sort((x, y) => (String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0));

/** Sort an object's keys (for hashtable-encoded HGETALL objects). */
export const sortedObject = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** A flat [k, v, k, v] array (or an object or Map) as sorted "k=v" strings. */
export const sortedPairs = (a: unknown[] | Record<string, unknown> | Map<unknown, unknown>): string[] => {
  if (a instanceof Map) return [...a.entries()].map(([k, v]) => `${String(k)}=${String(v)}`).sort();
  if (!Array.isArray(a)) return Object.entries(a).map(([k, v]) => `${k}=${String(v)}`).sort();
  const out: string[] = [];
  for (let i = 0; i + 1 < a.length; i += 2) out.push(`${String(a[i])}=${String(a[i + 1])}`);
  return out.sort();
};

/** A number within [lo, hi] becomes the string "in [lo,hi]" (TTLs, idle times). */
export const within = (lo: number, hi: number) => (v: unknown): unknown => {
  const n = Number(v);
  return Number.isFinite(n) && n >= lo && n <= hi ? `in [${lo},${hi}]` : v;
};

export interface Pair {
  redis: TestServer;
  cinnabar: RunningServer;
  port(which: Which): number;
}

/**
 * Start a Redis and a Cinnabar for the enclosing describe() (call it inside
 * one); returns a getter. The describe should be skipped with
 * skipWithoutRedis().
 */
export function usePair(opts: { redisArgs?: string[]; cinnabar?: ServerOptions } = {}): () => Pair {
  let pair: Pair | undefined;
  before(async () => {
    if (skipWithoutRedis()) return;
    const [redis, cinnabar] = await Promise.all([startRedis(opts.redisArgs ?? []), startCinnabar(opts.cinnabar ?? {})]);
    pair = { redis, cinnabar, port: (w) => (w === 'redis' ? redis.port : cinnabar.port) };
  });
  after(async () => {
    if (pair) await Promise.all([pair.redis.close(), pair.cinnabar.close()]);
  });
  return () => {
    if (!pair) throw new Error('pair not started');
    return pair;
  };
}

/**
 * Run body against Redis, then against Cinnabar, each with a fresh
 * transcript, and assert the transcripts are equal. body gets the server's
 * port; it creates (and closes) its own clients.
 */
export async function dual(pair: Pair, body: (t: Transcript, port: number, which: Which) => Promise<void>): Promise<void> {
  const runs: Transcript[] = [];
  for (const which of ['redis', 'cinnabar'] as Which[]) {
    const t = new Transcript(which);
    await body(t, pair.port(which), which);
    runs.push(t);
  }
  if (process.env.DUAL_DUMP) {
    for (const [label, v] of runs[1].entries) console.error(`[${label}]`, inspect(v, { depth: 6, maxArrayLength: 12, maxStringLength: 160, breakLength: 200 }));
  }
  assertSameTranscript(runs[0], runs[1]);
}
