/**
 * RDB primitives: the byte writer and reader every RDB codec uses.
 *
 * - Lengths: 00xxxxxx (6 bits), 01xxxxxx xxxxxxxx (14 bits, big endian),
 *   0x80 + 4 bytes and 0x81 + 8 bytes (big endian).
 * - Strings: a length then the bytes; or 11xxxxxx "special" encodings:
 *   0xC0/0xC1/0xC2 an 8/16/32-bit little-endian integer (used when the string
 *   is the canonical decimal of an integer that fits), 0xC3 LZF (compressed
 *   length, original length, data), used when rdbcompression is on, the
 *   string is longer than 20 bytes and LZF saves at least 5 bytes.
 * - Doubles: 8 bytes little endian (ZSET_2), or the old textual form
 *   (a length byte, 253 nan, 254 +inf, 255 -inf).
 * - Millisecond times: 8 bytes little endian; second times: 4 bytes.
 *
 * Strings are latin1 JS strings (one char per byte) as everywhere in Cinnabar.
 */
import { writeLatin1 } from '../protocol/latin1';
import { Crc64 } from './crc64';
import { lzfCompress, lzfDecompress, LzfError } from './lzf';

export const RDB_VERSION = 10;

// Value types (rdbSaveObjectType / rdbLoadObjectType).
export const RDB_TYPE_STRING = 0;
export const RDB_TYPE_LIST = 1;
export const RDB_TYPE_SET = 2;
export const RDB_TYPE_ZSET = 3;
export const RDB_TYPE_HASH = 4;
export const RDB_TYPE_ZSET_2 = 5;
export const RDB_TYPE_MODULE_PRE_GA = 6;
export const RDB_TYPE_MODULE_2 = 7;
export const RDB_TYPE_HASH_ZIPMAP = 9;
export const RDB_TYPE_LIST_ZIPLIST = 10;
export const RDB_TYPE_SET_INTSET = 11;
export const RDB_TYPE_ZSET_ZIPLIST = 12;
export const RDB_TYPE_HASH_ZIPLIST = 13;
export const RDB_TYPE_LIST_QUICKLIST = 14;
export const RDB_TYPE_STREAM_LISTPACKS = 15;
export const RDB_TYPE_HASH_LISTPACK = 16;
export const RDB_TYPE_ZSET_LISTPACK = 17;
export const RDB_TYPE_LIST_QUICKLIST_2 = 18;
export const RDB_TYPE_STREAM_LISTPACKS_2 = 19;

// Opcodes.
export const RDB_OPCODE_FUNCTION2 = 245;
export const RDB_OPCODE_FUNCTION_PRE_GA = 246;
export const RDB_OPCODE_MODULE_AUX = 247;
export const RDB_OPCODE_IDLE = 248;
export const RDB_OPCODE_FREQ = 249;
export const RDB_OPCODE_AUX = 250;
export const RDB_OPCODE_RESIZEDB = 251;
export const RDB_OPCODE_EXPIRETIME_MS = 252;
export const RDB_OPCODE_EXPIRETIME = 253;
export const RDB_OPCODE_SELECTDB = 254;
export const RDB_OPCODE_EOF = 255;

/** Quicklist node containers (RDB_TYPE_LIST_QUICKLIST_2). */
export const QUICKLIST_NODE_CONTAINER_PLAIN = 1;
export const QUICKLIST_NODE_CONTAINER_PACKED = 2;

const RDB_ENC_INT8 = 0;
const RDB_ENC_INT16 = 1;
const RDB_ENC_INT32 = 2;
const RDB_ENC_LZF = 3;

type Latin1Slicer = { latin1Slice(start: number, end: number): string };

/** buf[start..end) as a latin1 string (Buffer.latin1Slice, missing from the typings). */
export function latin1Of(buf: Buffer, start: number, end: number): string {
  return (buf as unknown as Latin1Slicer).latin1Slice(start, end);
}

/** Corrupt or unsupported RDB data. The message is what logs show. */
export class RdbError extends Error {}

/**
 * The integer rdbTryIntegerEncoding would store for s: s must be the
 * canonical decimal (string2ll + ll2string round trip) of a value within
 * int32. Returns null otherwise.
 */
export function int32Of(s: string): number | null {
  const n = s.length;
  if (n === 0 || n > 11) return null;
  let i = 0;
  let c = s.charCodeAt(0);
  if (c === 45) {
    if (n === 1) return null;
    i = 1;
    c = s.charCodeAt(1);
  }
  if (c === 48) return n === 1 ? 0 : null;
  if (c < 49 || c > 57) return null;
  let v = 0;
  for (; i < n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return null;
    v = v * 10 + d;
  }
  if (s.charCodeAt(0) === 45) v = -v;
  if (v < -2147483648 || v > 2147483647) return null;
  return v;
}

