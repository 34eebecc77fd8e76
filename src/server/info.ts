/**
 * INFO: Redis 7.0's sections and fields, in Redis's order, filled from
 * Cinnabar's own state. Fields of features Cinnabar has no counterpart for
 * (forks, replicas, active defrag, Lua) report what Redis reports when the
 * feature is idle: zeros, "ok", -1 times. The memory overhead breakdown is
 * shared with MEMORY STATS and MEMORY DOCTOR.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as crypto from 'crypto';
import * as v8 from 'v8';
import type { Server } from './server';
import { STARTUP_MEMORY } from './server';
import type { Client } from './client';
import type { Command } from '../commands/registry';
import { exactDecimal } from '../protocol/numbers';
import { VERSION, REDIS_VERSION } from '../version';
import { RdbManager } from '../persistence/manager';
import { AofManager } from '../persistence/aof';

// ---- number formatting as printf does it ------------------------------------

/** printf("%.<digits>f", x): toFixed, except that exact ties round half to even as glibc does. */
export function fmtFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const s = x.toFixed(digits);
  if (x === 0 || Math.abs(x) >= 1e21) return s;
  const { digits: d, exp } = exactDecimal(Math.abs(x));
  const keep = exp + 1 + digits; // significant digits through the last decimal printed
  if (keep < 0 || d.length !== keep + 1 || d[keep] !== '5') return s;
  // An exact tie, which toFixed rounded away from zero; glibc keeps an even last digit.
  const last = keep === 0 ? 0 : Number(d[keep - 1]);
  if ((last & 1) === 1) return s;
  const neg = s.startsWith('-');
  const body = neg ? s.slice(1) : s;
  const dot = body.indexOf('.');
  const ip = dot < 0 ? body : body.slice(0, dot);
  const fp = dot < 0 ? '' : body.slice(dot + 1);
  const down = (BigInt(ip + fp) - 1n).toString().padStart(ip.length + fp.length, '0');
  const ni = down.slice(0, down.length - fp.length).replace(/^0+(?=\d)/, '') || '0';
  const out = fp.length ? `${ni}.${down.slice(down.length - fp.length)}` : ni;
  return neg ? '-' + out : out;
}

/** Redis's bytesToHuman: B, then K/M/G/T/P with two decimals. */
export function bytesToHuman(n: number): string {
  if (n < 1024) return `${n}B`;
  const units = ['K', 'M', 'G', 'T', 'P'];
  let d = 1024;
  for (const u of units) {
    if (n < d * 1024) return fmtFixed(n / d, 2) + u;
    d *= 1024;
  }
  return `${n}B`;
}

/** A C float (used for ratios Redis keeps as float) printed with %.2f. */
function ratio(a: number, b: number): string {
  return fmtFixed(Math.fround(a / b), 2);
}

// ---- memory overhead (getMemoryOverheadData) -------------------------------------

export interface DbOverhead {
  dbid: number;
  main: number;
  expires: number;
}

export interface MemoryOverhead {
  peakAllocated: number;
  totalAllocated: number;
  startupAllocated: number;
  replBacklog: number;
  clientsSlaves: number;
  clientsNormal: number;
  clusterLinks: number;
  aofBuffer: number;
  luaCaches: number;
  functionsCaches: number;
  dbs: DbOverhead[];
  overheadTotal: number;
  totalKeys: number;
  bytesPerKey: number;
  dataset: number;
  datasetPerc: number;
  peakPerc: number;
  allocatorAllocated: number;
  allocatorActive: number;
  allocatorResident: number;
  rss: number;
}

const DICT_ENTRY = 24;
const ROBJ = 16;
const POINTER = 8;

/** Buckets of a Redis dict holding n entries (it grows to the next power of two, from 4). */
function dictSlots(n: number): number {
  if (n === 0) return 0;
  let s = 4;
  while (s < n) s *= 2;
  return s;
}

