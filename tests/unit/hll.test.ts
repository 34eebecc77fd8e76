/**
 * Unit tests of the HyperLogLog representation (src/data/hll.ts): the hash,
 * the empty sparse value, sparse edits against a dense model, promotion, the
 * estimator, and detection of corrupt sparse data. Byte-for-byte agreement
 * with Redis itself is checked by the differential tests.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { ByteString } from '../../src/data/bytestring';
import {
  HLL_DENSE,
  HLL_DENSE_SIZE,
  HLL_HDR_SIZE,
  HLL_REGISTERS,
  HLL_SPARSE,
  createHll,
  decodeSparse,
  denseRegisters,
  hllAdd,
  hllCount,
  hllMerge,
  hllPatLen,
  hllPatLen8,
  looksLikeHll,
  murmurHash64A,
  rawCount,
  sparseToDense,
} from '../../src/data/hll';

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

/** hllPatLen computed from the bigint MurmurHash64A. */
function patLenRef(s: string): number {
  const h = murmurHash64A(Buffer.from(s, 'latin1'), 0xadc83b19);
  const index = Number(h & 16383n);
  let rest = (h >> 14n) | (1n << 50n);
  let count = 1;
  while ((rest & 1n) === 0n) {
    count++;
    rest >>= 1n;
  }
  return index * 64 + count;
}

function emptyDense(): ByteString {
  const b = Buffer.alloc(HLL_DENSE_SIZE);
  b.write('HYLL', 0, 'latin1');
  b[4] = HLL_DENSE;
  return new ByteString(b);
}

describe('hyperloglog', () => {
  it('hashes like MurmurHash64A with Redis seed', () => {
    const r = rng(1);
    for (let i = 0; i < 2000; i++) {
      let s = '';
      const n = Math.floor(r() * 40);
      for (let j = 0; j < n; j++) s += String.fromCharCode(Math.floor(r() * 256));
      assert.equal(hllPatLen(s), patLenRef(s), JSON.stringify(s));
    }
    // 8-byte little-endian elements (PFSELFTEST's).
    const b = Buffer.alloc(8);
    for (let i = 0; i < 200; i++) {
      const lo = Math.floor(r() * 4294967296);
      const hi = Math.floor(r() * 4294967296);
      b.writeUInt32LE(lo, 0);
      b.writeUInt32LE(hi, 4);
      assert.equal(hllPatLen8(hi, lo), patLenRef(b.toString('latin1')));
    }
  });

  it('creates an empty sparse value of 18 bytes', () => {
    const h = createHll();
    assert.equal(h.length, 18);
    assert.equal(h.toString(), 'HYLL\x01' + '\x00'.repeat(11) + '\x7f\xff');
    assert.equal(hllCount(h.buf, h.length), 0);
    assert.equal(decodeSparse(h.buf, h.length), 'Z:16384');
  });

  it('encodes a, b, c as Redis does', () => {
    const h = createHll();
    for (const e of ['a', 'b', 'c']) hllAdd(h, e, 3000);
    assert.equal(decodeSparse(h.buf, h.length), 'Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603');
    assert.equal(hllCount(h.buf, h.length), 3);
  });

  it('keeps sparse and dense in agreement, and promotes past the size limit', () => {
    const r = rng(7);
    for (const limit of [3000, 300, 40]) {
      const sparse = createHll();
      const dense = emptyDense();
      let promoted = false;
      for (let i = 0; i < 5000; i++) {
        const e = `el${Math.floor(r() * 100000)}`;
        const a = hllAdd(sparse, e, limit);
        const b = hllAdd(dense, e, limit);
        assert.equal(a, b, `element ${i}`);
        if (sparse.buf[4] === HLL_SPARSE) assert.ok(sparse.length <= limit || sparse.length === 18);
        else promoted = true;
        if (i % 500 === 0 || i < 50) {
          assert.equal(hllCount(sparse.buf, sparse.length), hllCount(dense.buf, dense.length));
          if (sparse.buf[4] === HLL_SPARSE) {
            const copy = new ByteString(sparse.buf.subarray(0, sparse.length));
            assert.ok(sparseToDense(copy));
            assert.deepEqual(denseRegisters(copy.buf, copy.length), denseRegisters(dense.buf, dense.length));
          }
        }
      }
      assert.ok(promoted);
      assert.equal(sparse.length, HLL_DENSE_SIZE);
      assert.deepEqual(denseRegisters(sparse.buf, sparse.length), denseRegisters(dense.buf, dense.length));
    }
  });

  it('merges into raw registers and estimates within the expected error', () => {
    const a = createHll();
    const b = emptyDense();
    for (let i = 0; i < 20000; i++) hllAdd(i % 2 ? a : b, `m${i}`, 3000);
    const max = new Uint8Array(HLL_REGISTERS);
    assert.ok(hllMerge(max, a.buf, a.length));
    assert.ok(hllMerge(max, b.buf, b.length));
    const n = rawCount(max);
    assert.ok(Math.abs(n - 20000) < 20000 * 0.05, String(n));
  });

  it('detects corrupt sparse data and malformed headers', () => {
    const bad = (tail: number[]) => {
      const b = Buffer.from([...Buffer.from('HYLL\x01' + '\x00'.repeat(10) + '\x80', 'latin1'), ...tail]);
      return new ByteString(b);
    };
    const short = bad([0x7f, 0xfe]); // covers 16383 registers
    assert.equal(hllCount(short.buf, short.length), null);
    assert.equal(sparseToDense(short), false);
    assert.ok(!hllMerge(new Uint8Array(HLL_REGISTERS), short.buf, short.length));
    const long = bad([0x7f, 0xff, 0x00]);
    assert.equal(hllCount(long.buf, long.length), null);
    assert.equal(hllAdd(long, 'a', 3000) === -1 || hllCount(long.buf, long.length) === null, true);
    assert.ok(looksLikeHll(Buffer.from('HYLL\x01' + '\x00'.repeat(11), 'latin1'), HLL_HDR_SIZE));
    assert.ok(!looksLikeHll(Buffer.from('HYLL\x02' + '\x00'.repeat(11), 'latin1'), HLL_HDR_SIZE));
    assert.ok(!looksLikeHll(Buffer.from('HYLL\x00' + '\x00'.repeat(11), 'latin1'), HLL_HDR_SIZE));
    assert.ok(!looksLikeHll(Buffer.from('HYLX\x01' + '\x00'.repeat(11), 'latin1'), HLL_HDR_SIZE));
    assert.ok(!looksLikeHll(Buffer.from('HYLL', 'latin1'), 4));
  });
});
