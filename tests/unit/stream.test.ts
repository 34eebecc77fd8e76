/**
 * Unit tests of the stream data structure (src/data/stream.ts): ID parsing
 * and arithmetic, the IdList and its rax node count, listpack sizes, node
 * filling, trimming, deletion, range scans, groups and clone.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import {
  IdList,
  Stream,
  StreamNACK,
  U64_MAX,
  MAX_ID,
  ZERO_ID,
  cmpID,
  decrID,
  idString,
  incrID,
  lcpID,
  lpIntSize,
  lpStrSize,
  parseID,
  parseU64,
  type StreamID,
  type U64,
} from '../../src/data/stream';

const id = (ms: U64, seq: U64): StreamID => ({ ms, seq });
const limits = { maxBytes: 4096, maxEntries: 100 };

/** The 16 big-endian bytes of an ID, as a hex string. */
function keyHex(x: StreamID): string {
  return BigInt(x.ms).toString(16).padStart(16, '0') + BigInt(x.seq).toString(16).padStart(16, '0');
}

/**
 * Rax node count by brute force: build the byte trie of the keys; a rax node
 * sits at the root, at every leaf, at every branching trie node, and at every
 * child of a branching node.
 */
function bruteRaxNodes(keys: StreamID[]): number {
  if (keys.length === 0) return 1;
  const children = new Map<string, Set<string>>();
  for (const k of keys) {
    const h = keyHex(k);
    for (let d = 0; d < 16; d++) {
      const p = h.slice(0, 2 * d);
      let s = children.get(p);
      if (!s) children.set(p, (s = new Set()));
      s.add(h.slice(2 * d, 2 * d + 2));
    }
  }
  const nodes = new Set<string>(['']);
  for (const k of keys) nodes.add(keyHex(k));
  for (const [p, s] of children) {
    if (s.size < 2) continue;
    nodes.add(p);
    for (const c of s) nodes.add(p + c);
  }
  return nodes.size;
}

describe('stream IDs', () => {
  it('parses IDs as streamGenericParseIDOrReply', () => {
    assert.deepEqual(parseID('1-2', 0, true), { id: id(1, 2), seqGiven: true });
    assert.deepEqual(parseID('5', 0, true), { id: id(5, 0), seqGiven: true });
    assert.deepEqual(parseID('5', U64_MAX, false)?.id, id(5, U64_MAX));
    assert.deepEqual(parseID('-', 0, false)?.id, ZERO_ID);
    assert.deepEqual(parseID('+', 0, false)?.id, MAX_ID);
    assert.equal(parseID('-', 0, true), null);
    assert.equal(parseID('+', 0, true), null);
    assert.deepEqual(parseID('7-*', 0, true, true), { id: id(7, 0), seqGiven: false });
    assert.equal(parseID('7-*', 0, true, false), null);
    assert.deepEqual(parseID('18446744073709551615-18446744073709551615', 0, true)?.id, MAX_ID);
    assert.equal(parseID('18446744073709551616', 0, true), null);
    assert.equal(parseID('1-', 0, true), null);
    assert.equal(parseID('-1', 0, true), null);
    assert.equal(parseID('abc', 0, true), null);
    assert.equal(parseID('', 0, true), null);
    assert.equal(parseID('1'.repeat(128), 0, true), null);
    // strtoull leniency: leading zeros, spaces, a sign, and wrap-around of "-n".
    assert.deepEqual(parseID('007-008', 0, true)?.id, id(7, 8));
    assert.deepEqual(parseID(' 1-+2', 0, true)?.id, id(1, 2));
    assert.deepEqual(parseID('1--05', 0, true)?.id, id(1, U64_MAX - 4n));
    assert.equal(parseID('1--5', 0, true), null);
    // The argument is a C string: it ends at a NUL.
    assert.deepEqual(parseID('3-4\0junk', 0, true)?.id, id(3, 4));
  });

  it('keeps 64-bit halves exact', () => {
    assert.equal(parseU64('9007199254740993'), 9007199254740993n);
    assert.equal(parseU64('9007199254740991'), 9007199254740991);
    assert.equal(idString(id(U64_MAX, 9007199254740992n)), '18446744073709551615-9007199254740992');
    assert.deepEqual(incrID(id(1, U64_MAX)), id(2, 0));
    assert.deepEqual(incrID(id(9007199254740991, 9007199254740991)), id(9007199254740991, 9007199254740992n));
    assert.equal(incrID(MAX_ID), null);
    assert.deepEqual(decrID(id(2, 0)), id(1, U64_MAX));
    assert.deepEqual(decrID(id(1, 9007199254740992n)), id(1, 9007199254740991));
    assert.equal(decrID(ZERO_ID), null);
    assert.equal(cmpID(id(1, 9007199254740993n), id(1, 9007199254740992n)), 1);
    assert.equal(cmpID(id(U64_MAX, 0), id(5, U64_MAX)), 1);
    assert.equal(lcpID(id(1, 1), id(1, 2)), 15);
    assert.equal(lcpID(id(1, 1), id(2, 1)), 7);
    assert.equal(lcpID(id(0x100000000, 0), id(0, 0)), 3);
    assert.equal(lcpID(id(U64_MAX, 0), id(0, 0)), 0);
    assert.equal(lcpID(id(3, 3), id(3, 3)), 16);
  });
});

