/**
 * DUMP payloads: the value as an RDB object (type byte + value), then the
 * RDB version as 2 bytes little endian, then the CRC-64 of everything before
 * it, 8 bytes little endian (createDumpPayload / verifyDumpPayload).
 */
import type { Value } from '../db/values';
import { crc64 } from './crc64';
import { RDB_VERSION, RdbReader, RdbWriter, RdbError } from './rdb-encoding';
import { isObjectType, loadObject, objectType, saveObjectSync, type LoadContext, type SaveOptions } from './rdb-values';

export function createDumpPayload(v: Value, opts: SaveOptions, compress: boolean): Buffer {
  const w = new RdbWriter(compress, false);
  w.u8(objectType(v));
  saveObjectSync(w, v, opts);
  w.u8(RDB_VERSION & 0xff);
  w.u8(RDB_VERSION >> 8);
  const body = w.take();
  const crc = crc64(body).digestLE();
  return Buffer.concat([body, crc]);
}

/** verifyDumpPayload: a version Redis can read and (unless skipped) a matching CRC. */
export function verifyDumpPayload(p: Buffer, skipChecksum = false): boolean {
  if (p.length < 10) return false;
  const footer = p.length - 10;
  const ver = p[footer] | (p[footer + 1] << 8);
  if (ver > RDB_VERSION) return false;
  if (skipChecksum) return true;
  return crc64(p, 0, p.length - 8).matches(p, p.length - 8);
}

/** The value of a verified payload; RdbError when it is not a valid object ("Bad data format"). */
export function loadDumpPayload(p: Buffer, ctx: LoadContext): Value {
  // As Redis does, the reader spans the whole payload: a value may run into the footer.
  const r = new RdbReader(p, 0, p.length);
  const type = r.u8();
  if (!isObjectType(type)) throw new RdbError(`Unknown RDB encoding type ${type}`);
  return loadObject(r, type, ctx);
}

/** rdbSavedObjectLen: bytes of the value as RDB writes it (DEBUG OBJECT serializedlength). */
export function serializedLength(v: Value, opts: SaveOptions, compress: boolean): number {
  const w = new RdbWriter(compress, false);
  saveObjectSync(w, v, opts);
  return w.size;
}
