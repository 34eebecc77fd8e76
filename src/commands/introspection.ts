/**
 * Introspection commands: COMMAND (INFO, DOCS, COUNT, LIST, GETKEYS,
 * GETKEYSANDFLAGS), MEMORY (USAGE, STATS, DOCTOR, PURGE, MALLOC-STATS),
 * SLOWLOG and LATENCY. COMMAND replies are built from the metadata Redis
 * 7.0.15 reported about itself (registry.ts), for registered commands only.
 */
import * as fs from 'fs';
import * as v8 from 'v8';
import type { Client } from '../server/client';
import type { ReplyWriter } from '../protocol/writer';
import type { Command, CommandDef, CommandMeta, KeySpecMeta } from './registry';
import { replyHelp, ERR_SYNTAX } from './args';
import { parseInt64 } from '../protocol/numbers';
import { globMatch } from '../util/glob';
import { keyMemoryUsage } from '../db/memory';
import { memoryOverhead, fmtFixed } from '../server/info';
import { formatDouble } from '../protocol/numbers';

// ---- COMMAND ------------------------------------------------------------------------------

function statusSet(w: ReplyWriter, items: readonly string[]): void {
  w.set(items.length);
  for (const s of items) w.simple(s);
}

function keySpec(w: ReplyWriter, ks: KeySpecMeta): void {
  w.map(ks.notes !== undefined ? 4 : 3);
  if (ks.notes !== undefined) {
    w.bulk('notes');
    w.bulk(ks.notes);
  }
  w.bulk('flags');
  statusSet(w, ks.flags);
  for (const [label, part] of [['begin_search', ks.beginSearch], ['find_keys', ks.findKeys]] as const) {
    w.bulk(label);
    w.map(2);
    w.bulk('type');
    w.bulk(part.type);
    w.bulk('spec');
    const entries = Object.entries(part.spec as Record<string, string | number>);
    w.map(entries.length);
    for (const [k, v] of entries) {
      w.bulk(k);
      if (typeof v === 'number') w.int(v);
      else w.bulk(v);
    }
  }
}

/** addReplyCommandInfo. */
export function commandInfo(w: ReplyWriter, cmd: Command): void {
  const m = cmd.meta;
  w.arr(10);
  w.bulk(cmd.fullName);
  w.int(m.arity);
  statusSet(w, m.flags);
  w.int(m.firstKey);
  w.int(m.lastKey);
  w.int(m.step);
  statusSet(w, m.aclCategories);
  w.set(m.tips.length);
  for (const t of m.tips) w.bulk(t);
  w.set(m.keySpecs.length);
  for (const ks of m.keySpecs) keySpec(w, ks);
  if (cmd.subcommands === null) w.set(0);
  else {
    w.arr(cmd.subcommands.size);
    for (const sc of cmd.subcommands.values()) commandInfo(w, sc);
  }
}

type DocArg = Record<string, unknown>;

function docArgs(w: ReplyWriter, args: DocArg[]): void {
  w.arr(args.length);
  for (const a of args) {
    const entries = Object.entries(a);
    w.map(entries.length);
    for (const [k, v] of entries) {
      w.bulk(k);
      if (k === 'key_spec_index') w.int(v as number);
      else if (k === 'flags') statusSet(w, v as string[]);
      else if (k === 'arguments') docArgs(w, v as DocArg[]);
      else w.bulk(String(v));
    }
  }
}

/** addReplyCommandDocs: the captured docs map in Redis's field order, plus registered subcommands. */
export function commandDocs(w: ReplyWriter, cmd: Command): void {
  const entries = Object.entries(cmd.meta.docs);
  const subs = cmd.subcommands;
  w.map(entries.length + (subs !== null ? 1 : 0));
  for (const [k, v] of entries) {
    w.bulk(k);
    if (k === 'doc_flags') statusSet(w, v as string[]);
    else if (k === 'history') {
      const h = v as [string, string][];
      w.set(h.length);
      for (const [ver, text] of h) {
        w.arr(2);
        w.bulk(ver);
        w.bulk(text);
      }
    } else if (k === 'arguments') docArgs(w, v as DocArg[]);
    else w.bulk(String(v));
  }
  if (subs !== null) {
    w.bulk('subcommands');
    w.map(subs.size);
    for (const sc of subs.values()) {
      w.bulk(sc.fullName);
      commandDocs(w, sc);
    }
  }
}

