/**
 * Set values, with Redis 7.0's two encodings and their observable behaviour.
 *
 * "intset": members that are all canonical int64 decimals (as string2ll
 * accepts them), at most set-max-intset-entries of them, kept sorted in
 * ascending numeric order as Redis's intset, so SMEMBERS, SSCAN and the
 * results built from intsets come out in the same order as Redis. Members
 * are stored as their canonical strings: comparing two canonical decimals
 * (sign, then length, then digits) is exact for the whole int64 range with
 * no BigInt, and replies need no formatting. Lookups are binary searches;
 * inserting and removing shift the array, as Redis moves the intset's memory.
 *
 * "hashtable": members in a dense array with a Map from member to position;
 * deleting moves the last member into the hole, so a random member is O(1)
 * (SPOP, SRANDMEMBER) and SSCAN walks positions downwards (see scanFrom()).
 *
 * Conversion is one way (intset -> hashtable) when a non-integer is added or
 * the intset grows past the limit, as in Redis. Memory is estimated in
 * Redis's terms, incrementally: the intset's bytes (its element width only
 * grows, as the intset's encoding is only ever upgraded), or the dict's
 * buckets, entries and sds strings.
 *
 * Positions 0..size-1 (memberAt) iterate in the encoding's order; that is
 * the order replies use and the order a DUMP or RDB writer should serialize.
 */
import type { Container, EncodingLimits } from '../db/values';
import { allocSize } from '../db/memory';
import { parseInt64 } from '../protocol/numbers';
import { dictBuckets, sdsSize } from './hash';

const ROBJ = 16;
const DICT = 56;
const DICT_ENTRY = 24;
/** Intset header: encoding + length. */
const INTSET_HEADER = 8;
/** Redis caps set-max-intset-entries at 2^30 because of intset internals. */
const INTSET_MAX_CAP = 1 << 30;

/** True when s is what string2ll accepts: the canonical decimal of an int64. */
export function isIntsetMember(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 20) return false;
  const c = s.charCodeAt(0);
  if ((c < 48 || c > 57) && c !== 45) return false;
  return parseInt64(s) !== null;
}

/** Numeric order of two canonical int64 decimals, exact over the whole range. */
export function compareInts(a: string, b: string): number {
  if (a === b) return 0;
  const an = a.charCodeAt(0) === 45;
  const bn = b.charCodeAt(0) === 45;
  if (an !== bn) return an ? -1 : 1;
  if (a.length !== b.length) return a.length < b.length !== an ? -1 : 1;
  return a < b !== an ? -1 : 1;
}

/** Bytes per element an intset needs for the canonical integer s. */
function intWidth(s: string): number {
  if (s.length <= 5) {
    const v = +s;
    return v >= -32768 && v <= 32767 ? 2 : 4;
  }
  if (s.length > 11) return 8;
  const v = +s;
  return v >= -2147483648 && v <= 2147483647 ? 4 : 8;
}

export class SetValue implements Container {
  readonly type = 'set' as const;
  /** intset encoding: ascending canonical integers; null once hashtable-encoded. */
  private ints: string[] | null = [];
  /** Intset element width in bytes (2, 4 or 8), only ever upgraded. */
  private width = 2;
  /** hashtable encoding: member -> position in members. */
  private index: Map<string, number> | null = null;
  private members: string[] = [];
  private buckets = 0;
  private htBytes = 0;

  /** setTypeCreate: an empty intset when the first member is an integer, else a hashtable. */
  static create(firstMember: string): SetValue {
    const s = new SetValue();
    if (!isIntsetMember(firstMember)) s.convert(0);
    return s;
  }

  /**
   * A set of the given members (RDB/DUMP loading and the like): an intset
   * when they are all integers and few enough, else a hashtable, as Redis
   * decides on load. `forceHashtable` builds a hashtable regardless;
   * `intsetWidth` keeps the element width of a loaded intset blob (2, 4 or 8
   * bytes; an intset's width never shrinks, so it may exceed what the
   * members need).
   */
  static fromMembers(members: readonly string[], limits: EncodingLimits, forceHashtable = false, intsetWidth = 2): SetValue {
    const s = new SetValue();
    const n = members.length;
    if (forceHashtable || n > Math.min(limits.setMaxIntsetEntries, INTSET_MAX_CAP)) s.convert(n);
    else if (intsetWidth === 4 || intsetWidth === 8) s.width = intsetWidth;
    for (let i = 0; i < n; i++) s.add(members[i], limits);
    return s;
  }

  /** True while intset-encoded. */
  get isIntset(): boolean {
    return this.ints !== null;
  }

  /** The intset's element width in bytes (2, 4 or 8); meaningful while intset-encoded. */
  get intsetWidth(): number {
    return this.width;
  }

  get size(): number {
    return this.ints !== null ? this.ints.length : this.members.length;
  }

  encoding(): string {
    return this.ints !== null ? 'intset' : 'hashtable';
  }

  memoryUsage(): number {
    if (this.ints !== null) return ROBJ + allocSize(INTSET_HEADER + this.ints.length * this.width);
    return ROBJ + DICT + 8 * this.buckets + this.htBytes;
  }

