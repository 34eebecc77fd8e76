/**
 * Streams (Redis 7.0's t_stream.c data model), pure: no clients, no RESP.
 *
 * ## Entries and nodes
 *
 * Redis keeps a stream as a radix tree of listpacks: each listpack ("node")
 * is keyed by its master ID (the ID of the first entry added to it) and holds
 * up to stream-node-max-entries entries (live + deleted) or about
 * stream-node-max-bytes bytes. Cinnabar keeps the same grouping, because it
 * is observable: "~" trimming removes whole nodes only, so XLEN after an
 * approximate trim depends on where nodes close, and XINFO STREAM reports the
 * number of nodes (radix-tree-keys) and of radix tree nodes (radix-tree-nodes).
 *
 *  - Each StreamNode holds its entries in ID order in a plain array, deleted
 *    ones included (XDEL and exact trimming only flag entries, as Redis marks
 *    them in the listpack). A node whose last live entry is deleted by XDEL is
 *    removed, as Redis removes the listpack.
 *  - A node also tracks the byte size its listpack would have (lpBytes): the
 *    master entry (count, deleted, field names), then per entry the flags, the
 *    ID deltas from the master ID, the fields (omitted when they equal the
 *    master's), the values and the lp-count, each with listpack's integer or
 *    string encoding and back-length. That size decides when a node closes
 *    exactly as streamAppendItem decides it: a new node starts when
 *    lpBytes + the new entry's field/value bytes >= stream-node-max-bytes, or
 *    when live + deleted entries >= stream-node-max-entries.
 *  - Nodes sit in an IdList (a sorted, chunked list keyed by ID): appending is
 *    O(1), seeking an ID is two binary searches (node, then entry in node), and
 *    trimming drops whole nodes from the head.
 *
 * ## Radix tree node counts
 *
 * XINFO STREAM's radix-tree-nodes (and MEMORY USAGE) count the nodes of
 * Redis's rax holding 16-byte big-endian keys. For fixed-length keys rax keeps
 * a canonical compressed trie, so the count is a function of the key set:
 * the root, one node per key, one per branching prefix, and one per child of a
 * branching prefix that starts a compressed run (see raxInsertDelta). IdList
 * keeps that count current on every insert and remove with a few binary
 * searches, for the stream's nodes and for every PEL alike.
 *
 * ## IDs
 *
 * Stream IDs are two unsigned 64-bit numbers. Each half is a JS number when it
 * is below 2^53 and a bigint above (U64, always normalized that way), so the
 * common case stays on plain numbers while 18446744073709551615 remains exact.
 * Relational operators compare numbers and bigints exactly; equal values have
 * the same representation.
 *
 * ## Consumer groups
 *
 * A group has its last delivered ID, its entries_read counter (-1 when
 * unknown), its PEL (IdList of NACKs) and its consumers; each consumer has its
 * own PEL sharing the NACK objects, as Redis shares them between the rax trees.
 *
 * ## Serialization (DUMP / RDB_TYPE_STREAM_LISTPACKS_2)
 *
 * Everything a codec needs is public: `nodes` (each StreamNode with its master
 * ID, masterFields, and entries with ID, fields/values and deleted flag; an
 * entry uses the master's fields when sameFields(node, entry)), `length`,
 * `lastId`, `firstId`, `maxDeletedId`, `entriesAdded`, and `groups` (name,
 * lastId, entriesRead, pel with deliveryTime/deliveryCount/consumer, consumers
 * with seenTime and their pel). Loading goes through restoreNode() (then set
 * length, lastId, firstId, maxDeletedId, entriesAdded), createGroup(),
 * ConsumerGroup.createConsumer(), and for the PEL either restoreNack() or, in
 * RDB order, `g.pel.insert(new StreamNACK(ms, seq, time, count, null))`
 * followed by `g.assign(nack, consumer)` for each consumer's pending ID.
 * Listpacks read from RDB count as allocated at their exact size.
 */
import type { Container } from '../db/values';
import { allocSize } from '../db/memory';
import { parseInt64 } from '../protocol/numbers';

// ---- 64-bit unsigned numbers -------------------------------------------------------------

/** An unsigned 64-bit integer: a number below 2^53, a bigint from 2^53 up. */
export type U64 = number | bigint;
/** A signed 64-bit integer: a number when safe, else a bigint. */
export type I64 = number | bigint;

const TWO53 = 9007199254740992;
const TWO53N = 9007199254740992n;
export const U64_MAX = 18446744073709551615n;
const I64_MIN_N = -9223372036854775808n;
const I64_MAX_N = 9223372036854775807n;

/** Normalize a bigint in [0, 2^64) to a U64. */
export function u64(b: bigint): U64 {
  return b < TWO53N ? Number(b) : b;
}

/** Normalize a signed integer to an I64 (number when safe). */
export function i64(b: bigint): I64 {
  return b < TWO53N && b > -TWO53N ? Number(b) : b;
}

/** a + b on I64 values (callers keep results within int64). */
export function addI64(a: I64, b: I64): I64 {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (Number.isSafeInteger(r)) return r;
  }
  return i64(BigInt(a) + BigInt(b));
}

/** a - b on I64 values, wrapped to int64 as C's long long arithmetic. */
export function subI64(a: I64, b: I64): I64 {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a - b;
    if (Number.isSafeInteger(r)) return r;
  }
  return i64(BigInt.asIntN(64, BigInt(a) - BigInt(b)));
}

function hi32(v: U64): number {
  return typeof v === 'number' ? Math.floor(v / 4294967296) : Number(v >> 32n);
}

function lo32(v: U64): number {
  return typeof v === 'number' ? v >>> 0 : Number(v & 0xffffffffn);
}