/** lookupCommandBySds: "name" or "container|sub", any case. */
export function commandByName(c: Client, name: string): Command | undefined {
  const parts = name.split('|');
  if (parts.length > 2) return undefined;
  const top = c.server.registry.get(parts[0]);
  if (top === undefined) return undefined;
  if (parts.length === 1) return top;
  return top.subcommands?.get(parts[1].toLowerCase());
}

function command(c: Client, argv: string[]): void {
  if (argv.length > 1) {
    c.error(`ERR unknown subcommand '${argv[1].slice(0, 128)}'. Try COMMAND HELP.`);
    return;
  }
  const all = c.server.registry.all();
  c.w.arr(all.length);
  for (const cmd of all) commandInfo(c.w, cmd);
}

function commandCount(c: Client): void {
  c.w.int(c.server.registry.size);
}

function commandInfoCmd(c: Client, argv: string[]): void {
  if (argv.length === 2) {
    const all = c.server.registry.all();
    c.w.arr(all.length);
    for (const cmd of all) commandInfo(c.w, cmd);
    return;
  }
  c.w.arr(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const cmd = commandByName(c, argv[i]);
    if (cmd === undefined) c.w.nil();
    else commandInfo(c.w, cmd);
  }
}

function commandDocsCmd(c: Client, argv: string[]): void {
  if (argv.length === 2) {
    const all = c.server.registry.all();
    c.w.map(all.length);
    for (const cmd of all) {
      c.w.bulk(cmd.fullName);
      commandDocs(c.w, cmd);
    }
    return;
  }
  const found: Command[] = [];
  for (let i = 2; i < argv.length; i++) {
    const cmd = commandByName(c, argv[i]);
    if (cmd !== undefined) found.push(cmd);
  }
  c.w.map(found.length);
  for (const cmd of found) {
    c.w.bulk(cmd.fullName);
    commandDocs(c.w, cmd);
  }
}

const ACL_CATEGORIES = new Set([
  'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo',
  'stream', 'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting',
]);

function commandList(c: Client, argv: string[]): void {
  let keep: (cmd: Command) => boolean = () => true;
  if (argv.length === 5 && argv[2].toLowerCase() === 'filterby') {
    const kind = argv[3].toLowerCase();
    const arg = argv[4];
    if (kind === 'module') keep = () => false;
    else if (kind === 'aclcat') {
      const cat = arg.toLowerCase();
      if (!ACL_CATEGORIES.has(cat)) keep = () => false;
      else keep = (cmd) => cmd.meta.aclCategories.includes('@' + cat);
    } else if (kind === 'pattern') keep = (cmd) => globMatch(arg, cmd.fullName, true);
    else {
      c.error(ERR_SYNTAX);
      return;
    }
  } else if (argv.length !== 2) {
    c.error(ERR_SYNTAX);
    return;
  }
  const names: string[] = [];
  for (const cmd of c.server.registry.everyCommand()) if (keep(cmd)) names.push(cmd.fullName);
  c.w.bulks(names);
}

interface FoundKey {
  pos: number;
  flags: string[];
}

/**
 * getKeysUsingKeySpecs: keys found by the specs, or null when the specs
 * cannot describe this argv (an invalid or unknown spec), in which case
 * Redis falls back to the command's own key procedure.
 */
function keysBySpecs(meta: CommandMeta, argv: string[]): FoundKey[] | null {
  const out: FoundKey[] = [];
  const argc = argv.length;
  for (const ks of meta.keySpecs) {
    if (ks.flags.includes('not_key')) continue;
    let first: number;
    const bs = ks.beginSearch;
    if (bs.type === 'index') {
      first = bs.spec.index!;
    } else if (bs.type === 'keyword') {
      const kw = bs.spec.keyword!.toLowerCase();
      const startfrom = bs.spec.startfrom!;
      const start = startfrom > 0 ? startfrom : argc + startfrom;
      const end = startfrom > 0 ? argc - 1 : 1;
      first = 0;
      for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (argv[i].toLowerCase() === kw) {
          first = i + 1;
          break;
        }
      }
      if (first === 0) continue; // keyword not present: no keys from this spec
    } else return null;
    const fk = ks.findKeys;
    let last: number, step: number;
    if (fk.type === 'range') {
      step = fk.spec.keystep!;
      const lastkey = fk.spec.lastkey!, limit = fk.spec.limit!;
      if (lastkey >= 0) last = first + lastkey;
      else if (!limit) last = argc + lastkey;
      else last = first + (Math.trunc((argc - first) / limit) + lastkey);
    } else if (fk.type === 'keynum') {
      const idx = first + fk.spec.keynumidx!;
      if (idx >= argc) return null;
      const n = parseInt64(argv[idx]);
      if (n === null || n < 0) return null;
      first += fk.spec.firstkey!;
      last = first + n - 1;
      step = fk.spec.keystep!;
    } else return null;
    if (last >= argc || last < first || first >= argc) return null;
    for (let i = first; i <= last; i += step) out.push({ pos: i, flags: ks.flags });
  }
  return out;
}