describe('listpack sizes', () => {
  it('sizes integers and strings as listpack encodes them', () => {
    assert.equal(lpIntSize(0), 2);
    assert.equal(lpIntSize(127), 2);
    assert.equal(lpIntSize(128), 3);
    assert.equal(lpIntSize(-1), 3);
    assert.equal(lpIntSize(4095), 3);
    assert.equal(lpIntSize(4096), 4);
    assert.equal(lpIntSize(-32768), 4);
    assert.equal(lpIntSize(8388607), 5);
    assert.equal(lpIntSize(2147483647), 6);
    assert.equal(lpIntSize(2147483648), 10);
    assert.equal(lpStrSize('12'), 2);
    assert.equal(lpStrSize('012'), 5); // not canonical: a 3-byte string
    assert.equal(lpStrSize(''), 2);
    assert.equal(lpStrSize('a'.repeat(63)), 65);
    assert.equal(lpStrSize('a'.repeat(64)), 67);
    assert.equal(lpStrSize('a'.repeat(125)), 128);
    assert.equal(lpStrSize('a'.repeat(126)), 130);
    assert.equal(lpStrSize('a'.repeat(4095)), 4097 + 2);
    assert.equal(lpStrSize('a'.repeat(4096)), 4101 + 2);
  });

  it('counts the bytes of a node as streamAppendItem builds it', () => {
    const s = new Stream();
    s.append(id(5, 0), ['f', 'v'], limits);
    const n = s.nodes.first()!;
    // header 6 + end 1; master: count 1, deleted 0, num-fields 1, 0 (2 bytes each), "f" (3);
    // entry: flags, ms-diff 0, seq-diff 0, lp-count 4 (2 bytes each), "v" (3).
    assert.equal(n.bytes, 7 + 11 + 11);
    s.append(id(5, 1), ['g', 'v'], limits);
    // flags, ms 0, seq 1, num-fields 1, lp-count 6 (2 each), "g", "v" (3 each).
    assert.equal(n.bytes, 29 + 16);
  });
});

