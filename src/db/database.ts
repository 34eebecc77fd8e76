/**
 * One numbered database: the keyspace table plus the rules every command
 * follows when it touches a key (Redis's db.c): lazy expiry on lookup,
 * keyspace hit/miss statistics, LRU/LFU access marks, and the signals a
 * change sends out (WATCH invalidation, keyspace notifications, wake-ups of
 * blocked clients, memory accounting).
 */
import { Dict } from './dict';
import { keyMemoryUsage, valueMemoryUsage } from './memory';
import { isString, type Value } from './values';

/** What the database needs from the server around it. */
export interface DbHost {
  /** The command clock (ms): one value per command, as Redis's cached time. */
  now(): number;
  /**
   * LRU clock / LFU bookkeeping for an access to entry `e` of `db`; `created`
   * when the entry was just given this value (dbAdd, overwrite) rather than read.
   */
  touch(db: Database, e: number, created?: boolean): void;
  stats: { keyspaceHits: number; keyspaceMisses: number; expiredKeys: number };
  /** A key was deleted because it expired (propagates DEL, fires "expired"). */
  keyExpired(db: Database, key: string): void;
  /** Keyspace notification. */
  notify(type: number, event: string, key: string, dbid: number): void;
  /** Key changed: invalidates WATCH. */
  keyModified(db: Database, key: string): void;
  /** Key created: may wake clients blocked on it. */
  keyAdded(db: Database, key: string): void;
  /** Databases whose in-place changes await settle() at the end of the command. */
  readonly unsettled: Database[];
  /** True while expired keys must not be deleted (replicas, loading). */
  readonly expiryFrozen: boolean;
  /** True while data files are loaded: keys do not expire at all (keyIsExpired is false), as in Redis. */
  readonly loading: boolean;
}

/**
 * Told about key accesses while a background snapshot runs (persistence/snapshot.ts):
 * it writes a key out before the first command that could change it.
 */
export interface WriteObserver {
  /** Entry e is about to be read, changed or deleted. */
  beforeAccess(db: Database, e: number): void;
  /** A new key was added at entry e. */
  added(db: Database, e: number): void;
  /** The database is about to be emptied (may replace db.dict). */
  beforeFlush(db: Database): void;
}

export class Database {
  /** Not readonly only for SWAPDB (swapData) and snapshots (WriteObserver.beforeFlush). */
  dict = new Dict<Value>();
  /** The running background snapshot, if any. */
  observer: WriteObserver | null = null;
  /** Sum of keyMemoryUsage over all keys, kept as keys change. */
  usedBytes = 0;
  /**
   * Keys handed out for in-place change during the current command, with
   * their size before it; settled into usedBytes when the command ends.
   * Invariant: usedBytes counts untouched keys at their size and touched
   * keys at their recorded size, so setters skip touched keys.
   */
  private touched = new TouchedKeys();

  constructor(readonly id: number, readonly host: DbHost) {}

  get size(): number {
    return this.dict.size;
  }

  // ---- lookups --------------------------------------------------------------

  /** Lookup for reading: expires lazily, counts hits/misses, marks access. */
  lookupRead(key: string, noTouch = false): Value | undefined {
    const e = this.lookupReadEntry(key, noTouch);
    return e < 0 ? undefined : this.dict.valueAt(e);
  }

  /** lookupRead returning the entry index (-1 when missing), for TTL-like reads. */
  lookupReadEntry(key: string, noTouch = false): number {
    const e = this.findLive(key);
    if (e < 0) {
      this.host.stats.keyspaceMisses++;
      this.host.notify(NOTIFY_KEY_MISS, 'keymiss', key, this.id);
      return -1;
    }
    this.host.stats.keyspaceHits++;
    if (!noTouch) this.host.touch(this, e);
    return e;
  }

  /**
   * Lookup before changing a value in place. The caller promises to call
   * `changed(key)` (or a setter) after changing it.
   */
  lookupWrite(key: string): Value | undefined {
    const e = this.findLive(key);
    if (e < 0) return undefined;
    this.host.touch(this, e);
    const v = this.dict.valueAt(e);
    if (!this.touched.has(key)) {
      if (this.touched.size === 0) this.host.unsettled.push(this);
      this.touched.add(key, e, valueMemoryUsage(v));
    }
    return v;
  }

  /** Lookup with no side effects but lazy expiry (TYPE-like peeks use lookupRead). */
  peek(key: string): Value | undefined {
    const e = this.findLive(key);
    return e < 0 ? undefined : this.dict.valueAt(e);
  }

