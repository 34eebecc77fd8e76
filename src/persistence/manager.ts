/**
 * RDB persistence for one server: SAVE and BGSAVE, save points, the save on
 * shutdown, loading dump.rdb at startup, DEBUG RELOAD, the MISCONF write
 * refusal after a failed background save, SYNC for `redis-cli --rdb`, and the
 * INFO persistence fields. Redis's rdb.c/server.c/replication.c behaviour,
 * with Snapshot (snapshot.ts) standing in for the forked child.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as crypto from 'crypto';
import type { Server } from '../server/server';
import type { Client } from '../server/client';
import type { Command } from '../commands/registry';
import { CMD_WRITE } from '../commands/registry';
import type { Database } from '../db/database';
import type { Dict } from '../db/dict';
import type { Value } from '../db/values';
import { RdbError } from './rdb-encoding';
import { fileReader, loadRdb, type AuxInfo, type KeyMeta, type LoadResult } from './rdb-file';
import { Snapshot, type SnapshotOptions } from './snapshot';
import type { LoadContext, SaveOptions } from './rdb-values';

const LRU_CLOCK_MAX = 0xffffff;
/** CONFIG_BGSAVE_RETRY_DELAY: seconds before retrying a failed background save from the cron. */
const BGSAVE_RETRY_DELAY = 5;
/** Time slice of snapshot work per event-loop turn (ms). */
const SLICE_MS = 4;
/** Pause the snapshot while this many bytes wait for the disk or socket. */
const HIGH_WATER = 8 << 20;
/** rdb-save-incremental-fsync: fdatasync every this many bytes. */
const AUTOSYNC_BYTES = 4 << 20;

export const MISCONF_ERR =
  "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export function errText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOENT': return 'No such file or directory';
    case 'EACCES': return 'Permission denied';
    case 'ENOSPC': return 'No space left on device';
    case 'EROFS': return 'Read-only file system';
    case 'EISDIR': return 'Is a directory';
    case 'ENOTDIR': return 'Not a directory';
    case 'EIO': return 'Input/output error';
    default: return err.message ?? String(e);
  }
}

// ---- output sinks -------------------------------------------------------------------------------

interface Sink {
  write(chunk: Buffer): void;
  /** Bytes accepted but not yet written out. */
  backlog(): number;
  /** Call cb once the backlog is low again. */
  onDrain(cb: () => void): void;
  failed(): Error | null;
}

/** Sequential asynchronous writes to a file descriptor. */
export class FileSink implements Sink {
  private queue: Buffer[] = [];
  private queued = 0;
  private busy = false;
  private error: Error | null = null;
  private drainCb: (() => void) | null = null;
  private idleCb: (() => void) | null = null;
  private sinceSync = 0;

  constructor(
    readonly fd: number,
    private readonly incrementalFsync: boolean,
  ) {}

  write(chunk: Buffer): void {
    if (this.error !== null) return;
    this.queue.push(chunk);
    this.queued += chunk.length;
    this.pump();
  }

  backlog(): number {
    return this.queued;
  }

  failed(): Error | null {
    return this.error;
  }

  onDrain(cb: () => void): void {
    this.drainCb = cb;
  }

  /** Call cb when everything queued is written (or failed). */
  whenIdle(cb: () => void): void {
    if (!this.busy && this.queue.length === 0) cb();
    else this.idleCb = cb;
  }

  private pump(): void {
    if (this.busy || this.error !== null) return;
    if (this.queue.length === 0) {
      const cb = this.idleCb;
      this.idleCb = null;
      cb?.();
      return;
    }
    this.busy = true;
    if (this.incrementalFsync && this.sinceSync >= AUTOSYNC_BYTES) {
      this.sinceSync = 0;
      fs.fdatasync(this.fd, (err) => {
        this.busy = false;
        if (err) return this.fail(err);
        this.pump();
      });
      return;
    }
    const b = this.queue.length === 1 ? this.queue[0] : Buffer.concat(this.queue.splice(0, Math.min(this.queue.length, 64)));
    if (this.queue.length !== 0 && this.queue[0] === b) this.queue.shift();
    this.writeAll(b, 0);
  }

