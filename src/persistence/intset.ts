/**
 * Intset, the RDB_TYPE_SET_INTSET blob:
 *
 *   <encoding: u32 LE = 2, 4 or 8> <length: u32 LE> <length integers, ascending, little endian>
 *
 * The element width only grows in Redis (an intset is upgraded, never
 * downgraded), so the writer takes it from the set.
 */
import { RdbError } from './rdb-encoding';

/** Encode canonical integer strings (ascending) with the given width. */
export function encodeIntset(members: readonly string[], width: number): Buffer {
  const n = members.length;
  const buf = Buffer.allocUnsafe(8 + width * n);
  buf.writeUInt32LE(width, 0);
  buf.writeUInt32LE(n, 4);
  let p = 8;
  for (let i = 0; i < n; i++) {
    const s = members[i];
    if (width === 2) buf.writeInt16LE(Number(s), p);
    else if (width === 4) buf.writeInt32LE(Number(s), p);
    else buf.writeBigInt64LE(BigInt(s), p);
    p += width;
  }
  return buf;
}

/** The width an intset needs for these members. */
export function intsetWidthFor(members: readonly string[]): number {
  let w = 2;
  for (const s of members) {
    if (s.length > 11) return 8;
    const v = Number(s);
    if (v < -2147483648 || v > 2147483647) return 8;
    if (v < -32768 || v > 32767) w = 4;
  }
  return w;
}

/**
 * Decode and validate (intsetValidateIntegrity, deep): a known width, a
 * size matching the length, elements strictly ascending (no duplicates).
 * Returns the members as strings and the width.
 */
export function decodeIntset(buf: Uint8Array): { members: string[]; width: number } {
  if (buf.length < 8) throw new RdbError('Intset too small');
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  const width = b.readUInt32LE(0);
  if (width !== 2 && width !== 4 && width !== 8) throw new RdbError('Intset has an invalid encoding');
  const n = b.readUInt32LE(4);
  if (8 + n * width !== b.length) throw new RdbError('Intset size mismatch');
  const members: string[] = new Array(n);
  let prev: number | bigint | null = null;
  for (let i = 0, p = 8; i < n; i++, p += width) {
    let v: number | bigint;
    if (width === 2) v = b.readInt16LE(p);
    else if (width === 4) v = b.readInt32LE(p);
    else {
      const big = b.readBigInt64LE(p);
      v = big >= -9007199254740991n && big <= 9007199254740991n ? Number(big) : big;
    }
    if (prev !== null && !(prev < v)) throw new RdbError('Intset elements are not sorted or duplicated');
    prev = v;
    members[i] = String(v);
  }
  return { members, width };
}
