/**
 * Listpack, Redis 7.0's compact sequence of strings and integers: the blob
 * inside RDB hashes, sorted sets, quicklist nodes and stream nodes.
 *
 *   <total bytes: u32 LE> <count: u16 LE, 65535 = unknown> <entry>... <0xFF>
 *
 * An entry is <encoding+data> <backlen>. Strings that are the canonical
 * decimal of an int64 are stored as integers, in the smallest of: 7-bit
 * unsigned (0xxxxxxx), 13-bit (110xxxxx +1 byte), 16/24/32/64-bit (0xF1..0xF4,
 * little endian, two's complement). Other strings: 6-bit length (10xxxxxx),
 * 12-bit length (1110xxxx +1 byte) or 32-bit length (0xF0 + u32 LE), then the
 * bytes. backlen is the size of encoding+data in 1..5 bytes, 7 bits each,
 * readable from the right.
 */
import { writeLatin1 } from '../protocol/latin1';
import { int64Of, RdbError, latin1Of } from './rdb-encoding';

export const LP_HDR_SIZE = 6;
const LP_EOF = 0xff;

/** Bytes of the backlen for an entry of l bytes. */
function backlenSize(l: number): number {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

/** Builds one listpack. */
export class ListpackBuilder {
  buf: Buffer;
  pos = LP_HDR_SIZE;
  count = 0;

  constructor(capacity = 256) {
    this.buf = Buffer.allocUnsafe(Math.max(capacity, 16));
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const b = Buffer.allocUnsafe(cap);
    this.buf.copy(b, 0, 0, this.pos);
    this.buf = b;
  }

  /** Bytes the listpack has so far (with its end byte). */
  get bytes(): number {
    return this.pos + 1;
  }

  /** lpAppend: an integer entry when s is a canonical int64, else a string entry. */
  append(s: string): void {
    const n = s.length;
    if (n > 0 && n <= 20) {
      const c = s.charCodeAt(0);
      if ((c >= 48 && c <= 57) || c === 45) {
        const v = int64Of(s);
        if (v !== null) {
          this.appendInt(v);
          return;
        }
      }
    }
    this.appendString(s);
  }

  /** A string entry, never converted to an integer. */
  appendString(s: string): void {
    const n = s.length;
    const hdr = n < 64 ? 1 : n < 4096 ? 2 : 5;
    const l = hdr + n;
    this.ensure(l + 5);
    const b = this.buf;
    let p = this.pos;
    if (n < 64) b[p++] = 0x80 | n;
    else if (n < 4096) {
      b[p++] = 0xe0 | (n >>> 8);
      b[p++] = n & 0xff;
    } else {
      b[p++] = 0xf0;
      b.writeUInt32LE(n, p);
      p += 4;
    }
    p += writeLatin1(b, s, p);
    this.pos = p;
    this.backlen(l);
    this.count++;
  }

  /** A string entry from bytes. */
  appendBytes(data: Uint8Array): void {
    const n = data.length;
    const hdr = n < 64 ? 1 : n < 4096 ? 2 : 5;
    const l = hdr + n;
    this.ensure(l + 5);
    const b = this.buf;
    let p = this.pos;
    if (n < 64) b[p++] = 0x80 | n;
    else if (n < 4096) {
      b[p++] = 0xe0 | (n >>> 8);
      b[p++] = n & 0xff;
    } else {
      b[p++] = 0xf0;
      b.writeUInt32LE(n, p);
      p += 4;
    }
    b.set(data, p);
    this.pos = p + n;
    this.backlen(l);
    this.count++;
  }

  /** lpAppendInteger. */
  appendInt(v: number | bigint): void {
    this.ensure(10);
    const b = this.buf;
    let p = this.pos;
    let l: number;
    if (typeof v === 'bigint') {
      if (v >= -2147483648n && v <= 2147483647n) return this.appendInt(Number(v));
      b[p++] = 0xf4;
      b.writeBigInt64LE(BigInt.asIntN(64, v), p);
      p += 8;
      l = 9;
    } else if (v >= 0 && v <= 127) {
      b[p++] = v;
      l = 1;
    } else if (v >= -4096 && v <= 4095) {
      const u = v < 0 ? (1 << 13) + v : v;
      b[p++] = 0xc0 | (u >>> 8);
      b[p++] = u & 0xff;
      l = 2;
    } else if (v >= -32768 && v <= 32767) {
      b[p++] = 0xf1;
      b.writeInt16LE(v, p);
      p += 2;
      l = 3;
    } else if (v >= -8388608 && v <= 8388607) {
      b[p++] = 0xf2;
      b.writeIntLE(v, p, 3);
      p += 3;
      l = 4;
    } else if (v >= -2147483648 && v <= 2147483647) {
      b[p++] = 0xf3;
      b.writeInt32LE(v, p);
      p += 4;
      l = 5;
    } else {
      b[p++] = 0xf4;
      b.writeBigInt64LE(BigInt(v), p);
      p += 8;
      l = 9;
    }
    this.pos = p;
    this.backlen(l);
    this.count++;
  }

  private backlen(l: number): void {
    const b = this.buf;
    let p = this.pos;
    if (l <= 127) b[p++] = l;
    else if (l < 16383) {
      b[p++] = l >>> 7;
      b[p++] = (l & 127) | 128;
    } else if (l < 2097151) {
      b[p++] = l >>> 14;
      b[p++] = ((l >>> 7) & 127) | 128;
      b[p++] = (l & 127) | 128;
    } else if (l < 268435455) {
      b[p++] = l >>> 21;
      b[p++] = ((l >>> 14) & 127) | 128;
      b[p++] = ((l >>> 7) & 127) | 128;
      b[p++] = (l & 127) | 128;
    } else {
      b[p++] = Math.floor(l / 268435456);
      b[p++] = ((l >>> 21) & 127) | 128;
      b[p++] = ((l >>> 14) & 127) | 128;
      b[p++] = ((l >>> 7) & 127) | 128;
      b[p++] = (l & 127) | 128;
    }
    this.pos = p;
  }

  /** The finished listpack (a view of the builder's buffer). */
  finish(): Buffer {
    this.ensure(1);
    this.buf[this.pos] = LP_EOF;
    const total = this.pos + 1;
    this.buf.writeUInt32LE(total, 0);
    this.buf.writeUInt16LE(this.count < 65535 ? this.count : 65535, 4);
    return this.buf.subarray(0, total);
  }

  /** Start over, keeping the buffer. */
  reset(): void {
    this.pos = LP_HDR_SIZE;
    this.count = 0;
  }
}

/** Listpack bytes of a string element (what lpAppend would add). */
export function lpEntryBytes(s: string): number {
  const n = s.length;
  if (n > 0 && n <= 20) {
    const c = s.charCodeAt(0);
    if ((c >= 48 && c <= 57) || c === 45) {
      const v = int64Of(s);
      if (v !== null) return lpIntBytes(v);
    }
  }
  const l = (n < 64 ? 1 : n < 4096 ? 2 : 5) + n;
  return l + backlenSize(l);
}

/** Listpack bytes of an integer element. */
export function lpIntBytes(v: number | bigint): number {
  if (typeof v === 'bigint') return v >= -2147483648n && v <= 2147483647n ? lpIntBytes(Number(v)) : 10;
  if (v >= 0 && v <= 127) return 2;
  if (v >= -4096 && v <= 4095) return 3;
  if (v >= -32768 && v <= 32767) return 4;
  if (v >= -8388608 && v <= 8388607) return 5;
  if (v >= -2147483648 && v <= 2147483647) return 6;
  return 10;
}

/** One decoded element: a string, or an integer (number when safe, else bigint). */
export type LpValue = string | number | bigint;

/** The element as the string Redis would return for it. */
export function lpString(v: LpValue): string {
  return typeof v === 'string' ? v : String(v);
}

/**
 * Decode a listpack, validating it as lpValidateIntegrity does in deep mode:
 * header size, every entry within bounds with a matching back length, the
 * end byte at the end, and the element count when the header knows it.
 * Throws RdbError when anything is off.
 */
export function decodeListpack(lp: Uint8Array): LpValue[] {
  const out: LpValue[] = [];
  const n = lp.length;
  if (n < LP_HDR_SIZE + 1) throw new RdbError('Listpack too small');
  const total = (lp[0] | (lp[1] << 8) | (lp[2] << 16) | (lp[3] << 24)) >>> 0;
  if (total !== n) throw new RdbError('Listpack size mismatch');
  if (lp[n - 1] !== LP_EOF) throw new RdbError('Listpack not terminated');
  const count = lp[4] | (lp[5] << 8);
  let p = LP_HDR_SIZE;
  const end = n - 1;
  const buf = Buffer.from(lp.buffer, lp.byteOffset, lp.length);
  while (p < end) {
    const start = p;
    const b = lp[p];
    let v: LpValue;
    if (b < 0x80) {
      v = b;
      p += 1;
    } else if ((b & 0xc0) === 0x80) {
      const len = b & 0x3f;
      p += 1;
      if (p + len > end) throw new RdbError('Listpack entry out of range');
      v = latin1Of(buf, p, p + len);
      p += len;
    } else if ((b & 0xe0) === 0xc0) {
      if (p + 2 > end) throw new RdbError('Listpack entry out of range');
      let u = ((b & 0x1f) << 8) | lp[p + 1];
      if (u >= 1 << 12) u -= 1 << 13;
      v = u;
      p += 2;
    } else if ((b & 0xf0) === 0xe0) {
      if (p + 2 > end) throw new RdbError('Listpack entry out of range');
      const len = ((b & 0x0f) << 8) | lp[p + 1];
      p += 2;
      if (p + len > end) throw new RdbError('Listpack entry out of range');
      v = latin1Of(buf, p, p + len);
      p += len;
    } else {
      switch (b) {
        case 0xf0: {
          if (p + 5 > end) throw new RdbError('Listpack entry out of range');
          const len = buf.readUInt32LE(p + 1);
          p += 5;
          if (p + len > end) throw new RdbError('Listpack entry out of range');
          v = latin1Of(buf, p, p + len);
          p += len;
          break;
        }
        case 0xf1:
          if (p + 3 > end) throw new RdbError('Listpack entry out of range');
          v = buf.readInt16LE(p + 1);
          p += 3;
          break;
        case 0xf2:
          if (p + 4 > end) throw new RdbError('Listpack entry out of range');
          v = buf.readIntLE(p + 1, 3);
          p += 4;
          break;
        case 0xf3:
          if (p + 5 > end) throw new RdbError('Listpack entry out of range');
          v = buf.readInt32LE(p + 1);
          p += 5;
          break;
        case 0xf4: {
          if (p + 9 > end) throw new RdbError('Listpack entry out of range');
          const big = buf.readBigInt64LE(p + 1);
          v = big >= -9007199254740991n && big <= 9007199254740991n ? Number(big) : big;
          p += 9;
          break;
        }
        default:
          throw new RdbError('Invalid listpack entry encoding');
      }
    }
    // Back length.
    const l = p - start;
    const bl = backlenSize(l);
    if (p + bl > end) throw new RdbError('Listpack backlen out of range');
    let got = 0;
    // Read backwards as lpDecodeBacklen does.
    let shift = 0;
    for (let k = p + bl - 1; k >= p; k--) {
      got += (lp[k] & 127) * 2 ** shift;
      shift += 7;
      const cont = k > p ? (lp[k] & 128) !== 0 : (lp[k] & 128) === 0;
      if (!cont) throw new RdbError('Listpack backlen malformed');
    }
    if (got !== l) throw new RdbError('Listpack backlen mismatch');
    p += bl;
    out.push(v);
  }
  if (p !== end) throw new RdbError('Listpack overflow');
  if (count !== 65535 && count !== out.length) throw new RdbError('Listpack count mismatch');
  return out;
}
