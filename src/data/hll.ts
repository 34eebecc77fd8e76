/**
 * HyperLogLog in Redis's own byte format, so values move between Cinnabar
 * and Redis unchanged (GET / SET / DUMP / RESTORE):
 *
 *   header (16 bytes): "HYLL", encoding (0 dense, 1 sparse), 3 unused bytes,
 *   8 bytes of cached cardinality, little endian; the top bit of the last
 *   byte set means "cache invalid".
 *
 *   dense: 16384 registers of 6 bits, packed least significant bit first.
 *
 *   sparse: a run-length list of opcodes covering the 16384 registers:
 *     ZERO  00xxxxxx           1..64 zero registers
 *     XZERO 01xxxxxx yyyyyyyy  1..16384 zero registers (14 bits)
 *     VAL   1vvvvvxx           1..4 registers set to value 1..32
 *   It turns dense when a register needs a value above 32 or the sparse
 *   form would grow past hll-sparse-max-bytes.
 *
 * Elements are hashed with MurmurHash64A (seed 0xadc83b19): the low 14 bits
 * pick the register, the run of zeros above them (plus one) is the value.
 * Cardinality is Ertl's improved estimator, computed in doubles in the same
 * order as Redis.
 */
import { ByteString } from './bytestring';

export const HLL_P = 14;
export const HLL_Q = 64 - HLL_P;
export const HLL_REGISTERS = 1 << HLL_P;
const HLL_P_MASK = HLL_REGISTERS - 1;
const HLL_BITS = 6;
const HLL_REGISTER_MAX = (1 << HLL_BITS) - 1;
export const HLL_HDR_SIZE = 16;
export const HLL_DENSE_SIZE = HLL_HDR_SIZE + ((HLL_REGISTERS * HLL_BITS + 7) >> 3);
export const HLL_DENSE = 0;
export const HLL_SPARSE = 1;
const HLL_MAX_ENCODING = 1;

const SPARSE_VAL_MAX_VALUE = 32;
const SPARSE_VAL_MAX_LEN = 4;
const SPARSE_ZERO_MAX_LEN = 64;
const SPARSE_XZERO_MAX_LEN = 16384;

const ALPHA_INF = 0.721347520444481703680; // 0.5 / ln(2)

// ---- MurmurHash64A -------------------------------------------------------------

const M_HI = 0xc6a4a793;
const M_LO = 0x5bd1e995;
let rHi = 0;
let rLo = 0;

