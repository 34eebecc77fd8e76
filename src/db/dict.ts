/**
 * The keyspace hash table.
 *
 * A JS Map cannot do what Redis's keyspace must: resume a SCAN from a plain
 * number with Redis's guarantee, pick a uniformly random key in O(1) for
 * eviction and active expiry, or let a snapshot walk the table while clients
 * write. So the table is written out here:
 *
 * - Entries live in dense parallel arrays (keys, values, hashes, next, lru and
 *   expiry), indexed by an entry number 0..size-1. Deleting moves the last entry
 *   into the hole, so the arrays stay dense and a random entry is one
 *   Math.random() away.
 * - Buckets are chains through `next`, headed from a power-of-two Int32Array.
 *   Growing or shrinking builds a second bucket array and moves a few buckets
 *   per operation (incremental rehash, as Redis does), so no single command pays
 *   for a whole resize.
 * - SCAN walks buckets in reverse-binary cursor order over both bucket arrays,
 *   which is what makes Redis's guarantee hold across resizes.
 *
 * Keys are latin1 strings (one char per byte, so binary-safe). Values are
 * opaque to the table.
 */

const NONE = -1;
/** Int32 slots per entry in `meta`: hash, next in chain, LRU/LFU mark, place in the volatile list. */
const META = 4;
const M_NEXT = 1;
const M_LRU = 2;
const M_VPOS = 3;
const MIN_BUCKETS = 4;
/** Buckets moved per write while a rehash is under way. */
const REHASH_STEP = 1;
/** Empty buckets visited at most per rehash step before giving up. */
const REHASH_EMPTY_VISITS = 10;

let hashSeed = (Math.random() * 0x100000000) >>> 0;

/** Fixes the hash seed (tests that want reproducible SCAN cursors use it). */
export function setHashSeed(seed: number): void {
  hashSeed = seed >>> 0;
}

