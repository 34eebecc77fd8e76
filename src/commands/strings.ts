/**
 * String commands (Redis's t_string.c): GET, SET and its variants, GETEX,
 * GETDEL, GETSET, MGET, MSET, MSETNX, APPEND, STRLEN, GETRANGE/SUBSTR,
 * SETRANGE, the INCR family, INCRBYFLOAT (80-bit long double, as Redis
 * computes it on x86-64) and LCS.
 */
import type { Client } from '../server/client';
import type { CommandDef } from './registry';
import type { Database } from '../db/database';
import { isString, storeString, strLen, strOf, WRONGTYPE, type StringValue } from '../db/values';
import { NOTIFY_GENERIC, NOTIFY_STRING } from '../db/database';
import { ByteString } from '../data/bytestring';
import { ERR_NOT_INT, ERR_NOT_FLOAT, ERR_SYNTAX } from './args';
import { LLONG_MAX, LLONG_MIN, isCanonicalInt, parseInt64 } from '../protocol/numbers';
import { writeLatin1 } from '../protocol/latin1';
import { ldAdd, ldFromInt, ldToHuman, isFiniteLd, string2ld, type LongDouble } from '../data/longdouble';

const ERR_EXCEEDS = 'ERR string exceeds maximum allowed size (proto-max-bulk-len)';

// ---- shared helpers (also used by bitmaps and hyperloglog) -------------------------------

/** The string at key for reading: undefined when missing, null after a WRONGTYPE reply. */
export function readString(c: Client, key: string): StringValue | undefined | null {
  const v = c.db.lookupRead(key);
  if (v === undefined) return undefined;
  if (!isString(v)) {
    c.error(WRONGTYPE);
    return null;
  }
  return v;
}

/** Reply a string value as a bulk string. */
export function replyString(c: Client, v: StringValue): void {
  if (typeof v === 'string') c.w.bulk(v);
  else if (typeof v === 'number') c.w.bulk(String(v));
  else c.w.bulkBytes(v.buf, 0, v.length);
}

/**
 * dbUnshareStringValue: the value of key (already returned by lookupWrite)
 * as a ByteString to edit in place, replacing the stored value if needed.
 */
export function unshareString(db: Database, key: string, v: StringValue): ByteString {
  if (v instanceof ByteString && !v.embstr) return v;
  const bs = v instanceof ByteString ? new ByteString(v.buf.subarray(0, v.length)) : new ByteString(strOf(v));
  db.dict.setValueAt(db.dict.find(key), bs);
  return bs;
}

/**
 * setKey: store value at key. A logically expired key is deleted first (as
 * Redis's lookupKeyWrite does), so it never lends its TTL to KEEPTTL.
 */
export function setKey(db: Database, key: string, value: StringValue, keepTtl: boolean): void {
  if (db.dict.volatileSize !== 0) db.findLive(key);
  db.set(key, value, keepTtl);
}

/** checkStringLength: size + append must fit proto-max-bulk-len. */
export function checkStringLength(c: Client, size: number, append: number): boolean {
  if (c.isMaster) return true;
  if (size + append > c.server.config.num('proto-max-bulk-len')) {
    c.error(ERR_EXCEEDS);
    return false;
  }
  return true;
}

/** The argument as C sees it: up to the first NUL byte. */
export function cstr(s: string): string {
  const i = s.indexOf('\0');
  return i < 0 ? s : s.slice(0, i);
}

/** strcasecmp(arg, word) == 0, word in lowercase. */
export function optIs(arg: string, word: string): boolean {
  const a = arg.length > word.length && arg.indexOf('\0') >= 0 ? cstr(arg) : arg;
  return a.length === word.length && a.toLowerCase() === word;
}

// ---- GET / SET family ------------------------------------------------------------------

function get(c: Client, argv: string[]): void {
  const v = readString(c, argv[1]);
  if (v === undefined) c.w.nil();
  else if (v !== null) replyString(c, v);
}