/** Keys of argv as COMMAND GETKEYS finds them (getKeysFromCommandWithSpecs); null on invalid arguments. */
function commandKeys(cmd: Command, argv: string[]): FoundKey[] | null {
  const variableFlags = cmd.meta.keySpecs.some((k) => k.flags.includes('variable_flags'));
  const hasSpec = cmd.meta.keySpecs.some((k) => !k.flags.includes('not_key'));
  if (hasSpec && !variableFlags) {
    const r = keysBySpecs(cmd.meta, argv);
    if (r !== null) return r;
  }
  if (cmd.keysProc !== null) {
    const r = cmd.keys(argv);
    return r;
  }
  // The native key procedures of the commands whose specs have variable flags.
  if (cmd.fullName === 'set') {
    for (let i = 3; i < argv.length; i++) if (argv[i].toLowerCase() === 'get') return [{ pos: 1, flags: ['RW', 'access', 'update'] }];
    return [{ pos: 1, flags: ['OW', 'update'] }];
  }
  if (cmd.fullName === 'bitfield') {
    let readonly = true;
    for (let i = 2; i < argv.length; i++) {
      const rem = argv.length - i - 1;
      const a = argv[i].toLowerCase();
      if (a === 'get' && rem >= 2) i += 2;
      else if ((a === 'set' || a === 'incrby') && rem >= 3) {
        readonly = false;
        break;
      } else if (a === 'overflow' && rem >= 1) i += 1;
      else {
        readonly = false;
        break;
      }
    }
    return [{ pos: 1, flags: readonly ? ['RO', 'access'] : ['RW', 'access', 'update'] }];
  }
  return hasSpec && variableFlags ? keysBySpecs(cmd.meta, argv) : [];
}

function getkeys(c: Client, argv: string[], withFlags: boolean): void {
  const args = argv.slice(2);
  const top = c.server.registry.get(args[0]);
  let cmd: Command | undefined = top;
  if (top !== undefined && top.subcommands !== null && args.length > 1) cmd = top.subcommands.get(args[1].toLowerCase());
  if (cmd === undefined) {
    c.error('ERR Invalid command specified');
    return;
  }
  const hasKeys = cmd.keysProc !== null || cmd.meta.keySpecs.some((k) => !k.flags.includes('not_key'));
  if (!hasKeys) {
    c.error('ERR The command has no key arguments');
    return;
  }
  if ((cmd.arity > 0 && cmd.arity !== args.length) || args.length < -cmd.arity) {
    c.error('ERR Invalid number of arguments specified for command');
    return;
  }
  const keys = commandKeys(cmd, args);
  if (keys === null || keys.length === 0) {
    if (cmd.meta.flags.includes('no_mandatory_keys')) c.w.arr(0);
    else c.error('ERR Invalid arguments specified for command');
    return;
  }
  c.w.arr(keys.length);
  for (const k of keys) {
    if (withFlags) {
      c.w.arr(2);
      c.w.bulk(args[k.pos]);
      statusSet(c.w, k.flags);
    } else c.w.bulk(args[k.pos]);
  }
}

function commandHelp(c: Client): void {
  replyHelp(c, 'COMMAND', [
    '(no subcommand)',
    '    Return details about all Redis commands.',
    'COUNT',
    '    Return the total number of commands in this Redis server.',
    'LIST',
    '    Return a list of all commands in this Redis server.',
    'INFO [<command-name> ...]',
    '    Return details about multiple Redis commands.',
    '    If no command names are given, documentation details for all',
    '    commands are returned.',
    'DOCS [<command-name> ...]',
    '    Return documentation details about multiple Redis commands.',
    '    If no command names are given, documentation details for all',
    '    commands are returned.',
    'GETKEYS <full-command>',
    '    Return the keys from a full Redis command.',
    'GETKEYSANDFLAGS <full-command>',
    '    Return the keys and the access flags from a full Redis command.',
  ]);
}

// ---- MEMORY -------------------------------------------------------------------------------

