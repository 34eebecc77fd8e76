/**
 * Sorted set commands (Redis 7.0's t_zset.c), blocking pops included, over
 * data/zset.ts.
 *
 * Each handler keeps Redis's order of checks (argument parsing, key lookup,
 * type check) so the first error reported is the same, Redis's
 * notifications and dirty counts, deletes sets that become empty, and
 * propagates what Redis propagates (blocking and multi-key pops as
 * ZPOPMIN/ZPOPMAX, GEOADD as ZADD).
 */
import type { Client } from '../server/client';
import type { CommandDef } from './registry';
import { WRONGTYPE, type Value } from '../db/values';
import { NOTIFY_GENERIC, NOTIFY_ZSET } from '../db/database';
import {
  LEX_MAX,
  LEX_MIN,
  ZADD_IN_GT,
  ZADD_IN_INCR,
  ZADD_IN_LT,
  ZADD_IN_NX,
  ZADD_IN_XX,
  ZADD_OUT_ADDED,
  ZADD_OUT_NAN,
  ZADD_OUT_NOP,
  ZADD_OUT_UPDATED,
  ZSetValue,
  formatScore,
  listpackScoreString,
  type LexBound,
  type LexRange,
  type ScoreRange,
} from '../data/zset';
import { SetValue } from '../data/set';
import { ERR_NOT_FLOAT, ERR_NOT_INT, ERR_SYNTAX, is, timeoutArg } from './args';
import { distinctPositions, randomCountArg, replyEmptyScan, scanCursorArg, scanOptions } from './hashes';
import { parseDouble, parseInt64 } from '../protocol/numbers';
import { globMatch } from '../util/glob';

const ERR_MINMAX_FLOAT = 'ERR min or max is not a float';
const ERR_MINMAX_LEX = 'ERR min or max not valid string range item';

// ---- lookups ----------------------------------------------------------------------

/** The sorted set at key for reading: undefined when missing, null after a WRONGTYPE reply. */
export function readZset(c: Client, key: string): ZSetValue | undefined | null {
  const v = c.db.lookupRead(key);
  if (v === undefined) return undefined;
  if (!(v instanceof ZSetValue)) {
    c.error(WRONGTYPE);
    return null;
  }
  return v;
}

/** The sorted set at key for writing: undefined when missing, null after a WRONGTYPE reply. */
function writeZset(c: Client, key: string): ZSetValue | undefined | null {
  const v = c.db.lookupWrite(key);
  if (v === undefined) return undefined;
  if (!(v instanceof ZSetValue)) {
    c.error(WRONGTYPE);
    return null;
  }
  return v;
}

/** After elements were removed in place: delete an emptied set ("del"), else mark it changed. */
function afterRemoval(c: Client, key: string, z: ZSetValue): boolean {
  if (z.size === 0) {
    c.db.delete(key);
    return true;
  }
  c.db.changed(key);
  return false;
}

/**
 * setKey of a store command's result: a non-empty result replaces dst (its
 * TTL dropped), an empty one deletes dst ("del" when it existed). Replies
 * the result's size; `event` is the zset event of a stored result.
 */
function storeResult(c: Client, dst: string, z: ZSetValue | null, event: string): void {
  const base = c.server.dirty;
  if (z !== null && z.size > 0) {
    c.db.set(dst, z);
    c.w.int(z.size);
    c.server.notify(NOTIFY_ZSET, event, dst, c.db.id);
    c.server.dirty = base + 1;
  } else {
    c.w.int(0);
    if (c.db.delete(dst)) {
      c.server.notify(NOTIFY_GENERIC, 'del', dst, c.db.id);
      c.server.dirty = base + 1;
    }
  }
}

/** A built result set (skiplist) converted to listpack when it fits (zsetConvertToListpackIfNeeded). */
function finishResult(c: Client, members: string[], scores: number[]): ZSetValue {
  const lim = c.server.limits;
  let maxlen = 0;
  for (let i = 0; i < members.length; i++) if (members[i].length > maxlen) maxlen = members[i].length;
  return ZSetValue.fromPairs(members, scores, members.length <= lim.zsetMaxListpackEntries && maxlen <= lim.zsetMaxListpackValue);
}

// ---- argument parsing ---------------------------------------------------------------

/**
 * strtod over a C string (the argument up to its first NUL): leading
 * space, sign, decimal or hex digits, "inf"/"infinity"/"nan". Returns the
 * value, or null when strtod would not consume the whole string. As strtod,
 * an empty string is 0, and overflow is accepted as an infinity.
 */
export function strtodWhole(s: string): number | null {
  const z = s.indexOf('\0');
  if (z >= 0) s = s.slice(0, z);
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13)) i++;
    else break;
  }
  if (n === 0) return 0;
  const m = /^([+-]?)(?:(inf(?:inity)?)|(nan(?:\([0-9A-Za-z_]*\))?)|0[xX]((?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?\d+)?)|((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?))/i.exec(s.slice(i));
  if (m === null) return null;
  const end = i + m[0].length;
  let v: number;
  if (m[2] !== undefined) v = Infinity;
  else if (m[3] !== undefined) v = NaN;
  else if (m[4] !== undefined) v = hexFloat(m[4]);
  else v = Number(m[5]);
  if (m[1] === '-') v = -v;
  // "0x" with no hex digit after it matched as the decimal "0": the "x" is left over.
  return end === n ? v : null;
}

