/**
 * Bitmap commands (Redis's bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS,
 * BITOP, BITFIELD and BITFIELD_RO. Bit 0 is the most significant bit of the
 * first byte. Values that get written become ByteStrings (Redis's raw
 * encoding), grown with zero bytes as needed.
 */
import type { Client } from '../server/client';
import type { CommandDef } from './registry';
import { isString, strLen, WRONGTYPE, type StringValue } from '../db/values';
import { NOTIFY_GENERIC, NOTIFY_STRING } from '../db/database';
import { ByteString } from '../data/bytestring';
import { ERR_NOT_INT, ERR_SYNTAX } from './args';
import { parseInt64 } from '../protocol/numbers';
import { optIs, readString, unshareString } from './strings';

const ERR_BIT_OFFSET = 'ERR bit offset is not an integer or out of range';
const ERR_BIT_VALUE = 'ERR bit is not an integer or out of range';
const ERR_BITFIELD_TYPE = 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';

/** Bits set in each byte value. */
const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1];

/** Byte i of a string value (0 past the end). */
function byteAt(v: StringValue, i: number): number {
  if (v instanceof ByteString) return i < v.length ? v.buf[i] : 0;
  const s = typeof v === 'number' ? String(v) : v;
  return i < s.length ? s.charCodeAt(i) : 0;
}

/** Bytes [start, end) of a string value as a Buffer (a view for ByteStrings). */
function bytesOf(v: StringValue, start: number, end: number): Buffer {
  if (v instanceof ByteString) return v.buf.subarray(start, end);
  const s = typeof v === 'number' ? String(v) : v;
  return Buffer.from(start === 0 && end === s.length ? s : s.slice(start, end), 'latin1');
}

/**
 * getBitOffsetFromArgument: a bit offset, "#n" meaning n * bits when hash is
 * allowed; below 2^3 * proto-max-bulk-len. Null after replying the error.
 */
function bitOffsetArg(c: Client, s: string, hash: boolean, bits: number): number | null {
  const useHash = hash && s.length > 1 && s.charCodeAt(0) === 35; // '#'
  const body = useHash ? s.slice(1) : s;
  const v = parseInt64(body);
  if (v === null) {
    c.error(ERR_BIT_OFFSET);
    return null;
  }
  let off: number;
  if (useHash) {
    const p = v * bits;
    if (Number.isSafeInteger(p)) off = p;
    else {
      // Signed 64-bit multiplication wraps in Redis.
      const w = BigInt.asIntN(64, BigInt(body) * BigInt(bits));
      off = Number(w);
      if (w < 0n) off = -1;
    }
  } else off = v;
  if (off < 0 || (!c.isMaster && Math.floor(off / 8) >= c.server.config.num('proto-max-bulk-len'))) {
    c.error(ERR_BIT_OFFSET);
    return null;
  }
  return off;
}

/** Set by stringForBits: the key was created or its value grew. */
let grew = false;

/**
 * lookupStringForBitCommand: the string at key as a ByteString holding at
 * least the byte of bit maxbit, created when missing. Null after WRONGTYPE.
 */
function stringForBits(c: Client, key: string, maxbit: number): ByteString | null {
  const byte = Math.floor(maxbit / 8);
  const db = c.db;
  const v = db.lookupWrite(key);
  if (v === undefined) {
    const bs = new ByteString('', byte + 1);
    bs.ensureLength(byte + 1);
    db.add(key, bs);
    grew = true;
    return bs;
  }
  if (!isString(v)) {
    c.error(WRONGTYPE);
    return null;
  }
  const bs = unshareString(db, key, v);
  const old = bs.length;
  bs.ensureLength(byte + 1);
  grew = bs.length !== old;
  return bs;
}

// ---- SETBIT / GETBIT ------------------------------------------------------------------------

