/**
 * Persistence commands: DUMP, RESTORE, SAVE, BGSAVE, and the replication
 * handshake `redis-cli --rdb` needs (REPLCONF, SYNC). Replies and error texts
 * follow Redis 7.0.15 (cluster.c's dump/restore, rdb.c, replication.c).
 * LASTSAVE lives with the server commands.
 */
import type { Client } from '../server/client';
import type { CommandDef } from './registry';
import { ERR_NOT_INT, ERR_SYNTAX, is } from './args';
import { parseInt64, parseInt64Big } from '../protocol/numbers';
import { NOTIFY_GENERIC } from '../db/database';
import { createDumpPayload, loadDumpPayload, verifyDumpPayload } from '../persistence/dump';
import { RdbError } from '../persistence/rdb-encoding';
import { RdbManager, setLruOrLfu } from '../persistence/manager';

// ---- DUMP / RESTORE ----------------------------------------------------------------------------

function dump(c: Client, argv: string[]): void {
  const v = c.db.lookupRead(argv[1]);
  if (v === undefined) {
    c.w.nil();
    return;
  }
  const s = c.server;
  const payload = createDumpPayload(
    v,
    { compressDepth: s.config.num('list-compress-depth'), packedThreshold: s.quicklistPackedThreshold },
    s.config.bool('rdbcompression'),
  );
  c.w.bulkBytes(payload);
}

function restore(c: Client, argv: string[]): void {
  const s = c.server;
  const db = c.db;
  let replace = false;
  let absttl = false;
  let lfuFreq = -1;
  let lruIdle = -1;
  for (let j = 4; j < argv.length; j++) {
    const additional = argv.length - j - 1;
    const a = argv[j];
    if (is(a, 'replace')) replace = true;
    else if (is(a, 'absttl')) absttl = true;
    else if (is(a, 'idletime') && additional >= 1 && lfuFreq === -1) {
      const v = parseInt64(argv[j + 1]);
      if (v === null) return c.error(ERR_NOT_INT);
      if (v < 0) return c.error('ERR Invalid IDLETIME value, must be >= 0');
      lruIdle = v;
      j++;
    } else if (is(a, 'freq') && additional >= 1 && lruIdle === -1) {
      const v = parseInt64(argv[j + 1]);
      if (v === null) return c.error(ERR_NOT_INT);
      if (v < 0 || v > 255) return c.error('ERR Invalid FREQ value, must be >= 0 and <= 255');
      lfuFreq = v;
      j++;
    } else return c.error(ERR_SYNTAX);
  }
  const key = argv[1];
  if (!replace && db.lookupWrite(key) !== undefined) return c.error('BUSYKEY Target key name already exists.');
  let ttl = parseInt64Big(argv[2]);
  if (ttl === null) return c.error(ERR_NOT_INT);
  if (ttl < 0n) return c.error('ERR Invalid TTL value, must be >= 0');
  const payload = Buffer.from(argv[3], 'latin1');
  const m = RdbManager.of(s);
  if (!verifyDumpPayload(payload, m.skipChecksum)) return c.error('ERR DUMP payload version or checksum are wrong');
  const sanitize = s.config.str('sanitize-dump-payload');
  if (sanitize === 'yes' || (sanitize === 'clients' && !c.isMaster)) s.stats.dumpPayloadSanitizations++;
  let obj;
  try {
    obj = loadDumpPayload(payload, m.loadContext());
  } catch (e) {
    if (e instanceof RdbError) return c.error('ERR Bad data format');
    throw e;
  }
  let deleted = false;
  if (replace) deleted = db.delete(key);
  const now = BigInt(s.now());
  if (ttl !== 0n && !absttl) ttl = BigInt.asIntN(64, ttl + now);
  if (ttl !== 0n && ttl <= now) {
    // Already expired: nothing is created; a replaced key is gone.
    if (deleted) {
      c.propagateAs = [[s.config.bool('lazyfree-lazy-server-del') ? 'UNLINK' : 'DEL', key]];
      s.notify(NOTIFY_GENERIC, 'del', key, db.id);
    }
    c.w.ok();
    return;
  }
  const e = db.add(key, obj);
  if (ttl !== 0n) {
    db.dict.setExpireExact(e, ttl <= 9007199254740991n ? Number(ttl) : ttl);
    if (!absttl) c.propagateAs = [[...argv.slice(0, 2), ttl.toString(), ...argv.slice(3), 'ABSTTL']];
  }
  setLruOrLfu(s, db, e, s.evictor.lfu, lfuFreq, lruIdle);
  s.notify(NOTIFY_GENERIC, 'restore', key, db.id);
  c.w.ok();
}