function hexFloat(body: string): number {
  const pm = /^([0-9a-fA-F]*)\.?([0-9a-fA-F]*)(?:[pP]([+-]?\d+))?$/.exec(body)!;
  const digits = pm[1] + pm[2];
  const exp = Number(pm[3] ?? '0') - 4 * pm[2].length;
  const mant = digits.length === 0 ? 0n : BigInt('0x' + digits);
  if (mant === 0n) return 0;
  // Exact when the mantissa fits; big mantissas round once in Number().
  let v = Number(mant);
  let e = exp;
  while (e > 0) {
    const step = Math.min(e, 1000);
    v *= 2 ** step;
    e -= step;
  }
  while (e < 0) {
    const step = Math.min(-e, 1000);
    v /= 2 ** step;
    e += step;
  }
  return v;
}

/** zslParseRange: "(" for exclusive, strtod for the rest; null on error. */
export function parseScoreRange(min: string, max: string): ScoreRange | null {
  const r: ScoreRange = { min: 0, minex: false, max: 0, maxex: false };
  let v: number | null;
  if (min.charCodeAt(0) === 40) {
    v = strtodWhole(min.slice(1));
    r.minex = true;
  } else v = strtodWhole(min);
  if (v === null || v !== v) return null;
  r.min = v;
  if (max.charCodeAt(0) === 40) {
    v = strtodWhole(max.slice(1));
    r.maxex = true;
  } else v = strtodWhole(max);
  if (v === null || v !== v) return null;
  r.max = v;
  return r;
}

/** zslParseLexRangeItem: "-", "+", "(x" or "[x"; null on error. */
function parseLexItem(s: string): [LexBound, boolean] | null {
  const c = s.charCodeAt(0);
  const onlyOne = s.length === 1 || s.charCodeAt(1) === 0;
  switch (c) {
    case 43: // +
      return onlyOne ? [LEX_MAX, true] : null;
    case 45: // -
      return onlyOne ? [LEX_MIN, true] : null;
    case 40: // (
      return [s.slice(1), true];
    case 91: // [
      return [s.slice(1), false];
    default:
      return null;
  }
}

export function parseLexRange(min: string, max: string): LexRange | null {
  const a = parseLexItem(min);
  if (a === null) return null;
  const b = parseLexItem(max);
  if (b === null) return null;
  return { min: a[0], minex: a[1], max: b[0], maxex: b[1] };
}

/** getLongFromObjectOrReply. */
function longArg(c: Client, s: string, msg = ERR_NOT_INT): number | null {
  const v = parseInt64(s);
  if (v === null) {
    c.error(msg);
    return null;
  }
  return v;
}

/** getRangeLongFromObjectOrReply(min, LONG_MAX) with one message for both failures. */
function minLongArg(c: Client, s: string, min: number, msg: string): number | null {
  const v = parseInt64(s);
  if (v === null || v < min) {
    c.error(msg);
    return null;
  }
  return v;
}

// ---- replies ------------------------------------------------------------------------

/** addReplyDouble of a score (w.double's output, with the faster formatter). */
export function replyScore(c: Client, d: number): void {
  if (d === Infinity || d === -Infinity) c.w.double(d);
  else if (c.resp === 2) c.w.bulk(formatScore(d));
  else c.w.raw(',' + formatScore(d) + '\r\n');
}

/** One element of a range reply: member, and its score when withScores (nested in RESP3). */
function replyElement(c: Client, member: string, score: number, withScores: boolean): void {
  const w = c.w;
  if (withScores && c.resp === 3) w.arr(2);
  w.bulk(member);
  if (withScores) replyScore(c, score);
}

function replyArrayLen(c: Client, n: number, withScores: boolean): void {
  c.w.arr(withScores && c.resp === 2 ? n * 2 : n);
}

// ---- ZADD / ZINCRBY -------------------------------------------------------------------

/**
 * zaddGenericCommand over argv (ZADD key [opts] score member ...). `flags`
 * starts with ZADD_IN_INCR for ZINCRBY. Returns true when something
 * changed (GEOADD propagates its ZADD then).
 */
