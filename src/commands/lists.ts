/**
 * List commands (Redis's t_list.c), blocking ones included.
 *
 * Every handler follows Redis 7.0's order of checks (argument parsing, key
 * lookup, type check) so that the first error reported is the same, keeps
 * Redis's notifications and dirty counts, deletes lists that become empty,
 * and propagates blocking pops as the non-blocking command they performed.
 */
import type { Client } from '../server/client';
import type { CommandDef } from './registry';
import { WRONGTYPE, type Value } from '../db/values';
import { NOTIFY_GENERIC, NOTIFY_LIST } from '../db/database';
import { ListValue } from '../data/list';
import { ERR_INDEX, ERR_NO_KEY, ERR_SYNTAX, intArg, timeoutArg } from './args';
import { parseInt64 } from '../protocol/numbers';

const HEAD = 0;
const TAIL = 1;
type Where = typeof HEAD | typeof TAIL;

const LONG_MIN_STR = '-9223372036854775808';

// ---- helpers ----------------------------------------------------------------------

/**
 * The list at key for writing: undefined when missing, null after a
 * WRONGTYPE reply.
 */
function listForWrite(c: Client, key: string): ListValue | undefined | null {
  const v = c.db.lookupWrite(key);
  if (v === undefined) return undefined;
  if (!(v instanceof ListValue)) {
    c.error(WRONGTYPE);
    return null;
  }
  return v;
}

/** The list at key for reading (keyspace hit/miss stats). */
function listForRead(c: Client, key: string): ListValue | undefined | null {
  const v = c.db.lookupRead(key);
  if (v === undefined) return undefined;
  if (!(v instanceof ListValue)) {
    c.error(WRONGTYPE);
    return null;
  }
  return v;
}

/** LEFT / RIGHT (getListPositionFromObjectOrReply). */
function whereArg(c: Client, s: string): Where | null {
  const l = s.toLowerCase();
  if (l === 'left') return HEAD;
  if (l === 'right') return TAIL;
  c.error(ERR_SYNTAX);
  return null;
}

/**
 * An integer in [min, LONG_MAX] (getRangeLongFromObjectOrReply), with one
 * message for both a bad integer and one out of range, as Redis gives it.
 */
function minArg(c: Client, s: string, min: number, msg: string): number | null {
  const v = parseInt64(s);
  if (v === null || v < min) {
    c.error(msg);
    return null;
  }
  return v;
}

/** A 64-bit integer argument (getLongFromObjectOrReply). */
function longArg(c: Client, s: string): number | null {
  return intArg(c, s);
}

/**
 * The dirty counter as Redis keeps it for the command: db setters count one
 * change each, Redis counts elements; set it to `base + n`.
 */
function setDirty(c: Client, base: number, n: number): void {
  c.server.dirty = base + n;
}

/**
 * After elements were removed from the list at key (listElementsRemoved):
 * the pop event, then deletion of an emptied list with its "del" event.
 * Returns true when the key was deleted.
 */
function elementsRemoved(c: Client, key: string, where: Where, l: ListValue, count: number): boolean {
  const base = c.server.dirty;
  c.server.notify(NOTIFY_LIST, where === HEAD ? 'lpop' : 'rpop', key, c.db.id);
  let deleted = false;
  if (l.length === 0) {
    c.db.delete(key);
    c.server.notify(NOTIFY_GENERIC, 'del', key, c.db.id);
    deleted = true;
  } else c.db.changed(key);
  setDirty(c, base, count);
  return deleted;
}

/** Reply elements start..end (normalized, non-empty), reversed when asked. */
function replyRange(c: Client, l: ListValue, start: number, end: number, reverse: boolean): void {
  const w = c.w;
  w.arr(end - start + 1);
  if (!reverse) for (let i = start; i <= end; i++) w.bulk(l.get(i));
  else for (let i = end; i >= start; i--) w.bulk(l.get(i));
}

/**
 * Pop up to count elements from one end and reply them as an array
 * (LPOP/RPOP with count, LMPOP), then the removal side effects.
 */