/** getGenericCommand: false when the reply was WRONGTYPE. */
function getGeneric(c: Client, key: string): boolean {
  const v = readString(c, key);
  if (v === null) return false;
  if (v === undefined) c.w.nil();
  else replyString(c, v);
  return true;
}

const F_NX = 1 << 0;
const F_XX = 1 << 1;
const F_GET = 1 << 2;
const F_KEEPTTL = 1 << 3;
const F_PERSIST = 1 << 4;
const F_EX = 1 << 5;
const F_PX = 1 << 6;
const F_EXAT = 1 << 7;
const F_PXAT = 1 << 8;
const F_EXPIRE = F_EX | F_PX | F_EXAT | F_PXAT;

/** Results of parseExtended (module state: no allocation per call). */
let pFlags = 0;
let pExpire = -1;

/**
 * parseExtendedStringArgumentsOrReply for SET (forSet) or GETEX: fills
 * pFlags and pExpire (the index of the time argument, -1 for none).
 */
function parseExtended(c: Client, argv: string[], forSet: boolean): boolean {
  let flags = 0;
  let expire = -1;
  for (let j = forSet ? 3 : 2; j < argv.length; j++) {
    const opt = argv[j];
    const hasNext = j < argv.length - 1;
    if (forSet && optIs(opt, 'nx') && !(flags & F_XX)) flags |= F_NX;
    else if (forSet && optIs(opt, 'xx') && !(flags & F_NX)) flags |= F_XX;
    else if (forSet && optIs(opt, 'get')) flags |= F_GET;
    else if (forSet && optIs(opt, 'keepttl') && !(flags & (F_PERSIST | F_EXPIRE))) flags |= F_KEEPTTL;
    else if (!forSet && optIs(opt, 'persist') && !(flags & (F_EXPIRE | F_KEEPTTL))) flags |= F_PERSIST;
    else if (optIs(opt, 'ex') && !(flags & (F_KEEPTTL | F_PERSIST | F_EXAT | F_PX | F_PXAT)) && hasNext) {
      flags |= F_EX;
      expire = ++j;
    } else if (optIs(opt, 'px') && !(flags & (F_KEEPTTL | F_PERSIST | F_EX | F_EXAT | F_PXAT)) && hasNext) {
      flags |= F_PX;
      expire = ++j;
    } else if (optIs(opt, 'exat') && !(flags & (F_KEEPTTL | F_PERSIST | F_EX | F_PX | F_PXAT)) && hasNext) {
      flags |= F_EXAT;
      expire = ++j;
    } else if (optIs(opt, 'pxat') && !(flags & (F_KEEPTTL | F_PERSIST | F_EX | F_EXAT | F_PX)) && hasNext) {
      flags |= F_PXAT;
      expire = ++j;
    } else {
      c.error(ERR_SYNTAX);
      return false;
    }
  }
  pFlags = flags;
  pExpire = expire;
  return true;
}

/**
 * getExpireMillisecondsOrReply: the absolute expiry in ms (a bigint past
 * 2^53), or null after replying the error.
 */
function expireMs(c: Client, arg: string, flags: number): number | bigint | null {
  const v = parseInt64(arg);
  if (v === null) {
    c.error(ERR_NOT_INT);
    return null;
  }
  const seconds = (flags & (F_EX | F_EXAT)) !== 0;
  const relative = (flags & (F_EX | F_PX)) !== 0;
  const invalid = () => {
    c.error(`ERR invalid expire time in '${c.cmd!.fullName}' command`);
    return null;
  };
  if (v <= 0) return invalid();
  if (v < 8796093022208) {
    // Exact in doubles: |v| < 2^43.
    return (seconds ? v * 1000 : v) + (relative ? c.server.now() : 0);
  }
  let ms = BigInt(arg);
  if (seconds) {
    if (ms > LLONG_MAX / 1000n) return invalid();
    ms *= 1000n;
  }
  if (relative) ms += BigInt(c.server.now());
  if (ms > LLONG_MAX) return invalid(); // signed overflow in Redis: negative
  return ms <= 9007199254740991n ? Number(ms) : ms;
}