function setbit(c: Client, argv: string[]): void {
  const off = bitOffsetArg(c, argv[2], false, 0);
  if (off === null) return;
  const on = parseInt64(argv[3]);
  if (on === null || (on !== 0 && on !== 1)) {
    c.error(ERR_BIT_VALUE);
    return;
  }
  const key = argv[1];
  const bs = stringForBits(c, key, off);
  if (bs === null) return;
  const byte = Math.floor(off / 8);
  const bit = 7 - (off % 8);
  const byteval = bs.buf[byte];
  const bitval = (byteval >> bit) & 1;
  if (grew || bitval !== on) {
    bs.buf[byte] = (byteval & ~(1 << bit)) | (on << bit);
    c.db.changed(key);
    c.server.notify(NOTIFY_STRING, 'setbit', key, c.db.id);
  }
  c.w.int(bitval);
}

function getbit(c: Client, argv: string[]): void {
  const off = bitOffsetArg(c, argv[2], false, 0);
  if (off === null) return;
  const v = readString(c, argv[1]);
  if (v === null) return;
  if (v === undefined) {
    c.w.int(0);
    return;
  }
  const byte = Math.floor(off / 8);
  const bit = 7 - (off % 8);
  c.w.int(byte < strLen(v) ? (byteAt(v, byte) >> bit) & 1 : 0);
}

// ---- BITCOUNT / BITPOS ------------------------------------------------------------------------

function popcount(b: Buffer): number {
  let n = 0;
  const len = b.length;
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    let x = b.readUInt32LE(i);
    x = x - ((x >>> 1) & 0x55555555);
    x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
    n += (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
  }
  for (; i < len; i++) n += POPCOUNT[b[i]];
  return n;
}

/** An int64 argument; null after the error reply. */
function llArg(c: Client, s: string): number | null {
  const v = parseInt64(s);
  if (v === null) c.error(ERR_NOT_INT);
  return v;
}

function bitcount(c: Client, argv: string[]): void {
  const v = readString(c, argv[1]);
  if (v === null) return;
  if (v === undefined) {
    c.w.int(0);
    return;
  }
  const strlen = strLen(v);
  let start: number, end: number;
  let firstMask = 0, lastMask = 0;
  const argc = argv.length;
  if (argc === 4 || argc === 5) {
    let totlen = strlen;
    const s = llArg(c, argv[2]);
    if (s === null) return;
    const e = llArg(c, argv[3]);
    if (e === null) return;
    start = s;
    end = e;
    if (start < 0 && end < 0 && beyond(argv[2], argv[3], start, end)) {
      c.w.int(0);
      return;
    }
    let isbit = false;
    if (argc === 5) {
      if (optIs(argv[4], 'bit')) isbit = true;
      else if (!optIs(argv[4], 'byte')) {
        c.error(ERR_SYNTAX);
        return;
      }
    }
    if (isbit) totlen *= 8;
    if (start < 0) start = totlen + start;
    if (end < 0) end = totlen + end;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= totlen) end = totlen - 1;
    if (isbit && start <= end) {
      firstMask = ~((1 << (8 - (start & 7))) - 1) & 0xff;
      lastMask = (1 << (7 - (end & 7))) - 1;
      start = Math.floor(start / 8);
      end = Math.floor(end / 8);
    }
  } else if (argc === 2) {
    start = 0;
    end = strlen - 1;
  } else {
    c.error(ERR_SYNTAX);
    return;
  }
  if (start > end) {
    c.w.int(0);
    return;
  }
  let count = popcount(bytesOf(v, start, end + 1));
  if (firstMask !== 0) count -= POPCOUNT[byteAt(v, start) & firstMask];
  if (lastMask !== 0) count -= POPCOUNT[byteAt(v, end) & lastMask];
  c.w.int(count);
}

/** start > end for int64 arguments, exact past 2^53. */
function beyond(a: string, b: string, start: number, end: number): boolean {
  if (Number.isSafeInteger(start) && Number.isSafeInteger(end)) return start > end;
  return BigInt(a) > BigInt(b);
}