function popRangeAndReply(c: Client, l: ListValue, key: string, where: Where, count: number): number {
  const llen = l.length;
  const n = count > llen ? llen : count;
  if (n === llen) {
    // Everything goes: reply in order, then drop the list in one step.
    replyRange(c, l, 0, n - 1, where === TAIL);
    l.clear();
  } else {
    const w = c.w;
    w.arr(n);
    if (where === HEAD) for (let i = 0; i < n; i++) w.bulk(l.popHead()!);
    else for (let i = 0; i < n; i++) w.bulk(l.popTail()!);
  }
  elementsRemoved(c, key, where, l, n);
  return n;
}

// ---- push -------------------------------------------------------------------------

function pushGeneric(c: Client, argv: string[], where: Where, xx: boolean): void {
  const key = argv[1];
  const l = listForWrite(c, key);
  if (l === null) return;
  const base = c.server.dirty;
  const argc = argv.length;
  let list: ListValue;
  if (l === undefined) {
    if (xx) {
      c.w.int(0);
      return;
    }
    // Built in one go: no growth slack in a small list's array.
    const items = argv.slice(2);
    if (where === HEAD) items.reverse();
    list = ListValue.adopt(items, c.server.limits.listMaxListpackSize, where === HEAD);
    c.db.add(key, list);
  } else {
    list = l;
    if (where === HEAD) for (let j = 2; j < argc; j++) list.pushHead(argv[j]);
    else for (let j = 2; j < argc; j++) list.pushTail(argv[j]);
    c.db.changed(key);
  }
  setDirty(c, base, argc - 2);
  c.w.int(list.length);
  c.server.notify(NOTIFY_LIST, where === HEAD ? 'lpush' : 'rpush', key, c.db.id);
}

function lpush(c: Client, argv: string[]): void {
  pushGeneric(c, argv, HEAD, false);
}
function rpush(c: Client, argv: string[]): void {
  pushGeneric(c, argv, TAIL, false);
}
function lpushx(c: Client, argv: string[]): void {
  pushGeneric(c, argv, HEAD, true);
}
function rpushx(c: Client, argv: string[]): void {
  pushGeneric(c, argv, TAIL, true);
}

// ---- pop --------------------------------------------------------------------------

function popGeneric(c: Client, argv: string[], where: Where): void {
  if (argv.length > 3) {
    c.error(`ERR wrong number of arguments for '${c.cmd!.fullName}' command`);
    return;
  }
  const hasCount = argv.length === 3;
  let count = 0;
  if (hasCount) {
    const v = minArg(c, argv[2], 0, 'ERR value is out of range, must be positive');
    if (v === null) return;
    count = v;
  }
  const key = argv[1];
  const l = listForWrite(c, key);
  if (l === null) return;
  if (l === undefined) {
    if (hasCount) c.w.nilArray();
    else c.w.nil();
    return;
  }
  if (hasCount && count === 0) {
    c.w.arr(0);
    return;
  }
  if (!hasCount) {
    c.w.bulk(where === HEAD ? l.popHead()! : l.popTail()!);
    elementsRemoved(c, key, where, l, 1);
  } else popRangeAndReply(c, l, key, where, count);
}

function lpop(c: Client, argv: string[]): void {
  popGeneric(c, argv, HEAD);
}
function rpop(c: Client, argv: string[]): void {
  popGeneric(c, argv, TAIL);
}

// ---- read -------------------------------------------------------------------------

function llen(c: Client, argv: string[]): void {
  const l = listForRead(c, argv[1]);
  if (l === null) return;
  c.w.int(l === undefined ? 0 : l.length);
}

function lindex(c: Client, argv: string[]): void {
  const l = listForRead(c, argv[1]);
  if (l === null) return;
  if (l === undefined) {
    c.w.nil();
    return;
  }
  let index = longArg(c, argv[2]);
  if (index === null) return;
  const n = l.length;
  if (index < 0) index += n;
  if (index < 0 || index >= n) c.w.nil();
  else c.w.bulk(l.get(index));
}

