/**
 * Whole RDB files (version 10, as Redis 7.0 writes them):
 *
 *   "REDIS0010"
 *   AUX redis-ver, redis-bits, ctime, used-mem, [repl-stream-db, repl-id, repl-offset], aof-base
 *   per non-empty database: SELECTDB n, RESIZEDB size expires, then its keys:
 *     [EXPIRETIME_MS t] [IDLE s | FREQ f] <type> <key> <value>
 *   EOF, then the CRC-64 of everything before it (8 bytes LE; zeros with rdbchecksum no)
 *
 * Writing a file's records is snapshot.ts's job; this module has the header
 * and footer, one key's record, and the loader (rdbLoad) that reads any file
 * Redis 7.0 can read into the databases.
 */
import * as fs from 'fs';
import type { Database } from '../db/database';
import type { Value } from '../db/values';
import { REDIS_VERSION } from '../version';
import {
  RDB_OPCODE_AUX,
  RDB_OPCODE_EOF,
  RDB_OPCODE_EXPIRETIME,
  RDB_OPCODE_EXPIRETIME_MS,
  RDB_OPCODE_FREQ,
  RDB_OPCODE_FUNCTION2,
  RDB_OPCODE_FUNCTION_PRE_GA,
  RDB_OPCODE_IDLE,
  RDB_OPCODE_MODULE_AUX,
  RDB_OPCODE_RESIZEDB,
  RDB_OPCODE_SELECTDB,
  RDB_VERSION,
  RdbError,
  RdbReader,
  RdbWriter,
} from './rdb-encoding';
import { isObjectType, loadObject, objectType, saveObject, type LoadContext, type SaveOptions } from './rdb-values';

/** What the header's aux fields say. */
export interface AuxInfo {
  /** used-mem: the server's used_memory. */
  usedMem: number;
  /** Replication fields (repl-stream-db, repl-id, repl-offset), written for replicas. */
  repl: { streamDb: number; replId: string; offset: number } | null;
  /** aof-base: the RDB is an AOF preamble. */
  aofBase: boolean;
}

/** rdbSaveInfoAuxFields and the magic. */
export function writeHeader(w: RdbWriter, aux: AuxInfo): void {
  w.latin1(`REDIS${String(RDB_VERSION).padStart(4, '0')}`);
  const field = (k: string, v: string) => {
    w.u8(RDB_OPCODE_AUX);
    w.string(k);
    w.string(v);
  };
  field('redis-ver', REDIS_VERSION);
  field('redis-bits', '64');
  field('ctime', String(Math.floor(Date.now() / 1000)));
  field('used-mem', String(aux.usedMem));
  if (aux.repl !== null) {
    field('repl-stream-db', String(aux.repl.streamDb));
    field('repl-id', aux.repl.replId);
    field('repl-offset', String(aux.repl.offset));
  }
  field('aof-base', aux.aofBase ? '1' : '0');
}

/** SELECTDB n (and RESIZEDB the first time a database shows up). */
export function writeSelectDb(w: RdbWriter, dbid: number, resize: [number, number] | null): void {
  w.u8(RDB_OPCODE_SELECTDB);
  w.len(dbid);
  if (resize !== null) {
    w.u8(RDB_OPCODE_RESIZEDB);
    w.len(resize[0]);
    w.len(resize[1]);
  }
}

/** Access information saved with a key under an LRU or LFU maxmemory-policy. */
export interface KeyMeta {
  /** Absolute expiry in ms (0: none). */
  expire: number | bigint;
  /** IDLE seconds (LRU policies), or -1. */
  idle: number;
  /** FREQ counter (LFU policies), or -1. */
  freq: number;
}

/** rdbSaveKeyValuePair up to the value: expiry, IDLE/FREQ, type and key. */
export function writeKeyHeader(w: RdbWriter, key: string, v: Value, meta: KeyMeta): void {
  if (meta.expire !== 0) {
    w.u8(RDB_OPCODE_EXPIRETIME_MS);
    w.millis(meta.expire);
  }
  if (meta.idle >= 0) {
    w.u8(RDB_OPCODE_IDLE);
    w.len(meta.idle);
  }
  if (meta.freq >= 0) {
    w.u8(RDB_OPCODE_FREQ);
    w.u8(meta.freq);
  }
  w.u8(objectType(v));
  w.string(key);
}

/** A whole key record, written at once. */
export function writeKeySync(w: RdbWriter, key: string, v: Value, meta: KeyMeta, opts: SaveOptions): void {
  writeKeyHeader(w, key, v, meta);
  const g = saveObject(w, v, opts);
  while (!g.next().done);
}

/** EOF and the checksum trailer. */
export function writeFooter(w: RdbWriter): void {
  w.u8(RDB_OPCODE_EOF);
  w.checksumTrailer();
}

// ---- loading -----------------------------------------------------------------------------------

export interface LoadTarget {
  dbs: Database[];
  ctx: LoadContext;
  /** Verify the checksum trailer (rdbchecksum yes and not DEBUG SET-SKIP-CHECKSUM-VALIDATION). */
  checksum: boolean;
  /** Skip keys whose expiry has passed (a master does; replicas keep them). */
  skipExpired: boolean;
  /** Replace keys that exist (DEBUG RELOAD MERGE); otherwise a duplicate fails the load. */
  allowDup: boolean;
  /** Store a loaded key: expiry and LRU/LFU hints included. */
  store(db: Database, key: string, v: Value, expire: number | bigint, idle: number, freq: number): void;
  /** Log lines, as Redis's rdbLoad writes them. */
  log(level: 'notice' | 'warning', msg: string): void;
}

