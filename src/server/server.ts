/**
 * The server: configuration, databases, the command table, connected clients,
 * and the path every command takes (processCommand and call, as in Redis's
 * server.c). Around that sit the cron (active expiry, client timeouts,
 * statistics), the listener, and shutdown.
 */
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as crypto from 'crypto';
import { Config, type ConfigValue } from '../config/config';
import { Registry, type Command, CMD_WRITE, CMD_DENYOOM, CMD_NO_AUTH, CMD_NO_MULTI, CMD_PROTECTED, CMD_SKIP_MONITOR, CMD_ADMIN, CMD_SKIP_SLOWLOG, CMD_LOADING, CMD_STALE, CMD_BLOCKING, CMD_PUBSUB } from '../commands/registry';
import { allCommands } from '../commands';
import { Database, type DbHost, NOTIFY_EXPIRED, NOTIFY_GENERIC, NOTIFY_KEYEVENT, NOTIFY_KEYSPACE } from '../db/database';
import { Client, ReplyMode } from './client';
import { Logger } from './log';
import { PubSub } from './pubsub';
import { Blocking } from './blocking';
import { SlowLog } from './slowlog';
import { Evictor } from './evict';
import { activeExpireCycle } from './expire';
import { VERSION, REDIS_VERSION } from '../version';
import { keyspaceEventsFromString } from '../config/config';
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
  readonly slowlog: SlowLog;
  readonly evictor: Evictor;
  readonly monitors = new Set<Client>();
  /** Changes since the last save (rdb_changes_since_last_save). */
  dirty = 0;
  lastSave = Math.floor(Date.now() / 1000);
  lastBgsaveStatus = 'ok';
  /** The client whose command runs now (null in cron). */
  current: Client | null = null;
  /** Clock of the command being executed. */
  private cmdTime = Date.now();
  /** Nesting of MULTI/EXEC or scripts: time is frozen and wake-ups wait. */
  execDepth = 0;
  /** Keyspace notification flags (notify-keyspace-events). */
  notifyFlags = 0;
  /** LRU clock in seconds (24 bits), refreshed by the cron. */
  lruClock = 0;
  listeners: net.Server[] = [];
  port = 0;
  private cronTimer: NodeJS.Timeout | null = null;
  private closing: Promise<void> | null = null;
  /** True when closing is complete; embedders await close(). */
  shutdownRequested = false;
  readonly expiryFrozen = false;
  /** Listeners for every change that must reach AOF and replicas. */
  readonly propagators: ((dbid: number, argv: string[]) => void)[] = [];
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
    this.slowlog = new SlowLog(this);
    this.evictor = new Evictor(this);
    this.notifyFlags = keyspaceEventsFromString(this.config.str('notify-keyspace-events')) ?? 0;
    this.lruClock = lruClockNow();
    this.installConfigHooks();
  }

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
      this.notifyFlags = keyspaceEventsFromString(v as string) ?? 0;
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
  }

  // ---- DbHost -------------------------------------------------------------

  now(): number {
    return this.cmdTime;
  }

  touch(db: Database, e: number): void {
    const c = this.current;
    if (c !== null && c.noTouch && c.cmd !== null && c.cmd.fullName !== 'touch') return;
    if (this.evictor.lfu) db.dict.lru[e] = this.evictor.lfuTouch(db.dict.lru[e]);
    else db.dict.lru[e] = this.lruClock;
  }

  keyExpired(db: Database, key: string): void {
    this.notify(NOTIFY_EXPIRED, 'expired', key, db.id);
    this.keyModified(db, key);
    this.propagate(db.id, [this.config.bool('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key]);
  }

  /** Databases with values changed in place during this command (memory accounting). */
  readonly unsettled: Database[] = [];

  keyAdded(db: Database, key: string): void {
    if (this.blocking.count !== 0) this.blocking.signalReady(db, key);
  }

  keyModified(db: Database, key: string): void {
    this.dirty++;
    if (this.watchedKeys !== 0) this.touchWatched(db, key);
  }

  notify(type: number, event: string, key: string, dbid: number): void {
    const flags = this.notifyFlags;
    if ((flags & type) === 0) return;
    if (flags & NOTIFY_KEYSPACE) this.pubsub.publish(`__keyspace@${dbid}__:${key}`, event);
    if (flags & NOTIFY_KEYEVENT) this.pubsub.publish(`__keyevent@${dbid}__:${event}`, key);
  }

  // ---- WATCH --------------------------------------------------------------

  /** Watched keys by "dbid:key" -> clients. */
  readonly watchers = new Map<string, Set<Client>>();
  watchedKeys = 0;

  touchWatched(db: Database, key: string): void {
    const set = this.watchers.get(db.id + ':' + key);
    if (set === undefined) return;
    for (const c of set) c.watchDirty = true;
  }

  /** Every watched key of db is touched (FLUSHDB, SWAPDB). */
  touchAllWatched(db: Database, alsoKeysOf?: Database): void {
    if (this.watchedKeys === 0) return;
    for (const [k, set] of this.watchers) {
      const i = k.indexOf(':');
      const id = Number(k.slice(0, i));
      if (id !== db.id) continue;
      const key = k.slice(i + 1);
      // Redis marks a watcher dirty only when the key existed (or exists after a swap).
      if (db.exists(key) || (alsoKeysOf !== undefined && alsoKeysOf.exists(key))) for (const c of set) c.watchDirty = true;
    }
  }

  watch(c: Client, db: Database, key: string): void {
    c.watched ??= new Map();
    const id = db.id + ':' + key;
    if (c.watched.has(id)) return;
    c.watched.set(id, db);
    let set = this.watchers.get(id);
    if (!set) {
      set = new Set();
      this.watchers.set(id, set);
    }
    set.add(c);
    this.watchedKeys++;
  }

  unwatchAll(c: Client): void {
    if (c.watched === null) return;
    for (const id of c.watched.keys()) {
      const set = this.watchers.get(id);
      if (set) {
        set.delete(c);
        if (set.size === 0) this.watchers.delete(id);
      }
      this.watchedKeys--;
    }
    c.watched = null;
    c.watchDirty = false;
  }

  // ---- propagation --------------------------------------------------------

  /** Send an effect to AOF and replicas (no-op until those are attached). */
  propagate(dbid: number, argv: string[]): void {
    if (this.propagators.length === 0) return;
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
    c.error(msg);
  }

  /** processCommand: every check a command passes before it runs, then run it. */
  execute(c: Client, argv: string[]): void {
    this.cmdTime = Date.now();
    c.argv = argv;
    const cmd = this.registry.lookup(argv);
    if (cmd === undefined || cmd.handler === null && cmd.subcommands === null) {
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
    if (!c.authenticated && !(flags & CMD_NO_AUTH)) {
      this.reject(c, cmd, 'NOAUTH Authentication required.');
      return;
    }
    if (c.multi !== null && flags & CMD_NO_MULTI) {
      this.reject(c, cmd, 'ERR Command not allowed inside a transaction');
      return;
    }
    if (this.config.num('maxmemory') > 0) {
      const outOfMemory = !this.evictor.perform();
      let rejectOnOom = (flags & CMD_DENYOOM) !== 0 || (cmd.fullName === 'exec' && c.multi !== null && this.multiHasDenyOom(c));
      // Queuing inside MULTI grows memory without bound: refuse it too.
      const n = cmd.fullName;
      if (c.multi !== null && n !== 'exec' && n !== 'discard' && n !== 'quit' && n !== 'reset') rejectOnOom = true;
      if (outOfMemory && rejectOnOom) {
        this.reject(c, cmd, "OOM command not allowed when used memory > 'maxmemory'.");
        return;
      }
    }
    if (c.resp === 2 && this.inPubSubContext(c) && !allowedInPubSub(cmd)) {
      this.reject(
        c,
        cmd,
        `ERR Can't execute '${cmd.fullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
      );
      return;
    }
    if (c.multi !== null && !isMultiControl(cmd)) {
      c.multi.queue.push({ cmd, argv });
      c.w.raw('+QUEUED\r\n');
      return;
    }
    this.call(c, cmd, argv);
    if (this.blocking.hasReady) this.blocking.handleReady();
    this.afterCommand();
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
    const errorsBefore = this.stats.totalErrorReplies;
    const replyMode = c.replyMode;
    if (replyMode === ReplyMode.Off || replyMode === ReplyMode.Skip) c.w.muted = true;
    c.justBlocked = false;
    const start = performance.now();
    try {
      cmd.handler!(c, argv);
    } catch (e) {
      // A handler bug must not take the server down: answer and log it.
      this.log.warning(`Error executing '${cmd.fullName}': ${(e as Error).stack ?? e}`);
      c.error(`ERR internal error executing '${cmd.fullName}': ${(e as Error).message}`);
      this.stats.unexpectedErrorReplies++;
    }
    const usec = (performance.now() - start) * 1000;
    if (replyMode === ReplyMode.Skip) {
      c.replyMode = ReplyMode.On;
    }
    if (c.replyMode === ReplyMode.SkipNext) c.replyMode = ReplyMode.Skip;
    c.w.muted = c.replyMode === ReplyMode.Off;
    if (this.unsettled.length !== 0) {
      for (const db of this.unsettled) db.settle();
      this.unsettled.length = 0;
    }
    // A client that blocked is counted when it is served or times out.
    if (!c.justBlocked) this.recordCall(c, cmd, argv, usec, this.stats.totalErrorReplies !== errorsBefore);
    if (this.dirty !== dirtyBefore && cmd.flags & CMD_WRITE && c.propagateAs === null) this.propagate(c.db.id, argv);
    if (c.propagateAs !== null) {
      for (const a of c.propagateAs) this.propagate(c.db.id, a);
      c.propagateAs = null;
    }
    this.current = prevCurrent;
  }

  /** Statistics, slowlog and MONITOR for one executed command. */
  recordCall(c: Client, cmd: Command, argv: string[], usec: number, failed: boolean): void {
    cmd.stats.calls++;
    cmd.stats.usec += usec;
    if (failed) cmd.stats.failedCalls++;
    this.stats.totalCommands++;
    c.lastCmd = cmd.fullName;
    if (!(cmd.flags & CMD_SKIP_SLOWLOG)) this.slowlog.maybeAdd(c, argv, usec);
    if (this.monitors.size > 0 && !(cmd.flags & (CMD_SKIP_MONITOR | CMD_ADMIN))) this.feedMonitors(c, argv);
  }

  /** Work after each top-level command: accounting, pending flushes of other clients. */
  private afterCommand(): void {
    if (this.pendingClients.length > 0) this.flushPending();
  }

  flushPending(): void {
    const list = this.pendingClients;
    this.pendingClients = [];
    for (const c of list) c.flush();
  }

  feedMonitors(c: Client, argv: string[]): void {
    const now = Date.now();
    let line = `+${Math.floor(now / 1000)}.${String((now % 1000) * 1000).padStart(6, '0')} [${c.db.id} ${c.socket ? c.remoteAddr : 'lua'}]`;
    for (const a of argv) line += ' "' + reprArg(a) + '"';
    line += '\r\n';
    for (const m of this.monitors) {
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

  /** Memory not counted against maxmemory's dataset: tables and client buffers. */
  baseMemory(): number {
    let n = STARTUP_MEMORY;
    for (const db of this.dbs) n += db.dict.bucketCount * 8;
    for (const c of this.clients.values()) n += c.totalMem();
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
      sock.end('-ERR max number of clients reached\r\n');
      return;
    }
    if (this.protectedModeDenies(sock)) {
      this.stats.rejectedConnections++;
      sock.end(PROTECTED_MODE_ERR);
      return;
    }
    const tcpKeepalive = this.config.num('tcp-keepalive');
    if (tcpKeepalive > 0) sock.setKeepAlive(true, tcpKeepalive * 1000);
    const c = new Client(this, sock);
    this.clients.set(c.id, c);
    this.stats.totalConnections++;
    sock.on('data', (d: Buffer) => {
      this.stats.netInputBytes += d.length;
      c.onData(d);
      if (this.pendingClients.length > 0) this.flushPending();
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
    this.cmdTime = Date.now();
    this.lruClock = lruClockNow();
    this.cronLoops++;
    const hz = Math.min(500, Math.max(1, this.config.num('hz')));
    activeExpireCycle(this, 1000 / hz);
    if (this.config.bool('activerehashing')) for (const db of this.dbs) if (db.dict.rehashing) db.dict.rehashFor(1);
    this.sampleStats();
    this.clientsCron();
    if (this.config.num('maxmemory') > 0) this.evictor.perform();
    if (this.pendingClients.length > 0) this.flushPending();
  }

  private sampleStats(): void {
    const s = this.stats;
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
    this.cronWanted = true;
    this.startCron();
  }

  /**
   * SHUTDOWN or a signal: stop serving and exit. Returns false when the
   * shutdown was refused (nothing here refuses yet; saving comes with persistence).
   */
  async shutdown(_reason: 'sigint' | 'sigterm' | 'command', _flags: { save?: boolean; nosave?: boolean; now?: boolean; force?: boolean } = {}): Promise<boolean> {
    this.shutdownRequested = true;
    this.log.warning('User requested shutdown...');
    this.log.notice('Cinnabar is now ready to exit, bye bye...');
    await this.close();
    return true;
  }

  /** Stop listening, disconnect clients and stop timers. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = (async () => {
      if (this.cronTimer) clearInterval(this.cronTimer);
      this.cronTimer = null;
      this.blocking.clearTimers();
      await Promise.all(this.listeners.map((l) => new Promise<void>((r) => l.close(() => r()))));
      this.listeners = [];
      for (const c of [...this.clients.values()]) {
        c.socket?.destroy();
        c.close();
      }
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
const STARTUP_MEMORY = 862_000;

const PROTECTED_MODE_ERR =
  "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

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

function allowedInPubSub(cmd: Command): boolean {
  const n = cmd.fullName;
  return (
    n === 'ping' || n === 'subscribe' || n === 'ssubscribe' || n === 'unsubscribe' || n === 'sunsubscribe' ||
    n === 'psubscribe' || n === 'punsubscribe' || n === 'quit' || n === 'reset'
  );
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