  clone(): SetValue {
    const s = new SetValue();
    if (this.ints !== null) {
      s.ints = this.ints.slice();
      s.width = this.width;
    } else {
      s.ints = null;
      s.index = new Map(this.index!);
      s.members = this.members.slice();
      s.buckets = this.buckets;
      s.htBytes = this.htBytes;
    }
    return s;
  }

  // ---- reading --------------------------------------------------------------

  /** Binary search of the intset: the position of m, or -(insertion point) - 1. */
  private intsetSearch(m: string): number {
    const a = this.ints!;
    let lo = 0;
    let hi = a.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareInts(a[mid], m);
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -lo - 1;
  }

  has(m: string): boolean {
    if (this.ints !== null) return isIntsetMember(m) && this.intsetSearch(m) >= 0;
    return this.index!.has(m);
  }

  /** Member at position i (0..size-1), in the encoding's iteration order. */
  memberAt(i: number): string {
    return this.ints !== null ? this.ints[i] : this.members[i];
  }

  forEach(fn: (member: string) => void): void {
    const a = this.ints ?? this.members;
    for (let i = 0; i < a.length; i++) fn(a[i]);
  }

  /** A uniformly random position, or -1 when empty. */
  randomPos(): number {
    const n = this.size;
    return n === 0 ? -1 : Math.floor(Math.random() * n);
  }

  // ---- writing --------------------------------------------------------------

  /** Add m; true when it was not there (setTypeAdd, with its conversions). */
  add(m: string, limits: EncodingLimits): boolean {
    const ints = this.ints;
    if (ints !== null) {
      if (isIntsetMember(m)) {
        const p = this.intsetSearch(m);
        if (p >= 0) return false;
        const at = -p - 1;
        if (at === ints.length) ints.push(m);
        else ints.splice(at, 0, m);
        const w = intWidth(m);
        if (w > this.width) this.width = w;
        if (ints.length > Math.min(limits.setMaxIntsetEntries, INTSET_MAX_CAP)) this.convert(ints.length);
        return true;
      }
      this.convert(ints.length);
    }
    const index = this.index!;
    if (index.has(m)) return false;
    const n = this.members.length;
    if (n >= this.buckets) this.buckets = dictBuckets(n + 1);
    index.set(m, n);
    this.members.push(m);
    this.htBytes += DICT_ENTRY + sdsSize(m.length);
    return true;
  }

  /** Remove m; true when it was there. */
  delete(m: string): boolean {
    const ints = this.ints;
    if (ints !== null) {
      if (!isIntsetMember(m)) return false;
      const p = this.intsetSearch(m);
      if (p < 0) return false;
      if (p === ints.length - 1) ints.pop();
      else ints.splice(p, 1);
      return true;
    }
    const index = this.index!;
    const p = index.get(m);
    if (p === undefined) return false;
    this.removeAtHt(p, m);
    return true;
  }

  /** Remove the member at position i and return it (SPOP). */
  removeAt(i: number): string {
    const ints = this.ints;
    if (ints !== null) {
      const m = ints[i];
      if (i === ints.length - 1) ints.pop();
      else ints.splice(i, 1);
      return m;
    }
    const m = this.members[i];
    this.removeAtHt(i, m);
    return m;
  }

  private removeAtHt(p: number, m: string): void {
    const index = this.index!;
    const members = this.members;
    this.htBytes -= DICT_ENTRY + sdsSize(m.length);
    index.delete(m);
    const last = members.length - 1;
    if (p !== last) {
      const k = members[last];
      members[p] = k;
      index.set(k, p);
    }
    members.pop();
    // htNeedsResize + dictResize: shrink when under 10% full.
    if (this.buckets > 4 && last * 10 < this.buckets) this.buckets = dictBuckets(last);
  }

  /** Convert to hashtable (setTypeConvert), the dict presized for `hint` members. */
  private convert(hint: number): void {
    const ints = this.ints;
    if (ints === null) return;
    this.ints = null;
    const index = new Map<string, number>();
    let bytes = 0;
    for (let i = 0; i < ints.length; i++) {
      index.set(ints[i], i);
      bytes += DICT_ENTRY + sdsSize(ints[i].length);
    }
    this.index = index;
    this.members = ints;
    this.htBytes = bytes;
    this.buckets = hint === 0 ? 0 : dictBuckets(hint);
  }

  // ---- scanning -------------------------------------------------------------

  /**
   * One SSCAN step over a hashtable: visits up to `count` members below
   * position `cursor` (0 = start), walking downwards, and returns the next
   * cursor (0 when done). See HashValue.scanFrom for why this keeps SCAN's
   * guarantee. Intsets are returned whole by the caller, as Redis does.
   */
  scanFrom(cursor: number, count: number, visit: (pos: number) => void): number {
    const n = this.size;
    let i = cursor === 0 || cursor > n ? n : cursor;
    const stop = Math.max(0, i - count);
    while (i > stop) visit(--i);
    return i;
  }
}
