/**
 * What a key can hold. Strings have three representations, all type "string":
 *  - a latin1 JS string (the common case),
 *  - a JS number, for canonical integers within 2^53 (Redis's "int" encoding:
 *    INCR stays allocation-free and small counters cost no heap),
 *  - a ByteString, for values edited in place.
 * Every other type is a container object tagged with its type name.
 */
import { ByteString } from '../data/bytestring';
import { isCanonicalInt } from '../protocol/numbers';

export type TypeName = 'string' | 'list' | 'set' | 'zset' | 'hash' | 'stream';

/** Encoding thresholds a container consults (the *-max-listpack-* configs). */
export interface EncodingLimits {
  hashMaxListpackEntries: number;
  hashMaxListpackValue: number;
  zsetMaxListpackEntries: number;
  zsetMaxListpackValue: number;
  setMaxIntsetEntries: number;
  listMaxListpackSize: number;
  listCompressDepth: number;
  streamNodeMaxBytes: number;
  streamNodeMaxEntries: number;
}

export interface Container {
  readonly type: Exclude<TypeName, 'string'>;
  /** The name OBJECT ENCODING reports. */
  encoding(): string;
  /** Estimate of the bytes Redis would use for this value; O(1) or close. */
  memoryUsage(): number;
  /** A deep copy (COPY, and values moved between databases). */
  clone(): Container;
}

export type StringValue = string | number | ByteString;
export type Value = StringValue | Container;

export function isString(v: Value): v is StringValue {
  return typeof v === 'string' || typeof v === 'number' || v instanceof ByteString;
}

export function typeOf(v: Value): TypeName {
  if (typeof v === 'string' || typeof v === 'number' || v instanceof ByteString) return 'string';
  return v.type;
}

/** The bytes of a string value as a latin1 string. */
export function strOf(v: StringValue): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : v.toString();
}

export function strLen(v: StringValue): number {
  return typeof v === 'string' ? v.length : typeof v === 'number' ? String(v).length : v.length;
}

/**
 * The value to store for a string argument: small canonical integers become
 * numbers, as Redis's tryObjectEncoding turns them into "int" objects.
 */
export function storeString(s: string): StringValue {
  const n = s.length;
  if (n === 0 || n > 16) return s;
  const c = s.charCodeAt(0);
  if ((c < 48 || c > 57) && c !== 45) return s;
  if (!isCanonicalInt(s)) return s;
  const v = Number(s);
  return Number.isSafeInteger(v) ? v : s;
}

/** OBJECT ENCODING of a string value. */
export function stringEncoding(v: StringValue): string {
  if (typeof v === 'number') return 'int';
  if (v instanceof ByteString) return v.embstr ? 'embstr' : 'raw';
  if (v.length <= 20 && isCanonicalInt(v)) return 'int';
  return v.length <= 44 ? 'embstr' : 'raw';
}

export const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