  private writeAll(b: Buffer, off: number): void {
    fs.write(this.fd, b, off, b.length - off, null, (err, n) => {
      if (this.error !== null) {
        // Aborted meanwhile.
        this.busy = false;
        const cb = this.idleCb;
        this.idleCb = null;
        cb?.();
        return;
      }
      if (err) return this.fail(err);
      off += n;
      this.queued -= n;
      this.sinceSync += n;
      if (off < b.length) return this.writeAll(b, off);
      this.busy = false;
      if (this.drainCb !== null && this.queued < HIGH_WATER / 2) {
        const cb = this.drainCb;
        this.drainCb = null;
        cb();
      }
      this.pump();
    });
  }

  /** Drop what is queued and close the file once no write is in flight (the fd must not be reused under a write). */
  closeWhenIdle(): void {
    this.error ??= new Error('aborted');
    this.queue = [];
    this.queued = 0;
    const close = () => {
      if (this.fd >= 0) fs.close(this.fd, () => undefined);
    };
    if (!this.busy) close();
    else this.idleCb = close;
  }

  private fail(err: Error): void {
    this.error = err;
    this.busy = false;
    this.queue = [];
    this.queued = 0;
    const d = this.drainCb;
    this.drainCb = null;
    d?.();
    const cb = this.idleCb;
    this.idleCb = null;
    cb?.();
  }
}

/** Writes to a replica's socket. */
class SocketSink implements Sink {
  private error: Error | null = null;

  constructor(private readonly c: Client) {
    c.socket!.on('close', () => {
      this.error ??= new Error('Connection lost');
    });
  }

  write(chunk: Buffer): void {
    if (this.error !== null || this.c.socket === null || this.c.socket.destroyed) {
      this.error ??= new Error('Connection lost');
      return;
    }
    this.c.server.stats.netOutputBytes += chunk.length;
    this.c.socket.write(chunk);
  }

  backlog(): number {
    return this.c.socket?.writableLength ?? 0;
  }

  onDrain(cb: () => void): void {
    const s = this.c.socket;
    if (s === null || s.destroyed) return cb();
    s.once('drain', cb);
    s.once('close', cb);
  }

  failed(): Error | null {
    return this.error;
  }
}

/** Collects the whole payload in memory. */
class MemorySink implements Sink {
  chunks: Buffer[] = [];
  write(chunk: Buffer): void {
    this.chunks.push(chunk);
  }
  backlog(): number {
    return 0;
  }
  onDrain(cb: () => void): void {
    cb();
  }
  failed(): Error | null {
    return null;
  }
}

// ---- replicas (SYNC) ----------------------------------------------------------------------------

/** What REPLCONF told us about a connection. */
export interface ReplicaConf {
  listeningPort: number;
  ipAddress: string;
  capaEof: boolean;
  capaPsync2: boolean;
  rdbOnly: boolean;
  /** REPLCONF rdb-filter-only: exclude the data (functions only). */
  excludeData: boolean;
}

interface WaitingReplica {
  c: Client;
  conf: ReplicaConf;
  since: number;
}

// ---- the running background save ------------------------------------------------------------------

interface ActiveSave {
  kind: 'disk' | 'socket';
  snapshot: Snapshot;
  sink: Sink;
  tmpPath: string;
  started: number;
  timer: NodeJS.Timeout | NodeJS.Immediate | null;
  done: boolean;
  /** Replicas served by this save. */
  replicas: WaitingReplica[];
  /** EOF mark of a diskless transfer. */
  eofMark: string;
  /** Where a disk save ends up (fixed when it starts, as the child's working directory). */
  finalPath: string;
  /** The temp file's descriptor still needs closing on failure. */
  sinkOpen: boolean;
}

/** Flags SHUTDOWN and signals pass. */
export interface ShutdownFlags {
  save?: boolean;
  nosave?: boolean;
  now?: boolean;
  force?: boolean;
}

const managers = new WeakMap<Server, RdbManager>();

export class RdbManager {
  /** stat_rdb_saves: SAVE and BGSAVE attempts. */
  saves = 0;
  private dirtyBeforeBgsave = 0;
  bgsaveScheduled = false;
  private lastBgsaveTry = 0;
  /** rdb_last_bgsave_time_sec. */
  lastBgsaveTimeSec = -1;
  lastLoadKeysLoaded = 0;
  lastLoadKeysExpired = 0;
  /** DEBUG SET-SKIP-CHECKSUM-VALIDATION. */
  skipChecksum = false;
  active: ActiveSave | null = null;
  private waiting: WaitingReplica[] = [];
  private lastPing = 0;
  private readonly replicaConf = new WeakMap<Client, ReplicaConf>();
  /** The last background save's failure, for tests. */
  lastError: string | null = null;
  /** The last finished background snapshot's hook counters (tests). */
  lastCounters: Snapshot['counters'] | null = null;
  /** Another background operation runs (an AOF rewrite): no background save may start (hasActiveChildProcess). */
  otherChild: () => boolean = () => false;