/** Set the absolute expiry of an existing key. */
function setExpireAt(db: Database, key: string, at: number | bigint): void {
  const d = db.dict;
  d.setExpireExact(d.find(key), at);
}

/** setGenericCommand. */
function setGeneric(
  c: Client,
  flags: number,
  key: string,
  val: string,
  expireArg: string | null,
  okInt: boolean,
): void {
  let ms: number | bigint = 0;
  if (expireArg !== null) {
    const m = expireMs(c, expireArg, flags);
    if (m === null) return;
    ms = m;
  }
  if (flags & F_GET && !getGeneric(c, key)) return;
  const db = c.db;
  const found = db.exists(key);
  if ((flags & F_NX && found) || (flags & F_XX && !found)) {
    if (!(flags & F_GET)) {
      if (okInt) c.w.int(0);
      else c.w.nil();
    }
    return;
  }
  db.set(key, storeString(val), (flags & F_KEEPTTL) !== 0);
  c.server.notify(NOTIFY_STRING, 'set', key, db.id);
  if (expireArg !== null) {
    setExpireAt(db, key, ms);
    c.propagateAs = [['SET', key, val, 'PXAT', String(ms)]];
    c.server.notify(NOTIFY_GENERIC, 'expire', key, db.id);
  } else if (flags & F_GET) {
    // Replicas do not need the old value: propagate without GET.
    const a: string[] = [];
    const argv = c.argv;
    for (let i = 0; i < argv.length; i++) if (i < 3 || !optIs(argv[i], 'get')) a.push(argv[i]);
    c.propagateAs = [a];
  }
  if (!(flags & F_GET)) {
    if (okInt) c.w.int(1);
    else c.w.ok();
  }
}

function set(c: Client, argv: string[]): void {
  const key = argv[1];
  if (argv.length === 3) {
    const db = c.db;
    setKey(db, key, storeString(argv[2]), false);
    c.server.notify(NOTIFY_STRING, 'set', key, db.id);
    c.w.ok();
    return;
  }
  if (!parseExtended(c, argv, true)) return;
  setGeneric(c, pFlags, key, argv[2], pExpire < 0 ? null : argv[pExpire], false);
}

function setnx(c: Client, argv: string[]): void {
  setGeneric(c, F_NX, argv[1], argv[2], null, true);
}

function setex(c: Client, argv: string[]): void {
  setGeneric(c, F_EX, argv[1], argv[3], argv[2], false);
}

function psetex(c: Client, argv: string[]): void {
  setGeneric(c, F_PX, argv[1], argv[3], argv[2], false);
}

function getex(c: Client, argv: string[]): void {
  if (!parseExtended(c, argv, false)) return;
  const flags = pFlags;
  const expireIdx = pExpire;
  const key = argv[1];
  const db = c.db;
  const v = readString(c, key);
  if (v === null) return;
  if (v === undefined) {
    c.w.nil();
    return;
  }
  let ms: number | bigint = 0;
  if (expireIdx >= 0) {
    const m = expireMs(c, argv[expireIdx], flags);
    if (m === null) return;
    ms = m;
  }
  replyString(c, v);
  if (flags & (F_PXAT | F_EXAT) && ms <= Date.now() && !db.host.expiryFrozen) {
    // An absolute time already past: the key goes now.
    const lazy = c.server.config.bool('lazyfree-lazy-expire');
    db.delete(key);
    c.propagateAs = [[lazy ? 'UNLINK' : 'DEL', key]];
    c.server.notify(NOTIFY_GENERIC, 'del', key, db.id);
  } else if (expireIdx >= 0) {
    setExpireAt(db, key, ms);
    db.changed(key);
    c.propagateAs = [['PEXPIREAT', key, String(ms)]];
    c.server.notify(NOTIFY_GENERIC, 'expire', key, db.id);
  } else if (flags & F_PERSIST) {
    const d = db.dict;
    const e = d.find(key);
    if (d.getExpire(e) !== 0) {
      d.setExpire(e, 0);
      db.changed(key);
      c.propagateAs = [['PERSIST', key]];
      c.server.notify(NOTIFY_GENERIC, 'persist', key, db.id);
    }
  }
}