  exists(key: string): boolean {
    return this.findLive(key) >= 0;
  }

  /** Entry index of a live key (expired ones are deleted on the way), or -1. */
  findLive(key: string): number {
    const d = this.dict;
    const e = d.find(key);
    if (e < 0) return -1;
    if (this.observer !== null) this.observer.beforeAccess(this, e);
    const at = d.getExpire(e);
    if (at !== 0 && at < this.host.now() && !this.host.loading) { // keyIsExpired: now > when, never while loading
      if (this.host.expiryFrozen) return -1;
      this.deleteExpired(e);
      return -1;
    }
    return e;
  }

  /** Delete an expired entry as lazy or active expiry does. */
  deleteExpired(e: number): void {
    if (this.observer !== null) this.observer.beforeAccess(this, e);
    const key = this.dict.keyAt(e);
    const old = this.dict.valueAt(e);
    if (!this.touched.has(key)) this.usedBytes -= keyMemoryUsage(key, old);
    this.dict.removeAt(e);
    this.streamGone(key, old);
    this.host.stats.expiredKeys++;
    this.host.keyExpired(this, key);
  }

  // ---- writes -----------------------------------------------------------------

  /**
   * Set key to value (SET semantics): the old value is replaced and its TTL
   * dropped unless keepTtl.
   */
  set(key: string, value: Value, keepTtl = false): void {
    const d = this.dict;
    const e = d.find(key);
    if (e >= 0) {
      const old = d.valueAt(e);
      if (this.touched.size === 0 || !this.touched.has(key)) this.usedBytes += valueMemoryUsage(value) - valueMemoryUsage(old);
      d.setValueAt(e, value);
      this.streamGone(key, old);
      if (!keepTtl) d.setExpire(e, 0);
      this.host.touch(this, e, true);
    } else {
      this.add(key, value);
      return;
    }
    this.host.keyModified(this, key);
  }

  /** Add a key known to be absent (dbAdd). */
  add(key: string, value: Value): number {
    const e = this.dict.insertNew(key, value);
    if (this.observer !== null) this.observer.added(this, e);
    this.host.touch(this, e, true);
    if (!this.touched.has(key)) this.usedBytes += keyMemoryUsage(key, value);
    this.host.keyModified(this, key);
    this.host.keyAdded(this, key);
    this.host.notify(NOTIFY_NEW, 'new', key, this.id);
    return e;
  }

  /** Replace the value of an existing key keeping its TTL (dbOverwrite). */
  overwrite(key: string, value: Value): void {
    this.set(key, value, true);
  }

  /** Delete a key; false when it did not exist. */
  delete(key: string): boolean {
    const e = this.findLive(key);
    if (e < 0) return false;
    const old = this.dict.valueAt(e);
    if (!this.touched.has(key)) this.usedBytes -= keyMemoryUsage(key, old);
    this.dict.removeAt(e);
    this.streamGone(key, old);
    this.host.keyModified(this, key);
    return true;
  }

  /**
   * signalDeletedKeyAsReady: a stream left the key (deleted, expired or
   * overwritten), so clients blocked on it in XREADGROUP get their error.
   */
  private streamGone(key: string, old: Value): void {
    if (!isString(old) && old.type === 'stream') this.host.keyAdded(this, key);
  }

  /** Record that a value handed out by lookupWrite was changed in place. */
  changed(key: string): void {
    this.host.keyModified(this, key);
  }

  /** Remove every key; returns how many there were. */
  flush(): number {
    const n = this.dict.size;
    if (this.observer !== null) this.observer.beforeFlush(this);
    this.dict.clear();
    this.usedBytes = 0;
    this.touched.clear();
    return n;
  }

  /** Settle the memory accounting of values changed in place by the last command. */
  settle(): void {
    const t = this.touched;
    const n = t.size;
    if (n === 0) return;
    const d = this.dict;
    for (let i = 0; i < n; i++) {
      const key = t.keys[i];
      // Usually the entry is where it was, holding the same (changed) value.
      let e = t.entries[i];
      if (e >= d.size || d.keyAt(e) !== key) e = d.find(key);
      if (e < 0) {
        this.usedBytes -= t.befores[i] + keyOverhead(key); // deleted: its whole recorded size goes
      } else this.usedBytes += valueMemoryUsage(d.valueAt(e)) - t.befores[i];
    }
    t.clear();
  }

