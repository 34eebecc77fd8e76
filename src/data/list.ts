/**
 * The list type: a double-ended sequence of latin1 strings.
 *
 * Representation (two shapes, switched by length):
 *
 *  - flat: up to FLAT_MAX elements in one dense JS array, head first. Pushes
 *    and pops at the head are array unshift/shift, a memmove of at most
 *    FLAT_MAX pointers, which is what Redis's listpack does too. A small list
 *    costs one object and one short array.
 *
 *  - chunked: a deque of fixed-size chunks (CHUNK = 256 slots) reached
 *    through a chunk map, in the manner of a block deque. Element i lives at
 *    the virtual position p = off + i: chunk map[p >>> 8], slot p & 255. Every
 *    chunk between the first and the last is full, so index access (LINDEX,
 *    LSET, LRANGE's start) is O(1) at any position, pushes and pops at both
 *    ends are O(1) (a chunk is allocated or released every 256 operations, and
 *    the map is re-centred or doubled when one end runs out of slots, which is
 *    amortised O(1/256) per operation), and nothing ever copies the whole list
 *    (no latency spike on growth, unlike a single ring buffer).
 *    Insertion or removal in the middle shifts the elements on the shorter
 *    side: O(min(i, n - i)).
 *
 * A list becomes chunked when it grows past FLAT_MAX and goes back to flat
 * when it shrinks to FLAT_MIN or below (the gap avoids thrashing).
 *
 * Memory accounting follows Redis 7.0's quicklist: a list is a chain of
 * listpack nodes of at most list-max-listpack-size (-2: 8 KB) each. The list
 * keeps the sum of its elements' listpack entry sizes and of quicklist's own
 * per-insert size estimate, from which memoryUsage() derives the node count
 * and node sizes in O(1) (exact for single-node lists, an estimate beyond,
 * as Redis's MEMORY USAGE itself samples nodes).
 */
import type { Container } from '../db/values';
import { allocSize } from '../db/memory';

const SHIFT = 8;
const CHUNK = 1 << SHIFT;
const MASK = CHUNK - 1;
/** Longest list kept flat. */
const FLAT_MAX = 128;
/** A chunked list shrinking to this length becomes flat again. */
const FLAT_MIN = 32;

/** robj + quicklist struct, and one quicklistNode (Redis 7.0, 64-bit). */
const ROBJ = 16;
const QUICKLIST = 40;
const QL_NODE = 40;
/** listpack header (total bytes + count) and end byte. */
const LP_HEADER = 7;

type Chunk = (string | undefined)[];
const NO_CHUNKS: (Chunk | undefined)[] = [];

export class ListValue implements Container {
  /**
   * Elements moved by middle insertions and removals since start (shows in
   * tests that they shift the shorter side only).
   */
  static moves = 0;
  /** On the prototype: one field less per list. */
  get type(): 'list' {
    return 'list';
  }
  /** list-max-listpack-size when the list was created (quicklist fill). */
  fill: number;
  /** Flat shape: the elements, head first; null when chunked. */
  private flat: string[] | null = null;
  /** Chunked shape: chunk slots. */
  private map: (Chunk | undefined)[] = NO_CHUNKS;
  /** Chunked shape: virtual position of element 0. */
  private off = 0;
  private n = 0;
  /** Sum of the listpack entry sizes of the elements. */
  private lpBytes = 0;
  /** Sum of quicklist's insert size estimates (string length + overhead). */
  private estBytes = 0;
  /**
   * The last push was at the head: Redis's partly filled node is then the
   * head node (the first MEMORY USAGE samples), else the tail node.
   */
  private grewAtHead = false;

  /** A list holding items, head first (RESTORE and RDB loading build lists this way). */
  constructor(items?: readonly string[], fill = -2) {
    this.fill = fill;
    if (items === undefined || items.length === 0) {
      this.flat = [];
      return;
    }
    this.fillFrom(items.length <= FLAT_MAX ? items.slice() : items);
  }

  /**
   * A list that takes ownership of items (no copy). A list built in one go is
   * also more compact than one pushed element by element: its array has no
   * growth slack. pushedAtHead: the items came from head pushes (LPUSH), for
   * the memory model.
   */
  static adopt(items: string[], fill = -2, pushedAtHead = false): ListValue {
    const l = new ListValue(undefined, fill);
    if (items.length > 0) l.fillFrom(items);
    l.grewAtHead = pushedAtHead;
    return l;
  }

