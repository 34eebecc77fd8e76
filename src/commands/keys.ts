/**
 * Keyspace commands (Redis's db.c, expire.c, object.c and sort.c): DEL, UNLINK,
 * EXISTS, TYPE, RENAME(NX), TOUCH, MOVE, COPY, SWAPDB, FLUSHDB, FLUSHALL,
 * DBSIZE, RANDOMKEY, SCAN, KEYS, the EXPIRE family, TTL family, PERSIST,
 * OBJECT and SORT / SORT_RO.
 *
 * Lookups follow Redis's flavours:
 *  - lookupKeyRead: `db.lookupRead` (hit/miss stats, keymiss event, LRU touch);
 *  - lookupKeyReadWithFlags(NOTOUCH): `db.lookupRead(key, true)`;
 *  - lookupKeyWrite: `findWrite` below (lazy expiry and a touch, no stats);
 *  - objectCommandLookup (NOTOUCH|NONOTIFY): `objectLookup` below.
 */
import type { Client } from '../server/client';
import type { CommandDef, KeyRef } from './registry';
import { ERR_NO_KEY, ERR_NOT_INT, ERR_SYNTAX, is, replyHelp } from './args';
import { NOTIFY_GENERIC, NOTIFY_LIST, type Database } from '../db/database';
import { isString, strOf, stringEncoding, typeOf, WRONGTYPE, type Value } from '../db/values';
import { ByteString } from '../data/bytestring';
import { ListValue } from '../data/list';
import type { SetValue } from '../data/set';
import type { HashValue } from '../data/hash';
import type { ZSetValue } from '../data/zset';
import { keyMemoryUsage } from '../db/memory';
import { exactDecimal, parseDouble, parseInt64 } from '../protocol/numbers';
import { globMatch } from '../util/glob';

const ERR_SAME_OBJECT = 'ERR source and destination objects are the same';
const ERR_DB_RANGE = 'ERR DB index is out of range';
const ERR_INT_RANGE = 'ERR value is out of range, value must between -2147483648 and 2147483647';
const LLONG_MAX = 9223372036854775807n;
/** OBJ_SHARED_INTEGERS and OBJ_SHARED_REFCOUNT. */
const SHARED_INTEGERS = 10000;
const SHARED_REFCOUNT = 2147483647;

// ---- helpers ----------------------------------------------------------------------

/** lookupKeyWrite: lazy expiry and an LRU/LFU touch, no hit/miss statistics. Entry index or -1. */
function findWrite(db: Database, key: string): number {
  const e = db.findLive(key);
  if (e >= 0) db.host.touch(db, e);
  return e;
}

/**
 * expireIfNeeded: true when key exists and is logically expired (deleted
 * unless expiry is frozen). A missing key is not "expired".
 */
function expireIfNeeded(db: Database, key: string): boolean {
  const e = db.dict.find(key);
  if (e < 0) return false;
  const at = db.dict.getExpire(e);
  if (at === 0 || at > db.host.now()) return false;
  if (!db.host.expiryFrozen) db.deleteExpired(e);
  return true;
}

/** getIntFromObjectOrReply: a 32-bit int, or null after replying (msg replaces both errors). */
function int32Arg(c: Client, s: string, msg?: string): number | null {
  const v = parseInt64(s);
  if (v === null) {
    c.error(msg ?? ERR_NOT_INT);
    return null;
  }
  if (v < -2147483648 || v > 2147483647) {
    c.error(msg ?? ERR_INT_RANGE);
    return null;
  }
  return v;
}

/** A database by index (selectDb's check), or null after replying. */
function dbArg(c: Client, id: number): Database | null {
  if (id < 0 || id >= c.server.dbs.length) {
    c.error(ERR_DB_RANGE);
    return null;
  }
  return c.server.dbs[id];
}

/**
 * Add key to db with a value, TTL and LRU/LFU mark carried from another key
 * (RENAME and MOVE keep the object, so its access history goes with it).
 */
function addCarried(db: Database, key: string, value: Value, at: number | bigint, lru: number): void {
  const e = db.add(key, value);
  db.dict.setLru(e, lru);
  if (at !== 0) db.dict.setExpireExact(e, at);
}

/** A deep copy of a value (COPY), keeping its encoding as dupStringObject and the *Dup functions do. */
function dupValue(v: Value): Value {
  if (typeof v === 'number') {
    // A shared integer's copy is a private "int" object (refcount 1): keep it as its digits.
    return v >= 0 && v < SHARED_INTEGERS ? String(v) : v;
  }
  if (typeof v === 'string') return v;
  if (v instanceof ByteString) return v.clone();
  return v.clone();
}

/** Type name of a value as TYPE and SCAN TYPE show it (getObjectTypeName). */
function typeName(v: Value | undefined): string {
  return v === undefined ? 'none' : typeOf(v);
}