function memoryUsage(c: Client, argv: string[]): void {
  for (let j = 3; j < argv.length; j++) {
    if (argv[j].toLowerCase() === 'samples' && j + 1 < argv.length) {
      const n = parseInt64(argv[j + 1]);
      if (n === null) {
        c.error('ERR value is not an integer or out of range');
        return;
      }
      if (n < 0) {
        c.error(ERR_SYNTAX);
        return;
      }
      j++;
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  const e = c.db.findLive(argv[2]);
  if (e < 0) {
    c.w.nil();
    return;
  }
  c.w.int(keyMemoryUsage(c.db.dict.keyAt(e), c.db.dict.valueAt(e)));
}

function memoryStats(c: Client): void {
  const mh = memoryOverhead(c.server);
  const w = c.w;
  const float = (x: number) => w.double(Math.fround(x));
  w.map(27 + mh.dbs.length);
  const ints: [string, number][] = [
    ['peak.allocated', mh.peakAllocated],
    ['total.allocated', mh.totalAllocated],
    ['startup.allocated', mh.startupAllocated],
    ['replication.backlog', mh.replBacklog],
    ['clients.slaves', mh.clientsSlaves],
    ['clients.normal', mh.clientsNormal],
    ['cluster.links', mh.clusterLinks],
    ['aof.buffer', mh.aofBuffer],
    ['lua.caches', mh.luaCaches],
    ['functions.caches', mh.functionsCaches],
  ];
  for (const [k, v] of ints) {
    w.bulk(k);
    w.int(v);
  }
  for (const db of mh.dbs) {
    w.bulk(`db.${db.dbid}`);
    w.map(3);
    w.bulk('overhead.hashtable.main');
    w.int(db.main);
    w.bulk('overhead.hashtable.expires');
    w.int(db.expires);
    w.bulk('overhead.hashtable.slot-to-keys');
    w.int(0);
  }
  w.bulk('overhead.total');
  w.int(mh.overheadTotal);
  w.bulk('keys.count');
  w.int(mh.totalKeys);
  w.bulk('keys.bytes-per-key');
  w.int(mh.bytesPerKey);
  w.bulk('dataset.bytes');
  w.int(mh.dataset);
  w.bulk('dataset.percentage');
  float(mh.datasetPerc);
  w.bulk('peak.percentage');
  float(mh.peakPerc);
  w.bulk('allocator.allocated');
  w.int(mh.allocatorAllocated);
  w.bulk('allocator.active');
  w.int(mh.allocatorActive);
  w.bulk('allocator.resident');
  w.int(mh.allocatorResident);
  w.bulk('allocator-fragmentation.ratio');
  float(mh.allocatorActive / mh.allocatorAllocated);
  w.bulk('allocator-fragmentation.bytes');
  w.int(mh.allocatorActive - mh.allocatorAllocated);
  w.bulk('allocator-rss.ratio');
  float(mh.allocatorResident / mh.allocatorActive);
  w.bulk('allocator-rss.bytes');
  w.int(mh.allocatorResident - mh.allocatorActive);
  w.bulk('rss-overhead.ratio');
  float(mh.rss / mh.allocatorResident);
  w.bulk('rss-overhead.bytes');
  w.int(mh.rss - mh.allocatorResident);
  w.bulk('fragmentation');
  float(mh.rss / mh.totalAllocated);
  w.bulk('fragmentation.bytes');
  w.int(mh.rss - mh.totalAllocated);
}

/** getMemoryDoctorReport: the same checks and texts as Redis 7.0. */
export function memoryDoctorReport(c: Client): string {
  const s = c.server;
  const mh = memoryOverhead(s);
  let empty = false, bigPeak = false, highFrag = false, highAllocFrag = false, highAllocRss = false, highProcRss = false;
  let bigClientBuf = false;
  let reports = 0;
  const MB10 = 10 << 20;
  if (mh.totalAllocated < 1024 * 1024 * 5) {
    empty = true;
    reports++;
  } else {
    if (Math.fround(mh.peakAllocated / mh.totalAllocated) > 1.5) {
      bigPeak = true;
      reports++;
    }
    const totalFrag = Math.fround(mh.rss / mh.totalAllocated);
    if (totalFrag > 1.4 && mh.rss - mh.totalAllocated > MB10) {
      highFrag = true;
      reports++;
    }
    const allocFrag = Math.fround(mh.allocatorActive / mh.allocatorAllocated);
    if (allocFrag > 1.1 && mh.allocatorActive - mh.allocatorAllocated > MB10) {
      highAllocFrag = true;
      reports++;
    }
    const allocRss = Math.fround(mh.allocatorResident / mh.allocatorActive);
    if (allocRss > 1.1 && mh.allocatorResident - mh.allocatorActive > MB10) {
      highAllocRss = true;
      reports++;
    }
    const rssExtra = Math.fround(mh.rss / mh.allocatorResident);
    if (rssExtra > 1.1 && mh.rss - mh.allocatorResident > MB10) {
      highProcRss = true;
      reports++;
    }
    const clients = s.clients.size;
    if (clients > 0 && Math.floor(mh.clientsNormal / clients) > 1024 * 200) {
      bigClientBuf = true;
      reports++;
    }
  }
  if (reports === 0) {
    return "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n";
  }
  if (empty) {
    return (
      "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. " +
      'Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n'
    );
  }
  let r = 'Sam, I detected a few issues in this Redis instance memory implants:\n\n';
  if (bigPeak) {
    r +=
      ' * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n';
  }
  if (highFrag) {
    r += ` * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc. Note: The currently used allocator is "v8-${process.versions.v8}".\n\n`;
  }
  if (highAllocFrag) {
    r +=
      " * High allocator fragmentation: This instance has an allocator external fragmentation greater than 1.1. This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. You can try enabling 'activedefrag' config option.\n\n";
  }
  if (highAllocRss) {
    r +=
      ' * High allocator RSS overhead: This instance has an RSS memory overhead is greater than 1.1 (this means that the Resident Set Size of the allocator is much larger than the sum what the allocator actually holds). This problem is usually due to a large peak memory (check if there is a peak memory entry above in the report), you can try the MEMORY PURGE command to reclaim it.\n\n';
  }
  if (highProcRss) {
    r +=
      ' * High process RSS overhead: This instance has non-allocator RSS memory overhead is greater than 1.1 (this means that the Resident Set Size of the Redis process is much larger than the RSS the allocator holds). This problem may be due to Lua scripts or Modules.\n\n';
  }
  if (bigClientBuf) {
    r +=
      ' * Big client buffers: The clients output buffers in this instance are greater than 200K per client (on average). This may result from different causes, like Pub/Sub clients subscribed to channels bot not receiving data fast enough, so that data piles on the Redis instance output buffer, or clients sending commands with large replies or very large sequences of commands in the same pipeline. Please use the CLIENT LIST command in order to investigate the issue if it causes problems in your instance, or to understand better why certain clients are using a big amount of memory.\n\n';
  }
  r += "I'm here to keep you safe, Sam. I want to help you.\n";
  return r;
}

function memoryDoctor(c: Client): void {
  c.w.verbatim(memoryDoctorReport(c));
}

function memoryPurge(c: Client): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc === 'function') gc();
  c.w.ok();
}