export interface LoadResult {
  keysLoaded: number;
  keysExpired: number;
  /** Aux fields read (redis-ver, ctime, ...). */
  aux: Map<string, string>;
}

/**
 * rdbLoadRio: read a whole RDB stream into target.dbs. Throws RdbError
 * (with the offset in its message) on corrupt or truncated data.
 */
export function loadRdb(r: RdbReader, target: LoadTarget): LoadResult {
  r.startCrc();
  const magic = r.view(9).toString('latin1');
  if (!magic.startsWith('REDIS')) throw new RdbError('Wrong signature trying to load DB from file');
  const ver = Number(magic.slice(5));
  if (!/^\d{4}$/.test(magic.slice(5)) || ver < 1 || ver > RDB_VERSION) throw new RdbError(`Can't handle RDB format version ${magic.slice(5)}`);
  const res: LoadResult = { keysLoaded: 0, keysExpired: 0, aux: new Map() };
  let db = target.dbs[0];
  let expire: number | bigint = -1;
  let idle = -1;
  let freq = -1;
  const now = Date.now();
  for (;;) {
    const type = r.u8();
    if (type === RDB_OPCODE_EXPIRETIME) {
      expire = r.seconds() * 1000;
      continue;
    }
    if (type === RDB_OPCODE_EXPIRETIME_MS) {
      expire = r.millis();
      continue;
    }
    if (type === RDB_OPCODE_FREQ) {
      freq = r.u8();
      continue;
    }
    if (type === RDB_OPCODE_IDLE) {
      const v = r.lenU64();
      idle = typeof v === 'bigint' ? Number.MAX_SAFE_INTEGER : v;
      continue;
    }
    if (type === RDB_OPCODE_EOF) break;
    if (type === RDB_OPCODE_SELECTDB) {
      const id = r.len();
      if (id >= target.dbs.length) {
        throw new RdbError(`FATAL: Data file was created with a Redis server configured to handle more than ${target.dbs.length} databases. Exiting`);
      }
      db = target.dbs[id];
      continue;
    }
    if (type === RDB_OPCODE_RESIZEDB) {
      const size = r.len();
      r.len();
      if (size > 0 && size < 1 << 26) db.dict.reserve(db.dict.size + size);
      continue;
    }
    if (type === RDB_OPCODE_AUX) {
      const k = r.string();
      const v = r.string();
      res.aux.set(k, v);
      if (k === 'redis-ver') target.log('notice', `Loading RDB produced by version ${v}`);
      else if (k === 'ctime') {
        let age = Math.floor(now / 1000) - Number(v);
        if (age < 0) age = 0;
        target.log('notice', `RDB age ${age} seconds`);
      } else if (k === 'used-mem') {
        target.log('notice', `RDB memory usage when created ${(Number(v) / (1024 * 1024)).toFixed(2)} Mb`);
      } else if (k === 'aof-base') {
        if (Number.parseInt(v, 10)) target.log('notice', 'RDB is base AOF');
      }
      continue;
    }
    if (type === RDB_OPCODE_MODULE_AUX) {
      throw new RdbError("The RDB file contains AUX module data I can't load: no matching module");
    }
    if (type === RDB_OPCODE_FUNCTION_PRE_GA) throw new RdbError('Pre-release function format not supported.');
    if (type === RDB_OPCODE_FUNCTION2) {
      // Function libraries need Lua, which Cinnabar does not run: they are skipped.
      r.string();
      target.log('warning', 'Skipping a function library in the RDB file: Cinnabar has no scripting engine');
      continue;
    }
    if (!isObjectType(type)) throw new RdbError(`Unknown RDB encoding type ${type}`);
    const key = r.string();
    let v: Value;
    try {
      v = loadObject(r, type, target.ctx);
    } catch (e) {
      if (e instanceof RdbError && e.message === 'Empty keys skipped') {
        // Redis skips empty keys with a log line and goes on.
        target.log('warning', `rdbLoadObject skipping empty key: ${key}`);
        expire = -1;
        idle = -1;
        freq = -1;
        continue;
      }
      throw e;
    }
    const exp = expire;
    expire = -1;
    if (target.skipExpired && exp !== -1 && exp < now) {
      res.keysExpired++;
      idle = -1;
      freq = -1;
      continue;
    }
    if (db.dict.find(key) >= 0) {
      if (!target.allowDup) throw new RdbError(`RDB has duplicated key '${key}' in DB ${db.id}`);
      db.delete(key);
    }
    target.store(db, key, v, exp === -1 ? 0 : exp, idle, freq);
    idle = -1;
    freq = -1;
    res.keysLoaded++;
  }
  if (ver >= 5) {
    const crc = r.crcUpToHere();
    const stored = r.view(8);
    const zero = stored.every((b) => b === 0);
    if (zero) {
      target.log('warning', 'RDB file was saved with checksum disabled: no check performed.');
    } else if (target.checksum && !crc.matches(stored, 0)) {
      const got = stored.readBigUInt64LE(0).toString(16);
      throw new RdbError(`Wrong RDB checksum expected: (${crc.value().toString(16)}) got (${got}). Aborting now.`);
    }
  }
  return res;
}

/** A reader over a file, read in 1 MB chunks (big files are not held in memory twice). */
export function fileReader(fd: number): RdbReader {
  const buf = Buffer.allocUnsafe(1 << 20);
  const refill = (b: Buffer, at: number, max: number) => fs.readSync(fd, b, at, max, null);
  const first = refill(buf, 0, buf.length);
  return new RdbReader(buf, 0, first, refill);
}