export function zaddGeneric(c: Client, argv: string[], flags: number): boolean {
  const key = argv[1];
  const argc = argv.length;
  let scoreidx = 2;
  let ch = false;
  while (scoreidx < argc) {
    const o = argv[scoreidx];
    if (is(o, 'nx')) flags |= ZADD_IN_NX;
    else if (is(o, 'xx')) flags |= ZADD_IN_XX;
    else if (is(o, 'ch')) ch = true;
    else if (is(o, 'incr')) flags |= ZADD_IN_INCR;
    else if (is(o, 'gt')) flags |= ZADD_IN_GT;
    else if (is(o, 'lt')) flags |= ZADD_IN_LT;
    else break;
    scoreidx++;
  }
  const incr = (flags & ZADD_IN_INCR) !== 0;
  const nx = (flags & ZADD_IN_NX) !== 0;
  const xx = (flags & ZADD_IN_XX) !== 0;
  const gt = (flags & ZADD_IN_GT) !== 0;
  const lt = (flags & ZADD_IN_LT) !== 0;
  let elements = argc - scoreidx;
  if (elements % 2 !== 0 || elements === 0) {
    c.error(ERR_SYNTAX);
    return false;
  }
  elements /= 2;
  if (nx && xx) {
    c.error('ERR XX and NX options at the same time are not compatible');
    return false;
  }
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    c.error('ERR GT, LT, and/or NX options at the same time are not compatible');
    return false;
  }
  if (incr && elements > 1) {
    c.error('ERR INCR option supports a single increment-element pair');
    return false;
  }
  const scores = new Array<number>(elements);
  for (let j = 0; j < elements; j++) {
    const v = parseDouble(argv[scoreidx + j * 2]);
    if (v === null) {
      c.error(ERR_NOT_FLOAT);
      return false;
    }
    scores[j] = v;
  }
  const v = c.db.lookupWrite(key);
  let z: ZSetValue;
  let added = 0;
  let updated = 0;
  let processed = 0;
  let score = 0;
  if (v !== undefined && !(v instanceof ZSetValue)) {
    c.error(WRONGTYPE);
    return false;
  }
  const base = c.server.dirty;
  if (v === undefined) {
    if (xx) {
      if (incr) c.w.nil();
      else c.w.int(0);
      return false;
    }
    const lim = c.server.limits;
    z = new ZSetValue(lim.zsetMaxListpackEntries !== 0 && argv[scoreidx + 1].length <= lim.zsetMaxListpackValue);
    c.db.add(key, z);
    c.db.lookupWrite(key);
  } else z = v;
  const limits = c.server.limits;
  let failed = false;
  for (let j = 0; j < elements; j++) {
    const out = z.add(argv[scoreidx + 1 + j * 2], scores[j], flags, limits);
    if (out & ZADD_OUT_NAN) {
      c.error('ERR resulting score is not a number (NaN)');
      failed = true;
      break;
    }
    if (out & ZADD_OUT_ADDED) added++;
    if (out & ZADD_OUT_UPDATED) updated++;
    if (!(out & ZADD_OUT_NOP)) processed++;
    score = z.lastScore;
  }
  if (!failed) {
    if (incr) {
      if (processed) replyScore(c, score);
      else c.w.nil();
    } else c.w.int(ch ? added + updated : added);
  }
  if (added || updated) {
    c.db.changed(key);
    c.server.notify(NOTIFY_ZSET, incr ? 'zincr' : 'zadd', key, c.db.id);
    c.server.dirty = base + added + updated;
    return true;
  }
  c.server.dirty = base;
  return false;
}

function zadd(c: Client, argv: string[]): void {
  zaddGeneric(c, argv, 0);
}

function zincrby(c: Client, argv: string[]): void {
  zaddGeneric(c, argv, ZADD_IN_INCR);
}

// ---- ZREM, ZCARD, ZSCORE, ZMSCORE, ZRANK ---------------------------------------------

function zrem(c: Client, argv: string[]): void {
  const key = argv[1];
  const z = writeZset(c, key);
  if (z === null) return;
  if (z === undefined) {
    c.w.int(0);
    return;
  }
  const base = c.server.dirty;
  let deleted = 0;
  let keyRemoved = false;
  for (let j = 2; j < argv.length; j++) {
    if (z.delete(argv[j])) deleted++;
    if (z.size === 0) {
      keyRemoved = true;
      break;
    }
  }
  if (deleted) {
    c.server.notify(NOTIFY_ZSET, 'zrem', key, c.db.id);
    afterRemoval(c, key, z);
    if (keyRemoved) c.server.notify(NOTIFY_GENERIC, 'del', key, c.db.id);
    c.server.dirty = base + deleted;
  }
  c.w.int(deleted);
}

function zcard(c: Client, argv: string[]): void {
  const z = readZset(c, argv[1]);
  if (z !== null) c.w.int(z === undefined ? 0 : z.size);
}

function zscore(c: Client, argv: string[]): void {
  const z = readZset(c, argv[1]);
  if (z === null) return;
  const s = z === undefined ? undefined : z.score(argv[2]);
  if (s === undefined) c.w.nil();
  else replyScore(c, s);
}

function zmscore(c: Client, argv: string[]): void {
  const z = readZset(c, argv[1]);
  if (z === null) return;
  c.w.arr(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const s = z === undefined ? undefined : z.score(argv[j]);
    if (s === undefined) c.w.nil();
    else replyScore(c, s);
  }
}

function zrankGeneric(c: Client, argv: string[], reverse: boolean): void {
  const z = readZset(c, argv[1]);
  if (z === null) return;
  if (z === undefined) {
    c.w.nil();
    return;
  }
  const r = z.rank(argv[2]);
  if (r < 0) c.w.nil();
  else c.w.int(reverse ? z.size - 1 - r : r);
}

// ---- ZCOUNT, ZLEXCOUNT -----------------------------------------------------------------

function zcount(c: Client, argv: string[]): void {
  const range = parseScoreRange(argv[2], argv[3]);
  if (range === null) {
    c.error(ERR_MINMAX_FLOAT);
    return;
  }
  const z = readZset(c, argv[1]);
  if (z === null) return;
  if (z === undefined) {
    c.w.int(0);
    return;
  }
  const [a, b] = z.scoreRange(range);
  c.w.int(b - a);
}

function zlexcount(c: Client, argv: string[]): void {
  const range = parseLexRange(argv[2], argv[3]);
  if (range === null) {
    c.error(ERR_MINMAX_LEX);
    return;
  }
  const z = readZset(c, argv[1]);
  if (z === null) return;
  if (z === undefined) {
    c.w.int(0);
    return;
  }
  const [a, b] = z.lexRangeForward(range);
  c.w.int(b - a);
}

// ---- ZRANGE family ----------------------------------------------------------------------

const RANK = 0;
const SCORE = 1;
const LEX = 2;
type RangeType = typeof RANK | typeof SCORE | typeof LEX;

/** Where a range's elements go: the client, or a new set for ZRANGESTORE. */
interface RangeSink {
  /** hint: the length Redis announces (-1 when it does not know it yet); n: the real length. */
  begin(hint: number, n: number): void;
  emit(member: string, score: number): void;
  finish(count: number): void;
}