/**
 * The int64 a canonical decimal string stands for (string2ll with the
 * ll2string round trip, as listpack's lpStringToInt64), or null. A number
 * when it is a safe integer, else a bigint.
 */
export function int64Of(s: string): number | bigint | null {
  const n = s.length;
  if (n === 0 || n > 20) return null;
  let i = 0;
  let c = s.charCodeAt(0);
  const neg = c === 45;
  if (neg) {
    if (n === 1) return null;
    i = 1;
    c = s.charCodeAt(1);
  }
  if (c === 48) return n === 1 ? 0 : null;
  if (c < 49 || c > 57) return null;
  let v = 0;
  for (; i < n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return null;
    v = v * 10 + d;
  }
  if (v < 9007199254740992) return neg ? -v : v;
  const b = BigInt(s);
  if (b > 9223372036854775807n || b < -9223372036854775808n) return null;
  return b;
}

// ---- writing ---------------------------------------------------------------------------------

/** Scratch buffers for compression (one writer runs at a time: JS is single threaded). */
let scratchIn = Buffer.allocUnsafe(4096);
let scratchOut = Buffer.allocUnsafe(4096);

function scratchInput(n: number): Buffer {
  if (scratchIn.length < n) scratchIn = Buffer.allocUnsafe(Math.max(n, scratchIn.length * 2));
  return scratchIn;
}

function scratchOutput(n: number): Buffer {
  if (scratchOut.length < n) scratchOut = Buffer.allocUnsafe(Math.max(n, scratchOut.length * 2));
  return scratchOut;
}

/**
 * Appends RDB data to a growing buffer. With a sink, full chunks are handed
 * to it as they fill (files, sockets); without, take() returns everything.
 * The CRC of all bytes written is kept when `checksum` is on.
 */
export class RdbWriter {
  buf: Buffer;
  pos = 0;
  /** Total bytes handed to the sink so far. */
  flushed = 0;
  readonly crc: Crc64 | null;
  /** buf[0..crcPos) is already in the CRC. */
  private crcPos = 0;

  constructor(
    /** rdbcompression: LZF-compress long strings. */
    public compress = true,
    checksum = true,
    private readonly sink: ((chunk: Buffer) => void) | null = null,
    private readonly chunkSize = 1 << 20,
    /** Blobs bigger than a chunk go to the sink as they are, not copied (the caller owns them). */
    private readonly passBlobs = false,
  ) {
    this.buf = Buffer.allocUnsafe(sink === null ? 256 : chunkSize + 64);
    this.crc = checksum ? new Crc64() : null;
  }