/** Common leading bytes of two different 64-bit values (big endian). */
function lcp64(a: U64, b: U64): number {
  const ah = hi32(a), bh = hi32(b);
  if (ah !== bh) return Math.clz32(ah ^ bh) >> 3;
  return 4 + (Math.clz32(lo32(a) ^ lo32(b)) >> 3);
}

/**
 * Redis 7.0.15 picks one XADD error message from C's errno, which an earlier
 * failed XADD (EDOM) or an ID parsed by strtoull (0) leaves behind. This
 * models just that much of errno.
 */
export const errnoModel = { edom: false };

/**
 * strtoull over a whole string as Redis's string2ull: a strict int64 first
 * (negative rejected), else strtoull's rules (leading spaces, a sign, leading
 * zeros; "-n" wraps around), rejecting empty input, trailing garbage and
 * overflow.
 */
export function parseU64(s: string): U64 | null {
  const strict = parseInt64(s);
  if (strict !== null) {
    if (strict < 0) return null;
    if (Number.isSafeInteger(strict)) return strict;
    return u64(BigInt(s));
  }
  if (s.length === 0) return null;
  errnoModel.edom = false; // string2ull clears errno before strtoull
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13)) i++;
    else break;
  }
  let neg = false;
  if (i < n && (s[i] === '+' || s[i] === '-')) {
    neg = s[i] === '-';
    i++;
  }
  const start = i;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    i++;
  }
  if (i === start || i !== n) return null;
  let v = BigInt(s.slice(start, n));
  if (v > U64_MAX) return null; // ERANGE
  if (neg) v = (U64_MAX + 1n - v) & U64_MAX;
  return u64(v);
}

// ---- stream IDs --------------------------------------------------------------------------

export interface StreamID {
  ms: U64;
  seq: U64;
}

export const ZERO_ID: StreamID = Object.freeze({ ms: 0, seq: 0 });
export const MAX_ID: StreamID = Object.freeze({ ms: U64_MAX, seq: U64_MAX });

export function cmpID(a: StreamID, b: StreamID): number {
  if (a.ms < b.ms) return -1;
  if (a.ms > b.ms) return 1;
  if (a.seq < b.seq) return -1;
  if (a.seq > b.seq) return 1;
  return 0;
}

export function cmpMsSeq(ams: U64, aseq: U64, bms: U64, bseq: U64): number {
  if (ams < bms) return -1;
  if (ams > bms) return 1;
  if (aseq < bseq) return -1;
  if (aseq > bseq) return 1;
  return 0;
}

export function isZeroID(id: StreamID): boolean {
  return id.ms === 0 && id.seq === 0;
}

export function isMaxID(id: StreamID): boolean {
  return id.ms === U64_MAX && id.seq === U64_MAX;
}

export function idString(id: StreamID): string {
  return `${id.ms}-${id.seq}`;
}

function incU(v: U64): U64 {
  if (typeof v === 'number') return v + 1 < TWO53 ? v + 1 : BigInt(v) + 1n;
  return v + 1n;
}

function decU(v: U64): U64 {
  if (typeof v === 'number') return v - 1;
  return u64(v - 1n);
}

/** streamIncrID: the next ID, or null for the last possible one. */
export function incrID(id: StreamID): StreamID | null {
  if (id.seq === U64_MAX) {
    if (id.ms === U64_MAX) return null;
    return { ms: incU(id.ms), seq: 0 };
  }
  return { ms: id.ms, seq: incU(id.seq) };
}

/** streamDecrID: the previous ID, or null for 0-0. */
export function decrID(id: StreamID): StreamID | null {
  if (id.seq === 0) {
    if (id.ms === 0) return null;
    return { ms: decU(id.ms), seq: U64_MAX };
  }
  return { ms: id.ms, seq: decU(id.seq) };
}

export interface ParsedID {
  id: StreamID;
  /** False for the "<ms>-*" form (only when allowed). */
  seqGiven: boolean;
}

/**
 * streamGenericParseIDOrReply: "-", "+", "<ms>" (seq = missingSeq) or
 * "<ms>-<seq>"; with seqStar, "<ms>-*" too. strict rejects bare "-" and "+".
 * Returns null when Redis answers "Invalid stream ID".
 */
export function parseID(arg: string, missingSeq: U64, strict: boolean, seqStar = false): ParsedID | null {
  if (arg.length > 127) return null;
  // Redis copies the argument into a C string: it ends at the first NUL.
  const nul = arg.indexOf('\0');
  const s = nul >= 0 ? arg.slice(0, nul) : arg;
  if (s === '-' || s === '+') {
    if (strict) return null;
    return { id: s === '-' ? ZERO_ID : MAX_ID, seqGiven: true };
  }
  const dash = s.indexOf('-');
  const msPart = dash >= 0 ? s.slice(0, dash) : s;
  const ms = parseU64(msPart);
  if (ms === null) return null;
  if (dash < 0) return { id: { ms, seq: missingSeq }, seqGiven: true };
  const seqPart = s.slice(dash + 1);
  if (seqStar && seqPart === '*') return { id: { ms, seq: 0 }, seqGiven: false };
  const seq = parseU64(seqPart);
  if (seq === null) return null;
  return { id: { ms, seq }, seqGiven: true };
}

/** Common leading bytes of two IDs as 16-byte big-endian keys. */
export function lcpID(a: StreamID, b: StreamID): number {
  if (a.ms !== b.ms) return lcp64(a.ms, b.ms);
  if (a.seq !== b.seq) return 8 + lcp64(a.seq, b.seq);
  return 16;
}

/** v with its low 8 - keepBytes bytes cleared. */
function maskDown(v: U64, keepBytes: number): U64 {
  if (keepBytes >= 8) return v;
  if (typeof v === 'number' && keepBytes >= 2) return v - (v % 2 ** (8 * (8 - keepBytes)));
  const shift = BigInt(8 * (8 - keepBytes));
  return u64((BigInt(v) >> shift) << shift);
}