/** MEMORY MALLOC-STATS: the V8 heap's own statistics, as the allocator report of this server. */
function memoryMallocStats(c: Client): void {
  const h = v8.getHeapStatistics();
  let out = '___ Begin V8 heap statistics ___\n';
  out += `Version: "v8-${process.versions.v8}" (node ${process.version})\n`;
  for (const [k, v] of Object.entries(h)) out += `${k}: ${v}\n`;
  out += 'Spaces:\n';
  for (const sp of v8.getHeapSpaceStatistics()) {
    out += `  ${sp.space_name}: size ${sp.space_size}, used ${sp.space_used_size}, available ${sp.space_available_size}, physical ${sp.physical_space_size}\n`;
  }
  const m = process.memoryUsage();
  out += `Process: rss ${m.rss}, heapTotal ${m.heapTotal}, heapUsed ${m.heapUsed}, external ${m.external}, arrayBuffers ${m.arrayBuffers}\n`;
  out += '--- End V8 heap statistics ---\n';
  c.w.verbatim(out);
}

function memoryHelp(c: Client): void {
  replyHelp(c, 'MEMORY', [
    'DOCTOR',
    '    Return memory problems reports.',
    'MALLOC-STATS',
    '    Return internal statistics report from the memory allocator.',
    'PURGE',
    '    Attempt to purge dirty pages for reclamation by the allocator.',
    'STATS',
    '    Return information about the memory usage of the server.',
    'USAGE <key> [SAMPLES <count>]',
    '    Return memory in bytes used by <key> and its value. Nested values are',
    '    sampled up to <count> times (default: 5, 0 means sample all).',
  ]);
}

// ---- SLOWLOG ------------------------------------------------------------------------------