function clientSink(c: Client, withScores: boolean): RangeSink {
  return {
    begin: (_hint, n) => replyArrayLen(c, n, withScores),
    emit: (member, score) => replyElement(c, member, score, withScores),
    finish: () => undefined,
  };
}

/**
 * The ZRANGESTORE destination, built as Redis builds it: a listpack unless
 * the known length exceeds the limit, then zsetAdd element by element in
 * range order (so conversion, and -0 turning into 0 in a listpack, happen
 * at the same element).
 */
function storeSink(c: Client, dst: string): RangeSink {
  let z: ZSetValue | null = null;
  const lim = c.server.limits;
  return {
    begin: (hint) => {
      z = new ZSetValue(!(hint > lim.zsetMaxListpackEntries));
    },
    emit: (member, score) => {
      z!.add(member, score, 0, lim);
    },
    finish: () => storeResult(c, dst, z, 'zrangestore'),
  };
}

/**
 * Emit the elements of ranks [start, end) (forward) or their reverse,
 * after skipping `offset` of them (negative: none remain) and up to `limit`
 * (negative: all).
 */
function emitRanks(z: ZSetValue, sink: RangeSink, start: number, end: number, reverse: boolean, offset: number, limit: number, known: boolean): void {
  let n = end - start;
  if (offset < 0 || offset >= n) n = 0;
  else n -= offset;
  if (limit >= 0 && limit < n) n = limit;
  sink.begin(known ? n : -1, n);
  if (n > 0) {
    const cur = z.cursor(reverse ? end - 1 - offset : start + offset);
    for (let k = 0; k < n; k++) {
      sink.emit(cur.member, cur.score);
      if (reverse) cur.prev();
      else cur.next();
    }
  }
  sink.finish(n);
}

/** zrangeGenericCommand. argStart: index of the source key. */
function zrangeGeneric(c: Client, argv: string[], argStart: number, store: string | null, rangeType: RangeType | null, reverse: boolean | null): void {
  const key = argv[argStart];
  let minidx = argStart + 1;
  let maxidx = argStart + 2;
  let withScores = false;
  let offset = 0;
  let limit = -1;
  let type = rangeType;
  let rev = reverse;
  for (let j = argStart + 3; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const a = argv[j];
    if (store === null && is(a, 'withscores')) withScores = true;
    else if (is(a, 'limit') && left >= 2) {
      const o = longArg(c, argv[j + 1]);
      if (o === null) return;
      const l = longArg(c, argv[j + 2]);
      if (l === null) return;
      offset = o;
      limit = l;
      j += 2;
    } else if (reverse === null && rev === null && is(a, 'rev')) rev = true;
    else if (rangeType === null && type === null && is(a, 'bylex')) type = LEX;
    else if (rangeType === null && type === null && is(a, 'byscore')) type = SCORE;
    else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  if (rev === null) rev = false;
  if (type === null) type = RANK;
  if (limit !== -1 && type === RANK) {
    c.error('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
    return;
  }
  if (withScores && type === LEX) {
    c.error('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
    return;
  }
  if (rev && type !== RANK) {
    const t = maxidx;
    maxidx = minidx;
    minidx = t;
  }
  let start = 0;
  let end = 0;
  let score: ScoreRange | null = null;
  let lex: LexRange | null = null;
  if (type === RANK) {
    const a = longArg(c, argv[minidx]);
    if (a === null) return;
    const b = longArg(c, argv[maxidx]);
    if (b === null) return;
    start = a;
    end = b;
  } else if (type === SCORE) {
    score = parseScoreRange(argv[minidx], argv[maxidx]);
    if (score === null) {
      c.error(ERR_MINMAX_FLOAT);
      return;
    }
  } else {
    lex = parseLexRange(argv[minidx], argv[maxidx]);
    if (lex === null) {
      c.error(ERR_MINMAX_LEX);
      return;
    }
  }
  const v = c.db.lookupRead(key);
  if (v === undefined) {
    if (store !== null) storeResult(c, store, null, 'zrangestore');
    else c.w.arr(0);
    return;
  }
  if (!(v instanceof ZSetValue)) {
    c.error(WRONGTYPE);
    return;
  }
  const z = v;
  const sink = store !== null ? storeSink(c, store) : clientSink(c, withScores);
  const llen = z.size;
  if (type === RANK) {
    if (start < 0) start = llen + start;
    if (end < 0) end = llen + end;
    if (start < 0) start = 0;
    if (start > end || start >= llen) {
      sink.begin(0, 0);
      sink.finish(0);
      return;
    }
    if (end >= llen) end = llen - 1;
    const lo = rev ? llen - 1 - end : start;
    const hi = rev ? llen - 1 - start : end;
    emitRanks(z, sink, lo, hi + 1, rev, 0, -1, true);
    return;
  }
  // genericZrangebyscore/lex: an offset past the end answers empty at once.
  if (offset > 0 && offset >= llen) {
    sink.begin(0, 0);
    sink.finish(0);
    return;
  }
  let a: number;
  let b: number;
  if (type === SCORE) [a, b] = z.scoreRange(score!);
  else [a, b] = rev ? z.lexRangeBackward(lex!) : z.lexRangeForward(lex!);
  emitRanks(z, sink, a, b, rev, offset, limit, false);
}

function zrange(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, null, null, null);
}

function zrangestore(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 2, argv[1], null, null);
}

function zrevrange(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, null, RANK, true);
}