  /** Bytes written so far (flushed or not). */
  get size(): number {
    return this.flushed + this.pos;
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.sink !== null && this.pos > 0) {
      this.flush();
      if (n <= this.buf.length) return;
    }
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const b = Buffer.allocUnsafe(cap);
    this.buf.copy(b, 0, 0, this.pos);
    this.buf = b;
  }

  /** Hand the buffered bytes to the sink (no-op without one). */
  flush(): void {
    if (this.sink === null || this.pos === 0) return;
    const chunk = this.buf.subarray(0, this.pos);
    if (this.crc !== null) this.crc.update(chunk, this.crcPos, this.pos);
    this.crcPos = 0;
    this.flushed += this.pos;
    this.buf = Buffer.allocUnsafe(Math.max(this.chunkSize + 64, this.buf.length));
    this.pos = 0;
    this.sink(chunk);
  }

  /** Flush when a chunk's worth is buffered (call between records). */
  maybeFlush(): void {
    if (this.sink !== null && this.pos >= this.chunkSize) this.flush();
  }

  /** Everything written (no sink): the bytes, CRC'd if checksum is on. */
  take(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    if (this.crc !== null) this.crc.update(out, this.crcPos, this.pos);
    this.crcPos = 0;
    this.flushed += this.pos;
    this.buf = Buffer.allocUnsafe(256);
    this.pos = 0;
    return out;
  }

  /** The CRC of everything written so far, as the 8-byte trailer (zeros without checksum). */
  checksumTrailer(): void {
    let trailer: Buffer;
    if (this.crc !== null) {
      this.crc.update(this.buf, this.crcPos, this.pos);
      this.crcPos = this.pos;
      trailer = this.crc.digestLE();
    } else trailer = Buffer.alloc(8);
    this.ensure(8);
    trailer.copy(this.buf, this.pos);
    this.pos += 8;
    this.crcPos = this.pos;
  }

  u8(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  bytes(src: Uint8Array, start = 0, end = src.length): void {
    const n = end - start;
    if (this.sink !== null && n > this.chunkSize) {
      // Big blobs go straight through.
      this.flush();
      const part = Buffer.from(src.buffer, src.byteOffset + start, n);
      if (this.crc !== null) this.crc.update(part);
      this.flushed += n;
      this.sink(this.passBlobs ? part : Buffer.from(part));
      return;
    }
    this.ensure(n);
    this.buf.set(src.subarray(start, end), this.pos);
    this.pos += n;
  }

  latin1(s: string): void {
    this.ensure(s.length);
    this.pos += writeLatin1(this.buf, s, this.pos);
  }

  /** rdbSaveLen. n may be a bigint for values past 2^53 (stream IDs, counters). */
  len(n: number | bigint): void {
    if (typeof n === 'bigint') {
      if (n <= 0xffffffffn && n >= 0n) return this.len(Number(n));
      this.ensure(9);
      this.buf[this.pos++] = 0x81;
      this.buf.writeBigUInt64BE(BigInt.asUintN(64, n), this.pos);
      this.pos += 8;
      return;
    }
    this.ensure(9);
    const b = this.buf;
    if (n < 64) b[this.pos++] = n;
    else if (n < 16384) {
      b[this.pos++] = 0x40 | (n >>> 8);
      b[this.pos++] = n & 0xff;
    } else if (n <= 0xffffffff) {
      b[this.pos++] = 0x80;
      b.writeUInt32BE(n, this.pos);
      this.pos += 4;
    } else {
      b[this.pos++] = 0x81;
      b.writeBigUInt64BE(BigInt(n), this.pos);
      this.pos += 8;
    }
  }

  /** rdbSaveMillisecondTime: int64 little endian. */
  millis(ms: number | bigint): void {
    this.ensure(8);
    this.buf.writeBigInt64LE(BigInt.asIntN(64, BigInt(ms)), this.pos);
    this.pos += 8;
  }

  /** rdbSaveBinaryDoubleValue. */
  binaryDouble(d: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(d, this.pos);
    this.pos += 8;
  }

  /** A 0xC0..0xC2 integer string. */
  private encodedInt(v: number): void {
    this.ensure(5);
    const b = this.buf;
    if (v >= -128 && v <= 127) {
      b[this.pos++] = 0xc0 | RDB_ENC_INT8;
      b[this.pos++] = v & 0xff;
    } else if (v >= -32768 && v <= 32767) {
      b[this.pos++] = 0xc0 | RDB_ENC_INT16;
      b.writeInt16LE(v, this.pos);
      this.pos += 2;
    } else {
      b[this.pos++] = 0xc0 | RDB_ENC_INT32;
      b.writeInt32LE(v, this.pos);
      this.pos += 4;
    }
  }

  /** rdbSaveRawString of a latin1 string: integer encoding, LZF, or plain. */
  string(s: string): void {
    const n = s.length;
    if (n <= 11) {
      const v = int32Of(s);
      if (v !== null) return this.encodedInt(v);
    }
    if (this.compress && n > 20) {
      const input = scratchInput(n);
      writeLatin1(input, s, 0);
      if (this.tryLzf(input, n)) return;
      this.len(n);
      this.bytes(input, 0, n);
      return;
    }
    this.len(n);
    this.latin1(s);
  }

  /** rdbSaveRawString of binary data (listpacks, intsets, stream keys). */
  blob(data: Uint8Array, start = 0, end = data.length): void {
    const n = end - start;
    if (this.compress && n > 20) {
      const input = start === 0 ? data : data.subarray(start, end);
      if (this.tryLzf(input, n)) return;
    }
    this.len(n);
    this.bytes(data, start, end);
  }

  /** rdbSaveLzfStringObject: write the compressed form if LZF saves at least 5 bytes. */
  private tryLzf(input: Uint8Array, n: number): boolean {
    if (n <= 4) return false;
    const outLen = n - 4;
    const out = scratchOutput(outLen + 1);
    const clen = lzfCompress(input, out, outLen, 0, n);
    if (clen === 0) return false;
    this.lzfBlob(out, clen, n);
    return true;
  }

  /** rdbSaveLzfBlob: compressed data of an original length. */
  lzfBlob(data: Uint8Array, clen: number, origLen: number): void {
    this.u8(0xc0 | RDB_ENC_LZF);
    this.len(clen);
    this.len(origLen);
    this.bytes(data, 0, clen);
  }

  /** An integer as a string (rdbSaveLongLongAsStringObject): 0xC0..0xC2 when it fits int32. */
  intString(v: number | bigint): void {
    if (typeof v === 'number' && v >= -2147483648 && v <= 2147483647) return this.encodedInt(v);
    const s = String(v);
    this.len(s.length);
    this.latin1(s);
  }
}