  /** Set up a new list from items (owned when at most FLAT_MAX, else copied into chunks). */
  private fillFrom(items: string[] | readonly string[]): void {
    let lp = 0;
    let est = 0;
    for (let i = 0; i < items.length; i++) {
      const s = items[i];
      lp += lpEntrySize(s);
      est += insertEstimate(s.length);
    }
    this.lpBytes = lp;
    this.estBytes = est;
    this.n = items.length;
    if (items.length <= FLAT_MAX) this.flat = items as string[];
    else {
      this.flat = null;
      this.buildChunked(items);
    }
  }

  static from(items: readonly string[], fill = -2): ListValue {
    return new ListValue(items, fill);
  }

  get length(): number {
    return this.n;
  }

  encoding(): string {
    return 'quicklist';
  }

  // ---- element access ---------------------------------------------------------

  /** Element at index i (0 <= i < length). */
  get(i: number): string {
    const f = this.flat;
    if (f !== null) return f[i];
    const p = this.off + i;
    return this.map[p >>> SHIFT]![p & MASK]!;
  }

  /** Replace the element at index i (0 <= i < length). */
  set(i: number, v: string): void {
    const old = this.get(i);
    this.lpBytes += lpEntrySize(v) - lpEntrySize(old);
    this.estBytes += insertEstimate(v.length) - insertEstimate(old.length);
    this.put(i, v);
  }

  private put(i: number, v: string): void {
    const f = this.flat;
    if (f !== null) {
      f[i] = v;
      return;
    }
    const p = this.off + i;
    this.map[p >>> SHIFT]![p & MASK] = v;
  }

  // ---- ends ---------------------------------------------------------------------

  pushTail(v: string): void {
    this.grewAtHead = false;
    this.lpBytes += lpEntrySize(v);
    this.estBytes += insertEstimate(v.length);
    const f = this.flat;
    if (f !== null) {
      if (this.n < FLAT_MAX) {
        f.push(v);
        this.n++;
        return;
      }
      this.toChunked();
    }
    this.rawPushTail(v);
  }

  pushHead(v: string): void {
    this.grewAtHead = true;
    this.lpBytes += lpEntrySize(v);
    this.estBytes += insertEstimate(v.length);
    const f = this.flat;
    if (f !== null) {
      if (this.n < FLAT_MAX) {
        f.unshift(v);
        this.n++;
        return;
      }
      this.toChunked();
    }
    this.rawPushHead(v);
  }

  /** Remove and return the head element (undefined when empty). */
  popHead(): string | undefined {
    if (this.n === 0) return undefined;
    let v: string;
    const f = this.flat;
    if (f !== null) {
      v = f.shift()!;
      this.n--;
    } else {
      v = this.rawPopHead();
      if (this.n <= FLAT_MIN) this.toFlat();
    }
    this.lpBytes -= lpEntrySize(v);
    this.estBytes -= insertEstimate(v.length);
    return v;
  }

  /** Remove and return the tail element (undefined when empty). */
  popTail(): string | undefined {
    if (this.n === 0) return undefined;
    let v: string;
    const f = this.flat;
    if (f !== null) {
      v = f.pop()!;
      this.n--;
    } else {
      v = this.rawPopTail();
      if (this.n <= FLAT_MIN) this.toFlat();
    }
    this.lpBytes -= lpEntrySize(v);
    this.estBytes -= insertEstimate(v.length);
    return v;
  }

  // ---- middle -------------------------------------------------------------------

  /** Insert v so that it becomes element i (0 <= i <= length). */
  insert(i: number, v: string): void {
    const n = this.n;
    if (i <= 0) return this.pushHead(v);
    if (i >= n) return this.pushTail(v);
    this.lpBytes += lpEntrySize(v);
    this.estBytes += insertEstimate(v.length);
    const f = this.flat;
    if (f !== null) {
      if (n < FLAT_MAX) {
        f.splice(i, 0, v);
        this.n++;
        return;
      }
      this.toChunked();
    }
    ListValue.moves += Math.min(i, n - i);
    if (i < n - i) {
      // Shift the head side one slot towards the head.
      this.rawPushHead(this.get(0));
      for (let j = 1; j < i; j++) this.put(j, this.get(j + 1));
      this.put(i, v);
    } else {
      // Shift the tail side one slot towards the tail.
      this.rawPushTail(this.get(n - 1));
      for (let j = n - 1; j > i; j--) this.put(j, this.get(j - 1));
      this.put(i, v);
    }
  }

  /** Index of the first element equal to v from the head, or -1. */
  indexOf(v: string): number {
    const f = this.flat;
    if (f !== null) return f.indexOf(v);
    const n = this.n;
    for (let i = 0; i < n; i++) if (this.get(i) === v) return i;
    return -1;
  }