function getdel(c: Client, argv: string[]): void {
  const key = argv[1];
  if (!getGeneric(c, key)) return;
  const db = c.db;
  if (db.delete(key)) {
    c.propagateAs = [[c.server.config.bool('lazyfree-lazy-user-del') ? 'UNLINK' : 'DEL', key]];
    c.server.notify(NOTIFY_GENERIC, 'del', key, db.id);
  }
}

function getset(c: Client, argv: string[]): void {
  const key = argv[1];
  if (!getGeneric(c, key)) return;
  const db = c.db;
  setKey(db, key, storeString(argv[2]), false);
  c.server.notify(NOTIFY_STRING, 'set', key, db.id);
  c.propagateAs = [['SET', key, argv[2]]];
}

function mget(c: Client, argv: string[]): void {
  const db = c.db;
  c.w.arr(argv.length - 1);
  for (let i = 1; i < argv.length; i++) {
    const v = db.lookupRead(argv[i]);
    if (v !== undefined && isString(v)) replyString(c, v);
    else c.w.nil();
  }
}

function msetGeneric(c: Client, argv: string[], nx: boolean): void {
  if (argv.length % 2 === 0) {
    c.error(`ERR wrong number of arguments for '${c.cmd!.fullName}' command`);
    return;
  }
  const db = c.db;
  if (nx) {
    for (let j = 1; j < argv.length; j += 2) {
      if (db.exists(argv[j])) {
        c.w.int(0);
        return;
      }
    }
  }
  for (let j = 1; j < argv.length; j += 2) {
    setKey(db, argv[j], storeString(argv[j + 1]), false);
    c.server.notify(NOTIFY_STRING, 'set', argv[j], db.id);
  }
  if (nx) c.w.int(1);
  else c.w.ok();
}

function mset(c: Client, argv: string[]): void {
  msetGeneric(c, argv, false);
}

function msetnx(c: Client, argv: string[]): void {
  msetGeneric(c, argv, true);
}

// ---- APPEND, STRLEN, ranges -------------------------------------------------------------

function append(c: Client, argv: string[]): void {
  const key = argv[1];
  const db = c.db;
  const v = db.lookupWrite(key);
  let total: number;
  if (v === undefined) {
    const s = storeString(argv[2]);
    db.add(key, s);
    total = argv[2].length;
  } else {
    if (!isString(v)) {
      c.error(WRONGTYPE);
      return;
    }
    const add = argv[2];
    if (!checkStringLength(c, strLen(v), add.length)) return;
    const bs = unshareString(db, key, v);
    bs.append(add);
    total = bs.length;
    db.changed(key);
  }
  c.server.notify(NOTIFY_STRING, 'append', key, db.id);
  c.w.int(total);
}

function strlen(c: Client, argv: string[]): void {
  const v = readString(c, argv[1]);
  if (v === undefined) c.w.int(0);
  else if (v !== null) c.w.int(strLen(v));
}

function getrange(c: Client, argv: string[]): void {
  // int64 arguments as doubles: past 2^53 only their order matters (startAfterEnd settles ties).
  let start = parseInt64(argv[2]);
  if (start === null) {
    c.error(ERR_NOT_INT);
    return;
  }
  let end = parseInt64(argv[3]);
  if (end === null) {
    c.error(ERR_NOT_INT);
    return;
  }
  const v = readString(c, argv[1]);
  if (v === null) return;
  if (v === undefined) {
    c.w.bulk('');
    return;
  }
  const len = strLen(v);
  if (start < 0 && end < 0 && startAfterEnd(argv[2], argv[3], start, end)) {
    c.w.bulk('');
    return;
  }
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) {
    c.w.bulk('');
    return;
  }
  if (v instanceof ByteString) c.w.bulkBytes(v.buf, start, end + 1);
  else c.w.bulk(strOf(v).slice(start, end + 1));
}