  static of(s: Server): RdbManager {
    let m = managers.get(s);
    if (m === undefined) {
      m = new RdbManager(s);
      managers.set(s, m);
    }
    return m;
  }

  private constructor(private readonly s: Server) {
    // FLUSHALL ends a background save and (with save points) saves the empty dataset.
    s.flushAllHooks.push(() => this.afterFlushall());
  }

  // ---- configuration ----------------------------------------------------------------------------

  /** The `save` points as [seconds, changes] pairs. */
  saveParams(): [number, number][] {
    const parts = this.s.config.str('save').split(' ').filter(Boolean).map(Number);
    const out: [number, number][] = [];
    for (let i = 0; i + 1 < parts.length; i += 2) out.push([parts[i], parts[i + 1]]);
    return out;
  }

  get rdbPath(): string {
    return path.join(this.s.dir, this.s.config.str('dbfilename'));
  }

  private saveOptions(): SaveOptions {
    return { compressDepth: this.s.config.num('list-compress-depth'), packedThreshold: this.s.quicklistPackedThreshold };
  }

  snapshotOptions(repl: boolean, excludeData = false): SnapshotOptions {
    const s = this.s;
    const policy = s.config.str('maxmemory-policy');
    const lru = policy.endsWith('-lru');
    const lfu = policy.endsWith('-lfu');
    const aux: AuxInfo = {
      usedMem: s.usedMemory(),
      repl: repl ? { streamDb: 0, replId: s.replId, offset: 0 } : null,
      aofBase: false,
    };
    return {
      compress: s.config.bool('rdbcompression'),
      checksum: s.config.bool('rdbchecksum'),
      aux,
      save: this.saveOptions(),
      excludeData,
      meta: (d: Dict<Value>, e: number): KeyMeta => ({
        expire: d.getExpireExact(e),
        idle: lru ? Math.floor(s.evictor.idleMs(d.lruAt(e)) / 1000) : -1,
        freq: lfu ? s.evictor.lfuDecayed(d.lruAt(e)) : -1,
      }),
    };
  }

  loadContext(): LoadContext {
    return { limits: this.s.limits, now: Date.now() };
  }

  // ---- SAVE ----------------------------------------------------------------------------------------

  /**
   * rdbSave: write the dataset to dbfilename synchronously (through a temp
   * file renamed into place). Logs and returns false on failure.
   */
  saveSync(): boolean {
    const s = this.s;
    const dir = s.dir;
    const tmpName = `temp-${process.pid}.rdb`;
    const tmp = path.join(dir, tmpName);
    let fd: number;
    try {
      fd = fs.openSync(tmp, 'w');
    } catch (e) {
      s.log.warning(`Failed opening the temp RDB file ${tmpName} (in server root dir ${dir}) for saving: ${errText(e)}`);
      return false;
    }
    let op = 'rdbSaveRio';
    try {
      const snap = new Snapshot(s.dbs, this.snapshotOptions(false), (chunk) => writeFully(fd, chunk));
      snap.runToEnd();
      snap.end();
      op = 'fsync';
      fs.fsyncSync(fd);
      op = 'fclose';
      fs.closeSync(fd);
      fd = -1;
    } catch (e) {
      if (fd >= 0) fs.closeSync(fd);
      s.log.warning(`Write error saving DB on disk(${op}): ${errText(e)}`);
      tryUnlink(tmp);
      return false;
    }
    try {
      fs.renameSync(tmp, this.rdbPath);
    } catch (e) {
      s.log.warning(`Error moving temp DB file ${tmpName} on the final destination ${s.config.str('dbfilename')} (in server root dir ${dir}): ${errText(e)}`);
      tryUnlink(tmp);
      return false;
    }
    fsyncDir(dir);
    s.log.notice('DB saved on disk');
    s.dirty = 0;
    s.lastSave = unixSeconds();
    s.lastBgsaveStatus = 'ok';
    return true;
  }