function lrange(c: Client, argv: string[]): void {
  let start = longArg(c, argv[2]);
  if (start === null) return;
  let end = longArg(c, argv[3]);
  if (end === null) return;
  const l = listForRead(c, argv[1]);
  if (l === null) return;
  if (l === undefined) {
    c.w.arr(0);
    return;
  }
  const n = l.length;
  if (start < 0) start += n;
  if (end < 0) end += n;
  if (start < 0) start = 0;
  if (start > end || start >= n) {
    c.w.arr(0);
    return;
  }
  if (end >= n) end = n - 1;
  replyRange(c, l, start, end, false);
}

function lpos(c: Client, argv: string[]): void {
  const ele = argv[2];
  let rank = 1;
  let rankIsMin = false;
  let count = -1;
  let maxlen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    const more = argv.length - 1 - j;
    if (opt === 'rank' && more > 0) {
      j++;
      const v = longArg(c, argv[j]);
      if (v === null) return;
      if (v === 0) {
        c.error(
          'ERR RANK can\'t be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list',
        );
        return;
      }
      rank = v;
      rankIsMin = argv[j] === LONG_MIN_STR;
    } else if (opt === 'count' && more > 0) {
      j++;
      const v = minArg(c, argv[j], 0, "ERR COUNT can't be negative");
      if (v === null) return;
      count = v;
    } else if (opt === 'maxlen' && more > 0) {
      j++;
      const v = minArg(c, argv[j], 0, "ERR MAXLEN can't be negative");
      if (v === null) return;
      maxlen = v;
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  let fromTail = false;
  // -LONG_MIN stays LONG_MIN in C: every match then qualifies and a COUNT never completes.
  const countNeverDone = rankIsMin;
  if (rank < 0) {
    rank = rankIsMin ? 1 : -rank;
    fromTail = true;
  }
  const l = listForRead(c, argv[1]);
  if (l === null) return;
  if (l === undefined) {
    if (count !== -1) c.w.arr(0);
    else c.w.nil();
    return;
  }
  const n = l.length;
  const limit = maxlen === 0 ? n : Math.min(n, maxlen);
  let matches = 0;
  if (count === -1) {
    for (let index = 0; index < limit; index++) {
      const i = fromTail ? n - 1 - index : index;
      if (l.get(i) === ele && ++matches >= rank) {
        c.w.int(i);
        return;
      }
    }
    c.w.nil();
    return;
  }
  const found: number[] = [];
  for (let index = 0; index < limit; index++) {
    const i = fromTail ? n - 1 - index : index;
    if (l.get(i) === ele && ++matches >= rank) {
      found.push(i);
      if (count !== 0 && !countNeverDone && matches - rank + 1 >= count) break;
    }
  }
  c.w.arr(found.length);
  for (const i of found) c.w.int(i);
}

// ---- change in place ----------------------------------------------------------------

function lset(c: Client, argv: string[]): void {
  const key = argv[1];
  const v = c.db.lookupWrite(key);
  if (v === undefined) {
    c.error(ERR_NO_KEY);
    return;
  }
  if (!(v instanceof ListValue)) {
    c.error(WRONGTYPE);
    return;
  }
  let index = longArg(c, argv[2]);
  if (index === null) return;
  const n = v.length;
  if (index < 0) index += n;
  if (index < 0 || index >= n) {
    c.error(ERR_INDEX);
    return;
  }
  v.set(index, argv[3]);
  c.w.ok();
  const base = c.server.dirty;
  c.db.changed(key);
  setDirty(c, base, 1);
  c.server.notify(NOTIFY_LIST, 'lset', key, c.db.id);
}

function linsert(c: Client, argv: string[]): void {
  const pos = argv[2].toLowerCase();
  let after: boolean;
  if (pos === 'after') after = true;
  else if (pos === 'before') after = false;
  else {
    c.error(ERR_SYNTAX);
    return;
  }
  const key = argv[1];
  const l = listForWrite(c, key);
  if (l === null) return;
  if (l === undefined) {
    c.w.int(0);
    return;
  }
  const i = l.indexOf(argv[3]);
  if (i < 0) {
    c.w.int(-1);
    return;
  }
  l.insert(after ? i + 1 : i, argv[4]);
  const base = c.server.dirty;
  c.db.changed(key);
  setDirty(c, base, 1);
  c.server.notify(NOTIFY_LIST, 'linsert', key, c.db.id);
  c.w.int(l.length);
}

function lrem(c: Client, argv: string[]): void {
  const toRemove = longArg(c, argv[2]);
  if (toRemove === null) return;
  const key = argv[1];
  const l = listForWrite(c, key);
  if (l === null) return;
  if (l === undefined) {
    c.w.int(0);
    return;
  }
  const removed = l.removeMatching(argv[3], Math.abs(toRemove), toRemove < 0);
  if (removed > 0) {
    const base = c.server.dirty;
    c.db.changed(key);
    c.server.notify(NOTIFY_LIST, 'lrem', key, c.db.id);
    if (l.length === 0) {
      c.db.delete(key);
      c.server.notify(NOTIFY_GENERIC, 'del', key, c.db.id);
    }
    setDirty(c, base, removed);
  }
  c.w.int(removed);
}

function ltrim(c: Client, argv: string[]): void {
  let start = longArg(c, argv[2]);
  if (start === null) return;
  let end = longArg(c, argv[3]);
  if (end === null) return;
  const key = argv[1];
  const l = listForWrite(c, key);
  if (l === null) return;
  if (l === undefined) {
    c.w.ok();
    return;
  }
  const n = l.length;
  if (start < 0) start += n;
  if (end < 0) end += n;
  if (start < 0) start = 0;
  let removed: number;
  if (start > end || start >= n) {
    removed = n;
    l.clear();
  } else {
    if (end >= n) end = n - 1;
    removed = n - (end - start + 1);
    l.trim(start, end);
  }
  const base = c.server.dirty;
  c.server.notify(NOTIFY_LIST, 'ltrim', key, c.db.id);
  if (l.length === 0) {
    c.db.delete(key);
    c.server.notify(NOTIFY_GENERIC, 'del', key, c.db.id);
  } else c.db.changed(key);
  setDirty(c, base, removed);
  c.w.ok();
}

// ---- move -------------------------------------------------------------------------

/**
 * Push value on dst (creating it), with its event, and reply the value
 * (lmoveHandlePush). dst is the list found there, or undefined.
 */
function moveHandlePush(c: Client, dstKey: string, dst: ListValue | undefined, value: string, where: Where): void {
  if (dst === undefined) {
    c.db.add(dstKey, ListValue.adopt([value], c.server.limits.listMaxListpackSize));
  } else {
    if (where === HEAD) dst.pushHead(value);
    else dst.pushTail(value);
    c.db.changed(dstKey);
  }
  c.server.notify(NOTIFY_LIST, where === HEAD ? 'lpush' : 'rpush', dstKey, c.db.id);
  c.w.bulk(value);
}

/**
 * LMOVE on a source known to be a non-empty list (the dst type is checked
 * here): pop, push, events, deletion of an emptied source. Returns false
 * after a WRONGTYPE reply for dst.
 */
function moveFrom(c: Client, src: ListValue, srcKey: string, dstKey: string, from: Where, to: Where): boolean {
  const d = c.db.lookupWrite(dstKey);
  if (d !== undefined && !(d instanceof ListValue)) {
    c.error(WRONGTYPE);
    return false;
  }
  const base = c.server.dirty;
  const value = from === HEAD ? src.popHead()! : src.popTail()!;
  // With src == dst the element goes back on the same (maybe now empty) list.
  moveHandlePush(c, dstKey, d, value, to);
  c.server.notify(NOTIFY_LIST, from === HEAD ? 'lpop' : 'rpop', srcKey, c.db.id);
  if (src.length === 0) {
    c.db.delete(srcKey);
    c.server.notify(NOTIFY_GENERIC, 'del', srcKey, c.db.id);
  } else c.db.changed(srcKey);
  setDirty(c, base, 1);
  return true;
}

/** lmoveGenericCommand: null reply for a missing source. */
function moveGeneric(c: Client, srcKey: string, dstKey: string, from: Where, to: Where): boolean {
  const src = listForWrite(c, srcKey);
  if (src === null) return false;
  if (src === undefined || src.length === 0) {
    c.w.nil();
    return false;
  }
  return moveFrom(c, src, srcKey, dstKey, from, to);
}

function lmove(c: Client, argv: string[]): void {
  const from = whereArg(c, argv[3]);
  if (from === null) return;
  const to = whereArg(c, argv[4]);
  if (to === null) return;
  moveGeneric(c, argv[1], argv[2], from, to);
}

function rpoplpush(c: Client, argv: string[]): void {
  moveGeneric(c, argv[1], argv[2], TAIL, HEAD);
}

// ---- multi-key pop ------------------------------------------------------------------

/** Parsed [B]LMPOP arguments, or null after an error reply. */
function parseMpop(c: Client, argv: string[], numkeysIdx: number): { keys: string[]; where: Where; count: number } | null {
  const numkeys = minArg(c, argv[numkeysIdx], 1, 'ERR numkeys should be greater than 0');
  if (numkeys === null) return null;
  const whereIdx = numkeysIdx + numkeys + 1;
  if (whereIdx >= argv.length) {
    c.error(ERR_SYNTAX);
    return null;
  }
  const where = whereArg(c, argv[whereIdx]);
  if (where === null) return null;
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (count === -1 && more > 0 && argv[j].toLowerCase() === 'count') {
      j++;
      const v = minArg(c, argv[j], 1, 'ERR count should be greater than 0');
      if (v === null) return null;
      count = v;
    } else {
      c.error(ERR_SYNTAX);
      return null;
    }
  }
  if (count === -1) count = 1;
  return { keys: argv.slice(numkeysIdx + 1, whereIdx), where, count };
}

