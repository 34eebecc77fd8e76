/**
 * The server: configuration, databases, the command table, connected clients,
 * and the path every command takes (processCommand and call, as in Redis's
 * server.c). Around that sit the cron (active expiry, client timeouts,
 * statistics), the listener, and shutdown.
 */
import * as net from 'net';
import * as os from 'os';
import * as fs from 'fs';
import * as path from 'path';
import * as crypto from 'crypto';
import { performance } from 'perf_hooks';
import { Config, type ConfigValue } from '../config/config';
import { Registry, type Command, CMD_MAY_REPLICATE, CMD_FAST, CMD_READONLY, CMD_WRITE, CMD_DENYOOM, CMD_NO_AUTH, CMD_NO_MULTI, CMD_PROTECTED, CMD_SKIP_MONITOR, CMD_ADMIN, CMD_SKIP_SLOWLOG, CMD_LOADING, CMD_STALE, CMD_BLOCKING, CMD_PUBSUB } from '../commands/registry';
import { allCommands } from '../commands';
import { Database, type DbHost, NOTIFY_EXPIRED, NOTIFY_GENERIC, NOTIFY_KEYEVENT, NOTIFY_KEYSPACE } from '../db/database';
import { Client, ReplyMode, PAUSE_OFF, PAUSE_ALL, type WatchedKey } from './client';
import { Logger } from './log';
import { PubSub } from './pubsub';
import { Blocking } from './blocking';
import { Tracking, TRACKING_CACHING } from './tracking';
import { SlowLog } from './slowlog';
import { Evictor } from './evict';
import { activeExpireCycle } from './expire';
import { RdbManager } from '../persistence/manager';
import { AofManager } from '../persistence/aof';
import { LatencyHistogram, LatencyMonitor } from './latency';
import { VERSION, REDIS_VERSION } from '../version';
import type { EncodingLimits } from '../db/values';

export class ServerStats {
  startTime = Date.now();
  totalConnections = 0;
  totalCommands = 0;
  rejectedConnections = 0;
  expiredKeys = 0;
  expiredStalePerc = 0;
  expiredTimeCapReached = 0;
  expireCycleCpuMs = 0;
  evictedKeys = 0;
  evictedClients = 0;
  totalEvictionExceededTime = 0;
  keyspaceHits = 0;
  keyspaceMisses = 0;
  netInputBytes = 0;
  netOutputBytes = 0;
  totalErrorReplies = 0;
  unexpectedErrorReplies = 0;
  /** errorstat_<CODE> counts */
  errors = new Map<string, number>();
  /** Ops/sec samples (instantaneous_ops_per_sec) */
  opsSamples: number[] = [];
  inputSamples: number[] = [];
  outputSamples: number[] = [];
  lastSampleTime = Date.now();
  lastSampleOps = 0;
  lastSampleIn = 0;
  lastSampleOut = 0;
  ioReadsProcessed = 0;
  ioWritesProcessed = 0;
  dumpPayloadSanitizations = 0;
  totalReadsProcessed = 0;
  totalWritesProcessed = 0;
  clientQbufLimitDisconnections = 0;
  clientOutbufLimitDisconnections = 0;
  /** used_memory_peak and when it was reached. */
  peakMemory = 0;
  peakTime = 0;
  /** Largest client input/output buffers per second over the last 8 seconds (client_recent_max_*_buffer). */
  recentInput = [0, 0, 0, 0, 0, 0, 0, 0];
  recentOutput = [0, 0, 0, 0, 0, 0, 0, 0];
  recentSecond = 0;

  /** CONFIG RESETSTAT: counters back to zero (resetServerStats). */
  reset(): void {
    const keep = new ServerStats();
    keep.startTime = this.startTime;
    keep.peakMemory = this.peakMemory;
    keep.peakTime = this.peakTime;
    Object.assign(this, keep);
  }
}

/** Options for startServer: config directives by name (port, dir, maxmemory...). */
export type ServerOptions = Record<string, string | number | boolean>;

export class Server implements DbHost {
  readonly config: Config;
  readonly log: Logger;
  readonly registry: Registry;
  dbs: Database[] = [];
  readonly clients = new Map<number, Client>();
  nextClientId = 1;
  /** Clients with replies produced outside their own read (pub/sub, unblocking). */
  pendingClients: Client[] = [];
  readonly stats = new ServerStats();
  readonly runId = crypto.randomBytes(20).toString('hex');
  readonly pubsub: PubSub;
  readonly blocking: Blocking;
  /** Client side caching (CLIENT TRACKING). */
  readonly tracking: Tracking;
  readonly slowlog: SlowLog;
  readonly evictor: Evictor;
  readonly monitors = new Set<Client>();
  /** LATENCY LATEST/HISTORY/DOCTOR events. */
  readonly latency = new LatencyMonitor();
  /** Per-command latency histograms (latency-tracking), by full name. */
  readonly latencyHistograms = new Map<Command, LatencyHistogram>();
  /** Replication ids (INFO replication, DEBUG CHANGE-REPL-ID). */
  replId = crypto.randomBytes(20).toString('hex');
  replId2 = '0'.repeat(40);
  /** DEBUG SET-ACTIVE-EXPIRE 0 stops the cron's expiry cycle. */
  activeExpireEnabled = true;
  /** DEBUG PAUSE-CRON 1 stops the cron. */
  cronPaused = false;
  /** DEBUG QUICKLIST-PACKED-THRESHOLD: elements at least this large would get a plain quicklist node. */
  quicklistPackedThreshold = 1 << 30;
  /** Changes since the last save (rdb_changes_since_last_save). */
  dirty = 0;
  lastSave = Math.floor(Date.now() / 1000);
  lastBgsaveStatus = 'ok';
  /** The client whose command runs now (null in cron). */
  current: Client | null = null;
  /** Clock of the command being executed. */
  private cmdTime = Date.now();
  /** Clock of the socket read being processed, and how many more commands may use it. */
  private batchClock = 0;
  private batchLeft = 0;

  /** A socket read starts at `now` (or ends, with n = 0): up to n of its commands share that clock. */
  batch(n: number, now = 0): void {
    this.batchLeft = n;
    this.batchClock = now;
  }
  /** Nesting of MULTI/EXEC or scripts: time is frozen and wake-ups wait. */
  execDepth = 0;
  /** Keyspace notification flags (notify-keyspace-events). */
  notifyFlags = 0;
  /** LRU clock in seconds (24 bits), refreshed by the cron. */
  lruClock = 0;
  /** Access marks of the shared integer objects 0..9999 (see sharingIntegers). */
  sharedLru: Uint32Array;
  listeners: net.Server[] = [];
  port = 0;
  private cronTimer: NodeJS.Timeout | null = null;
  private closing: Promise<void> | null = null;
  /** True when closing is complete; embedders await close(). */
  shutdownRequested = false;
  /**
   * True while expired keys must not be deleted (read as missing, kept in
   * the table): during CLIENT PAUSE, as Redis keeps the dataset still (later
   * also replicas and loading).
   */
  get expiryFrozen(): boolean {
    return this.expiryFrozenBy || this.pauseType !== PAUSE_OFF;
  }

