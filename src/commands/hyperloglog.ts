/**
 * HyperLogLog commands (Redis's hyperloglog.c): PFADD, PFCOUNT, PFMERGE,
 * PFDEBUG and PFSELFTEST. The values are plain strings in Redis's HLL
 * format (data/hll.ts), held as ByteStrings once edited.
 */
import type { Client } from '../server/client';
import type { CommandDef } from './registry';
import type { Database } from '../db/database';
import { isString, WRONGTYPE, type StringValue, type Value } from '../db/values';
import { NOTIFY_STRING } from '../db/database';
import { ByteString } from '../data/bytestring';
import {
  HLL_DENSE,
  HLL_DENSE_SIZE,
  HLL_HDR_SIZE,
  HLL_REGISTERS,
  HLL_SPARSE,
  createHll,
  decodeSparse,
  dense,
  denseRegisters,
  hllAdd,
  hllAddHashed,
  hllCount,
  hllMerge,
  hllPatLen8,
  hllSet,
  invalidateCache,
  looksLikeHll,
  rawCount,
  readCache,
  sparseToDense,
  validCache,
  writeCache,
} from '../data/hll';
import { optIs, unshareString } from './strings';

const ERR_NOT_HLL = 'WRONGTYPE Key is not a valid HyperLogLog string value.';
const ERR_INVALID = 'INVALIDOBJ Corrupted HLL object detected';

/** The bytes of a string value: [buffer, length]. */
function bytesOf(v: StringValue): [Buffer, number] {
  if (v instanceof ByteString) return [v.buf, v.length];
  const s = typeof v === 'number' ? '' : v;
  return [Buffer.from(s, 'latin1'), s.length];
}

/**
 * isHLLObjectOrReply: true when v is a string holding a valid-looking HLL;
 * otherwise replies the error. Integer-encoded strings are never HLLs.
 */
function checkHll(c: Client, v: Value): v is StringValue {
  if (!isString(v)) {
    c.error(WRONGTYPE);
    return false;
  }
  if (typeof v === 'number') {
    c.error(ERR_NOT_HLL);
    return false;
  }
  let ok: boolean;
  if (v instanceof ByteString) ok = looksLikeHll(v.buf, v.length);
  else ok = v.length >= HLL_HDR_SIZE && v.startsWith('HYLL') && looksLikeHll(Buffer.from(v.slice(0, HLL_HDR_SIZE), 'latin1'), v.length);
  if (!ok) c.error(ERR_NOT_HLL);
  return ok;
}

function maxBytes(c: Client): number {
  return c.server.config.num('hll-sparse-max-bytes');
}

/** The HLL at key, unshared for editing (the key was looked up with lookupWrite). */
function editable(db: Database, key: string, v: StringValue): ByteString {
  return unshareString(db, key, v);
}

function pfadd(c: Client, argv: string[]): void {
  const key = argv[1];
  const db = c.db;
  const v = db.lookupWrite(key);
  let updated = 0;
  let bs: ByteString;
  if (v === undefined) {
    bs = createHll();
    db.add(key, bs);
    updated++;
  } else {
    if (!checkHll(c, v)) return;
    bs = editable(db, key, v);
  }
  const max = maxBytes(c);
  for (let j = 2; j < argv.length; j++) {
    const r = hllAdd(bs, argv[j], max);
    if (r === 1) updated++;
    else if (r === -1) {
      c.error(ERR_INVALID);
      if (v === undefined) return;
      // A partial update that Redis does not count as a change.
      c.propagateAs = [];
      return;
    }
  }
  if (updated) {
    invalidateCache(bs.buf);
    if (v !== undefined) db.changed(key);
    c.server.notify(NOTIFY_STRING, 'pfadd', key, db.id);
  }
  c.w.int(updated ? 1 : 0);
}

function pfcount(c: Client, argv: string[]): void {
  const db = c.db;
  if (argv.length > 2) {
    const max = new Uint8Array(HLL_REGISTERS);
    for (let j = 1; j < argv.length; j++) {
      const v = db.lookupRead(argv[j]);
      if (v === undefined) continue;
      if (!checkHll(c, v)) return;
      const [b, len] = bytesOf(v);
      if (!hllMerge(max, b, len)) {
        c.error(ERR_INVALID);
        return;
      }
    }
    c.w.int(rawCount(max));
    return;
  }
  const key = argv[1];
  const v = db.lookupRead(key);
  if (v === undefined) {
    c.w.int(0);
    return;
  }
  if (!checkHll(c, v)) return;
  db.lookupWrite(key);
  const bs = editable(db, key, v);
  const b = bs.buf;
  if (validCache(b)) {
    c.w.int(readCache(b));
    return;
  }
  const card = hllCount(b, bs.length);
  if (card === null) {
    c.error(ERR_INVALID);
    return;
  }
  writeCache(b, card);
  db.changed(key);
  // A read-only command that changed the value: replicate it.
  c.propagateAs = [c.argv.slice()];
  c.w.int(card);
}