/** Reply [key, [elements]] popping up to count, propagated as [LR]POP key n. */
function mpopServe(c: Client, l: ListValue, key: string, where: Where, count: number): void {
  c.w.arr(2);
  c.w.bulk(key);
  const n = popRangeAndReply(c, l, key, where, count);
  c.propagateAs = [[where === HEAD ? 'LPOP' : 'RPOP', key, String(n)]];
}

function lmpop(c: Client, argv: string[]): void {
  const p = parseMpop(c, argv, 1);
  if (p === null) return;
  for (const key of p.keys) {
    const l = listForWrite(c, key);
    if (l === null) return;
    if (l === undefined || l.length === 0) continue;
    mpopServe(c, l, key, p.where, p.count);
    return;
  }
  c.w.nilArray();
}

// ---- blocking -----------------------------------------------------------------------

const replyNilArray = (c: Client): void => c.w.nilArray();

/** Blocking is refused (MULTI, scripts, internal clients): commands answer as a timeout. */
function denyBlocking(c: Client): boolean {
  return c.server.execDepth > 0 || c.socket === null;
}

/**
 * The key a re-run blocked command must serve from: Redis serves a waiter
 * from the key that became ready (and leaves it waiting when that key holds
 * another type). null on a first run.
 */
function readyKey(c: Client): string | null {
  return c.reprocessing ? c.server.blocking.readyKey : null;
}