/**
 * redisBitpos: position of the first bit equal to `bit` in bytes, -1 when
 * looking for 1 and none is found; looking for 0 in all-ones bytes gives
 * the first bit past them.
 */
function bitposIn(b: Buffer, bit: number): number {
  const skip = bit ? 0 : 0xff;
  for (let i = 0; i < b.length; i++) {
    const x = b[i];
    if (x === skip) continue;
    for (let k = 7; k >= 0; k--) if (((x >> k) & 1) === bit) return i * 8 + (7 - k);
  }
  return bit ? -1 : b.length * 8;
}

function bitpos(c: Client, argv: string[]): void {
  const bit = parseInt64(argv[2]);
  if (bit === null) {
    c.error(ERR_NOT_INT);
    return;
  }
  if (bit !== 0 && bit !== 1) {
    c.error('ERR The bit argument must be 1 or 0.');
    return;
  }
  const v = c.db.lookupRead(argv[1]);
  if (v === undefined) {
    c.w.int(bit ? -1 : 0);
    return;
  }
  if (!isString(v)) {
    c.error(WRONGTYPE);
    return;
  }
  const strlen = strLen(v);
  const argc = argv.length;
  let start: number, end: number;
  let endGiven = false;
  let firstMask = 0, lastMask = 0;
  if (argc === 4 || argc === 5 || argc === 6) {
    let totlen = strlen;
    const s = llArg(c, argv[3]);
    if (s === null) return;
    start = s;
    let isbit = false;
    if (argc === 6) {
      if (optIs(argv[5], 'bit')) isbit = true;
      else if (!optIs(argv[5], 'byte')) {
        c.error(ERR_SYNTAX);
        return;
      }
    }
    if (argc >= 5) {
      const e = llArg(c, argv[4]);
      if (e === null) return;
      end = e;
      endGiven = true;
    } else end = isbit ? totlen * 8 + 7 : totlen - 1;
    if (isbit) totlen *= 8;
    if (start < 0) start = totlen + start;
    if (end < 0) end = totlen + end;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= totlen) end = totlen - 1;
    if (isbit && start <= end) {
      firstMask = ~((1 << (8 - (start & 7))) - 1) & 0xff;
      lastMask = (1 << (7 - (end & 7))) - 1;
      start = Math.floor(start / 8);
      end = Math.floor(end / 8);
    }
  } else if (argc === 3) {
    start = 0;
    end = strlen - 1;
  } else {
    c.error(ERR_SYNTAX);
    return;
  }
  if (start > end) {
    c.w.int(-1);
    return;
  }
  let bytes = end - start + 1;
  let pos = -1;
  const one = Buffer.alloc(1);
  done: {
    if (firstMask !== 0) {
      let t = byteAt(v, start);
      t = bit ? t & ~firstMask & 0xff : t | firstMask;
      if (lastMask !== 0 && bytes === 1) t = bit ? t & ~lastMask & 0xff : t | lastMask;
      one[0] = t;
      pos = bitposIn(one, bit);
      if (bytes === 1 || (pos !== -1 && pos !== 8)) break done;
      start++;
      bytes--;
    }
    const cur = bytes - (lastMask !== 0 ? 1 : 0);
    if (cur > 0) {
      pos = bitposIn(bytesOf(v, start, start + cur), bit);
      if (bytes === cur || (pos !== -1 && pos !== cur * 8)) break done;
      start += cur;
      bytes -= cur;
    }
    let t = byteAt(v, end);
    t = bit ? t & ~lastMask & 0xff : t | lastMask;
    one[0] = t;
    pos = bitposIn(one, bit);
  }
  if (endGiven && bit === 0 && pos === bytes * 8) {
    c.w.int(-1);
    return;
  }
  if (pos !== -1) pos += start * 8;
  c.w.int(pos);
}

