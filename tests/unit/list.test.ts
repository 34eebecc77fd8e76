/**
 * The list data structure against a plain array model: random operations in
 * both shapes (flat and chunked) and across their thresholds, the memory
 * model against figures measured on Redis 7.0.15, and a 1,000,000-element
 * list whose middle access and changes must not depend on its length.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { ListValue, lpEntrySize } from '../../src/data/list';

/** Small deterministic PRNG (mulberry32) so failures reproduce. */
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

function same(l: ListValue, model: string[], what = ''): void {
  l.checkInvariants();
  assert.equal(l.length, model.length, what);
  assert.deepEqual(l.toArray(), model, what);
}

describe('ListValue basics', () => {
  it('pushes and pops at both ends', () => {
    const l = new ListValue();
    assert.equal(l.length, 0);
    assert.equal(l.popHead(), undefined);
    assert.equal(l.popTail(), undefined);
    l.pushTail('b');
    l.pushHead('a');
    l.pushTail('c');
    same(l, ['a', 'b', 'c']);
    assert.equal(l.get(0), 'a');
    assert.equal(l.get(2), 'c');
    assert.equal(l.popHead(), 'a');
    assert.equal(l.popTail(), 'c');
    assert.equal(l.popTail(), 'b');
    same(l, []);
  });

  it('builds from an array, iterates head to tail, clones deeply', () => {
    for (const n of [0, 1, 5, 128, 129, 256, 1000, 5000]) {
      const items = Array.from({ length: n }, (_, i) => 'v' + i);
      const l = new ListValue(items);
      same(l, items, `n=${n}`);
      assert.deepEqual([...l], items);
      const seen: string[] = [];
      l.forEach((v, i) => {
        assert.equal(i, seen.length);
        seen.push(v);
      });
      assert.deepEqual(seen, items);
      const c = l.clone();
      c.pushHead('x');
      if (n > 0) c.set(n - 1 + 1, 'changed');
      same(l, items, 'original unchanged by clone edits');
      assert.equal(c.length, n + 1);
      assert.equal(l.encoding(), 'quicklist');
      assert.equal(l.type, 'list');
    }
    // The constructor copies: the caller's array stays its own.
    const src = ['a', 'b'];
    const l = ListValue.from(src);
    l.pushTail('c');
    assert.deepEqual(src, ['a', 'b']);
  });

  it('changes shape at the thresholds and back', () => {
    const l = new ListValue();
    for (let i = 0; i < 128; i++) l.pushTail(String(i));
    assert.equal(l.shape, 'flat');
    l.pushHead('h');
    assert.equal(l.shape, 'chunked');
    l.checkInvariants();
    while (l.length > 32) l.popTail();
    assert.equal(l.shape, 'flat');
    l.checkInvariants();
    assert.equal(l.get(0), 'h');
  });

  it('insert, removeMatching, trim, set on small and large lists', () => {
    for (const n of [3, 100, 127, 128, 300, 2000]) {
      const model = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 'x' : 'e' + i));
      const l = new ListValue(model);
      l.insert(0, 'first');
      model.unshift('first');
      l.insert(l.length, 'last');
      model.push('last');
      const mid = model.length >> 1;
      l.insert(mid, 'mid');
      model.splice(mid, 0, 'mid');
      same(l, model, `insert n=${n}`);
      assert.equal(l.indexOf('mid'), model.indexOf('mid'));
      assert.equal(l.indexOf('nothere'), -1);
      // Remove two x from the head, then two from the tail, then all.
      let removed = l.removeMatching('x', 2, false);
      for (let k = 0, i = 0; k < removed; i++) if (model[i] === 'x') (model.splice(i, 1), k++, i--);
      same(l, model, `lrem head n=${n}`);
      removed = l.removeMatching('x', 2, true);
      for (let k = 0, i = model.length - 1; k < removed; i--) if (model[i] === 'x') (model.splice(i, 1), k++);
      same(l, model, `lrem tail n=${n}`);
      const all = model.filter((v) => v === 'x').length;
      assert.equal(l.removeMatching('x', 0, false), all);
      same(l, model.filter((v) => v !== 'x'), `lrem all n=${n}`);
      const m2 = model.filter((v) => v !== 'x');
      l.set(0, '12345');
      m2[0] = '12345';
      same(l, m2);
      const s = Math.floor(m2.length / 4);
      const e = m2.length - s - 1;
      l.trim(s, e);
      same(l, m2.slice(s, e + 1), `trim n=${n}`);
      l.clear();
      same(l, []);
    }
  });

  it('matches an array model under random operations', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const r = rng(seed);
      const l = new ListValue();
      const model: string[] = [];
      const val = () => (r() < 0.3 ? String(Math.floor(r() * 20)) : 'v' + Math.floor(r() * 1000));
      // Phases of growth and shrinkage cross the flat/chunked thresholds many times.
      for (let step = 0; step < 4000; step++) {
        const grow = Math.floor(step / 500) % 2 === 0;
        const op = r();
        if (op < (grow ? 0.3 : 0.1)) {
          const v = val();
          l.pushTail(v);
          model.push(v);
        } else if (op < (grow ? 0.6 : 0.2)) {
          const v = val();
          l.pushHead(v);
          model.unshift(v);
        } else if (op < 0.45) {
          assert.equal(l.popHead(), model.shift());
        } else if (op < 0.7) {
          assert.equal(l.popTail(), model.pop());
        } else if (op < 0.78) {
          const i = Math.floor(r() * (model.length + 1));
          const v = val();
          l.insert(i, v);
          model.splice(i, 0, v);
        } else if (op < 0.84 && model.length > 0) {
          const i = Math.floor(r() * model.length);
          const v = val();
          l.set(i, v);
          model[i] = v;
        } else if (op < 0.88) {
          const v = val();
          const count = Math.floor(r() * 4);
          const fromTail = r() < 0.5;
          const got = l.removeMatching(v, count, fromTail);
          let k = 0;
          if (!fromTail) {
            for (let i = 0; i < model.length && (count === 0 || k < count); i++) if (model[i] === v) (model.splice(i, 1), k++, i--);
          } else {
            for (let i = model.length - 1; i >= 0 && (count === 0 || k < count); i--) if (model[i] === v) (model.splice(i, 1), k++);
          }
          assert.equal(got, k);
        } else if (op < 0.9 && model.length > 0) {
          const s = Math.floor(r() * model.length);
          const e = s + Math.floor(r() * (model.length - s));
          l.trim(s, e);
          model.splice(0, model.length, ...model.slice(s, e + 1));
        } else if (model.length > 0) {
          const i = Math.floor(r() * model.length);
          assert.equal(l.get(i), model[i]);
        }
        if (step % 97 === 0) same(l, model, `seed ${seed} step ${step}`);
      }
      same(l, model, `seed ${seed} end`);
      same(l.clone(), model, `seed ${seed} clone`);
    }
  });
});

