/**
 * Hash values, with Redis 7.0's two encodings and their observable behaviour.
 *
 * "listpack": a flat array [field0, value0, field1, value1, ...] kept in the
 * order a Redis listpack would hold: a new field goes to the end, updating a
 * field keeps its place, deleting closes the gap. Lookups are a linear scan,
 * as in Redis (the listpack is small by construction: at most
 * hash-max-listpack-entries fields, each string at most
 * hash-max-listpack-value bytes).
 *
 * "hashtable": fields and values in dense parallel arrays, with a Map from
 * field to position. Deleting moves the last entry into the hole, so the
 * arrays stay dense: a random field is one Math.random() away (HRANDFIELD),
 * and a SCAN that walks positions downwards keeps Redis's guarantee (an entry
 * present for the whole scan is returned at least once; see scanFrom()).
 *
 * Conversion is one way, listpack -> hashtable, when a limit is crossed,
 * exactly where Redis converts (set() and tryConversion()).
 *
 * Memory is estimated in Redis's terms and kept incrementally: the bytes of
 * the listpack Redis would hold (each entry's encoding, data and back
 * length), or the dict's buckets, entries and sds strings.
 *
 * Positions 0..size-1 (fieldAt/valueAt) iterate in the encoding's order;
 * that is the order HGETALL, HKEYS, HSCAN... reply in, and the order a DUMP
 * or RDB writer should serialize.
 */
import type { Container, EncodingLimits } from '../db/values';
import { allocSize } from '../db/memory';
import { parseInt64 } from '../protocol/numbers';
import { isFiniteLd, ldAdd, ldToHuman, ldZero, string2ld } from './longdouble';

/** A listpack's header (total bytes + count) and end byte. */
const LP_EMPTY = 7;
const ROBJ = 16;
/** sizeof(dict) in Redis 7.0. */
const DICT = 56;
const DICT_ENTRY = 24;

/** Bytes one string takes as a listpack entry: encoding + data + back length. */
export function lpEntrySize(s: string): number {
  const n = s.length;
  if (n !== 0 && n <= 20) {
    const c = s.charCodeAt(0);
    if ((c >= 48 && c <= 57) || c === 45) {
      const v = parseInt64(s);
      if (v !== null) {
        // Integer encodings: 7-bit, 13-bit, 16, 24, 32, 64 bits; back length 1.
        if (v >= 0 && v <= 127) return 2;
        if (v >= -4096 && v <= 4095) return 3;
        if (v >= -32768 && v <= 32767) return 4;
        if (v >= -8388608 && v <= 8388607) return 5;
        if (v >= -2147483648 && v <= 2147483647) return 6;
        return 10;
      }
    }
  }
  const l = n < 64 ? 1 + n : n < 4096 ? 2 + n : 5 + n;
  return l + (l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5);
}

/** Allocation of an sds made by sdsnewlen (what dict fields, values and members are). */
export function sdsSize(n: number): number {
  if (n < 32) return n <= 6 ? 8 : (n + 17) & ~15; // SDS_TYPE_5: 1 byte header + NUL
  if (n < 256) return allocSize(n + 4);
  if (n < 65536) return allocSize(n + 6);
  return allocSize(n + 10);
}

/** Buckets of a dict sized for n entries (_dictNextPower, at least 4). */
export function dictBuckets(n: number): number {
  let b = 4;
  while (b < n) b *= 2;
  return b;
}

export class HashValue implements Container {
  readonly type = 'hash' as const;
  /** listpack encoding: [f0, v0, f1, v1, ...]; null once hashtable-encoded. */
  private lp: string[] | null = [];
  private lpBytes = LP_EMPTY;
  /** hashtable encoding: field -> position in keys/vals. */
  private index: Map<string, number> | null = null;
  private keys: string[] = [];
  private vals: string[] = [];
  /** Modelled dict bucket count and the bytes of entries + sds strings. */
  private buckets = 0;
  private htBytes = 0;

  /**
   * A hash holding the given fields and values (RDB/DUMP loading, COPY...):
   * listpack when it fits the limits, hashtable otherwise, as Redis decides
   * on load. `forceHashtable` builds a hashtable regardless.
   */
  static fromEntries(fields: readonly string[], values: readonly string[], limits: EncodingLimits, forceHashtable = false): HashValue {
    const h = new HashValue();
    const n = fields.length;
    let fits = !forceHashtable && n <= limits.hashMaxListpackEntries;
    if (fits) {
      const max = limits.hashMaxListpackValue;
      for (let i = 0; i < n && fits; i++) if (fields[i].length > max || values[i].length > max) fits = false;
    }
    if (!fits) h.convert(n);
    for (let i = 0; i < n; i++) h.set(fields[i], values[i], limits);
    return h;
  }