function zrangebyscore(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, null, SCORE, false);
}

function zrevrangebyscore(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, null, SCORE, true);
}

function zrangebylex(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, null, LEX, false);
}

function zrevrangebylex(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, null, LEX, true);
}

// ---- ZREMRANGEBY* -------------------------------------------------------------------------

function zremrangeGeneric(c: Client, argv: string[], type: RangeType): void {
  const key = argv[1];
  let start = 0;
  let end = 0;
  let score: ScoreRange | null = null;
  let lex: LexRange | null = null;
  let event: string;
  if (type === RANK) {
    event = 'zremrangebyrank';
    const a = longArg(c, argv[2]);
    if (a === null) return;
    const b = longArg(c, argv[3]);
    if (b === null) return;
    start = a;
    end = b;
  } else if (type === SCORE) {
    event = 'zremrangebyscore';
    score = parseScoreRange(argv[2], argv[3]);
    if (score === null) {
      c.error(ERR_MINMAX_FLOAT);
      return;
    }
  } else {
    event = 'zremrangebylex';
    lex = parseLexRange(argv[2], argv[3]);
    if (lex === null) {
      c.error(ERR_MINMAX_LEX);
      return;
    }
  }
  const z = writeZset(c, key);
  if (z === null) return;
  if (z === undefined) {
    c.w.int(0);
    return;
  }
  let a: number;
  let b: number;
  if (type === RANK) {
    const llen = z.size;
    if (start < 0) start = llen + start;
    if (end < 0) end = llen + end;
    if (start < 0) start = 0;
    if (start > end || start >= llen) {
      c.w.int(0);
      return;
    }
    if (end >= llen) end = llen - 1;
    a = start;
    b = end + 1;
  } else if (type === SCORE) [a, b] = z.scoreRange(score!);
  else [a, b] = z.lexRangeForward(lex!);
  const base = c.server.dirty;
  const deleted = z.removeRange(a, b);
  if (deleted) {
    c.server.notify(NOTIFY_ZSET, event, key, c.db.id);
    if (afterRemoval(c, key, z)) c.server.notify(NOTIFY_GENERIC, 'del', key, c.db.id);
  }
  c.server.dirty = base + deleted;
  c.w.int(deleted);
}

// ---- pops ---------------------------------------------------------------------------------

/**
 * genericZpopCommand: pop up to count (-1: one, without COUNT) from the
 * first existing of keys. emitKey: the reply starts with the key (blocking
 * and multi-key forms); nested: [member, score] pairs; nilWhenEmpty: a null
 * array when no key exists. Returns the key popped from, or null.
 */
function genericZpop(c: Client, keys: string[], max: boolean, emitKey: boolean, count: number, nested: boolean, nilWhenEmpty: boolean): string | null {
  let key = '';
  let z: ZSetValue | undefined;
  for (const k of keys) {
    const v = c.db.lookupWrite(k);
    if (v === undefined) continue;
    if (!(v instanceof ZSetValue)) {
      c.error(WRONGTYPE);
      return null;
    }
    z = v;
    key = k;
    break;
  }
  const w = c.w;
  if (z === undefined) {
    if (nilWhenEmpty) w.nilArray();
    else w.arr(0);
    return null;
  }
  if (count === 0) {
    w.arr(0);
    return null;
  }
  if (count === -1) count = 1;
  const llen = z.size;
  const n = count > llen ? llen : count;
  if (!nested && !emitKey) w.arr(n * 2);
  else if (nested && !emitKey) w.arr(n);
  else if (!nested && emitKey) {
    w.arr(n * 2 + 1);
    w.bulk(key);
  } else {
    w.arr(2);
    w.bulk(key);
    w.arr(n);
  }
  const base = c.server.dirty;
  for (let i = 0; i < n; i++) {
    z.removeAt(max ? z.size - 1 : 0);
    if (nested) w.arr(2);
    w.bulk(z.poppedMember);
    replyScore(c, z.poppedScore);
  }
  c.server.notify(NOTIFY_ZSET, max ? 'zpopmax' : 'zpopmin', key, c.db.id);
  if (afterRemoval(c, key, z)) c.server.notify(NOTIFY_GENERIC, 'del', key, c.db.id);
  c.server.dirty = base + n;
  return key;
}

/** getPositiveLongFromObjectOrReply with its one message. */
function positiveCountArg(c: Client, s: string): number | null {
  const v = parseInt64(s);
  if (v === null || v < 0) {
    c.error('ERR value is out of range, must be positive');
    return null;
  }
  return v;
}

function zpopMinMax(c: Client, argv: string[], max: boolean): void {
  if (argv.length > 3) {
    c.error(ERR_SYNTAX);
    return;
  }
  let count = -1;
  if (argv.length === 3) {
    const v = positiveCountArg(c, argv[2]);
    if (v === null) return;
    count = v;
  }
  genericZpop(c, [argv[1]], max, false, count, c.resp > 2 && count !== -1, false);
}

