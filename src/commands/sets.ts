/**
 * Set commands (Redis's t_set.c), over data/set.ts.
 */
import type { Client } from '../server/client';
import type { CommandDef } from './registry';
import { ERR_SYNTAX, is } from './args';
import { WRONGTYPE } from '../db/values';
import { NOTIFY_GENERIC, NOTIFY_SET } from '../db/database';
import { SetValue } from '../data/set';
import { parseInt64 } from '../protocol/numbers';
import { globMatch } from '../util/glob';
import { distinctPositions, randomCountArg, replyEmptyScan, scanCursorArg, scanOptions } from './hashes';

/** The set at key for reading: undefined when missing, null after a WRONGTYPE reply. */
function readSet(c: Client, key: string): SetValue | undefined | null {
  const v = c.db.lookupRead(key);
  if (v === undefined) return undefined;
  if (!(v instanceof SetValue)) {
    c.error(WRONGTYPE);
    return null;
  }
  return v;
}

/** The set at key for writing: undefined when missing, null after a WRONGTYPE reply. */
function writeSet(c: Client, key: string): SetValue | undefined | null {
  const v = c.db.lookupWrite(key);
  if (v === undefined) return undefined;
  if (!(v instanceof SetValue)) {
    c.error(WRONGTYPE);
    return null;
  }
  return v;
}

/** getPositiveLongFromObjectOrReply with a message: any failure replies `msg`. */
function positiveLong(c: Client, s: string, msg: string): number | null {
  const v = parseInt64(s);
  if (v === null || v < 0) {
    c.error(msg);
    return null;
  }
  return v;
}

/**
 * A new empty set (setTypeCreate: an intset when the first member is an
 * integer) stored at key before it is filled, as Redis adds it, and marked
 * for in-place change so its memory is settled after the command.
 */
function createSet(c: Client, key: string, firstMember: string): SetValue {
  const s = SetValue.create(firstMember);
  c.db.add(key, s);
  c.db.lookupWrite(key);
  return s;
}

function replyMembers(c: Client, s: SetValue): void {
  const n = s.size;
  c.w.set(n);
  for (let i = 0; i < n; i++) c.w.bulk(s.memberAt(i));
}

// ---- single-key commands ---------------------------------------------------------

function saddCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const limits = c.server.limits;
  let s = writeSet(c, key);
  if (s === null) return;
  const isNew = s === undefined;
  if (s === undefined) s = createSet(c, key, argv[2]);
  let added = 0;
  for (let i = 2; i < argv.length; i++) if (s.add(argv[i], limits)) added++;
  if (added > 0) {
    if (!isNew) c.db.changed(key);
    c.server.notify(NOTIFY_SET, 'sadd', key, c.db.id);
    c.server.dirty += added - 1;
  }
  c.w.int(added);
}

function sremCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const s = writeSet(c, key);
  if (s === null) return;
  if (s === undefined) {
    c.w.int(0);
    return;
  }
  let deleted = 0;
  let removed = false;
  for (let i = 2; i < argv.length; i++) {
    if (s.delete(argv[i])) {
      deleted++;
      if (s.size === 0) {
        c.db.delete(key);
        removed = true;
        break;
      }
    }
  }
  if (deleted > 0) {
    if (!removed) c.db.changed(key);
    c.server.notify(NOTIFY_SET, 'srem', key, c.db.id);
    if (removed) c.server.notify(NOTIFY_GENERIC, 'del', key, c.db.id);
    c.server.dirty += deleted - 1;
  }
  c.w.int(deleted);
}

function scardCommand(c: Client, argv: string[]): void {
  const s = readSet(c, argv[1]);
  if (s !== null) c.w.int(s === undefined ? 0 : s.size);
}

function sismemberCommand(c: Client, argv: string[]): void {
  const s = readSet(c, argv[1]);
  if (s !== null) c.w.int(s !== undefined && s.has(argv[2]) ? 1 : 0);
}

function smismemberCommand(c: Client, argv: string[]): void {
  const s = readSet(c, argv[1]);
  if (s === null) return;
  c.w.arr(argv.length - 2);
  for (let i = 2; i < argv.length; i++) c.w.int(s !== undefined && s.has(argv[i]) ? 1 : 0);
}

