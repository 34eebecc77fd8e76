/**
 * Hash commands (Redis's t_hash.c), over data/hash.ts.
 */
import type { Client } from '../server/client';
import type { CommandDef } from './registry';
import { ERR_NOT_FLOAT, ERR_NOT_INT, ERR_OVERFLOW, ERR_SYNTAX, is } from './args';
import { WRONGTYPE } from '../db/values';
import { NOTIFY_GENERIC, NOTIFY_HASH } from '../db/database';
import { HashValue, incrByFloat } from '../data/hash';
import { parseInt64 } from '../protocol/numbers';
import { globMatch } from '../util/glob';

// ---- helpers (the exported ones serve the set commands too) -----------------

/** The hash at key for reading: undefined when missing, null after a WRONGTYPE reply. */
function readHash(c: Client, key: string): HashValue | undefined | null {
  const v = c.db.lookupRead(key);
  if (v === undefined) return undefined;
  if (!(v instanceof HashValue)) {
    c.error(WRONGTYPE);
    return null;
  }
  return v;
}

/** The hash at key for writing, or null after a WRONGTYPE reply; undefined when missing. */
function writeHash(c: Client, key: string): HashValue | undefined | null {
  const v = c.db.lookupWrite(key);
  if (v === undefined) return undefined;
  if (!(v instanceof HashValue)) {
    c.error(WRONGTYPE);
    return null;
  }
  return v;
}

/**
 * A new empty hash stored at key before it is filled, where Redis's
 * hashTypeLookupWriteOrCreate adds it (so a "new" key event comes first),
 * and marked for in-place change so its memory is settled after the command.
 */
function createHash(c: Client, key: string): HashValue {
  const h = new HashValue();
  c.db.add(key, h);
  c.db.lookupWrite(key);
  return h;
}

const LONG_MAX_BIG = 9223372036854775807n;
const SAFE = 9007199254740992;

/**
 * getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX) as HRANDFIELD and
 * SRANDMEMBER parse their count. Returns the count as a number (exact up to
 * 2^53, nearest beyond, which is only used for sizes and signs), or null
 * after replying the error.
 */
export function randomCountArg(c: Client, s: string): number | null {
  const v = parseInt64(s);
  if (v === null) {
    c.error(ERR_NOT_INT);
    return null;
  }
  if (v <= -SAFE && BigInt(s) < -LONG_MAX_BIG) {
    c.error('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
    return null;
  }
  return v;
}

/**
 * parseScanCursorOrReply: strtoul over the whole argument up to a NUL (an
 * optional sign, decimal digits, no leading space, within 64 bits; "-n"
 * wraps as in C).
 * Returns the cursor (lossy past 2^53, which only ever means "past the
 * end" here), or null after replying "invalid cursor".
 */
export function scanCursorArg(c: Client, s: string): number | null {
  // strtoul reads a C string: it ends at the first NUL.
  const z = s.indexOf('\0');
  if (z >= 0) s = s.slice(0, z);
  const n = s.length;
  if (n === 0) return 0; // strtoul("") is 0 with nothing left over: Redis accepts it
  const c0 = s.charCodeAt(0);
  const signed = c0 === 43 || c0 === 45;
  let ok = n > (signed ? 1 : 0);
  let v = 0;
  for (let i = signed ? 1 : 0; ok && i < n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) ok = false;
    else v = v * 10 + d;
  }
  // ERANGE past 2^64 - 1, decided exactly where the float is not.
  if (ok && v >= 18446744073709549568 && BigInt(s.slice(signed ? 1 : 0)) > 18446744073709551615n) ok = false;
  if (!ok) {
    c.error('ERR invalid cursor');
    return null;
  }
  return c0 === 45 && v !== 0 ? 18446744073709551616 - v : v;
}

export interface ScanOptions {
  count: number;
  /** null when there is no pattern or it is "*". */
  pattern: string | null;
}

/** The COUNT / MATCH options of HSCAN, SSCAN (scanGenericCommand), or null after an error. */
export function scanOptions(c: Client, argv: string[], from: number): ScanOptions | null {
  let count = 10;
  let pattern: string | null = null;
  for (let i = from; i < argv.length; ) {
    const left = argv.length - i;
    if (is(argv[i], 'count') && left >= 2) {
      const v = parseInt64(argv[i + 1]);
      if (v === null) {
        c.error(ERR_NOT_INT);
        return null;
      }
      if (v < 1) {
        c.error(ERR_SYNTAX);
        return null;
      }
      count = v;
      i += 2;
    } else if (is(argv[i], 'match') && left >= 2) {
      const p = argv[i + 1];
      pattern = p === '*' ? null : p;
      i += 2;
    } else {
      c.error(ERR_SYNTAX);
      return null;
    }
  }
  return { count, pattern };
}