/** start > end for two int64 arguments, exact even where doubles round. */
function startAfterEnd(a: string, b: string, start: number, end: number): boolean {
  if (Number.isSafeInteger(start) && Number.isSafeInteger(end)) return start > end;
  return BigInt(a) > BigInt(b);
}

function setrange(c: Client, argv: string[]): void {
  const offset = parseInt64(argv[2]);
  if (offset === null) {
    c.error(ERR_NOT_INT);
    return;
  }
  if (offset < 0) {
    c.error('ERR offset is out of range');
    return;
  }
  const key = argv[1];
  const value = argv[3];
  const db = c.db;
  const v = db.lookupWrite(key);
  let bs: ByteString;
  if (v === undefined) {
    if (value.length === 0) {
      c.w.int(0);
      return;
    }
    if (!checkStringLength(c, offset, value.length)) return;
    bs = new ByteString('', offset + value.length);
    bs.ensureLength(offset + value.length);
    db.add(key, bs);
  } else {
    if (!isString(v)) {
      c.error(WRONGTYPE);
      return;
    }
    const olen = strLen(v);
    if (value.length === 0) {
      c.w.int(olen);
      return;
    }
    if (!checkStringLength(c, offset, value.length)) return;
    bs = unshareString(db, key, v);
    bs.ensureLength(offset + value.length);
  }
  writeLatin1(bs.buf, value, offset);
  db.changed(key);
  c.server.notify(NOTIFY_STRING, 'setrange', key, db.id);
  c.w.int(bs.length);
}

// ---- INCR family --------------------------------------------------------------------------

/** The int64 in a string value, exact (bigint past 2^53), or null. */
function valueInt(v: StringValue): number | bigint | null {
  if (typeof v === 'number') return v;
  const s = typeof v === 'string' ? v : v.toString();
  const n = parseInt64(s);
  if (n === null) return null;
  return Number.isSafeInteger(n) ? n : BigInt(s);
}

function incrDecr(c: Client, key: string, incr: number | bigint): void {
  const db = c.db;
  const d = db.dict;
  const e = db.findLive(key);
  let old: number | bigint = 0;
  let v: StringValue | undefined;
  if (e >= 0) {
    const x = d.valueAt(e);
    if (!isString(x)) {
      c.error(WRONGTYPE);
      return;
    }
    v = x;
    const n = valueInt(x);
    if (n === null) {
      c.error(ERR_NOT_INT);
      return;
    }
    old = n;
  }
  let result: number | bigint;
  if (typeof old === 'number' && typeof incr === 'number') {
    result = old + incr;
    if (!Number.isSafeInteger(result)) result = BigInt(old) + BigInt(incr);
  } else result = BigInt(old) + BigInt(incr);
  if (typeof result === 'bigint') {
    if (result > LLONG_MAX || result < LLONG_MIN) {
      c.error('ERR increment or decrement would overflow');
      return;
    }
    if (result >= -9007199254740991n && result <= 9007199254740991n) result = Number(result);
  }
  const stored: StringValue = typeof result === 'number' ? result : result.toString();
  if (e >= 0) {
    if (typeof v === 'number' && typeof stored === 'number') {
      // int to int: same size, replace in place.
      d.setValueAt(e, stored);
      db.host.touch(db, e);
      db.changed(key);
    } else db.set(key, stored, true);
  } else db.add(key, stored);
  c.server.notify(NOTIFY_STRING, 'incrby', key, db.id);
  c.w.int(result);
}

function incr(c: Client, argv: string[]): void {
  incrDecr(c, argv[1], 1);
}

function decr(c: Client, argv: string[]): void {
  incrDecr(c, argv[1], -1);
}