/** 32-bit hash of a latin1 string: FNV-1a style mixing with a murmur3 finish. */
export function hashKey(key: string): number {
  let h = hashSeed ^ key.length;
  for (let i = 0; i < key.length; i++) {
    h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function rev(v: number): number {
  // Reverse the 32 bits of v (for the SCAN cursor).
  v = ((v >>> 1) & 0x55555555) | ((v & 0x55555555) << 1);
  v = ((v >>> 2) & 0x33333333) | ((v & 0x33333333) << 2);
  v = ((v >>> 4) & 0x0f0f0f0f) | ((v & 0x0f0f0f0f) << 4);
  v = ((v >>> 8) & 0x00ff00ff) | ((v & 0x00ff00ff) << 8);
  v = (v >>> 16) | (v << 16);
  return v >>> 0;
}

/** Observer told when an entry changes its index (swap-remove); used by snapshots. */
export interface DictMoveListener {
  (from: number, to: number): void;
}

export class Dict<V> {
  /**
   * Keys and values interleaved (kv[2e] is entry e's key, kv[2e+1] its value),
   * and per-entry integers interleaved in `meta` (META slots per entry: hash,
   * chain link, LRU/LFU mark, place in the volatile list): a lookup touches
   * one cache line of each instead of one per field.
   */
  private kv: unknown[] = [];
  private meta: Int32Array;
  /** Absolute expiry in ms, 0 for none; allocated on first use. */
  private expires: Float64Array | null = null;
  /** Dense list of entry indexes that have an expiry (each entry's place is in meta). */
  private volatile: Int32Array | null = null;
  private volatileCount = 0;
  /**
   * Expiries past 2^53 ms (PEXPIREAT up to LLONG_MAX is legal), kept exact by
   * entry index; `expires` holds them rounded, which is all the hot paths need.
   */
  private bigExpires: Map<number, bigint> | null = null;

  private table0: Int32Array;
  private table1: Int32Array | null = null;
  /** Next bucket of table0 to move into table1; -1 when no rehash is under way. */
  private rehashIdx = -1;
  /** Number of live SCAN-style safe iterations; rehash pauses while any run. */
  private pauseRehash = 0;

  size = 0;
  onMove: DictMoveListener | null = null;

  constructor(initialCapacity = 16) {
    const cap = Math.max(MIN_BUCKETS, nextPow2(initialCapacity));
    this.meta = new Int32Array(cap * META);
    this.table0 = new Int32Array(cap).fill(NONE);
  }

  /** Entries the arrays hold room for. */
  private get capacity(): number {
    return this.meta.length / META;
  }

  get volatileSize(): number {
    return this.volatileCount;
  }

  get rehashing(): boolean {
    return this.rehashIdx !== -1;
  }

  // ---- entries by index (0..size-1) -------------------------------------------

  keyAt(e: number): string {
    return this.kv[2 * e] as string;
  }

  valueAt(e: number): V {
    return this.kv[2 * e + 1] as V;
  }

  setValueAt(e: number, v: V): void {
    this.kv[2 * e + 1] = v;
  }

  /** LRU clock (seconds, 24 bits as Redis) or LFU counter packed by the caller. */
  lruAt(e: number): number {
    return this.meta[e * META + M_LRU] >>> 0;
  }

  setLru(e: number, v: number): void {
    this.meta[e * META + M_LRU] = v;
  }

  /** Entry index of key, or -1. */
  find(key: string): number {
    if (this.size === 0) {
      this.lastKey = null;
      return NONE;
    }
    if (this.rehashIdx !== -1) this.rehashStep();
    const h = hashKey(key) | 0;
    this.lastKey = key;
    this.lastHash = h;
    const meta = this.meta, kv = this.kv;
    let t = this.table0;
    for (let pass = 0; pass < 2; pass++) {
      let e = t[h & (t.length - 1)];
      while (e !== NONE) {
        const m = e * META;
        if (meta[m] === h && kv[2 * e] === key) return e;
        e = meta[m + M_NEXT];
      }
      if (this.table1 === null) break;
      t = this.table1;
    }
    return NONE;
  }

  get(key: string): V | undefined {
    const e = this.find(key);
    return e === NONE ? undefined : this.valueAt(e);
  }

  /**
   * Insert key or overwrite its value. Returns the entry index. Overwriting
   * keeps the expiry; callers that want Redis's SET semantics clear it.
   */
  set(key: string, value: V): number {
    const e = this.find(key);
    if (e !== NONE) {
      this.setValueAt(e, value);
      return e;
    }
    return this.insertNew(key, value, hashKey(key));
  }

  /** The key of the last find() and its hash: an insert after a miss needs not hash again. */
  private lastKey: string | null = null;
  private lastHash = 0;

  /** Insert a key known to be absent. */
  insertNew(key: string, value: V, h = key === this.lastKey ? this.lastHash : hashKey(key)): number {
    this.expandIfNeeded();
    const e = this.size;
    if (e === this.capacity) this.growEntries(this.capacity * 2);
    this.kv.push(key, value);
    const m = e * META;
    const meta = this.meta;
    meta[m] = h | 0;
    meta[m + M_LRU] = 0;
    meta[m + M_VPOS] = NONE;
    if (this.expires !== null) this.expires[e] = 0;
    const t = this.table1 ?? this.table0;
    const b = h & (t.length - 1);
    meta[m + M_NEXT] = t[b];
    t[b] = e;
    this.size++;
    return e;
  }

  delete(key: string): boolean {
    const e = this.find(key);
    if (e === NONE) return false;
    this.removeAt(e);
    return true;
  }

  /** Remove the entry at index e, moving the last entry into its place. */
  removeAt(e: number): void {
    const meta = this.meta;
    this.unlink(e, meta[e * META]);
    if (this.expires !== null && this.expires[e] !== 0) this.dropVolatile(e);
    const last = this.size - 1;
    if (this.bigExpires !== null) {
      this.bigExpires.delete(e);
      const b = this.bigExpires.get(last);
      if (b !== undefined) {
        this.bigExpires.delete(last);
        this.bigExpires.set(e, b);
      }
    }
    if (e !== last) {
      // Re-point whatever referenced `last` at e.
      const lm = last * META;
      const h = meta[lm];
      const [t, b] = this.bucketOf(h, last);
      if (t[b] === last) t[b] = e;
      else {
        let p = t[b];
        while (meta[p * META + M_NEXT] !== last) p = meta[p * META + M_NEXT];
        meta[p * META + M_NEXT] = e;
      }
      const kv = this.kv;
      kv[2 * e] = kv[2 * last];
      kv[2 * e + 1] = kv[2 * last + 1];
      meta.copyWithin(e * META, lm, lm + META);
      if (this.expires !== null) {
        this.expires[e] = this.expires[last];
        const vp = meta[e * META + M_VPOS];
        if (vp !== NONE) this.volatile![vp] = e;
      }
      if (this.onMove !== null) this.onMove(last, e);
    }
    this.kv.length = 2 * last;
    this.size--;
    this.shrinkIfNeeded();
  }

  /** Remove every entry. */
  clear(): void {
    this.kv = [];
    this.size = 0;
    this.meta = new Int32Array(16 * META);
    this.expires = null;
    this.volatile = null;
    this.volatileCount = 0;
    this.bigExpires = null;
    this.table0 = new Int32Array(MIN_BUCKETS).fill(NONE);
    this.table1 = null;
    this.rehashIdx = -1;
  }

  /** Make room for n entries at once (DEBUG POPULATE, RDB load). */
  reserve(n: number): void {
    if (this.capacity < n) this.growEntries(nextPow2(n));
    if (this.rehashIdx === -1 && this.table0.length < n) this.startRehash(nextPow2(n));
  }

  // ---- expiry -------------------------------------------------------------

  getExpire(e: number): number {
    return this.expires === null ? 0 : this.expires[e];
  }

  /** Set the absolute expiry (ms) of entry e; 0 removes it. */
  setExpire(e: number, at: number): void {
    if (this.bigExpires !== null) this.bigExpires.delete(e);
    if (at === 0) {
      if (this.expires !== null && this.expires[e] !== 0) {
        this.dropVolatile(e);
        this.expires[e] = 0;
      }
      return;
    }
    if (this.expires === null) this.allocExpires();
    if (this.expires![e] === 0) {
      const vp = this.volatileCount++;
      this.volatile![vp] = e;
      this.meta[e * META + M_VPOS] = vp;
    }
    this.expires![e] = at;
  }

  /** The exact expiry of entry e: a bigint only past 2^53 ms, else as getExpire. */
  getExpireExact(e: number): number | bigint {
    if (this.bigExpires !== null) {
      const b = this.bigExpires.get(e);
      if (b !== undefined) return b;
    }
    return this.getExpire(e);
  }

  /** setExpire with an exact value (EXPIRE family, RENAME, MOVE, COPY). */
  setExpireExact(e: number, at: number | bigint): void {
    if (typeof at === 'number') {
      this.setExpire(e, at);
      return;
    }
    this.setExpire(e, Number(at));
    if (at > 9007199254740991n) (this.bigExpires ??= new Map()).set(e, at);
  }

  /** A uniformly random entry index that has an expiry, or -1. */
  randomVolatile(): number {
    if (this.volatileCount === 0) return NONE;
    return this.volatile![(Math.random() * this.volatileCount) | 0];
  }

  /** A uniformly random entry index, or -1. */
  randomEntry(): number {
    if (this.size === 0) return NONE;
    return (Math.random() * this.size) | 0;
  }

  private allocExpires(): void {
    const cap = this.capacity;
    this.expires = new Float64Array(cap);
    this.volatile = new Int32Array(cap);
  }

  private dropVolatile(e: number): void {
    const meta = this.meta;
    const vp = meta[e * META + M_VPOS];
    const lastVp = --this.volatileCount;
    if (vp !== lastVp) {
      const moved = this.volatile![lastVp];
      this.volatile![vp] = moved;
      meta[moved * META + M_VPOS] = vp;
    }
    meta[e * META + M_VPOS] = NONE;
  }

  // ---- SCAN ---------------------------------------------------------------

  /**
   * Visit the entries of the bucket(s) at `cursor` and return the next cursor
   * (0 when done), with Redis's guarantee: an entry present from the first to
   * the last call is visited at least once, across any resize in between.
   */
  scan(cursor: number, visit: (e: number) => void): number {
    if (this.size === 0) return 0;
    // Visiting must not reorder chains under us.
    this.pauseRehash++;
    try {
      let v = cursor >>> 0;
      if (this.table1 === null) {
        const m = this.table0.length - 1;
        this.visitChain(this.table0[v & m], visit);
        v |= ~m;
        v = rev(v);
        v = (v + 1) >>> 0;
        v = rev(v);
      } else {
        let small = this.table0, large = this.table1;
        if (small.length > large.length) [small, large] = [large, small];
        const m0 = small.length - 1, m1 = large.length - 1;
        this.visitChain(small[v & m0], visit);
        // Then every bucket of the larger table that expands from it.
        do {
          this.visitChain(large[v & m1], visit);
          v |= ~m1;
          v = rev(v);
          v = (v + 1) >>> 0;
          v = rev(v);
        } while (v & (m0 ^ m1));
      }
      return v;
    } finally {
      this.pauseRehash--;
    }
  }

  /** The visitor must not change the table: collect keys, act on them after. */
  private visitChain(e: number, visit: (e: number) => void): void {
    while (e !== NONE) {
      visit(e);
      e = this.meta[e * META + M_NEXT];
    }
  }

  // ---- internals ----------------------------------------------------------

  private bucketOf(h: number, e: number): [Int32Array, number] {
    // Which table holds entry e: table0 buckets below rehashIdx have moved to table1.
    if (this.table1 !== null) {
      const b0 = h & (this.table0.length - 1);
      if (b0 < this.rehashIdx) return [this.table1, h & (this.table1.length - 1)];
      // Not yet moved, unless inserted directly into table1 during the rehash.
      let p = this.table0[b0];
      while (p !== NONE) {
        if (p === e) return [this.table0, b0];
        p = this.meta[p * META + M_NEXT];
      }
      return [this.table1, h & (this.table1.length - 1)];
    }
    return [this.table0, h & (this.table0.length - 1)];
  }

  private unlink(e: number, h: number): void {
    const meta = this.meta;
    const [t, b] = this.bucketOf(h, e);
    if (t[b] === e) {
      t[b] = meta[e * META + M_NEXT];
      return;
    }
    let p = t[b];
    while (meta[p * META + M_NEXT] !== e) p = meta[p * META + M_NEXT];
    meta[p * META + M_NEXT] = meta[e * META + M_NEXT];
  }

  private growEntries(cap: number): void {
    const meta = new Int32Array(cap * META);
    meta.set(this.meta);
    this.meta = meta;
    if (this.expires !== null) {
      const ex = new Float64Array(cap);
      ex.set(this.expires);
      this.expires = ex;
      const vol = new Int32Array(cap);
      vol.set(this.volatile!);
      this.volatile = vol;
    }
  }

  private expandIfNeeded(): void {
    if (this.rehashIdx !== -1) {
      this.rehashStep();
      return;
    }
    if (this.size + 1 > this.table0.length) this.startRehash(this.table0.length * 2);
  }

  private shrinkIfNeeded(): void {
    if (this.rehashIdx !== -1) {
      this.rehashStep();
      return;
    }
    const n = this.table0.length;
    // Shrink when under 10% full, as Redis's htNeedsResize.
    if (n > MIN_BUCKETS && this.size * 10 < n) {
      this.startRehash(Math.max(MIN_BUCKETS, nextPow2(this.size)));
    }
    // Entry arrays shrink too, so a flushed big table gives memory back.
    const cap = this.capacity;
    if (cap > 64 && this.size * 4 < cap) this.shrinkEntries(Math.max(16, nextPow2(this.size * 2)));
  }

  private shrinkEntries(cap: number): void {
    this.meta = this.meta.slice(0, cap * META);
    if (this.expires !== null) {
      this.expires = this.expires.slice(0, cap);
      this.volatile = this.volatile!.slice(0, cap);
    }
  }

  private startRehash(buckets: number): void {
    if (buckets === this.table0.length) return;
    this.table1 = new Int32Array(buckets).fill(NONE);
    this.rehashIdx = 0;
    this.rehashStep();
  }

  /** Move a few buckets of table0 into table1; finish when all have moved. */
  rehashStep(steps = REHASH_STEP): void {
    if (this.rehashIdx === -1 || this.pauseRehash > 0) return;
    const t0 = this.table0, t1 = this.table1!;
    const m1 = t1.length - 1;
    let emptyVisits = steps * REHASH_EMPTY_VISITS;
    while (steps-- > 0 && this.rehashIdx < t0.length) {
      while (this.rehashIdx < t0.length && t0[this.rehashIdx] === NONE) {
        this.rehashIdx++;
        if (--emptyVisits === 0) break;
      }
      if (this.rehashIdx >= t0.length) break;
      const meta = this.meta;
      let e = t0[this.rehashIdx];
      while (e !== NONE) {
        const m = e * META;
        const nx = meta[m + M_NEXT];
        const b = meta[m] & m1;
        meta[m + M_NEXT] = t1[b];
        t1[b] = e;
        e = nx;
      }
      t0[this.rehashIdx] = NONE;
      this.rehashIdx++;
    }
    if (this.rehashIdx >= t0.length) {
      this.table0 = t1;
      this.table1 = null;
      this.rehashIdx = -1;
    }
  }

  /** Rehash for up to `ms` milliseconds (the cron's activerehashing). */
  rehashFor(ms: number): void {
    const until = Date.now() + ms;
    while (this.rehashIdx !== -1 && Date.now() < until) this.rehashStep(100);
  }

  /**
   * Chain statistics of each bucket array (DEBUG HTSTATS): table size, and
   * how many buckets hold chains of each length. table1 only while rehashing.
   */
  chainStats(): { size: number; chains: number[] }[] {
    const out: { size: number; chains: number[] }[] = [];
    for (const t of this.table1 === null ? [this.table0] : [this.table0, this.table1]) {
      const chains: number[] = [];
      const from = t === this.table0 && this.table1 !== null ? Math.max(0, this.rehashIdx) : 0;
      for (let b = 0; b < t.length; b++) {
        let len = 0;
        if (b >= from) for (let e = t[b]; e !== NONE; e = this.meta[e * META + M_NEXT]) len++;
        chains[len] = (chains[len] ?? 0) + 1;
      }
      out.push({ size: t.length, chains });
    }
    return out;
  }

  /** Bucket count of the main table (DEBUG HTSTATS-style introspection). */
  get bucketCount(): number {
    return this.table0.length + (this.table1 === null ? 0 : this.table1.length);
  }
}

function nextPow2(n: number): number {
  let p = MIN_BUCKETS;
  while (p < n) p *= 2;
  return p;
}
