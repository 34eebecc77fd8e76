/**
 * Unit tests of data/set.ts: intset order over the whole int64 range (beyond
 * 2^53 too), what counts as an integer, one-way conversion, the hashtable
 * against a Set model, the SCAN guarantee, removeAt, memory estimates against
 * numbers measured on Redis 7.0.15, and clone / fromMembers.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { SetValue, compareInts, isIntsetMember } from '../../src/data/set';
import type { EncodingLimits } from '../../src/db/values';

function limits(intset = 512): EncodingLimits {
  return {
    hashMaxListpackEntries: 128,
    hashMaxListpackValue: 64,
    zsetMaxListpackEntries: 128,
    zsetMaxListpackValue: 64,
    setMaxIntsetEntries: intset,
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

function members(s: SetValue): string[] {
  const out: string[] = [];
  s.forEach((m) => out.push(m));
  return out;
}

describe('integers', () => {
  it('isIntsetMember is string2ll', () => {
    for (const s of ['0', '1', '-1', '9223372036854775807', '-9223372036854775808', '42']) assert.equal(isIntsetMember(s), true, s);
    for (const s of ['', '-', '01', '-0', '+1', ' 1', '1 ', '1.0', '9223372036854775808', '-9223372036854775809', 'abc', '00'])
      assert.equal(isIntsetMember(s), false, s);
  });

  it('compareInts is exact over int64', () => {
    const r = rng(3);
    const vals: bigint[] = [0n, 1n, -1n, 9223372036854775807n, -9223372036854775808n, 9007199254740993n, 9007199254740992n, -9007199254740993n];
    for (let i = 0; i < 300; i++) {
      const mag = BigInt(Math.floor(r() * 2 ** 31)) * BigInt(Math.floor(r() * 2 ** 31)) * (r() < 0.5 ? 1n : 3n);
      const v = r() < 0.5 ? -mag : mag;
      if (v <= 9223372036854775807n && v >= -9223372036854775808n) vals.push(v);
      vals.push(BigInt(Math.floor(r() * 2000) - 1000));
    }
    for (const a of vals) {
      for (let k = 0; k < 20; k++) {
        const b = vals[Math.floor(r() * vals.length)];
        const want = a < b ? -1 : a > b ? 1 : 0;
        assert.equal(Math.sign(compareInts(a.toString(), b.toString())), want, `${a} vs ${b}`);
      }
    }
  });
});

describe('SetValue intset', () => {
  it('keeps ascending numeric order', () => {
    const l = limits();
    const s = new SetValue();
    for (const m of ['5', '-3', '100', '0', '-9223372036854775808', '9223372036854775807', '9007199254740993', '9007199254740992', '42'])
      assert.equal(s.add(m, l), true);
    assert.equal(s.add('5', l), false);
    assert.deepEqual(members(s), ['-9223372036854775808', '-3', '0', '5', '42', '100', '9007199254740992', '9007199254740993', '9223372036854775807']);
    assert.equal(s.encoding(), 'intset');
    assert.equal(s.has('42'), true);
    assert.equal(s.has('042'), false);
    assert.equal(s.has('x'), false);
    assert.equal(s.delete('0'), true);
    assert.equal(s.delete('0'), false);
    assert.equal(s.delete('abc'), false);
    assert.equal(s.size, 8);
  });

  it('converts on a non-integer or past the limit, never back', () => {
    const l = limits(4);
    const a = new SetValue();
    for (const m of ['1', '2', '3', '4']) a.add(m, l);
    assert.equal(a.encoding(), 'intset');
    a.add('5', l);
    assert.equal(a.encoding(), 'hashtable');
    for (const m of ['1', '2', '3', '4']) a.delete(m);
    assert.equal(a.encoding(), 'hashtable');
    const b = new SetValue();
    b.add('1', l);
    b.add('x', l);
    assert.equal(b.encoding(), 'hashtable');
    assert.deepEqual(members(b).sort(), ['1', 'x']);
    assert.equal(SetValue.create('x').encoding(), 'hashtable');
    assert.equal(SetValue.create('7').encoding(), 'intset');
    assert.equal(SetValue.create('07').encoding(), 'hashtable');
  });

  it('memory as Redis counts it, with the width only growing', () => {
    // MEMORY USAGE on Redis 7.0.15 minus 32 for a one-letter key.
    const l = limits();
    const s = new SetValue();
    s.add('1', l);
    assert.equal(s.memoryUsage(), 64 - 32);
    s.add('100000', l);
    assert.equal(s.memoryUsage(), 64 - 32);
    s.add('10000000000', l);
    assert.equal(s.memoryUsage(), 80 - 32);
    s.delete('10000000000');
    assert.equal(s.memoryUsage(), 80 - 32);
    assert.equal(s.intsetWidth, 8);
  });
});

describe('SetValue hashtable', () => {
  it('matches a Set model under random operations', () => {
    const r = rng(5);
    const l = limits();
    const s = SetValue.create('x');
    const model = new Set<string>();
    for (let step = 0; step < 20000; step++) {
      const m = r() < 0.3 ? String(Math.floor(r() * 100)) : 'm' + Math.floor(r() * 300);
      const op = r();
      if (op < 0.5) {
        assert.equal(s.add(m, l), !model.has(m));
        model.add(m);
      } else if (op < 0.9) {
        assert.equal(s.delete(m), model.delete(m));
      } else if (s.size > 0) {
        const got = s.removeAt(s.randomPos());
        assert.ok(model.delete(got));
      }
      if (step % 991 === 0) {
        assert.equal(s.size, model.size);
        assert.deepEqual(new Set(members(s)), model);
      }
    }
    for (const m of model) assert.ok(s.has(m));
  });

  it('SCAN returns every member present throughout, despite changes', () => {
    const r = rng(13);
    const l = limits();
    for (let round = 0; round < 50; round++) {
      const s = SetValue.create('x');
      for (let i = 0; i < 300; i++) s.add('k' + i, l);
      const seen = new Set<string>();
      let cursor = 0;
      let calls = 0;
      do {
        cursor = s.scanFrom(cursor, 1 + Math.floor(r() * 15), (p) => seen.add(s.memberAt(p)));
        for (let j = 0; j < 6; j++) {
          const i = Math.floor(r() * 600);
          if (i % 2 === 1) {
            if (r() < 0.6) s.delete('k' + i);
            else s.add('k' + i, l);
          }
        }
        calls++;
      } while (cursor !== 0 && calls < 10000);
      for (let i = 0; i < 300; i += 2) assert.ok(seen.has('k' + i), `missed k${i}`);
    }
  });

  it('memory as Redis counts it', () => {
    const l = limits();
    const s = SetValue.create('a');
    s.add('a', l);
    assert.equal(s.memoryUsage(), 168 - 32);
  });
});

describe('SetValue copies and construction', () => {
  it('clone is deep', () => {
    const l = limits();
    for (const first of ['1', 'x']) {
      const s = SetValue.create(first);
      s.add(first, l);
      s.add('2', l);
      const c = s.clone();
      c.add('3', l);
      c.delete('2');
      assert.equal(s.has('2'), true);
      assert.equal(s.has('3'), false);
      assert.equal(c.encoding(), s.encoding());
      assert.equal(s.clone().memoryUsage(), s.memoryUsage());
    }
  });

  it('fromMembers picks the encoding by content and limits', () => {
    const l = limits(3);
    const a = SetValue.fromMembers(['3', '1', '2'], l);
    assert.equal(a.encoding(), 'intset');
    assert.deepEqual(members(a), ['1', '2', '3']);
    assert.equal(SetValue.fromMembers(['1', '2', '3', '4'], l).encoding(), 'hashtable');
    assert.equal(SetValue.fromMembers(['1', 'a'], l).encoding(), 'hashtable');
    assert.equal(SetValue.fromMembers(['1'], l, true).encoding(), 'hashtable');
    assert.equal(SetValue.fromMembers([], l).size, 0);
    const w = SetValue.fromMembers(['1', '2'], l, false, 8);
    assert.equal(w.intsetWidth, 8);
    assert.equal(w.memoryUsage(), 16 + 32);
    assert.equal(SetValue.fromMembers(['1', '2'], l).intsetWidth, 2);
  });
});