function slowlogGet(c: Client, argv: string[]): void {
  let count = 10;
  if (argv.length === 3) {
    const v = parseInt64(argv[2]);
    if (v === null || v < -1) {
      c.error('ERR count should be greater than or equal to -1');
      return;
    }
    count = v === -1 ? Infinity : v;
  } else if (argv.length > 3) {
    c.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try SLOWLOG HELP.`);
    return;
  }
  const entries = c.server.slowlog.entries;
  const n = Math.min(count, entries.length);
  const w = c.w;
  w.arr(n);
  for (let i = 0; i < n; i++) {
    const e = entries[i];
    w.arr(6);
    w.int(e.id);
    w.int(e.time);
    w.int(e.usec);
    w.bulks(e.argv);
    w.bulk(e.peer);
    w.bulk(e.name);
  }
}

function slowlogLen(c: Client): void {
  c.w.int(c.server.slowlog.entries.length);
}

function slowlogReset(c: Client): void {
  c.server.slowlog.reset();
  c.w.ok();
}

function slowlogHelp(c: Client): void {
  replyHelp(c, 'SLOWLOG', [
    'GET [<count>]',
    '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
    '    Entries are made of:',
    '    id, timestamp, time in microseconds, arguments array, client IP and port,',
    '    client name',
    'LEN',
    '    Return the length of the slowlog.',
    'RESET',
    '    Reset the slowlog.',
  ]);
}

// ---- LATENCY ------------------------------------------------------------------------------

function latencyLatest(c: Client): void {
  const ev = c.server.latency.events;
  c.w.arr(ev.size);
  for (const [name, ts] of ev) {
    const last = ts.last;
    c.w.arr(4);
    c.w.bulk(name);
    c.w.int(last.time);
    c.w.int(last.latency);
    c.w.int(ts.max);
  }
}

function latencyHistory(c: Client, argv: string[]): void {
  const ts = c.server.latency.events.get(argv[2]);
  if (ts === undefined) {
    c.w.arr(0);
    return;
  }
  const samples = ts.ordered();
  c.w.arr(samples.length);
  for (const s of samples) {
    c.w.arr(2);
    c.w.int(s.time);
    c.w.int(s.latency);
  }
}

function latencyReset(c: Client, argv: string[]): void {
  const lm = c.server.latency;
  if (argv.length === 2) {
    c.w.int(lm.reset());
    return;
  }
  let n = 0;
  for (let i = 2; i < argv.length; i++) n += lm.reset(argv[i]);
  c.w.int(n);
}

/** An ASCII sparkline (Redis's sparkline.c): rows of "_o#|" bars and vertical labels. */
function sparkline(samples: { value: number; label: string }[], columns: number, rows: number): string {
  if (samples.length === 0) return '';
  let min = samples[0].value, max = samples[0].value;
  for (const s of samples) {
    if (s.value < min) min = s.value;
    else if (s.value > max) max = s.value;
  }
  const labels = samples.filter((s) => s.label !== '').length;
  const charset = '_o#';
  let out = '';
  for (let j = 0; j < samples.length; j += columns) {
    const len = Math.min(columns, samples.length - j);
    if (j !== 0) out += '\n';
    let relmax = max - min;
    if (relmax === 0) relmax = 1;
    const steps = charset.length * rows;
    for (let row = 0; ; row++) {
      const chars: string[] = new Array(len).fill(' ');
      let loop = false;
      for (let x = 0; x < len; x++) {
        const s = samples[j + x];
        const relval = s.value - min;
        let step = Math.trunc(Math.trunc(relval * steps) / relmax);
        if (step < 0) step = 0;
        if (step >= steps) step = steps - 1;
        if (row < rows) {
          const idx = step - (rows - row - 1) * charset.length;
          loop = true;
          if (idx >= 0 && idx < charset.length) chars[x] = charset[idx];
          else if (idx >= charset.length) chars[x] = '|';
        } else {
          if (labels && row - rows < 1) {
            loop = true;
            break;
          }
          const li = row - rows - 1;
          if (s.label.length > li) {
            loop = true;
            chars[x] = s.label[li];
          }
        }
      }
      if (!loop) break;
      out += chars.join('') + '\n';
    }
  }
  return out;
}

function latencyGraph(c: Client, argv: string[]): void {
  const ts = c.server.latency.events.get(argv[2]);
  if (ts === undefined) {
    c.error(`ERR No samples available for event '${argv[2]}'`);
    return;
  }
  const now = Math.floor(Date.now() / 1000);
  const samples = ts.ordered();
  let min = 0, max = 0;
  const seq: { value: number; label: string }[] = [];
  for (const s of samples) {
    if (seq.length === 0) min = max = s.latency;
    else {
      if (s.latency > max) max = s.latency;
      if (s.latency < min) min = s.latency;
    }
    const elapsed = now - s.time;
    const label =
      elapsed < 60 ? `${elapsed}s` : elapsed < 3600 ? `${Math.trunc(elapsed / 60)}m` : elapsed < 86400 ? `${Math.trunc(elapsed / 3600)}h` : `${Math.trunc(elapsed / 86400)}d`;
    seq.push({ value: s.latency, label });
  }
  let g = `${argv[2]} - high ${max} ms, low ${min} ms (all time high ${ts.max} ms)\n`;
  g += '-'.repeat(80) + '\n';
  g += sparkline(seq, 80, 4);
  c.w.verbatim(g);
}

/** createLatencyReport: LATENCY DOCTOR's analysis, with Redis's texts. */
export function latencyDoctorReport(c: Client): string {
  const s = c.server;
  const lm = s.latency;
  const threshold = s.config.num('latency-monitor-threshold');
  if (lm.events.size === 0 && threshold === 0) {
    return 'I\'m sorry, Dave, I can\'t do that. Latency monitoring is disabled in this Redis instance. You may use "CONFIG SET latency-monitor-threshold <milliseconds>." in order to enable it. If we weren\'t in a deep space mission I\'d suggest to take a look at https://redis.io/topics/latency-monitor.\n';
  }
  const adv = { slowlogEnabled: false, slowlogTuning: false, slowlogInspect: false, scheduler: false, hz: false, largeObjects: false, massEviction: false };
  let advices = 0;
  let report = '';
  let n = 0;
  const now = Math.floor(Date.now() / 1000);
  for (const [event, ts] of lm.events) {
    n++;
    if (n === 1) report += "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n";
    const samples = ts.ordered();
    let sum = 0, oldest = 0;
    for (const x of samples) {
      sum += x.latency;
      if (oldest === 0 || x.time < oldest) oldest = x.time;
    }
    const count = samples.length;
    const avg = count ? Math.floor(sum / count) : 0;
    let period = count ? now - oldest : 0;
    if (count && period === 0) period = 1;
    let dev = 0;
    for (const x of samples) dev += Math.abs(avg - x.latency);
    const mad = count ? Math.floor(dev / count) : 0;
    report += `${n}. ${event}: ${count} latency spikes (average ${avg}ms, mean deviation ${mad}ms, period ${fmtFixed(period / count, 2)} sec). Worst all time event ${ts.max}ms.`;
    const e = event.toLowerCase();
    if (e === 'command') {
      const slower = s.config.num('slowlog-log-slower-than');
      if (slower < 0) {
        adv.slowlogEnabled = true;
        advices++;
      } else if (Math.trunc(slower / 1000) > threshold) {
        adv.slowlogTuning = true;
        advices++;
      }
      adv.slowlogInspect = true;
      adv.largeObjects = true;
      advices += 2;
    }
    if (e === 'fast-command') {
      adv.scheduler = true;
      advices++;
    }
    if (e === 'expire-cycle') {
      adv.hz = true;
      adv.largeObjects = true;
      advices += 2;
    }
    if (e === 'eviction-del') {
      adv.largeObjects = true;
      advices++;
    }
    if (e === 'eviction-cycle') {
      adv.massEviction = true;
      advices++;
    }
    report += '\n';
  }
  // Transparent huge pages in use by this process cause latency spikes.
  let thp = false;
  if (anonHugePages() > 0) {
    thp = true;
    advices++;
  }
  if (n === 0 && advices === 0) {
    return report + 'Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n';
  }
  if (n > 0 && advices === 0) {
    return report + "\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n";
  }
  report += '\nI have a few advices for you:\n\n';
  if (adv.slowlogEnabled) {
    report += `- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than ${threshold * 1000}'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n`;
  }
  if (adv.slowlogTuning) {
    report += `- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than ${threshold * 1000}'.\n`;
  }
  if (adv.slowlogInspect) {
    report += '- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n';
  }
  if (adv.scheduler) {
    report +=
      '- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n' +
      '  1) Lower the system load.\n' +
      '  2) Use a computer / VM just for Redis if you are running other software in the same system.\n' +
      '  3) Check if you have a "noisy neighbour" problem.\n' +
      "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n" +
      '  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n';
  }
  if (adv.hz && Math.min(500, Math.max(1, s.config.num('hz'))) < 100) {
    report += "- In order to make the Redis keys expiring process more incremental, try to set the 'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.\n";
  }
  if (adv.largeObjects) {
    report +=
      '- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n';
  }
  if (adv.massEviction) {
    report +=
      "- Sudden changes to the 'maxmemory' setting via 'CONFIG SET', or allocation of large objects via sets or sorted sets intersections, STORE option of SORT, Redis Cluster large keys migrations (RESTORE command), may create sudden memory pressure forcing the server to block trying to evict keys. \n";
  }
  if (thp) {
    report +=
      "- I detected a non zero amount of anonymous huge pages used by your process. This creates very serious latency events in different conditions, especially when Redis is persisting on disk. To disable THP support use the command 'echo never > /sys/kernel/mm/transparent_hugepage/enabled', make sure to also add it into /etc/rc.local so that the command will be executed again after a reboot. Note that even if you have already disabled THP, you still need to restart the Redis process to get rid of the huge pages already created.\n";
  }
  return report;
}

