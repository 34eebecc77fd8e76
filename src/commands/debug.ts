/**
 * DEBUG: the subcommands that make sense for Cinnabar, with Redis 7.0.15's
 * replies. Crash simulations, allocator tuning and AOF reloads are not
 * offered (they answer like an unknown subcommand); RELOAD is persistence's.
 */
import * as crypto from 'crypto';
import type { Client } from '../server/client';
import type { Server } from '../server/server';
import type { Database } from '../db/database';
import { ByteString } from '../data/bytestring';
import { isString, strOf, stringEncoding, type Value } from '../db/values';
import { allocSize, sdsAlloc, sdsHeader } from '../db/memory';
import { parseMemory } from '../config/config';
import { parseInt64 } from '../protocol/numbers';
import { formatG17 } from '../protocol/numbers';
import { fmtFixed } from '../server/info';
import { globMatch } from '../util/glob';
import { RdbManager } from '../persistence/manager';
import { serializedLength as rdbSerializedLength } from '../persistence/dump';

const HELP = [
  'AOF-FLUSH-SLEEP <microsec>',
  '    Server will sleep before flushing the AOF, this is used for testing.',
  'ASSERT',
  '    Crash by assertion failed.',
  'CHANGE-REPL-ID',
  '    Change the replication IDs of the instance.',
  '    Dangerous: should be used only for testing the replication subsystem.',
  'CONFIG-REWRITE-FORCE-ALL',
  '    Like CONFIG REWRITE but writes all configuration options, including',
  '    keywords not listed in original configuration file or default values.',
  'CRASH-AND-RECOVER [<milliseconds>]',
  '    Hard crash and restart after a <milliseconds> delay (default 0).',
  'DIGEST',
  '    Output a hex signature representing the current DB content.',
  'DIGEST-VALUE <key> [<key> ...]',
  '    Output a hex signature of the values of all the specified keys.',
  'ERROR <string>',
  '    Return a Redis protocol error with <string> as message. Useful for clients',
  '    unit tests to simulate Redis errors.',
  'LEAK <string>',
  '    Create a memory leak of the input string.',
  'LOG <message>',
  '    Write <message> to the server log.',
  'HTSTATS <dbid>',
  '    Return hash table statistics of the specified Redis database.',
  'HTSTATS-KEY <key>',
  "    Like HTSTATS but for the hash table stored at <key>'s value.",
  'LOADAOF',
  '    Flush the AOF buffers on disk and reload the AOF in memory.',
  'REPLICATE <string>',
  '    Replicates the provided string to replicas, allowing data divergence.',
  'MALLCTL <key> [<val>]',
  '    Get or set a malloc tuning integer.',
  'MALLCTL-STR <key> [<val>]',
  '    Get or set a malloc tuning string.',
  'OBJECT <key>',
  '    Show low level info about `key` and associated value.',
  'DROP-CLUSTER-PACKET-FILTER <packet-type>',
  '    Drop all packets that match the filtered type. Set to -1 allow all packets.',
  'OOM',
  '    Crash the server simulating an out-of-memory error.',
  'PANIC',
  '    Crash the server simulating a panic.',
  'POPULATE <count> [<prefix>] [<size>]',
  '    Create <count> string keys named key:<num>. If <prefix> is specified then',
  "    it is used instead of the 'key' prefix. These are not propagated to",
  '    replicas. Cluster slots are not respected so keys not belonging to the',
  '    current node can be created in cluster mode.',
  'PROTOCOL <type>',
  '    Reply with a test value of the specified type. <type> can be: string,',
  '    integer, double, bignum, null, array, set, map, attrib, push, verbatim,',
  '    true, false.',
  'RELOAD [option ...]',
  '    Save the RDB on disk and reload it back to memory. Valid <option> values:',
  '    * MERGE: conflicting keys will be loaded from RDB.',
  '    * NOFLUSH: the existing database will not be removed before load, but',
  '      conflicting keys will generate an exception and kill the server.',
  '    * NOSAVE: the database will be loaded from an existing RDB file.',
  '    Examples:',
  '    * DEBUG RELOAD: verify that the server is able to persist, flush and reload',
  '      the database.',
  '    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an',
  '      existing RDB file.',
  '    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB',
  '      file to the database.',
  'RESTART [<milliseconds>]',
  '    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).',
  'SDSLEN <key>',
  '    Show low level SDS string info representing `key` and value.',
  'SEGFAULT',
  '    Crash the server with sigsegv.',
  'SET-ACTIVE-EXPIRE <0|1>',
  '    Setting it to 0 disables expiring keys in background when they are not',
  '    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the',
  '    default.',
  'QUICKLIST-PACKED-THRESHOLD <size>',
  '    Sets the threshold for elements to be inserted as plain vs packed nodes',
  '    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.',
  'SET-SKIP-CHECKSUM-VALIDATION <0|1>',
  "    Enables or disables checksum checks for RDB files and RESTORE's payload.",
  'SLEEP <seconds>',
  '    Stop the server for <seconds>. Decimals allowed.',
  'STRINGMATCH-TEST',
  '    Run a fuzz tester against the stringmatchlen() function.',
  'STRUCTSIZE',
  '    Return the size of different Redis core C structures.',
  'LISTPACK <key>',
  '    Show low level info about the listpack encoding of <key>.',
  'QUICKLIST <key> [<0|1>]',
  '    Show low level info about the quicklist encoding of <key>.',
  '    The optional argument (0 by default) sets the level of detail',
  'CLIENT-EVICTION',
  '    Show low level client eviction pools info (maxmemory-clients).',
  'PAUSE-CRON <0|1>',
  '    Stop periodic cron job processing.',
  'REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>',
  '    Sets the time (in milliseconds) to wait between client reply buffer peak resets.',
  '    In case NEVER is provided the last observed peak will never be reset',
  '    In case RESET is provided the peak reset time will be restored to the default value',
  'REPLYBUFFER RESIZING <0|1>',
  '    Enable or disable the reply buffer resize cron job',
  'CLUSTERLINK KILL <to|from|all> <node-id>',
  '    Kills the link based on the direction to/from (both) with the provided node.',
];