// ---- reading ---------------------------------------------------------------------------------

/** Source of more bytes for a reader over a file: fills buf[at..], returns bytes read (0 at EOF). */
export type RefillFn = (buf: Buffer, at: number, max: number) => number;

const TWO53 = 9007199254740992;

/**
 * Reads RDB data from a buffer, or from a file through refill(). Every
 * read checks bounds and throws RdbError("... truncated") past the end. With
 * `crc`, the CRC of all bytes consumed is kept (crcUpToHere()).
 */
export class RdbReader {
  buf: Buffer;
  pos: number;
  end: number;
  /** Offset in the stream of buf[0]. */
  base = 0;
  private crc: Crc64 | null = null;
  /** buf index up to which bytes are already in the CRC. */
  private crcPos = 0;

  constructor(
    buf: Buffer,
    start = 0,
    end = buf.length,
    private readonly refill: RefillFn | null = null,
  ) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  /** Start keeping a CRC of the bytes consumed from here on. */
  startCrc(): void {
    this.crc = new Crc64();
    this.crcPos = this.pos;
  }

  /** The CRC of the bytes consumed since startCrc(). */
  crcUpToHere(): Crc64 {
    const crc = this.crc!;
    crc.update(this.buf, this.crcPos, this.pos);
    this.crcPos = this.pos;
    return crc;
  }

  /** Offset in the whole stream. */
  get offset(): number {
    return this.base + this.pos;
  }

  /** Make at least n bytes available at pos. */
  need(n: number): void {
    if (this.end - this.pos >= n) return;
    if (this.refill === null) throw new RdbError('Unexpected EOF reading RDB file');
    this.fill(n);
  }

  private fill(n: number): void {
    if (this.crc !== null) {
      this.crc.update(this.buf, this.crcPos, this.pos);
    }
    const left = this.end - this.pos;
    let b = this.buf;
    if (n > b.length) {
      b = Buffer.allocUnsafe(Math.max(n, b.length * 2));
    }
    this.buf.copy(b, 0, this.pos, this.end);
    this.base += this.pos;
    this.buf = b;
    this.pos = 0;
    this.crcPos = 0;
    this.end = left;
    while (this.end < n) {
      const got = this.refill!(b, this.end, b.length - this.end);
      if (got <= 0) throw new RdbError('Unexpected EOF reading RDB file');
      this.end += got;
    }
  }

  /** True when no byte is left (buffers only, or after refill gave 0). */
  atEnd(): boolean {
    if (this.pos < this.end) return false;
    if (this.refill === null) return true;
    try {
      this.fill(1);
      return false;
    } catch {
      return true;
    }
  }

  u8(): number {
    if (this.pos >= this.end) this.need(1);
    return this.buf[this.pos++];
  }