// ---- DEL, UNLINK, EXISTS, TYPE, TOUCH -------------------------------------------------------

/**
 * DEL and UNLINK. Both are O(1) per key here: deleting drops the table's only
 * reference to the value, and V8's garbage collector reclaims it later (its
 * marking is incremental/concurrent and sweeping runs on helper threads), so
 * no command pays for freeing a big value the way a synchronous DEL does in
 * Redis. UNLINK exists for compatibility; it is propagated as UNLINK.
 */
function del(c: Client, argv: string[]): void {
  let n = 0;
  for (let i = 1; i < argv.length; i++) {
    if (c.db.delete(argv[i])) {
      c.server.notify(NOTIFY_GENERIC, 'del', argv[i], c.db.id);
      n++;
    }
  }
  c.w.int(n);
}

function exists(c: Client, argv: string[]): void {
  let n = 0;
  for (let i = 1; i < argv.length; i++) if (c.db.lookupRead(argv[i], true) !== undefined) n++;
  c.w.int(n);
}

function type(c: Client, argv: string[]): void {
  c.w.simple(typeName(c.db.lookupRead(argv[1], true)));
}

function touch(c: Client, argv: string[]): void {
  let n = 0;
  for (let i = 1; i < argv.length; i++) if (c.db.lookupRead(argv[i]) !== undefined) n++;
  c.w.int(n);
}

// ---- RENAME, RENAMENX, MOVE, COPY, SWAPDB -------------------------------------------------

function renameGeneric(c: Client, argv: string[], nx: boolean): void {
  const db = c.db;
  const src = argv[1], dst = argv[2];
  const e = findWrite(db, src);
  if (e < 0) {
    c.error(ERR_NO_KEY);
    return;
  }
  if (src === dst) {
    if (nx) c.w.int(0);
    else c.w.ok();
    return;
  }
  const d = db.dict;
  const value = d.valueAt(e), lru = d.lruAt(e), at = d.getExpireExact(e);
  if (findWrite(db, dst) >= 0) {
    if (nx) {
      c.w.int(0);
      return;
    }
    db.delete(dst);
  }
  addCarried(db, dst, value, at, lru);
  db.delete(src);
  c.server.notify(NOTIFY_GENERIC, 'rename_from', src, db.id);
  c.server.notify(NOTIFY_GENERIC, 'rename_to', dst, db.id);
  if (nx) c.w.int(1);
  else c.w.ok();
}

function rename(c: Client, argv: string[]): void {
  renameGeneric(c, argv, false);
}

function renamenx(c: Client, argv: string[]): void {
  renameGeneric(c, argv, true);
}

function move(c: Client, argv: string[]): void {
  const key = argv[1];
  const id = int32Arg(c, argv[2]);
  if (id === null) return;
  const dst = dbArg(c, id);
  if (dst === null) return;
  const src = c.db;
  if (src === dst) {
    c.error(ERR_SAME_OBJECT);
    return;
  }
  const e = findWrite(src, key);
  if (e < 0) {
    c.w.int(0);
    return;
  }
  const d = src.dict;
  const value = d.valueAt(e), lru = d.lruAt(e), at = d.getExpireExact(e);
  if (findWrite(dst, key) >= 0) {
    c.w.int(0);
    return;
  }
  addCarried(dst, key, value, at, lru);
  src.delete(key);
  c.server.notify(NOTIFY_GENERIC, 'move_from', key, src.id);
  c.server.notify(NOTIFY_GENERIC, 'move_to', key, dst.id);
  c.w.int(1);
}