/** (ah:al) * (bh:bl) mod 2^64 into rHi:rLo. */
function mul64(ah: number, al: number, bh: number, bl: number): void {
  const a0 = al & 0xffff, a1 = al >>> 16;
  const b0 = bl & 0xffff, b1 = bl >>> 16;
  const mid = a0 * b1 + a1 * b0;
  const t = a0 * b0 + (mid % 65536) * 65536;
  rLo = t >>> 0;
  const carry = Math.floor(t / 4294967296);
  rHi = (a1 * b1 + Math.floor(mid / 65536) + carry + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0;
}

/** h = (h ^ mix(k)) * m for one 8-byte block k, into rHi:rLo. */
function block(hHi: number, hLo: number, kHi: number, kLo: number): void {
  mul64(kHi, kLo, M_HI, M_LO);
  kHi = rHi;
  kLo = (rLo ^ (rHi >>> 15)) >>> 0; // k ^= k >> 47
  mul64(kHi, kLo, M_HI, M_LO);
  mul64((hHi ^ rHi) >>> 0, (hLo ^ rLo) >>> 0, M_HI, M_LO);
}

/** The final avalanche and hllPatLen's reading of the hash: index * 64 + count. */
function finish(hHi: number, hLo: number): number {
  hLo = (hLo ^ (hHi >>> 15)) >>> 0;
  mul64(hHi, hLo, M_HI, M_LO);
  hHi = rHi;
  hLo = (rLo ^ (rHi >>> 15)) >>> 0;
  const index = hLo & HLL_P_MASK;
  // hash >>= 14; hash |= 1 << 50; count = trailing zeros + 1.
  const lo = ((hLo >>> HLL_P) | (hHi << (32 - HLL_P))) >>> 0;
  const hi = ((hHi >>> HLL_P) | (1 << (HLL_Q - 32))) >>> 0;
  const count = lo !== 0 ? ctz32(lo) + 1 : 32 + ctz32(hi) + 1;
  return index * 64 + count;
}

/**
 * Register index and run length of an element (hllPatLen over
 * MurmurHash64A), as index * 64 + count to stay allocation-free.
 */
export function hllPatLen(ele: string): number {
  const len = ele.length;
  mul64(0, len >>> 0, M_HI, M_LO); // len * m
  let hHi = rHi;
  let hLo = (rLo ^ HASH_SEED) >>> 0;
  const nblocks = len - (len & 7);
  let i = 0;
  for (; i < nblocks; i += 8) {
    const kLo = (ele.charCodeAt(i) | (ele.charCodeAt(i + 1) << 8) | (ele.charCodeAt(i + 2) << 16) | (ele.charCodeAt(i + 3) << 24)) >>> 0;
    const kHi = (ele.charCodeAt(i + 4) | (ele.charCodeAt(i + 5) << 8) | (ele.charCodeAt(i + 6) << 16) | (ele.charCodeAt(i + 7) << 24)) >>> 0;
    block(hHi, hLo, kHi, kLo);
    hHi = rHi;
    hLo = rLo;
  }
  const rem = len & 7;
  if (rem > 0) {
    for (let j = rem - 1; j >= 0; j--) {
      const b = ele.charCodeAt(i + j);
      if (j >= 4) hHi = (hHi ^ (b << (8 * (j - 4)))) >>> 0;
      else hLo = (hLo ^ (b << (8 * j))) >>> 0;
    }
    mul64(hHi, hLo, M_HI, M_LO);
    hHi = rHi;
    hLo = rLo;
  }
  return finish(hHi, hLo);
}

/** hllPatLen of an 8-byte element given as two little-endian 32-bit halves (PFSELFTEST). */
export function hllPatLen8(kHi: number, kLo: number): number {
  mul64(0, 8, M_HI, M_LO);
  block(rHi, (rLo ^ HASH_SEED) >>> 0, kHi >>> 0, kLo >>> 0);
  return finish(rHi, rLo);
}

const HASH_SEED = 0xadc83b19;

/** The full 64-bit MurmurHash64A as a bigint (tests). */
export function murmurHash64A(data: Buffer, seed: number): bigint {
  const m = 0xc6a4a7935bd1e995n;
  const mask = (1n << 64n) - 1n;
  let h = (BigInt(seed >>> 0) ^ ((BigInt(data.length) * m) & mask)) & mask;
  const nblocks = data.length - (data.length & 7);
  for (let i = 0; i < nblocks; i += 8) {
    let k = data.readBigUInt64LE(i);
    k = (k * m) & mask;
    k ^= k >> 47n;
    k = (k * m) & mask;
    h ^= k;
    h = (h * m) & mask;
  }
  const rem = data.length & 7;
  if (rem > 0) {
    for (let j = rem - 1; j >= 0; j--) h ^= BigInt(data[nblocks + j]) << BigInt(8 * j);
    h = (h * m) & mask;
  }
  h ^= h >> 47n;
  h = (h * m) & mask;
  h ^= h >> 47n;
  return h;
}

function ctz32(v: number): number {
  return 31 - Math.clz32(v & -v);
}

// ---- the object ------------------------------------------------------------------

/** A new, empty sparse HLL (createHLLObject): one XZERO covering every register. */
export function createHll(): ByteString {
  const n = HLL_HDR_SIZE + Math.floor((HLL_REGISTERS + SPARSE_XZERO_MAX_LEN - 1) / SPARSE_XZERO_MAX_LEN) * 2;
  const bs = new ByteString(Buffer.alloc(n));
  const b = bs.buf;
  b.write('HYLL', 0, 'latin1');
  b[4] = HLL_SPARSE;
  let p = HLL_HDR_SIZE;
  let left = HLL_REGISTERS;
  while (left > 0) {
    const x = Math.min(SPARSE_XZERO_MAX_LEN, left);
    b[p] = 0x40 | ((x - 1) >> 8);
    b[p + 1] = (x - 1) & 0xff;
    p += 2;
    left -= x;
  }
  return bs;
}

/** isHLLObjectOrReply's checks on the bytes of a string value. */
export function looksLikeHll(b: Buffer, len: number): boolean {
  if (len < HLL_HDR_SIZE) return false;
  if (b[0] !== 72 || b[1] !== 89 || b[2] !== 76 || b[3] !== 76) return false; // "HYLL"
  if (b[4] > HLL_MAX_ENCODING) return false;
  if (b[4] === HLL_DENSE && len !== HLL_DENSE_SIZE) return false;
  return true;
}

export function invalidateCache(b: Buffer): void {
  b[15] |= 0x80;
}

export function validCache(b: Buffer): boolean {
  return (b[15] & 0x80) === 0;
}

/** The cached cardinality (valid cache only): exact, a bigint past 2^53 (only in crafted values). */
export function readCache(b: Buffer): number | bigint {
  const hi = b.readUInt32LE(12);
  if (hi < 0x200000) return hi * 4294967296 + b.readUInt32LE(8);
  return b.readBigUInt64LE(8);
}

export function writeCache(b: Buffer, card: number): void {
  b.writeUInt32LE(card % 4294967296, 8);
  b.writeUInt32LE(Math.floor(card / 4294967296), 12);
}

// ---- dense registers ----------------------------------------------------------------

/** Register i of a dense HLL whose registers start at `base` in b (len: bytes valid). */
function denseGet(b: Buffer, base: number, len: number, i: number): number {
  const bit = i * HLL_BITS;
  const byte = base + (bit >> 3);
  const fb = bit & 7;
  const b0 = b[byte];
  const b1 = byte + 1 < len ? b[byte + 1] : 0;
  return ((b0 >> fb) | (b1 << (8 - fb))) & HLL_REGISTER_MAX;
}

function denseSetReg(b: Buffer, base: number, len: number, i: number, v: number): void {
  const bit = i * HLL_BITS;
  const byte = base + (bit >> 3);
  const fb = bit & 7;
  const fb8 = 8 - fb;
  b[byte] = (b[byte] & ~(HLL_REGISTER_MAX << fb)) | ((v << fb) & 0xff);
  if (byte + 1 < len) b[byte + 1] = (b[byte + 1] & ~(HLL_REGISTER_MAX >> fb8)) | (v >> fb8);
}

/** hllDenseSet: raise register i to count; 1 when it changed. */
function denseSet(bs: ByteString, i: number, count: number): number {
  const old = denseGet(bs.buf, HLL_HDR_SIZE, bs.length, i);
  if (count > old) {
    denseSetReg(bs.buf, HLL_HDR_SIZE, bs.length, i, count);
    return 1;
  }
  return 0;
}

// ---- sparse helpers --------------------------------------------------------------

/** Byte at p, 0 past the end (the sds terminator Redis would read). */
function at(bs: ByteString, p: number): number {
  return p < bs.length ? bs.buf[p] : 0;
}

const isZero = (op: number) => (op & 0xc0) === 0;
const isXZero = (op: number) => (op & 0xc0) === 0x40;
const isVal = (op: number) => (op & 0x80) !== 0;
const zeroLen = (op: number) => (op & 0x3f) + 1;
const xzeroLen = (op: number, next: number) => (((op & 0x3f) << 8) | next) + 1;
const valValue = (op: number) => ((op >> 2) & 0x1f) + 1;
const valLen = (op: number) => (op & 0x3) + 1;
const valOp = (value: number, len: number) => 0x80 | ((value - 1) << 2) | (len - 1);

/** hllSparseToDense, in place. False when the sparse data is corrupt. */
export function sparseToDense(bs: ByteString): boolean {
  const src = bs.buf;
  const end = bs.length;
  if (src[4] === HLL_DENSE) return true;
  const dense = Buffer.alloc(HLL_DENSE_SIZE);
  src.copy(dense, 0, 0, HLL_HDR_SIZE);
  dense[4] = HLL_DENSE;
  let idx = 0;
  let p = HLL_HDR_SIZE;
  while (p < end) {
    const op = src[p];
    if (isZero(op)) {
      idx += zeroLen(op);
      p++;
    } else if (isXZero(op)) {
      idx += xzeroLen(op, at(bs, p + 1));
      p += 2;
    } else {
      const run = valLen(op);
      const v = valValue(op);
      // A run past the last register is corruption (Redis 7.0.15 refuses it even right at the end).
      if (run + idx > HLL_REGISTERS) return false;
      for (let k = 0; k < run; k++) denseSetReg(dense, HLL_HDR_SIZE, HLL_DENSE_SIZE, idx++, v);
      p++;
    }
  }
  if (idx !== HLL_REGISTERS) return false;
  bs.buf = dense;
  bs.length = HLL_DENSE_SIZE;
  return true;
}

/**
 * hllSparseSet: raise register `index` to `count` in a sparse HLL, splitting
 * and merging opcodes in place, or turning the HLL dense when needed.
 * 1 when changed, 0 when not, -1 when the data is corrupt.
 */
function sparseSet(bs: ByteString, index: number, count: number, maxBytes: number): number {
  if (count > SPARSE_VAL_MAX_VALUE) return promote(bs, index, count);
  // Room for the worst case (XZERO split into XZERO-VAL-XZERO), as Redis reserves it.
  if (bs.capacity - bs.length < 3) {
    const len = bs.length;
    bs.ensureLength(len + 3);
    bs.length = len;
  }
  let b = bs.buf;
  let end = bs.length;
  const sparse = HLL_HDR_SIZE;
  let p = sparse;
  let first = 0;
  let prev = -1;
  let span = 0;
  while (p < end) {
    const op = b[p];
    let oplen = 1;
    if (isZero(op)) span = zeroLen(op);
    else if (isVal(op)) span = valLen(op);
    else {
      span = xzeroLen(op, at(bs, p + 1));
      oplen = 2;
    }
    if (index <= first + span - 1) break;
    prev = p;
    p += oplen;
    first += span;
  }
  if (span === 0 || p >= end) return -1;
  const op = b[p];
  let next = isXZero(op) ? p + 2 : p + 1;
  if (next >= end) next = -1;
  let runlen: number;
  const zero = isZero(op), xzero = isXZero(op), val = !zero && !xzero;
  if (zero) runlen = zeroLen(op);
  else if (xzero) runlen = xzeroLen(op, at(bs, p + 1));
  else runlen = valLen(op);

  let updated = false;
  if (val) {
    const old = valValue(op);
    if (old >= count) return 0;
    if (runlen === 1) {
      b[p] = valOp(count, 1);
      updated = true;
    }
  }
  if (!updated && zero && runlen === 1) {
    b[p] = valOp(count, 1);
    updated = true;
  }
  if (!updated) {
    // General case: split the opcode into up to three.
    const seq: number[] = [];
    const last = first + span - 1;
    if (zero || xzero) {
      if (index !== first) pushZeros(seq, index - first);
      seq.push(valOp(count, 1));
      if (index !== last) pushZeros(seq, last - index);
    } else {
      const cur = valValue(op);
      if (index !== first) seq.push(valOp(cur, index - first));
      seq.push(valOp(count, 1));
      if (index !== last) seq.push(valOp(cur, last - index));
    }
    const oldlen = xzero ? 2 : 1;
    const delta = seq.length - oldlen;
    if (delta > 0 && bs.length + delta > maxBytes) return promote(bs, index, count);
    if (delta !== 0) {
      if (delta > 0) {
        const len = bs.length;
        bs.ensureLength(len + delta);
        b = bs.buf;
      }
      if (next >= 0) b.copyWithin(next + delta, next, end);
      bs.length = end + delta;
    }
    for (let k = 0; k < seq.length; k++) b[p + k] = seq[k];
    end += delta;
  }
  // Merge adjacent VAL opcodes of the same value, scanning up to 5 opcodes from prev.
  p = prev >= 0 ? prev : sparse;
  let scan = 5;
  while (p < end && scan-- > 0) {
    const o = b[p];
    if (isXZero(o)) {
      p += 2;
      continue;
    }
    if (isZero(o)) {
      p++;
      continue;
    }
    if (p + 1 < end && isVal(b[p + 1])) {
      const v1 = valValue(o);
      const v2 = valValue(b[p + 1]);
      if (v1 === v2) {
        const len = valLen(o) + valLen(b[p + 1]);
        if (len <= SPARSE_VAL_MAX_LEN) {
          b[p + 1] = valOp(v1, len);
          b.copyWithin(p, p + 1, end);
          end--;
          bs.length = end;
          continue;
        }
      }
    }
    p++;
  }
  invalidateCache(b);
  return 1;
}

function pushZeros(seq: number[], len: number): void {
  if (len > SPARSE_ZERO_MAX_LEN) {
    seq.push(0x40 | ((len - 1) >> 8), (len - 1) & 0xff);
  } else seq.push(len - 1);
}

function promote(bs: ByteString, index: number, count: number): number {
  if (!sparseToDense(bs)) return -1;
  return denseSet(bs, index, count);
}

/** hllAdd: 1 when a register changed, 0 when not, -1 when the value is corrupt. */
export function hllAdd(bs: ByteString, ele: string, maxBytes: number): number {
  return hllAddHashed(bs, hllPatLen(ele), maxBytes);
}

/** hllAdd with the element already hashed (hllPatLen's index * 64 + count). */
export function hllAddHashed(bs: ByteString, pl: number, maxBytes: number): number {
  const index = Math.floor(pl / 64);
  const count = pl & 63;
  const enc = bs.buf[4];
  if (enc === HLL_DENSE) return denseSet(bs, index, count);
  if (enc === HLL_SPARSE) return sparseSet(bs, index, count, maxBytes);
  return -1;
}

/** Raise register index of an HLL to count whatever its encoding (PFMERGE's write-back). */
export function hllSet(bs: ByteString, index: number, count: number, maxBytes: number): number {
  if (bs.buf[4] === HLL_DENSE) return denseSet(bs, index, count);
  return sparseSet(bs, index, count, maxBytes);
}

/**
 * hllMerge: max[i] = max(max[i], register i). False when a sparse value is
 * corrupt.
 */
export function hllMerge(max: Uint8Array, b: Buffer, len: number): boolean {
  if (b[4] === HLL_DENSE) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const v = denseGet(b, HLL_HDR_SIZE, len, i);
      if (v > max[i]) max[i] = v;
    }
    return true;
  }
  let p = HLL_HDR_SIZE;
  let i = 0;
  while (p < len) {
    const op = b[p];
    if (isZero(op)) {
      i += zeroLen(op);
      p++;
    } else if (isXZero(op)) {
      i += xzeroLen(op, p + 1 < len ? b[p + 1] : 0);
      p += 2;
    } else {
      const run = valLen(op);
      const v = valValue(op);
      if (run + i > HLL_REGISTERS) return false;
      for (let k = 0; k < run; k++, i++) if (v > max[i]) max[i] = v;
      p++;
    }
  }
  return i === HLL_REGISTERS;
}