/** The list at a ready key, or undefined when it cannot serve (missing, other type). */
function readyList(c: Client, key: string): ListValue | undefined {
  const v: Value | undefined = c.db.lookupWrite(key);
  return v instanceof ListValue && v.length > 0 ? v : undefined;
}

/** BLPOP / BRPOP / BLMPOP (blockingPopGenericCommand). count -1: BLPOP/BRPOP. */
function blockingPop(c: Client, keys: string[], where: Where, timeoutArgStr: string, count: number): void {
  const deadline = timeoutArg(c, timeoutArgStr, c.server.now());
  if (deadline === null) return;
  const ready = readyKey(c);
  if (ready !== null) {
    const l = readyList(c, ready);
    if (l !== undefined) {
      servePop(c, l, ready, where, count);
      return;
    }
  } else {
    for (const key of keys) {
      const l = listForWrite(c, key);
      if (l === null) return;
      if (l === undefined || l.length === 0) continue;
      servePop(c, l, key, where, count);
      return;
    }
  }
  c.server.blocking.block(c, keys, deadline, replyNilArray);
}

function servePop(c: Client, l: ListValue, key: string, where: Where, count: number): void {
  if (count !== -1) {
    mpopServe(c, l, key, where, count);
    return;
  }
  const value = where === HEAD ? l.popHead()! : l.popTail()!;
  c.w.arr(2);
  c.w.bulk(key);
  c.w.bulk(value);
  elementsRemoved(c, key, where, l, 1);
  c.propagateAs = [[where === HEAD ? 'LPOP' : 'RPOP', key]];
}