  // ---- BGSAVE ---------------------------------------------------------------------------------------

  get inProgress(): boolean {
    return this.active !== null;
  }

  /**
   * rdbSaveBackground to dbfilename. Returns false only when a save is
   * already running; file errors surface later as a failed save, as with
   * Redis's child.
   */
  bgsave(replicas: WaitingReplica[] = []): boolean {
    if (this.active !== null || this.otherChild()) return false;
    const s = this.s;
    this.saves++;
    this.dirtyBeforeBgsave = s.dirty;
    this.lastBgsaveTry = unixSeconds();
    const tmp = path.join(s.dir, `temp-${process.pid}-bg.rdb`);
    let fd = -1;
    let openError: unknown = null;
    try {
      fd = fs.openSync(tmp, 'w');
    } catch (e) {
      openError = e;
    }
    s.log.notice(`Background saving started by pid ${process.pid}`);
    const sink = new FileSink(fd, s.config.bool('rdb-save-incremental-fsync'));
    const snapshot = new Snapshot(s.dbs, this.snapshotOptions(replicas.length > 0), (chunk) => sink.write(chunk));
    const a: ActiveSave = {
      kind: 'disk', snapshot, sink, tmpPath: tmp, started: Date.now(), timer: null, done: false, replicas, eofMark: '',
      finalPath: this.rdbPath, sinkOpen: fd >= 0,
    };
    this.active = a;
    if (openError !== null) {
      s.log.warning(`Failed opening the temp RDB file temp-${process.pid}-bg.rdb (in server root dir ${s.dir}) for saving: ${errText(openError)}`);
      a.timer = setImmediate(() => this.finishDisk(a, false));
      return true;
    }
    snapshot.install();
    this.schedule(a, true);
    return true;
  }

  private schedule(a: ActiveSave, immediate: boolean): void {
    if (a.done) return;
    const delayUs = this.s.config.num('rdb-key-save-delay');
    if (delayUs > 0 && !immediate) a.timer = setTimeout(() => this.tick(a), Math.max(1, Math.floor(delayUs / 1000)));
    else a.timer = setImmediate(() => this.tick(a));
  }

  private tick(a: ActiveSave): void {
    a.timer = null;
    if (a.done) return;
    if (a.sink.failed() !== null) return this.fail(a);
    if (a.sink.backlog() > HIGH_WATER) {
      a.sink.onDrain(() => {
        if (!a.done && a.timer === null) this.schedule(a, true);
      });
      return;
    }
    const delayUs = this.s.config.num('rdb-key-save-delay');
    const maxKeys = delayUs > 0 ? Math.max(1, Math.floor(1000 / delayUs)) : Infinity;
    let finished: boolean;
    try {
      finished = a.snapshot.step(performance.now() + SLICE_MS, maxKeys);
    } catch (e) {
      this.s.log.warning(`Error while saving: ${(e as Error).stack ?? e}`);
      return this.fail(a);
    }
    if (!finished) return this.schedule(a, false);
    a.snapshot.end();
    if (a.kind === 'disk') this.completeDisk(a);
    else this.completeSocket(a);
  }

  private fail(a: ActiveSave): void {
    if (a.kind === 'disk') this.finishDisk(a, false);
    else this.finishSocket(a, false);
  }

  private completeDisk(a: ActiveSave): void {
    const sink = a.sink as FileSink;
    sink.whenIdle(() => {
      if (a.done) return;
      if (sink.failed() !== null) {
        this.s.log.warning(`Write error saving DB on disk: ${errText(sink.failed())}`);
        return this.finishDisk(a, false);
      }
      fs.fsync(sink.fd, (err) => {
        if (a.done) return;
        if (err) {
          this.s.log.warning(`Write error saving DB on disk(fsync): ${errText(err)}`);
          return this.finishDisk(a, false);
        }
        a.sinkOpen = false;
        fs.close(sink.fd, (err2) => {
          if (a.done) return;
          if (err2) return this.finishDisk(a, false);
          fs.rename(a.tmpPath, a.finalPath, (err3) => {
            if (a.done) return;
            if (err3) {
              this.s.log.warning(
                `Error moving temp DB file ${path.basename(a.tmpPath)} on the final destination ${this.s.config.str('dbfilename')} (in server root dir ${this.s.dir}): ${errText(err3)}`,
              );
              return this.finishDisk(a, false);
            }
            fsyncDir(path.dirname(a.finalPath));
            this.s.log.notice('DB saved on disk');
            this.finishDisk(a, true);
          });
        });
      });
    });
  }