/** The allocator's view of the process: the V8 heap plus memory held outside it (buffers). */
export function allocatorStats(): { allocated: number; active: number; resident: number; rss: number } {
  const h = v8.getHeapStatistics();
  const m = process.memoryUsage();
  // Outside the JS heap: buffers and native objects (external includes ArrayBuffers).
  const outside = h.malloced_memory + m.external;
  const allocated = h.used_heap_size + outside;
  const active = Math.max(allocated, h.total_physical_size + outside);
  const resident = Math.max(active, h.total_heap_size + outside);
  return { allocated, active, resident, rss: m.rss };
}

export function memoryOverhead(server: Server): MemoryOverhead {
  const used = server.updatePeakMemory();
  const peak = Math.max(server.stats.peakMemory, used);
  let clientsNormal = 0;
  for (const c of server.clients.values()) clientsNormal += c.totalMem();
  let total = STARTUP_MEMORY + clientsNormal;
  const dbs: DbOverhead[] = [];
  let totalKeys = 0;
  for (const db of server.dbs) {
    const keys = db.dict.size;
    if (keys === 0) {
      // An empty table still has its buckets; Redis lists no db.N for it.
      total += db.dict.bucketCount * POINTER;
      continue;
    }
    totalKeys += keys;
    const main = keys * DICT_ENTRY + db.dict.bucketCount * POINTER + keys * ROBJ;
    const vol = db.dict.volatileSize;
    const expires = vol * DICT_ENTRY + dictSlots(vol) * POINTER;
    dbs.push({ dbid: db.id, main, expires });
    total += main + expires;
  }
  const dataset = used - total;
  const net = used > STARTUP_MEMORY ? used - STARTUP_MEMORY : 1;
  const a = allocatorStats();
  return {
    peakAllocated: peak,
    totalAllocated: used,
    startupAllocated: STARTUP_MEMORY,
    replBacklog: 0,
    clientsSlaves: 0,
    clientsNormal,
    clusterLinks: 0,
    aofBuffer: 0,
    luaCaches: 0,
    functionsCaches: 0,
    dbs,
    overheadTotal: total,
    totalKeys,
    bytesPerKey: totalKeys ? Math.floor(net / totalKeys) : 0,
    dataset,
    datasetPerc: Math.fround((dataset * 100) / net),
    peakPerc: Math.fround((used * 100) / peak),
    allocatorAllocated: a.allocated,
    allocatorActive: a.active,
    allocatorResident: a.resident,
    rss: a.rss,
  };
}

// ---- sections ----------------------------------------------------------------------

const DEFAULT_SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'module_list', 'errorstats', 'cluster', 'keyspace'];

/** Which sections an INFO argv asks for (genInfoSectionDict). */
export function infoSections(args: string[]): { sections: Set<string>; all: boolean } {
  const sections = new Set<string>();
  let all = false;
  if (args.length === 0) {
    for (const s of DEFAULT_SECTIONS) sections.add(s);
    return { sections, all };
  }
  for (const a of args) {
    const s = a.toLowerCase();
    if (s === 'all' || s === 'everything') all = true;
    else if (s === 'default') for (const d of DEFAULT_SECTIONS) sections.add(d);
    else sections.add(s);
  }
  return { sections, all };
}

type Fields = [string, string | number][];

function block(title: string, fields: Fields): string {
  let s = `# ${title}\r\n`;
  for (const [k, v] of fields) s += `${k}:${v}\r\n`;
  return s;
}

/** The INFO text for the requested sections. */
export function buildInfo(server: Server, args: string[], client: Client | null = null): string {
  const { sections, all } = infoSections(args);
  const want = (s: string) => all || sections.has(s);
  const parts: string[] = [];
  if (want('server')) parts.push(block('Server', serverSection(server)));
  if (want('clients')) parts.push(block('Clients', clientsSection(server)));
  if (want('memory')) parts.push(block('Memory', memorySection(server)));
  if (want('persistence')) parts.push(block('Persistence', persistenceSection(server)));
  if (want('stats')) parts.push(block('Stats', statsSection(server)));
  if (want('replication')) parts.push(block('Replication', replicationSection(server)));
  if (want('cpu')) parts.push(block('CPU', cpuSection()));
  if (want('module_list') || want('modules')) parts.push(block('Modules', []));
  if (want('commandstats')) parts.push(block('Commandstats', commandstatsSection(server)));
  if (want('errorstats')) parts.push(block('Errorstats', errorstatsSection(server)));
  if (want('latencystats')) parts.push(block('Latencystats', latencystatsSection(server)));
  if (want('cluster')) parts.push(block('Cluster', [['cluster_enabled', server.config.bool('cluster-enabled') ? 1 : 0]]));
  if (want('keyspace')) parts.push(block('Keyspace', keyspaceSection(server)));
  void client;
  return parts.join('\r\n');
}