// ---- SAVE / BGSAVE -------------------------------------------------------------------------------

function save(c: Client): void {
  const m = RdbManager.of(c.server);
  if (m.inProgress) return c.error('ERR Background save already in progress');
  m.saves++;
  if (m.saveSync()) c.w.ok();
  else c.error('ERR');
}

function bgsave(c: Client, argv: string[]): void {
  let schedule = false;
  if (argv.length > 1) {
    if (argv.length === 2 && is(argv[1], 'schedule')) schedule = true;
    else return c.error(ERR_SYNTAX);
  }
  const s = c.server;
  const m = RdbManager.of(s);
  if (m.inProgress) return c.error('ERR Background save already in progress');
  if (s.execDepth > 0 || m.otherChild()) {
    // Inside MULTI/EXEC, or while an AOF rewrite runs, the save starts from the cron later.
    if (!schedule && s.execDepth === 0) {
      return c.error("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.");
    }
    m.bgsaveScheduled = true;
    c.w.simple('Background saving scheduled');
    return;
  }
  m.bgsave();
  c.w.simple('Background saving started');
}

// ---- REPLCONF / SYNC -----------------------------------------------------------------------------

function replconf(c: Client, argv: string[]): void {
  if (argv.length % 2 === 0) return c.error(ERR_SYNTAX);
  const m = RdbManager.of(c.server);
  const conf = m.conf(c);
  for (let j = 1; j < argv.length; j += 2) {
    const opt = argv[j].toLowerCase();
    const val = argv[j + 1];
    if (opt === 'listening-port') {
      const port = parseInt64(val);
      if (port === null) return c.error(ERR_NOT_INT);
      conf.listeningPort = port;
    } else if (opt === 'ip-address') {
      if (val.length >= 46) return c.error(`ERR REPLCONF ip-address provided by replica instance is too long: ${val.length} bytes`);
      conf.ipAddress = val;
    } else if (opt === 'capa') {
      const capa = val.toLowerCase();
      if (capa === 'eof') conf.capaEof = true;
      else if (capa === 'psync2') conf.capaPsync2 = true;
    } else if (opt === 'ack' || opt === 'getack') {
      // Only a replica's link sends these; for any other client they are ignored without a reply.
      return;
    } else if (opt === 'rdb-only') {
      const v = parseInt64(val);
      if (v === null) return c.error(ERR_NOT_INT);
      if (v < 0 || v > 1) return c.error('ERR value is out of range, value must between 0 and 1');
      conf.rdbOnly = v === 1;
    } else if (opt === 'rdb-filter-only') {
      const filters = val.split(/\s+/).filter(Boolean);
      conf.excludeData = true;
      for (const f of filters) {
        if (f.toLowerCase() !== 'functions') return c.error(`ERR Unsupported rdb-filter-only option: ${f}`);
      }
    } else return c.error(`ERR Unrecognized REPLCONF option: ${argv[j]}`);
  }
  c.w.ok();
}

function sync(c: Client): void {
  if (c.w.len > 0) return c.error('ERR SYNC and PSYNC are invalid with pending output');
  if (c.socket === null) return c.error('ERR SYNC needs a connection');
  RdbManager.of(c.server).sync(c);
}

export const persistenceCommands: CommandDef[] = [
  { name: 'dump', handler: dump },
  { name: 'restore', handler: restore },
  { name: 'save', handler: save },
  { name: 'bgsave', handler: bgsave },
  { name: 'replconf', handler: replconf },
  { name: 'sync', handler: sync },
];