// ---- counting ------------------------------------------------------------------------

function sigma(x: number): number {
  if (x === 1) return Infinity;
  let zPrime: number;
  let y = 1;
  let z = x;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime !== z);
  return z;
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let zPrime: number;
  let y = 1.0;
  let z = 1 - x;
  do {
    x = Math.sqrt(x);
    zPrime = z;
    y *= 0.5;
    const d = 1 - x;
    z -= d * d * y;
  } while (zPrime !== z);
  return z / 3;
}

/** Cardinality estimate from a register histogram (reghisto[0..63]). */
export function estimate(reghisto: Int32Array | number[]): number {
  const m = HLL_REGISTERS;
  let z = m * tau((m - reghisto[HLL_Q + 1]) / m);
  for (let j = HLL_Q; j >= 1; --j) {
    z += reghisto[j];
    z *= 0.5;
  }
  z += m * sigma(reghisto[0] / m);
  const e = (ALPHA_INF * m * m) / z;
  // llroundl: half away from zero.
  const f = Math.floor(e);
  return e - f >= 0.5 ? f + 1 : f;
}

/** hllCount of a stored HLL; null when a sparse value is corrupt. */
export function hllCount(b: Buffer, len: number): number | null {
  const histo = new Int32Array(64);
  if (b[4] === HLL_DENSE) {
    for (let i = 0; i < HLL_REGISTERS; i++) histo[denseGet(b, HLL_HDR_SIZE, len, i)]++;
  } else {
    let idx = 0;
    let p = HLL_HDR_SIZE;
    while (p < len) {
      const op = b[p];
      if (isZero(op)) {
        const r = zeroLen(op);
        idx += r;
        histo[0] += r;
        p++;
      } else if (isXZero(op)) {
        const r = xzeroLen(op, p + 1 < len ? b[p + 1] : 0);
        idx += r;
        histo[0] += r;
        p += 2;
      } else {
        const r = valLen(op);
        idx += r;
        histo[valValue(op)] += r;
        p++;
      }
    }
    if (idx !== HLL_REGISTERS) return null;
  }
  return estimate(histo);
}

