/**
 * Ziplist and zipmap: the compact encodings of RDB files written before
 * Redis 7.0 (hashes, sorted sets and lists as ziplists; quicklist v1 nodes;
 * zipmap hashes from before 2.6). Cinnabar only reads them; the encoder
 * exists for tests.
 *
 * Ziplist: <zlbytes: u32 LE> <zltail: u32 LE> <zllen: u16 LE> <entry>... <0xFF>
 * Entry: <prevlen: 1 byte, or 0xFE + u32 LE> <encoding> <data>
 *   00pppppp               string, 6-bit length
 *   01pppppp qqqqqqqq      string, 14-bit length (big endian)
 *   10000000 + u32 BE      string, 32-bit length
 *   11000000 int16, 11010000 int32, 11100000 int64, 11110000 int24, 11111110 int8
 *   1111xxxx               immediate 0..12 (xxxx - 1)
 */
import { RdbError, latin1Of } from './rdb-encoding';
import type { LpValue } from './listpack';

const ZIP_END = 0xff;
const ZIP_BIG_PREVLEN = 254;

/** Decode and validate a ziplist (ziplistValidateIntegrity, deep). */
export function decodeZiplist(zl: Uint8Array): LpValue[] {
  const b = Buffer.from(zl.buffer, zl.byteOffset, zl.length);
  if (b.length < 11) throw new RdbError('Ziplist too small');
  const bytes = b.readUInt32LE(0);
  if (bytes !== b.length) throw new RdbError('Ziplist size mismatch');
  const tail = b.readUInt32LE(4);
  const count = b.readUInt16LE(8);
  if (b[b.length - 1] !== ZIP_END) throw new RdbError('Ziplist not terminated');
  const end = b.length - 1;
  const out: LpValue[] = [];
  let p = 10;
  let prevEntryLen = 0;
  let lastStart = 10;
  while (p < end) {
    const start = p;
    let prevlen: number;
    if (b[p] < ZIP_BIG_PREVLEN) {
      prevlen = b[p];
      p += 1;
    } else {
      if (b[p] !== ZIP_BIG_PREVLEN || p + 5 > end) throw new RdbError('Ziplist prevlen malformed');
      prevlen = b.readUInt32LE(p + 1);
      p += 5;
    }
    if (prevlen !== prevEntryLen) throw new RdbError('Ziplist prevlen mismatch');
    if (p >= end) throw new RdbError('Ziplist entry out of range');
    const enc = b[p];
    let v: LpValue;
    const t = enc >> 6;
    if (t === 0 || t === 1 || t === 2) {
      let len: number;
      if (t === 0) {
        len = enc & 0x3f;
        p += 1;
      } else if (t === 1) {
        if (p + 2 > end) throw new RdbError('Ziplist entry out of range');
        len = ((enc & 0x3f) << 8) | b[p + 1];
        p += 2;
      } else {
        if (enc !== 0x80 || p + 5 > end) throw new RdbError('Ziplist entry malformed');
        len = b.readUInt32BE(p + 1);
        p += 5;
      }
      if (p + len > end) throw new RdbError('Ziplist entry out of range');
      v = latin1Of(b, p, p + len);
      p += len;
    } else {
      p += 1;
      const need = (n: number) => {
        if (p + n > end) throw new RdbError('Ziplist entry out of range');
      };
      switch (enc) {
        case 0xc0:
          need(2);
          v = b.readInt16LE(p);
          p += 2;
          break;
        case 0xd0:
          need(4);
          v = b.readInt32LE(p);
          p += 4;
          break;
        case 0xe0: {
          need(8);
          const big = b.readBigInt64LE(p);
          v = big >= -9007199254740991n && big <= 9007199254740991n ? Number(big) : big;
          p += 8;
          break;
        }
        case 0xf0:
          need(3);
          v = b.readIntLE(p, 3);
          p += 3;
          break;
        case 0xfe:
          need(1);
          v = b.readInt8(p);
          p += 1;
          break;
        default:
          if (enc >= 0xf1 && enc <= 0xfd) v = (enc & 0x0f) - 1;
          else throw new RdbError('Ziplist entry has an invalid encoding');
      }
    }
    prevEntryLen = p - start;
    lastStart = start;
    out.push(v);
  }
  if (p !== end) throw new RdbError('Ziplist overflow');
  if (out.length > 0 && tail !== lastStart) throw new RdbError('Ziplist tail offset mismatch');
  if (out.length === 0 && tail !== 10) throw new RdbError('Ziplist tail offset mismatch');
  if (count !== 65535 && count !== out.length) throw new RdbError('Ziplist count mismatch');
  return out;
}