  /** True while listpack-encoded. */
  get isListpack(): boolean {
    return this.lp !== null;
  }

  get size(): number {
    return this.lp !== null ? this.lp.length >> 1 : this.keys.length;
  }

  encoding(): string {
    return this.lp !== null ? 'listpack' : 'hashtable';
  }

  memoryUsage(): number {
    if (this.lp !== null) return ROBJ + allocSize(this.lpBytes);
    return ROBJ + DICT + 8 * this.buckets + this.htBytes;
  }

  clone(): HashValue {
    const h = new HashValue();
    if (this.lp !== null) {
      h.lp = this.lp.slice();
      h.lpBytes = this.lpBytes;
    } else {
      h.lp = null;
      h.index = new Map(this.index!);
      h.keys = this.keys.slice();
      h.vals = this.vals.slice();
      h.buckets = this.buckets;
      h.htBytes = this.htBytes;
    }
    return h;
  }

  // ---- reading --------------------------------------------------------------

  /** Position of field in the listpack array (even index), or -1. */
  private lpFind(field: string): number {
    const lp = this.lp!;
    for (let i = 0; i < lp.length; i += 2) if (lp[i] === field) return i;
    return -1;
  }

  get(field: string): string | undefined {
    if (this.lp !== null) {
      const i = this.lpFind(field);
      return i < 0 ? undefined : this.lp[i + 1];
    }
    const p = this.index!.get(field);
    return p === undefined ? undefined : this.vals[p];
  }

  has(field: string): boolean {
    return this.lp !== null ? this.lpFind(field) >= 0 : this.index!.has(field);
  }

  /** Field at position i (0..size-1), in the encoding's iteration order. */
  fieldAt(i: number): string {
    return this.lp !== null ? this.lp[i << 1] : this.keys[i];
  }

  /** Value at position i (0..size-1). */
  valueAt(i: number): string {
    return this.lp !== null ? this.lp[(i << 1) + 1] : this.vals[i];
  }

  /** Visit every field and value in iteration order. */
  forEach(fn: (field: string, value: string) => void): void {
    const n = this.size;
    for (let i = 0; i < n; i++) fn(this.fieldAt(i), this.valueAt(i));
  }

  /** A uniformly random position, or -1 when empty. */
  randomPos(): number {
    const n = this.size;
    return n === 0 ? -1 : Math.floor(Math.random() * n);
  }

  // ---- writing --------------------------------------------------------------

  /**
   * hashTypeTryConversion: convert to hashtable when any of strs[from..to]
   * is longer than hash-max-listpack-value (checked before HSET writes).
   */
  tryConversion(strs: readonly string[], from: number, to: number, limits: EncodingLimits): void {
    if (this.lp === null) return;
    const max = limits.hashMaxListpackValue;
    for (let i = from; i <= to; i++) {
      if (strs[i].length > max) {
        this.convert(this.size);
        return;
      }
    }
  }

  /**
   * Set field to value; true when the field is new (hashTypeSet). Converts to
   * hashtable first when field or value is too long for the listpack, and
   * after inserting when the listpack holds too many entries.
   */
  set(field: string, value: string, limits: EncodingLimits): boolean {
    let lp = this.lp;
    if (lp !== null) {
      const max = limits.hashMaxListpackValue;
      if (field.length > max || value.length > max) {
        this.convert(this.size);
        lp = null;
      }
    }
    if (lp !== null) {
      const i = this.lpFind(field);
      const created = i < 0;
      if (created) {
        lp.push(field, value);
        this.lpBytes += lpEntrySize(field) + lpEntrySize(value);
      } else {
        this.lpBytes += lpEntrySize(value) - lpEntrySize(lp[i + 1]);
        lp[i + 1] = value;
      }
      // Checked after updates too: the limit may have been lowered by CONFIG SET.
      if (lp.length >> 1 > limits.hashMaxListpackEntries) this.convert(lp.length >> 1);
      return created;
    }
    const index = this.index!;
    const p = index.get(field);
    if (p !== undefined) {
      this.htBytes += sdsSize(value.length) - sdsSize(this.vals[p].length);
      this.vals[p] = value;
      return false;
    }
    const n = this.keys.length;
    if (n >= this.buckets) this.buckets = dictBuckets(n + 1);
    index.set(field, n);
    this.keys.push(field);
    this.vals.push(value);
    this.htBytes += DICT_ENTRY + sdsSize(field.length) + sdsSize(value.length);
    return true;
  }