// ---- BITOP ---------------------------------------------------------------------------------

function bitop(c: Client, argv: string[]): void {
  const op = argv[1];
  let kind: number;
  if (optIs(op, 'and')) kind = 0;
  else if (optIs(op, 'or')) kind = 1;
  else if (optIs(op, 'xor')) kind = 2;
  else if (optIs(op, 'not')) kind = 3;
  else {
    c.error(ERR_SYNTAX);
    return;
  }
  if (kind === 3 && argv.length !== 4) {
    c.error('ERR BITOP NOT must be called with a single source key.');
    return;
  }
  const db = c.db;
  const n = argv.length - 3;
  const srcs: (Buffer | null)[] = new Array(n);
  let maxlen = 0;
  for (let j = 0; j < n; j++) {
    const v = db.lookupRead(argv[j + 3]);
    if (v === undefined) {
      srcs[j] = null;
      continue;
    }
    if (!isString(v)) {
      c.error(WRONGTYPE);
      return;
    }
    const b = bytesOf(v, 0, strLen(v));
    srcs[j] = b;
    if (b.length > maxlen) maxlen = b.length;
  }
  const target = argv[2];
  if (maxlen > 0) {
    const res = Buffer.alloc(maxlen);
    if (kind === 3) {
      const s = srcs[0]!;
      for (let i = 0; i < maxlen; i++) res[i] = ~s[i] & 0xff;
    } else {
      const first = srcs[0];
      if (first !== null) first.copy(res, 0);
      for (let j = 1; j < n; j++) {
        const s = srcs[j];
        const len = s === null ? 0 : s.length;
        if (kind === 0) {
          for (let i = 0; i < len; i++) res[i] &= s![i];
          res.fill(0, len);
        } else if (kind === 1) for (let i = 0; i < len; i++) res[i] |= s![i];
        else for (let i = 0; i < len; i++) res[i] ^= s![i];
      }
    }
    db.findLive(target);
    db.set(target, new ByteString(res));
    c.server.notify(NOTIFY_STRING, 'set', target, db.id);
  } else if (db.delete(target)) {
    c.server.notify(NOTIFY_GENERIC, 'del', target, db.id);
  }
  c.w.int(maxlen);
}

// ---- BITFIELD -----------------------------------------------------------------------------

const OP_GET = 0, OP_SET = 1, OP_INCRBY = 2;
const OW_WRAP = 0, OW_SAT = 1, OW_FAIL = 2;

interface FieldOp {
  offset: number;
  value: bigint;
  opcode: number;
  owtype: number;
  bits: number;
  signed: boolean;
}

/** getBitfieldTypeFromArgument: [signed, bits] or null after the error. */
function fieldType(c: Client, s: string): [boolean, number] | null {
  const t = s.charCodeAt(0);
  let signed: boolean;
  if (t === 105) signed = true; // 'i'
  else if (t === 117) signed = false; // 'u'
  else {
    c.error(ERR_BITFIELD_TYPE);
    return null;
  }
  const nul = s.indexOf('\0');
  const bits = parseInt64(s.slice(1, nul < 0 ? s.length : nul));
  if (bits === null || bits < 1 || (signed && bits > 64) || (!signed && bits > 63)) {
    c.error(ERR_BITFIELD_TYPE);
    return null;
  }
  return [signed, bits];
}

/** Read `bits` bits at bit offset off (big endian, MSB first) as an unsigned bigint. */
function getBits(read: (i: number) => number, off: number, bits: number): bigint {
  let v = 0n;
  // Whole chunks of up to 32 bits at a time keep it cheap.
  let left = bits;
  let pos = off;
  while (left > 0) {
    const take = Math.min(left, 24);
    let chunk = 0;
    for (let k = 0; k < take; k++, pos++) {
      const byte = read(Math.floor(pos / 8));
      chunk = chunk * 2 + ((byte >> (7 - (pos & 7))) & 1);
    }
    v = (v << BigInt(take)) | BigInt(chunk);
    left -= take;
  }
  return v;
}