/** Encode strings as a ziplist, choosing encodings as Redis's ziplist did (tests use it). */
export function encodeZiplist(items: readonly string[]): Buffer {
  const parts: Buffer[] = [];
  let prev = 0;
  let offset = 10;
  let tail = 10;
  for (const s of items) {
    const prevlen = prev < ZIP_BIG_PREVLEN ? Buffer.from([prev]) : Buffer.concat([Buffer.from([ZIP_BIG_PREVLEN]), u32le(prev)]);
    let body: Buffer;
    const asInt = /^-?(0|[1-9]\d{0,18})$/.test(s) && s !== '-0' ? BigInt(s) : null;
    if (asInt !== null && asInt >= -9223372036854775808n && asInt <= 9223372036854775807n) {
      const v = asInt;
      if (v >= 0n && v <= 12n) body = Buffer.from([0xf1 + Number(v)]);
      else if (v >= -128n && v <= 127n) {
        body = Buffer.alloc(2);
        body[0] = 0xfe;
        body.writeInt8(Number(v), 1);
      } else if (v >= -32768n && v <= 32767n) {
        body = Buffer.alloc(3);
        body[0] = 0xc0;
        body.writeInt16LE(Number(v), 1);
      } else if (v >= -8388608n && v <= 8388607n) {
        body = Buffer.alloc(4);
        body[0] = 0xf0;
        body.writeIntLE(Number(v), 1, 3);
      } else if (v >= -2147483648n && v <= 2147483647n) {
        body = Buffer.alloc(5);
        body[0] = 0xd0;
        body.writeInt32LE(Number(v), 1);
      } else {
        body = Buffer.alloc(9);
        body[0] = 0xe0;
        body.writeBigInt64LE(v, 1);
      }
    } else {
      const data = Buffer.from(s, 'latin1');
      const n = data.length;
      let hdr: Buffer;
      if (n <= 63) hdr = Buffer.from([n]);
      else if (n <= 16383) hdr = Buffer.from([0x40 | (n >> 8), n & 0xff]);
      else {
        hdr = Buffer.alloc(5);
        hdr[0] = 0x80;
        hdr.writeUInt32BE(n, 1);
      }
      body = Buffer.concat([hdr, data]);
    }
    const entry = Buffer.concat([prevlen, body]);
    tail = offset;
    offset += entry.length;
    prev = entry.length;
    parts.push(entry);
  }
  const head = Buffer.alloc(10);
  const total = offset + 1;
  head.writeUInt32LE(total, 0);
  head.writeUInt32LE(tail, 4);
  head.writeUInt16LE(Math.min(items.length, 65535), 8);
  return Buffer.concat([head, ...parts, Buffer.from([ZIP_END])]);
}

function u32le(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v, 0);
  return b;
}

/**
 * Decode a zipmap (RDB_TYPE_HASH_ZIPMAP): <zmlen> then <len>key<len><free>value
 * ..., 0xFF. Lengths are 1 byte below 254, else 254 + u32 (little endian).
 * Returns [field, value, field, value, ...].
 */
export function decodeZipmap(zm: Uint8Array): string[] {
  const b = Buffer.from(zm.buffer, zm.byteOffset, zm.length);
  if (b.length < 2) throw new RdbError('Zipmap too small');
  const out: string[] = [];
  let p = 1;
  const readLen = (): number => {
    if (p >= b.length) throw new RdbError('Zipmap entry out of range');
    const c = b[p];
    if (c < 254) {
      p += 1;
      return c;
    }
    if (c === 254) {
      if (p + 5 > b.length) throw new RdbError('Zipmap entry out of range');
      const v = b.readUInt32LE(p + 1);
      p += 5;
      return v;
    }
    return -1; // end marker
  };
  for (;;) {
    const klen = readLen();
    if (klen < 0) break;
    if (p + klen > b.length) throw new RdbError('Zipmap entry out of range');
    const key = latin1Of(b, p, p + klen);
    p += klen;
    const vlen = readLen();
    if (vlen < 0) throw new RdbError('Zipmap value missing');
    if (p >= b.length) throw new RdbError('Zipmap entry out of range');
    const free = b[p++];
    if (p + vlen + free > b.length) throw new RdbError('Zipmap entry out of range');
    const val = latin1Of(b, p, p + vlen);
    p += vlen + free;
    out.push(key, val);
  }
  if (p !== b.length - 1) throw new RdbError('Zipmap trailing data');
  return out;
}