  /** backgroundSaveDoneHandlerDisk. */
  private finishDisk(a: ActiveSave, ok: boolean, bySignal = false): void {
    if (a.done) return;
    a.done = true;
    if (a.timer !== null) {
      clearTimeout(a.timer as NodeJS.Timeout);
      clearImmediate(a.timer as NodeJS.Immediate);
    }
    a.snapshot.abort();
    this.lastCounters = a.snapshot.counters;
    if (this.active === a) this.active = null;
    const s = this.s;
    this.lastBgsaveTimeSec = unixSeconds() - Math.floor(a.started / 1000);
    if (!ok) {
      if (a.sinkOpen) (a.sink as FileSink).closeWhenIdle();
      tryUnlink(a.tmpPath);
    }
    if (bySignal) {
      s.log.warning('Background saving terminated by signal 10');
    } else if (ok) {
      s.log.notice('Background saving terminated with success');
      s.dirty = s.dirty - this.dirtyBeforeBgsave;
      s.lastSave = unixSeconds();
      s.lastBgsaveStatus = 'ok';
      this.lastError = null;
    } else {
      s.log.warning('Background saving error');
      s.lastBgsaveStatus = 'err';
      this.lastError = (a.sink.failed() as Error | null)?.message ?? 'error';
    }
    // Replicas that waited for this file.
    for (const r of a.replicas) {
      if (ok) this.sendFile(r);
      else this.dropReplica(r, 'BGSAVE failed');
    }
    this.startWaiting();
  }

  /** Abort a running background save (killRDBChild). */
  kill(): void {
    const a = this.active;
    if (a === null) return;
    if (a.kind === 'disk') this.finishDisk(a, false, true);
    else this.finishSocket(a, false, true);
  }

  /** The server closes: end any background save and replica transfer quietly. */
  stop(): void {
    if (this.active !== null) this.kill();
    for (const r of this.waiting) this.closeReplica(r);
    this.waiting = [];
  }

  /** Seconds the running save has taken (rdb_current_bgsave_time_sec). */
  currentSaveSeconds(): number {
    return this.active === null ? -1 : unixSeconds() - Math.floor(this.active.started / 1000);
  }

  // ---- FLUSHALL -------------------------------------------------------------------------------------

  private afterFlushall(): void {
    if (this.active !== null) this.kill();
    if (this.saveParams().length > 0) this.saveSync();
  }

  // ---- cron -------------------------------------------------------------------------------------------

  /** serverCron's share: save points, scheduled BGSAVE, replicas waiting for a save. */
  cron(): void {
    const s = this.s;
    const now = unixSeconds();
    if (this.waiting.length > 0 && Date.now() - this.lastPing >= 1000) {
      this.lastPing = Date.now();
      // Replicas waiting for the save get a newline per second (keeps the link alive).
      for (const r of this.waiting) r.c.socket?.write('\n');
    }
    if (this.active !== null || this.otherChild()) return;
    const retryOk = now - this.lastBgsaveTry > BGSAVE_RETRY_DELAY || s.lastBgsaveStatus === 'ok';
    for (const [seconds, changes] of this.saveParams()) {
      if (s.dirty >= changes && now - s.lastSave > seconds && retryOk) {
        s.log.notice(`${changes} changes in ${seconds} seconds. Saving...`);
        this.bgsave();
        return;
      }
    }
    this.startWaiting();
    if (this.active === null && this.bgsaveScheduled && retryOk) {
      if (this.bgsave()) this.bgsaveScheduled = false;
    }
  }

  // ---- MISCONF --------------------------------------------------------------------------------------

  /** writeCommandsDeniedByDiskError, as processCommand applies it: the error, or null. */
  denyWrite(c: Client, cmd: Command): string | null {
    const s = this.s;
    if (s.lastBgsaveStatus !== 'err' || !s.config.bool('stop-writes-on-bgsave-error')) return null;
    if (this.saveParams().length === 0) return null;
    let write = (cmd.flags & CMD_WRITE) !== 0 || cmd.fullName === 'ping';
    if (!write && cmd.fullName === 'exec' && c.multi !== null) {
      for (const q of c.multi.queue) if (q.cmd.flags & CMD_WRITE) write = true;
    }
    return write ? MISCONF_ERR : null;
  }

