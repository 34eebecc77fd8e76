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
  keys: string[] = [];
  values: V[] = [];
  private hashes: Uint32Array;
  private next: Int32Array;
  /** LRU clock (seconds, 24 bits as Redis) or LFU counter packed by the caller. */
  lru: Uint32Array;
  /** Absolute expiry in ms, 0 for none; allocated on first use. */
  private expires: Float64Array | null = null;
  /** Dense list of entry indexes that have an expiry, and each entry's place in it. */
  private volatile: Int32Array | null = null;
  private volatilePos: Int32Array | null = null;
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
    this.hashes = new Uint32Array(cap);
    this.next = new Int32Array(cap);
    this.lru = new Uint32Array(cap);
    this.table0 = new Int32Array(cap).fill(NONE);
  }

  get volatileSize(): number {
    return this.volatileCount;
  }

  get rehashing(): boolean {
    return this.rehashIdx !== -1;
  }

  /** Entry index of key, or -1. */
  find(key: string): number {
    if (this.size === 0) return NONE;
    if (this.rehashIdx !== -1) this.rehashStep();
    const h = hashKey(key);
    let t = this.table0;
    for (let pass = 0; pass < 2; pass++) {
      let e = t[h & (t.length - 1)];
      while (e !== NONE) {
        if (this.hashes[e] === h && this.keys[e] === key) return e;
        e = this.next[e];
      }
      if (this.table1 === null) break;
      t = this.table1;
    }
    return NONE;
  }

  get(key: string): V | undefined {
    const e = this.find(key);
    return e === NONE ? undefined : this.values[e];
  }

  /**
   * Insert key or overwrite its value. Returns the entry index. Overwriting
   * keeps the expiry; callers that want Redis's SET semantics clear it.
   */
  set(key: string, value: V): number {
    const e = this.find(key);
    if (e !== NONE) {
      this.values[e] = value;
      return e;
    }
    return this.insertNew(key, value, hashKey(key));
  }

  /** Insert a key known to be absent. */
  insertNew(key: string, value: V, h = hashKey(key)): number {
    this.expandIfNeeded();
    const e = this.size;
    if (e === this.hashes.length) this.growEntries();
    this.keys.push(key);
    this.values.push(value);
    this.hashes[e] = h;
    this.lru[e] = 0;
    if (this.expires !== null) {
      this.expires[e] = 0;
      this.volatilePos![e] = NONE;
    }
    const t = this.table1 ?? this.table0;
    const b = h & (t.length - 1);
    this.next[e] = t[b];
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
    this.unlink(e, this.hashes[e]);
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
      const h = this.hashes[last];
      const [t, b] = this.bucketOf(h, last);
      if (t[b] === last) t[b] = e;
      else {
        let p = t[b];
        while (this.next[p] !== last) p = this.next[p];
        this.next[p] = e;
      }
      this.keys[e] = this.keys[last];
      this.values[e] = this.values[last];
      this.hashes[e] = h;
      this.next[e] = this.next[last];
      this.lru[e] = this.lru[last];
      if (this.expires !== null) {
        this.expires[e] = this.expires[last];
        const vp = this.volatilePos![last];
        this.volatilePos![e] = vp;
        if (vp !== NONE) this.volatile![vp] = e;
      }
      if (this.onMove !== null) this.onMove(last, e);
    }
    this.keys.pop();
    this.values.pop();
    this.size--;
    this.shrinkIfNeeded();
  }

  /** Remove every entry. */
  clear(): void {
    this.keys = [];
    this.values = [];
    this.size = 0;
    this.hashes = new Uint32Array(16);
    this.next = new Int32Array(16);
    this.lru = new Uint32Array(16);
    this.expires = null;
    this.volatile = null;
    this.volatilePos = null;
    this.volatileCount = 0;
    this.bigExpires = null;
    this.table0 = new Int32Array(MIN_BUCKETS).fill(NONE);
    this.table1 = null;
    this.rehashIdx = -1;
  }

  /** Make room for n entries at once (DEBUG POPULATE, RDB load). */
  reserve(n: number): void {
    while (this.hashes.length < n) this.growEntries();
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
      this.volatilePos![e] = vp;
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
    const cap = this.hashes.length;
    this.expires = new Float64Array(cap);
    this.volatile = new Int32Array(cap);
    this.volatilePos = new Int32Array(cap).fill(NONE);
  }

  private dropVolatile(e: number): void {
    const vp = this.volatilePos![e];
    const lastVp = --this.volatileCount;
    if (vp !== lastVp) {
      const moved = this.volatile![lastVp];
      this.volatile![vp] = moved;
      this.volatilePos![moved] = vp;
    }
    this.volatilePos![e] = NONE;
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
      e = this.next[e];
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
        p = this.next[p];
      }
      return [this.table1, h & (this.table1.length - 1)];
    }
    return [this.table0, h & (this.table0.length - 1)];
  }

  private unlink(e: number, h: number): void {
    const [t, b] = this.bucketOf(h, e);
    if (t[b] === e) {
      t[b] = this.next[e];
      return;
    }
    let p = t[b];
    while (this.next[p] !== e) p = this.next[p];
    this.next[p] = this.next[e];
  }

  private growEntries(): void {
    const cap = this.hashes.length * 2;
    this.hashes = growU32(this.hashes, cap);
    this.next = growI32(this.next, cap);
    this.lru = growU32(this.lru, cap);
    if (this.expires !== null) {
      const ex = new Float64Array(cap);
      ex.set(this.expires);
      this.expires = ex;
      this.volatile = growI32(this.volatile!, cap);
      const vp = new Int32Array(cap).fill(NONE);
      vp.set(this.volatilePos!);
      this.volatilePos = vp;
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
    const cap = this.hashes.length;
    if (cap > 64 && this.size * 4 < cap) this.shrinkEntries(Math.max(16, nextPow2(this.size * 2)));
  }

  private shrinkEntries(cap: number): void {
    this.hashes = this.hashes.slice(0, cap);
    this.next = this.next.slice(0, cap);
    this.lru = this.lru.slice(0, cap);
    if (this.expires !== null) {
      this.expires = this.expires.slice(0, cap);
      this.volatile = this.volatile!.slice(0, cap);
      this.volatilePos = this.volatilePos!.slice(0, cap);
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
      let e = t0[this.rehashIdx];
      while (e !== NONE) {
        const nx = this.next[e];
        const b = this.hashes[e] & m1;
        this.next[e] = t1[b];
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
        if (b >= from) for (let e = t[b]; e !== NONE; e = this.next[e]) len++;
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

function growU32(a: Uint32Array, cap: number): Uint32Array {
  const b = new Uint32Array(cap);
  b.set(a);
  return b;
}

function growI32(a: Int32Array, cap: number): Int32Array {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}
