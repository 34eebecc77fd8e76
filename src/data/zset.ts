/**
 * Sorted set values, with Redis 7.0's two encodings and their observable
 * behaviour.
 *
 * Data structure (both encodings): an order-statistic B+tree over
 * (score, member) pairs, plus a Map member -> slot into two dense arrays
 * (members, scores).
 *
 *  - The tree orders elements as Redis's skiplist does: by score, then by
 *    member bytes (memcmp, shorter first on a common prefix; latin1 JS
 *    strings compare exactly so). Leaves hold up to 64 elements in parallel
 *    arrays and are linked both ways for range walks; inner nodes hold up to
 *    64 children with each child's element count and separator keys (a
 *    separator is a lower bound of the child on its right). Every
 *    non-root node keeps at least a quarter of its capacity (merge or
 *    borrow on underflow), so the height is O(log n) and insert, delete,
 *    rank, element-by-rank, and "how many elements sort before x" are all
 *    O(log n); a range of m elements is O(log n + m). This was chosen over a
 *    skiplist with spans: the same bounds, but contiguous arrays suit V8
 *    far better than one object and two arrays per node.
 *  - The Map gives ZSCORE/ZADD their O(1) member lookup. The dense arrays
 *    (delete moves the last slot into the hole) give O(1) random members
 *    and a ZSCAN cursor with SCAN's guarantee: slots are visited from the
 *    top down, so an element present for the whole scan is returned at
 *    least once whatever is added or removed meanwhile.
 *
 * Encodings: "listpack" while there are at most zset-max-listpack-entries
 * elements of at most zset-max-listpack-value bytes, then "skiplist", one
 * way, exactly where Redis converts (add()). The flag changes what Redis
 * would show: the memory estimate, ZSCAN (a listpack answers in one reply,
 * with the scores as stored in the listpack), the scan-based lexicographic
 * range semantics of a listpack (lexRangeForward/Backward), and score storage: a
 * listpack stores integral scores within +-2^62 as integers, so -0 becomes
 * 0 there, as in Redis 7.0.
 *
 * Iteration in order (forEach, cursors, memberAt/scoreAt by rank) is the
 * order a DUMP or RDB writer should serialize; fromPairs() builds a value
 * back from (member, score) pairs with a chosen encoding (fitsListpack()
 * says which one Redis would pick for a loaded set).
 *
 * Costs: ZADD/ZREM/ZSCORE-like member operations O(1) + O(log n); rank and
 * range queries O(log n + m); pops O(log n); clone/fromPairs O(n log n) at
 * most (already sorted input loads in O(n)); memoryUsage() O(1).
 */
import type { Container, EncodingLimits } from '../db/values';
import { allocSize } from '../db/memory';
import { formatG17 } from '../protocol/numbers';
import { dictBuckets, lpEntrySize, sdsSize } from './hash';

const LEAF_CAP = 64;
const LEAF_MIN = 16;
const INNER_CAP = 64;
const INNER_MIN = 16;
/** Fill of nodes built in bulk. */
const BULK_FILL = 48;

class Leaf {
  keys: string[] = [];
  scores: number[] = [];
  next: Leaf | null = null;
  prev: Leaf | null = null;
}

class Inner {
  kids: (Leaf | Inner)[] = [];
  /** Element count of each child's subtree. */
  counts: number[] = [];
  /** sepS[i], sepK[i]: a lower bound of kids[i + 1], above everything in kids[i]. */
  sepS: number[] = [];
  sepK: string[] = [];
}

/** Order of (s1, k1) and (s2, k2) as Redis's skiplist orders elements. */
function cmp(s1: number, k1: string, s2: number, k2: string): number {
  if (s1 < s2) return -1;
  if (s1 > s2) return 1;
  return k1 < k2 ? -1 : k1 > k2 ? 1 : 0;
}

/** Lexicographic range bound: a string, or -inf / +inf ("-" and "+"). */
export type LexBound = string | typeof LEX_MIN | typeof LEX_MAX;
export const LEX_MIN: unique symbol = Symbol('-');
export const LEX_MAX: unique symbol = Symbol('+');

export interface LexRange {
  min: LexBound;
  minex: boolean;
  max: LexBound;
  maxex: boolean;
}

export interface ScoreRange {
  min: number;
  minex: boolean;
  max: number;
  maxex: boolean;
}