/** C's atoi: optional sign and leading digits, 0 when none. */
function atoi(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s);
  return m ? Number(m[1]) | 0 : 0;
}

/** C's strtod on a prefix (DEBUG SLEEP accepts "1.5abc" as 1.5 and "abc" as 0). */
function strtod(s: string): number {
  const m = /^\s*[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|inf(inity)?|nan)/i.exec(s);
  if (!m) return 0;
  const v = Number(m[0].trim().replace(/^([+-]?)inf(inity)?$/i, '$1Infinity'));
  return Number.isNaN(v) ? 0 : v;
}

/** Block the whole server, as Redis's nanosleep does. */
function sleepMs(ms: number): void {
  if (!(ms > 0)) return;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// ---- POPULATE -------------------------------------------------------------------------

function populate(c: Client, argv: string[]): void {
  const count = parseInt64(argv[2]);
  if (count === null || count < 0) {
    c.error('ERR value is out of range, must be positive');
    return;
  }
  const prefix = argv.length >= 4 ? argv[3] : 'key';
  let size = 0;
  if (argv.length === 5) {
    const v = parseInt64(argv[4]);
    if (v === null || v < 0) {
      c.error('ERR value is out of range, must be positive');
      return;
    }
    size = v;
  }
  const s = c.server;
  const db = c.db;
  const dirty = s.dirty;
  db.dict.reserve(db.dict.size + count);
  const pad = size > 0 ? '\0'.repeat(size) : '';
  for (let j = 0; j < count; j++) {
    const key = `${prefix}:${j}`;
    if (db.exists(key)) continue;
    let val = `value:${j}`;
    if (size > 0) val = val.length >= size ? val.slice(0, size) : val + pad.slice(val.length);
    db.add(key, val);
  }
  // Redis's DEBUG POPULATE signals WATCH but does not count as changes to save.
  s.dirty = dirty;
  c.w.ok();
}

// ---- OBJECT, SDSLEN -----------------------------------------------------------------------

/** A stable pseudo address for a value (Redis prints the object's pointer). */
const addresses = new WeakMap<object, number>();
let nextAddress = 0x7f0000100000;
function addressOf(db: Database, e: number): string {
  const v = db.dict.valueAt(e) as unknown;
  if (typeof v === 'object' && v !== null) {
    let a = addresses.get(v);
    if (a === undefined) {
      a = nextAddress;
      nextAddress += 0x40;
      addresses.set(v, a);
    }
    return '0x' + a.toString(16);
  }
  return '0x' + (0x7f0000000000 + ((crypto.createHash('sha1').update(db.dict.keyAt(e), 'latin1').digest().readUInt32BE(0) & 0xffffff) << 4)).toString(16);
}

function debugObject(c: Client, argv: string[]): void {
  const db = c.db;
  const e = db.dict.find(argv[2]);
  if (e < 0) {
    c.error('ERR no such key');
    return;
  }
  const v = db.dict.valueAt(e);
  const s = c.server;
  const encoding = isString(v) ? stringEncoding(v) : v.encoding();
  let refcount = 1;
  if (typeof v === 'number' && v >= 0 && v < 10000) {
    const policy = s.config.str('maxmemory-policy');
    const noShared = s.maxmemory > 0 && (policy.endsWith('-lru') || policy.endsWith('-lfu'));
    if (!noShared) refcount = 2147483647;
  }
  const lru = s.accessMark(db, e);
  const idle = Math.floor(s.evictor.idleMs(lru) / 1000);
  let extra = '';
  if (!isString(v) && v.type === 'list') {
    const l = v as unknown as { length: number; fill: number; memoryUsage(): number };
    const fill = l.fill ?? s.config.num('list-max-listpack-size');
    const n = l.length;
    let nodes = 1;
    if (fill > 0) nodes = Math.max(1, Math.ceil(n / fill));
    else {
      const limit = 4096 * 2 ** (Math.min(-fill, 5) - 1);
      nodes = Math.max(1, Math.ceil((l.memoryUsage() - 56) / limit));
    }
    const avg = n / nodes;
    let raw = 0;
    (v as unknown as { forEach(fn: (x: string) => void): void }).forEach((x) => {
      raw += lpEntrySize(x);
    });
    extra =
      ` ql_nodes:${nodes} ql_avg_node:${fmtFixed(avg, 2)} ql_listpack_max:${fill}` +
      ` ql_compressed:${s.config.num('list-compress-depth') !== 0 ? 1 : 0} ql_uncompressed_size:${raw + 7 * nodes}`;
  }
  c.w.simple(
    `Value at:${addressOf(db, e)} refcount:${refcount} encoding:${encoding} serializedlength:${rdbSerializedLength(v, { compressDepth: s.config.num('list-compress-depth'), packedThreshold: s.quicklistPackedThreshold }, s.config.bool('rdbcompression'))} lru:${lru} lru_seconds_idle:${idle}${extra}`,
  );
}

/** Bytes of a listpack entry holding s (encoding, data, backlen). */
function lpEntrySize(s: string): number {
  if (s.length > 0 && s.length <= 20 && /^(0|-?[1-9]\d*)$/.test(s)) {
    const n = Number(s);
    if (Number.isSafeInteger(n) || s.length < 20) {
      if (n >= 0 && n <= 127) return 2;
      if (n >= -4096 && n <= 4095) return 3;
      if (n >= -32768 && n <= 32767) return 4;
      if (n >= -8388608 && n <= 8388607) return 5;
      if (n >= -2147483648 && n <= 2147483647) return 6;
      return 10;
    }
  }
  const len = s.length;
  const hdr = len < 64 ? 1 : len < 4096 ? 2 : 5;
  const body = hdr + len;
  const back = body < 128 ? 1 : body < 16384 ? 2 : body < 2097152 ? 3 : body < 268435456 ? 4 : 5;
  return body + back;
}

function sdslen(c: Client, argv: string[]): void {
  const db = c.db;
  const e = db.dict.find(argv[2]);
  if (e < 0) {
    c.error('ERR no such key');
    return;
  }
  const v = db.dict.valueAt(e);
  if (!isString(v) || typeof v === 'number' || stringEncoding(v) === 'int') {
    c.error('ERR Not an sds encoded string.');
    return;
  }
  const key = db.dict.keyAt(e);
  const keyAlloc = sdsAlloc(key.length, true);
  const len = v instanceof ByteString ? v.length : v.length;
  let valAlloc: number, avail: number;
  if (v instanceof ByteString) {
    valAlloc = allocSize(sdsHeader(v.capacity) + v.capacity + 1);
    avail = valAlloc - sdsHeader(v.capacity) - 1 - len;
  } else if (len <= 44) {
    // embstr: the sds lives in the object's allocation; Redis reports that allocation minus the robj.
    valAlloc = allocSize(16 + 3 + len + 1) - 16;
    avail = 0;
  } else {
    valAlloc = sdsAlloc(len);
    avail = valAlloc - sdsHeader(len) - 1 - len;
  }
  c.w.simple(
    `key_sds_len:${key.length}, key_sds_avail:${key.length < 32 ? 0 : keyAlloc - sdsHeader(key.length, true) - 1 - key.length}, key_zmalloc: ${keyAlloc}, ` +
      `val_sds_len:${len}, val_sds_avail:${avail}, val_zmalloc: ${valAlloc}`,
  );
}

// ---- DIGEST -----------------------------------------------------------------------------

const TYPE_CODES: Record<string, number> = { string: 0, list: 1, set: 2, zset: 3, hash: 4, stream: 6 };

function sha1(data: Buffer): Buffer {
  return crypto.createHash('sha1').update(data).digest();
}

function xorDigest(digest: Buffer, data: Buffer): void {
  const h = sha1(data);
  for (let j = 0; j < 20; j++) digest[j] ^= h[j];
}

function mixDigest(digest: Buffer, data: Buffer): void {
  xorDigest(digest, data);
  sha1(digest).copy(digest);
}

const bytes = (s: string) => Buffer.from(s, 'latin1');

/** A score as Redis 7.0 writes it into the digest (%.17g). */
function scoreText(d: number): string {
  return formatG17(d);
}

/** xorObjectDigest: mix one value (and its TTL flag) into digest. */
function objectDigest(digest: Buffer, v: Value, hasExpire: boolean): boolean {
  const aux = Buffer.alloc(4);
  const type = isString(v) ? 'string' : v.type;
  aux.writeUInt32BE(TYPE_CODES[type]);
  mixDigest(digest, aux);
  if (isString(v)) {
    mixDigest(digest, bytes(strOf(v)));
  } else {
    const it = v as unknown as Record<string, unknown>;
    if (typeof it.forEach !== 'function') return false;
    const each = it.forEach as (fn: (...a: unknown[]) => void) => void;
    switch (v.type) {
      case 'list':
        each.call(v, (x) => mixDigest(digest, bytes(x as string)));
        break;
      case 'set':
        each.call(v, (x) => xorDigest(digest, bytes(x as string)));
        break;
      case 'hash':
        each.call(v, (f, val) => {
          const ele = Buffer.alloc(20);
          mixDigest(ele, bytes(f as string));
          mixDigest(ele, bytes(val as string));
          xorDigest(digest, ele);
        });
        break;
      case 'zset':
        each.call(v, (a, b) => {
          const [member, score] = typeof a === 'number' ? [b as string, a] : [a as string, b as number];
          const ele = Buffer.alloc(20);
          mixDigest(ele, bytes(member));
          mixDigest(ele, bytes(scoreText(score)));
          xorDigest(digest, ele);
        });
        break;
      case 'stream': {
        // Entries as (id, fields) in ID order: "<ms>.<seq>", then field and value of each pair.
        const entries = it.entries as undefined | (() => Iterable<{ id: string | { ms: number | bigint; seq: number | bigint }; fields: string[] }>);
        if (typeof entries !== 'function') return false;
        for (const ent of entries.call(v)) {
          const id = typeof ent.id === 'string' ? ent.id.replace('-', '.') : `${ent.id.ms}.${ent.id.seq}`;
          mixDigest(digest, bytes(id));
          for (const f of ent.fields) mixDigest(digest, bytes(f));
        }
        break;
      }
    }
  }
  if (hasExpire) xorDigest(digest, bytes('!!expire!!'));
  return true;
}

function datasetDigest(s: Server): Buffer {
  const final = Buffer.alloc(20);
  for (const db of s.dbs) {
    const d = db.dict;
    if (d.size === 0) continue;
    const aux = Buffer.alloc(4);
    aux.writeUInt32BE(db.id);
    mixDigest(final, aux);
    for (let e = 0; e < d.size; e++) {
      const digest = Buffer.alloc(20);
      mixDigest(digest, bytes(d.keyAt(e)));
      objectDigest(digest, d.valueAt(e), d.getExpire(e) !== 0);
      xorDigest(final, digest);
    }
  }
  return final;
}

function digestValue(c: Client, argv: string[]): void {
  c.w.arr(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const digest = Buffer.alloc(20);
    const e = c.db.findLive(argv[j]);
    if (e >= 0) objectDigest(digest, c.db.dict.valueAt(e), c.db.dict.getExpire(e) !== 0);
    c.w.simple(digest.toString('hex'));
  }
}

// ---- HTSTATS --------------------------------------------------------------------------------

function tableStats(label: string, size: number, chains: number[]): string {
  let elements = 0, slots = 0, maxChain = 0;
  for (let len = 1; len < chains.length; len++) {
    const n = chains[len] ?? 0;
    if (n === 0) continue;
    elements += len * n;
    slots += n;
    maxChain = len;
  }
  let s = `Hash table ${label}:\n`;
  if (elements === 0) return s + 'No stats available for empty dictionaries\n';
  s +=
    ` table size: ${size}\n number of elements: ${elements}\n different slots: ${slots}\n max chain length: ${maxChain}\n` +
    ` avg chain length (counted): ${fmtFixed(elements / slots, 2)}\n avg chain length (computed): ${fmtFixed(elements / slots, 2)}\n` +
    ` Chain length distribution:\n`;
  for (let len = 0; len < chains.length; len++) {
    const n = chains[len] ?? 0;
    if (n === 0) continue;
    s += `   ${len}: ${n} (${fmtFixed((n / size) * 100, 2)}%)\n`;
  }
  return s;
}

function htstats(c: Client, argv: string[]): void {
  const id = parseInt64(argv[2]);
  if (id === null) {
    c.error('ERR value is not an integer or out of range');
    return;
  }
  if (id < 0 || id >= c.server.dbs.length) {
    c.error('ERR Out of range database');
    return;
  }
  const d = c.server.dbs[id].dict;
  let out = '[Dictionary HT]\n';
  const tables = d.size === 0 ? [] : d.chainStats();
  if (tables.length === 0) out += tableStats('0 stats (main hash table)', 0, []);
  tables.forEach((t, i) => {
    out += tableStats(i === 0 ? '0 stats (main hash table)' : '1 stats (rehashing target)', t.size, t.chains);
  });
  out += '[Expires HT]\n';
  // TTLs live in the main table's entries, listed densely: one slot per volatile key.
  const vol = d.volatileSize;
  out += tableStats('0 stats (main hash table)', vol, vol === 0 ? [] : [0, vol]);
  c.w.verbatim(out);
}

// ---- PROTOCOL ---------------------------------------------------------------------------------

const PROTOCOL_TYPES = 'string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false';

function protocol(c: Client, argv: string[]): void {
  const w = c.w;
  switch (argv[2].toLowerCase()) {
    case 'string':
      w.bulk('Hello World');
      break;
    case 'integer':
      w.int(12345);
      break;
    case 'double':
      w.double(3.141);
      break;
    case 'bignum':
      w.bigNumber('1234567999999999999999999999999999999');
      break;
    case 'null':
      w.nil();
      break;
    case 'array':
      w.arr(3);
      for (let j = 0; j < 3; j++) w.int(j);
      break;
    case 'set':
      w.set(3);
      for (let j = 0; j < 3; j++) w.int(j);
      break;
    case 'map':
      w.map(3);
      for (let j = 0; j < 3; j++) {
        w.int(j);
        w.bool(j === 1);
      }
      break;
    case 'attrib':
      if (c.resp >= 3) {
        w.raw('|1\r\n');
        w.bulk('key-popularity');
        w.arr(2);
        w.bulk('key:123');
        w.int(90);
      }
      w.bulk('Some real reply following the attribute');
      break;
    case 'push':
      if (c.resp < 3) {
        c.error('ERR RESP2 is not supported by this command');
        return;
      }
      w.push(2);
      w.bulk('server-cpu-usage');
      w.int(42);
      w.bulk('Some real reply following the push reply');
      break;
    case 'true':
      w.bool(true);
      break;
    case 'false':
      w.bool(false);
      break;
    case 'verbatim':
      w.verbatim('This is a verbatim\nstring');
      break;
    default:
      c.error(`ERR Wrong protocol type name. Please use one of the following: ${PROTOCOL_TYPES}`);
  }
}

// ---- the command --------------------------------------------------------------------------------

/** Random patterns against random strings (7-bit, up to 31 bytes): the glob matcher must not throw or hang. */
function stringmatchFuzz(cycles: number): number {
  let matches = 0;
  const rnd = (n: number) => Math.floor(Math.random() * n);
  const text = (len: number) => {
    let t = '';
    for (let j = 0; j < len; j++) t += String.fromCharCode(rnd(128));
    return t;
  };
  while (cycles--) {
    const str = text(rnd(32));
    const pat = text(rnd(32));
    if (globMatch(pat, str)) matches++;
  }
  return matches;
}

/** Values kept alive on purpose by DEBUG LEAK. */
const leaked: string[] = [];

export function debugCommand(c: Client, argv: string[]): void {
  const s = c.server;
  const sub = argv[1].toLowerCase();
  const argc = argv.length;
  const bad = () => c.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try DEBUG HELP.`);
  if (sub === 'help' && argc === 2) {
    const all = ['DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:', ...HELP, 'HELP', '    Prints this help.'];
    c.w.arr(all.length);
    for (const l of all) c.w.simple(l);
  } else if (sub === 'object' && argc === 3) {
    debugObject(c, argv);
  } else if (sub === 'sdslen' && argc === 3) {
    sdslen(c, argv);
  } else if (sub === 'populate' && argc >= 3 && argc <= 5) {
    populate(c, argv);
  } else if (sub === 'digest' && argc === 2) {
    c.w.simple(datasetDigest(s).toString('hex'));
  } else if (sub === 'digest-value' && argc >= 2) {
    digestValue(c, argv);
  } else if (sub === 'protocol' && argc === 3) {
    protocol(c, argv);
  } else if (sub === 'sleep' && argc === 3) {
    const us = Math.trunc(strtod(argv[2]) * 1e6);
    sleepMs(us / 1000);
    c.w.ok();
  } else if (sub === 'set-active-expire' && argc === 3) {
    s.activeExpireEnabled = atoi(argv[2]) !== 0;
    c.w.ok();
  } else if (sub === 'quicklist-packed-threshold' && argc === 3) {
    const sz = parseMemory(argv[2]);
    if (sz === null || sz > 2 ** 32 - 2 ** 20) {
      c.error('ERR argument must be a memory value bigger than 1 and smaller than 4gb');
      return;
    }
    s.quicklistPackedThreshold = sz === 0 ? 2 ** 30 : sz;
    c.w.ok();
  } else if (sub === 'error' && argc === 3) {
    // A raw error reply: not an error of the command (no errorstats, not failed).
    c.w.raw('-' + argv[2].replace(/[\r\n]/g, ' ') + '\r\n');
  } else if (sub === 'log' && argc === 3) {
    s.log.warning(`DEBUG LOG: ${argv[2]}`);
    c.w.ok();
  } else if (sub === 'leak' && argc === 3) {
    leaked.push(argv[2]);
    c.w.ok();
  } else if (sub === 'replicate' && argc >= 3) {
    s.propagate(c.db.id, argv.slice(2));
    c.w.ok();
  } else if (sub === 'htstats' && argc === 3) {
    htstats(c, argv);
  } else if (sub === 'change-repl-id' && argc === 2) {
    s.replId = crypto.randomBytes(20).toString('hex');
    s.replId2 = '0'.repeat(40);
    s.log.warning('Changing replication IDs after receiving DEBUG change-repl-id');
    c.w.ok();
  } else if (sub === 'stringmatch-test' && argc === 2) {
    stringmatchFuzz(100_000);
    c.w.simple('Apparently Redis did not crash: test passed');
  } else if (sub === 'structsize' && argc === 2) {
    c.w.bulk('bits:64 robj:16 dictentry:24 sdshdr5:1 sdshdr8:3 sdshdr16:5 sdshdr32:9 sdshdr64:17 ');
  } else if (sub === 'pause-cron' && argc === 3) {
    s.cronPaused = atoi(argv[2]) !== 0;
    c.w.ok();
  } else if (sub === 'config-rewrite-force-all' && argc === 2) {
    forceRewrite(c);
  } else if (sub === 'reload') {
    RdbManager.of(s).debugReload(c, argv.slice(2));
  } else if (sub === 'set-skip-checksum-validation' && argc === 3) {
    RdbManager.of(s).skipChecksum = atoi(argv[2]) !== 0;
    c.w.ok();
  } else {
    bad();
  }
}

function forceRewrite(c: Client): void {
  const s = c.server;
  if (s.config.file === '') {
    c.error('ERR CONFIG-REWRITE-FORCE-ALL failed: The server is running without a config file');
    return;
  }
  try {
    rewriteConfigForce(s);
  } catch (e) {
    c.error(`ERR CONFIG-REWRITE-FORCE-ALL failed: ${(e as Error).message}`);
    return;
  }
  c.w.ok();
}

import { rewriteConfig } from '../config/rewrite';
function rewriteConfigForce(s: Server): void {
  rewriteConfig(s, true);
}