function smoveCommand(c: Client, argv: string[]): void {
  const [, srcKey, dstKey, member] = argv;
  const src = c.db.lookupWrite(srcKey);
  const dst = c.db.lookupWrite(dstKey);
  if (src === undefined) {
    c.w.int(0);
    return;
  }
  if (!(src instanceof SetValue) || (dst !== undefined && !(dst instanceof SetValue))) {
    c.error(WRONGTYPE);
    return;
  }
  if (src === dst) {
    c.w.int(src.has(member) ? 1 : 0);
    return;
  }
  if (!src.delete(member)) {
    c.w.int(0);
    return;
  }
  c.server.notify(NOTIFY_SET, 'srem', srcKey, c.db.id);
  if (src.size === 0) {
    c.db.delete(srcKey);
    c.server.notify(NOTIFY_GENERIC, 'del', srcKey, c.db.id);
  } else c.db.changed(srcKey);
  if (dst === undefined) {
    createSet(c, dstKey, member).add(member, c.server.limits);
    c.server.notify(NOTIFY_SET, 'sadd', dstKey, c.db.id);
  } else if (dst.add(member, c.server.limits)) {
    c.db.changed(dstKey);
    c.server.notify(NOTIFY_SET, 'sadd', dstKey, c.db.id);
  }
  c.w.int(1);
}

function smembersCommand(c: Client, argv: string[]): void {
  const s = readSet(c, argv[1]);
  if (s === null) return;
  if (s === undefined) c.w.set(0);
  else replyMembers(c, s);
}

// ---- random members --------------------------------------------------------------

function srandmemberCommand(c: Client, argv: string[]): void {
  if (argv.length === 3) {
    srandmemberWithCount(c, argv);
    return;
  } else if (argv.length > 3) {
    c.error(ERR_SYNTAX);
    return;
  }
  const s = readSet(c, argv[1]);
  if (s === null) return;
  if (s === undefined) c.w.nil();
  else c.w.bulk(s.memberAt(s.randomPos()));
}

function srandmemberWithCount(c: Client, argv: string[]): void {
  const l = randomCountArg(c, argv[2]);
  if (l === null) return;
  const uniq = l >= 0;
  const count = Math.abs(l);
  const s = readSet(c, argv[1]);
  if (s === null) return;
  if (s === undefined || count === 0) {
    c.w.arr(0);
    return;
  }
  const size = s.size;
  // CASE 1: negative count (repetitions allowed), or a single member.
  if (!uniq || count === 1) {
    c.w.arr(count);
    for (let i = 0; i < count; i++) c.w.bulk(s.memberAt(s.randomPos()));
    return;
  }
  // CASE 2: the whole set, in its order.
  if (count >= size) {
    c.w.arr(size);
    for (let i = 0; i < size; i++) c.w.bulk(s.memberAt(i));
    return;
  }
  // CASE 3 / 4: distinct members, in no particular order.
  const picks = distinctPositions(size, count);
  c.w.arr(count);
  for (let i = 0; i < count; i++) c.w.bulk(s.memberAt(picks[i]));
}

function spopCommand(c: Client, argv: string[]): void {
  if (argv.length === 3) {
    spopWithCount(c, argv);
    return;
  } else if (argv.length > 3) {
    c.error(ERR_SYNTAX);
    return;
  }
  const key = argv[1];
  const s = writeSet(c, key);
  if (s === null) return;
  if (s === undefined) {
    c.w.nil();
    return;
  }
  const m = s.removeAt(s.randomPos());
  c.server.notify(NOTIFY_SET, 'spop', key, c.db.id);
  c.propagateAs = [['SREM', key, m]];
  c.w.bulk(m);
  if (s.size === 0) {
    c.db.delete(key);
    c.server.notify(NOTIFY_GENERIC, 'del', key, c.db.id);
  } else c.db.changed(key);
}

/** SPOP_MOVE_STRATEGY_MUL: when few members stay, build the remainder instead. */
const SPOP_MOVE_STRATEGY_MUL = 5;

function spopWithCount(c: Client, argv: string[]): void {
  const count = positiveLong(c, argv[2], 'ERR value is out of range, must be positive');
  if (count === null) return;
  const key = argv[1];
  const s = writeSet(c, key);
  if (s === null) return;
  if (s === undefined || count === 0) {
    c.w.set(0);
    return;
  }
  const size = s.size;
  c.server.notify(NOTIFY_SET, 'spop', key, c.db.id);
  // CASE 1: everything goes; the reply is the set as SUNION would give it.
  if (count >= size) {
    replyMembers(c, unionOf([s], c));
    c.db.delete(key);
    c.server.notify(NOTIFY_GENERIC, 'del', key, c.db.id);
    c.propagateAs = [['DEL', key]];
    c.server.dirty += count - 1;
    return;
  }
  const prop: string[][] = [];
  c.w.set(count);
  const remaining = size - count;
  if (remaining * SPOP_MOVE_STRATEGY_MUL > count) {
    // CASE 2: pop random members one by one.
    for (let i = 0; i < count; i++) {
      const m = s.removeAt(s.randomPos());
      c.w.bulk(m);
      prop.push(['SREM', key, m]);
    }
    c.db.changed(key);
  } else {
    // CASE 3: move the few members that stay into a new set; reply the rest.
    let kept: SetValue | null = null;
    const limits = c.server.limits;
    for (let i = 0; i < remaining; i++) {
      const m = s.removeAt(s.randomPos());
      if (kept === null) kept = SetValue.create(m);
      kept.add(m, limits);
    }
    const n = s.size;
    for (let i = 0; i < n; i++) {
      const m = s.memberAt(i);
      c.w.bulk(m);
      prop.push(['SREM', key, m]);
    }
    c.db.overwrite(key, kept!);
  }
  c.propagateAs = prop;
  c.server.dirty += count - 1;
}