  /** Remove field; true when it was there. */
  delete(field: string): boolean {
    const lp = this.lp;
    if (lp !== null) {
      const i = this.lpFind(field);
      if (i < 0) return false;
      this.lpBytes -= lpEntrySize(lp[i]) + lpEntrySize(lp[i + 1]);
      lp.splice(i, 2);
      return true;
    }
    const index = this.index!;
    const p = index.get(field);
    if (p === undefined) return false;
    this.htBytes -= DICT_ENTRY + sdsSize(field.length) + sdsSize(this.vals[p].length);
    index.delete(field);
    const last = this.keys.length - 1;
    if (p !== last) {
      const k = this.keys[last];
      this.keys[p] = k;
      this.vals[p] = this.vals[last];
      index.set(k, p);
    }
    this.keys.pop();
    this.vals.pop();
    // htNeedsResize + dictResize: shrink when under 10% full.
    if (this.buckets > 4 && last * 10 < this.buckets) this.buckets = dictBuckets(last);
    return true;
  }

  /** Convert to hashtable (hashTypeConvertListpack), the dict presized for `hint` entries. */
  private convert(hint: number): void {
    const lp = this.lp;
    if (lp === null) return;
    this.lp = null;
    this.lpBytes = LP_EMPTY;
    const index = new Map<string, number>();
    const keys: string[] = [];
    const vals: string[] = [];
    let bytes = 0;
    for (let i = 0; i < lp.length; i += 2) {
      index.set(lp[i], keys.length);
      keys.push(lp[i]);
      vals.push(lp[i + 1]);
      bytes += DICT_ENTRY + sdsSize(lp[i].length) + sdsSize(lp[i + 1].length);
    }
    this.index = index;
    this.keys = keys;
    this.vals = vals;
    this.htBytes = bytes;
    this.buckets = hint === 0 ? 0 : dictBuckets(hint);
  }

  // ---- scanning -------------------------------------------------------------

  /**
   * One HSCAN step over a hashtable: visits up to `count` entries below
   * position `cursor` (0 = start), walking positions downwards, and returns
   * the next cursor (0 when done). Walking downwards is what makes the swap
   * on delete safe: only the last entry moves, and it moves down into a hole,
   * so an unvisited entry stays unvisited and is still seen later (a visited
   * one may be seen twice, which SCAN allows). Listpacks are returned whole
   * by the caller, as Redis does.
   */
  scanFrom(cursor: number, count: number, visit: (pos: number) => void): number {
    const n = this.size;
    let i = cursor === 0 || cursor > n ? n : cursor;
    const stop = Math.max(0, i - count);
    while (i > stop) visit(--i);
    return i;
  }
}

// ---- HINCRBYFLOAT arithmetic ------------------------------------------------------

export type IncrByFloatResult =
  | { ok: true; value: string }
  | { ok: false; error: 'incr-invalid' | 'incr-not-finite' | 'value-invalid' | 'result-not-finite' };

/**
 * HINCRBYFLOAT's arithmetic, in C's long double as Redis does it (the x87
 * 80-bit format, emulated exactly by data/longdouble.ts): the current value
 * (undefined for a new field) parsed with string2ld, plus the increment, one
 * rounding, printed as ld2string's LD_STR_HUMAN. The increment is checked
 * first, so a caller can validate it before looking up the key by passing
 * undefined as the current value.
 */
export function incrByFloat(current: string | undefined, incr: string): IncrByFloatResult {
  const by = string2ld(incr);
  if (by === null) return { ok: false, error: 'incr-invalid' };
  if (!isFiniteLd(by)) return { ok: false, error: 'incr-not-finite' };
  let cur = ldZero();
  if (current !== undefined) {
    const v = string2ld(current);
    if (v === null) return { ok: false, error: 'value-invalid' };
    cur = v;
  }
  const sum = ldAdd(cur, by);
  if (!isFiniteLd(sum)) return { ok: false, error: 'result-not-finite' };
  return { ok: true, value: ldToHuman(sum) };
}
