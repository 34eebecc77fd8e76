/**
 * CRC-64 as Redis computes it for RDB files and DUMP payloads: the "Jones"
 * polynomial 0xad93d23594c935a9, reflected input and output, initial value 0,
 * no final xor (check value: crc64("123456789") = 0xe9c6d914c4b8d9ca).
 *
 * 64-bit values are kept as two unsigned 32-bit halves so that the inner loop
 * stays on small integers; eight bytes are folded per step with eight tables
 * ("slicing by 8").
 */

/** The reflected polynomial, split into halves. */
const POLY_HI = 0x95ac9329;
const POLY_LO = 0xac4bc9b5;

/** tables[k * 256 + i], low and high halves. */
const TLO = new Uint32Array(8 * 256);
const THI = new Uint32Array(8 * 256);

(function buildTables(): void {
  for (let i = 0; i < 256; i++) {
    let lo = i;
    let hi = 0;
    for (let b = 0; b < 8; b++) {
      const carry = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi = hi >>> 1;
      if (carry) {
        lo = (lo ^ POLY_LO) >>> 0;
        hi = (hi ^ POLY_HI) >>> 0;
      }
    }
    TLO[i] = lo;
    THI[i] = hi;
  }
  for (let k = 1; k < 8; k++) {
    for (let i = 0; i < 256; i++) {
      const plo = TLO[(k - 1) * 256 + i];
      const phi = THI[(k - 1) * 256 + i];
      const idx = plo & 0xff;
      TLO[k * 256 + i] = (((plo >>> 8) | (phi << 24)) ^ TLO[idx]) >>> 0;
      THI[k * 256 + i] = ((phi >>> 8) ^ THI[idx]) >>> 0;
    }
  }
})();

/** A running CRC-64: feed bytes with update(), read the value with digest(). */
export class Crc64 {
  lo = 0;
  hi = 0;

  update(buf: Uint8Array, start = 0, end = buf.length): this {
    let lo = this.lo;
    let hi = this.hi;
    let p = start;
    // Eight bytes at a time.
    const fast = end - ((end - p) & 7);
    while (p < fast) {
      lo ^= buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16) | (buf[p + 3] << 24);
      hi ^= buf[p + 4] | (buf[p + 5] << 8) | (buf[p + 6] << 16) | (buf[p + 7] << 24);
      const i7 = 7 * 256 + (lo & 0xff);
      const i6 = 6 * 256 + ((lo >>> 8) & 0xff);
      const i5 = 5 * 256 + ((lo >>> 16) & 0xff);
      const i4 = 4 * 256 + (lo >>> 24);
      const i3 = 3 * 256 + (hi & 0xff);
      const i2 = 2 * 256 + ((hi >>> 8) & 0xff);
      const i1 = 256 + ((hi >>> 16) & 0xff);
      const i0 = hi >>> 24;
      lo = TLO[i7] ^ TLO[i6] ^ TLO[i5] ^ TLO[i4] ^ TLO[i3] ^ TLO[i2] ^ TLO[i1] ^ TLO[i0];
      hi = THI[i7] ^ THI[i6] ^ THI[i5] ^ THI[i4] ^ THI[i3] ^ THI[i2] ^ THI[i1] ^ THI[i0];
      p += 8;
    }
    while (p < end) {
      const idx = (lo ^ buf[p++]) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ TLO[idx];
      hi = (hi >>> 8) ^ THI[idx];
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
    return this;
  }

  /** The CRC as 8 little-endian bytes (how RDB files and DUMP payloads store it). */
  digestLE(): Buffer {
    const b = Buffer.allocUnsafe(8);
    b.writeUInt32LE(this.lo, 0);
    b.writeUInt32LE(this.hi, 4);
    return b;
  }

  /** The CRC as a bigint. */
  value(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /** True when the 8 bytes at buf[pos] hold this CRC (little endian). */
  matches(buf: Uint8Array, pos: number): boolean {
    const lo = (buf[pos] | (buf[pos + 1] << 8) | (buf[pos + 2] << 16) | (buf[pos + 3] << 24)) >>> 0;
    const hi = (buf[pos + 4] | (buf[pos + 5] << 8) | (buf[pos + 6] << 16) | (buf[pos + 7] << 24)) >>> 0;
    return lo === this.lo && hi === this.hi;
  }
}

/** crc64(0, buf[start..end]) in one call. */
export function crc64(buf: Uint8Array, start = 0, end = buf.length): Crc64 {
  return new Crc64().update(buf, start, end);
}
