/**
 * Memory accounting in Redis's own terms. Cinnabar reports `used_memory` and
 * `MEMORY USAGE` as the bytes Redis 7.0 (with jemalloc) would use for the same
 * data, so maxmemory, eviction and the operators' thresholds mean the same
 * thing on both. The process's real footprint is reported beside it
 * (used_memory_rss, used_memory_vm_heap).
 */
import { ByteString } from '../data/bytestring';
import { isCanonicalInt } from '../protocol/numbers';
import type { Value } from './values';

/** jemalloc's size class for an allocation of n bytes (malloc_usable_size). */
export function allocSize(n: number): number {
  if (n <= 8) return 8;
  if (n <= 128) return (n + 15) & ~15;
  // Four classes per doubling above 128: 160, 192, 224, 256, 320, ...
  if (n < 2 ** 31) {
    const step = (1 << (31 - Math.clz32(n - 1))) >>> 2;
    return Math.ceil(n / step) * step;
  }
  const step = 2 ** Math.floor(Math.log2(n - 1)) / 4;
  return Math.ceil(n / step) * step;
}

/** Header bytes of an sds string of length n (sdsReqType). */
export function sdsHeader(n: number, forKey = false): number {
  if (n < 32 && forKey) return 1; // SDS_TYPE_5 (keys are created with sdsnewlen)
  if (n < 256) return 3;
  if (n < 65536) return 5;
  if (n < 2 ** 32) return 9;
  return 17;
}

/** Allocation of an sds of length n. */
export function sdsAlloc(n: number, forKey = false): number {
  return allocSize(sdsHeader(n, forKey) + n + 1);
}

const ROBJ = 16;
const DICT_ENTRY = 24;

/** What a string value costs (objectComputeSize for OBJ_STRING). */
export function stringValueSize(v: string | number | ByteString): number {
  if (typeof v === 'number') return ROBJ;
  if (v instanceof ByteString) {
    if (v.embstr) return allocSize(ROBJ + 3 + v.length + 1);
    return ROBJ + allocSize(sdsHeader(v.capacity) + v.capacity + 1);
  }
  const n = v.length;
  if (n <= 20 && n > 0) {
    const c = v.charCodeAt(0);
    if (((c >= 48 && c <= 57) || c === 45) && isCanonicalInt(v)) return ROBJ;
  }
  if (n <= 44) return allocSize(ROBJ + 3 + n + 1); // embstr: object and sds in one allocation
  return ROBJ + sdsAlloc(n);
}

/** MEMORY USAGE of a key: its value, the key's sds and the dict entry. */
export function keyMemoryUsage(key: string, v: Value): number {
  return valueMemoryUsage(v) + sdsAlloc(key.length, true) + DICT_ENTRY;
}

/** The value's share of keyMemoryUsage (what changes when a key is overwritten). */
export function valueMemoryUsage(v: Value): number {
  return typeof v === 'object' && !(v instanceof ByteString) ? v.memoryUsage() : stringValueSize(v);
}