function blpop(c: Client, argv: string[]): void {
  blockingPop(c, argv.slice(1, -1), HEAD, argv[argv.length - 1], -1);
}

function brpop(c: Client, argv: string[]): void {
  blockingPop(c, argv.slice(1, -1), TAIL, argv[argv.length - 1], -1);
}

function blmpop(c: Client, argv: string[]): void {
  const p = parseMpop(c, argv, 2);
  if (p === null) return;
  blockingPop(c, p.keys, p.where, argv[1], p.count);
}

/** BLMOVE / BRPOPLPUSH (blmoveGenericCommand). */
function blockingMove(c: Client, argv: string[], from: Where, to: Where, deadline: number, brpoplpush: boolean): void {
  const srcKey = argv[1];
  const dstKey = argv[2];
  let src: ListValue | undefined;
  if (readyKey(c) !== null) src = readyList(c, srcKey);
  else {
    const s = listForWrite(c, srcKey);
    if (s === null) return;
    src = s !== undefined && s.length > 0 ? s : undefined;
  }
  if (src === undefined) {
    if (denyBlocking(c)) c.w.nil();
    else c.server.blocking.block(c, [srcKey], deadline, replyNilArray);
    return;
  }
  if (!moveFrom(c, src, srcKey, dstKey, from, to)) return;
  // Served from the wait: Redis propagates with its own LEFT/RIGHT objects.
  const served = c.reprocessing;
  const side = (w: Where, given: string) => (served ? (w === HEAD ? 'LEFT' : 'RIGHT') : given);
  c.propagateAs = brpoplpush
    ? [['RPOPLPUSH', srcKey, dstKey]]
    : [['LMOVE', srcKey, dstKey, side(from, argv[3]), side(to, argv[4])]];
}

function blmove(c: Client, argv: string[]): void {
  const from = whereArg(c, argv[3]);
  if (from === null) return;
  const to = whereArg(c, argv[4]);
  if (to === null) return;
  const deadline = timeoutArg(c, argv[5], c.server.now());
  if (deadline === null) return;
  blockingMove(c, argv, from, to, deadline, false);
}

function brpoplpush(c: Client, argv: string[]): void {
  const deadline = timeoutArg(c, argv[3], c.server.now());
  if (deadline === null) return;
  blockingMove(c, argv, TAIL, HEAD, deadline, true);
}

export const listCommands: CommandDef[] = [
  { name: 'lpush', handler: lpush },
  { name: 'rpush', handler: rpush },
  { name: 'lpushx', handler: lpushx },
  { name: 'rpushx', handler: rpushx },
  { name: 'lpop', handler: lpop },
  { name: 'rpop', handler: rpop },
  { name: 'llen', handler: llen },
  { name: 'lindex', handler: lindex },
  { name: 'lrange', handler: lrange },
  { name: 'lpos', handler: lpos },
  { name: 'lset', handler: lset },
  { name: 'linsert', handler: linsert },
  { name: 'lrem', handler: lrem },
  { name: 'ltrim', handler: ltrim },
  { name: 'lmove', handler: lmove },
  { name: 'rpoplpush', handler: rpoplpush },
  { name: 'lmpop', handler: lmpop },
  { name: 'blpop', handler: blpop },
  { name: 'brpop', handler: brpop },
  { name: 'blmpop', handler: blmpop },
  { name: 'blmove', handler: blmove },
  { name: 'brpoplpush', handler: brpoplpush },
];

export { ListValue };