/** hllCount of raw registers (one byte each), for PFCOUNT of several keys. */
export function rawCount(max: Uint8Array): number {
  const histo = new Int32Array(64);
  for (let i = 0; i < HLL_REGISTERS; i++) histo[max[i]]++;
  return estimate(histo);
}

/** Every register of a dense HLL (PFDEBUG GETREG). */
export function denseRegisters(b: Buffer, len: number): number[] {
  const out = new Array<number>(HLL_REGISTERS);
  for (let i = 0; i < HLL_REGISTERS; i++) out[i] = denseGet(b, HLL_HDR_SIZE, len, i);
  return out;
}

/** PFDEBUG DECODE's text for a sparse HLL. */
export function decodeSparse(b: Buffer, len: number): string {
  const parts: string[] = [];
  let p = HLL_HDR_SIZE;
  while (p < len) {
    const op = b[p];
    if (isZero(op)) {
      parts.push(`z:${zeroLen(op)}`);
      p++;
    } else if (isXZero(op)) {
      parts.push(`Z:${xzeroLen(op, p + 1 < len ? b[p + 1] : 0)}`);
      p += 2;
    } else {
      parts.push(`v:${valValue(op)},${valLen(op)}`);
      p++;
    }
  }
  return parts.join(' ');
}

/** Dense register helpers exposed for PFSELFTEST. */
export const dense = {
  get: (b: Buffer, i: number) => denseGet(b, 0, b.length, i),
  set: (b: Buffer, i: number, v: number) => denseSetReg(b, 0, b.length, i, v),
};
