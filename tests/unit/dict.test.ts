/**
 * Unit tests of the keyspace hash table (src/db/dict.ts): inserts and deletes
 * against a Map model, incremental rehash both ways, the SCAN guarantee under
 * concurrent change and resizes, random sampling, and per-entry expiry.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { Dict } from '../../src/db/dict';

/** Every key of d in entry order. */
function keysOf<V>(d: Dict<V>): string[] {
  return Array.from({ length: d.size }, (_, e) => d.keyAt(e));
}

/** A small deterministic PRNG (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every invariant the table promises, checked against a model. */
function checkAgainst(d: Dict<number>, model: Map<string, number>): void {
  assert.equal(d.size, model.size);
  assert.equal(d.size, model.size);
  for (const [k, v] of model) {
    const e = d.find(k);
    assert.ok(e >= 0, `missing ${k}`);
    assert.equal(d.keyAt(e), k);
    assert.equal(d.valueAt(e), v);
  }
  for (let e = 0; e < d.size; e++) assert.equal(model.get(d.keyAt(e)), d.valueAt(e));
}

/** Every key reached by a full SCAN (with nothing changing in between). */
function fullScan(d: Dict<number>): string[] {
  const out: string[] = [];
  let cur = 0;
  do cur = d.scan(cur, (e) => out.push(d.keyAt(e)));
  while (cur !== 0);
  return out;
}