/** sdscmplex: bounds against bounds or members. */
export function lexCompare(a: LexBound, b: LexBound): number {
  if (a === b) return 0;
  if (a === LEX_MIN || b === LEX_MAX) return -1;
  if (a === LEX_MAX || b === LEX_MIN) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function lexGteMin(m: string, r: LexRange): boolean {
  return r.minex ? lexCompare(m, r.min) > 0 : lexCompare(m, r.min) >= 0;
}

export function lexLteMax(m: string, r: LexRange): boolean {
  return r.maxex ? lexCompare(m, r.max) < 0 : lexCompare(m, r.max) <= 0;
}

/** zslIsInLexRange / zzlIsInLexRange's first test: a range that is empty whatever the set. */
export function lexRangeEmpty(r: LexRange): boolean {
  const c = lexCompare(r.min, r.max);
  return c > 0 || (c === 0 && (r.minex || r.maxex));
}

export function scoreRangeEmpty(r: ScoreRange): boolean {
  return r.min > r.max || (r.min === r.max && (r.minex || r.maxex));
}

export function scoreGteMin(s: number, r: ScoreRange): boolean {
  return r.minex ? s > r.min : s >= r.min;
}

export function scoreLteMax(s: number, r: ScoreRange): boolean {
  return r.maxex ? s < r.max : s <= r.max;
}

// ZADD flags (zsetAdd's in_flags / out_flags).
export const ZADD_IN_INCR = 1;
export const ZADD_IN_NX = 2;
export const ZADD_IN_XX = 4;
export const ZADD_IN_GT = 8;
export const ZADD_IN_LT = 16;
export const ZADD_OUT_NAN = 1;
export const ZADD_OUT_ADDED = 2;
export const ZADD_OUT_UPDATED = 4;
export const ZADD_OUT_NOP = 8;

// ---- memory model -------------------------------------------------------------

const ROBJ = 16;
/** listpack header (total bytes, count) and end byte */
const LP_EMPTY = 7;
/** sizeof(zset) + sizeof(zskiplist) + sizeof(dict) */
const SKIPLIST_FIXED = 16 + 32 + 56;
/** The skiplist header node: 32 levels (24 + 32 * 16 = 536 bytes, a 640 class). */
const SKIPLIST_HEADER = 640;
const DICT_ENTRY = 24;
/**
 * Expected allocation of a skiplist node: 24 bytes + 16 per level, level k
 * with probability 0.75 * 0.25^(k-1); Redis's levels are random, this is
 * their mean.
 */
const NODE_EXPECTED = (() => {
  let e = 0;
  let p = 0.75;
  for (let k = 1; k <= 32; k++) {
    e += p * allocSize(24 + 16 * k);
    p *= 0.25;
  }
  return e;
})();
/** LLONG_MAX / 2 as a double (2^62): double2ll's range. */
const LL_HALF = 4611686018427387904;

/** The integer a listpack stores for score s (double2ll), or null when it stores a string. */
function lpIntScore(s: number): boolean {
  return s >= -LL_HALF && s <= LL_HALF && Math.trunc(s) === s;
}

/** Bytes of a listpack integer entry (encoding + data + back length). */
function lpIntSize(v: number): number {
  if (v >= 0 && v <= 127) return 2;
  if (v >= -4096 && v <= 4095) return 3;
  if (v >= -32768 && v <= 32767) return 4;
  if (v >= -8388608 && v <= 8388607) return 5;
  if (v >= -2147483648 && v <= 2147483647) return 6;
  return 10;
}

/**
 * printf("%.17g", d) as protocol/numbers.ts formatG17, faster: safe
 * integers print as themselves, and other values use JS's correctly
 * rounded 17-digit conversion unless an 18th digit of 5 says the value may
 * be an exact tie (where glibc rounds half to even and JS up), which goes
 * to formatG17's exact path. Scores are formatted often (ZRANGE WITHSCORES,
 * pops, ZSCORE), so this matters.
 */
export function formatScore(d: number): string {
  if (d !== 0 && Number.isSafeInteger(d)) return String(d);
  if (d === 0 || !Number.isFinite(d)) return formatG17(d);
  const e18 = d.toExponential(17);
  const mark = e18.indexOf('e');
  if (e18.charCodeAt(mark - 1) === 53) return formatG17(d); // '5': maybe a tie
  const e17 = d.toExponential(16);
  const ei = e17.indexOf('e');
  const exp = +e17.slice(ei + 1);
  const neg = d < 0;
  const digits = e17.slice(neg ? 1 : 0, ei).replace('.', '');
  const sign = neg ? '-' : '';
  if (exp < -4 || exp >= 17) {
    let mant = digits[0];
    let rest = digits.slice(1);
    let k = rest.length;
    while (k > 0 && rest.charCodeAt(k - 1) === 48) k--;
    rest = rest.slice(0, k);
    if (rest.length) mant += '.' + rest;
    const ae = exp < 0 ? -exp : exp;
    return `${sign}${mant}e${exp < 0 ? '-' : '+'}${ae < 10 ? '0' + ae : ae}`;
  }
  let s: string;
  if (exp >= 0) {
    const int = digits.slice(0, exp + 1);
    let frac = digits.slice(exp + 1);
    let k = frac.length;
    while (k > 0 && frac.charCodeAt(k - 1) === 48) k--;
    frac = frac.slice(0, k);
    s = frac.length ? int + '.' + frac : int;
  } else {
    let all = '0.' + '0'.repeat(-exp - 1) + digits;
    let k = all.length;
    while (all.charCodeAt(k - 1) === 48) k--;
    all = all.slice(0, k);
    s = all;
  }
  return sign + s;
}

/**
 * The text of a score as a listpack holds it (what ZSCAN shows for a
 * listpack): an integer within +-2^62, else d2string (%.17g, "inf").
 */
export function listpackScoreString(s: number): string {
  if (lpIntScore(s)) return Number.isSafeInteger(s) ? String(s === 0 ? 0 : s) : BigInt(s).toString();
  return formatScore(s);
}

function lpScoreSize(s: number): number {
  if (lpIntScore(s)) return lpIntSize(s);
  return lpEntrySize(formatScore(s));
}

// ---- the value ----------------------------------------------------------------

export class ZSetValue implements Container {
  readonly type = 'zset' as const;
  private root: Leaf | Inner = new Leaf();
  /** Levels of inner nodes above the leaves (0: the root is a leaf). */
  private height = 0;
  private head: Leaf;
  private tail: Leaf;
  /** member -> slot */
  private index = new Map<string, number>();
  private slotKeys: string[] = [];
  private slotScores: number[] = [];
  /** Encoding flag: true while "listpack". */
  private lp = true;
  private lpBytes = LP_EMPTY;
  private buckets = 0;
  /** Path scratch for descents: inner node and child index per level. */
  private pathNode: Inner[] = [];
  private pathIdx: number[] = [];
  /** The score the last add() left the element with. */
  lastScore = 0;

  constructor(listpack = true) {
    this.head = this.tail = this.root as Leaf;
    this.lp = listpack;
  }

  /**
   * A sorted set of these (member, score) pairs (RDB/DUMP loading, results
   * of ZUNIONSTORE and the like): members must be distinct; the encoding is
   * the one given.
   */
  static fromPairs(members: readonly string[], scores: readonly number[], listpack: boolean): ZSetValue {
    const z = new ZSetValue(listpack);
    const n = members.length;
    const order = new Array<number>(n);
    for (let i = 0; i < n; i++) order[i] = i;
    const sc = listpack ? scores.map((s) => (s === 0 ? 0 : s)) : scores;
    order.sort((a, b) => cmp(sc[a], members[a], sc[b], members[b]));
    const ks = new Array<string>(n);
    const ss = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      ks[i] = members[order[i]];
      ss[i] = sc[order[i]];
    }
    z.bulkLoad(ks, ss);
    return z;
  }

  /** Encoding for a new set: listpack when it fits the limits (zsetTypeCreate's test). */
  static fitsListpack(size: number, maxLen: number, limits: EncodingLimits): boolean {
    return size <= limits.zsetMaxListpackEntries && maxLen <= limits.zsetMaxListpackValue;
  }

  get size(): number {
    return this.slotKeys.length;
  }

  get isListpack(): boolean {
    return this.lp;
  }

  encoding(): string {
    return this.lp ? 'listpack' : 'skiplist';
  }

  memoryUsage(): number {
    if (this.lp) return ROBJ + allocSize(this.lpBytes);
    // objectComputeSize: fixed parts, dict buckets, and the first (up to) 5
    // elements' average (member sds, dict entry, node) times the size.
    let asize = ROBJ + SKIPLIST_FIXED + 8 * this.buckets + SKIPLIST_HEADER;
    const n = this.size;
    if (n > 0) {
      let ele = 0;
      let samples = 0;
      for (let leaf: Leaf | null = this.head; leaf !== null && samples < 5; leaf = leaf.next) {
        const ks = leaf.keys;
        for (let i = 0; i < ks.length && samples < 5; i++, samples++) ele += sdsSize(ks[i].length) + DICT_ENTRY + NODE_EXPECTED;
      }
      asize += Math.floor((ele / samples) * n);
    }
    return asize;
  }

  clone(): ZSetValue {
    const z = new ZSetValue(this.lp);
    const n = this.size;
    const ks = new Array<string>(n);
    const ss = new Array<number>(n);
    let i = 0;
    for (let leaf: Leaf | null = this.head; leaf !== null; leaf = leaf.next) {
      for (let j = 0; j < leaf.keys.length; j++, i++) {
        ks[i] = leaf.keys[j];
        ss[i] = leaf.scores[j];
      }
    }
    z.bulkLoad(ks, ss);
    z.buckets = this.buckets;
    return z;
  }

  // ---- lookups ----------------------------------------------------------------

  score(member: string): number | undefined {
    const p = this.index.get(member);
    return p === undefined ? undefined : this.slotScores[p];
  }

  has(member: string): boolean {
    return this.index.has(member);
  }

  /** 0-based rank of member in ascending order, or -1. */
  rank(member: string): number {
    const p = this.index.get(member);
    if (p === undefined) return -1;
    return this.rankOf(this.slotScores[p], member);
  }

  /** Member at rank r (0 <= r < size). */
  memberAt(r: number): string {
    const leaf = this.leafAt(r);
    return leaf.keys[this.atIdx];
  }

  scoreAt(r: number): number {
    const leaf = this.leafAt(r);
    return leaf.scores[this.atIdx];
  }

  /** Every element in ascending order. */
  forEach(fn: (member: string, score: number) => void): void {
    for (let leaf: Leaf | null = this.head; leaf !== null; leaf = leaf.next) {
      const ks = leaf.keys;
      const ss = leaf.scores;
      for (let i = 0; i < ks.length; i++) fn(ks[i], ss[i]);
    }
  }

  /** A cursor at rank r, walking up (or down with reverse). */
  cursor(r: number): ZCursor {
    const c = new ZCursor();
    if (r >= 0 && r < this.size) {
      c.leaf = this.leafAt(r);
      c.i = this.atIdx;
    }
    return c;
  }

  // ---- slots: random members and SCAN -------------------------------------------

  /** Number of slots (= size); slots are in no particular order. */
  slotMember(p: number): string {
    return this.slotKeys[p];
  }

  slotScore(p: number): number {
    return this.slotScores[p];
  }

  /** A uniformly random slot, or -1 when empty. */
  randomSlot(): number {
    const n = this.slotKeys.length;
    return n === 0 ? -1 : Math.floor(Math.random() * n);
  }

  /**
   * One SCAN step over a skiplist-encoded set: visits up to count slots
   * downwards from the cursor (0 starts at the top) and returns the next
   * cursor, 0 when done.
   */
  scanFrom(cursor: number, count: number, visit: (slot: number) => void): number {
    const n = this.size;
    let i = cursor === 0 || cursor > n ? n : cursor;
    const stop = Math.max(0, i - count);
    while (i > stop) visit(--i);
    return i;
  }

  // ---- ranges -----------------------------------------------------------------

  /** Elements with a score below min (or at most min when inclusive=true): the rank where >= min (> min) starts. */
  countScoreBelow(min: number, orEqual: boolean): number {
    let node = this.root;
    let base = 0;
    for (let h = this.height; h > 0; h--) {
      const inner = node as Inner;
      const seps = inner.sepS;
      let lo = 0;
      let hi = seps.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (orEqual ? seps[mid] <= min : seps[mid] < min) lo = mid + 1;
        else hi = mid;
      }
      const counts = inner.counts;
      for (let j = 0; j < lo; j++) base += counts[j];
      node = inner.kids[lo];
    }
    const ss = (node as Leaf).scores;
    let lo = 0;
    let hi = ss.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (orEqual ? ss[mid] <= min : ss[mid] < min) lo = mid + 1;
      else hi = mid;
    }
    return base + lo;
  }

  /** [start, end) ranks of the elements in a score range. */
  scoreRange(r: ScoreRange): [number, number] {
    if (scoreRangeEmpty(r)) return [0, 0];
    const start = this.countScoreBelow(r.min, r.minex);
    const end = this.countScoreBelow(r.max, !r.maxex);
    return end > start ? [start, end] : [start, start];
  }

  /** Elements whose member sorts before bound b (or at b when orEqual), assuming members ascend with rank. */
  private countLexBelow(b: LexBound, orEqual: boolean): number {
    if (b === LEX_MIN) return 0;
    if (b === LEX_MAX) return this.size;
    let node = this.root;
    let base = 0;
    for (let h = this.height; h > 0; h--) {
      const inner = node as Inner;
      const seps = inner.sepK;
      let lo = 0;
      let hi = seps.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (orEqual ? seps[mid] <= b : seps[mid] < b) lo = mid + 1;
        else hi = mid;
      }
      const counts = inner.counts;
      for (let j = 0; j < lo; j++) base += counts[j];
      node = inner.kids[lo];
    }
    const ks = (node as Leaf).keys;
    let lo = 0;
    let hi = ks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (orEqual ? ks[mid] <= b : ks[mid] < b) lo = mid + 1;
      else hi = mid;
    }
    return base + lo;
  }

  /**
   * [start, end) ranks of a lexicographic range walked forward, as Redis
   * finds it: on a listpack, by a scan from the head (the first element
   * >= min, then every following element <= max), so sets whose scores
   * differ answer as Redis's listpack does; on a skiplist by search.
   */
  lexRangeForward(r: LexRange): [number, number] {
    const n = this.size;
    if (n === 0 || lexRangeEmpty(r)) return [0, 0];
    // zzlIsInLexRange / zslIsInLexRange: the last element must be >= min, the first <= max.
    if (!lexGteMin(this.tail.keys[this.tail.keys.length - 1], r) || !lexLteMax(this.head.keys[0], r)) return [0, 0];
    if (this.lp) {
      let start = -1;
      let rank = 0;
      const c = this.cursor(0);
      for (; c.valid; c.next(), rank++) {
        if (lexGteMin(c.member, r)) {
          start = rank;
          break;
        }
      }
      if (start < 0) return [0, 0];
      let end = start;
      for (; c.valid && lexLteMax(c.member, r); c.next()) end++;
      return [start, end];
    }
    const start = this.countLexBelow(r.min, r.minex);
    if (start >= n || !lexLteMax(this.memberAt(start), r)) return [0, 0];
    const end = this.countLexBelow(r.max, !r.maxex);
    return [start, Math.max(start, end)];
  }

  /**
   * [start, end) ranks of a lexicographic range walked backward (ZREVRANGEBYLEX):
   * on a listpack the last element <= max found from the tail, then every
   * preceding element >= min.
   */
  lexRangeBackward(r: LexRange): [number, number] {
    const n = this.size;
    if (n === 0 || lexRangeEmpty(r)) return [0, 0];
    if (!lexGteMin(this.tail.keys[this.tail.keys.length - 1], r) || !lexLteMax(this.head.keys[0], r)) return [0, 0];
    if (!this.lp) return this.lexRangeForward(r);
    let last = -1;
    let rank = n - 1;
    const c = this.cursor(n - 1);
    for (; c.valid; c.prev(), rank--) {
      if (lexLteMax(c.member, r)) {
        last = rank;
        break;
      }
    }
    if (last < 0) return [0, 0];
    let start = last + 1;
    for (; c.valid && lexGteMin(c.member, r); c.prev()) start--;
    return [start, last + 1];
  }

  // ---- changes ----------------------------------------------------------------

  /**
   * zsetAdd: add or update member with the ZADD flags; converts a listpack
   * to skiplist before adding an element that would not fit. Returns the
   * ZADD_OUT_* flags; lastScore holds the element's score afterwards.
   * ZADD_OUT_NAN when the score (or the incremented score) is NaN.
   */
  add(member: string, score: number, flags: number, limits: EncodingLimits): number {
    if (score !== score) return ZADD_OUT_NAN;
    const p = this.index.get(member);
    if (p !== undefined) {
      if (flags & ZADD_IN_NX) return ZADD_OUT_NOP;
      const cur = this.slotScores[p];
      if (flags & ZADD_IN_INCR) {
        score += cur;
        if (score !== score) return ZADD_OUT_NAN;
      }
      if ((flags & ZADD_IN_LT && score >= cur) || (flags & ZADD_IN_GT && score <= cur)) return ZADD_OUT_NOP;
      if (score !== cur) {
        this.updateAt(p, member, cur, score);
        this.lastScore = score; // as given: a listpack's -0 -> 0 is not seen in the reply
        return ZADD_OUT_UPDATED;
      }
      this.lastScore = score;
      return 0;
    }
    if (flags & ZADD_IN_XX) return ZADD_OUT_NOP;
    if (this.lp && (this.size + 1 > limits.zsetMaxListpackEntries || member.length > limits.zsetMaxListpackValue)) this.convertToSkiplist();
    this.insertNew(member, score);
    this.lastScore = score;
    return ZADD_OUT_ADDED;
  }

  /** Insert a member known to be absent (no encoding checks). */
  insertNew(member: string, score: number): void {
    if (this.lp) {
      if (score === 0) score = 0; // a listpack stores -0 as the integer 0
      this.lpBytes += lpEntrySize(member) + lpScoreSize(score);
    } else {
      const n = this.slotKeys.length;
      if (n >= this.buckets) this.buckets = dictBuckets(n + 1);
    }
    this.index.set(member, this.slotKeys.length);
    this.slotKeys.push(member);
    this.slotScores.push(score);
    this.treeInsert(score, member);
  }

  private updateAt(p: number, member: string, cur: number, score: number): void {
    if (this.lp) {
      if (score === 0) score = 0;
      this.lpBytes += lpScoreSize(score) - lpScoreSize(cur);
    }
    this.slotScores[p] = score;
    // In place when the order does not change (zslUpdateScore's shortcut), else move.
    const leaf = this.locate(cur, member);
    const i = this.atIdx;
    if ((i > 0 ? cmp(leaf.scores[i - 1], leaf.keys[i - 1], score, member) < 0 : leaf.prev === null) &&
      (i < leaf.keys.length - 1 ? cmp(score, member, leaf.scores[i + 1], leaf.keys[i + 1]) < 0 : leaf.next === null)) {
      leaf.scores[i] = score;
      return;
    }
    this.removeLocated(leaf, i);
    this.treeInsert(score, member);
  }

  /** Remove member; true when it was there. */
  delete(member: string): boolean {
    const p = this.index.get(member);
    if (p === undefined) return false;
    const score = this.slotScores[p];
    this.treeDelete(score, member);
    this.dropSlot(p, member, score);
    return true;
  }

  private dropSlot(p: number, member: string, score: number): void {
    if (this.lp) this.lpBytes -= lpEntrySize(member) + lpScoreSize(score);
    this.index.delete(member);
    const last = this.slotKeys.length - 1;
    if (p !== last) {
      const k = this.slotKeys[last];
      this.slotKeys[p] = k;
      this.slotScores[p] = this.slotScores[last];
      this.index.set(k, p);
    }
    this.slotKeys.pop();
    this.slotScores.pop();
    // zsetDel: htNeedsResize + dictResize, shrink when under 10% full.
    if (!this.lp && this.buckets > 4 && last * 10 < this.buckets) this.buckets = dictBuckets(last);
  }

  /** Remove the element at rank r; its member and score are left in popped*. */
  removeAt(r: number): void {
    const leaf = this.descendRank(r);
    const i = this.atIdx;
    const member = leaf.keys[i];
    const score = leaf.scores[i];
    this.removeFromLeaf(leaf, i);
    this.dropSlot(this.index.get(member)!, member, score);
    this.poppedMember = member;
    this.poppedScore = score;
  }

  poppedMember = '';
  poppedScore = 0;

  /** Remove ranks [start, end); returns how many. */
  removeRange(start: number, end: number): number {
    const n = end - start;
    if (n <= 0) return 0;
    if (n === this.size) {
      this.clear();
      return n;
    }
    for (let k = 0; k < n; k++) this.removeAt(start);
    return n;
  }

  /** Drop every element (keeps the encoding). */
  clear(): void {
    const leaf = new Leaf();
    this.root = this.head = this.tail = leaf;
    this.height = 0;
    this.index.clear();
    this.slotKeys = [];
    this.slotScores = [];
    this.lpBytes = LP_EMPTY;
  }

  /** zsetConvert to skiplist. */
  convertToSkiplist(): void {
    if (!this.lp) return;
    this.lp = false;
    this.lpBytes = LP_EMPTY;
    this.buckets = this.size === 0 ? 0 : dictBuckets(this.size);
  }

  // ---- the tree ---------------------------------------------------------------

  /** Leaf index found by the last leafAt / locate / descendRank. */
  private atIdx = 0;

  private leafAt(r: number): Leaf {
    let node = this.root;
    for (let h = this.height; h > 0; h--) {
      const inner = node as Inner;
      const counts = inner.counts;
      let j = 0;
      while (r >= counts[j]) r -= counts[j++];
      node = inner.kids[j];
    }
    this.atIdx = r;
    return node as Leaf;
  }

  private rankOf(score: number, member: string): number {
    let node = this.root;
    let base = 0;
    for (let h = this.height; h > 0; h--) {
      const inner = node as Inner;
      const j = sepUpper(inner, score, member);
      const counts = inner.counts;
      for (let t = 0; t < j; t++) base += counts[t];
      node = inner.kids[j];
    }
    return base + leafLower(node as Leaf, score, member);
  }

  private treeInsert(score: number, member: string): void {
    let node = this.root;
    const pn = this.pathNode;
    const pi = this.pathIdx;
    for (let h = this.height; h > 0; h--) {
      const inner = node as Inner;
      const j = sepUpper(inner, score, member);
      inner.counts[j]++;
      pn[h] = inner;
      pi[h] = j;
      node = inner.kids[j];
    }
    const leaf = node as Leaf;
    const pos = leafLower(leaf, score, member);
    insertAt(leaf.keys, pos, member);
    insertAt(leaf.scores, pos, score);
    if (leaf.keys.length > LEAF_CAP) this.splitLeaf(leaf);
  }

  private splitLeaf(leaf: Leaf): void {
    const n = leaf.keys.length;
    const half = n >> 1;
    const right = new Leaf();
    right.keys = leaf.keys.slice(half);
    right.scores = leaf.scores.slice(half);
    leaf.keys.length = half;
    leaf.scores.length = half;
    right.next = leaf.next;
    right.prev = leaf;
    if (leaf.next !== null) leaf.next.prev = right;
    else this.tail = right;
    leaf.next = right;
    this.insertInParent(1, leaf, right, right.scores[0], right.keys[0], half, n - half);
  }

  /** After splitting the node at path level h-1 into left and right: link right into level h. */
  private insertInParent(h: number, left: Leaf | Inner, right: Leaf | Inner, sepS: number, sepK: string, lc: number, rc: number): void {
    if (h > this.height) {
      const root = new Inner();
      root.kids = [left, right];
      root.counts = [lc, rc];
      root.sepS = [sepS];
      root.sepK = [sepK];
      this.root = root;
      this.height++;
      return;
    }
    const parent = this.pathNode[h];
    const j = this.pathIdx[h];
    parent.counts[j] = lc;
    insertAt(parent.kids, j + 1, right);
    insertAt(parent.counts, j + 1, rc);
    insertAt(parent.sepS, j, sepS);
    insertAt(parent.sepK, j, sepK);
    if (parent.kids.length <= INNER_CAP) return;
    const n = parent.kids.length;
    const half = n >> 1;
    const r = new Inner();
    r.kids = parent.kids.slice(half);
    r.counts = parent.counts.slice(half);
    r.sepS = parent.sepS.slice(half);
    r.sepK = parent.sepK.slice(half);
    const upS = parent.sepS[half - 1];
    const upK = parent.sepK[half - 1];
    parent.kids.length = half;
    parent.counts.length = half;
    parent.sepS.length = half - 1;
    parent.sepK.length = half - 1;
    let plc = 0;
    for (let t = 0; t < half; t++) plc += parent.counts[t];
    this.insertInParent(h + 1, parent, r, upS, upK, plc, sumOf(r.counts));
  }

  private treeDelete(score: number, member: string): void {
    const leaf = this.locate(score, member);
    this.removeLocated(leaf, this.atIdx);
  }

  /** Descend to (score, member) recording the path (counts untouched); atIdx is its leaf index. */
  private locate(score: number, member: string): Leaf {
    let node = this.root;
    const pn = this.pathNode;
    const pi = this.pathIdx;
    for (let h = this.height; h > 0; h--) {
      const inner = node as Inner;
      const j = sepUpper(inner, score, member);
      pn[h] = inner;
      pi[h] = j;
      node = inner.kids[j];
    }
    const leaf = node as Leaf;
    this.atIdx = leafLower(leaf, score, member);
    return leaf;
  }

  /** Remove entry i of the leaf found by locate(): counts along the path, then the entry. */
  private removeLocated(leaf: Leaf, i: number): void {
    for (let h = this.height; h > 0; h--) this.pathNode[h].counts[this.pathIdx[h]]--;
    this.removeFromLeaf(leaf, i);
  }

  /** Descend to rank r recording the path and decrementing counts (for a removal). */
  private descendRank(r: number): Leaf {
    let node = this.root;
    const pn = this.pathNode;
    const pi = this.pathIdx;
    for (let h = this.height; h > 0; h--) {
      const inner = node as Inner;
      const counts = inner.counts;
      let j = 0;
      while (r >= counts[j]) r -= counts[j++];
      counts[j]--;
      pn[h] = inner;
      pi[h] = j;
      node = inner.kids[j];
    }
    this.atIdx = r;
    return node as Leaf;
  }

  /** Remove entry i of a leaf reached by a recorded descent, then rebalance. */
  private removeFromLeaf(leaf: Leaf, i: number): void {
    removeAt(leaf.keys, i);
    removeAt(leaf.scores, i);
    if (this.height === 0) return;
    if (leaf.keys.length < LEAF_MIN) this.fixLeaf(this.pathNode[1], this.pathIdx[1]);
    for (let h = 1; h < this.height; h++) {
      const inner = this.pathNode[h];
      if (inner.kids.length >= INNER_MIN) break;
      this.fixInner(this.pathNode[h + 1], this.pathIdx[h + 1]);
    }
    const root = this.root as Inner;
    if (root.kids.length === 1) {
      this.root = root.kids[0];
      this.height--;
    }
  }

  private fixLeaf(parent: Inner, i: number): void {
    const leaf = parent.kids[i] as Leaf;
    if (i > 0) {
      const left = parent.kids[i - 1] as Leaf;
      if (left.keys.length + leaf.keys.length <= LEAF_CAP) {
        for (let t = 0; t < leaf.keys.length; t++) {
          left.keys.push(leaf.keys[t]);
          left.scores.push(leaf.scores[t]);
        }
        left.next = leaf.next;
        if (leaf.next !== null) leaf.next.prev = left;
        else this.tail = left;
        parent.counts[i - 1] += parent.counts[i];
        removeAt(parent.kids, i);
        removeAt(parent.counts, i);
        removeAt(parent.sepS, i - 1);
        removeAt(parent.sepK, i - 1);
      } else {
        const move = (left.keys.length - leaf.keys.length) >> 1;
        const from = left.keys.length - move;
        leaf.keys = left.keys.slice(from).concat(leaf.keys);
        leaf.scores = left.scores.slice(from).concat(leaf.scores);
        left.keys.length = from;
        left.scores.length = from;
        parent.counts[i - 1] -= move;
        parent.counts[i] += move;
        parent.sepS[i - 1] = leaf.scores[0];
        parent.sepK[i - 1] = leaf.keys[0];
      }
    } else {
      const right = parent.kids[1] as Leaf;
      if (leaf.keys.length + right.keys.length <= LEAF_CAP) {
        for (let t = 0; t < right.keys.length; t++) {
          leaf.keys.push(right.keys[t]);
          leaf.scores.push(right.scores[t]);
        }
        leaf.next = right.next;
        if (right.next !== null) right.next.prev = leaf;
        else this.tail = leaf;
        parent.counts[0] += parent.counts[1];
        removeAt(parent.kids, 1);
        removeAt(parent.counts, 1);
        removeAt(parent.sepS, 0);
        removeAt(parent.sepK, 0);
      } else {
        const move = (right.keys.length - leaf.keys.length) >> 1;
        for (let t = 0; t < move; t++) {
          leaf.keys.push(right.keys[t]);
          leaf.scores.push(right.scores[t]);
        }
        right.keys = right.keys.slice(move);
        right.scores = right.scores.slice(move);
        parent.counts[0] += move;
        parent.counts[1] -= move;
        parent.sepS[0] = right.scores[0];
        parent.sepK[0] = right.keys[0];
      }
    }
  }

  private fixInner(parent: Inner, i: number): void {
    const node = parent.kids[i] as Inner;
    if (i > 0) {
      const left = parent.kids[i - 1] as Inner;
      if (left.kids.length + node.kids.length <= INNER_CAP) {
        left.sepS.push(parent.sepS[i - 1]);
        left.sepK.push(parent.sepK[i - 1]);
        for (let t = 0; t < node.sepS.length; t++) {
          left.sepS.push(node.sepS[t]);
          left.sepK.push(node.sepK[t]);
        }
        for (let t = 0; t < node.kids.length; t++) {
          left.kids.push(node.kids[t]);
          left.counts.push(node.counts[t]);
        }
        parent.counts[i - 1] += parent.counts[i];
        removeAt(parent.kids, i);
        removeAt(parent.counts, i);
        removeAt(parent.sepS, i - 1);
        removeAt(parent.sepK, i - 1);
      } else {
        const move = (left.kids.length - node.kids.length) >> 1;
        for (let t = 0; t < move; t++) {
          node.sepS.unshift(parent.sepS[i - 1]);
          node.sepK.unshift(parent.sepK[i - 1]);
          parent.sepS[i - 1] = left.sepS.pop()!;
          parent.sepK[i - 1] = left.sepK.pop()!;
          node.kids.unshift(left.kids.pop()!);
          const c = left.counts.pop()!;
          node.counts.unshift(c);
          parent.counts[i - 1] -= c;
          parent.counts[i] += c;
        }
      }
    } else {
      const right = parent.kids[1] as Inner;
      if (node.kids.length + right.kids.length <= INNER_CAP) {
        node.sepS.push(parent.sepS[0]);
        node.sepK.push(parent.sepK[0]);
        for (let t = 0; t < right.sepS.length; t++) {
          node.sepS.push(right.sepS[t]);
          node.sepK.push(right.sepK[t]);
        }
        for (let t = 0; t < right.kids.length; t++) {
          node.kids.push(right.kids[t]);
          node.counts.push(right.counts[t]);
        }
        parent.counts[0] += parent.counts[1];
        removeAt(parent.kids, 1);
        removeAt(parent.counts, 1);
        removeAt(parent.sepS, 0);
        removeAt(parent.sepK, 0);
      } else {
        const move = (right.kids.length - node.kids.length) >> 1;
        for (let t = 0; t < move; t++) {
          node.sepS.push(parent.sepS[0]);
          node.sepK.push(parent.sepK[0]);
          parent.sepS[0] = right.sepS.shift()!;
          parent.sepK[0] = right.sepK.shift()!;
          node.kids.push(right.kids.shift()!);
          const c = right.counts.shift()!;
          node.counts.push(c);
          parent.counts[0] += c;
          parent.counts[1] -= c;
        }
      }
    }
  }

  /** Build the tree from sorted, distinct elements (replaces the contents). */
  private bulkLoad(keys: string[], scores: number[]): void {
    const n = keys.length;
    this.index = new Map();
    this.slotKeys = keys.slice();
    this.slotScores = scores.slice();
    let lpBytes = LP_EMPTY;
    for (let i = 0; i < n; i++) {
      this.index.set(keys[i], i);
      if (this.lp) lpBytes += lpEntrySize(keys[i]) + lpScoreSize(scores[i]);
    }
    this.lpBytes = this.lp ? lpBytes : LP_EMPTY;
    this.buckets = this.lp || n === 0 ? 0 : dictBuckets(n);
    // Leaves, evenly filled.
    let level: (Leaf | Inner)[] = [];
    let counts: number[] = [];
    let firstS: number[] = [];
    let firstK: string[] = [];
    const groups = Math.max(1, Math.ceil(n / BULK_FILL));
    let prev: Leaf | null = null;
    for (let g = 0; g < groups; g++) {
      const a = Math.floor((g * n) / groups);
      const b = Math.floor(((g + 1) * n) / groups);
      const leaf = new Leaf();
      leaf.keys = keys.slice(a, b);
      leaf.scores = scores.slice(a, b);
      leaf.prev = prev;
      if (prev !== null) prev.next = leaf;
      prev = leaf;
      level.push(leaf);
      counts.push(b - a);
      firstS.push(scores[a]);
      firstK.push(keys[a]);
    }
    this.head = level[0] as Leaf;
    this.tail = prev!;
    let height = 0;
    while (level.length > 1) {
      const m = level.length;
      const ng = Math.ceil(m / BULK_FILL);
      const up: Inner[] = [];
      const upCounts: number[] = [];
      const upS: number[] = [];
      const upK: string[] = [];
      for (let g = 0; g < ng; g++) {
        const a = Math.floor((g * m) / ng);
        const b = Math.floor(((g + 1) * m) / ng);
        const inner = new Inner();
        inner.kids = level.slice(a, b);
        inner.counts = counts.slice(a, b);
        inner.sepS = firstS.slice(a + 1, b);
        inner.sepK = firstK.slice(a + 1, b);
        up.push(inner);
        upCounts.push(sumOf(inner.counts));
        upS.push(firstS[a]);
        upK.push(firstK[a]);
      }
      level = up;
      counts = upCounts;
      firstS = upS;
      firstK = upK;
      height++;
    }
    this.root = level[0];
    this.height = height;
  }

  /** Internal consistency check (tests). Throws on a broken invariant. */
  check(): void {
    const n = this.size;
    const walk = (node: Leaf | Inner, h: number, lo: [number, string] | null, hi: [number, string] | null, isRoot: boolean): number => {
      if (h === 0) {
        const leaf = node as Leaf;
        if (!isRoot && leaf.keys.length < 1) throw new Error('empty leaf');
        if (leaf.keys.length > LEAF_CAP) throw new Error('leaf overflow');
        for (let i = 0; i < leaf.keys.length; i++) {
          if (i > 0 && cmp(leaf.scores[i - 1], leaf.keys[i - 1], leaf.scores[i], leaf.keys[i]) >= 0) throw new Error('leaf order');
          if (lo && cmp(lo[0], lo[1], leaf.scores[i], leaf.keys[i]) > 0) throw new Error('below separator');
          if (hi && cmp(leaf.scores[i], leaf.keys[i], hi[0], hi[1]) >= 0) throw new Error('above separator');
        }
        return leaf.keys.length;
      }
      const inner = node as Inner;
      if (inner.kids.length < 2) throw new Error('inner with one child');
      if (inner.kids.length > INNER_CAP) throw new Error('inner overflow');
      if (inner.sepS.length !== inner.kids.length - 1) throw new Error('separator count');
      let total = 0;
      for (let j = 0; j < inner.kids.length; j++) {
        const l = j === 0 ? lo : ([inner.sepS[j - 1], inner.sepK[j - 1]] as [number, string]);
        const u = j === inner.kids.length - 1 ? hi : ([inner.sepS[j], inner.sepK[j]] as [number, string]);
        const c = walk(inner.kids[j], h - 1, l, u, false);
        if (c !== inner.counts[j]) throw new Error(`count mismatch ${c} vs ${inner.counts[j]}`);
        total += c;
      }
      return total;
    };
    const total = walk(this.root, this.height, null, null, true);
    if (total !== n) throw new Error(`size ${total} vs ${n}`);
    let seen = 0;
    let prev: Leaf | null = null;
    for (let leaf: Leaf | null = this.head; leaf !== null; leaf = leaf.next) {
      if (leaf.prev !== prev) throw new Error('prev link');
      prev = leaf;
      for (let i = 0; i < leaf.keys.length; i++) {
        const p = this.index.get(leaf.keys[i]);
        if (p === undefined || !Object.is(this.slotScores[p], leaf.scores[i])) throw new Error('slot mismatch');
      }
      seen += leaf.keys.length;
    }
    if (prev !== this.tail) throw new Error('tail link');
    if (seen !== n || this.index.size !== n) throw new Error('leaf chain size');
    if (this.lp) {
      let b = LP_EMPTY;
      this.forEach((m, s) => (b += lpEntrySize(m) + lpScoreSize(s)));
      if (b !== this.lpBytes) throw new Error(`lpBytes ${this.lpBytes} vs ${b}`);
    }
  }
}