/** The reply of a SCAN over a missing key. */
export function replyEmptyScan(c: Client): void {
  c.w.arr(2);
  c.w.bulk('0');
  c.w.arr(0);
}

/**
 * Distinct random positions in [0, size), count < size: a partial shuffle
 * when count is a large part of size (as Redis's CASE 3 removes from a copy),
 * else rejection sampling (CASE 4).
 */
export function distinctPositions(size: number, count: number): number[] {
  if (count * 3 > size) {
    const all = new Array<number>(size);
    for (let i = 0; i < size; i++) all[i] = i;
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(Math.random() * (size - i));
      const t = all[i];
      all[i] = all[j];
      all[j] = t;
    }
    all.length = count;
    return all;
  }
  const seen = new Set<number>();
  const out: number[] = [];
  while (out.length < count) {
    const p = Math.floor(Math.random() * size);
    if (!seen.has(p)) {
      seen.add(p);
      out.push(p);
    }
  }
  return out;
}

// ---- commands ---------------------------------------------------------------

function hsetCommand(c: Client, argv: string[]): void {
  const argc = argv.length;
  if ((argc & 1) === 1) {
    c.error(`ERR wrong number of arguments for '${c.cmd!.fullName}' command`);
    return;
  }
  const key = argv[1];
  const limits = c.server.limits;
  let h = writeHash(c, key);
  if (h === null) return;
  const isNew = h === undefined;
  if (h === undefined) h = createHash(c, key);
  h.tryConversion(argv, 2, argc - 1, limits);
  let created = 0;
  for (let i = 2; i < argc; i += 2) if (h.set(argv[i], argv[i + 1], limits)) created++;
  // HSET and HMSET differ only in their reply (Redis looks at the name's second letter).
  const ch = argv[0].charCodeAt(1);
  if (ch === 115 || ch === 83) c.w.int(created);
  else c.w.ok();
  if (!isNew) c.db.changed(key);
  c.server.notify(NOTIFY_HASH, 'hset', key, c.db.id);
  c.server.dirty += (argc - 2) / 2 - 1;
}

function hsetnxCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const limits = c.server.limits;
  let h = writeHash(c, key);
  if (h === null) return;
  const isNew = h === undefined;
  if (h === undefined) h = createHash(c, key);
  else if (h.has(argv[2])) {
    c.w.int(0);
    return;
  }
  h.tryConversion(argv, 2, 3, limits);
  h.set(argv[2], argv[3], limits);
  c.w.int(1);
  if (!isNew) c.db.changed(key);
  c.server.notify(NOTIFY_HASH, 'hset', key, c.db.id);
}

function hgetCommand(c: Client, argv: string[]): void {
  const h = readHash(c, argv[1]);
  if (h === null) return;
  const v = h === undefined ? undefined : h.get(argv[2]);
  if (v === undefined) c.w.nil();
  else c.w.bulk(v);
}

function hmgetCommand(c: Client, argv: string[]): void {
  const h = readHash(c, argv[1]);
  if (h === null) return;
  c.w.arr(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const v = h === undefined ? undefined : h.get(argv[i]);
    if (v === undefined) c.w.nil();
    else c.w.bulk(v);
  }
}

function hdelCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const h = writeHash(c, key);
  if (h === null) return;
  if (h === undefined) {
    c.w.int(0);
    return;
  }
  let deleted = 0;
  let removed = false;
  for (let i = 2; i < argv.length; i++) {
    if (h.delete(argv[i])) {
      deleted++;
      if (h.size === 0) {
        c.db.delete(key);
        removed = true;
        break;
      }
    }
  }
  if (deleted > 0) {
    if (!removed) c.db.changed(key);
    c.server.notify(NOTIFY_HASH, 'hdel', key, c.db.id);
    if (removed) c.server.notify(NOTIFY_GENERIC, 'del', key, c.db.id);
    c.server.dirty += deleted - 1;
  }
  c.w.int(deleted);
}