  /** Set by loading (and later replicas); CLIENT PAUSE adds its own reason. */
  set expiryFrozen(v: boolean) {
    this.expiryFrozenBy = v;
  }

  private expiryFrozenBy = false;
  /** Called by FLUSHALL after the databases are emptied (persistence reacts to it). */
  readonly flushAllHooks: (() => void)[] = [];
  /** Listeners for every change that must reach AOF and replicas. */
  readonly propagators: ((dbid: number, argv: string[]) => void)[] = [];
  /** True while data files are loaded (nothing expires meanwhile, as in Redis). */
  loading = false;
  /**
   * Consulted before a client's reply is written: true holds it back (the AOF
   * holds replies until what they acknowledge is on disk, then flushes the client).
   */
  replyGate: ((c: Client) => boolean) | null = null;
  private propagateDb = -1;
  /** Called when the server decides to exit (SHUTDOWN, signals). */
  onExit: ((code: number) => void) | null = null;
  private cronLoops = 0;
  executable = process.argv[1] ?? '';

  constructor(options: ServerOptions = {}, config?: Config) {
    this.config = config ?? new Config();
    for (const [k, v] of Object.entries(options)) {
      this.config.setRaw(k, typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v));
    }
    this.log = new Logger(this.config.str('logfile'), this.config.str('loglevel'));
    this.registry = new Registry(allCommands());
    for (const [from, to] of this.config.renames) this.registry.rename(from, to);
    const n = this.config.num('databases');
    for (let i = 0; i < n; i++) this.dbs.push(new Database(i, this));
    this.pubsub = new PubSub(this);
    this.blocking = new Blocking(this);
    this.tracking = new Tracking(this);
    this.slowlog = new SlowLog(this);
    this.evictor = new Evictor(this);
    this.notifyFlags = this.config.num('notify-keyspace-events');
    this.lruClock = lruClockNow();
    this.installConfigHooks();
    this.maxmemory = this.config.num('maxmemory');
    // The shared integers are created at startup: their mark is the clock then (or a new LFU counter).
    this.sharedLru = new Uint32Array(SHARED_INTEGERS).fill(this.evictor.lfu ? this.evictor.lfuTouch(0) : this.lruClock);
    AofManager.of(this); // CONFIG SET appendonly
  }

  /** maxmemory, read on every command. */
  maxmemory = 0;

  /** The *-max-listpack-* style thresholds, kept current with CONFIG SET. */
  readonly limits: EncodingLimits = {} as EncodingLimits;

  private refreshLimits(): void {
    const c = this.config;
    const l = this.limits;
    l.hashMaxListpackEntries = c.num('hash-max-listpack-entries');
    l.hashMaxListpackValue = c.num('hash-max-listpack-value');
    l.zsetMaxListpackEntries = c.num('zset-max-listpack-entries');
    l.zsetMaxListpackValue = c.num('zset-max-listpack-value');
    l.setMaxIntsetEntries = c.num('set-max-intset-entries');
    l.listMaxListpackSize = c.num('list-max-listpack-size');
    l.listCompressDepth = c.num('list-compress-depth');
    l.streamNodeMaxBytes = c.num('stream-node-max-bytes');
    l.streamNodeMaxEntries = c.num('stream-node-max-entries');
  }

  private installConfigHooks(): void {
    const c = this.config;
    this.refreshLimits();
    for (const name of [
      'hash-max-listpack-entries', 'hash-max-listpack-value', 'zset-max-listpack-entries', 'zset-max-listpack-value',
      'set-max-intset-entries', 'list-max-listpack-size', 'list-compress-depth', 'stream-node-max-bytes', 'stream-node-max-entries',
    ]) c.onChange(name, () => this.refreshLimits());
    c.onChange('loglevel', (v) => this.log.setLevel(v as string));
    c.onChange('notify-keyspace-events', (v) => {
      this.notifyFlags = v as number;
    });
    c.onChange('hz', (v) => {
      const hz = Math.min(500, Math.max(1, v as number));
      if (hz !== v) c.correct('hz', hz);
      this.startCron();
    });
    c.onChange('repl-backlog-size', (v) => {
      if ((v as number) < 16384) c.correct('repl-backlog-size', 16384);
    });
    c.onChange('maxmemory', (v) => {
      this.maxmemory = v as number;
      const used = this.usedMemory();
      if ((v as number) > 0 && (v as number) < used) {
        this.log.warning(
          `WARNING: the new maxmemory value set via CONFIG SET (${v}) is smaller than the current memory usage (${used}). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.`,
        );
      }
      this.evictor.perform();
    });
    c.onChange('requirepass', () => {
      // Existing connections stay authenticated, as Redis keeps them.
    });
    c.onChange('activedefrag', (v) =>
      v
        ? 'Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution'
        : undefined,
    );
    c.onChange('port', (v, old) => {
      void this.rebind(v as number, old as number);
    });
    c.onChange('maxclients', () => undefined);
    c.onChange('dir', (v) => {
      // Redis chdir()s; Cinnabar keeps the absolute path (several servers may share a process).
      const abs = path.resolve(v as string);
      try {
        if (!fs.statSync(abs).isDirectory()) return 'Not a directory';
      } catch (e) {
        return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message;
      }
      c.correct('dir', abs);
    });
    // No TLS in Cinnabar: enabling it fails as Redis fails without usable certificates.
    const noTls = (v: ConfigValue) => (v ? 'Unable to update TLS configuration. Check server logs.' : undefined);
    c.onChange('tls-replication', noTls);
    c.onChange('tls-cluster', noTls);
    c.onChange('tls-port', noTls);
    this.latencyTracking = c.bool('latency-tracking');
    this.latencyThreshold = c.num('latency-monitor-threshold');
    c.onChange('latency-tracking', (v) => {
      this.latencyTracking = v as boolean;
    });
    c.onChange('latency-monitor-threshold', (v) => {
      this.latencyThreshold = v as number;
    });
  }

  // ---- DbHost -------------------------------------------------------------

  now(): number {
    return this.cmdTime;
  }

  touch(db: Database, e: number, created = false): void {
    const c = this.current;
    // NO-TOUCH clients leave access marks alone, but a new key still gets its first mark.
    if (c !== null && c.noTouch && c.cmd !== null && c.cmd.fullName !== 'touch' && db.dict.lruAt(e) !== 0) return;
    const lfu = this.evictor.lfu;
    const v = db.dict.valueAt(e);
    // The value is Redis's shared object for this integer: reading any key that holds it
    // marks the one object; storing it in a key leaves the object's mark alone.
    if (typeof v === 'number' && v >= 0 && v < SHARED_INTEGERS && this.sharingIntegers && !created) {
      this.sharedLru[v] = lfu ? this.evictor.lfuTouch(this.sharedLru[v]) : this.lruClock;
    }
    if (lfu) db.dict.setLru(e, this.evictor.lfuTouch(db.dict.lruAt(e)));
    else db.dict.setLru(e, this.lruClock);
  }

  /**
   * The LRU/LFU mark OBJECT IDLETIME/FREQ and DEBUG OBJECT read for entry e:
   * the shared object's for the integers 0..9999 while Redis would share them.
   */
  accessMark(db: Database, e: number): number {
    const v = db.dict.valueAt(e);
    if (typeof v === 'number' && v >= 0 && v < SHARED_INTEGERS && this.sharingIntegers) return this.sharedLru[v];
    return db.dict.lruAt(e);
  }

  /**
   * Redis keeps one object per integer 0..9999 (OBJ_SHARED_INTEGERS) and stores
   * it instead of a private one unless maxmemory is set with an LRU or LFU
   * policy; such keys share the object's access mark.
   */
  get sharingIntegers(): boolean {
    if (this.maxmemory === 0) return true;
    const policy = this.evictor.policy;
    return !(policy.endsWith('-lru') || policy.endsWith('-lfu'));
  }

  keyExpired(db: Database, key: string): void {
    this.notify(NOTIFY_EXPIRED, 'expired', key, db.id);
    this.keyModified(db, key, null);
    // A lazy expiry inside a command joins that command's MULTI/EXEC block, as in Redis 7.0.
    this.propagate(db.id, [this.config.bool('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key]);
  }

  /** Databases with values changed in place during this command (memory accounting). */
  readonly unsettled: Database[] = [];

  keyAdded(db: Database, key: string): void {
    if (this.blocking.count !== 0) this.blocking.signalReady(db, key);
  }

  /** signalModifiedKey: WATCH and client side caching. modifier defaults to the running client. */
  keyModified(db: Database, key: string, modifier?: Client | null): void {
    this.dirty++;
    if (this.watchedKeys !== 0) this.touchWatched(db, key);
    if (this.tracking.clients !== 0) this.tracking.invalidateKey(key, modifier === undefined ? this.current : modifier);
  }

  notify(type: number, event: string, key: string, dbid: number): void {
    const flags = this.notifyFlags;
    if ((flags & type) === 0) return;
    if (flags & NOTIFY_KEYSPACE) this.pubsub.publish(`__keyspace@${dbid}__:${key}`, event);
    if (flags & NOTIFY_KEYEVENT) this.pubsub.publish(`__keyevent@${dbid}__:${event}`, key);
  }

  // ---- WATCH --------------------------------------------------------------

  /** Watched keys by "dbid:key" -> the clients' entries. */
  readonly watchers = new Map<string, WatchedKey[]>();
  watchedKeys = 0;

  /** The key is in the table but logically expired (keyIsExpired). */
  private keyIsExpired(db: Database, key: string): boolean {
    const e = db.dict.find(key);
    if (e < 0) return false;
    const at = db.dict.getExpire(e);
    return at !== 0 && at <= this.cmdTime;
  }

  /** touchWatchedKey: a watched key changed; its watchers' EXEC will fail. */
  touchWatched(db: Database, key: string): void {
    const list = this.watchers.get(db.id + ':' + key);
    if (list === undefined) return;
    for (const wk of list) {
      // Watched while already expired, and now deleted: logically no change.
      if (wk.expired && db.dict.find(key) < 0) {
        wk.expired = false;
        continue;
      }
      wk.client.watchDirty = true;
    }
  }

  /**
   * touchAllWatchedKeysInDb: db is emptied (FLUSHDB/FLUSHALL) or, with
   * replacedWith, gets that database's keys (SWAPDB). A watcher is dirty when
   * its key existed in db or exists in the replacement, except for expired keys
   * that stay logically absent.
   */
  touchAllWatched(db: Database, replacedWith?: Database): void {
    if (replacedWith === undefined) this.tracking.flushed();
    if (this.watchedKeys === 0) return;
    const prefix = db.id + ':';
    for (const [id, list] of this.watchers) {
      if (!id.startsWith(prefix)) continue;
      const key = list[0].key;
      const inEmptied = db.dict.find(key) >= 0;
      const inReplacement = replacedWith !== undefined && replacedWith.dict.find(key) >= 0;
      if (!inEmptied && !inReplacement) continue;
      for (const wk of list) {
        if (wk.expired) {
          if (!inReplacement) {
            wk.expired = false;
            continue;
          } else if (this.keyIsExpired(replacedWith!, key)) continue;
        } else if (!inEmptied && this.keyIsExpired(replacedWith!, key)) {
          wk.expired = true;
          continue;
        }
        wk.client.watchDirty = true;
      }
    }
  }

  watch(c: Client, db: Database, key: string): void {
    c.watched ??= new Map();
    const id = db.id + ':' + key;
    if (c.watched.has(id)) return;
    const wk: WatchedKey = { db, key, client: c, expired: this.keyIsExpired(db, key) };
    c.watched.set(id, wk);
    let list = this.watchers.get(id);
    if (!list) {
      list = [];
      this.watchers.set(id, list);
    }
    list.push(wk);
    this.watchedKeys++;
  }

  /** EXEC: a key watched while alive has expired since (isWatchedKeyExpired). */
  watchedKeyExpired(c: Client): boolean {
    if (c.watched === null) return false;
    for (const wk of c.watched.values()) {
      if (!wk.expired && this.keyIsExpired(wk.db, wk.key)) return true;
    }
    return false;
  }

  unwatchAll(c: Client): void {
    if (c.watched === null) {
      c.watchDirty = false;
      return;
    }
    for (const [id, wk] of c.watched) {
      const list = this.watchers.get(id);
      if (list) {
        const i = list.indexOf(wk);
        if (i >= 0) list.splice(i, 1);
        if (list.length === 0) this.watchers.delete(id);
      }
      this.watchedKeys--;
    }
    c.watched = null;
    c.watchDirty = false;
  }

  // ---- propagation --------------------------------------------------------

  /** Effects of the running transaction, wrapped in MULTI/EXEC when there are several. */
  private propagateBuffer: [number, string[]][] | null = null;
  private propagateNesting = 0;

  /** A command, EXEC (and later scripts): collect the effects of the whole unit. */
  beginTransactionPropagation(): void {
    this.propagateNesting++;
  }

  /** End of the block: one effect goes alone, several go inside MULTI ... EXEC (propagatePendingCommands). */
  endTransactionPropagation(): void {
    if (--this.propagateNesting !== 0 || this.propagateBuffer === null) return;
    const ops = this.propagateBuffer;
    this.propagateBuffer = null;
    if (ops.length > 1) this.propagate(ops[0][0], ['MULTI']);
    for (const [dbid, argv] of ops) this.propagate(dbid, argv);
    // EXEC goes without a database (no SELECT before it), as Redis 7.0 propagates it.
    if (ops.length > 1) this.propagate(-1, ['EXEC']);
  }

  /** Send an effect to AOF and replicas (no-op until those are attached). */
  propagate(dbid: number, argv: string[]): void {
    if (this.propagators.length === 0) return;
    if (this.propagateNesting !== 0) {
      (this.propagateBuffer ??= []).push([dbid, argv]);
      return;
    }
    this.propagateNow(dbid, argv);
  }

  /** Propagate immediately, never buffered into the running command's block. */
  propagateNow(dbid: number, argv: string[]): void {
    for (const p of this.propagators) p(dbid, argv);
    this.propagateDb = dbid;
  }

  // ---- command execution --------------------------------------------------

  authRequired(): boolean {
    return this.config.str('requirepass') !== '';
  }

  countError(msg: string): void {
    const sp = msg.indexOf(' ');
    const code = sp < 0 ? msg : msg.slice(0, sp);
    this.stats.totalErrorReplies++;
    const errs = this.stats.errors;
    // Redis caps distinct error codes at 128 to protect memory.
    if (errs.size >= 128 && !errs.has(code)) return;
    errs.set(code, (errs.get(code) ?? 0) + 1);
  }

  /** Reject a command before it runs (counts rejected_calls, flags a MULTI). */
  private reject(c: Client, cmd: Command | undefined, msg: string): void {
    if (cmd) cmd.stats.rejectedCalls++;
    if (c.multi) c.multi.dirty = true;
    // A rejected EXEC, in MULTI or not, discards the transaction (execCommandAbort).
    if (cmd !== undefined && cmd.fullName === 'exec') {
      this.discardTransaction(c);
      c.error(`EXECABORT Transaction discarded because of: ${msg.startsWith('ERR ') ? msg.slice(4) : msg}`);
      if (this.monitors.size > 0) this.feedMonitors(c, c.argv);
      return;
    }
    c.error(msg);
  }

  /** Leave MULTI: drop the queue and every WATCH. */
  discardTransaction(c: Client): void {
    c.multi = null;
    this.unwatchAll(c);
  }

  /** processCommand, then the per-command client state ends (resetClient). */
  execute(c: Client, argv: string[]): void {
    this.processCommand(c, argv);
    if ((c.replyMode !== ReplyMode.On || c.tracking !== 0) && c.blocked === null) this.resetClient(c);
  }

  /**
   * resetClient's share of client state that lasts one command: CLIENT REPLY
   * SKIP silences exactly the next command, CLIENT CACHING applies to the next
   * command (or transaction) unless that is another CLIENT subcommand.
   */
  resetClient(c: Client): void {
    if (c.replyMode === ReplyMode.Skip) {
      c.replyMode = ReplyMode.On;
      c.w.muted = false;
    }
    if (c.replyMode === ReplyMode.SkipNext) {
      c.replyMode = ReplyMode.Skip;
      c.w.muted = true;
    }
    if (c.tracking & TRACKING_CACHING && c.multi === null && !c.lastCmd.startsWith('client|')) c.tracking &= ~TRACKING_CACHING;
  }

  /** processCommand: every check a command passes before it runs, then run it. */
  private processCommand(c: Client, argv: string[]): void {
    c.argv = argv;
    if (this.tracking.clients !== 0) this.tracking.limit();
    const cmd = this.registry.lookup(argv);
    if (cmd === undefined || cmd.handler === null && cmd.subcommands === null) {
      c.lastCmd = 'NULL';
      const top = this.registry.get(argv[0]);
      if (top !== undefined && top.subcommands !== null && argv.length > 1) {
        this.reject(c, undefined, `ERR unknown subcommand '${trunc(argv[1], 128)}'. Try ${argv[0].toUpperCase()} HELP.`);
      } else {
        let args = '';
        for (let i = 1; i < argv.length && args.length < 128; i++) args += `'${trunc(argv[i], 128 - args.length)}' `;
        this.reject(c, undefined, `ERR unknown command '${trunc(argv[0], 128)}', with args beginning with: ${args}`);
      }
      return;
    }
    c.cmd = cmd;
    c.lastCmd = cmd.fullName;
    const argc = argv.length;
    if ((cmd.arity > 0 && cmd.arity !== argc) || argc < -cmd.arity || cmd.handler === null) {
      this.reject(c, cmd, `ERR wrong number of arguments for '${cmd.fullName}' command`);
      return;
    }
    const flags = cmd.flags;
    if (flags & CMD_PROTECTED) {
      const which = cmd.fullName === 'debug' ? 'enable-debug-command' : 'enable-module-command';
      const allow = this.config.str(which);
      if (allow === 'no' || (allow === 'local' && !isLocal(c))) {
        const what = cmd.fullName === 'debug' ? 'DEBUG' : 'MODULE';
        this.reject(
          c,
          cmd,
          `ERR ${what} command not allowed. If the ${which} option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.`,
        );
        return;
      }
    }
    if (!c.authenticated && !(flags & CMD_NO_AUTH) && this.authRequired()) {
      this.reject(c, cmd, 'NOAUTH Authentication required.');
      return;
    }
    if (c.multi !== null && flags & CMD_NO_MULTI) {
      this.reject(c, cmd, 'ERR Command not allowed inside a transaction');
      return;
    }
    if (this.maxmemory > 0) {
      const evictedBefore = this.stats.evictedKeys;
      const t0 = this.latencyThreshold > 0 ? performance.now() : 0;
      const outOfMemory = !this.evictor.perform();
      if (t0 !== 0 && this.stats.evictedKeys !== evictedBefore) {
        const ms = Math.floor(performance.now() - t0);
        if (ms >= this.latencyThreshold) this.latency.add('eviction-cycle', ms);
      }
      let rejectOnOom = (flags & CMD_DENYOOM) !== 0 || (cmd.fullName === 'exec' && c.multi !== null && this.multiHasDenyOom(c));
      // Queuing inside MULTI grows memory without bound: refuse it too.
      const n = cmd.fullName;
      if (c.multi !== null && n !== 'exec' && n !== 'discard' && n !== 'quit' && n !== 'reset') rejectOnOom = true;
      if (outOfMemory && rejectOnOom) {
        this.reject(c, cmd, "OOM command not allowed when used memory > 'maxmemory'.");
        return;
      }
    }
    // A failed background save stops writes (stop-writes-on-bgsave-error).
    if (this.lastBgsaveStatus === 'err') {
      const denied = RdbManager.of(this).denyWrite(c, cmd);
      if (denied !== null) {
        this.reject(c, cmd, denied);
        return;
      }
    }
    // So does a failed AOF write or fsync.
    if (this.replyGate !== null) {
      const denied = AofManager.of(this).denyWrite(c, cmd);
      if (denied !== null) {
        this.reject(c, cmd, denied);
        return;
      }
    }
    if (c.monitor && flags & (CMD_WRITE | CMD_READONLY | CMD_MAY_REPLICATE)) {
      this.reject(c, cmd, "ERR Replica can't interact with the keyspace");
      return;
    }
    if (c.resp === 2 && this.inPubSubContext(c) && !allowedInPubSub(cmd)) {
      this.reject(
        c,
        cmd,
        `ERR Can't execute '${cmd.fullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
      );
      return;
    }
    if (this.pauseType !== PAUSE_OFF && !c.isMaster && (this.pauseType === PAUSE_ALL || this.pausesWrite(c, cmd))) {
      this.postpone(c);
      return;
    }
    if (c.multi !== null && !isMultiControl(cmd)) {
      // An already doomed transaction keeps answering QUEUED but stores nothing.
      if (!c.multi.dirty && !c.watchDirty) c.multi.queue.push({ cmd, argv });
      c.w.raw('+QUEUED\r\n');
      return;
    }
    this.call(c, cmd, argv);
    if (this.blocking.hasReady) this.blocking.handleReady();
    this.afterCommand();
  }

  // ---- CLIENT PAUSE ---------------------------------------------------------

  /** CLIENT PAUSE: PAUSE_OFF, PAUSE_WRITE or PAUSE_ALL, until pauseEnd (ms). */
  pauseType = PAUSE_OFF;
  pauseEnd = 0;
  private pauseTimer: NodeJS.Timeout | null = null;
  /** Clients whose command waits for the unpause, in arrival order. */
  readonly postponed: Client[] = [];

  /** Under PAUSE WRITE: commands that write or may replicate (EXEC of such a queue). */
  private pausesWrite(c: Client, cmd: Command): boolean {
    if (mayReplicate(cmd)) return true;
    if (cmd.fullName === 'exec' && c.multi !== null) {
      for (const q of c.multi.queue) if (mayReplicate(q.cmd)) return true;
    }
    return false;
  }

  /**
   * pauseClients: a pause only grows, in kind (WRITE -> ALL) and in time.
   * Expiry stops while paused (expiryFrozen), so the dataset stays still.
   */
  pauseClients(type: number, end: number): void {
    if (type > this.pauseType) this.pauseType = type;
    if (end > this.pauseEnd) this.pauseEnd = end;
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    const arm = () => {
      const ms = this.pauseEnd - Date.now();
      if (ms <= 0) {
        this.pauseTimer = null;
        this.unpauseClients();
        return;
      }
      this.pauseTimer = setTimeout(arm, Math.min(ms, 0x7fffffff));
      this.pauseTimer.unref?.();
    };
    const ms = this.pauseEnd - Date.now();
    this.pauseTimer = setTimeout(arm, Math.max(0, Math.min(ms, 0x7fffffff)));
    this.pauseTimer.unref?.();
  }

  /** CLIENT UNPAUSE or the end of the pause: postponed commands run, oldest first. */
  unpauseClients(): void {
    this.pauseType = PAUSE_OFF;
    this.pauseEnd = 0;
    if (this.pauseTimer) {
      clearTimeout(this.pauseTimer);
      this.pauseTimer = null;
    }
    if (this.postponed.length === 0) return;
    const list = this.postponed.splice(0);
    setImmediate(() => {
      for (const c of list) {
        if (c.closed || !c.postponed) continue;
        c.postponed = false;
        const argv = c.blocked!.argv;
        this.blocking.unblock(c, false);
        this.execute(c, argv);
        c.flush();
        if (!c.closed && c.blocked === null) c.onData(Buffer.alloc(0));
      }
      if (this.pendingClients.length > 0) this.flushPending();
    });
  }

  /** Park c's command until the unpause (blockClient BLOCKED_POSTPONE). */
  private postpone(c: Client): void {
    c.postponed = true;
    this.postponed.push(c);
    this.blocking.block(c, [], 0, () => undefined);
  }

  private multiHasDenyOom(c: Client): boolean {
    for (const q of c.multi!.queue) if (q.cmd.flags & CMD_DENYOOM) return true;
    return false;
  }

  inPubSubContext(c: Client): boolean {
    return c.channels.size + c.patterns.size + c.shardChannels.size > 0;
  }

  /** call(): run the handler with statistics, slowlog, monitor feed and propagation. */
  call(c: Client, cmd: Command, argv: string[]): void {
    const prevCurrent = this.current;
    this.current = c;
    c.cmd = cmd;
    c.argv = argv;
    const dirtyBefore = this.dirty;
    this.errMark = this.stats.totalErrorReplies;
    c.justBlocked = false;
    // Every effect of one command (or EXEC) propagates as a unit: several go inside MULTI/EXEC.
    this.beginTransactionPropagation();
    const start = performance.now();
    // The command's time (Redis's cached mstime): the wall clock when a top-level call starts,
    // frozen for the commands EXEC runs (Redis updates it only on the outermost call), so a key
    // does not expire halfway through a transaction. Read with Date.now(): deriving it from
    // performance.now() plus an anchor lagged Date.now() by 1-2 ms, so PTTL after
    // SET PXAT could exceed what the client asked for. Within one socket read the clock is
    // read once per 64 commands (a pipeline runs in well under a millisecond per 64).
    if (this.execDepth === 0) {
      if (this.batchLeft > 0) {
        this.batchLeft--;
        this.cmdTime = this.batchClock;
      } else this.cmdTime = Date.now();
    }
    try {
      cmd.handler!(c, argv);
    } catch (e) {
      // A handler bug must not take the server down: answer and log it.
      this.log.warning(`Error executing '${cmd.fullName}': ${(e as Error).stack ?? e}`);
      c.error(`ERR internal error executing '${cmd.fullName}': ${(e as Error).message}`);
      this.stats.unexpectedErrorReplies++;
    }
    const usec = (performance.now() - start) * 1000;
    if (c.tracking !== 0 && cmd.flags & CMD_READONLY) this.tracking.rememberKeys(c, cmd, argv);
    if (this.unsettled.length !== 0) {
      for (const db of this.unsettled) db.settle();
      this.unsettled.length = 0;
    }
    // Failed: an error since this call began or, for EXEC, since its last inner call ended.
    const failed = this.stats.totalErrorReplies !== this.errMark;
    this.errMark = this.stats.totalErrorReplies;
    // A client that blocked is counted when it is served or times out.
    if (!c.justBlocked) this.recordCall(c, cmd, argv, usec, failed);
    if (this.dirty !== dirtyBefore && cmd.flags & CMD_WRITE && c.propagateAs === null) this.propagate(c.db.id, argv);
    if (c.propagateAs !== null) {
      for (const a of c.propagateAs) this.propagate(c.db.id, a);
      c.propagateAs = null;
    }
    this.endTransactionPropagation();
    this.current = prevCurrent;
  }

  /** Statistics, slowlog and MONITOR for one executed command. */
  recordCall(c: Client, cmd: Command, argv: string[], usec: number, failed: boolean): void {
    // Redis measures whole microseconds of a monotonic clock.
    usec = Math.floor(usec);
    cmd.stats.calls++;
    cmd.stats.usec += usec;
    if (failed) cmd.stats.failedCalls++;
    this.stats.totalCommands++;
    if (this.latencyTracking) {
      let h = this.latencyHistograms.get(cmd);
      if (h === undefined) {
        h = new LatencyHistogram();
        this.latencyHistograms.set(cmd, h);
      }
      h.record(usec * 1000);
    }
    const threshold = this.latencyThreshold;
    if (threshold > 0 && usec >= threshold * 1000) {
      this.latency.add(cmd.flags & CMD_FAST ? 'fast-command' : 'command', Math.floor(usec / 1000));
    }
    const toSlowlog = !(cmd.flags & CMD_SKIP_SLOWLOG) && this.slowlog.wants(usec);
    const toMonitor = this.monitors.size > 0 && !(cmd.flags & (CMD_SKIP_MONITOR | CMD_ADMIN));
    if (toSlowlog || toMonitor) {
      const shown = redactedArgv(cmd, argv);
      if (toSlowlog) this.slowlog.maybeAdd(c, shown, usec);
      if (toMonitor) this.feedMonitors(c, shown);
    }
  }

  /** latency-tracking and latency-monitor-threshold, kept current by config hooks. */
  latencyTracking = true;
  latencyThreshold = 0;

  /** Work after each top-level command: accounting, pending flushes of other clients. */
  private afterCommand(): void {
    if (this.tracking.hasPending) this.tracking.sendPending();
  }

  /** Error count when the latest call() began or ended (incrCommandStatsOnError). */
  private errMark = 0;

  flushPending(): void {
    const list = this.pendingClients;
    this.pendingClients = [];
    for (const c of list) c.flush();
  }

  /**
   * Replies leave in one pass after the event loop has handed over every
   * socket read of this turn (Redis's beforeSleep): a client that receives
   * several replies is woken once, which costs both sides less than one
   * wake-up per reply.
   */
  private flushScheduled = false;
  private readonly flushAll = (): void => {
    this.flushScheduled = false;
    if (this.pendingClients.length > 0) this.flushPending();
  };

  scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(this.flushAll);
  }

  feedMonitors(c: Client, argv: string[]): void {
    const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
    let line = `+${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')} [${c.db.id} ${c.socket ? c.remoteAddr : 'lua'}]`;
    for (const a of argv) line += ' "' + reprArg(a) + '"';
    line += '\r\n';
    for (const m of this.monitors) {
      // Nothing more is written to a client that is closing (prepareClientToWrite).
      if (m.closeAfterReply) continue;
      m.w.raw(line);
      m.markPending();
    }
  }

  // ---- memory ---------------------------------------------------------------

  /** used_memory: the dataset in Redis's terms plus client buffers and table overhead. */
  usedMemory(): number {
    let n = this.baseMemory();
    for (const db of this.dbs) n += db.usedBytes;
    return n;
  }

  /**
   * Memory besides the values and keys' own accounting: startup, the tables and
   * client buffers. Per key, the main table's dictEntry is 24 bytes that
   * jemalloc serves from its 32-byte class (MEMORY USAGE counts sizeof, 24;
   * used_memory counts the allocation), and a key with a TTL also has an
   * entry (32) and its share of buckets in the expires table.
   */
  baseMemory(): number {
    let n = STARTUP_MEMORY;
    for (const db of this.dbs) {
      const d = db.dict;
      n += d.bucketCount * 8 + d.size * (DICT_ENTRY_ALLOC - DICT_ENTRY_SIZE);
      const vol = d.volatileSize;
      if (vol !== 0) n += vol * DICT_ENTRY_ALLOC + expiresBuckets(vol) * 8;
    }
    for (const c of this.clients.values()) n += c.totalMem();
    // Each command's latency histogram (hdr_histogram, allocated on its first call).
    n += this.latencyHistograms.size * LATENCY_HISTOGRAM_BYTES;
    return n;
  }

  // ---- network ------------------------------------------------------------------

  async listen(): Promise<void> {
    this.port = this.config.num('port');
    const binds = this.config.str('bind').split(' ').filter(Boolean);
    const addrs = binds.length === 0 ? ['*', '-::*'] : binds;
    let bound = 0;
    let port = this.port;
    for (const a of addrs) {
      const optional = a.startsWith('-');
      let host = optional ? a.slice(1) : a;
      if (host === '*') host = '0.0.0.0';
      if (host === '::*') host = '::';
      try {
        const srv = await this.listenOne(host, port);
        this.listeners.push(srv);
        if (port === 0) port = (srv.address() as net.AddressInfo).port;
        bound++;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (optional && (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT')) continue;
        for (const l of this.listeners) l.close();
        this.listeners = [];
        throw new Error(`Could not create server TCP listening socket ${host}:${port}: bind: ${(e as Error).message}`);
      }
    }
    if (bound === 0) throw new Error('Failed listening on port ' + port);
    this.port = port;
    this.config.correct('port', port);
    this.startCron();
  }

  private listenOne(host: string, port: number): Promise<net.Server> {
    return new Promise((resolve, reject) => {
      const srv = net.createServer({ noDelay: true }, (sock) => this.accept(sock));
      srv.once('error', reject);
      srv.listen({ host, port, backlog: this.config.num('tcp-backlog'), ipv6Only: host === '::' }, () => {
        srv.removeListener('error', reject);
        srv.on('error', (e) => this.log.warning(`Listener error: ${e.message}`));
        resolve(srv);
      });
    });
  }

  private async rebind(port: number, old: number): Promise<string | void> {
    if (port === old || this.listeners.length === 0) return;
    const prev = this.listeners;
    this.listeners = [];
    try {
      this.config.correct('port', port);
      await this.listen();
      for (const l of prev) l.close();
    } catch (e) {
      this.listeners = prev;
      this.config.correct('port', old);
      this.log.warning(`Unable to listen on this port: ${(e as Error).message}`);
    }
  }

  private accept(sock: net.Socket): void {
    sock.setNoDelay(true);
    if (this.clients.size >= this.config.num('maxclients')) {
      this.stats.rejectedConnections++;
      refuse(sock, '-ERR max number of clients reached\r\n');
      return;
    }
    if (this.protectedModeDenies(sock)) {
      this.stats.rejectedConnections++;
      refuse(sock, PROTECTED_MODE_ERR);
      return;
    }
    const tcpKeepalive = this.config.num('tcp-keepalive');
    if (tcpKeepalive > 0) sock.setKeepAlive(true, tcpKeepalive * 1000);
    const c = new Client(this, sock);
    this.clients.set(c.id, c);
    this.stats.totalConnections++;
    sock.on('data', (d: Buffer) => {
      this.stats.netInputBytes += d.length;
      this.stats.totalReadsProcessed++;
      c.onData(d);
    });
    sock.on('error', () => c.close());
    sock.on('close', () => c.close());
  }

  private protectedModeDenies(sock: net.Socket): boolean {
    if (!this.config.bool('protected-mode')) return false;
    if (this.authRequired()) return false;
    if (this.config.explicit.has('bind')) return false;
    const a = sock.remoteAddress ?? '';
    return !(a === '127.0.0.1' || a === '::1' || a === '::ffff:127.0.0.1' || a.startsWith('127.'));
  }

  /** A client is gone: drop every reference the server holds to it. */
  unlinkClient(c: Client): void {
    this.clients.delete(c.id);
    this.monitors.delete(c);
    this.unwatchAll(c);
    this.pubsub.unsubscribeAll(c);
    if (c.tracking !== 0) this.tracking.disable(c);
    if (c.postponed) {
      c.postponed = false;
      const i = this.postponed.indexOf(c);
      if (i >= 0) this.postponed.splice(i, 1);
    }
    if (c.blocked) this.blocking.unblock(c, false);
  }

  /** An in-process client with no socket (scripts, internal calls). */
  createInternalClient(): Client {
    return new Client(this, null);
  }

  // ---- cron -------------------------------------------------------------------

  private startCron(): void {
    if (this.cronTimer) clearInterval(this.cronTimer);
    if (this.listeners.length === 0 && !this.cronWanted) return;
    const hz = Math.min(500, Math.max(1, this.config.num('hz')));
    this.cronTimer = setInterval(() => this.cron(), Math.floor(1000 / hz));
    this.cronTimer.unref?.();
  }

  /** Run the cron even without listeners (embedded use). */
  cronWanted = false;

  private cron(): void {
    if (this.cronPaused) return;
    this.cmdTime = Date.now();
    this.lruClock = lruClockNow();
    this.cronLoops++;
    const hz = Math.min(500, Math.max(1, this.config.num('hz')));
    if (this.activeExpireEnabled) {
      const t0 = performance.now();
      activeExpireCycle(this, 1000 / hz);
      const ms = Math.floor(performance.now() - t0);
      if (this.latencyThreshold > 0 && ms >= this.latencyThreshold) this.latency.add('expire-cycle', ms);
    }
    if (this.config.bool('activerehashing')) for (const db of this.dbs) if (db.dict.rehashing) db.dict.rehashFor(1);
    this.sampleStats();
    this.clientsCron();
    if (this.tracking.clients !== 0) this.tracking.limit();
    if (this.config.num('maxmemory') > 0) this.evictor.perform();
    // Keys made ready outside a command (expired or evicted streams) are served now, as beforeSleep does.
    if (this.blocking.hasReady) this.blocking.handleReady();
    if (this.tracking.hasPending) this.tracking.sendPending();
    RdbManager.of(this).cron();
    AofManager.of(this).cron();
    if (this.pendingClients.length > 0) this.flushPending();
  }

  /** Track used_memory_peak (the cron, INFO and MEMORY STATS call this). */
  updatePeakMemory(): number {
    const used = this.usedMemory();
    if (used > this.stats.peakMemory) {
      this.stats.peakMemory = used;
      this.stats.peakTime = Date.now();
    }
    return used;
  }

  /** Once a second, the largest client buffers into that second's slot (clientsCronTrackExpansiveClients). */
  private sampleClientBuffers(): void {
    const s = this.stats;
    const sec = Math.floor(Date.now() / 1000);
    if (sec === s.recentSecond) return;
    s.recentSecond = sec;
    let maxIn = 0, maxOut = 0;
    for (const c of this.clients.values()) {
      const qbuf = c.parser.pending;
      const out = c.w.len + (c.socket?.writableLength ?? 0);
      if (qbuf > maxIn) maxIn = qbuf;
      if (out > maxOut) maxOut = out;
    }
    s.recentInput[sec % 8] = maxIn;
    s.recentOutput[sec % 8] = maxOut;
  }

  private sampleStats(): void {
    const s = this.stats;
    this.updatePeakMemory();
    this.sampleClientBuffers();
    const now = Date.now();
    const dt = now - s.lastSampleTime;
    if (dt < 100) return;
    const push = (arr: number[], v: number) => {
      arr.push(v);
      if (arr.length > 16) arr.shift();
    };
    push(s.opsSamples, ((s.totalCommands - s.lastSampleOps) * 1000) / dt);
    push(s.inputSamples, ((s.netInputBytes - s.lastSampleIn) * 1000) / dt);
    push(s.outputSamples, ((s.netOutputBytes - s.lastSampleOut) * 1000) / dt);
    s.lastSampleTime = now;
    s.lastSampleOps = s.totalCommands;
    s.lastSampleIn = s.netInputBytes;
    s.lastSampleOut = s.netOutputBytes;
  }

  private clientsCron(): void {
    const timeout = this.config.num('timeout');
    if (timeout <= 0) return;
    const now = Date.now();
    for (const c of this.clients.values()) {
      if (c.blocked || c.monitor || this.inPubSubContext(c) || c.isMaster) continue;
      if (now - c.lastInteraction > timeout * 1000) {
        this.log.verbose('Closing idle client');
        c.close();
      }
    }
  }

  // ---- startup and shutdown -------------------------------------------------------

  /** Work after listening and before accepting commands (loading data files). */
  async startup(): Promise<void> {
    RdbManager.of(this).loadAtStartup();
    AofManager.of(this).loadAtStartup();
    this.cronWanted = true;
    this.startCron();
  }

  /**
   * prepareForShutdown's first part, synchronous: stop a background save and
   * save the dataset when save points exist (or SAVE). False when saving
   * failed: the server keeps running.
   */
  prepareForShutdown(reason: 'sigint' | 'sigterm' | 'command', flags: { save?: boolean; nosave?: boolean; now?: boolean; force?: boolean } = {}): boolean {
    this.log.warning('User requested shutdown...');
    if (AofManager.of(this).prepareShutdown(flags) && RdbManager.of(this).prepareShutdown(reason, flags)) return true;
    this.log.warning('Errors trying to shut down the server. Check the logs for more information.');
    return false;
  }

  /**
   * SHUTDOWN or a signal: stop serving and exit. Returns false when the
   * shutdown was refused (the final save failed). `prepared`: the caller ran
   * prepareForShutdown already.
   */
  async shutdown(reason: 'sigint' | 'sigterm' | 'command', flags: { save?: boolean; nosave?: boolean; now?: boolean; force?: boolean } = {}, prepared = false): Promise<boolean> {
    this.shutdownRequested = true;
    if (!prepared && !this.prepareForShutdown(reason, flags)) {
      this.shutdownRequested = false;
      return false;
    }
    this.log.notice('Cinnabar is now ready to exit, bye bye...');
    await this.close();
    return true;
  }

  /** Stop listening, disconnect clients and stop timers. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = (async () => {
      RdbManager.of(this).stop();
      if (this.cronTimer) clearInterval(this.cronTimer);
      this.cronTimer = null;
      this.blocking.clearTimers();
      // A listener's close waits for its connections, so stop accepting, drop the clients, then wait.
      const closed = Promise.all(this.listeners.map((l) => new Promise<void>((r) => l.close(() => r()))));
      this.listeners = [];
      for (const c of [...this.clients.values()]) {
        c.socket?.destroy();
        c.close();
      }
      await closed;
      await AofManager.of(this).close();
      this.log.close();
    })();
    return this.closing;
  }

  /** INFO's uptime etc. */
  uptimeSeconds(): number {
    return Math.floor((Date.now() - this.stats.startTime) / 1000);
  }

  /** Absolute path of the working directory (CONFIG GET dir). */
  get dir(): string {
    return path.resolve(this.config.str('dir'));
  }

  get hostname(): string {
    return os.hostname();
  }

  version(): { cinnabar: string; redis: string } {
    return { cinnabar: VERSION, redis: REDIS_VERSION };
  }

  configValue(name: string): ConfigValue {
    return this.config.get(name);
  }
}

/** used_memory of an empty server in our model (Redis 7.0 reports about this much at start). */
export const STARTUP_MEMORY = 862_000;

/** OBJ_SHARED_INTEGERS: Redis shares the objects of the integers 0..9999. */
const SHARED_INTEGERS = 10000;

/** What one command's latency histogram adds to Redis's used_memory (1 ns..1 s, 2 significant figures). */
const LATENCY_HISTOGRAM_BYTES = 24_688;

/** sizeof(dictEntry), and what jemalloc allocates for it. */
const DICT_ENTRY_SIZE = 24;
const DICT_ENTRY_ALLOC = 32;

/** Buckets of Redis's expires dict holding n keys (grown to the next power of two, at least 4). */
function expiresBuckets(n: number): number {
  let s = 4;
  while (s < n) s *= 2;
  return s;
}

const PROTECTED_MODE_ERR =
  "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

/** Best-effort error to a refused connection, then close it (nothing is read from it). */
function refuse(sock: net.Socket, msg: string): void {
  sock.on('error', () => undefined);
  sock.end(msg, () => sock.destroy());
}

function lruClockNow(): number {
  return Math.floor(Date.now() / 1000) & 0xffffff;
}

function trunc(s: string, n: number): string {
  return s.length > n ? s.slice(0, Math.max(0, n)) : s;
}

function isLocal(c: Client): boolean {
  if (c.socket === null) return true;
  const a = c.socket.remoteAddress ?? '';
  return a === '127.0.0.1' || a === '::1' || a === '::ffff:127.0.0.1' || a.startsWith('127.');
}

function isMultiControl(cmd: Command): boolean {
  const n = cmd.fullName;
  return n === 'exec' || n === 'discard' || n === 'multi' || n === 'watch' || n === 'quit' || n === 'reset';
}

/**
 * Commands a write pause holds: writes, and those Redis 7.0 flags
 * may-replicate (a flag COMMAND INFO does not show, so the metadata lacks it).
 */
const MAY_REPLICATE = new Set(['publish', 'spublish', 'eval', 'evalsha', 'fcall', 'pfcount']);

function mayReplicate(cmd: Command): boolean {
  return (cmd.flags & (CMD_WRITE | CMD_MAY_REPLICATE)) !== 0 || MAY_REPLICATE.has(cmd.fullName);
}

function allowedInPubSub(cmd: Command): boolean {
  const n = cmd.fullName;
  return (
    n === 'ping' || n === 'subscribe' || n === 'ssubscribe' || n === 'unsubscribe' || n === 'sunsubscribe' ||
    n === 'psubscribe' || n === 'punsubscribe' || n === 'quit' || n === 'reset'
  );
}

/**
 * The argv MONITOR and SLOWLOG show: secrets replaced by "(redacted)" as
 * Redis's redactClientCommandArgument does (AUTH, HELLO AUTH, MIGRATE AUTH/AUTH2,
 * CONFIG SET of sensitive parameters, ACL SETUSER rules).
 */
export function redactedArgv(cmd: Command, argv: string[]): string[] {
  const name = cmd.fullName;
  let out: string[] | null = null;
  const redact = (i: number) => {
    if (i >= argv.length) return;
    out ??= argv.slice();
    out[i] = '(redacted)';
  };
  if (name === 'auth') {
    for (let i = 1; i < argv.length; i++) redact(i);
  } else if (name === 'hello') {
    for (let i = 2; i < argv.length; i++) {
      const a = argv[i].toLowerCase();
      if (a === 'auth' && argv.length - i - 1 >= 2) {
        redact(i + 1);
        redact(i + 2);
        i += 2;
      } else if (a === 'setname' && argv.length - i - 1 >= 1) i += 1;
    }
  } else if (name === 'migrate') {
    for (let i = 6; i < argv.length; i++) {
      const a = argv[i].toLowerCase();
      if (a === 'auth') {
        redact(i + 1);
        i += 1;
      } else if (a === 'auth2') {
        redact(i + 1);
        redact(i + 2);
        i += 2;
      } else if (a === 'keys') break;
    }
  } else if (name === 'config|set') {
    for (let i = 2; i + 1 < argv.length; i += 2) {
      const n = argv[i].toLowerCase();
      if (n === 'requirepass' || n === 'masterauth' || n === 'masteruser' || n === 'tls-key-file-pass' || n === 'tls-client-key-file-pass') redact(i + 1);
    }
  } else if (name === 'acl|setuser') {
    for (let i = 2; i < argv.length; i++) redact(i);
  }
  return out ?? argv;
}

/** An argument as MONITOR shows it (sdscatrepr without the quotes). */
export function reprArg(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    switch (ch) {
      case 92: out += '\\\\'; break;
      case 34: out += '\\"'; break;
      case 10: out += '\\n'; break;
      case 13: out += '\\r'; break;
      case 9: out += '\\t'; break;
      case 7: out += '\\a'; break;
      case 8: out += '\\b'; break;
      default:
        if (ch >= 32 && ch < 127) out += s[i];
        else out += '\\x' + ch.toString(16).padStart(2, '0');
    }
  }
  return out;
}

export { CMD_WRITE, CMD_LOADING, CMD_STALE, CMD_BLOCKING, CMD_PUBSUB, NOTIFY_GENERIC };