  // ---- loading ------------------------------------------------------------------------------------------

  /**
   * rdbLoad of a file into the databases (which should be empty unless
   * allowDup). Returns null when the file does not exist.
   */
  loadFile(file: string, allowDup = false): LoadResult | null {
    const s = this.s;
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    const policy = s.config.str('maxmemory-policy');
    const lfu = policy.endsWith('-lfu');
    const notify = s.notifyFlags;
    const dirty = s.dirty;
    const loading = s.loading;
    s.notifyFlags = 0;
    s.loading = true;
    try {
      const r = fileReader(fd);
      const res = loadRdb(r, {
        dbs: s.dbs,
        ctx: this.loadContext(),
        checksum: s.config.bool('rdbchecksum') && !this.skipChecksum,
        skipExpired: true,
        allowDup,
        store: (db: Database, key: string, v: Value, expire: number | bigint, idle: number, freq: number) => {
          const e = db.add(key, v);
          if (expire !== 0) db.dict.setExpireExact(e, expire);
          setLruOrLfu(s, db, e, lfu, freq, idle);
        },
        log: (level, msg) => (level === 'notice' ? s.log.notice(msg) : s.log.warning(msg)),
      });
      this.lastLoadKeysLoaded = res.keysLoaded;
      this.lastLoadKeysExpired = res.keysExpired;
      s.log.notice(`Done loading RDB, keys loaded: ${res.keysLoaded}, keys expired: ${res.keysExpired}.`);
      return res;
    } finally {
      fs.closeSync(fd);
      s.notifyFlags = notify;
      s.dirty = dirty;
      s.loading = loading;
    }
  }

  /** loadDataFromDisk: dump.rdb at startup. Throws (after logging) when the file is unusable. */
  loadAtStartup(): void {
    const s = this.s;
    if (s.config.bool('appendonly')) return; // the AOF is the source of truth then
    const t0 = performance.now();
    try {
      const res = this.loadFile(this.rdbPath);
      if (res === null) return;
      s.log.notice(`DB loaded from disk: ${((performance.now() - t0) / 1000).toFixed(3)} seconds`);
    } catch (e) {
      if (e instanceof RdbError) {
        if (/^Unexpected EOF/.test(e.message)) s.log.warning('Short read or OOM loading DB. Unrecoverable error, aborting now.');
        s.log.warning(`Internal error in RDB reading -> ${e.message}`);
        s.log.warning('Terminating server after rdb file reading failure.');
      } else {
        s.log.warning(`Fatal error loading the DB: ${errText(e)}. Exiting.`);
      }
      for (const db of s.dbs) db.flush();
      throw e;
    }
  }