  /**
   * LREM: remove elements equal to v, at most `count` of them (0: all),
   * scanning from the head, or from the tail when fromTail. Returns how many
   * were removed. O(n) to find them, then shifts the shorter side.
   */
  removeMatching(v: string, count: number, fromTail: boolean): number {
    const n = this.n;
    const limit = count <= 0 ? Infinity : count;
    // Pass 1: the index range [first, last] holding the k matches to remove.
    let first = -1;
    let last = -1;
    let k = 0;
    if (!fromTail) {
      for (let i = 0; i < n && k < limit; i++) {
        if (this.get(i) === v) {
          if (k === 0) first = i;
          last = i;
          k++;
        }
      }
    } else {
      for (let i = n - 1; i >= 0 && k < limit; i--) {
        if (this.get(i) === v) {
          if (k === 0) last = i;
          first = i;
          k++;
        }
      }
    }
    if (k === 0) return 0;
    const size = lpEntrySize(v);
    const est = insertEstimate(v.length);
    this.lpBytes -= size * k;
    this.estBytes -= est * k;
    // Inside [first, last] every match goes; outside, everything stays.
    const f = this.flat;
    if (f !== null) {
      let w = first;
      for (let r = first; r < n; r++) {
        const e = f[r];
        if (r <= last && e === v) continue;
        f[w++] = e;
      }
      f.length = w;
      this.n = w;
      return k;
    }
    ListValue.moves += Math.min(last, n - first);
    if (last < n - first) {
      // Move the head side towards the tail, then drop k from the head.
      let w = last;
      for (let r = last; r >= 0; r--) {
        const e = this.get(r);
        if (r >= first && e === v) continue;
        this.put(w--, e);
      }
      for (let j = 0; j < k; j++) this.rawPopHead();
    } else {
      let w = first;
      for (let r = first; r < n; r++) {
        const e = this.get(r);
        if (r <= last && e === v) continue;
        this.put(w++, e);
      }
      for (let j = 0; j < k; j++) this.rawPopTail();
    }
    if (this.n <= FLAT_MIN) this.toFlat();
    return k;
  }

  /**
   * Keep only elements start..end (inclusive, 0 <= start <= end < length).
   * Costs O(min(kept, removed)).
   */
  trim(start: number, end: number): void {
    const n = this.n;
    const keep = end - start + 1;
    if (keep >= n) return;
    if (keep <= n - keep) {
      const items = new Array<string>(keep);
      for (let i = 0; i < keep; i++) items[i] = this.get(start + i);
      this.reset(items);
      return;
    }
    for (let i = 0; i < start; i++) this.popHead();
    for (let i = end + 1; i < n; i++) this.popTail();
  }

  /** Remove every element. */
  clear(): void {
    this.reset([]);
  }

  // ---- iteration ----------------------------------------------------------------

  /** Elements head to tail. */
  *[Symbol.iterator](): IterableIterator<string> {
    const n = this.n;
    for (let i = 0; i < n; i++) yield this.get(i);
  }

  forEach(fn: (v: string, i: number) => void): void {
    const n = this.n;
    for (let i = 0; i < n; i++) fn(this.get(i), i);
  }

  toArray(): string[] {
    const f = this.flat;
    if (f !== null) return f.slice();
    const n = this.n;
    const out = new Array<string>(n);
    for (let i = 0; i < n; i++) out[i] = this.get(i);
    return out;
  }

  /** Elements start..end inclusive (indices already in range). */
  slice(start: number, end: number): string[] {
    const out = new Array<string>(Math.max(0, end - start + 1));
    for (let i = start; i <= end; i++) out[i - start] = this.get(i);
    return out;
  }

  clone(): ListValue {
    const l = new ListValue(undefined, this.fill);
    l.n = this.n;
    l.lpBytes = this.lpBytes;
    l.estBytes = this.estBytes;
    l.grewAtHead = this.grewAtHead;
    if (this.flat !== null) l.flat = this.flat.slice();
    else {
      l.flat = null;
      l.off = this.off;
      l.map = this.map.map((ch) => (ch === undefined ? undefined : ch.slice()));
    }
    return l;
  }

  // ---- memory ---------------------------------------------------------------------