  get hasUnsettled(): boolean {
    return this.touched.size !== 0;
  }

  // ---- expiry -----------------------------------------------------------------

  /** Absolute expiry in ms of a live key, 0 if none, -1 if missing. */
  getExpire(key: string): number {
    const e = this.findLive(key);
    if (e < 0) return -1;
    return this.dict.getExpire(e);
  }

  /** Set an absolute expiry (ms) on an existing key; 0 removes it. */
  setExpire(key: string, at: number): boolean {
    const e = this.findLive(key);
    if (e < 0) return false;
    this.dict.setExpire(e, at);
    return true;
  }

  /**
   * Random live key (RANDOMKEY), or null. As dbRandomKey: expired keys met on
   * the way are deleted, so the loop ends. Only when they cannot be deleted
   * (expiry frozen, e.g. a replica) and every key has a TTL, it gives up after
   * 100 tries and returns a key that may be logically expired.
   */
  randomKey(): string | null {
    const d = this.dict;
    const allVolatile = d.size === d.volatileSize;
    for (let tries = 100; d.size > 0; ) {
      const e = d.randomEntry();
      const key = d.keyAt(e);
      if (d.getExpire(e) === 0) return key;
      if (this.host.expiryFrozen && allVolatile && --tries === 0) return key;
      if (this.findLive(key) >= 0) return key;
    }
    return null;
  }

  /**
   * SWAPDB: exchange the data (table, TTLs, memory count) with another
   * database. Clients, blocked clients and WATCHed keys stay with their
   * database number, as in Redis; the caller signals them.
   */
  swapData(other: Database): void {
    this.settle();
    other.settle();
    const d = this.dict;
    this.dict = other.dict;
    other.dict = d;
    const u = this.usedBytes;
    this.usedBytes = other.usedBytes;
    other.usedBytes = u;
  }
}

/** Keyspace notification classes (notify-keyspace-events letters). */
export const NOTIFY_KEYSPACE = 1 << 0; // K
export const NOTIFY_KEYEVENT = 1 << 1; // E
export const NOTIFY_GENERIC = 1 << 2; // g
export const NOTIFY_STRING = 1 << 3; // $
export const NOTIFY_LIST = 1 << 4; // l
export const NOTIFY_SET = 1 << 5; // s
export const NOTIFY_HASH = 1 << 6; // h
export const NOTIFY_ZSET = 1 << 7; // z
export const NOTIFY_EXPIRED = 1 << 8; // x
export const NOTIFY_EVICTED = 1 << 9; // e
export const NOTIFY_STREAM = 1 << 10; // t
export const NOTIFY_KEY_MISS = 1 << 11; // m
export const NOTIFY_LOADED = 1 << 12; // module only
export const NOTIFY_MODULE = 1 << 13; // d
export const NOTIFY_NEW = 1 << 14; // n
export const NOTIFY_ALL =
  NOTIFY_GENERIC | NOTIFY_STRING | NOTIFY_LIST | NOTIFY_SET | NOTIFY_HASH | NOTIFY_ZSET | NOTIFY_EXPIRED | NOTIFY_EVICTED | NOTIFY_STREAM | NOTIFY_MODULE; // A

/**
 * Keys a command changes in place, with their entry index and value size
 * before the change. Commands touch a handful: a linear scan beats a Map
 * until there are many.
 */
class TouchedKeys {
  keys: string[] = [];
  entries: number[] = [];
  befores: number[] = [];
  size = 0;
  private index: Map<string, number> | null = null;

  has(key: string): boolean {
    if (this.index !== null) return this.index.has(key);
    const keys = this.keys;
    for (let i = 0; i < this.size; i++) if (keys[i] === key) return true;
    return false;
  }

  add(key: string, e: number, before: number): void {
    const i = this.size++;
    this.keys[i] = key;
    this.entries[i] = e;
    this.befores[i] = before;
    if (this.index !== null) this.index.set(key, i);
    else if (this.size > 8) {
      this.index = new Map();
      for (let j = 0; j < this.size; j++) this.index.set(this.keys[j], j);
    }
  }

  clear(): void {
    this.size = 0;
    this.index = null;
    if (this.keys.length > 64) {
      this.keys = [];
      this.entries = [];
      this.befores = [];
    }
  }
}

/** The part of keyMemoryUsage that is not the value: the key's sds and its dict entry. */
function keyOverhead(key: string): number {
  return keyMemoryUsage(key, '') - valueMemoryUsage('');
}