  /** DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: the reply is written here. */
  debugReload(c: Client, opts: string[]): void {
    const s = this.s;
    let flush = true, save = true, merge = false;
    for (const o of opts) {
      const l = o.toLowerCase();
      if (l === 'merge') merge = true;
      else if (l === 'noflush') flush = false;
      else if (l === 'nosave') save = false;
      else {
        c.error('ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
        return;
      }
    }
    if (save && !this.saveSync()) {
      c.error('ERR');
      return;
    }
    if (flush) {
      for (const db of s.dbs) {
        s.touchAllWatched(db);
        db.flush();
      }
    }
    let ok = true;
    try {
      const res = this.loadFile(this.rdbPath, merge);
      if (res === null) ok = false;
    } catch (e) {
      s.log.warning(`Error loading the RDB: ${(e as Error).message}`);
      ok = false;
    }
    if (!ok) {
      c.error('ERR Error trying to load the RDB dump, check server logs.');
      return;
    }
    s.log.warning('DB reloaded by DEBUG RELOAD');
    c.w.ok();
  }

  // ---- shutdown -----------------------------------------------------------------------------------------

  /**
   * prepareForShutdown's persistence part: stop a background save and, when
   * save points exist (or SAVE is given, and not NOSAVE), save synchronously.
   * Returns false when the save failed and the shutdown must not go on.
   */
  prepareShutdown(reason: 'sigint' | 'sigterm' | 'command', flags: ShutdownFlags): boolean {
    const s = this.s;
    const f = { ...flags };
    if (reason !== 'command') {
      const conf = s.config.str(reason === 'sigint' ? 'shutdown-on-sigint' : 'shutdown-on-sigterm').split(' ');
      if (conf.includes('save')) f.save = true;
      if (conf.includes('nosave')) f.nosave = true;
      if (conf.includes('force')) f.force = true;
      if (conf.includes('now')) f.now = true;
    }
    if (this.active !== null) {
      if (this.active.kind === 'disk') s.log.warning('There is a child saving an .rdb. Killing it!');
      this.kill();
    }
    for (const r of this.waiting) this.dropReplica(r, 'shutdown');
    this.waiting = [];
    if ((this.saveParams().length > 0 && !f.nosave) || f.save) {
      s.log.notice('Saving the final RDB snapshot before exiting.');
      if (!this.saveSync()) {
        if (f.force) s.log.warning('Error trying to save the DB. Exit anyway.');
        else {
          s.log.warning("Error trying to save the DB, can't exit.");
          return false;
        }
      }
    }
    return true;
  }

  // ---- SYNC (redis-cli --rdb) --------------------------------------------------------------------------

  conf(c: Client): ReplicaConf {
    let r = this.replicaConf.get(c);
    if (r === undefined) {
      r = { listeningPort: 0, ipAddress: '', capaEof: false, capaPsync2: false, rdbOnly: false, excludeData: false };
      this.replicaConf.set(c, r);
    }
    return r;
  }

  private replicaName(r: WaitingReplica): string {
    const host = r.conf.ipAddress || (r.c.remoteAddr.startsWith('[') ? r.c.remoteAddr.slice(1, r.c.remoteAddr.lastIndexOf(']')) : r.c.remoteAddr.slice(0, r.c.remoteAddr.lastIndexOf(':')));
    return `${host}:${r.conf.listeningPort > 0 ? r.conf.listeningPort : '<unknown-replica-port>'}`;
  }

  /** SYNC: stream the dataset to c as a full synchronization does; the connection closes after it. */
  sync(c: Client): void {
    const s = this.s;
    const conf = this.conf(c);
    const r: WaitingReplica = { c, conf, since: Date.now() };
    s.log.notice(`Replica ${this.replicaName(r)} asks for synchronization`);
    // The connection reads no more commands: it is a replica link now.
    s.blocking.block(c, [], 0, () => undefined);
    c.socket?.once('close', () => {
      this.waiting = this.waiting.filter((w) => w !== r);
    });
    const diskless = s.config.bool('repl-diskless-sync') && conf.capaEof;
    if (diskless && s.config.num('repl-diskless-sync-delay') > 0) {
      s.log.notice('Delay next BGSAVE for diskless SYNC');
      this.waiting.push(r);
      return;
    }
    this.waiting.push(r);
    this.startWaiting(true);
  }

  /** Start a save for replicas waiting for one, when the delay has passed and nothing else runs. */
  private startWaiting(force = false): void {
    if (this.active !== null || this.otherChild() || this.waiting.length === 0) return;
    const s = this.s;
    const delay = s.config.num('repl-diskless-sync-delay') * 1000;
    const maxReplicas = s.config.num('repl-diskless-sync-max-replicas');
    const oldest = Math.min(...this.waiting.map((w) => w.since));
    const diskless = s.config.bool('repl-diskless-sync') && this.waiting.every((w) => w.conf.capaEof);
    if (diskless && !force && Date.now() - oldest < delay && !(maxReplicas > 0 && this.waiting.length >= maxReplicas)) return;
    const list = this.waiting;
    this.waiting = [];
    if (diskless) {
      // One transfer per replica (Cinnabar streams each replica its own snapshot).
      const [first, ...rest] = list;
      this.waiting = rest;
      s.log.notice('Starting BGSAVE for SYNC with target: replicas sockets');
      this.startSocket(first);
    } else {
      s.log.notice('Starting BGSAVE for SYNC with target: disk');
      this.bgsave(list);
    }
  }

  private startSocket(r: WaitingReplica): void {
    const s = this.s;
    const socket = r.c.socket;
    if (socket === null || socket.destroyed) return;
    const mark = crypto.randomBytes(20).toString('hex');
    socket.write(`$EOF:${mark}\r\n`);
    const sink = new SocketSink(r.c);
    const snapshot = new Snapshot(s.dbs, this.snapshotOptions(true, r.conf.excludeData), (chunk) => sink.write(chunk));
    const a: ActiveSave = {
      kind: 'socket', snapshot, sink, tmpPath: '', started: Date.now(), timer: null, done: false, replicas: [r], eofMark: mark,
      finalPath: '', sinkOpen: false,
    };
    this.active = a;
    this.dirtyBeforeBgsave = s.dirty;
    s.log.notice(`Background RDB transfer started by pid ${process.pid}`);
    snapshot.install();
    this.schedule(a, true);
  }

  private completeSocket(a: ActiveSave): void {
    const r = a.replicas[0];
    const socket = r.c.socket;
    if (socket !== null && !socket.destroyed) socket.write(a.eofMark);
    this.finishSocket(a, a.sink.failed() === null);
  }

  private finishSocket(a: ActiveSave, ok: boolean, bySignal = false): void {
    if (a.done) return;
    a.done = true;
    if (a.timer !== null) {
      clearTimeout(a.timer as NodeJS.Timeout);
      clearImmediate(a.timer as NodeJS.Immediate);
    }
    a.snapshot.abort();
    if (this.active === a) this.active = null;
    const s = this.s;
    const r = a.replicas[0];
    s.log.warning(`Connection with replica ${this.replicaName(r)} lost.`);
    s.log.warning(`Diskless rdb transfer, done reading from pipe, 0 replicas still up.`);
    if (bySignal) s.log.warning('Background transfer terminated by signal 10');
    else if (ok) s.log.notice('Background RDB transfer terminated with success');
    else s.log.warning('Background transfer error');
    this.closeReplica(r);
    this.startWaiting();
  }

  /** Disk-based sync: the saved file, as a bulk string. */
  private sendFile(r: WaitingReplica): void {
    const s = this.s;
    const socket = r.c.socket;
    if (socket === null || socket.destroyed) return this.closeReplica(r);
    let data: Buffer;
    try {
      data = fs.readFileSync(this.rdbPath);
    } catch {
      return this.dropReplica(r, "can't read the RDB file");
    }
    socket.write(`$${data.length}\r\n`);
    s.stats.netOutputBytes += data.length;
    socket.write(data, () => {
      s.log.notice(`Synchronization with replica ${this.replicaName(r)} succeeded`);
      this.closeReplica(r);
      // rdb-del-sync-files: an instance without persistence keeps no file made only for replicas.
      if (s.config.bool('rdb-del-sync-files') && this.saveParams().length === 0 && !s.config.bool('appendonly') && this.active === null) {
        s.log.notice('Removing the RDB file used to feed replicas in a persistence-less instance');
        tryUnlink(this.rdbPath);
      }
    });
  }

  private dropReplica(r: WaitingReplica, why: string): void {
    this.s.log.warning(`SYNC failed for replica ${this.replicaName(r)}: ${why}`);
    this.closeReplica(r);
  }

  private closeReplica(r: WaitingReplica): void {
    const c = r.c;
    if (c.blocked !== null) this.s.blocking.unblock(c, false);
    if (!c.closed) c.close();
  }

  /** An RDB of the current dataset in memory (tests, DEBUG). */
  payload(): Buffer {
    const sink = new MemorySink();
    const snap = new Snapshot(this.s.dbs, this.snapshotOptions(false), (chunk) => sink.write(chunk));
    snap.runToEnd();
    snap.end();
    return Buffer.concat(sink.chunks);
  }
}

/** objectSetLRUOrLFU for a loaded or restored key (lru_multiplier 1000: idle in seconds). */
export function setLruOrLfu(s: Server, db: Database, e: number, lfu: boolean, freq: number, idle: number): void {
  if (lfu) {
    if (freq >= 0) db.dict.setLru(e, (((Math.floor(Date.now() / 60000) & 0xffff) << 8) | freq) >>> 0);
  } else if (idle >= 0) {
    let abs = s.lruClock - idle;
    if (abs < 0) abs += LRU_CLOCK_MAX;
    db.dict.setLru(e, abs & LRU_CLOCK_MAX);
  }
}

export function writeFully(fd: number, chunk: Buffer): void {
  let off = 0;
  while (off < chunk.length) off += fs.writeSync(fd, chunk, off, chunk.length - off);
}

export function tryUnlink(p: string): void {
  try {
    fs.unlinkSync(p);
  } catch {
    // gone already
  }
}

export function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // not every file system lets a directory be fsynced
  }
}