// ---- multi-key algebra ------------------------------------------------------------

/**
 * The sets at keys, null for missing keys; undefined after a WRONGTYPE reply.
 * Every key is looked up as a read (hit/miss statistics), STORE variants too,
 * as Redis 7.0 does; a later key's WRONGTYPE wins over an earlier missing key.
 */
function lookupSets(c: Client, keys: string[]): (SetValue | null)[] | undefined {
  const sets: (SetValue | null)[] = new Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const v = c.db.lookupRead(keys[i]);
    if (v === undefined) sets[i] = null;
    else if (!(v instanceof SetValue)) {
      c.error(WRONGTYPE);
      return undefined;
    } else sets[i] = v;
  }
  return sets;
}

/** Store a result set at dst (setKey), or delete dst when the result is empty. */
function storeResult(c: Client, dst: string, result: SetValue, event: string): void {
  if (result.size > 0) {
    c.db.set(dst, result);
    c.w.int(result.size);
    c.server.notify(NOTIFY_SET, event, dst, c.db.id);
  } else {
    c.w.int(0);
    if (c.db.delete(dst)) c.server.notify(NOTIFY_GENERIC, 'del', dst, c.db.id);
  }
}

/** SINTER, SINTERSTORE, SINTERCARD (sinterGenericCommand). */
function sinterGeneric(c: Client, keys: string[], dst: string | null, cardinalityOnly: boolean, limit: number): void {
  const found = lookupSets(c, keys);
  if (found === undefined) return;
  if (found.includes(null)) {
    // An intersection with an empty set is empty.
    if (dst !== null) {
      if (c.db.delete(dst)) c.server.notify(NOTIFY_GENERIC, 'del', dst, c.db.id);
      c.w.int(0);
    } else if (cardinalityOnly) c.w.int(0);
    else c.w.set(0);
    return;
  }
  const sets = found as SetValue[];
  // Smallest first (a stable sort: equal sizes keep their order, like glibc's qsort here).
  sets.sort((a, b) => a.size - b.size);
  const first = sets[0];
  const n = first.size;
  const out: string[] = [];
  let cardinality = 0;
  for (let i = 0; i < n; i++) {
    const m = first.memberAt(i);
    let j = 1;
    for (; j < sets.length; j++) {
      if (sets[j] === first) continue;
      if (!sets[j].has(m)) break;
    }
    if (j !== sets.length) continue;
    cardinality++;
    if (cardinalityOnly) {
      if (limit !== 0 && cardinality >= limit) break;
    } else out.push(m);
  }
  if (cardinalityOnly) {
    c.w.int(cardinality);
    return;
  }
  if (dst === null) {
    c.w.set(out.length);
    for (let i = 0; i < out.length; i++) c.w.bulk(out[i]);
    return;
  }
  const result = new SetValue();
  const limits = c.server.limits;
  for (let i = 0; i < out.length; i++) result.add(out[i], limits);
  storeResult(c, dst, result, 'sinterstore');
}

/** The union of sets as Redis builds it: a new intset, members added in order. */
function unionOf(sets: (SetValue | null)[], c: Client): SetValue {
  const result = new SetValue();
  const limits = c.server.limits;
  for (const s of sets) {
    if (s === null) continue;
    const n = s.size;
    for (let i = 0; i < n; i++) result.add(s.memberAt(i), limits);
  }
  return result;
}

/** The difference first - others, as sunionDiffGenericCommand computes it. */
function diffOf(sets: (SetValue | null)[], c: Client): SetValue {
  const result = new SetValue();
  const first = sets[0];
  if (first === null) return result;
  for (let j = 1; j < sets.length; j++) if (sets[j] === first) return result; // same key: empty
  const limits = c.server.limits;
  // Algorithm 1 walks the first set testing the others, O(N*M); algorithm 2
  // adds the first and removes the others, O(total). Redis picks the cheaper
  // one, giving the first a 2x advantage as it stops early on common members.
  let one = 0;
  let two = 0;
  for (const s of sets) {
    if (s === null) continue;
    one += first.size;
    two += s.size;
  }
  one = Math.floor(one / 2);
  if (one <= two) {
    const others = sets.slice(1).filter((s): s is SetValue => s !== null);
    others.sort((a, b) => b.size - a.size);
    const n = first.size;
    for (let i = 0; i < n; i++) {
      const m = first.memberAt(i);
      let j = 0;
      while (j < others.length && !others[j].has(m)) j++;
      if (j === others.length) result.add(m, limits);
    }
  } else {
    let n = first.size;
    for (let i = 0; i < n; i++) result.add(first.memberAt(i), limits);
    for (let j = 1; j < sets.length && result.size > 0; j++) {
      const s = sets[j];
      if (s === null) continue;
      n = s.size;
      for (let i = 0; i < n; i++) result.delete(s.memberAt(i));
    }
  }
  return result;
}