  /**
   * MEMORY USAGE of the value as Redis 7.0 computes it for a quicklist:
   * robj + quicklist + (quicklistNode + listpack allocation) per node, the
   * node figure averaged over the first 5 nodes when there are more.
   */
  memoryUsage(): number {
    const n = this.n;
    if (n === 0) return ROBJ + QUICKLIST;
    const perNode = this.perNode();
    if (perNode >= n) return ROBJ + QUICKLIST + QL_NODE + allocSize(LP_HEADER + this.lpBytes);
    const a = this.lpBytes / n; // average entry size in the listpack
    const nodes = Math.ceil(n / perNode);
    const full = QL_NODE + allocSize(Math.round(LP_HEADER + perNode * a));
    const partial = QL_NODE + allocSize(Math.round(LP_HEADER + (n - (nodes - 1) * perNode) * a));
    // Redis: asize += (double)(sum of the first `samples` nodes) / samples * nodes.
    const samples = Math.min(nodes, 5);
    const partialSampled = this.grewAtHead || nodes <= 5;
    const elesize = partialSampled ? (samples - 1) * full + partial : samples * full;
    return ROBJ + QUICKLIST + Math.floor((elesize / samples) * nodes);
  }

  /** How many quicklist nodes Redis would hold for this list (DEBUG OBJECT ql_nodes), estimated. */
  quicklistNodes(): number {
    return this.n === 0 ? 0 : Math.ceil(this.n / this.perNode());
  }

  /** Sum of the elements' listpack entry sizes (node listpacks add 7 bytes each). */
  get listpackBytes(): number {
    return this.lpBytes;
  }

  /** Elements per full node: a node accepts an insert while its size plus quicklist's estimate fits the limit. */
  private perNode(): number {
    const n = this.n;
    const a = this.lpBytes / n;
    const r = this.estBytes / n;
    const fill = this.fill;
    let sizeLimit: number;
    let countLimit = Infinity;
    if (fill < 0) sizeLimit = 4096 * 2 ** (Math.min(-fill, 5) - 1);
    else {
      sizeLimit = 8192; // SIZE_SAFETY_LIMIT
      countLimit = Math.max(1, fill);
    }
    const perNode = Math.max(1, Math.floor((sizeLimit - LP_HEADER - r) / a) + 1);
    return perNode > countLimit ? countLimit : perNode;
  }

  // ---- internals ---------------------------------------------------------------------

  private reset(items: string[]): void {
    this.map = NO_CHUNKS;
    this.off = 0;
    this.n = items.length;
    let lp = 0;
    let est = 0;
    for (let i = 0; i < items.length; i++) {
      lp += lpEntrySize(items[i]);
      est += insertEstimate(items[i].length);
    }
    this.lpBytes = lp;
    this.estBytes = est;
    if (items.length <= FLAT_MAX) this.flat = items;
    else {
      this.flat = null;
      this.buildChunked(items);
    }
  }

  /** Lay items out in a fresh chunk map (n, sums already set). */
  private buildChunked(items: readonly string[]): void {
    const n = items.length;
    const headRoom = CHUNK >> 1;
    const chunks = Math.ceil((headRoom + n) / CHUNK);
    const len = Math.max(8, chunks * 2 + 4);
    const map = new Array<Chunk | undefined>(len);
    const s = (len - chunks) >> 1;
    for (let j = 0; j < chunks; j++) map[s + j] = new Array<string | undefined>(CHUNK);
    this.map = map;
    this.off = s * CHUNK + headRoom;
    const off = this.off;
    for (let i = 0; i < n; i++) {
      const p = off + i;
      map[p >>> SHIFT]![p & MASK] = items[i];
    }
  }

  private toChunked(): void {
    const items = this.flat!;
    this.flat = null;
    this.buildChunked(items);
  }

  private toFlat(): void {
    const n = this.n;
    const items = new Array<string>(n);
    for (let i = 0; i < n; i++) items[i] = this.get(i);
    this.map = NO_CHUNKS;
    this.off = 0;
    this.flat = items;
  }

  /**
   * Make room for one more chunk at the front or back: re-centre the used
   * chunks in a map twice their number (plus slack).
   */
  private growMap(): void {
    const old = this.map;
    const c0 = this.off >>> SHIFT;
    const c1 = this.n > 0 ? (this.off + this.n - 1) >>> SHIFT : c0;
    const used = c1 - c0 + 1;
    const len = Math.max(8, used * 2 + 4);
    const map = new Array<Chunk | undefined>(len);
    const s = (len - used) >> 1;
    for (let j = 0; j < used; j++) map[s + j] = old[c0 + j];
    this.map = map;
    this.off = s * CHUNK + (this.off & MASK);
  }