let buildId: string | null = null;

function serverSection(s: Server): Fields {
  buildId ??= crypto.createHash('sha1').update(`cinnabar ${VERSION} ${process.version}`).digest('hex').slice(0, 15);
  const now = performance.timeOrigin + performance.now();
  const uptime = s.uptimeSeconds();
  const supervised = s.config.str('supervised');
  const hz = Math.min(500, Math.max(1, s.config.num('hz')));
  return [
    ['redis_version', REDIS_VERSION],
    ['cinnabar_version', VERSION],
    ['redis_git_sha1', '00000000'],
    ['redis_git_dirty', 0],
    ['redis_build_id', buildId],
    ['redis_mode', s.config.bool('cluster-enabled') ? 'cluster' : 'standalone'],
    ['os', `${os.type()} ${os.release()} ${os.machine()}`],
    ['arch_bits', process.arch.endsWith('64') ? 64 : 32],
    ['monotonic_clock', 'POSIX clock_gettime'],
    ['multiplexing_api', process.platform === 'linux' ? 'epoll' : process.platform === 'win32' ? 'iocp' : process.platform === 'sunos' ? 'evport' : 'kqueue'],
    ['atomicvar_api', 'c11-builtin'],
    ['gcc_version', '0.0.0'],
    ['process_id', process.pid],
    ['process_supervised', supervised === 'upstart' || supervised === 'systemd' ? supervised : 'no'],
    ['run_id', s.runId],
    ['tcp_port', s.port],
    ['server_time_usec', Math.floor(now * 1000)],
    ['uptime_in_seconds', uptime],
    ['uptime_in_days', Math.floor(uptime / 86400)],
    ['hz', hz],
    ['configured_hz', s.config.num('hz')],
    ['lru_clock', s.lruClock],
    ['executable', s.executable ? path.resolve(s.executable) : ''],
    ['config_file', s.config.file],
    ['io_threads_active', 0],
  ];
}

function clientsSection(s: Server): Fields {
  let blocked = 0, inTimeout = 0, maxIn = 0, maxOut = 0;
  for (const c of s.clients.values()) {
    if (c.blocked) {
      blocked++;
      if (c.blocked.deadline !== 0) inTimeout++;
    }
  }
  for (let i = 0; i < 8; i++) {
    if (s.stats.recentInput[i] > maxIn) maxIn = s.stats.recentInput[i];
    if (s.stats.recentOutput[i] > maxOut) maxOut = s.stats.recentOutput[i];
  }
  return [
    ['connected_clients', s.clients.size],
    ['cluster_connections', 0],
    ['maxclients', s.config.num('maxclients')],
    ['client_recent_max_input_buffer', maxIn],
    ['client_recent_max_output_buffer', maxOut],
    ['blocked_clients', blocked],
    ['tracking_clients', s.tracking.clients],
    ['clients_in_timeout_table', inTimeout],
  ];
}