function sinterCommand(c: Client, argv: string[]): void {
  sinterGeneric(c, argv.slice(1), null, false, 0);
}

function sinterstoreCommand(c: Client, argv: string[]): void {
  sinterGeneric(c, argv.slice(2), argv[1], false, 0);
}

function sintercardCommand(c: Client, argv: string[]): void {
  const numkeys = parseInt64(argv[1]);
  if (numkeys === null || numkeys < 1) {
    c.error('ERR numkeys should be greater than 0');
    return;
  }
  if (numkeys > argv.length - 2) {
    c.error("ERR Number of keys can't be greater than number of args");
    return;
  }
  let limit = 0;
  for (let j = 2 + numkeys; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (is(argv[j], 'limit') && more > 0) {
      j++;
      const v = positiveLong(c, argv[j], "ERR LIMIT can't be negative");
      if (v === null) return;
      limit = v;
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  sinterGeneric(c, argv.slice(2, 2 + numkeys), null, true, limit);
}

function sunionDiff(c: Client, keys: string[], dst: string | null, union: boolean): void {
  const sets = lookupSets(c, keys);
  if (sets === undefined) return;
  const result = union ? unionOf(sets, c) : diffOf(sets, c);
  if (dst === null) replyMembers(c, result);
  else storeResult(c, dst, result, union ? 'sunionstore' : 'sdiffstore');
}

function sunionCommand(c: Client, argv: string[]): void {
  sunionDiff(c, argv.slice(1), null, true);
}

function sunionstoreCommand(c: Client, argv: string[]): void {
  sunionDiff(c, argv.slice(2), argv[1], true);
}

function sdiffCommand(c: Client, argv: string[]): void {
  sunionDiff(c, argv.slice(1), null, false);
}

function sdiffstoreCommand(c: Client, argv: string[]): void {
  sunionDiff(c, argv.slice(2), argv[1], false);
}

// ---- SSCAN ------------------------------------------------------------------------

function sscanCommand(c: Client, argv: string[]): void {
  const cursor = scanCursorArg(c, argv[2]);
  if (cursor === null) return;
  const s = readSet(c, argv[1]);
  if (s === null) return;
  if (s === undefined) {
    replyEmptyScan(c);
    return;
  }
  const opts = scanOptions(c, argv, 3);
  if (opts === null) return;
  const out: string[] = [];
  let next = 0;
  if (s.isIntset) {
    const n = s.size;
    for (let i = 0; i < n; i++) out.push(s.memberAt(i));
  } else {
    next = s.scanFrom(cursor, opts.count, (p) => out.push(s.memberAt(p)));
  }
  const pattern = opts.pattern;
  let n = out.length;
  if (pattern !== null) {
    n = 0;
    for (let i = 0; i < out.length; i++) if (globMatch(pattern, out[i])) out[n++] = out[i];
  }
  c.w.arr(2);
  c.w.bulk(String(next));
  c.w.arr(n);
  for (let i = 0; i < n; i++) c.w.bulk(out[i]);
}

export const setCommands: CommandDef[] = [
  { name: 'sadd', handler: saddCommand },
  { name: 'srem', handler: sremCommand },
  { name: 'scard', handler: scardCommand },
  { name: 'sismember', handler: sismemberCommand },
  { name: 'smismember', handler: smismemberCommand },
  { name: 'smove', handler: smoveCommand },
  { name: 'smembers', handler: smembersCommand },
  { name: 'srandmember', handler: srandmemberCommand },
  { name: 'spop', handler: spopCommand },
  { name: 'sinter', handler: sinterCommand },
  { name: 'sinterstore', handler: sinterstoreCommand },
  { name: 'sintercard', handler: sintercardCommand },
  { name: 'sunion', handler: sunionCommand },
  { name: 'sunionstore', handler: sunionstoreCommand },
  { name: 'sdiff', handler: sdiffCommand },
  { name: 'sdiffstore', handler: sdiffstoreCommand },
  { name: 'sscan', handler: sscanCommand },
];