describe('Dict', () => {
  it('inserts, overwrites, finds and deletes like a Map', () => {
    const r = rng(1);
    const d = new Dict<number>();
    const model = new Map<string, number>();
    for (let i = 0; i < 20000; i++) {
      const k = 'k' + Math.floor(r() * 3000);
      const op = r();
      if (op < 0.55) {
        d.set(k, i);
        model.set(k, i);
      } else if (op < 0.9) {
        assert.equal(d.delete(k), model.delete(k));
      } else {
        assert.equal(d.get(k), model.get(k));
      }
      if (i % 997 === 0) checkAgainst(d, model);
    }
    checkAgainst(d, model);
    assert.equal(d.find('absent'), -1);
    assert.equal(d.get('absent'), undefined);
  });

  it('is binary safe and tells apart keys that differ in one byte', () => {
    const d = new Dict<number>();
    const ks = ['', '\x00', '\x00\x00', '\xff', 'a\x00b', 'a\x00c', 'A', 'a'];
    ks.forEach((k, i) => d.set(k, i));
    ks.forEach((k, i) => assert.equal(d.get(k), i));
    assert.equal(d.size, ks.length);
  });

  it('grows and shrinks with incremental rehash', () => {
    const d = new Dict<number>();
    const model = new Map<string, number>();
    let sawRehash = false;
    for (let i = 0; i < 5000; i++) {
      d.set('key:' + i, i);
      model.set('key:' + i, i);
      if (d.rehashing) sawRehash = true;
    }
    assert.ok(sawRehash, 'a rehash should have been under way at some point');
    const grown = d.bucketCount;
    assert.ok(grown >= 4096, `buckets ${grown}`);
    checkAgainst(d, model);
    // Keys stay reachable in the middle of a rehash too.
    for (let i = 0; i < 4990; i++) {
      d.delete('key:' + i);
      model.delete('key:' + i);
      if (d.rehashing && i % 101 === 0) checkAgainst(d, model);
    }
    d.rehashFor(50);
    for (let i = 0; i < 100 && d.rehashing; i++) d.rehashStep(1000);
    assert.ok(d.bucketCount < grown / 10, `shrunk to ${d.bucketCount}`);
    checkAgainst(d, model);
  });

  it('SCAN visits every key of a stable table exactly once', () => {
    const d = new Dict<number>();
    for (let i = 0; i < 3000; i++) d.set('s' + i, i);
    const seen = fullScan(d);
    assert.equal(seen.length, 3000);
    assert.equal(new Set(seen).size, 3000);
    // Also in the middle of a rehash.
    const d2 = new Dict<number>();
    let i = 0;
    while (!d2.rehashing || i < 100) d2.set('r' + i, i++);
    assert.ok(d2.rehashing);
    const seen2 = fullScan(d2);
    assert.equal(new Set(seen2).size, d2.size);
  });

  it('SCAN returns every key present for the whole iteration while the table changes, grows and shrinks', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const r = rng(seed);
      const d = new Dict<number>();
      let next = 0;
      const initial = 50 + Math.floor(r() * 2000);
      for (let i = 0; i < initial; i++) d.set('x' + next++, 0);
      const atStart = new Set(keysOf(d));
      const removed = new Set<string>();
      const seen = new Set<string>();
      let cur = 0;
      let calls = 0;
      // Phases force resizes: grow a lot, then delete most keys, then churn.
      do {
        cur = d.scan(cur, (e) => seen.add(d.keyAt(e)));
        calls++;
        const phase = calls % 30;
        const burst = Math.floor(r() * 60);
        for (let j = 0; j < burst; j++) {
          if (phase < 10) d.set('x' + next++, 0);
          else if (phase < 20) {
            if (d.size === 0) break;
            const k = d.keyAt(Math.floor(r() * d.size));
            d.delete(k);
            removed.add(k);
          } else if (r() < 0.5) d.set('x' + next++, 0);
          else if (d.size > 0) {
            const k = d.keyAt(Math.floor(r() * d.size));
            d.delete(k);
            removed.add(k);
          }
        }
        assert.ok(calls < 1_000_000);
      } while (cur !== 0);
      for (const k of atStart) {
        if (!removed.has(k)) assert.ok(seen.has(k), `seed ${seed}: ${k} present throughout but not returned`);
      }
    }
  });

  it('SCAN keeps its guarantee across a full grow and a full shrink between two calls', () => {
    const d = new Dict<number>();
    for (let i = 0; i < 1000; i++) d.set('g' + i, i);
    const keep = new Set(keysOf(d).slice(0, 200));
    const seen = new Set<string>();
    let cur = d.scan(0, (e) => seen.add(d.keyAt(e)));
    let step = 0;
    while (cur !== 0) {
      step++;
      if (step === 3) for (let i = 0; i < 20000; i++) d.set('grow' + i, i); // 16x bigger
      if (step === 6) {
        for (let i = 0; i < 20000; i++) d.delete('grow' + i);
        for (let i = 200; i < 1000; i++) d.delete('g' + i);
        d.rehashFor(20);
      }
      cur = d.scan(cur, (e) => seen.add(d.keyAt(e)));
    }
    for (const k of keep) assert.ok(seen.has(k), `${k} not returned`);
  });

  it('an empty table scans to cursor 0 and any cursor is accepted', () => {
    const d = new Dict<number>();
    assert.equal(d.scan(0, () => assert.fail()), 0);
    assert.equal(d.scan(12345, () => assert.fail()), 0);
    d.set('a', 1);
    let n = 0;
    let cur = 0xffffffff;
    do cur = d.scan(cur, () => n++);
    while (cur !== 0);
    assert.ok(n <= 1);
  });

  it('randomEntry samples uniformly and randomVolatile only keys with a TTL', () => {
    const d = new Dict<number>();
    for (let i = 0; i < 100; i++) d.set('u' + i, i);
    const counts = new Array(100).fill(0);
    const N = 100000;
    for (let i = 0; i < N; i++) counts[d.valueAt(d.randomEntry())]++;
    // Chi-square with 99 degrees of freedom: far below 200 unless biased.
    let chi = 0;
    for (const c of counts) chi += ((c - N / 100) ** 2) / (N / 100);
    assert.ok(chi < 200, `chi-square ${chi}`);
    assert.equal(d.randomVolatile(), -1);
    for (let i = 0; i < 100; i += 10) d.setExpire(d.find('u' + i), 1000 + i);
    assert.equal(d.volatileSize, 10);
    for (let i = 0; i < 1000; i++) {
      const e = d.randomVolatile();
      assert.ok(d.getExpire(e) !== 0);
      assert.equal(d.valueAt(e) % 10, 0);
    }
    assert.equal(new Dict<number>().randomEntry(), -1);
  });

  it('keeps each entry expiry through deletes that move entries', () => {
    const r = rng(7);
    const d = new Dict<number>();
    const ttl = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const k = 't' + i;
      const e = d.insertNew(k, i);
      if (r() < 0.5) {
        d.setExpire(e, 1e12 + i);
        ttl.set(k, 1e12 + i);
      }
    }
    for (let i = 0; i < 1500; i++) {
      const k = d.keyAt(Math.floor(r() * d.size));
      d.delete(k);
      ttl.delete(k);
      if (i % 300 === 0) {
        for (let e = 0; e < d.size; e++) assert.equal(d.getExpire(e), ttl.get(d.keyAt(e)) ?? 0);
      }
    }
    for (let e = 0; e < d.size; e++) assert.equal(d.getExpire(e), ttl.get(d.keyAt(e)) ?? 0);
    assert.equal(d.volatileSize, ttl.size);
    // Removing an expiry takes the key out of the volatile set.
    const some = [...ttl.keys()][0];
    d.setExpire(d.find(some), 0);
    assert.equal(d.volatileSize, ttl.size - 1);
    assert.equal(d.getExpire(d.find(some)), 0);
  });

  it('keeps expiries past 2^53 exact, also when entries move', () => {
    const d = new Dict<number>();
    for (let i = 0; i < 10; i++) d.set('b' + i, i);
    const big = 9223372036854775807n;
    d.setExpireExact(d.find('b3'), big);
    d.setExpireExact(d.find('b9'), big - 1n);
    d.setExpireExact(d.find('b5'), 1234);
    assert.equal(d.getExpireExact(d.find('b3')), big);
    assert.equal(d.getExpireExact(d.find('b5')), 1234);
    // Move b9 (the last entry) into the hole of b0.
    d.delete('b0');
    assert.equal(d.getExpireExact(d.find('b9')), big - 1n);
    assert.equal(d.getExpireExact(d.find('b3')), big);
    assert.ok(d.getExpire(d.find('b3')) > 9e18);
    // A plain setExpire replaces the exact value.
    d.setExpire(d.find('b3'), 99);
    assert.equal(d.getExpireExact(d.find('b3')), 99);
    d.delete('b9');
    assert.equal(d.volatileSize, 2);
    for (let e = 0; e < d.size; e++) assert.equal(typeof d.getExpireExact(e), 'number');
    d.clear();
    assert.equal(d.size, 0);
    assert.equal(d.volatileSize, 0);
  });

  it('tells the move listener where entries go', () => {
    const d = new Dict<number>();
    for (let i = 0; i < 5; i++) d.set('m' + i, i);
    const moves: [number, number][] = [];
    d.onMove = (from, to) => moves.push([from, to]);
    d.delete('m1');
    assert.deepEqual(moves, [[4, 1]]);
    assert.equal(d.keyAt(1), 'm4');
    d.delete('m4');
    d.delete('m2'); // the last entry: nothing moves
    assert.deepEqual(moves, [[4, 1], [3, 1]]);
  });

  it('clear empties the table and it works afterwards', () => {
    const d = new Dict<number>();
    for (let i = 0; i < 1000; i++) d.setExpire(d.insertNew('c' + i, i), 5);
    d.clear();
    assert.equal(d.size, 0);
    assert.equal(d.find('c1'), -1);
    assert.equal(fullScan(d).length, 0);
    d.set('again', 1);
    assert.equal(d.get('again'), 1);
    assert.equal(d.getExpire(d.find('again')), 0);
  });
});