function memorySection(s: Server): Fields {
  const mh = memoryOverhead(s);
  const used = mh.totalAllocated;
  const rss = mh.rss;
  const maxmemory = s.config.num('maxmemory');
  const totalSystem = os.totalmem();
  const allocFrag = ratio(mh.allocatorActive, mh.allocatorAllocated);
  return [
    ['used_memory', used],
    ['used_memory_human', bytesToHuman(used)],
    ['used_memory_rss', rss],
    ['used_memory_rss_human', bytesToHuman(rss)],
    ['used_memory_peak', mh.peakAllocated],
    ['used_memory_peak_human', bytesToHuman(mh.peakAllocated)],
    ['used_memory_peak_perc', fmtFixed(mh.peakPerc, 2) + '%'],
    ['used_memory_overhead', mh.overheadTotal],
    ['used_memory_startup', mh.startupAllocated],
    ['used_memory_dataset', mh.dataset],
    ['used_memory_dataset_perc', fmtFixed(mh.datasetPerc, 2) + '%'],
    ['allocator_allocated', mh.allocatorAllocated],
    ['allocator_active', mh.allocatorActive],
    ['allocator_resident', mh.allocatorResident],
    ['total_system_memory', totalSystem],
    ['total_system_memory_human', bytesToHuman(totalSystem)],
    ['used_memory_lua', 0],
    ['used_memory_vm_eval', 0],
    ['used_memory_lua_human', bytesToHuman(0)],
    ['used_memory_scripts_eval', 0],
    ['number_of_cached_scripts', 0],
    ['number_of_functions', 0],
    ['number_of_libraries', 0],
    ['used_memory_vm_functions', 0],
    ['used_memory_vm_total', 0],
    ['used_memory_vm_total_human', bytesToHuman(0)],
    ['used_memory_functions', 0],
    ['used_memory_scripts', 0],
    ['used_memory_scripts_human', bytesToHuman(0)],
    ['maxmemory', maxmemory],
    ['maxmemory_human', bytesToHuman(maxmemory)],
    ['maxmemory_policy', s.config.str('maxmemory-policy')],
    ['allocator_frag_ratio', allocFrag],
    ['allocator_frag_bytes', mh.allocatorActive - mh.allocatorAllocated],
    ['allocator_rss_ratio', ratio(mh.allocatorResident, mh.allocatorActive)],
    ['allocator_rss_bytes', mh.allocatorResident - mh.allocatorActive],
    ['rss_overhead_ratio', ratio(rss, mh.allocatorResident)],
    ['rss_overhead_bytes', rss - mh.allocatorResident],
    ['mem_fragmentation_ratio', ratio(rss, used)],
    ['mem_fragmentation_bytes', rss - used],
    ['mem_not_counted_for_evict', 0],
    ['mem_replication_backlog', 0],
    ['mem_total_replication_buffers', 0],
    ['mem_clients_slaves', 0],
    ['mem_clients_normal', mh.clientsNormal],
    ['mem_cluster_links', 0],
    ['mem_aof_buffer', AofManager.of(s).bufferLength],
    ['mem_allocator', `v8-${process.versions.v8}`],
    ['active_defrag_running', 0],
    ['lazyfree_pending_objects', 0],
    ['lazyfreed_objects', 0],
  ];
}

function persistenceSection(s: Server): Fields {
  const rdb = RdbManager.of(s);
  const aof = AofManager.of(s);
  const snap = rdb.active?.snapshot ?? aof.rewrite?.snapshot;
  const total = snap?.keysTotal ?? 0;
  const done = snap?.keysProcessed ?? 0;
  return [
    ['loading', 0],
    ['async_loading', 0],
    ['current_cow_peak', 0],
    ['current_cow_size', 0],
    ['current_cow_size_age', 0],
    ['current_fork_perc', fmtFixed(total > 0 ? (Math.min(done, total) / total) * 100 : 0, 2)],
    ['current_save_keys_processed', done],
    ['current_save_keys_total', total],
    ['rdb_changes_since_last_save', s.dirty],
    ['rdb_bgsave_in_progress', rdb.active !== null ? 1 : 0],
    ['rdb_last_save_time', s.lastSave],
    ['rdb_last_bgsave_status', s.lastBgsaveStatus],
    ['rdb_last_bgsave_time_sec', rdb.lastBgsaveTimeSec],
    ['rdb_current_bgsave_time_sec', rdb.currentSaveSeconds()],
    ['rdb_saves', rdb.saves],
    ['rdb_last_cow_size', 0],
    ['rdb_last_load_keys_expired', rdb.lastLoadKeysExpired],
    ['rdb_last_load_keys_loaded', rdb.lastLoadKeysLoaded],
    ...aof.infoFields(),
    ['module_fork_in_progress', 0],
    ['module_fork_last_cow_size', 0],
    ...aof.infoExtraFields(),
  ];
}