function incrArg(c: Client, s: string): number | bigint | null {
  const v = parseInt64(s);
  if (v === null) {
    c.error(ERR_NOT_INT);
    return null;
  }
  return Number.isSafeInteger(v) ? v : BigInt(s);
}

function incrby(c: Client, argv: string[]): void {
  const n = incrArg(c, argv[2]);
  if (n !== null) incrDecr(c, argv[1], n);
}

function decrby(c: Client, argv: string[]): void {
  const n = incrArg(c, argv[2]);
  if (n === null) return;
  if (n === LLONG_MIN) {
    c.error('ERR decrement would overflow');
    return;
  }
  incrDecr(c, argv[1], -n);
}

/** getLongDoubleFromObject of a stored value. */
function valueLd(v: StringValue): LongDouble | null {
  if (typeof v === 'number') return ldFromInt(v);
  return string2ld(typeof v === 'string' ? v : v.toString());
}

function incrbyfloat(c: Client, argv: string[]): void {
  const key = argv[1];
  const db = c.db;
  const v = db.lookupWrite(key);
  let value: LongDouble | null;
  if (v === undefined) value = ldFromInt(0);
  else {
    if (!isString(v)) {
      c.error(WRONGTYPE);
      return;
    }
    value = valueLd(v);
  }
  if (value === null) {
    c.error(ERR_NOT_FLOAT);
    return;
  }
  const incr = string2ld(argv[2]);
  if (incr === null) {
    c.error(ERR_NOT_FLOAT);
    return;
  }
  const sum = ldAdd(value, incr);
  if (!isFiniteLd(sum)) {
    c.error('ERR increment would produce NaN or Infinity');
    return;
  }
  const s = ldToHuman(sum);
  // Redis stores the text as a plain (embstr/raw) string, never as an "int".
  let stored: StringValue = s;
  if (s.length <= 20 && isCanonicalInt(s)) {
    const bs = new ByteString(s);
    bs.embstr = true;
    stored = bs;
  }
  if (v === undefined) db.add(key, stored);
  else db.set(key, stored, true);
  c.server.notify(NOTIFY_STRING, 'incrbyfloat', key, db.id);
  c.w.bulk(s);
  c.propagateAs = [['SET', key, s, 'KEEPTTL']];
}

// ---- LCS ----------------------------------------------------------------------------------