/** v with its low 8 - keepBytes bytes set. */
function maskUp(v: U64, keepBytes: number): U64 {
  if (keepBytes >= 8) return v;
  if (typeof v === 'number' && keepBytes >= 2) {
    const p = 2 ** (8 * (8 - keepBytes));
    const r = v - (v % p) + (p - 1);
    if (r < TWO53) return r;
  }
  const shift = BigInt(8 * (8 - keepBytes));
  return u64(((BigInt(v) >> shift) << shift) | ((1n << shift) - 1n));
}

/** Smallest and largest 16-byte keys sharing the first L bytes of id. */
function prefixBounds(id: StreamID, L: number): [StreamID, StreamID] {
  if (L <= 8) return [{ ms: maskDown(id.ms, L), seq: 0 }, { ms: maskUp(id.ms, L), seq: U64_MAX }];
  return [{ ms: id.ms, seq: maskDown(id.seq, L - 8) }, { ms: id.ms, seq: maskUp(id.seq, L - 8) }];
}

// ---- IdList: sorted chunked list with rax node accounting --------------------------------------

const CHUNK = 128;

/** A position in an IdList. */
export interface Cursor {
  c: number;
  i: number;
}

/**
 * Items with stream IDs, kept in ID order in chunks of up to 128: binary
 * search over chunks then inside one; appends and head removals are cheap.
 * It also keeps `raxNodes`, the node count a Redis rax would have for the
 * same keys.
 */
export class IdList<T extends StreamID> {
  chunks: T[][] = [];
  size = 0;
  /** rax->numnodes for this key set (1 for an empty rax). */
  raxNodes = 1;