/** getInstantaneousMetric: the mean over Redis's 16 sample slots. */
function instantaneous(samples: number[]): number {
  let sum = 0;
  for (const v of samples) sum += v;
  return sum / 16;
}

function statsSection(s: Server): Fields {
  const st = s.stats;
  return [
    ['total_connections_received', st.totalConnections],
    ['total_commands_processed', st.totalCommands],
    ['instantaneous_ops_per_sec', Math.floor(instantaneous(st.opsSamples))],
    ['total_net_input_bytes', st.netInputBytes],
    ['total_net_output_bytes', st.netOutputBytes],
    ['total_net_repl_input_bytes', 0],
    ['total_net_repl_output_bytes', 0],
    ['instantaneous_input_kbps', fmtFixed(Math.fround(instantaneous(st.inputSamples) / 1024), 2)],
    ['instantaneous_output_kbps', fmtFixed(Math.fround(instantaneous(st.outputSamples) / 1024), 2)],
    ['instantaneous_input_repl_kbps', '0.00'],
    ['instantaneous_output_repl_kbps', '0.00'],
    ['rejected_connections', st.rejectedConnections],
    ['sync_full', 0],
    ['sync_partial_ok', 0],
    ['sync_partial_err', 0],
    ['expired_keys', st.expiredKeys],
    ['expired_stale_perc', fmtFixed(st.expiredStalePerc * 100, 2)],
    ['expired_time_cap_reached_count', st.expiredTimeCapReached],
    ['expire_cycle_cpu_milliseconds', Math.floor(st.expireCycleCpuMs)],
    ['evicted_keys', st.evictedKeys],
    ['evicted_clients', st.evictedClients],
    ['total_eviction_exceeded_time', Math.floor(st.totalEvictionExceededTime)],
    ['current_eviction_exceeded_time', 0],
    ['keyspace_hits', st.keyspaceHits],
    ['keyspace_misses', st.keyspaceMisses],
    ['pubsub_channels', s.pubsub.channels.size],
    ['pubsub_patterns', s.pubsub.patterns.size],
    ['pubsubshard_channels', s.pubsub.shardChannels.size],
    ['latest_fork_usec', 0],
    ['total_forks', 0],
    ['migrate_cached_sockets', 0],
    ['slave_expires_tracked_keys', 0],
    ['active_defrag_hits', 0],
    ['active_defrag_misses', 0],
    ['active_defrag_key_hits', 0],
    ['active_defrag_key_misses', 0],
    ['total_active_defrag_time', 0],
    ['current_active_defrag_time', 0],
    ['tracking_total_keys', s.tracking.totalKeys],
    ['tracking_total_items', s.tracking.totalItems],
    ['tracking_total_prefixes', s.tracking.totalPrefixes],
    ['unexpected_error_replies', st.unexpectedErrorReplies],
    ['total_error_replies', st.totalErrorReplies],
    ['dump_payload_sanitizations', st.dumpPayloadSanitizations],
    ['total_reads_processed', st.totalReadsProcessed],
    ['total_writes_processed', st.totalWritesProcessed],
    ['io_threaded_reads_processed', 0],
    ['io_threaded_writes_processed', 0],
    ['reply_buffer_shrinks', 0],
    ['reply_buffer_expands', 0],
  ];
}

function replicationSection(s: Server): Fields {
  return [
    ['role', 'master'],
    ['connected_slaves', 0],
    ['master_failover_state', 'no-failover'],
    ['master_replid', s.replId],
    ['master_replid2', s.replId2],
    ['master_repl_offset', 0],
    ['second_repl_offset', -1],
    ['repl_backlog_active', 0],
    ['repl_backlog_size', s.config.num('repl-backlog-size')],
    ['repl_backlog_first_byte_offset', 0],
    ['repl_backlog_histlen', 0],
  ];
}