/** [B]ZMPOP arguments: numkeys, keys, MIN|MAX, [COUNT n]; null after an error reply. */
function parseZmpop(c: Client, argv: string[], numkeysIdx: number): { keys: string[]; max: boolean; count: number } | null {
  const numkeys = minLongArg(c, argv[numkeysIdx], 1, 'ERR numkeys should be greater than 0');
  if (numkeys === null) return null;
  const whereIdx = numkeysIdx + numkeys + 1;
  if (whereIdx >= argv.length) {
    c.error(ERR_SYNTAX);
    return null;
  }
  let max: boolean;
  if (is(argv[whereIdx], 'min')) max = false;
  else if (is(argv[whereIdx], 'max')) max = true;
  else {
    c.error(ERR_SYNTAX);
    return null;
  }
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (count === -1 && is(argv[j], 'count') && more > 0) {
      j++;
      const v = minLongArg(c, argv[j], 1, 'ERR count should be greater than 0');
      if (v === null) return null;
      count = v;
    } else {
      c.error(ERR_SYNTAX);
      return null;
    }
  }
  if (count === -1) count = 1;
  return { keys: argv.slice(numkeysIdx + 1, whereIdx), max, count };
}

function zmpop(c: Client, argv: string[]): void {
  const p = parseZmpop(c, argv, 1);
  if (p === null) return;
  const key = genericZpop(c, p.keys, p.max, true, p.count, true, true);
  if (key !== null) c.propagateAs = [[p.max ? 'ZPOPMAX' : 'ZPOPMIN', key, String(p.count)]];
}

const replyNilArray = (c: Client): void => c.w.nilArray();

/**
 * blockingGenericZpopCommand. count -1: BZPOPMIN/BZPOPMAX (flat reply),
 * else BZMPOP (nested, null when nothing). A re-run after a key became
 * ready serves from that key only, and keeps waiting when it cannot.
 */
function blockingZpop(c: Client, keys: string[], max: boolean, timeoutStr: string, count: number): void {
  const deadline = timeoutArg(c, timeoutStr, c.server.now());
  if (deadline === null) return;
  const nested = count !== -1;
  const pop = max ? 'ZPOPMAX' : 'ZPOPMIN';
  if (c.reprocessing) {
    const ready = c.server.blocking.readyKey;
    if (ready !== null) {
      const v: Value | undefined = c.db.lookupWrite(ready);
      if (v instanceof ZSetValue && v.size > 0) {
        const llen = v.size;
        genericZpop(c, [ready], max, true, count, nested, nested);
        c.propagateAs = [count === -1 ? [pop, ready] : [pop, ready, String(count > llen ? llen : count)]];
        return;
      }
    }
  } else {
    for (const key of keys) {
      const v = c.db.lookupWrite(key);
      if (v === undefined) continue;
      if (!(v instanceof ZSetValue)) {
        c.error(WRONGTYPE);
        return;
      }
      if (v.size === 0) continue;
      genericZpop(c, [key], max, true, count, nested, nested);
      c.propagateAs = [count === -1 ? [pop, key] : [pop, key, String(count > 0 ? count : 1)]];
      return;
    }
  }
  c.server.blocking.block(c, keys, deadline, replyNilArray);
}

function bzpopmin(c: Client, argv: string[]): void {
  blockingZpop(c, argv.slice(1, -1), false, argv[argv.length - 1], -1);
}

function bzpopmax(c: Client, argv: string[]): void {
  blockingZpop(c, argv.slice(1, -1), true, argv[argv.length - 1], -1);
}

function bzmpop(c: Client, argv: string[]): void {
  const p = parseZmpop(c, argv, 2);
  if (p === null) return;
  blockingZpop(c, p.keys, p.max, argv[1], p.count);
}

// ---- ZRANDMEMBER ----------------------------------------------------------------------------

const LONG_HALF_BIG = 4611686018427387903n;

function zrandmember(c: Client, argv: string[]): void {
  if (argv.length >= 3) {
    const l = randomCountArg(c, argv[2]);
    if (l === null) return;
    let withScores = false;
    if (argv.length > 4 || (argv.length === 4 && !is(argv[3], 'withscores'))) {
      c.error(ERR_SYNTAX);
      return;
    } else if (argv.length === 4) {
      withScores = true;
      if (Math.abs(l) >= 4611686018427387000) {
        const b = BigInt(argv[2]);
        if (b < -LONG_HALF_BIG || b > LONG_HALF_BIG) {
          c.error('ERR value is out of range');
          return;
        }
      }
    }
    zrandmemberWithCount(c, argv[1], l, withScores);
    return;
  }
  const z = readZset(c, argv[1]);
  if (z === null) return;
  if (z === undefined) {
    c.w.nil();
    return;
  }
  c.w.bulk(z.memberAt(Math.floor(Math.random() * z.size)));
}

function zrandmemberWithCount(c: Client, key: string, l: number, withScores: boolean): void {
  const z = readZset(c, key);
  if (z === null) return;
  if (z === undefined) {
    c.w.arr(0);
    return;
  }
  const size = z.size;
  const uniq = l >= 0;
  const count = Math.abs(l);
  if (count === 0) {
    c.w.arr(0);
    return;
  }
  // CASE 1: repetitions allowed (or a single element): random picks.
  if (!uniq || count === 1) {
    replyArrayLen(c, count, withScores);
    for (let i = 0; i < count; i++) {
      const p = z.randomSlot();
      replyElement(c, z.slotMember(p), z.slotScore(p), withScores);
    }
    return;
  }
  // CASE 2: the whole set, iterated as zuiNext does (from the highest).
  if (count >= size) {
    replyArrayLen(c, size, withScores);
    const cur = z.cursor(size - 1);
    for (; cur.valid; cur.prev()) replyElement(c, cur.member, cur.score, withScores);
    return;
  }
  // CASE 3/4: distinct picks; a listpack answers in its own order.
  const picks = distinctPositions(size, count);
  if (z.isListpack) picks.sort((a, b) => a - b);
  replyArrayLen(c, count, withScores);
  for (const r of picks) {
    if (z.isListpack) replyElement(c, z.memberAt(r), z.scoreAt(r), withScores);
    else replyElement(c, z.slotMember(r), z.slotScore(r), withScores);
  }
}