function copy(c: Client, argv: string[]): void {
  const src = c.db;
  let dst = c.db;
  let replace = false;
  for (let j = 3; j < argv.length; j++) {
    const additional = argv.length - j - 1;
    if (is(argv[j], 'replace')) replace = true;
    else if (is(argv[j], 'db') && additional >= 1) {
      const id = int32Arg(c, argv[j + 1]);
      if (id === null) return;
      const db = dbArg(c, id);
      if (db === null) return;
      dst = db;
      j++;
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  const key = argv[1], newkey = argv[2];
  if (src === dst && key === newkey) {
    c.error(ERR_SAME_OBJECT);
    return;
  }
  const v = src.lookupRead(key);
  if (v === undefined) {
    c.w.int(0);
    return;
  }
  const at = src.dict.getExpireExact(src.dict.find(key));
  let remove = false;
  if (findWrite(dst, newkey) >= 0) {
    if (!replace) {
      c.w.int(0);
      return;
    }
    remove = true;
  }
  const copyValue = dupValue(v);
  if (remove) dst.delete(newkey);
  const e = dst.add(newkey, copyValue);
  if (at !== 0) dst.dict.setExpireExact(e, at);
  c.server.notify(NOTIFY_GENERIC, 'copy_to', newkey, dst.id);
  c.w.int(1);
}

/**
 * scanDatabaseForDeletedStreams: keys of `db` that clients wait on (XREADGROUP)
 * and that hold a stream now but will not once `db` is emptied or replaced by
 * `replacedWith`. The caller signals them after the change, so the blocked
 * command runs again and answers as Redis does when its stream vanished.
 */
function streamsGoing(c: Client, db: Database, replacedWith: Database | null): string[] {
  const blocking = c.server.blocking;
  if (blocking.count === 0) return [];
  const out: string[] = [];
  for (const key of blocking.keysWithWaiters(db)) {
    const e = db.dict.find(key);
    if (e < 0 || typeName(db.dict.valueAt(e)) !== 'stream') continue;
    const r = replacedWith === null ? -1 : replacedWith.dict.find(key);
    if (r >= 0 && typeName(replacedWith!.dict.valueAt(r)) === 'stream') continue;
    out.push(key);
  }
  return out;
}

function signalAll(c: Client, db: Database, keys: string[]): void {
  for (const key of keys) c.server.blocking.signalReady(db, key);
}

function swapdb(c: Client, argv: string[]): void {
  const id1 = int32Arg(c, argv[1], 'ERR invalid first DB index');
  if (id1 === null) return;
  const id2 = int32Arg(c, argv[2], 'ERR invalid second DB index');
  if (id2 === null) return;
  const dbs = c.server.dbs;
  if (id1 < 0 || id1 >= dbs.length || id2 < 0 || id2 >= dbs.length) {
    c.error(ERR_DB_RANGE);
    return;
  }
  if (id1 !== id2) {
    const a = dbs[id1], b = dbs[id2];
    // A transaction watching a key that exists on either side must fail.
    c.server.touchAllWatched(a, b);
    c.server.touchAllWatched(b, a);
    const goneA = streamsGoing(c, a, b), goneB = streamsGoing(c, b, a);
    a.swapData(b);
    // Clients blocked on a key stay in their database: the swap may have made their key ready.
    const blocking = c.server.blocking;
    if (blocking.count !== 0) {
      signalAll(c, a, goneA);
      signalAll(c, b, goneB);
      for (const db of [a, b]) {
        for (const key of blocking.keysWithWaiters(db)) if (db.dict.find(key) >= 0) blocking.signalReady(db, key);
      }
    }
  }
  c.server.dirty++;
  c.w.ok();
}

// ---- FLUSHDB, FLUSHALL, DBSIZE, RANDOMKEY ---------------------------------------------------

/**
 * FLUSHDB/FLUSHALL [ASYNC|SYNC]. Dropping the table is O(1) either way (V8
 * frees the values), so ASYNC and SYNC only differ in name.
 */
function flushFlag(c: Client, argv: string[]): boolean {
  if (argv.length === 1 || (argv.length === 2 && (is(argv[1], 'sync') || is(argv[1], 'async')))) return true;
  c.error(ERR_SYNTAX);
  return false;
}

function flushdb(c: Client, argv: string[]): void {
  if (!flushFlag(c, argv)) return;
  const gone = streamsGoing(c, c.db, null);
  c.server.touchAllWatched(c.db);
  c.server.dirty += c.db.flush();
  signalAll(c, c.db, gone);
  // Propagated even when the database was already empty.
  c.propagateAs = [argv.slice()];
  c.w.ok();
}

function flushall(c: Client, argv: string[]): void {
  if (!flushFlag(c, argv)) return;
  for (const db of c.server.dbs) {
    const gone = streamsGoing(c, db, null);
    c.server.touchAllWatched(db);
    c.server.dirty += db.flush();
    signalAll(c, db, gone);
  }
  c.server.dirty++;
  c.propagateAs = [argv.slice()];
  for (const hook of c.server.flushAllHooks) hook();
  c.w.ok();
}

function dbsize(c: Client): void {
  c.w.int(c.db.size);
}

function randomkey(c: Client): void {
  const k = c.db.randomKey();
  if (k === null) c.w.nil();
  else c.w.bulk(k);
}

// ---- KEYS, SCAN ---------------------------------------------------------------------

function keys(c: Client, argv: string[]): void {
  const pat = argv[1];
  const all = pat === '*';
  const d = c.db.dict;
  const now = c.db.host.now();
  const out: string[] = [];
  for (let e = 0; e < d.size; e++) {
    const k = d.keyAt(e);
    if (!all && !globMatch(pat, k)) continue;
    // Logically expired keys are skipped, not deleted (keyIsExpired).
    const at = d.getExpire(e);
    if (at !== 0 && at < now) continue;
    out.push(k);
  }
  c.w.bulks(out);
}

function isSpace(ch: number): boolean {
  return ch === 32 || (ch >= 9 && ch <= 13);
}

/**
 * A SCAN cursor as Redis reads it (strtoul, base 10, whole string, no leading
 * space): an optional sign, digits, within 64 bits; "" is 0 and "-n" wraps.
 * Only the low 32 bits reach the table: the bits above the table's mask never
 * influence the next cursor, as in dictScan.
 */
export function parseCursor(s: string): number | null {
  const n = s.length;
  if (n === 0) return 0;
  let i = 0;
  const c0 = s.charCodeAt(0);
  if (isSpace(c0)) return null;
  if (c0 === 43 || c0 === 45) i = 1;
  if (i === n) return null;
  for (let j = i; j < n; j++) {
    const ch = s.charCodeAt(j);
    if (ch < 48 || ch > 57) return null;
  }
  let v = BigInt(s.slice(i));
  if (v > 0xffffffffffffffffn) return null;
  if (c0 === 45) v = -v;
  return Number(BigInt.asUintN(32, v));
}

function scan(c: Client, argv: string[]): void {
  const cursor = parseCursor(argv[1]);
  if (cursor === null) {
    c.error('ERR invalid cursor');
    return;
  }
  let count = 10;
  let pat: string | null = null;
  let wantType: string | null = null;
  for (let i = 2; i < argv.length; ) {
    const left = argv.length - i;
    if (is(argv[i], 'count') && left >= 2) {
      const v = parseInt64(argv[i + 1]);
      if (v === null) {
        c.error(ERR_NOT_INT);
        return;
      }
      if (v < 1) {
        c.error(ERR_SYNTAX);
        return;
      }
      count = v;
      i += 2;
    } else if (is(argv[i], 'match') && left >= 2) {
      pat = argv[i + 1] === '*' ? null : argv[i + 1];
      i += 2;
    } else if (is(argv[i], 'type') && left >= 2) {
      wantType = argv[i + 1].toLowerCase();
      i += 2;
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  const db = c.db;
  const d = db.dict;
  const found: string[] = [];
  const visit = (e: number) => {
    found.push(d.keyAt(e));
  };
  // Visit buckets until COUNT keys are collected, at most 10*COUNT buckets: a
  // sparse table cannot make one call walk all of it.
  let maxIterations = count * 10;
  let cur = cursor;
  do {
    cur = d.scan(cur, visit);
  } while (cur !== 0 && maxIterations-- > 0 && found.length < count);
  const out: string[] = [];
  for (const k of found) {
    if (pat !== null && !globMatch(pat, k)) continue;
    if (wantType !== null && typeName(db.lookupRead(k, true)) !== wantType) continue;
    if (expireIfNeeded(db, k)) continue;
    out.push(k);
  }
  c.w.arr(2);
  c.w.bulk(String(cur));
  c.w.bulks(out);
}

// ---- EXPIRE family, TTL family, PERSIST -----------------------------------------------

const EXPIRE_NX = 1, EXPIRE_XX = 2, EXPIRE_GT = 4, EXPIRE_LT = 8;

/**
 * EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT: options first (as Redis checks them),
 * then the time, computed exactly (the sum can pass 2^53; LLONG_MAX is legal).
 */
function expireGeneric(c: Client, argv: string[], basetime: number, seconds: boolean): void {
  let flags = 0;
  for (let j = 3; j < argv.length; j++) {
    const o = argv[j];
    if (is(o, 'nx')) flags |= EXPIRE_NX;
    else if (is(o, 'xx')) flags |= EXPIRE_XX;
    else if (is(o, 'gt')) flags |= EXPIRE_GT;
    else if (is(o, 'lt')) flags |= EXPIRE_LT;
    else {
      c.error(`ERR Unsupported option ${o}`);
      return;
    }
  }
  if (flags & EXPIRE_NX && flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT)) {
    c.error('ERR NX and XX, GT or LT options at the same time are not compatible');
    return;
  }
  if (flags & EXPIRE_GT && flags & EXPIRE_LT) {
    c.error('ERR GT and LT options at the same time are not compatible');
    return;
  }
  const v = parseInt64(argv[2]);
  if (v === null) {
    c.error(ERR_NOT_INT);
    return;
  }
  let when: number | bigint;
  if (v <= 8796093022208 && v >= -8796093022208) {
    // |v| <= 2^43: v*1000 + now stays exact in a double.
    when = (seconds ? v * 1000 : v) + basetime;
  } else {
    let w = BigInt(argv[2]);
    if (seconds) {
      if (w > 9223372036854775n || w < -9223372036854775n) {
        c.error(`ERR invalid expire time in '${c.cmd!.fullName}' command`);
        return;
      }
      w *= 1000n;
    }
    if (w > LLONG_MAX - BigInt(basetime)) {
      c.error(`ERR invalid expire time in '${c.cmd!.fullName}' command`);
      return;
    }
    w += BigInt(basetime);
    when = w >= -9007199254740991n && w <= 9007199254740991n ? Number(w) : w;
  }
  const db = c.db;
  const key = argv[1];
  const e = findWrite(db, key);
  if (e < 0) {
    c.w.int(0);
    return;
  }
  if (flags !== 0) {
    const current = db.dict.getExpireExact(e);
    const has = current !== 0;
    if (flags & EXPIRE_NX && has) return c.w.int(0);
    if (flags & EXPIRE_XX && !has) return c.w.int(0);
    // No TTL counts as infinite: GT always fails, LT always passes.
    if (flags & EXPIRE_GT && (!has || when <= current)) return c.w.int(0);
    if (flags & EXPIRE_LT && has && when >= current) return c.w.int(0);
  }
  if (when <= db.host.now() && !db.host.expiryFrozen) {
    // Already expired: delete, and replicate as an explicit DEL or UNLINK.
    db.delete(key);
    c.propagateAs = [[c.server.config.bool('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key]];
    c.server.notify(NOTIFY_GENERIC, 'del', key, db.id);
    c.w.int(1);
    return;
  }
  db.dict.setExpireExact(e, when);
  db.changed(key);
  // Propagate as PEXPIREAT with the absolute time.
  if (c.cmd!.fullName !== 'pexpireat') {
    const a = argv.slice();
    a[0] = 'PEXPIREAT';
    a[2] = String(when);
    c.propagateAs = [a];
  }
  c.server.notify(NOTIFY_GENERIC, 'expire', key, db.id);
  c.w.int(1);
}

function expire(c: Client, argv: string[]): void {
  expireGeneric(c, argv, c.db.host.now(), true);
}

function pexpire(c: Client, argv: string[]): void {
  expireGeneric(c, argv, c.db.host.now(), false);
}

function expireat(c: Client, argv: string[]): void {
  expireGeneric(c, argv, 0, true);
}

function pexpireat(c: Client, argv: string[]): void {
  expireGeneric(c, argv, 0, false);
}

function ttlGeneric(c: Client, argv: string[], ms: boolean, abs: boolean): void {
  const db = c.db;
  const e = db.lookupReadEntry(argv[1], true);
  if (e < 0) {
    c.w.int(-2);
    return;
  }
  const at = db.dict.getExpireExact(e);
  if (at === 0) {
    c.w.int(-1);
    return;
  }
  if (typeof at === 'number') {
    // Redis 7.0 computes the TTL from the real clock (mstime()), not the command's frozen time.
    let ttl = abs ? at : at - Date.now();
    if (ttl < 0) ttl = 0;
    c.w.int(ms ? ttl : Math.floor((ttl + 500) / 1000));
  } else {
    let ttl = abs ? at : at - BigInt(Date.now());
    if (ttl < 0n) ttl = 0n;
    c.w.int(ms ? ttl : (ttl + 500n) / 1000n);
  }
}

function ttl(c: Client, argv: string[]): void {
  ttlGeneric(c, argv, false, false);
}

function pttl(c: Client, argv: string[]): void {
  ttlGeneric(c, argv, true, false);
}

function expiretime(c: Client, argv: string[]): void {
  ttlGeneric(c, argv, false, true);
}

function pexpiretime(c: Client, argv: string[]): void {
  ttlGeneric(c, argv, true, true);
}

function persist(c: Client, argv: string[]): void {
  const db = c.db;
  const key = argv[1];
  const e = findWrite(db, key);
  if (e < 0 || db.dict.getExpire(e) === 0) {
    c.w.int(0);
    return;
  }
  db.dict.setExpire(e, 0);
  db.changed(key);
  c.server.notify(NOTIFY_GENERIC, 'persist', key, db.id);
  c.w.int(1);
}

// ---- OBJECT -------------------------------------------------------------------------

/** objectCommandLookup: lazy expiry and hit/miss stats, no touch, no keymiss event. Replies null when missing. */
function objectLookup(c: Client, key: string): number {
  const db = c.db;
  const e = db.findLive(key);
  if (e < 0) {
    db.host.stats.keyspaceMisses++;
    c.w.nil();
    return -1;
  }
  db.host.stats.keyspaceHits++;
  return e;
}

function objectEncoding(c: Client, argv: string[]): void {
  const e = objectLookup(c, argv[2]);
  if (e < 0) return;
  const v = c.db.dict.valueAt(e);
  c.w.bulk(isString(v) ? stringEncoding(v) : v.encoding());
}

/**
 * Redis shares the objects of the integers 0..9999 (refcount INT_MAX) unless
 * maxmemory is set with an LRU or LFU policy, which need a private object per
 * key. Cinnabar keeps those integers as JS numbers; a private copy (COPY) is
 * kept as its digits.
 */
function objectRefcount(c: Client, argv: string[]): void {
  const e = objectLookup(c, argv[2]);
  if (e < 0) return;
  const v = c.db.dict.valueAt(e);
  const s = c.server;
  const policy = s.config.str('maxmemory-policy');
  const sharing = s.config.num('maxmemory') === 0 || !(policy.endsWith('-lru') || policy.endsWith('-lfu'));
  c.w.int(typeof v === 'number' && v >= 0 && v < SHARED_INTEGERS && sharing ? SHARED_REFCOUNT : 1);
}

function objectIdletime(c: Client, argv: string[]): void {
  const e = objectLookup(c, argv[2]);
  if (e < 0) return;
  if (c.server.evictor.lfu) {
    c.error(
      'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
    );
    return;
  }
  c.w.int(Math.floor(c.server.evictor.idleMs(c.server.accessMark(c.db, e)) / 1000));
}

function objectFreq(c: Client, argv: string[]): void {
  const e = objectLookup(c, argv[2]);
  if (e < 0) return;
  if (!c.server.evictor.lfu) {
    c.error(
      'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
    );
    return;
  }
  c.w.int(c.server.evictor.lfuDecayed(c.server.accessMark(c.db, e)));
}

function objectHelp(c: Client, argv: string[]): void {
  replyHelp(c, argv[0].toUpperCase(), [
    'ENCODING <key>',
    '    Return the kind of internal representation used in order to store the value',
    '    associated with a <key>.',
    'FREQ <key>',
    '    Return the access frequency index of the <key>. The returned integer is',
    '    proportional to the logarithm of the recent access frequency of the key.',
    'IDLETIME <key>',
    '    Return the idle time of the <key>, that is the approximated number of',
    '    seconds elapsed since the last access to the key.',
    'REFCOUNT <key>',
    '    Return the number of references of the value associated with the specified',
    '    <key>.',
  ]);
}

// ---- SORT, SORT_RO ------------------------------------------------------------------

/** One element to sort (redisSortObject). */
interface SortItem {
  obj: string;
  score: number;
  /** The BY value in ALPHA mode; null when its key is missing. */
  cmp: string | null;
}

/** The C-string view of s: what strchr/strstr/strtod/strcoll see (up to the first NUL). */
function cstr(s: string): string {
  const z = s.indexOf('\0');
  return z < 0 ? s : s.slice(0, z);
}

/**
 * lookupKeyByPattern: "#" is the element itself; otherwise the first '*' of
 * the pattern is replaced by the element and the key read (it must be a
 * string), or with "key*->field" the field of a hash. null when missing.
 */
function lookupByPattern(db: Database, pattern: string, subst: string): string | null {
  const c = cstr(pattern);
  if (c === '#') return subst;
  const p = c.indexOf('*');
  if (p < 0) return null;
  const f = c.indexOf('->', p + 1);
  const hasField = f >= 0 && f + 2 < c.length;
  const keyname = pattern.slice(0, p) + subst + pattern.slice(p + 1, hasField ? f : pattern.length);
  const o = db.lookupRead(keyname);
  if (o === undefined) return null;
  if (hasField) {
    if (isString(o) || o.type !== 'hash') return null;
    return (o as HashValue).get(pattern.slice(f + 2)) ?? null;
  }
  return isString(o) ? strOf(o) : null;
}

/**
 * A SORT score as strtod reads it: leading white space allowed, the whole
 * (C-)string consumed, not NaN, no ERANGE (overflow, or an inexact
 * subnormal result). "" is 0. null when Redis would give up.
 */
export function sortScore(raw: string): number | null {
  const s = cstr(raw);
  let i = 0;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  if (i === s.length) return s.length === 0 ? 0 : null;
  const t = i === 0 ? s : s.slice(i);
  const v = parseDouble(t);
  if (v === null) return null;
  if (v !== 0 && Math.abs(v) < 2.2250738585072014e-308 && !exactSubnormal(t, v)) return null;
  // A hex mantissa that is not zero but came out as 0 underflowed (ERANGE).
  if (v === 0 && /^[+-]?0[xX]0*\.?0*[1-9a-fA-F]/.test(t)) return null;
  return v;
}

/** True when the text of a subnormal double denotes it exactly (glibc sets no ERANGE then). */
function exactSubnormal(t: string, v: number): boolean {
  const body = t.replace(/^[+-]/, '');
  const hx = /^0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/.exec(body);
  if (hx !== null) {
    const frac = hx[2] ?? '';
    let m = BigInt('0x' + ((hx[1] || '0') + frac));
    let e = Number(hx[3] ?? '0') - 4 * frac.length + 1074;
    for (; e < 0; e++) {
      if (m & 1n) return false;
      m >>= 1n;
    }
    return (m << BigInt(e)) < 1n << 52n;
  }
  const m = /^(\d*)\.?(\d*)(?:[eE]([+-]?\d+))?$/.exec(body);
  if (m === null) return false;
  let digits = m[1] + m[2];
  let exp = Number(m[3] ?? '0') + m[1].length - 1;
  const lead = digits.length - digits.replace(/^0+/, '').length;
  digits = digits.slice(lead).replace(/0+$/, '');
  exp -= lead;
  const exact = exactDecimal(Math.abs(v));
  return exact.digits === digits && exact.exp === exp;
}

/** memcmp order with the shorter prefix first (compareStringObjects). */
function binCmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** strcoll in the C / C.UTF-8 locale: byte order of the C-strings. */
function collCmp(a: string, b: string): number {
  return binCmp(cstr(a), cstr(b));
}

/** count members of a sorted set from rank `from`, ascending, or from the top with desc. */
function zsetRange(z: ZSetValue, from: number, count: number, desc: boolean): string[] {
  const out: string[] = [];
  const cur = z.cursor(desc ? z.size - 1 - from : from);
  for (let k = 0; k < count && cur.valid; k++) {
    out.push(cur.member);
    if (desc) cur.prev();
    else cur.next();
  }
  return out;
}

function sortGeneric(c: Client, argv: string[], readonly: boolean): void {
  let desc = false, alpha = false, dontsort = false;
  let limitStart = 0, limitCount = -1;
  let sortby: string | null = null;
  let storekey: string | null = null;
  const gets: string[] = [];
  for (let j = 2; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const a = argv[j];
    if (is(a, 'asc')) desc = false;
    else if (is(a, 'desc')) desc = true;
    else if (is(a, 'alpha')) alpha = true;
    else if (is(a, 'limit') && left >= 2) {
      const st = parseInt64(argv[j + 1]);
      const n = st === null ? null : parseInt64(argv[j + 2]);
      if (st === null || n === null) {
        c.error(ERR_NOT_INT);
        return;
      }
      limitStart = st;
      limitCount = n;
      j += 2;
    } else if (!readonly && is(a, 'store') && left >= 1) {
      storekey = argv[++j];
    } else if (is(a, 'by') && left >= 1) {
      sortby = argv[++j];
      // A pattern without '*' cannot name other keys: don't sort at all.
      if (cstr(sortby).indexOf('*') < 0) dontsort = true;
    } else if (is(a, 'get') && left >= 1) {
      gets.push(argv[++j]);
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
  }

  const db = c.db;
  const sortval = db.lookupRead(argv[1]);
  let kind: 'list' | 'set' | 'zset' = 'list';
  if (sortval !== undefined) {
    const t = typeOf(sortval);
    if (t !== 'list' && t !== 'set' && t !== 'zset') {
      c.error(WRONGTYPE);
      return;
    }
    kind = t;
    if (kind === 'zset') {
      // SORT converts a listpack sorted set to a skiplist for good, as Redis does.
      const z = sortval as ZSetValue;
      if (z.isListpack) {
        const before = keyMemoryUsage(argv[1], z);
        z.convertToSkiplist();
        db.usedBytes += keyMemoryUsage(argv[1], z) - before;
      }
    }
  }
  // A set has no order of its own: when storing, sort it so replicas agree.
  if (dontsort && kind === 'set' && storekey !== null) {
    dontsort = false;
    alpha = true;
    sortby = null;
  }

  const len = sortval === undefined ? 0 : kind === 'list' ? (sortval as ListValue).length : kind === 'set' ? (sortval as SetValue).size : (sortval as ZSetValue).size;
  let start = limitStart < 0 ? 0 : limitStart;
  let end = limitCount < 0 ? len - 1 : start + limitCount - 1;
  if (start >= len) {
    start = len - 1;
    end = len - 2;
  }
  if (end >= len) end = len - 1;

  // Load the elements; lists and sorted sets that need no sorting load only the range.
  let objs: string[];
  if (sortval === undefined) objs = [];
  else if (dontsort && kind !== 'set') {
    const n = start !== 0 || end !== len - 1 ? end - start + 1 : len;
    if (kind === 'list') {
      const l = sortval as ListValue;
      objs = [];
      if (end >= start) {
        for (let k = 0; k < n; k++) objs.push(l.get(desc ? len - 1 - start - k : start + k));
      }
    } else objs = n > 0 ? zsetRange(sortval as ZSetValue, start, n, desc) : [];
    if (kind === 'zset' || end >= start) {
      end -= start;
      start = 0;
    }
  } else if (kind === 'list') objs = (sortval as ListValue).toArray();
  else if (kind === 'set') {
    objs = [];
    (sortval as SetValue).forEach((m) => objs.push(m));
  } else {
    objs = [];
    (sortval as ZSetValue).forEach((m) => objs.push(m));
  }

  const items: SortItem[] = objs.map((obj) => ({ obj, score: 0, cmp: null }));
  let conversionError = false;
  if (!dontsort) {
    for (const it of items) {
      let byval: string;
      if (sortby !== null) {
        const v = lookupByPattern(db, sortby, it.obj);
        if (v === null) continue;
        byval = v;
      } else byval = it.obj;
      if (alpha) {
        if (sortby !== null) it.cmp = byval;
      } else {
        const sc = sortScore(byval);
        if (sc === null) conversionError = true;
        else it.score = sc;
      }
    }
    const byPattern = sortby !== null;
    const store = storekey !== null;
    const sign = desc ? -1 : 1;
    items.sort((x, y) => {
      let cmp: number;
      if (!alpha) {
        cmp = x.score > y.score ? 1 : x.score < y.score ? -1 : binCmp(x.obj, y.obj);
      } else if (byPattern) {
        if (x.cmp === null || y.cmp === null) cmp = x.cmp === y.cmp ? 0 : x.cmp === null ? -1 : 1;
        else cmp = store ? binCmp(x.cmp, y.cmp) : collCmp(x.cmp, y.cmp);
      } else cmp = store ? binCmp(x.obj, y.obj) : collCmp(x.obj, y.obj);
      return sign * cmp;
    });
  }

  const count = end - start + 1;
  const outputlen = gets.length > 0 ? gets.length * count : count;
  if (conversionError) {
    c.error("ERR One or more scores can't be converted into double");
    return;
  }
  if (storekey === null) {
    c.w.arr(outputlen);
    for (let j = start; j <= end; j++) {
      const obj = items[j].obj;
      if (gets.length === 0) c.w.bulk(obj);
      for (const g of gets) {
        const v = lookupByPattern(db, g, obj);
        if (v === null) c.w.nil();
        else c.w.bulk(v);
      }
    }
    return;
  }
  if (outputlen > 0) {
    const out: string[] = [];
    for (let j = start; j <= end; j++) {
      const obj = items[j].obj;
      if (gets.length === 0) out.push(obj);
      for (const g of gets) out.push(lookupByPattern(db, g, obj) ?? '');
    }
    findWrite(db, storekey);
    db.set(storekey, new ListValue(out, c.server.limits.listMaxListpackSize));
    c.server.notify(NOTIFY_LIST, 'sortstore', storekey, db.id);
    c.server.dirty += outputlen;
  } else if (db.delete(storekey)) {
    c.server.notify(NOTIFY_GENERIC, 'del', storekey, db.id);
  }
  c.w.int(outputlen);
}

function sort(c: Client, argv: string[]): void {
  sortGeneric(c, argv, false);
}

function sortRo(c: Client, argv: string[]): void {
  sortGeneric(c, argv, true);
}

/**
 * sortGetKeys: the sorted key, and the destination of the last STORE. Option
 * arguments are skipped as Redis skips them (LIMIT 2, GET 1, BY 1), so a
 * STORE hidden in an option's argument is not taken for one.
 */
function sortKeys(argv: string[]): KeyRef[] {
  const keys: KeyRef[] = [{ pos: 1, flags: ['RO', 'access'] }];
  let store = -1;
  for (let i = 2; i < argv.length; i++) {
    if (is(argv[i], 'limit')) i += 2;
    else if (is(argv[i], 'get') || is(argv[i], 'by')) i += 1;
    else if (is(argv[i], 'store') && i + 1 < argv.length) store = i + 1;
  }
  if (store > 0) keys.push({ pos: store, flags: ['OW', 'update'] });
  return keys;
}

function sortRoKeys(): KeyRef[] {
  return [{ pos: 1, flags: ['RO', 'access'] }];
}

export const keyCommands: CommandDef[] = [
  { name: 'del', handler: del },
  { name: 'unlink', handler: del },
  { name: 'exists', handler: exists },
  { name: 'type', handler: type },
  { name: 'touch', handler: touch },
  { name: 'rename', handler: rename },
  { name: 'renamenx', handler: renamenx },
  { name: 'move', handler: move },
  { name: 'copy', handler: copy },
  { name: 'swapdb', handler: swapdb },
  { name: 'flushdb', handler: flushdb },
  { name: 'flushall', handler: flushall },
  { name: 'dbsize', handler: dbsize },
  { name: 'randomkey', handler: randomkey },
  { name: 'keys', handler: keys },
  { name: 'scan', handler: scan },
  { name: 'expire', handler: expire },
  { name: 'pexpire', handler: pexpire },
  { name: 'expireat', handler: expireat },
  { name: 'pexpireat', handler: pexpireat },
  { name: 'ttl', handler: ttl },
  { name: 'pttl', handler: pttl },
  { name: 'expiretime', handler: expiretime },
  { name: 'pexpiretime', handler: pexpiretime },
  { name: 'persist', handler: persist },
  { name: 'object|encoding', handler: objectEncoding },
  { name: 'object|refcount', handler: objectRefcount },
  { name: 'object|idletime', handler: objectIdletime },
  { name: 'object|freq', handler: objectFreq },
  { name: 'object|help', handler: objectHelp },
  { name: 'sort', handler: sort, keys: sortKeys },
  { name: 'sort_ro', handler: sortRo, keys: sortRoKeys },
];