/** Seconds with six decimals from microseconds (%ld.%06ld). */
function cpuTime(us: number): string {
  us = Math.floor(us);
  return `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}`;
}

/** The main thread's CPU time, from /proc on Linux; the process's elsewhere. */
function mainThreadCpu(): { user: number; system: number } | null {
  try {
    const stat = fs.readFileSync('/proc/thread-self/stat', 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command name: state is field 3; utime and stime are fields 14 and 15.
    const ticks = 100;
    return { user: (Number(fields[11]) / ticks) * 1e6, system: (Number(fields[12]) / ticks) * 1e6 };
  } catch {
    return null;
  }
}

function cpuSection(): Fields {
  const u = process.cpuUsage();
  const main = mainThreadCpu() ?? u;
  return [
    ['used_cpu_sys', cpuTime(u.system)],
    ['used_cpu_user', cpuTime(u.user)],
    ['used_cpu_sys_children', '0.000000'],
    ['used_cpu_user_children', '0.000000'],
    ['used_cpu_sys_main_thread', cpuTime(main.system)],
    ['used_cpu_user_main_thread', cpuTime(main.user)],
  ];
}

function commandstatsSection(s: Server): Fields {
  const out: Fields = [];
  for (const cmd of s.registry.everyCommand()) {
    const st = cmd.stats;
    if (st.calls === 0 && st.failedCalls === 0 && st.rejectedCalls === 0) continue;
    const perCall = st.calls === 0 ? 0 : Math.fround(st.usec / st.calls);
    out.push([
      `cmdstat_${cmd.fullName}`,
      `calls=${st.calls},usec=${st.usec},usec_per_call=${fmtFixed(perCall, 2)},rejected_calls=${st.rejectedCalls},failed_calls=${st.failedCalls}`,
    ]);
  }
  return out;
}

function errorstatsSection(s: Server): Fields {
  const codes = [...s.stats.errors.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return codes.map((k) => [`errorstat_${k}`, `count=${s.stats.errors.get(k)}`]);
}

/** A percentile as Redis names it: "%f" with trailing zeros (and a bare dot) trimmed. */
export function percentileName(p: number): string {
  let s = p.toFixed(6);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}

export function percentiles(s: Server): number[] {
  const raw = s.config.str('latency-tracking-info-percentiles');
  return raw === '' ? [] : raw.split(' ').map(Number);
}

function latencystatsSection(s: Server): Fields {
  const out: Fields = [];
  const ps = percentiles(s);
  for (const cmd of s.registry.everyCommand()) {
    const h = s.latencyHistograms.get(cmd as Command);
    if (h === undefined) continue;
    const vals = ps.map((p) => `p${percentileName(p)}=${fmtFixed(h.valueAtPercentile(p) / 1000, 3)}`);
    out.push([`latency_percentiles_usec_${cmd.fullName}`, vals.join(',')]);
  }
  return out;
}

/** Average TTL (ms) of a database's volatile keys, estimated from a sample as Redis's avg_ttl is. */
function avgTtl(s: Server, dbIndex: number): number {
  const d = s.dbs[dbIndex].dict;
  const n = d.volatileSize;
  if (n === 0) return 0;
  const now = Date.now();
  const samples = Math.min(n, 128);
  let sum = 0, count = 0;
  for (let i = 0; i < samples; i++) {
    const e = d.randomVolatile();
    const ttl = d.getExpire(e) - now;
    if (ttl > 0) {
      sum += ttl;
      count++;
    }
  }
  return count === 0 ? 0 : Math.floor(sum / count);
}

function keyspaceSection(s: Server): Fields {
  const out: Fields = [];
  for (let i = 0; i < s.dbs.length; i++) {
    const db = s.dbs[i];
    const keys = db.dict.size;
    const vkeys = db.dict.volatileSize;
    if (keys === 0 && vkeys === 0) continue;
    out.push([`db${i}`, `keys=${keys},expires=${vkeys},avg_ttl=${avgTtl(s, i)}`]);
  }
  return out;
}