function lcs(c: Client, argv: string[]): void {
  const db = c.db;
  const oa = db.lookupRead(argv[1]);
  const ob = db.lookupRead(argv[2]);
  if ((oa !== undefined && !isString(oa)) || (ob !== undefined && !isString(ob))) {
    c.error('ERR The specified keys must contain string values');
    return;
  }
  const a = oa === undefined ? '' : strOf(oa as StringValue);
  const b = ob === undefined ? '' : strOf(ob as StringValue);
  let getLen = false;
  let getIdx = false;
  let withMatchLen = false;
  let minMatchLen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j];
    const more = argv.length - 1 - j;
    if (optIs(opt, 'idx')) getIdx = true;
    else if (optIs(opt, 'len')) getLen = true;
    else if (optIs(opt, 'withmatchlen')) withMatchLen = true;
    else if (optIs(opt, 'minmatchlen') && more > 0) {
      const n = parseInt64(argv[j + 1]);
      if (n === null) {
        c.error(ERR_NOT_INT);
        return;
      }
      minMatchLen = n < 0 ? 0 : n;
      j++;
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  if (getIdx && getLen) {
    c.error('ERR If you want both the length and indexes, please just use IDX.');
    return;
  }
  const alen = a.length;
  const blen = b.length;
  if (alen >= 4294967294 || blen >= 4294967294) {
    c.error('ERR String too long for LCS');
    return;
  }
  const cells = (alen + 1) * (blen + 1);
  if (cells * 4 > c.server.config.num('proto-max-bulk-len')) {
    c.error('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
    return;
  }
  let table: Uint32Array;
  try {
    table = new Uint32Array(cells);
  } catch {
    c.error('ERR Insufficient memory, failed allocating transient memory for LCS');
    return;
  }
  const w = blen + 1;
  for (let i = 1; i <= alen; i++) {
    const ca = a.charCodeAt(i - 1);
    const row = i * w;
    const prevRow = row - w;
    for (let j = 1; j <= blen; j++) {
      if (ca === b.charCodeAt(j - 1)) table[row + j] = table[prevRow + j - 1] + 1;
      else {
        const l1 = table[prevRow + j];
        const l2 = table[row + j - 1];
        table[row + j] = l1 > l2 ? l1 : l2;
      }
    }
  }
  const total = table[alen * w + blen];
  const computeLcs = getIdx || !getLen;
  const out: number[] = computeLcs ? new Array<number>(total) : [];
  let idx = total;
  // Ranges found, for IDX: [aStart, aEnd, bStart, bEnd, len] each.
  const ranges: number[] = [];
  let aStart = alen, aEnd = 0, bStart = 0, bEnd = 0;
  let i = alen, j = blen;
  while (computeLcs && i > 0 && j > 0) {
    let emit = false;
    if (a.charCodeAt(i - 1) === b.charCodeAt(j - 1)) {
      out[idx - 1] = a.charCodeAt(i - 1);
      if (aStart === alen) {
        aStart = i - 1;
        aEnd = i - 1;
        bStart = j - 1;
        bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else emit = true;
      if (aStart === 0 || bStart === 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      const l1 = table[(i - 1) * w + j];
      const l2 = table[i * w + j - 1];
      if (l1 > l2) i--;
      else j--;
      if (aStart !== alen) emit = true;
    }
    if (emit) {
      const matchLen = aEnd - aStart + 1;
      if (getIdx && (minMatchLen === 0 || matchLen >= minMatchLen)) ranges.push(aStart, aEnd, bStart, bEnd, matchLen);
      aStart = alen;
    }
  }
  if (getIdx) {
    const wr = c.w;
    wr.map(2);
    wr.bulk('matches');
    const n = ranges.length / 5;
    wr.arr(n);
    for (let k = 0; k < ranges.length; k += 5) {
      wr.arr(withMatchLen ? 3 : 2);
      wr.arr(2);
      wr.int(ranges[k]);
      wr.int(ranges[k + 1]);
      wr.arr(2);
      wr.int(ranges[k + 2]);
      wr.int(ranges[k + 3]);
      if (withMatchLen) wr.int(ranges[k + 4]);
    }
    wr.bulk('len');
    wr.int(total);
  } else if (getLen) c.w.int(total);
  else c.w.bulk(bytesToLatin1(out));
}

function bytesToLatin1(codes: number[]): string {
  let s = '';
  const CHUNK = 8192;
  for (let i = 0; i < codes.length; i += CHUNK) s += String.fromCharCode.apply(null, codes.slice(i, i + CHUNK));
  return s;
}

export const stringCommands: CommandDef[] = [
  { name: 'get', handler: get },
  { name: 'set', handler: set },
  { name: 'setnx', handler: setnx },
  { name: 'setex', handler: setex },
  { name: 'psetex', handler: psetex },
  { name: 'getex', handler: getex },
  { name: 'getdel', handler: getdel },
  { name: 'getset', handler: getset },
  { name: 'mget', handler: mget },
  { name: 'mset', handler: mset },
  { name: 'msetnx', handler: msetnx },
  { name: 'append', handler: append },
  { name: 'strlen', handler: strlen },
  { name: 'getrange', handler: getrange },
  { name: 'substr', handler: getrange },
  { name: 'setrange', handler: setrange },
  { name: 'incr', handler: incr },
  { name: 'decr', handler: decr },
  { name: 'incrby', handler: incrby },
  { name: 'decrby', handler: decrby },
  { name: 'incrbyfloat', handler: incrbyfloat },
  { name: 'lcs', handler: lcs },
];

export { ByteString };
