/**
 * Unit tests of the latency bookkeeping (src/server/latency.ts) and of the
 * printf-style formatting INFO uses (src/server/info.ts), with values read
 * from a real Redis 7.0.15.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { LatencyHistogram, LatencyMonitor, highestEquivalent, lowestEquivalent, LATENCY_TS_LEN } from '../../src/server/latency';
import { bytesToHuman, fmtFixed, percentileName } from '../../src/server/info';

describe('latency histogram', () => {
  it('buckets at two significant digits', () => {
    assert.equal(highestEquivalent(3_090_000), 3_096_575);
    assert.equal(lowestEquivalent(3_090_000), 3_080_192);
    assert.equal(highestEquivalent(1024), 1031);
    assert.equal(highestEquivalent(100), 100);
    assert.equal(highestEquivalent(1_000_000_000), 1_002_438_655);
  });

  it('percentiles as INFO latencystats prints them (Redis: p50=3096.575,p99=10158.079)', () => {
    const h = new LatencyHistogram();
    h.record(10_150_000);
    h.record(3_090_000);
    h.record(60_000);
    assert.equal(fmtFixed(h.valueAtPercentile(50) / 1000, 3), '3096.575');
    assert.equal(fmtFixed(h.valueAtPercentile(99) / 1000, 3), '10158.079');
    assert.equal(fmtFixed(h.valueAtPercentile(99.9) / 1000, 3), '10158.079');
  });

  it('cumulative distribution as LATENCY HISTOGRAM replies it (Redis: 132:1 4227:2 16908:3)', () => {
    const h = new LatencyHistogram();
    h.record(100_000);
    h.record(3_090_000);
    h.record(10_150_000);
    assert.deepEqual(h.cdf(), [[132, 1], [4227, 2], [16908, 3]]);
    const empty = new LatencyHistogram();
    assert.deepEqual(empty.cdf(), []);
  });

  it('clamps to 1 ns .. 1 s', () => {
    const h = new LatencyHistogram();
    h.record(0);
    h.record(5e9);
    assert.equal(h.total, 2);
    assert.equal(h.valueAtPercentile(0), 1);
    assert.equal(h.valueAtPercentile(100), highestEquivalent(1e9));
  });
});

describe('latency monitor', () => {
  it('keeps the worst sample of each second and the all-time maximum', () => {
    const m = new LatencyMonitor();
    m.add('command', 10, 1000);
    m.add('command', 30, 1000);
    m.add('command', 20, 1000);
    m.add('command', 5, 1001);
    const ts = m.events.get('command')!;
    assert.deepEqual(ts.ordered(), [{ time: 1000, latency: 30 }, { time: 1001, latency: 5 }]);
    assert.equal(ts.max, 30);
    assert.deepEqual(ts.last, { time: 1001, latency: 5 });
  });

  it('is a ring of 160 seconds', () => {
    const m = new LatencyMonitor();
    for (let i = 0; i < LATENCY_TS_LEN + 10; i++) m.add('x', i, 5000 + i);
    const s = m.events.get('x')!.ordered();
    assert.equal(s.length, LATENCY_TS_LEN);
    assert.equal(s[0].time, 5010);
    assert.equal(s[s.length - 1].time, 5000 + LATENCY_TS_LEN + 9);
  });

  it('resets one event case-insensitively, or all', () => {
    const m = new LatencyMonitor();
    m.add('command', 1);
    m.add('fast-command', 1);
    assert.equal(m.reset('COMMAND'), 1);
    assert.equal(m.reset('nosuch'), 0);
    assert.equal(m.reset(), 1);
    assert.equal(m.events.size, 0);
  });
});

describe('printf-style formatting', () => {
  it('%.2f rounds exact ties to even like glibc', () => {
    assert.equal(fmtFixed(0.125, 2), '0.12');
    assert.equal(fmtFixed(0.375, 2), '0.38');
    assert.equal(fmtFixed(2.5, 0), '2');
    assert.equal(fmtFixed(3.5, 0), '4');
    assert.equal(fmtFixed(-0.125, 2), '-0.12');
    assert.equal(fmtFixed(1 / 3, 2), '0.33');
  });

  it('bytesToHuman', () => {
    assert.equal(bytesToHuman(0), '0B');
    assert.equal(bytesToHuman(1023), '1023B');
    assert.equal(bytesToHuman(916384), '894.91K');
    assert.equal(bytesToHuman(25276502016), '23.54G');
    assert.equal(bytesToHuman(2 * 1024 ** 3), '2.00G');
  });

  it('percentile names', () => {
    assert.equal(percentileName(50), '50');
    assert.equal(percentileName(99.9), '99.9');
    assert.equal(percentileName(12.3456789), '12.345679');
  });
});
