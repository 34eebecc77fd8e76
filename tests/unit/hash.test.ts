/**
 * Unit tests of data/hash.ts: the listpack order rules, one-way conversion at
 * both limits, the hashtable against a Map model under random operations,
 * the SCAN guarantee with concurrent changes, memory estimates against
 * numbers measured on Redis 7.0.15, and clone / fromEntries.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { HashValue, lpEntrySize, sdsSize, dictBuckets, incrByFloat } from '../../src/data/hash';
import type { EncodingLimits } from '../../src/db/values';

function limits(entries = 128, value = 64): EncodingLimits {
  return {
    hashMaxListpackEntries: entries,
    hashMaxListpackValue: value,
    zsetMaxListpackEntries: 128,
    zsetMaxListpackValue: 64,
    setMaxIntsetEntries: 512,
    listMaxListpackSize: -2,
    listCompressDepth: 0,
    streamNodeMaxBytes: 4096,
    streamNodeMaxEntries: 100,
  };
}

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

function entries(h: HashValue): [string, string][] {
  const out: [string, string][] = [];
  h.forEach((f, v) => out.push([f, v]));
  return out;
}

describe('HashValue listpack', () => {
  it('keeps insertion order, updates in place, re-adds at the end', () => {
    const l = limits();
    const h = new HashValue();
    assert.equal(h.set('a', '1', l), true);
    assert.equal(h.set('b', '2', l), true);
    assert.equal(h.set('c', '3', l), true);
    assert.equal(h.set('b', '20', l), false);
    assert.equal(h.delete('a'), true);
    assert.equal(h.delete('a'), false);
    assert.equal(h.set('a', '10', l), true);
    assert.deepEqual(entries(h), [['b', '20'], ['c', '3'], ['a', '10']]);
    assert.equal(h.encoding(), 'listpack');
    assert.equal(h.isListpack, true);
    assert.equal(h.get('c'), '3');
    assert.equal(h.get('zz'), undefined);
    assert.equal(h.has('a'), true);
    assert.equal(h.size, 3);
  });

  it('converts after the entry limit, and never back', () => {
    const l = limits(4, 64);
    const h = new HashValue();
    for (let i = 0; i < 4; i++) h.set('f' + i, 'v', l);
    assert.equal(h.encoding(), 'listpack');
    h.set('f4', 'v', l);
    assert.equal(h.encoding(), 'hashtable');
    for (let i = 0; i < 5; i++) h.delete('f' + i);
    assert.equal(h.size, 0);
    h.set('x', 'y', l);
    assert.equal(h.encoding(), 'hashtable');
  });

  it('an update converts when the entry limit was lowered (CONFIG SET)', () => {
    const h = new HashValue();
    h.set('a', '1', limits(128, 64));
    h.set('b', '2', limits(128, 64));
    assert.equal(h.delete('b'), true);
    assert.equal(h.encoding(), 'listpack');
    assert.equal(h.set('a', '5', limits(0, 64)), false);
    assert.equal(h.encoding(), 'hashtable');
    assert.equal(h.get('a'), '5');
  });

  it('converts on long fields or values (set and tryConversion)', () => {
    const l = limits(128, 8);
    const a = new HashValue();
    a.set('f', '12345678', l);
    assert.equal(a.encoding(), 'listpack');
    a.set('g', '123456789', l);
    assert.equal(a.encoding(), 'hashtable');
    assert.deepEqual(entries(a), [['f', '12345678'], ['g', '123456789']]);
    const b = new HashValue();
    b.set('f', 'v', l);
    b.tryConversion(['hset', 'k', 'f', 'short', 'long-field-x', 'v'], 2, 5, l);
    assert.equal(b.encoding(), 'hashtable');
    const c = new HashValue();
    c.tryConversion(['hset', 'k', 'f', 'v'], 2, 3, l);
    assert.equal(c.encoding(), 'listpack');
  });
});

describe('HashValue hashtable', () => {
  it('matches a Map model under random operations', () => {
    const r = rng(7);
    const l = limits(0, 64);
    const h = new HashValue();
    const model = new Map<string, string>();
    for (let step = 0; step < 20000; step++) {
      const f = 'f' + Math.floor(r() * 300);
      const op = r();
      if (op < 0.55) {
        const v = 'v' + Math.floor(r() * 1000);
        assert.equal(h.set(f, v, l), !model.has(f));
        model.set(f, v);
      } else {
        assert.equal(h.delete(f), model.delete(f));
      }
      if (step % 997 === 0) {
        assert.equal(h.size, model.size);
        const seen = new Map(entries(h));
        assert.deepEqual(seen, model);
      }
    }
    for (const [f, v] of model) assert.equal(h.get(f), v);
    assert.equal(h.encoding(), 'hashtable');
  });

  it('SCAN returns every entry present throughout, despite changes', () => {
    const r = rng(11);
    const l = limits(0, 64);
    for (let round = 0; round < 50; round++) {
      const h = new HashValue();
      for (let i = 0; i < 200; i++) h.set('k' + i, String(i), l);
      const stable = new Set<string>();
      for (let i = 0; i < 200; i++) if (i % 3 === 0) stable.add('k' + i);
      const seen = new Set<string>();
      let cursor = 0;
      let calls = 0;
      do {
        cursor = h.scanFrom(cursor, 1 + Math.floor(r() * 20), (p) => seen.add(h.fieldAt(p)));
        // Change the hash between calls: delete non-stable fields, add new ones.
        for (let j = 0; j < 5; j++) {
          const i = Math.floor(r() * 400);
          if (i % 3 !== 0) {
            if (r() < 0.5) h.delete('k' + i);
            else h.set('k' + i, 'x', l);
          }
        }
        calls++;
      } while (cursor !== 0 && calls < 10000);
      for (const k of stable) assert.ok(seen.has(k), `missed ${k}`);
    }
  });

  it('a cursor past the end restarts from the top', () => {
    const l = limits(0, 64);
    const h = new HashValue();
    for (let i = 0; i < 10; i++) h.set('k' + i, 'v', l);
    const seen: string[] = [];
    const next = h.scanFrom(1e19, 100, (p) => seen.push(h.fieldAt(p)));
    assert.equal(next, 0);
    assert.equal(seen.length, 10);
  });
});

describe('HashValue memory', () => {
  // Numbers measured with MEMORY USAGE on Redis 7.0.15 minus the key's sds
  // (8 bytes for a one-letter key) and the dict entry (24).
  it('listpack bytes as Redis counts them', () => {
    const l = limits();
    const h = new HashValue();
    h.set('a', '1', l);
    assert.equal(h.memoryUsage(), 64 - 32);
    h.set('b', 'bbbbbbbbbb', l);
    assert.equal(h.memoryUsage(), 80 - 32);
    h.set('c', '1234567890123', l);
    assert.equal(h.memoryUsage(), 96 - 32);
    h.delete('c');
    assert.equal(h.memoryUsage(), 80 - 32);
  });

  it('hashtable estimate as Redis counts it', () => {
    const l = limits(0, 64);
    const h = new HashValue();
    h.set('f', 'v', l);
    h.set('g', 'w', l);
    assert.equal(h.memoryUsage(), 216 - 32);
  });

  it('listpack entry sizes', () => {
    assert.equal(lpEntrySize('1'), 2);
    assert.equal(lpEntrySize('127'), 2);
    assert.equal(lpEntrySize('128'), 3);
    assert.equal(lpEntrySize('-4096'), 3);
    assert.equal(lpEntrySize('4096'), 4);
    assert.equal(lpEntrySize('-32769'), 5);
    assert.equal(lpEntrySize('8388608'), 6);
    assert.equal(lpEntrySize('2147483648'), 10);
    assert.equal(lpEntrySize('9223372036854775807'), 10);
    assert.equal(lpEntrySize('9223372036854775808'), 21);
    assert.equal(lpEntrySize('01'), 4);
    assert.equal(lpEntrySize(''), 2);
    assert.equal(lpEntrySize('x'.repeat(63)), 65);
    assert.equal(lpEntrySize('x'.repeat(64)), 67);
    assert.equal(lpEntrySize('x'.repeat(200)), 204);
  });

  it('sds and bucket sizes', () => {
    assert.equal(sdsSize(0), 8);
    assert.equal(sdsSize(6), 8);
    assert.equal(sdsSize(7), 16);
    assert.equal(sdsSize(31), 48);
    assert.equal(sdsSize(32), 48);
    assert.equal(dictBuckets(1), 4);
    assert.equal(dictBuckets(5), 8);
    assert.equal(dictBuckets(129), 256);
  });
});

describe('HashValue copies and construction', () => {
  it('clone is deep, in both encodings', () => {
    for (const l of [limits(), limits(0, 64)]) {
      const h = new HashValue();
      h.set('a', '1', l);
      h.set('b', '2', l);
      const c = h.clone();
      c.set('a', 'changed', l);
      c.delete('b');
      assert.equal(h.get('a'), '1');
      assert.equal(h.get('b'), '2');
      assert.equal(c.encoding(), h.encoding());
      assert.equal(h.clone().memoryUsage(), h.memoryUsage());
    }
  });

  it('fromEntries picks the encoding by the limits', () => {
    const l = limits(3, 5);
    const a = HashValue.fromEntries(['a', 'b'], ['1', '2'], l);
    assert.equal(a.encoding(), 'listpack');
    assert.deepEqual(entries(a), [['a', '1'], ['b', '2']]);
    assert.equal(HashValue.fromEntries(['a', 'b', 'c', 'd'], ['1', '2', '3', '4'], l).encoding(), 'hashtable');
    assert.equal(HashValue.fromEntries(['a'], ['123456'], l).encoding(), 'hashtable');
    assert.equal(HashValue.fromEntries(['a'], ['1'], l, true).encoding(), 'hashtable');
    const b = HashValue.fromEntries(['a', 'b', 'c', 'd'], ['1', '2', '3', '4'], l);
    assert.equal(b.get('d'), '4');
    assert.equal(b.size, 4);
  });
});

describe('incrByFloat (long double arithmetic)', () => {
  // Expected replies measured on Redis 7.0.15 (x86-64, 80-bit long double).
  const steps: [string | undefined, string, string][] = [
    ['10.5', '0.1', '10.6'],
    [undefined, '0.1', '0.1'],
    ['0.1', '0.2', '0.3'],
    ['0.3', '1e-20', '0.3'],
    ['1.5', '-1.5', '0'],
    ['0', '-0', '0'],
    [undefined, '-1e-20', '0'],
    [undefined, '0x10', '16'],
    [undefined, '0x1p-3', '0.125'],
    [undefined, '.5', '0.5'],
    [undefined, '5.', '5'],
    [undefined, '+5', '5'],
    [undefined, '0.000003814697265625', '0.00000381469726562'],
    [undefined, '0.000011444091796875', '0.00001144409179688'],
    [undefined, '-0.000003814697265625', '-0.00000381469726562'],
    [undefined, '5e-18', '0'],
    [undefined, '5.000000000000000001e-18', '0.00000000000000001'],
    [undefined, '0.000000000000000015', '0.00000000000000002'],
    [undefined, '0.000000000000000025', '0.00000000000000002'],
    [undefined, '123456789012345678901234567890', '123456789012345678899921813504'],
    ['9223372036854775807', '1', '9223372036854775808'],
    ['1e3', '1', '1001'],
    ['1.5', '1e400', '1' + '0'.repeat(19) + '281880683947586514586453433629052038625910693539685534008629862039363994848324160522094053927317616200295822777259255734023828976593340661017797447434546173917862448116674971723778943824391593338047470675026246684401359237513603830343735485505244955964979021825038280091068414947402456898653040951017512658092615827588920183472511643316591362664138176309734806343732497430221946880'],
    [undefined, '1e80', '100000000000000000000898856000223432128731007703742207457776729552965073551491072'],
    [undefined, '3e-4951', '0'],
    [undefined, '2e-4951', '0'],
  ];
  for (const [cur, by, want] of steps) {
    it(`${cur ?? '(new)'} + ${by}`, () => {
      assert.deepEqual(incrByFloat(cur, by), { ok: true, value: want });
    });
  }

  it('errors as Redis reports them', () => {
    for (const bad of ['', ' 1', '1 ', '1e', '.', '-', '0x', 'abc', 'nan', '1\x00', '1e-5000', '1.5e-4951', '1e5000', '1e999999999999'])
      assert.deepEqual(incrByFloat(undefined, bad), { ok: false, error: 'incr-invalid' }, bad);
    for (const inf of ['inf', '-inf', 'Infinity', 'INF']) assert.deepEqual(incrByFloat(undefined, inf), { ok: false, error: 'incr-not-finite' });
    for (const bad of ['abc', ' 1', '', '0x', 'nan']) assert.deepEqual(incrByFloat(bad, '1'), { ok: false, error: 'value-invalid' }, bad);
    assert.deepEqual(incrByFloat('-inf', '1'), { ok: false, error: 'result-not-finite' });
    assert.deepEqual(incrByFloat('1e4932', '1e4932'), { ok: false, error: 'result-not-finite' });
    assert.equal(incrByFloat(undefined, '1e4932').ok, true);
  });
});