  /** n raw bytes as a Buffer (a view; copy it to keep it past the next read). */
  view(n: number): Buffer {
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** n raw bytes, as a Buffer the caller owns. */
  bytes(n: number): Buffer {
    if (this.refill === null || n <= this.buf.length) return Buffer.from(this.view(n));
    // Larger than the window: read it in pieces.
    const out = Buffer.allocUnsafe(n);
    let got = 0;
    while (got < n) {
      if (this.pos >= this.end) this.need(1);
      const k = Math.min(n - got, this.end - this.pos);
      this.buf.copy(out, got, this.pos, this.pos + k);
      this.pos += k;
      got += k;
    }
    return out;
  }

  u32le(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  /** rdbLoadLen, with the "encoded" flag for strings' special forms. */
  private lenOrEnc(): { v: number | bigint; enc: boolean } {
    const b = this.u8();
    const t = b >> 6;
    if (t === 0) return { v: b & 0x3f, enc: false };
    if (t === 1) return { v: ((b & 0x3f) << 8) | this.u8(), enc: false };
    if (t === 3) return { v: b & 0x3f, enc: true };
    if (b === 0x80) {
      this.need(4);
      const v = this.buf.readUInt32BE(this.pos);
      this.pos += 4;
      return { v, enc: false };
    }
    if (b === 0x81) {
      this.need(8);
      const v = this.buf.readBigUInt64BE(this.pos);
      this.pos += 8;
      return { v: v < BigInt(TWO53) ? Number(v) : v, enc: false };
    }
    throw new RdbError(`Unknown length encoding ${b} in rdbLoadLen()`);
  }

  /** A length as an unsigned 64-bit value (number below 2^53, else bigint). */
  lenU64(): number | bigint {
    const r = this.lenOrEnc();
    if (r.enc) throw new RdbError('Unexpected encoded length');
    return r.v;
  }

  /** A length that must fit a JS number (element counts and sizes). */
  len(): number {
    const v = this.lenU64();
    if (typeof v === 'bigint') throw new RdbError('Length out of range');
    return v;
  }

  /** rdbLoadMillisecondTime: int64 little endian (a bigint when past 2^53). */
  millis(): number | bigint {
    this.need(8);
    const v = this.buf.readBigInt64LE(this.pos);
    this.pos += 8;
    return v >= -BigInt(TWO53) && v <= BigInt(TWO53) ? Number(v) : v;
  }

  /** rdbLoadTime: int32 seconds, little endian. */
  seconds(): number {
    this.need(4);
    const v = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  binaryDouble(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** rdbLoadDoubleValue: the textual double of RDB_TYPE_ZSET and old files. */
  textDouble(): number {
    const n = this.u8();
    if (n === 255) return -Infinity;
    if (n === 254) return Infinity;
    if (n === 253) return NaN;
    const s = this.view(n).toString('latin1');
    const v = strtod(s);
    return v;
  }

  /** A string (rdbGenericLoadStringObject) as latin1. */
  string(): string {
    const r = this.lenOrEnc();
    if (r.enc) return this.encodedString(r.v as number, true) as string;
    const n = this.checkLen(r.v);
    this.need(Math.min(n, 1));
    if (this.refill === null || n <= this.end - this.pos) {
      this.need(n);
      const s = latin1Of(this.buf, this.pos, this.pos + n);
      this.pos += n;
      return s;
    }
    return this.bytes(n).toString('latin1');
  }

  /** A string as bytes (listpacks, intsets, ziplists and other blobs). */
  blob(): Buffer {
    const r = this.lenOrEnc();
    if (r.enc) return this.encodedString(r.v as number, false) as Buffer;
    return this.bytes(this.checkLen(r.v));
  }

  private checkLen(v: number | bigint): number {
    if (typeof v === 'bigint' || v > 0x7fffffff * 4) throw new RdbError('String length out of range');
    return v;
  }

  private encodedString(enc: number, asString: boolean): string | Buffer {
    let s: string;
    switch (enc) {
      case RDB_ENC_INT8: {
        this.need(1);
        s = String(this.buf.readInt8(this.pos));
        this.pos += 1;
        break;
      }
      case RDB_ENC_INT16: {
        this.need(2);
        s = String(this.buf.readInt16LE(this.pos));
        this.pos += 2;
        break;
      }
      case RDB_ENC_INT32: {
        this.need(4);
        s = String(this.buf.readInt32LE(this.pos));
        this.pos += 4;
        break;
      }
      case RDB_ENC_LZF: {
        const clen = this.checkLen(this.lenU64());
        const len = this.checkLen(this.lenU64());
        if (len === 0) throw new RdbError('Invalid LZF compressed string');
        let out: Buffer;
        try {
          if (this.refill === null || clen <= this.buf.length) {
            this.need(clen);
            out = lzfDecompress(this.buf, this.pos, this.pos + clen, len);
            this.pos += clen;
          } else {
            const c = this.bytes(clen);
            out = lzfDecompress(c, 0, clen, len);
          }
        } catch (e) {
          if (e instanceof LzfError) throw new RdbError('Invalid LZF compressed string');
          throw e;
        }
        return asString ? latin1Of(out, 0, out.length) : out;
      }
      default:
        throw new RdbError(`Unknown RDB string encoding type ${enc}`);
    }
    return asString ? s : Buffer.from(s, 'latin1');
  }
}

/** C's strtod on a whole string (the old textual doubles); NaN when it is not a number. */
export function strtod(s: string): number {
  const t = s.trim();
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(t)) return NaN;
  const v = Number(t);
  return t === '' ? NaN : v;
}

/** Redis's error for a bad value in a DUMP payload, RDB file or listpack. */
export function corrupt(what: string): never {
  throw new RdbError(what);
}