describe('ListValue memory model (MEMORY USAGE on Redis 7.0.15)', () => {
  // MEMORY USAGE minus the key's sds (8 for a 1-char key) and dict entry (24).
  const value = (items: string[]) => new ListValue(items).memoryUsage();
  it('is exact for single-node lists', () => {
    assert.equal(value(['a']), 144 - 32);
    assert.equal(value(Array.from({ length: 100 }, (_, i) => String(i + 1))), 352 - 32);
  });
  it('estimates multi-node lists as Redis does', () => {
    assert.equal(value(Array.from({ length: 3000 }, (_, i) => String(i + 1))), 9128 - 32);
    assert.equal(value(Array.from({ length: 10000 }, () => 'xxx')), 57712 - 32);
    assert.equal(value(Array.from({ length: 2000 }, (_, i) => 'e' + i + 'x'.repeat(100))), 222352 - 32);
    assert.equal(value(Array.from({ length: 20 }, (_, i) => 'e' + i + 'x'.repeat(10000))), 205688 - 32);
  });
  it('samples the partly filled head node of a list grown at the head', () => {
    const l = new ListValue();
    for (let i = 0; i < 10000; i++) l.pushHead('xxx');
    assert.equal(l.memoryUsage(), 47676 - 32);
    assert.equal(l.clone().memoryUsage(), 47676 - 32);
  });
  it('estimates the node count DEBUG OBJECT reports', () => {
    const l = new ListValue();
    for (let i = 0; i < 20000; i++) l.pushHead('job-' + i);
    // Redis: ql_nodes:26 ql_uncompressed_size:209072
    assert.equal(l.quicklistNodes(), 26);
    assert.equal(l.listpackBytes + 7 * l.quicklistNodes(), 209072);
    assert.equal(new ListValue(['a']).quicklistNodes(), 1);
    assert.equal(new ListValue().quicklistNodes(), 0);
  });
  it('sizes listpack entries', () => {
    assert.equal(lpEntrySize('a'), 3);
    assert.equal(lpEntrySize('127'), 2);
    assert.equal(lpEntrySize('128'), 3);
    assert.equal(lpEntrySize('-4096'), 3);
    assert.equal(lpEntrySize('4096'), 4);
    assert.equal(lpEntrySize('-32768'), 4);
    assert.equal(lpEntrySize('8388607'), 5);
    assert.equal(lpEntrySize('2147483647'), 6);
    assert.equal(lpEntrySize('2147483648'), 10);
    assert.equal(lpEntrySize('9223372036854775807'), 10);
    assert.equal(lpEntrySize('9223372036854775808'), 21);
    assert.equal(lpEntrySize('01'), 4);
    assert.equal(lpEntrySize('-0'), 4);
    assert.equal(lpEntrySize(''), 2);
    assert.equal(lpEntrySize('x'.repeat(63)), 65);
    assert.equal(lpEntrySize('x'.repeat(64)), 66 + 1);
    assert.equal(lpEntrySize('x'.repeat(200)), 202 + 2);
    assert.equal(lpEntrySize('x'.repeat(5000)), 5005 + 2);
  });
  it('stays in step with changes', () => {
    const l = new ListValue();
    const before = l.memoryUsage();
    for (let i = 0; i < 10000; i++) l.pushTail('element-' + i);
    const big = l.memoryUsage();
    assert.ok(big > before + 10000 * 10);
    for (let i = 0; i < 10000; i++) l.popHead();
    assert.equal(l.memoryUsage(), before);
  });
});