/** AnonHugePages of this process in bytes (0 when unknown). */
function anonHugePages(): number {
  try {
    const m = /AnonHugePages:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/smaps_rollup', 'latin1'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function latencyDoctor(c: Client): void {
  c.w.verbatim(latencyDoctorReport(c));
}

function histogramReply(c: Client, cmd: Command): boolean {
  const h = c.server.latencyHistograms.get(cmd);
  if (h === undefined) return false;
  c.w.bulk(cmd.fullName);
  c.w.map(2);
  c.w.bulk('calls');
  c.w.int(h.total);
  c.w.bulk('histogram_usec');
  const cdf = h.cdf();
  c.w.map(cdf.length);
  for (const [us, n] of cdf) {
    c.w.int(us);
    c.w.int(n);
  }
  return true;
}

function latencyHistogram(c: Client, argv: string[]): void {
  // The map length is only known after the walk: write the entries aside first.
  const saved = c.w;
  const list: Command[] = [];
  if (argv.length === 2) {
    for (const cmd of c.server.registry.everyCommand()) if (c.server.latencyHistograms.has(cmd)) list.push(cmd);
  } else {
    for (let i = 2; i < argv.length; i++) {
      const cmd = commandByName(c, argv[i]);
      if (cmd === undefined) continue;
      if (c.server.latencyHistograms.has(cmd)) list.push(cmd);
      if (cmd.subcommands !== null) for (const sc of cmd.subcommands.values()) if (c.server.latencyHistograms.has(sc)) list.push(sc);
    }
  }
  saved.map(list.length);
  for (const cmd of list) histogramReply(c, cmd);
}

function latencyHelp(c: Client): void {
  replyHelp(c, 'LATENCY', [
    'DOCTOR',
    '    Return a human readable latency analysis report.',
    'GRAPH <event>',
    '    Return an ASCII latency graph for the <event> class.',
    'HISTORY <event>',
    '    Return time-latency samples for the <event> class.',
    'LATEST',
    '    Return the latest latency samples for all events.',
    'RESET [<event> ...]',
    '    Reset latency data of one or more <event> classes.',
    '    (default: reset all data for all event classes)',
    'HISTOGRAM [COMMAND ...]',
    '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
    '    If no commands are specified then all histograms are replied.',
  ]);
}

void formatDouble;

export const introspectionCommands: CommandDef[] = [
  { name: 'command', handler: command },
  { name: 'command|count', handler: commandCount },
  { name: 'command|info', handler: commandInfoCmd },
  { name: 'command|docs', handler: commandDocsCmd },
  { name: 'command|list', handler: commandList },
  { name: 'command|getkeys', handler: (c, argv) => getkeys(c, argv, false) },
  { name: 'command|getkeysandflags', handler: (c, argv) => getkeys(c, argv, true) },
  { name: 'command|help', handler: commandHelp },
  { name: 'memory|usage', handler: memoryUsage },
  { name: 'memory|stats', handler: memoryStats },
  { name: 'memory|doctor', handler: memoryDoctor },
  { name: 'memory|purge', handler: memoryPurge },
  { name: 'memory|malloc-stats', handler: memoryMallocStats },
  { name: 'memory|help', handler: memoryHelp },
  { name: 'slowlog|get', handler: slowlogGet },
  { name: 'slowlog|len', handler: slowlogLen },
  { name: 'slowlog|reset', handler: slowlogReset },
  { name: 'slowlog|help', handler: slowlogHelp },
  { name: 'latency|latest', handler: latencyLatest },
  { name: 'latency|history', handler: latencyHistory },
  { name: 'latency|reset', handler: latencyReset },
  { name: 'latency|graph', handler: latencyGraph },
  { name: 'latency|doctor', handler: latencyDoctor },
  { name: 'latency|histogram', handler: latencyHistogram },
  { name: 'latency|help', handler: latencyHelp },
];