function setBits(b: Buffer, off: number, bits: number, value: bigint): void {
  for (let j = 0; j < bits; j++) {
    const bit = Number((value >> BigInt(bits - 1 - j)) & 1n);
    const pos = off + j;
    const byte = Math.floor(pos / 8);
    const sh = 7 - (pos & 7);
    b[byte] = (b[byte] & ~(1 << sh)) | (bit << sh);
  }
}

function toSigned(u: bigint, bits: number): bigint {
  return BigInt.asIntN(bits, u);
}

const I64_MAX = (1n << 63n) - 1n;

/**
 * checkSignedBitfieldOverflow: [overflow (0, 1, -1), the limited value].
 * value and incr are int64.
 */
function signedOverflow(value: bigint, incr: bigint, bits: number, ow: number): [number, bigint] {
  const max = bits === 64 ? I64_MAX : (1n << BigInt(bits - 1)) - 1n;
  const min = -max - 1n;
  const maxincr = BigInt.asIntN(64, max - value);
  const minincr = BigInt.asIntN(64, min - value);
  const wrap = (): bigint => {
    let r = BigInt.asUintN(64, value + incr);
    if (bits < 64) r = BigInt.asIntN(bits, r);
    else r = BigInt.asIntN(64, r);
    return r;
  };
  if (value > max || (bits !== 64 && incr > maxincr) || (value >= 0n && incr > 0n && incr > maxincr)) {
    return [1, ow === OW_WRAP ? wrap() : max];
  }
  if (value < min || (bits !== 64 && incr < minincr) || (value < 0n && incr < 0n && incr < minincr)) {
    return [-1, ow === OW_WRAP ? wrap() : min];
  }
  return [0, 0n];
}

/** checkUnsignedBitfieldOverflow; value is a uint64, incr an int64. */
function unsignedOverflow(value: bigint, incr: bigint, bits: number, ow: number): [number, bigint] {
  const max = (1n << BigInt(bits)) - 1n;
  const maxincr = BigInt.asIntN(64, max - value);
  const minincr = BigInt.asIntN(64, -value);
  const wrap = (): bigint => BigInt.asUintN(bits, value + incr);
  if (value > max || (incr > 0n && incr > maxincr)) return [1, ow === OW_WRAP ? wrap() : max];
  if (incr < 0n && incr < minincr) return [-1, ow === OW_WRAP ? wrap() : 0n];
  return [0, 0n];
}