describe('ListValue with 1,000,000 elements', () => {
  const N = 1_000_000;
  it('reads and writes the middle without walking the list', () => {
    const l = new ListValue();
    for (let i = 0; i < N; i++) l.pushTail(String(i));
    assert.equal(l.length, N);
    assert.equal(l.shape, 'chunked');
    // 200,000 random accesses anywhere: each is a constant number of steps
    // (element i is chunk (off+i)>>8, slot (off+i)&255). A walking list would
    // take ~10^11 steps here and never finish.
    const r = rng(7);
    for (let k = 0; k < 100_000; k++) {
      const i = Math.floor(r() * N);
      assert.equal(l.get(i), String(i));
    }
    for (let k = 0; k < 100_000; k++) {
      const i = (N >> 1) + Math.floor(r() * 1000);
      l.set(i, 'm' + i);
      assert.equal(l.get(i), 'm' + i);
    }
    l.checkInvariants();
  });

  it('inserts and removes in the middle by shifting the shorter side', () => {
    const l = new ListValue(Array.from({ length: N }, (_, i) => String(i)));
    let before = ListValue.moves;
    l.insert(10, 'near-head');
    assert.ok(ListValue.moves - before <= 10, 'near the head moves only the head side');
    before = ListValue.moves;
    l.insert(l.length - 10, 'near-tail');
    assert.ok(ListValue.moves - before <= 10, 'near the tail moves only the tail side');
    before = ListValue.moves;
    l.insert(N >> 1, 'middle');
    assert.ok(ListValue.moves - before <= N / 2 + 1);
    assert.equal(l.get(10), 'near-head');
    assert.equal(l.get(N >> 1), 'middle');
    assert.equal(l.get(l.length - 11), 'near-tail');
    before = ListValue.moves;
    assert.equal(l.removeMatching('near-head', 1, false), 1);
    assert.ok(ListValue.moves - before <= 10);
    before = ListValue.moves;
    assert.equal(l.removeMatching('near-tail', 1, true), 1);
    assert.ok(ListValue.moves - before <= 11);
    assert.equal(l.removeMatching('middle', 0, false), 1);
    assert.equal(l.length, N);
    for (let i = 0; i < N; i += 9973) assert.equal(l.get(i), String(i));
    l.checkInvariants();
  });

  it('works as a queue for millions of operations with bounded memory', () => {
    const l = new ListValue();
    let head = 0;
    let tail = 0;
    for (let k = 0; k < 3_000_000; k++) {
      if (k % 3 !== 2 || tail === head) l.pushTail(String(tail++));
      else assert.equal(l.popHead(), String(head++));
    }
    assert.equal(l.length, tail - head);
    l.checkInvariants();
    // Trimming a long list keeping a little is cheap and exact.
    l.trim(5, 14);
    assert.deepEqual(l.toArray(), Array.from({ length: 10 }, (_, i) => String(head + 5 + i)));
    l.checkInvariants();
  });
});