  /** Index of the first chunk whose last item is >= id (chunks.length if none). */
  private chunkFor(ms: U64, seq: U64): number {
    const ch = this.chunks;
    let lo = 0, hi = ch.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const last = ch[mid][ch[mid].length - 1];
      if (cmpMsSeq(last.ms, last.seq, ms, seq) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index in chunk of the first item >= id. */
  private static posIn<T extends StreamID>(chunk: T[], ms: U64, seq: U64): number {
    let lo = 0, hi = chunk.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const it = chunk[mid];
      if (cmpMsSeq(it.ms, it.seq, ms, seq) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  get(ms: U64, seq: U64): T | undefined {
    const c = this.chunkFor(ms, seq);
    if (c === this.chunks.length) return undefined;
    const chunk = this.chunks[c];
    const it = chunk[IdList.posIn(chunk, ms, seq)];
    return it !== undefined && it.ms === ms && it.seq === seq ? it : undefined;
  }

  first(): T | undefined {
    return this.size === 0 ? undefined : this.chunks[0][0];
  }

  last(): T | undefined {
    if (this.size === 0) return undefined;
    const ch = this.chunks[this.chunks.length - 1];
    return ch[ch.length - 1];
  }

  /** Insert an item whose ID is not in the list. */
  insert(item: T): void {
    this.raxNodes += raxInsertDelta(this, item);
    const ch = this.chunks;
    if (ch.length === 0) {
      ch.push([item]);
      this.size = 1;
      return;
    }
    let c = this.chunkFor(item.ms, item.seq);
    let chunk: T[];
    let pos: number;
    if (c === ch.length) {
      c--;
      chunk = ch[c];
      pos = chunk.length;
    } else {
      chunk = ch[c];
      pos = IdList.posIn(chunk, item.ms, item.seq);
    }
    if (chunk.length >= CHUNK) {
      if (pos === chunk.length && c === ch.length - 1) {
        ch.push([item]);
        this.size++;
        return;
      }
      const half = chunk.length >> 1;
      const right = chunk.splice(half);
      ch.splice(c + 1, 0, right);
      if (pos > half) {
        chunk = right;
        pos -= half;
      }
    }
    if (pos === chunk.length) chunk.push(item);
    else chunk.splice(pos, 0, item);
    this.size++;
  }

  /** Remove the item with this ID; returns it, or undefined. */
  remove(ms: U64, seq: U64): T | undefined {
    const c = this.chunkFor(ms, seq);
    if (c === this.chunks.length) return undefined;
    const chunk = this.chunks[c];
    const pos = IdList.posIn(chunk, ms, seq);
    const it = chunk[pos];
    if (it === undefined || it.ms !== ms || it.seq !== seq) return undefined;
    if (pos === 0) chunk.shift();
    else chunk.splice(pos, 1);
    if (chunk.length === 0) this.chunks.splice(c, 1);
    this.size--;
    this.raxNodes -= raxInsertDelta(this, it);
    return it;
  }

  clear(): void {
    this.chunks = [];
    this.size = 0;
    this.raxNodes = 1;
  }

  at(cur: Cursor): T {
    return this.chunks[cur.c][cur.i];
  }

  /** Cursor on the first item >= id, or null. */
  seekGE(ms: U64, seq: U64): Cursor | null {
    const c = this.chunkFor(ms, seq);
    if (c === this.chunks.length) return null;
    return { c, i: IdList.posIn(this.chunks[c], ms, seq) };
  }

  /** Cursor on the last item <= id, or null. */
  seekLE(ms: U64, seq: U64): Cursor | null {
    const ch = this.chunks;
    let c = this.chunkFor(ms, seq);
    if (c === ch.length) return ch.length === 0 ? null : { c: c - 1, i: ch[c - 1].length - 1 };
    const chunk = ch[c];
    const pos = IdList.posIn(chunk, ms, seq);
    const it = chunk[pos];
    if (it !== undefined && it.ms === ms && it.seq === seq) return { c, i: pos };
    if (pos > 0) return { c, i: pos - 1 };
    if (c === 0) return null;
    c--;
    return { c, i: ch[c].length - 1 };
  }

  firstCursor(): Cursor | null {
    return this.size === 0 ? null : { c: 0, i: 0 };
  }

  lastCursor(): Cursor | null {
    if (this.size === 0) return null;
    const c = this.chunks.length - 1;
    return { c, i: this.chunks[c].length - 1 };
  }

  /** Advance a cursor; false past the end. */
  next(cur: Cursor): boolean {
    if (++cur.i < this.chunks[cur.c].length) return true;
    if (cur.c + 1 >= this.chunks.length) return false;
    cur.c++;
    cur.i = 0;
    return true;
  }

  /** Step a cursor back; false before the start. */
  prev(cur: Cursor): boolean {
    if (--cur.i >= 0) return true;
    if (cur.c === 0) return false;
    cur.c--;
    cur.i = this.chunks[cur.c].length - 1;
    return true;
  }

  /** Largest item < id. */
  below(id: StreamID): T | undefined {
    const cur = this.seekGE(id.ms, id.seq);
    if (cur === null) return this.last();
    return this.prev(cur) ? this.at(cur) : undefined;
  }

  /** Smallest item > id. */
  above(id: StreamID): T | undefined {
    const cur = this.seekLE(id.ms, id.seq);
    if (cur === null) return this.first();
    return this.next(cur) ? this.at(cur) : undefined;
  }

  /** Smallest item >= id. */
  ceil(id: StreamID): T | undefined {
    const cur = this.seekGE(id.ms, id.seq);
    return cur === null ? undefined : this.at(cur);
  }

  /** Largest item <= id. */
  floor(id: StreamID): T | undefined {
    const cur = this.seekLE(id.ms, id.seq);
    return cur === null ? undefined : this.at(cur);
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (const ch of this.chunks) yield* ch;
  }

  toArray(): T[] {
    const out: T[] = [];
    for (const ch of this.chunks) for (const it of ch) out.push(it);
    return out;
  }
}

/**
 * How many rax nodes inserting key k adds to the rax holding S (k not in S).
 * Removing k from S' changes the count by minus this delta over S' \ {k}.
 *
 * For 16-byte keys Redis's rax is the canonical compressed trie: nodes are the
 * root, the keys (leaves), the branching prefixes, and for each child edge of
 * a branching prefix that spans more than one byte, one compressed node. k
 * joins the trie at depth L = its longest common prefix with a neighbour. If
 * that prefix P already branches, k adds its leaf and (unless L is 15) a
 * compressed node. Otherwise P is inside an edge U -> X (U the deepest
 * branching ancestor, X the next branching node or leaf below): P becomes a
 * branching node that splits the edge, and the compressed nodes of the
 * pieces are recounted.
 */
export function raxInsertDelta<T extends StreamID>(S: IdList<T>, k: StreamID): number {
  if (S.size === 0) return 1;
  const a = S.below(k);
  const c = S.above(k);
  const la = a !== undefined ? lcpID(a, k) : -1;
  const lc = c !== undefined ? lcpID(k, c) : -1;
  const L = la >= lc ? la : lc;
  const x = (la >= lc ? a : c)!;
  const [pmin, pmax] = prefixBounds(k, L);
  const lo = S.ceil(pmin)!;
  const hi = S.floor(pmax)!;
  const single = lo === hi;
  const xd = single ? 16 : lcpID(lo, hi);
  if (!single && xd === L) return 1 + (L < 15 ? 1 : 0);
  if (L === 0) return 2 + (xd > 1 ? 1 : 0);
  let u = -1;
  const left = S.below(lo);
  if (left !== undefined) u = lcpID(left, x);
  const right = S.above(hi);
  if (right !== undefined) u = Math.max(u, lcpID(right, x));
  let d = 2 + (xd - L > 1 ? 1 : 0) + (L < 15 ? 1 : 0);
  if (u >= 0) d += (L - u > 1 ? 1 : 0) - (xd - u > 1 ? 1 : 0);
  return d;
}

// ---- listpack sizes ------------------------------------------------------------------------

/** Bytes of a listpack back-length for an element of l bytes. */
function backlen(l: number): number {
  return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}

/** Bytes of a listpack element holding the integer v (encoding + back-length). */
export function lpIntSize(v: number): number {
  if (v >= 0 && v <= 127) return 2;
  if (v >= -4096 && v <= 4095) return 3;
  if (v >= -32768 && v <= 32767) return 4;
  if (v >= -8388608 && v <= 8388607) return 5;
  if (v >= -2147483648 && v <= 2147483647) return 6;
  return 10;
}

function lpI64Size(v: I64): number {
  return lpIntSize(typeof v === 'number' ? v : Number(v));
}

/** Bytes of a listpack element holding string s (integers are stored as integers). */
export function lpStrSize(s: string): number {
  const n = s.length;
  if (n > 0 && n <= 20) {
    const c = s.charCodeAt(0);
    if ((c >= 48 && c <= 57) || c === 45) {
      const v = parseInt64(s);
      if (v !== null) return lpIntSize(v);
    }
  }
  const l = n < 64 ? 1 + n : n < 4096 ? 2 + n : 5 + n;
  return l + backlen(l);
}

/** Bytes of the element for int64(a - b), the ID deltas. */
function lpDeltaSize(a: U64, b: U64): number {
  if (typeof a === 'number' && typeof b === 'number') return lpIntSize(a - b);
  return lpIntSize(Number(BigInt.asIntN(64, BigInt(a) - BigInt(b))));
}

/** Listpack header (total bytes + element count) and end byte. */
const LP_EMPTY = 7;
/** Listpacks are capped at 1 GB (STREAM_LISTPACK_MAX_SIZE). */
export const STREAM_LISTPACK_MAX_SIZE = 1 << 30;
/** New nodes preallocate this much (STREAM_LISTPACK_MAX_PRE_ALLOCATE). */
const PREALLOC = 4096;

// ---- entries and nodes ---------------------------------------------------------------------

export class StreamEntry implements StreamID {
  constructor(
    public ms: U64,
    public seq: U64,
    /** field, value, field, value, ... */
    public fv: string[],
    public deleted = false,
  ) {}
}

export class StreamNode implements StreamID {
  /** Live entries (the master entry's "count"). */
  live = 0;
  /** Entries flagged deleted (the master entry's "deleted"). */
  deleted = 0;
  entries: StreamEntry[] = [];
  /** Listpack bytes except the count and deleted elements. */
  base = 0;
  /** Allocation size of the listpack (malloc_usable_size). */
  alloc = 0;

  constructor(
    public ms: U64,
    public seq: U64,
    /** The master entry's field names. */
    public masterFields: string[],
  ) {
    let b = LP_EMPTY + lpIntSize(masterFields.length) + 2; // num-fields, master terminator 0
    for (const f of masterFields) b += lpStrSize(f);
    this.base = b;
  }

  /** lpBytes of the node's listpack. */
  get bytes(): number {
    return this.base + lpIntSize(this.live) + lpIntSize(this.deleted);
  }

  /** True when entry e is stored with the SAMEFIELDS flag (fields of the master entry). */
  sameFields(e: StreamEntry): boolean {
    const mf = this.masterFields;
    const fv = e.fv;
    if (fv.length !== mf.length * 2) return false;
    for (let i = 0; i < mf.length; i++) if (fv[i * 2] !== mf[i]) return false;
    return true;
  }

  /** Listpack bytes of entry e in this node. */
  entrySize(e: StreamEntry): number {
    const fv = e.fv;
    const nf = fv.length >> 1;
    let b = 2 + lpDeltaSize(e.ms, this.ms) + lpDeltaSize(e.seq, this.seq);
    let lpCount = nf + 3;
    if (this.sameFields(e)) {
      for (let i = 1; i < fv.length; i += 2) b += lpStrSize(fv[i]);
    } else {
      b += lpIntSize(nf);
      for (let i = 0; i < fv.length; i++) b += lpStrSize(fv[i]);
      lpCount += nf + 1;
    }
    return b + lpIntSize(lpCount);
  }

  /** Account a byte size change as lpInsert's reallocations would. */
  resized(before: number): void {
    const now = this.bytes;
    if (now < before) this.alloc = allocSize(now);
    else if (now > this.alloc) this.alloc = allocSize(now);
  }

  /** Index of the first entry >= id. */
  indexGE(ms: U64, seq: U64): number {
    const es = this.entries;
    let lo = 0, hi = es.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const e = es[mid];
      if (cmpMsSeq(e.ms, e.seq, ms, seq) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Mark entry i deleted. */
  markDeleted(i: number): void {
    const before = this.bytes;
    this.entries[i].deleted = true;
    this.live--;
    this.deleted++;
    this.resized(before);
  }
}

// ---- consumer groups -------------------------------------------------------------------------

/** A pending entry (streamNACK). */
export class StreamNACK implements StreamID {
  constructor(
    public ms: U64,
    public seq: U64,
    /** Last delivery time (ms). */
    public deliveryTime: number,
    /** Number of deliveries. */
    public deliveryCount: I64,
    /** Owner; null only transiently (XCLAIM FORCE). */
    public consumer: StreamConsumer | null,
  ) {}
}

export class StreamConsumer {
  pel = new IdList<StreamNACK>();
  constructor(
    public name: string,
    /** Last time the consumer was seen (ms). */
    public seenTime: number,
  ) {}
}

/** entries_read when unknown (SCG_INVALID_ENTRIES_READ). */
export const INVALID_ENTRIES_READ = -1;

export class ConsumerGroup {
  pel = new IdList<StreamNACK>();
  consumers = new Map<string, StreamConsumer>();

  constructor(
    public name: string,
    public lastId: StreamID,
    /** Logical read counter of lastId, or -1 (INVALID_ENTRIES_READ). */
    public entriesRead: I64,
  ) {}

  getConsumer(name: string): StreamConsumer | undefined {
    return this.consumers.get(name);
  }

  /** streamCreateConsumer: null when it exists. */
  createConsumer(name: string, now: number): StreamConsumer | null {
    if (this.consumers.has(name)) return null;
    const c = new StreamConsumer(name, now);
    this.consumers.set(name, c);
    return c;
  }

  /** streamDelConsumer: drop its pending entries from the group PEL too. */
  deleteConsumer(c: StreamConsumer): void {
    for (const nack of c.pel) this.pel.remove(nack.ms, nack.seq);
    this.consumers.delete(c.name);
  }

  /** Consumers in name order (the rax order Redis replies in). */
  sortedConsumers(): StreamConsumer[] {
    return [...this.consumers.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Remove a NACK from the group PEL and its consumer's PEL. */
  removeNack(nack: StreamNACK): void {
    this.pel.remove(nack.ms, nack.seq);
    nack.consumer?.pel.remove(nack.ms, nack.seq);
  }

  /** Move a NACK to consumer c (no-op when it owns it). */
  assign(nack: StreamNACK, c: StreamConsumer): void {
    if (nack.consumer === c) return;
    nack.consumer?.pel.remove(nack.ms, nack.seq);
    c.pel.insert(nack);
    nack.consumer = c;
  }

  /** Add a pending entry for consumer c (loading). */
  restoreNack(id: StreamID, deliveryTime: number, deliveryCount: I64, c: StreamConsumer): StreamNACK {
    const nack = new StreamNACK(id.ms, id.seq, deliveryTime, deliveryCount, c);
    this.pel.insert(nack);
    c.pel.insert(nack);
    return nack;
  }
}

// ---- the stream ----------------------------------------------------------------------------

export interface NodeLimits {
  /** stream-node-max-bytes (0: no limit but the listpack cap). */
  maxBytes: number;
  /** stream-node-max-entries (0: no limit). */
  maxEntries: number;
}

export interface TrimSpec {
  strategy: 'maxlen' | 'minid';
  maxlen: number;
  minid: StreamID;
  approx: boolean;
  /** Most entries to delete in whole nodes (0: no limit). */
  limit: number;
}

const ROBJ = 16;
/** sizeof(stream) in 7.0. */
const STREAM_STRUCT = 80;
const STREAM_CG = 40;
const STREAM_CONSUMER = 24;
const STREAM_NACK = 24;
/** MEMORY USAGE samples this many listpacks by default. */
const SAMPLES = 5;

/** streamRadixTreeMemoryUsage: keys * 16 + nodes * (4 + 30 words). */
function raxMemory(keys: number, nodes: number): number {
  return keys * 16 + nodes * (4 + 8 * 30);
}

export class Stream implements Container {
  readonly type = 'stream' as const;
  nodes = new IdList<StreamNode>();
  /** Live entries. */
  length = 0;
  lastId: StreamID = ZERO_ID;
  /** recorded-first-entry-id. */
  firstId: StreamID = ZERO_ID;
  maxDeletedId: StreamID = ZERO_ID;
  entriesAdded: I64 = 0;
  /** Consumer groups by name; null until the first is created. */
  groups: Map<string, ConsumerGroup> | null = null;

  encoding(): string {
    return 'stream';
  }

  // ---- adding --------------------------------------------------------------------------

  /**
   * streamAppendItem with a validated ID (> lastId). fv holds field, value
   * pairs. A new node starts as Redis starts a new listpack.
   */
  append(id: StreamID, fv: string[], limits: NodeLimits): void {
    let tail = this.nodes.last();
    if (tail !== undefined) {
      let maxBytes = limits.maxBytes;
      if (maxBytes === 0 || maxBytes > STREAM_LISTPACK_MAX_SIZE) maxBytes = STREAM_LISTPACK_MAX_SIZE;
      let total = 0;
      for (let i = 0; i < fv.length; i++) total += fv[i].length;
      if (tail.bytes + total >= maxBytes || (limits.maxEntries !== 0 && tail.live + tail.deleted >= limits.maxEntries)) {
        // The full node is shrunk to fit (lpShrinkToFit).
        const b = tail.bytes;
        if (tail.alloc > b) tail.alloc = allocSize(b);
        tail = undefined;
      }
    }
    const e = new StreamEntry(id.ms, id.seq, fv);
    if (tail === undefined) {
      const fields: string[] = new Array(fv.length >> 1);
      for (let i = 0; i < fields.length; i++) fields[i] = fv[i * 2];
      tail = new StreamNode(id.ms, id.seq, fields);
      let pre = PREALLOC;
      if (limits.maxBytes > 0 && limits.maxBytes < pre) pre = limits.maxBytes;
      tail.alloc = allocSize(Math.max(pre, LP_EMPTY));
      this.nodes.insert(tail);
    }
    const before = tail.bytes;
    tail.entries.push(e);
    tail.live++;
    tail.base += tail.entrySize(e);
    tail.resized(before);
    this.length++;
    this.entriesAdded = addI64(this.entriesAdded, 1);
    this.lastId = id;
    if (this.length === 1) this.firstId = id;
  }

  /**
   * Add a node as loaded from RDB/DUMP: master ID and fields, and its entries
   * (deleted ones included). The caller sets length and the IDs afterwards.
   */
  restoreNode(master: StreamID, masterFields: string[], entries: StreamEntry[]): StreamNode {
    const node = new StreamNode(master.ms, master.seq, masterFields);
    for (const e of entries) {
      node.entries.push(e);
      node.base += node.entrySize(e);
      if (e.deleted) node.deleted++;
      else node.live++;
    }
    node.alloc = allocSize(node.bytes);
    this.nodes.insert(node);
    return node;
  }

  // ---- reading ---------------------------------------------------------------------------

  /** The live entry with this ID. */
  getEntry(id: StreamID): StreamEntry | undefined {
    const node = this.nodes.floor(id);
    if (node === undefined) return undefined;
    const i = node.indexGE(id.ms, id.seq);
    const e = node.entries[i];
    return e !== undefined && !e.deleted && e.ms === id.ms && e.seq === id.seq ? e : undefined;
  }

  /**
   * Visit live entries with start <= ID <= end, ascending (or descending with
   * rev), until fn returns false.
   */
  scan(start: StreamID, end: StreamID, rev: boolean, fn: (e: StreamEntry) => boolean | void): void {
    if (this.length === 0 || cmpID(start, end) > 0) return;
    const nodes = this.nodes;
    if (!rev) {
      let cur = nodes.seekLE(start.ms, start.seq) ?? nodes.firstCursor();
      if (cur === null) return;
      let i = nodes.at(cur).indexGE(start.ms, start.seq);
      for (;;) {
        const es = nodes.at(cur).entries;
        for (; i < es.length; i++) {
          const e = es[i];
          if (cmpMsSeq(e.ms, e.seq, end.ms, end.seq) > 0) return;
          if (!e.deleted && fn(e) === false) return;
        }
        if (!nodes.next(cur)) return;
        i = 0;
      }
    } else {
      const cur = nodes.seekLE(end.ms, end.seq);
      if (cur === null) return;
      const n0 = nodes.at(cur);
      let i = n0.indexGE(end.ms, end.seq);
      if (i >= n0.entries.length || cmpMsSeq(n0.entries[i].ms, n0.entries[i].seq, end.ms, end.seq) > 0) i--;
      for (;;) {
        const es = nodes.at(cur).entries;
        for (; i >= 0; i--) {
          const e = es[i];
          if (cmpMsSeq(e.ms, e.seq, start.ms, start.seq) < 0) return;
          if (!e.deleted && fn(e) === false) return;
        }
        if (!nodes.prev(cur)) return;
        i = nodes.at(cur).entries.length - 1;
      }
    }
  }

  /** Up to count (0: all) live entries in [start, end]. */
  range(start: StreamID, end: StreamID, rev: boolean, count: number): StreamEntry[] {
    const out: StreamEntry[] = [];
    this.scan(start, end, rev, (e) => {
      out.push(e);
      return count === 0 || out.length < count;
    });
    return out;
  }

  /** streamGetEdgeID: first (or last) entry ID, tombstones skipped or not; MAX (or 0-0) when none. */
  edgeId(first: boolean, skipTombstones: boolean): StreamID {
    const nodes = this.nodes;
    if (first) {
      for (const ch of nodes.chunks) {
        for (const node of ch) {
          for (const e of node.entries) if (!skipTombstones || !e.deleted) return { ms: e.ms, seq: e.seq };
        }
      }
      return MAX_ID;
    }
    const cur = nodes.lastCursor();
    if (cur !== null) {
      do {
        const es = nodes.at(cur).entries;
        for (let i = es.length - 1; i >= 0; i--) if (!skipTombstones || !es[i].deleted) return { ms: es[i].ms, seq: es[i].seq };
      } while (nodes.prev(cur));
    }
    return ZERO_ID;
  }

  /** streamLastValidID: the last live entry's ID (0-0 when empty). */
  lastValidId(): StreamID {
    return this.length === 0 ? ZERO_ID : this.edgeId(false, true);
  }

  /** Live entries in ID order (DEBUG DIGEST): ID and the field, value list. */
  *entries(): IterableIterator<{ id: StreamID; fields: string[] }> {
    for (const node of this.nodes) {
      for (const e of node.entries) if (!e.deleted) yield { id: { ms: e.ms, seq: e.seq }, fields: e.fv };
    }
  }

  /** Visit every live entry in ID order. */
  forEach(fn: (e: StreamEntry) => void): void {
    for (const node of this.nodes) for (const e of node.entries) if (!e.deleted) fn(e);
  }

  firstEntry(): StreamEntry | undefined {
    let out: StreamEntry | undefined;
    this.scan(ZERO_ID, MAX_ID, false, (e) => {
      out = e;
      return false;
    });
    return out;
  }

  lastEntry(): StreamEntry | undefined {
    let out: StreamEntry | undefined;
    this.scan(ZERO_ID, MAX_ID, true, (e) => {
      out = e;
      return false;
    });
    return out;
  }

  // ---- deleting ---------------------------------------------------------------------------

  /** streamDeleteItem: flag one live entry deleted; false when absent. */
  deleteEntry(id: StreamID): boolean {
    const node = this.nodes.floor(id);
    if (node === undefined) return false;
    const i = node.indexGE(id.ms, id.seq);
    const e = node.entries[i];
    if (e === undefined || e.deleted || e.ms !== id.ms || e.seq !== id.seq) return false;
    if (node.live === 1) this.nodes.remove(node.ms, node.seq);
    else node.markDeleted(i);
    this.length--;
    return true;
  }

  /** XDEL of several IDs, with the bookkeeping of xdelCommand; returns how many were deleted. */
  deleteIds(ids: StreamID[]): number {
    let deleted = 0;
    let first = false;
    for (const id of ids) {
      if (!this.deleteEntry(id)) continue;
      if (cmpID(id, this.firstId) === 0) first = true;
      if (cmpID(id, this.maxDeletedId) > 0) this.maxDeletedId = id;
      deleted++;
    }
    if (deleted > 0) {
      if (this.length === 0) this.firstId = ZERO_ID;
      else if (first) this.firstId = this.edgeId(true, true);
    }
    return deleted;
  }

  /** streamTrim: returns the number of entries deleted. */
  trim(spec: TrimSpec): number {
    const nodes = this.nodes;
    const maxlen = spec.strategy === 'maxlen';
    let deleted = 0;
    for (;;) {
      const node = nodes.first();
      if (node === undefined) break;
      if (maxlen && this.length <= spec.maxlen) break;
      const entries = node.live;
      if (spec.limit !== 0 && deleted + entries > spec.limit) break;
      let removeNode: boolean;
      if (maxlen) removeNode = this.length - entries >= spec.maxlen;
      else {
        const last = node.entries[node.entries.length - 1];
        removeNode = cmpMsSeq(last.ms, last.seq, spec.minid.ms, spec.minid.seq) < 0;
      }
      if (removeNode) {
        nodes.remove(node.ms, node.seq);
        this.length -= entries;
        deleted += entries;
        continue;
      }
      if (spec.approx) break;
      // Flag entries inside the node until the condition holds.
      const before = node.bytes;
      const es = node.entries;
      let fromNode = 0;
      for (let i = 0; i < es.length; i++) {
        const e = es[i];
        const stop = maxlen ? this.length <= spec.maxlen : cmpMsSeq(e.ms, e.seq, spec.minid.ms, spec.minid.seq) >= 0;
        if (stop) break;
        if (!e.deleted) {
          e.deleted = true;
          fromNode++;
          this.length--;
        }
      }
      node.live -= fromNode;
      node.deleted += fromNode;
      node.resized(before);
      deleted += fromNode;
      break;
    }
    // Redis recomputes it on every trim; it only moves when entries went.
    if (this.length === 0) this.firstId = ZERO_ID;
    else if (deleted > 0) this.firstId = this.edgeId(true, true);
    return deleted;
  }

  // ---- groups and counters ------------------------------------------------------------------

  getGroup(name: string): ConsumerGroup | undefined {
    return this.groups?.get(name);
  }

  /** streamCreateCG: null when the name exists. */
  createGroup(name: string, lastId: StreamID, entriesRead: I64): ConsumerGroup | null {
    this.groups ??= new Map();
    if (this.groups.has(name)) return null;
    const g = new ConsumerGroup(name, lastId, entriesRead);
    this.groups.set(name, g);
    return g;
  }

  destroyGroup(name: string): boolean {
    return this.groups?.delete(name) ?? false;
  }

  /** Groups in name order. */
  sortedGroups(): ConsumerGroup[] {
    if (this.groups === null) return [];
    return [...this.groups.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get groupCount(): number {
    return this.groups?.size ?? 0;
  }

  /** streamRangeHasTombstones. */
  rangeHasTombstones(start: StreamID | null, end: StreamID | null): boolean {
    const md = this.maxDeletedId;
    if (this.length === 0 || isZeroID(md)) return false;
    if (cmpID(this.firstId, md) > 0) return false;
    const s = start ?? ZERO_ID;
    const e = end ?? MAX_ID;
    return cmpID(s, md) <= 0 && cmpID(md, e) <= 0;
  }

  /** streamEstimateDistanceFromFirstEverEntry: the logical read counter of id, or -1. */
  estimateDistance(id: StreamID): I64 {
    if (this.entriesAdded === 0) return 0;
    if (this.length === 0 && cmpID(id, this.lastId) < 1) return this.entriesAdded;
    const cmpLast = cmpID(id, this.lastId);
    if (cmpLast === 0) return this.entriesAdded;
    if (cmpLast > 0) return INVALID_ENTRIES_READ;
    const cmpFirst = cmpID(id, this.firstId);
    if (isZeroID(this.maxDeletedId) || cmpID(this.maxDeletedId, this.firstId) < 0) {
      if (cmpFirst < 0) return subI64(this.entriesAdded, this.length);
      if (cmpFirst === 0) return addI64(subI64(this.entriesAdded, this.length), 1);
    }
    return INVALID_ENTRIES_READ;
  }

  /** The group's lag (streamReplyWithCGLag), or null when it cannot be known. */
  groupLag(g: ConsumerGroup): I64 | null {
    if (this.entriesAdded === 0) return 0;
    if (g.entriesRead !== INVALID_ENTRIES_READ && !this.rangeHasTombstones(g.lastId, null)) {
      return subI64(this.entriesAdded, g.entriesRead);
    }
    const read = this.estimateDistance(g.lastId);
    if (read === INVALID_ENTRIES_READ) return null;
    return subI64(this.entriesAdded, read);
  }

  /** Advance a group's last ID to id while delivering it (streamReplyWithRange). */
  groupDelivered(g: ConsumerGroup, id: StreamID): void {
    if (g.entriesRead !== INVALID_ENTRIES_READ && !this.rangeHasTombstones(id, null)) {
      g.entriesRead = addI64(g.entriesRead, 1);
    } else if (this.entriesAdded !== 0) {
      g.entriesRead = this.estimateDistance(id);
    }
    g.lastId = id;
  }

  // ---- Container -----------------------------------------------------------------------------

  /**
   * objectComputeSize for OBJ_STREAM: the first `sampleSize` listpacks
   * (MEMORY USAGE SAMPLES, 5 by default, 0 for all) stand for all but the last.
   */
  memoryUsage(sampleSize = SAMPLES): number {
    const nodes = this.nodes;
    const max = sampleSize <= 0 ? Infinity : sampleSize;
    let size = ROBJ + STREAM_STRUCT + raxMemory(nodes.size, nodes.raxNodes);
    let lpsize = 0;
    let samples = 0;
    for (const ch of nodes.chunks) {
      for (const n of ch) {
        if (samples >= max) break;
        lpsize += n.alloc;
        samples++;
      }
      if (samples >= max) break;
    }
    if (nodes.size <= samples) size += lpsize;
    else {
      if (samples) lpsize = Math.floor(lpsize / samples);
      size += lpsize * (nodes.size - 1) + nodes.last()!.alloc;
    }
    if (this.groups !== null) {
      for (const g of this.groups.values()) {
        size += STREAM_CG + raxMemory(g.pel.size, g.pel.raxNodes) + STREAM_NACK * g.pel.size;
        for (const c of g.consumers.values()) {
          size += STREAM_CONSUMER + c.name.length + raxMemory(c.pel.size, c.pel.raxNodes);
        }
      }
    }
    return size;
  }

  clone(): Stream {
    const s = new Stream();
    for (const n of this.nodes) {
      const m = new StreamNode(n.ms, n.seq, n.masterFields.slice());
      m.live = n.live;
      m.deleted = n.deleted;
      m.base = n.base;
      // streamDup copies each listpack into an allocation of its exact size.
      m.alloc = allocSize(n.bytes);
      m.entries = n.entries.map((e) => new StreamEntry(e.ms, e.seq, e.fv.slice(), e.deleted));
      s.nodes.insert(m);
    }
    s.length = this.length;
    s.lastId = this.lastId;
    s.firstId = this.firstId;
    s.maxDeletedId = this.maxDeletedId;
    s.entriesAdded = this.entriesAdded;
    if (this.groups !== null) {
      s.groups = new Map();
      for (const g of this.groups.values()) {
        const ng = new ConsumerGroup(g.name, g.lastId, g.entriesRead);
        const owner = new Map<StreamConsumer, StreamConsumer>();
        for (const c of g.consumers.values()) {
          const nc = new StreamConsumer(c.name, c.seenTime);
          owner.set(c, nc);
          ng.consumers.set(nc.name, nc);
        }
        for (const nack of g.pel) {
          const nc = nack.consumer === null ? null : owner.get(nack.consumer)!;
          const nn = new StreamNACK(nack.ms, nack.seq, nack.deliveryTime, nack.deliveryCount, nc);
          ng.pel.insert(nn);
          nc?.pel.insert(nn);
        }
        s.groups.set(ng.name, ng);
      }
    }
    return s;
  }
}