function bitfieldGeneric(c: Client, argv: string[], readonlyCmd: boolean): void {
  const ops: FieldOp[] = [];
  let owtype = OW_WRAP;
  let readonly = true;
  let highest = 0;
  for (let j = 2; j < argv.length; j++) {
    const rem = argv.length - j - 1;
    const sub = argv[j];
    let opcode: number;
    if (optIs(sub, 'get') && rem >= 2) opcode = OP_GET;
    else if (optIs(sub, 'set') && rem >= 3) opcode = OP_SET;
    else if (optIs(sub, 'incrby') && rem >= 3) opcode = OP_INCRBY;
    else if (optIs(sub, 'overflow') && rem >= 1) {
      const t = argv[++j];
      if (optIs(t, 'wrap')) owtype = OW_WRAP;
      else if (optIs(t, 'sat')) owtype = OW_SAT;
      else if (optIs(t, 'fail')) owtype = OW_FAIL;
      else {
        c.error('ERR Invalid OVERFLOW type specified');
        return;
      }
      continue;
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
    const ty = fieldType(c, argv[j + 1]);
    if (ty === null) return;
    const [signed, bits] = ty;
    const off = bitOffsetArg(c, argv[j + 2], true, bits);
    if (off === null) return;
    let value = 0n;
    if (opcode !== OP_GET) {
      readonly = false;
      if (highest < off + bits - 1) highest = off + bits - 1;
      const v = parseInt64(argv[j + 3]);
      if (v === null) {
        c.error(ERR_NOT_INT);
        return;
      }
      value = Number.isSafeInteger(v) ? BigInt(v) : BigInt(argv[j + 3]);
    }
    ops.push({ offset: off, value, opcode, owtype, bits, signed });
    j += opcode === OP_GET ? 2 : 3;
  }
  const key = argv[1];
  let src: StringValue | undefined;
  let bs: ByteString | null = null;
  if (readonly) {
    const v = c.db.lookupRead(key);
    if (v !== undefined && !isString(v)) {
      c.error(WRONGTYPE);
      return;
    }
    src = v as StringValue | undefined;
  } else {
    if (readonlyCmd) {
      c.error('ERR BITFIELD_RO only supports the GET subcommand');
      return;
    }
    bs = stringForBits(c, key, highest);
    if (bs === null) return;
    src = bs;
  }
  const w = c.w;
  w.arr(ops.length);
  let changes = 0;
  for (const op of ops) {
    if (op.opcode === OP_GET) {
      let val: bigint;
      if (src === undefined) val = 0n;
      else {
        const v = src;
        const len = strLen(v);
        val = getBits((i) => (i < len ? byteAt(v, i) : 0), op.offset, op.bits);
      }
      w.int(op.signed ? toSigned(val, op.bits) : val);
      continue;
    }
    const b = bs!;
    const read = (i: number) => b.buf[i];
    const oldU = getBits(read, op.offset, op.bits);
    let newval: bigint, retval: bigint, overflow: number, limited: bigint;
    if (op.signed) {
      const oldval = toSigned(oldU, op.bits);
      if (op.opcode === OP_INCRBY) {
        [overflow, limited] = signedOverflow(oldval, op.value, op.bits, op.owtype);
        newval = overflow ? limited : oldval + op.value;
        retval = newval;
      } else {
        newval = op.value;
        [overflow, limited] = signedOverflow(newval, 0n, op.bits, op.owtype);
        if (overflow) newval = limited;
        retval = oldval;
      }
    } else {
      const oldval = oldU;
      if (op.opcode === OP_INCRBY) {
        newval = BigInt.asUintN(64, oldval + op.value);
        [overflow, limited] = unsignedOverflow(oldval, op.value, op.bits, op.owtype);
        if (overflow) newval = limited;
        retval = newval;
      } else {
        newval = BigInt.asUintN(64, op.value);
        [overflow, limited] = unsignedOverflow(newval, 0n, op.bits, op.owtype);
        if (overflow) newval = limited;
        retval = oldval;
      }
      // Replies are signed 64-bit, as addReplyLongLong prints them.
      retval = BigInt.asIntN(64, retval);
    }
    if (!(overflow && op.owtype === OW_FAIL)) {
      w.int(retval);
      setBits(b.buf, op.offset, op.bits, BigInt.asUintN(op.bits, newval));
      changes++;
    } else w.nil();
  }
  if (changes > 0) {
    c.db.changed(key);
    c.server.notify(NOTIFY_STRING, 'setbit', key, c.db.id);
  } else if (!readonly) {
    // Only creating or growing the key: Redis does not count it as a change.
    c.propagateAs = [];
  }
}

function bitfield(c: Client, argv: string[]): void {
  bitfieldGeneric(c, argv, false);
}

function bitfieldRo(c: Client, argv: string[]): void {
  bitfieldGeneric(c, argv, true);
}

export const bitmapCommands: CommandDef[] = [
  { name: 'setbit', handler: setbit },
  { name: 'getbit', handler: getbit },
  { name: 'bitcount', handler: bitcount },
  { name: 'bitpos', handler: bitpos },
  { name: 'bitop', handler: bitop },
  { name: 'bitfield', handler: bitfield },
  { name: 'bitfield_ro', handler: bitfieldRo },
];