// ---- ZUNION / ZINTER / ZDIFF ------------------------------------------------------------------

const OP_UNION = 0;
const OP_INTER = 1;
const OP_DIFF = 2;
type SetOp = typeof OP_UNION | typeof OP_INTER | typeof OP_DIFF;

const AGG_SUM = 0;
const AGG_MIN = 1;
const AGG_MAX = 2;

interface OpSource {
  z: ZSetValue | null;
  s: SetValue | null;
  weight: number;
}

function srcLength(src: OpSource): number {
  return src.z !== null ? src.z.size : src.s !== null ? src.s.size : 0;
}

/** zuiFind: the score of member in a source (1 for sets), or undefined. */
function srcFind(src: OpSource, member: string): number | undefined {
  if (src.z !== null) return src.z.score(member);
  if (src.s !== null) return src.s.has(member) ? 1 : undefined;
  return undefined;
}

/** zuiNext order: a sorted set from its highest element down, a set in its own order. */
function srcForEach(src: OpSource, fn: (member: string, score: number) => boolean | void): void {
  if (src.z !== null) {
    for (const cur = src.z.cursor(src.z.size - 1); cur.valid; cur.prev()) if (fn(cur.member, cur.score) === false) return;
  } else if (src.s !== null) {
    const s = src.s;
    for (let i = 0; i < s.size; i++) if (fn(s.memberAt(i), 1) === false) return;
  }
}

function aggregate(target: number, val: number, agg: number): number {
  if (agg === AGG_SUM) {
    const t = target + val;
    return t !== t ? 0 : t;
  }
  if (agg === AGG_MIN) return val < target ? val : target;
  return val > target ? val : target;
}