describe('IdList', () => {
  it('keeps items sorted through inserts and removes across chunks', () => {
    const l = new IdList<StreamID>();
    const ref: StreamID[] = [];
    const rnd = fc.sample(fc.integer({ min: 0, max: 5000 }), { seed: 42, numRuns: 3000 });
    for (const v of rnd) {
      const x = id(v >> 4, v & 15);
      const i = ref.findIndex((y) => cmpID(y, x) >= 0);
      if (i >= 0 && cmpID(ref[i], x) === 0) {
        assert.equal(l.remove(x.ms, x.seq), ref[i]);
        ref.splice(i, 1);
      } else {
        l.insert(x);
        if (i < 0) ref.push(x);
        else ref.splice(i, 0, x);
      }
    }
    assert.equal(l.size, ref.length);
    assert.deepEqual(l.toArray(), ref);
    for (const probe of [id(0, 0), id(100, 3), id(313, 15), id(400, 0)]) {
      const ge = ref.find((y) => cmpID(y, probe) >= 0);
      const le = [...ref].reverse().find((y) => cmpID(y, probe) <= 0);
      assert.equal(l.ceil(probe), ge);
      assert.equal(l.floor(probe), le);
      assert.equal(l.above(probe), ref.find((y) => cmpID(y, probe) > 0));
      assert.equal(l.below(probe), [...ref].reverse().find((y) => cmpID(y, probe) < 0));
    }
    assert.equal(l.raxNodes, bruteRaxNodes(ref));
  });

  it('counts rax nodes as the canonical compressed trie', () => {
    const part = fc.oneof(
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 250, max: 260 }),
      fc.constantFrom(65535, 65536, 16777216, 4294967295, 4294967296, 1099511627776),
      fc.constantFrom(U64_MAX, U64_MAX - 1n, 9007199254740993n, 1n << 56n),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), part, part), { maxLength: 60 }), (ops) => {
        const l = new IdList<StreamID>();
        const keys = new Map<string, StreamID>();
        for (const [del, a, b] of ops) {
          const x = id(typeof a === 'bigint' ? a : a, typeof b === 'bigint' ? b : b);
          const norm = id(typeof x.ms === 'bigint' && x.ms < 2n ** 53n ? Number(x.ms) : x.ms, typeof x.seq === 'bigint' && x.seq < 2n ** 53n ? Number(x.seq) : x.seq);
          const k = keyHex(norm);
          if (keys.has(k)) {
            if (del) {
              l.remove(norm.ms, norm.seq);
              keys.delete(k);
            }
          } else {
            l.insert(norm);
            keys.set(k, norm);
          }
          assert.equal(l.raxNodes, bruteRaxNodes([...keys.values()]));
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('Stream', () => {
  it('closes nodes by entry count (live + deleted)', () => {
    const s = new Stream();
    const lim = { maxBytes: 0, maxEntries: 3 };
    for (let i = 1; i <= 7; i++) s.append(id(1, i), ['a', '1'], lim);
    assert.equal(s.nodes.size, 3);
    assert.deepEqual(s.nodes.toArray().map((n) => n.entries.length), [3, 3, 1]);
    // A deleted entry still counts: the tail node closes at 3 entries.
    assert.ok(s.deleteEntry(id(1, 7)) === true);
    assert.equal(s.nodes.size, 2); // the last live entry of a node removes the node
    s.append(id(2, 1), ['a', '1'], lim);
    s.append(id(2, 2), ['a', '1'], lim);
    s.deleteEntry(id(2, 2));
    s.append(id(2, 3), ['a', '1'], lim);
    s.append(id(2, 4), ['a', '1'], lim);
    assert.deepEqual(s.nodes.toArray().map((n) => n.entries.length), [3, 3, 3, 1]);
    assert.equal(s.length, 9);
  });

  it('closes nodes by listpack bytes', () => {
    const s = new Stream();
    const lim = { maxBytes: 100, maxEntries: 0 };
    s.append(id(1, 1), ['f', 'x'.repeat(40)], lim);
    const first = s.nodes.first()!;
    assert.ok(first.bytes < 100);
    s.append(id(1, 2), ['f', 'x'.repeat(40)], lim); // bytes + 41 >= 100: new node
    assert.equal(s.nodes.size, 2);
  });

  it('trims exactly, approximately and with a limit', () => {
    const build = () => {
      const s = new Stream();
      for (let i = 1; i <= 10; i++) s.append(id(i, 0), ['a', String(i)], { maxBytes: 0, maxEntries: 4 });
      return s;
    };
    let s = build();
    assert.equal(s.trim({ strategy: 'maxlen', maxlen: 5, minid: ZERO_ID, approx: true, limit: 0 }), 4);
    assert.equal(s.length, 6);
    assert.deepEqual(s.firstId, id(5, 0));
    s = build();
    assert.equal(s.trim({ strategy: 'maxlen', maxlen: 5, minid: ZERO_ID, approx: false, limit: 0 }), 5);
    assert.equal(s.length, 5);
    assert.deepEqual(s.range(ZERO_ID, MAX_ID, false, 0).map((e) => e.ms), [6, 7, 8, 9, 10]);
    s = build();
    assert.equal(s.trim({ strategy: 'maxlen', maxlen: 0, minid: ZERO_ID, approx: true, limit: 5 }), 4);
    s = build();
    assert.equal(s.trim({ strategy: 'minid', maxlen: 0, minid: id(7, 0), approx: false, limit: 0 }), 6);
    assert.deepEqual(s.firstId, id(7, 0));
    s = build();
    assert.equal(s.trim({ strategy: 'minid', maxlen: 0, minid: id(7, 0), approx: true, limit: 0 }), 4);
  });

  it('scans ranges forwards and backwards, skipping deleted entries', () => {
    const s = new Stream();
    for (let i = 1; i <= 20; i++) s.append(id(i, 0), ['a', String(i)], { maxBytes: 0, maxEntries: 3 });
    s.deleteIds([id(4, 0), id(5, 0), id(6, 0), id(10, 0)]);
    assert.deepEqual(s.range(id(3, 0), id(11, 0), false, 0).map((e) => e.ms), [3, 7, 8, 9, 11]);
    assert.deepEqual(s.range(id(3, 0), id(11, 0), true, 0).map((e) => e.ms), [11, 9, 8, 7, 3]);
    assert.deepEqual(s.range(id(3, 5), id(10, 9), true, 2).map((e) => e.ms), [9, 8]);
    assert.deepEqual(s.range(id(21, 0), MAX_ID, false, 0), []);
    assert.deepEqual(s.lastValidId(), id(20, 0));
    assert.deepEqual(s.maxDeletedId, id(10, 0));
    assert.equal(s.getEntry(id(5, 0)), undefined);
    assert.equal(s.getEntry(id(7, 0))?.fv[1], '7');
  });

  it('clones deeply, groups and PELs included', () => {
    const s = new Stream();
    s.append(id(1, 1), ['a', '1'], limits);
    s.append(id(1, 2), ['b', '2'], limits);
    const g = s.createGroup('g', id(1, 2), 2)!;
    const c = g.createConsumer('alice', 5)!;
    g.restoreNack(id(1, 1), 10, 1, c);
    const t = s.clone();
    s.deleteEntry(id(1, 1));
    g.removeNack(g.pel.first()!);
    assert.equal(t.length, 2);
    const tg = t.getGroup('g')!;
    assert.equal(tg.pel.size, 1);
    const nack = tg.pel.first() as StreamNACK;
    assert.equal(nack.consumer, tg.getConsumer('alice'));
    assert.equal(tg.getConsumer('alice')!.pel.first(), nack);
    assert.equal(t.memoryUsage() > 0, true);
  });

  it('computes lag and read counters as 7.0', () => {
    const s = new Stream();
    for (let i = 1; i <= 4; i++) s.append(id(1, i), ['a', '1'], limits);
    const g = s.createGroup('g', ZERO_ID, -1)!;
    assert.equal(s.groupLag(g), 4);
    s.groupDelivered(g, id(1, 1));
    assert.equal(g.entriesRead, 1);
    assert.equal(s.groupLag(g), 3);
    s.deleteIds([id(1, 3)]);
    assert.equal(s.groupLag(g), null);
    // 7.0 checks for tombstones after the delivered ID only: the counter just counts on.
    s.groupDelivered(g, id(1, 4));
    assert.equal(g.entriesRead, 2);
    assert.equal(s.groupLag(g), 2);
  });
});