/** A position in a sorted set, moving by one element. */
export class ZCursor {
  leaf: Leaf | null = null;
  i = 0;

  get valid(): boolean {
    return this.leaf !== null;
  }

  get member(): string {
    return this.leaf!.keys[this.i];
  }

  get score(): number {
    return this.leaf!.scores[this.i];
  }

  next(): void {
    const leaf = this.leaf!;
    if (++this.i < leaf.keys.length) return;
    this.leaf = leaf.next;
    this.i = 0;
  }

  prev(): void {
    if (--this.i >= 0) return;
    const p = this.leaf!.prev;
    this.leaf = p;
    this.i = p === null ? 0 : p.keys.length - 1;
  }
}

// ---- helpers --------------------------------------------------------------------

/** Child of inner to descend for (s, k): the number of separators <= (s, k). */
function sepUpper(inner: Inner, s: number, k: string): number {
  const ss = inner.sepS;
  const ks = inner.sepK;
  let lo = 0;
  let hi = ss.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const ms = ss[mid];
    if (ms < s || (ms === s && ks[mid] <= k)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Position of the first element >= (s, k) in a leaf. */
function leafLower(leaf: Leaf, s: number, k: string): number {
  const ss = leaf.scores;
  const ks = leaf.keys;
  let lo = 0;
  let hi = ss.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const ms = ss[mid];
    if (ms < s || (ms === s && ks[mid] < k)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertAt<T>(a: T[], i: number, v: T): void {
  let n = a.length;
  if (i === n) {
    a.push(v);
    return;
  }
  a.push(a[n - 1]);
  for (n--; n > i; n--) a[n] = a[n - 1];
  a[i] = v;
}

function removeAt<T>(a: T[], i: number): void {
  const n = a.length - 1;
  for (let j = i; j < n; j++) a[j] = a[j + 1];
  a.length = n;
}

function sumOf(a: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}