function hlenCommand(c: Client, argv: string[]): void {
  const h = readHash(c, argv[1]);
  if (h !== null) c.w.int(h === undefined ? 0 : h.size);
}

function hstrlenCommand(c: Client, argv: string[]): void {
  const h = readHash(c, argv[1]);
  if (h === null) return;
  const v = h === undefined ? undefined : h.get(argv[2]);
  c.w.int(v === undefined ? 0 : v.length);
}

function hexistsCommand(c: Client, argv: string[]): void {
  const h = readHash(c, argv[1]);
  if (h !== null) c.w.int(h !== undefined && h.has(argv[2]) ? 1 : 0);
}

const KEYS = 1;
const VALUES = 2;

/** HKEYS, HVALS, HGETALL (genericHgetallCommand). */
function getAll(c: Client, key: string, what: number): void {
  const h = readHash(c, key);
  if (h === null) return;
  const n = h === undefined ? 0 : h.size;
  if (what === (KEYS | VALUES)) c.w.map(n);
  else c.w.arr(n);
  if (h === undefined) return;
  for (let i = 0; i < n; i++) {
    if (what & KEYS) c.w.bulk(h.fieldAt(i));
    if (what & VALUES) c.w.bulk(h.valueAt(i));
  }
}

function hkeysCommand(c: Client, argv: string[]): void {
  getAll(c, argv[1], KEYS);
}

function hvalsCommand(c: Client, argv: string[]): void {
  getAll(c, argv[1], VALUES);
}

function hgetallCommand(c: Client, argv: string[]): void {
  getAll(c, argv[1], KEYS | VALUES);
}

function hincrbyCommand(c: Client, argv: string[]): void {
  const incr = parseInt64(argv[3]);
  if (incr === null) {
    c.error(ERR_NOT_INT);
    return;
  }
  const key = argv[1];
  let h = writeHash(c, key);
  if (h === null) return;
  const isNew = h === undefined;
  if (h === undefined) h = createHash(c, key);
  let cur = 0;
  let curStr = '0';
  const old = h.get(argv[2]);
  if (old !== undefined) {
    const v = parseInt64(old);
    if (v === null) {
      c.error('ERR hash value is not an integer');
      return;
    }
    cur = v;
    curStr = old;
  }
  let result: string;
  const sum = cur + incr;
  if (sum > -SAFE && sum < SAFE && cur > -SAFE && cur < SAFE && incr > -SAFE && incr < SAFE) {
    result = String(sum);
  } else {
    const b = BigInt(curStr) + BigInt(argv[3]);
    if (b > LONG_MAX_BIG || b < -LONG_MAX_BIG - 1n) {
      c.error(ERR_OVERFLOW);
      return;
    }
    result = b.toString();
  }
  h.set(argv[2], result, c.server.limits);
  c.w.raw(':' + result + '\r\n');
  if (!isNew) c.db.changed(key);
  c.server.notify(NOTIFY_HASH, 'hincrby', key, c.db.id);
}

function hincrbyfloatCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const check = incrByFloat(undefined, argv[3]);
  if (!check.ok) {
    c.error(check.error === 'incr-invalid' ? ERR_NOT_FLOAT : 'ERR value is NaN or Infinity');
    return;
  }
  let h = writeHash(c, key);
  if (h === null) return;
  const isNew = h === undefined;
  if (h === undefined) h = createHash(c, key);
  const r = incrByFloat(h.get(argv[2]), argv[3]);
  if (!r.ok) {
    c.error(r.error === 'value-invalid' ? 'ERR hash value is not a float' : 'ERR increment would produce NaN or Infinity');
    return;
  }
  const result = r.value;
  h.set(argv[2], result, c.server.limits);
  c.w.bulk(result);
  if (!isNew) c.db.changed(key);
  c.server.notify(NOTIFY_HASH, 'hincrbyfloat', key, c.db.id);
  // Replicated as HSET with the final value, as Redis does.
  c.propagateAs = [['HSET', key, argv[2], result]];
}

function replyRandomField(c: Client, h: HashValue, pos: number, withValues: boolean): void {
  if (withValues && c.resp === 3) c.w.arr(2);
  c.w.bulk(h.fieldAt(pos));
  if (withValues) c.w.bulk(h.valueAt(pos));
}