/** zunionInterDiffGenericCommand. */
function zsetOp(c: Client, argv: string[], dst: string | null, numkeysIdx: number, op: SetOp, cardOnly: boolean): void {
  const setnum = longArg(c, argv[numkeysIdx]);
  if (setnum === null) return;
  if (setnum < 1) {
    c.error(`ERR at least 1 input key is needed for '${c.cmd!.name}' command`);
    return;
  }
  if (setnum > argv.length - (numkeysIdx + 1)) {
    c.error(ERR_SYNTAX);
    return;
  }
  const src: OpSource[] = [];
  let j = numkeysIdx + 1;
  for (let i = 0; i < setnum; i++, j++) {
    const v = c.db.lookupRead(argv[j]);
    if (v !== undefined && !(v instanceof ZSetValue) && !(v instanceof SetValue)) {
      c.error(WRONGTYPE);
      return;
    }
    src.push({ z: v instanceof ZSetValue ? v : null, s: v instanceof SetValue ? v : null, weight: 1 });
  }
  let agg = AGG_SUM;
  let withScores = false;
  let limit = 0;
  let remaining = argv.length - j;
  while (remaining > 0) {
    const a = argv[j];
    if (op !== OP_DIFF && !cardOnly && remaining >= setnum + 1 && is(a, 'weights')) {
      j++;
      remaining--;
      for (let i = 0; i < setnum; i++, j++, remaining--) {
        const wv = parseDouble(argv[j]);
        if (wv === null) {
          c.error('ERR weight value is not a float');
          return;
        }
        src[i].weight = wv;
      }
    } else if (op !== OP_DIFF && !cardOnly && remaining >= 2 && is(a, 'aggregate')) {
      j++;
      remaining--;
      const g = argv[j];
      if (is(g, 'sum')) agg = AGG_SUM;
      else if (is(g, 'min')) agg = AGG_MIN;
      else if (is(g, 'max')) agg = AGG_MAX;
      else {
        c.error(ERR_SYNTAX);
        return;
      }
      j++;
      remaining--;
    } else if (remaining >= 1 && dst === null && !cardOnly && is(a, 'withscores')) {
      j++;
      remaining--;
      withScores = true;
    } else if (cardOnly && remaining >= 2 && is(a, 'limit')) {
      j++;
      remaining--;
      const l = parseInt64(argv[j]);
      if (l === null || l < 0) {
        c.error("ERR LIMIT can't be negative");
        return;
      }
      limit = l;
      j++;
      remaining--;
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  // Smallest first (a stable sort, as glibc's merge sort qsort).
  if (op !== OP_DIFF) src.sort((x, y) => srcLength(x) - srcLength(y));
  const members: string[] = [];
  const scores: number[] = [];
  let cardinality = 0;
  if (op === OP_INTER) {
    const first = src[0];
    if (srcLength(first) > 0) {
      const subject = first.z ?? first.s;
      srcForEach(first, (m, s0) => {
        let score = first.weight * s0;
        if (score !== score) score = 0;
        let k = 1;
        for (; k < setnum; k++) {
          const o = src[k];
          if ((o.z ?? o.s) === subject) score = aggregate(score, s0 * o.weight, agg);
          else {
            const f = srcFind(o, m);
            if (f === undefined) break;
            score = aggregate(score, f * o.weight, agg);
          }
        }
        if (k === setnum) {
          if (cardOnly) {
            cardinality++;
            if (limit && cardinality >= limit) return false;
          } else {
            members.push(m);
            scores.push(score);
          }
        }
      });
    }
  } else if (op === OP_UNION) {
    const acc = new Map<string, number>();
    for (const s of src) {
      if (srcLength(s) === 0) continue;
      srcForEach(s, (m, s0) => {
        let score = s.weight * s0;
        if (score !== score) score = 0;
        const e = acc.get(m);
        acc.set(m, e === undefined ? score : aggregate(e, score, agg));
      });
    }
    for (const [m, s] of acc) {
      members.push(m);
      scores.push(s);
    }
  } else {
    const first = src[0];
    const subject = first.z ?? first.s;
    let same = false;
    for (let k = 1; k < setnum; k++) if ((src[k].z ?? src[k].s) === subject && subject !== null) same = true;
    if (srcLength(first) > 0 && !same) {
      srcForEach(first, (m, s0) => {
        for (let k = 1; k < setnum; k++) if (srcFind(src[k], m) !== undefined) return;
        members.push(m);
        scores.push(s0);
      });
    }
  }
  if (dst !== null) {
    const result = members.length > 0 ? finishResult(c, members, scores) : null;
    storeResult(c, dst, result, op === OP_UNION ? 'zunionstore' : op === OP_INTER ? 'zinterstore' : 'zdiffstore');
  } else if (cardOnly) {
    c.w.int(cardinality);
  } else {
    const z = ZSetValue.fromPairs(members, scores, false);
    replyArrayLen(c, z.size, withScores);
    z.forEach((m, s) => replyElement(c, m, s, withScores));
  }
}

// ---- ZSCAN ----------------------------------------------------------------------------------

function zscan(c: Client, argv: string[]): void {
  const cursor = scanCursorArg(c, argv[2]);
  if (cursor === null) return;
  const z = readZset(c, argv[1]);
  if (z === null) return;
  if (z === undefined) {
    replyEmptyScan(c);
    return;
  }
  const opts = scanOptions(c, argv, 3);
  if (opts === null) return;
  const ms: string[] = [];
  const ss: string[] = [];
  let next = 0;
  if (z.isListpack) {
    z.forEach((m, s) => {
      ms.push(m);
      ss.push(listpackScoreString(s));
    });
  } else {
    next = z.scanFrom(cursor, opts.count, (p) => {
      ms.push(z.slotMember(p));
      ss.push(formatScore(z.slotScore(p)));
    });
  }
  const pattern = opts.pattern;
  let n = ms.length;
  if (pattern !== null) {
    n = 0;
    for (let i = 0; i < ms.length; i++) {
      if (globMatch(pattern, ms[i])) {
        ms[n] = ms[i];
        ss[n] = ss[i];
        n++;
      }
    }
  }
  c.w.arr(2);
  c.w.bulk(String(next));
  c.w.arr(n * 2);
  for (let i = 0; i < n; i++) {
    c.w.bulk(ms[i]);
    c.w.bulk(ss[i]);
  }
}

export const zsetCommands: CommandDef[] = [
  { name: 'zadd', handler: zadd },
  { name: 'zincrby', handler: zincrby },
  { name: 'zrem', handler: zrem },
  { name: 'zcard', handler: zcard },
  { name: 'zscore', handler: zscore },
  { name: 'zmscore', handler: zmscore },
  { name: 'zrank', handler: (c, argv) => zrankGeneric(c, argv, false) },
  { name: 'zrevrank', handler: (c, argv) => zrankGeneric(c, argv, true) },
  { name: 'zcount', handler: zcount },
  { name: 'zlexcount', handler: zlexcount },
  { name: 'zrange', handler: zrange },
  { name: 'zrangestore', handler: zrangestore },
  { name: 'zrevrange', handler: zrevrange },
  { name: 'zrangebyscore', handler: zrangebyscore },
  { name: 'zrevrangebyscore', handler: zrevrangebyscore },
  { name: 'zrangebylex', handler: zrangebylex },
  { name: 'zrevrangebylex', handler: zrevrangebylex },
  { name: 'zremrangebyrank', handler: (c, argv) => zremrangeGeneric(c, argv, RANK) },
  { name: 'zremrangebyscore', handler: (c, argv) => zremrangeGeneric(c, argv, SCORE) },
  { name: 'zremrangebylex', handler: (c, argv) => zremrangeGeneric(c, argv, LEX) },
  { name: 'zpopmin', handler: (c, argv) => zpopMinMax(c, argv, false) },
  { name: 'zpopmax', handler: (c, argv) => zpopMinMax(c, argv, true) },
  { name: 'zmpop', handler: zmpop },
  { name: 'bzpopmin', handler: bzpopmin },
  { name: 'bzpopmax', handler: bzpopmax },
  { name: 'bzmpop', handler: bzmpop },
  { name: 'zrandmember', handler: zrandmember },
  { name: 'zunion', handler: (c, argv) => zsetOp(c, argv, null, 1, OP_UNION, false) },
  { name: 'zinter', handler: (c, argv) => zsetOp(c, argv, null, 1, OP_INTER, false) },
  { name: 'zdiff', handler: (c, argv) => zsetOp(c, argv, null, 1, OP_DIFF, false) },
  { name: 'zunionstore', handler: (c, argv) => zsetOp(c, argv, argv[1], 2, OP_UNION, false) },
  { name: 'zinterstore', handler: (c, argv) => zsetOp(c, argv, argv[1], 2, OP_INTER, false) },
  { name: 'zdiffstore', handler: (c, argv) => zsetOp(c, argv, argv[1], 2, OP_DIFF, false) },
  { name: 'zintercard', handler: (c, argv) => zsetOp(c, argv, null, 1, OP_INTER, true) },
  { name: 'zscan', handler: zscan },
];

export { ZSetValue };
