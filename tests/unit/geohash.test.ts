/**
 * Unit tests of data/geohash.ts against values measured on Redis 7.0.15:
 * scores GEOADD stores, decoded positions as GEOPOS prints them, geohash
 * strings, distances, the (uint64_t) conversion of odd scores, printf-style
 * formatting with glibc's rounding, and pqsort's partial ordering.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  decodeScore,
  deinterleave64,
  distance,
  doubleToUint64,
  estimateSteps,
  formatFixed,
  formatHuman,
  geoScoreBits,
  geohashString,
  interleave64,
  pqsort,
  searchCells,
} from '../../src/data/geohash';

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

describe('geohash', () => {
  it('interleaves and deinterleaves 26-bit and 32-bit cells', () => {
    const rand = rng(1);
    for (let i = 0; i < 2000; i++) {
      const x = Math.floor(rand() * 2 ** 26);
      const y = Math.floor(rand() * 2 ** 26);
      assert.deepEqual(deinterleave64(interleave64(x, y)), [x, y]);
      const X = Math.floor(rand() * 2 ** 32);
      const Y = Math.floor(rand() * 2 ** 32);
      assert.deepEqual(deinterleave64(interleave64(X, Y)), [X, Y]);
    }
    assert.equal(interleave64(1, 0), 1n);
    assert.equal(interleave64(0, 1), 2n);
    assert.equal(interleave64(2 ** 26, 2 ** 26), 3n << 52n);
  });

  it('encodes positions to the scores Redis stores', () => {
    assert.equal(geoScoreBits(13.361389, 38.115556), 3479099956230698n);
    assert.equal(geoScoreBits(15.087269, 37.502669), 3479447370796909n);
    assert.equal(geoScoreBits(1, 2), 3378080408407459n);
    assert.equal(geoScoreBits(180, 85.05112878), 13510798882111488n);
    assert.equal(geoScoreBits(-180, -85.05112878), 0n);
  });

  it('decodes scores to the positions GEOPOS prints', () => {
    const [x, y] = decodeScore(3479099956230698);
    assert.equal(formatHuman(x), '13.36138933897018433');
    assert.equal(formatHuman(y), '38.11555639549629859');
    const [mx, my] = decodeScore(13510798882111488);
    assert.equal(formatHuman(mx), '180');
    assert.equal(formatHuman(my), '85.0511287799999991');
    const [nx, ny] = decodeScore(0);
    assert.equal(formatHuman(nx), '-179.99999731779098511');
    assert.equal(formatHuman(ny), '-85.05112751263942528');
  });

  it('converts odd scores as (uint64_t) does on x86-64', () => {
    assert.equal(doubleToUint64(-1), 0xffffffffffffffffn);
    assert.equal(doubleToUint64(-0.5), 0n);
    assert.equal(doubleToUint64(0.5), 0n);
    assert.equal(doubleToUint64(1e30), 0n);
    assert.equal(doubleToUint64(-1e300), 0x8000000000000000n);
    assert.equal(doubleToUint64(Infinity), 0n);
    assert.equal(doubleToUint64(-Infinity), 0x8000000000000000n);
    assert.equal(doubleToUint64(9223372036854775808), 0x8000000000000000n);
    assert.equal(doubleToUint64(4503599627370496), 4503599627370496n);
  });

  it('makes the geohash strings GEOHASH returns', () => {
    assert.equal(geohashString(3479099956230698), 'sqc8b49rny0');
    assert.equal(geohashString(3479447370796909), 'sqdtr74hyu0');
    assert.equal(geohashString(13510798882111488), 'bp05b5048p0');
    assert.equal(geohashString(0), '00bh0hbj200');
  });

  it('measures distances with Redis haversine', () => {
    const a = decodeScore(3479099956230698);
    const b = decodeScore(3479447370796909);
    assert.equal(formatFixed(distance(a[0], a[1], b[0], b[1]), 4), '166274.1516');
    assert.equal(formatFixed(distance(a[0], a[1], b[0], b[1]) / 1000, 4), '166.2742');
    assert.equal(formatFixed(distance(a[0], a[1], a[0], a[1]), 4), '0.0000');
  });

  it('formats like glibc printf: exact value, ties to even', () => {
    assert.equal(formatFixed(0.03125, 4), '0.0312');
    assert.equal(formatFixed(0.09375, 4), '0.0938');
    assert.equal(formatFixed(2.5, 0), '2');
    assert.equal(formatFixed(3.5, 0), '4');
    assert.equal(formatFixed(-200, 6), '-200.000000');
    assert.equal(formatFixed(-0, 2), '-0.00');
    assert.equal(formatFixed(1e21, 1), '1000000000000000000000.0');
    assert.equal(formatFixed(0.1, 20), '0.10000000000000000555');
    assert.equal(formatHuman(-0), '0');
    assert.equal(formatHuman(-1e-30), '0');
    assert.equal(formatHuman(2), '2');
    assert.equal(formatHuman(0.5), '0.5');
  });

  it('estimates steps as Redis does', () => {
    assert.equal(estimateSteps(0, 0), 26);
    assert.equal(estimateSteps(200000, 37), 6);
    assert.equal(estimateSteps(200000, 70), 5);
    assert.equal(estimateSteps(200000, 85), 4);
    assert.equal(estimateSteps(1e9, 0), 1);
    assert.equal(estimateSteps(0.01, 0), 26);
  });

  it('searches nine cells, dropping the ones outside the box', () => {
    const cells = searchCells({ xy: [15, 37], conversion: 1000, circular: true, radius: 200, width: 0, height: 0 });
    assert.equal(cells.length, 9);
    assert.ok(cells[0].step > 0);
  });

  it('pqsort leaves the requested range sorted and the rest partitioned', () => {
    const rand = rng(9);
    for (let t = 0; t < 300; t++) {
      const n = 1 + Math.floor(rand() * 120);
      const a = Array.from({ length: n }, () => Math.floor(rand() * 20));
      const sorted = a.slice().sort((x, y) => x - y);
      const k = Math.floor(rand() * n);
      const b = a.slice();
      pqsort(b, (x, y) => (x > y ? 1 : x === y ? 0 : -1), 0, k);
      assert.deepEqual(b.slice(0, k + 1), sorted.slice(0, k + 1));
      assert.deepEqual(b.slice().sort((x, y) => x - y), sorted);
    }
  });
});