function hrandfieldCommand(c: Client, argv: string[]): void {
  if (argv.length >= 3) {
    const l = randomCountArg(c, argv[2]);
    if (l === null) return;
    let withValues = false;
    if (argv.length > 4 || (argv.length === 4 && !is(argv[3], 'withvalues'))) {
      c.error(ERR_SYNTAX);
      return;
    } else if (argv.length === 4) {
      withValues = true;
      // LONG_MAX / 2 = 4611686018427387903
      if ((l <= -4611686018427387903 || l >= 4611686018427387903) && (BigInt(argv[2]) < -4611686018427387903n || BigInt(argv[2]) > 4611686018427387903n)) {
        c.error('ERR value is out of range');
        return;
      }
    }
    hrandfieldWithCount(c, argv[1], l, withValues);
    return;
  }
  const h = readHash(c, argv[1]);
  if (h === null) return;
  if (h === undefined) {
    c.w.nil();
    return;
  }
  c.w.bulk(h.fieldAt(h.randomPos()));
}

function hrandfieldWithCount(c: Client, key: string, l: number, withValues: boolean): void {
  const h = readHash(c, key);
  if (h === null) return;
  if (h === undefined) {
    c.w.arr(0);
    return;
  }
  const size = h.size;
  const uniq = l >= 0;
  const count = Math.abs(l);
  if (count === 0) {
    c.w.arr(0);
    return;
  }
  const pairs = withValues && c.resp === 2;
  // CASE 1: negative count (repetitions allowed), or a single field.
  if (!uniq || count === 1) {
    c.w.arr(pairs ? count * 2 : count);
    for (let i = 0; i < count; i++) replyRandomField(c, h, h.randomPos(), withValues);
    return;
  }
  const n = Math.min(count, size);
  c.w.arr(pairs ? n * 2 : n);
  // CASE 2: the whole hash.
  if (count >= size) {
    for (let i = 0; i < size; i++) replyRandomField(c, h, i, withValues);
    return;
  }
  // CASE 3 / 4: distinct fields; a listpack answers in its own order, as Redis's lpRandomPairsUnique.
  const picks = distinctPositions(size, count);
  if (h.isListpack) picks.sort((a, b) => a - b);
  for (let i = 0; i < picks.length; i++) replyRandomField(c, h, picks[i], withValues);
}

function hscanCommand(c: Client, argv: string[]): void {
  const cursor = scanCursorArg(c, argv[2]);
  if (cursor === null) return;
  const h = readHash(c, argv[1]);
  if (h === null) return;
  if (h === undefined) {
    replyEmptyScan(c);
    return;
  }
  const opts = scanOptions(c, argv, 3);
  if (opts === null) return;
  const pattern = opts.pattern;
  const picked: number[] = [];
  let next = 0;
  if (h.isListpack) {
    for (let i = 0; i < h.size; i++) picked.push(i);
  } else {
    next = h.scanFrom(cursor, opts.count, (p) => picked.push(p));
  }
  let n = picked.length;
  if (pattern !== null) {
    n = 0;
    for (let i = 0; i < picked.length; i++) if (globMatch(pattern, h.fieldAt(picked[i]))) picked[n++] = picked[i];
  }
  c.w.arr(2);
  c.w.bulk(String(next));
  c.w.arr(n * 2);
  for (let i = 0; i < n; i++) {
    c.w.bulk(h.fieldAt(picked[i]));
    c.w.bulk(h.valueAt(picked[i]));
  }
}

export const hashCommands: CommandDef[] = [
  { name: 'hset', handler: hsetCommand },
  { name: 'hmset', handler: hsetCommand },
  { name: 'hsetnx', handler: hsetnxCommand },
  { name: 'hget', handler: hgetCommand },
  { name: 'hmget', handler: hmgetCommand },
  { name: 'hdel', handler: hdelCommand },
  { name: 'hlen', handler: hlenCommand },
  { name: 'hstrlen', handler: hstrlenCommand },
  { name: 'hexists', handler: hexistsCommand },
  { name: 'hkeys', handler: hkeysCommand },
  { name: 'hvals', handler: hvalsCommand },
  { name: 'hgetall', handler: hgetallCommand },
  { name: 'hincrby', handler: hincrbyCommand },
  { name: 'hincrbyfloat', handler: hincrbyfloatCommand },
  { name: 'hrandfield', handler: hrandfieldCommand },
  { name: 'hscan', handler: hscanCommand },
];