function pfmerge(c: Client, argv: string[]): void {
  const db = c.db;
  const max = new Uint8Array(HLL_REGISTERS);
  let useDense = false;
  for (let j = 1; j < argv.length; j++) {
    const v = db.lookupRead(argv[j]);
    if (v === undefined) continue;
    if (!checkHll(c, v)) return;
    const [b, len] = bytesOf(v);
    if (b[4] === HLL_DENSE) useDense = true;
    if (!hllMerge(max, b, len)) {
      c.error(ERR_INVALID);
      return;
    }
  }
  const key = argv[1];
  const v = db.lookupWrite(key);
  let bs: ByteString;
  if (v === undefined) {
    bs = createHll();
    db.add(key, bs);
  } else bs = editable(db, key, v as StringValue);
  if (useDense && !sparseToDense(bs)) {
    c.error(ERR_INVALID);
    return;
  }
  const limit = maxBytes(c);
  for (let j = 0; j < HLL_REGISTERS; j++) {
    if (max[j] === 0) continue;
    hllSet(bs, j, max[j], limit);
  }
  invalidateCache(bs.buf);
  db.changed(key);
  c.server.notify(NOTIFY_STRING, 'pfadd', key, db.id);
  c.w.ok();
}

function pfdebug(c: Client, argv: string[]): void {
  const sub = argv[1];
  const key = argv[2];
  const db = c.db;
  const v = db.lookupWrite(key);
  if (v === undefined) {
    c.error('ERR The specified key does not exist');
    return;
  }
  if (!checkHll(c, v)) return;
  const bs = editable(db, key, v);
  if (optIs(sub, 'getreg')) {
    if (bs.buf[4] === HLL_SPARSE) {
      if (!sparseToDense(bs)) {
        c.error(ERR_INVALID);
        return;
      }
      db.changed(key);
    }
    const regs = denseRegisters(bs.buf, bs.length);
    c.w.arr(regs.length);
    for (const r of regs) c.w.int(r);
  } else if (optIs(sub, 'decode')) {
    if (bs.buf[4] !== HLL_SPARSE) {
      c.error('ERR HLL encoding is not sparse');
      return;
    }
    c.w.bulk(decodeSparse(bs.buf, bs.length));
  } else if (optIs(sub, 'encoding')) {
    c.w.simple(bs.buf[4] === HLL_DENSE ? 'dense' : 'sparse');
  } else if (optIs(sub, 'todense')) {
    let conv = 0;
    if (bs.buf[4] === HLL_SPARSE) {
      if (!sparseToDense(bs)) {
        c.error(ERR_INVALID);
        return;
      }
      conv = 1;
      db.changed(key);
    }
    c.w.int(conv);
  } else {
    c.error(`ERR Unknown PFDEBUG subcommand '${cstrOf(sub)}'`);
  }
}

function cstrOf(s: string): string {
  const i = s.indexOf('\0');
  return i < 0 ? s : s.slice(0, i);
}

/**
 * PFSELFTEST: Redis's self test of the HLL code, run on this implementation:
 * dense registers keep their values, and sparse and dense HLLs fed the same
 * elements agree and stay within the expected error.
 */
function pfselftest(c: Client, _argv: string[]): void {
  const regs = Buffer.alloc(HLL_DENSE_SIZE - HLL_HDR_SIZE + 1);
  const bytes = new Uint8Array(HLL_REGISTERS);
  for (let j = 0; j < 1000; j++) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const r = (Math.random() * 64) | 0;
      bytes[i] = r;
      dense.set(regs, i, r);
    }
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const val = dense.get(regs, i);
      if (val !== bytes[i]) {
        c.error(`TESTFAILED Register error, counter ${i} should be ${bytes[i]} but is ${val}`);
        return;
      }
    }
  }
  // Test 2: approximation error, dense and sparse side by side.
  const hdr = Buffer.alloc(HLL_DENSE_SIZE);
  hdr.write('HYLL', 0, 'latin1');
  hdr[4] = HLL_DENSE;
  const denseHll = new ByteString(hdr);
  const sparseHll = createHll();
  const limit = maxBytes(c);
  const relerr = 1.04 / Math.sqrt(HLL_REGISTERS);
  let checkpoint = 1;
  const seedLo = (Math.random() * 4294967296) >>> 0;
  const seedHi = (Math.random() * 4294967296) >>> 0;
  for (let j = 1; j <= 10000000; j++) {
    // ele = j ^ seed, as 8 little-endian bytes.
    const pl = hllPatLen8(seedHi, (j ^ seedLo) >>> 0);
    hllAddHashed(denseHll, pl, limit);
    hllAddHashed(sparseHll, pl, limit);
    if (j !== checkpoint) continue;
    if (j < limit / 2 && sparseHll.buf[4] !== HLL_SPARSE) {
      c.error('TESTFAILED sparse encoding not used');
      return;
    }
    const cd = hllCount(denseHll.buf, denseHll.length);
    if (cd !== hllCount(sparseHll.buf, sparseHll.length)) {
      c.error('TESTFAILED dense/sparse disagree');
      return;
    }
    let maxerr = Math.ceil(relerr * 6 * checkpoint);
    if (j === 10) maxerr = 1;
    const abserr = Math.abs(checkpoint - (cd ?? 0));
    if (abserr > maxerr) {
      c.error(`TESTFAILED Too big error. card:${checkpoint} abserr:${abserr}`);
      return;
    }
    checkpoint *= 10;
  }
  c.w.ok();
}

export const hyperloglogCommands: CommandDef[] = [
  { name: 'pfadd', handler: pfadd },
  { name: 'pfcount', handler: pfcount },
  { name: 'pfmerge', handler: pfmerge },
  { name: 'pfdebug', handler: pfdebug },
  { name: 'pfselftest', handler: pfselftest },
];