  private rawPushTail(v: string): void {
    let p = this.off + this.n;
    let ci = p >>> SHIFT;
    if (ci >= this.map.length) {
      this.growMap();
      p = this.off + this.n;
      ci = p >>> SHIFT;
    }
    let ch = this.map[ci];
    if (ch === undefined) ch = this.map[ci] = new Array<string | undefined>(CHUNK);
    ch[p & MASK] = v;
    this.n++;
  }

  private rawPushHead(v: string): void {
    if (this.off === 0) this.growMap();
    const p = --this.off;
    const ci = p >>> SHIFT;
    let ch = this.map[ci];
    if (ch === undefined) ch = this.map[ci] = new Array<string | undefined>(CHUNK);
    ch[p & MASK] = v;
    this.n++;
  }

  private rawPopHead(): string {
    const p = this.off;
    const ci = p >>> SHIFT;
    const ch = this.map[ci]!;
    const v = ch[p & MASK]!;
    ch[p & MASK] = undefined;
    this.off = p + 1;
    this.n--;
    if (((p + 1) & MASK) === 0 || this.n === 0) this.map[ci] = undefined;
    return v;
  }

  private rawPopTail(): string {
    const p = this.off + this.n - 1;
    const ci = p >>> SHIFT;
    const ch = this.map[ci]!;
    const v = ch[p & MASK]!;
    ch[p & MASK] = undefined;
    this.n--;
    if ((p & MASK) === 0 || this.n === 0) this.map[ci] = undefined;
    return v;
  }

  /** Internal consistency (unit tests). */
  checkInvariants(): void {
    let lp = 0;
    let est = 0;
    let count = 0;
    for (const v of this) {
      if (typeof v !== 'string') throw new Error(`hole at ${count}`);
      lp += lpEntrySize(v);
      est += insertEstimate(v.length);
      count++;
    }
    if (count !== this.n) throw new Error('length mismatch');
    if (lp !== this.lpBytes || est !== this.estBytes) throw new Error('size sums mismatch');
    if (this.flat !== null) {
      if (this.flat.length !== this.n || this.n > FLAT_MAX) throw new Error('bad flat shape');
      return;
    }
    if (this.n <= FLAT_MIN) throw new Error('chunked list too short');
    const c0 = this.off >>> SHIFT;
    const c1 = (this.off + this.n - 1) >>> SHIFT;
    for (let j = 0; j < this.map.length; j++) {
      const has = this.map[j] !== undefined;
      if (has !== (j >= c0 && j <= c1)) throw new Error(`chunk ${j} ${has ? 'allocated' : 'missing'}`);
    }
  }

  /** The current shape (unit tests). */
  get shape(): 'flat' | 'chunked' {
    return this.flat !== null ? 'flat' : 'chunked';
  }
}

/** Bytes a string takes as a listpack entry (encoding, data and back-length). */
export function lpEntrySize(s: string): number {
  const n = s.length;
  if (n > 0 && n <= 20) {
    const c = s.charCodeAt(0);
    if ((c >= 48 && c <= 57) || c === 45) {
      const v = lpInt(s);
      if (v !== null) {
        if (v >= 0 && v <= 127) return 2;
        if (v >= -4096 && v <= 4095) return 3;
        if (v >= -32768 && v <= 32767) return 4;
        if (v >= -8388608 && v <= 8388607) return 5;
        if (v >= -2147483648 && v <= 2147483647) return 6;
        return 10;
      }
    }
  }
  const enc = n < 64 ? 1 + n : n < 4096 ? 2 + n : 5 + n;
  return enc + (enc < 128 ? 1 : enc < 16384 ? 2 : enc < 2097152 ? 3 : enc < 268435456 ? 4 : 5);
}

/** quicklist's estimate of what inserting a string of sz bytes adds to a node. */
function insertEstimate(sz: number): number {
  return sz + (sz < 254 ? 1 : 5) + (sz < 64 ? 1 : sz < 16384 ? 2 : 5);
}

/** string2ll as listpack applies it: canonical int64 text, or null. */
function lpInt(s: string): number | null {
  const n = s.length;
  let i = 0;
  let neg = false;
  if (s.charCodeAt(0) === 45) {
    if (n === 1) return null;
    neg = true;
    i = 1;
  }
  const c0 = s.charCodeAt(i);
  if (c0 === 48) return n === 1 ? 0 : null;
  if (c0 < 49 || c0 > 57) return null;
  let v = 0;
  for (; i < n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return null;
    v = v * 10 + d;
  }
  if (v >= 9007199254740992) {
    // Past 2^53 only the int64 range matters (it is a 64-bit entry either way).
    const b = BigInt(s);
    if (b > 9223372036854775807n || b < -9223372036854775808n) return null;
  }
  return neg ? -v : v;
}
