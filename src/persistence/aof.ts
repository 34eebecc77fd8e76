/**
 * Append-only file persistence as Redis 7.0 does it (aof.c): a directory
 * (appenddirname) holding a manifest, one base file (an RDB, or commands when
 * aof-use-rdb-preamble is no) and incremental files of commands.
 *
 * Feeding: every propagated effect (server.propagate) is encoded as RESP into
 * the AOF buffer, with SELECT when the database changes and `#TS:`
 * annotations when aof-timestamp-enabled is on. The buffer is written once
 * per event-loop turn (a setImmediate, as Redis's beforeSleep), through a
 * serial queue of asynchronous writes, so the loop never waits for the disk.
 * Replies wait instead: while appended data is not yet durable, Client.flush
 * holds the reply (server.replyGate) until it is, i.e. written and fsynced
 * with appendfsync always, written with everysec and no (a killed process
 * loses nothing it acknowledged; with everysec the OS is asked to fsync about
 * once a second, off the main thread).
 *
 * Rewriting: a rewrite switches appends to a new incremental file at once and
 * writes a new base from a point-in-time Snapshot (snapshot.ts, the stand-in
 * for fork), slice by slice while clients keep writing; when it is complete
 * the base is renamed into the directory, the manifest moves the covered
 * files to history and they are deleted. CONFIG SET appendonly yes starts
 * such a rewrite (appends go to a temporary incremental file until it ends).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Server } from '../server/server';
import type { Client } from '../server/client';
import type { Command } from '../commands/registry';
import { CMD_WRITE } from '../commands/registry';
import type { Value } from '../db/values';
import type { RdbWriter } from './rdb-encoding';
import type { KeyMeta } from './rdb-file';
import { Snapshot, type RecordFormat } from './snapshot';
import { FileSink, RdbManager, errText, fsyncDir, tryUnlink, writeFully } from './manager';
import { AofBuffer, encodeCommand, keyCommands, timestampAnnotation } from './aof-format';
import { AofManifest, ManifestError, manifestName, tempIncrName, tempManifestName, type AofInfo } from './aof-manifest';
import { loadSingleFile, type LoadOptions, type LoadStatus } from './aof-load';

type State = 'off' | 'on' | 'wait_rewrite';

/** Time slice of rewrite work per event-loop turn (ms). */
const SLICE_MS = 4;
/** Pause the rewrite while this many bytes wait for the disk. */
const HIGH_WATER = 8 << 20;
/** AOF_REWRITE_LIMITE_THRESHOLD / _MAX_MINUTES: back off after repeated failures. */
const LIMIT_THRESHOLD = 3;
const LIMIT_MAX_MINUTES = 60;
/** A background fsync running longer than this delays writes in Redis (counted as aof_delayed_fsync). */
const FSYNC_SLOW_MS = 2000;
/** AOF_WRITE_LOG_ERROR_RATE: seconds between two logs of the same write error. */
const WRITE_ERROR_LOG_RATE = 30;

/** One step of the serial I/O queue: write data (if any), then fsync and/or close. */
interface IoJob {
  fd: number;
  data: Buffer | null;
  /** Bytes of data already written. */
  off: number;
  /** appendedTotal covered once this job is done. */
  seq: number;
  sync: boolean;
  close: boolean;
  /** Replies waiting for this data may go once it is written (else: once fsynced). */
  durableOnWrite: boolean;
  /** appendfsync always: a failed write or fsync stops the server, as Redis exits. */
  fatal: boolean;
}

/** The running rewrite (the "AOF child"). */
interface Rewrite {
  snapshot: Snapshot;
  sink: FileSink;
  tmpPath: string;
  started: number;
  timer: NodeJS.Immediate | NodeJS.Timeout | null;
  done: boolean;
}

function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

const managers = new WeakMap<Server, AofManager>();

export class AofManager {
  state: State = 'off';
  manifest = new AofManifest();
  /** Text of the manifest file as last written or read (persist only changes). */
  private persistedManifest = '';
  /** The incremental file appended to (-1: none). */
  fd = -1;
  private readonly buf = new AofBuffer();
  private selectedDb = -1;
  private curTimestamp = 0;
  private flushScheduled = false;
  /** True while files are being loaded: replayed commands are not appended. */
  loading = false;
  /** aof-timestamp-enabled. */
  private timestamps = false;

  // Sizes (aof_current_size, aof_rewrite_base_size, aof_last_incr_size).
  currentSize = 0;
  rewriteBaseSize = 0;
  lastIncrSize = 0;

  // The I/O queue and its progress, in bytes ever appended to the buffer.
  private jobs: IoJob[] = [];
  private ioBusy = false;
  private appendedTotal = 0;
  private writtenTotal = 0;
  private syncedTotal = 0;
  private durableTotal = 0;
  /** Clients whose replies wait for appendedTotal to reach the value. */
  private readonly waiters = new Map<Client, number>();
  private releasing = false;

  // Background fsync (everysec).
  private bgFsyncSince = 0;
  private bgFsyncFd = -1;
  private afterBgFsync: (() => void) | null = null;
  private lastFsyncSec = 0;
  /** aof_delayed_fsync. */
  delayedFsync = 0;

  // Write errors.
  lastWriteStatus: 'ok' | 'err' = 'ok';
  lastWriteError = '';
  private lastWriteErrorLog = 0;
  private fsyncError: string | null = null;

  // Rewrites.
  rewrite: Rewrite | null = null;
  rewriteScheduled = false;
  rewriteTimeLast = -1;
  lastBgrewriteStatus: 'ok' | 'err' = 'ok';
  /** stat_aof_rewrites. */
  rewrites = 0;
  consecutiveFailures = 0;
  private limitDelayMinutes = 0;
  private limitNextTime = 0;

  private readonly propagator = (dbid: number, argv: string[]) => this.feed(dbid, argv);
  private readonly gate = (c: Client) => this.holdReply(c);

  static of(s: Server): AofManager {
    let m = managers.get(s);
    if (m === undefined) {
      m = new AofManager(s);
      managers.set(s, m);
    }
    return m;
  }

  private constructor(private readonly s: Server) {
    s.config.onChange('appendonly', (v) => this.configAppendonly(v as boolean));
    this.timestamps = s.config.bool('aof-timestamp-enabled');
    s.config.onChange('aof-timestamp-enabled', (v) => {
      this.timestamps = v as boolean;
    });
    // One background operation at a time: BGSAVE waits for (or refuses during) a rewrite.
    RdbManager.of(s).otherChild = () => this.rewrite !== null;
  }

  // ---- names and paths ----------------------------------------------------------------------------

  private get filename(): string {
    return this.s.config.str('appendfilename');
  }

  private get dirname(): string {
    return this.s.config.str('appenddirname');
  }

  /** The AOF directory (absolute). */
  get dir(): string {
    return path.join(this.s.dir, this.dirname);
  }

  private filePath(name: string): string {
    return path.join(this.dir, name);
  }

  /** A file as Redis names it in log lines (relative to the working directory). */
  private shown(name: string): string {
    return `${this.dirname}/${name}`;
  }

  private get rewriteTmpName(): string {
    return `temp-rewriteaof-bg-${process.pid}.aof`;
  }

  // ---- feeding --------------------------------------------------------------------------------------

  /** feedAppendOnlyFile: one propagated command into the buffer. */
  feed(dbid: number, argv: string[]): void {
    if (this.loading) return;
    if (this.state !== 'on' && !(this.state === 'wait_rewrite' && this.rewrite !== null)) return;
    const b = this.buf;
    const before = b.len;
    if (this.timestamps) {
      const now = unixSeconds();
      if (now > this.curTimestamp) {
        this.curTimestamp = now;
        b.latin1(timestampAnnotation(now));
      }
    }
    if (dbid !== -1 && dbid !== this.selectedDb) {
      b.command(['SELECT', String(dbid)]);
      this.selectedDb = dbid;
    }
    b.command(argv);
    this.appendedTotal += b.len - before;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
  }

  /** aof_buffer_length. */
  get bufferLength(): number {
    return this.buf.len;
  }

  /** Hand the buffer to the I/O queue (flushAppendOnlyFile). */
  flush(): void {
    if (this.buf.len === 0 || this.fd < 0) return;
    const always = this.s.config.str('appendfsync') === 'always';
    const noSyncNow = this.s.config.bool('no-appendfsync-on-rewrite') && this.childActive();
    const sync = always && !noSyncNow;
    this.jobs.push({ fd: this.fd, data: this.buf.take(), off: 0, seq: this.appendedTotal, sync, close: false, durableOnWrite: !sync, fatal: always });
    this.pump();
  }

  /** Run the next I/O job when none is running. */
  private pump(): void {
    if (this.ioBusy || this.jobs.length === 0 || this.retryBlocked) return;
    const job = this.jobs[0];
    this.ioBusy = true;
    if (job.data !== null && job.off < job.data.length) {
      if (this.bgFsyncFd === job.fd && Date.now() - this.bgFsyncSince > FSYNC_SLOW_MS) {
        this.delayedFsync++;
        this.s.log.notice(
          'Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without waiting for fsync to complete, this may slow down Redis.',
        );
      }
      this.writeJob(job);
    } else {
      this.finishJob(job);
    }
  }

  /** Set after a write error: the queue waits for the cron's retry. */
  private retryBlocked = false;

  private writeJob(job: IoJob): void {
    const data = job.data!;
    fs.write(job.fd, data, job.off, data.length - job.off, null, (err, n) => {
      if (err) return this.writeFailed(job, err);
      job.off += n;
      this.currentSize += n;
      if (job.fd === this.fd) this.lastIncrSize += n;
      if (job.off < data.length) return this.writeJob(job);
      if (this.lastWriteStatus === 'err') {
        this.s.log.warning('AOF write error looks solved, Redis can write again.');
        this.lastWriteStatus = 'ok';
        this.lastWriteError = '';
      }
      this.finishJob(job);
    });
  }

  private writeFailed(job: IoJob, err: NodeJS.ErrnoException): void {
    this.ioBusy = false;
    const msg = errText(err);
    const now = unixSeconds();
    if (now - this.lastWriteErrorLog > WRITE_ERROR_LOG_RATE || this.lastWriteStatus === 'ok') {
      this.lastWriteErrorLog = now;
      this.s.log.warning(`Error writing to the AOF file: ${msg}`);
    }
    this.lastWriteStatus = 'err';
    this.lastWriteError = msg;
    if (job.fatal) {
      // appendfsync always promises every reply is on disk: Redis gives up rather than reply.
      this.s.log.warning("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
      this.s.onExit?.(1);
      this.retryBlocked = true;
      return;
    }
    // The replies go out (as Redis sends them after a failed write); the data is retried from the cron.
    this.retryBlocked = true;
    this.release(job.seq);
  }

  private finishJob(job: IoJob): void {
    if (job.data !== null) {
      this.writtenTotal = Math.max(this.writtenTotal, job.seq);
      if (job.durableOnWrite) this.release(job.seq);
    }
    if (job.sync) {
      const target = this.writtenTotal;
      fs.fsync(job.fd, (err) => {
        if (err) {
          this.fsyncError = errText(err);
          if (job.fatal) {
            this.s.log.warning(`Can't persist AOF for fsync error when the AOF fsync policy is 'always': ${errText(err)}. Exiting...`);
            this.s.onExit?.(1);
          } else {
            this.s.log.warning(`Error syncing the AOF file: ${errText(err)}`);
            this.release(job.seq);
          }
        } else {
          this.syncedTotal = Math.max(this.syncedTotal, target);
          this.lastFsyncSec = unixSeconds();
          this.release(job.seq);
        }
        job.sync = false;
        this.finishJob2(job);
      });
      return;
    }
    this.finishJob2(job);
  }

  /** The close part of a job, after its write and fsync. */
  private finishJob2(job: IoJob): void {
    if (job.close) {
      if (this.bgFsyncFd === job.fd) {
        // A background fsync of this file still runs: close after it.
        this.afterBgFsync = () => this.finishJob2(job);
        return;
      }
      const fd = job.fd;
      job.close = false;
      fs.close(fd, () => this.jobDone());
      return;
    }
    this.jobDone();
  }

  private jobDone(): void {
    this.jobs.shift();
    this.ioBusy = false;
    this.pump();
  }

  /** Data up to seq is durable: the replies waiting for it may go. */
  private release(seq: number): void {
    if (seq > this.durableTotal) this.durableTotal = seq;
    if (this.waiters.size === 0) return;
    const ready: Client[] = [];
    for (const [c, target] of this.waiters) if (target <= this.durableTotal) ready.push(c);
    if (ready.length === 0) return;
    this.releasing = true;
    try {
      for (const c of ready) {
        this.waiters.delete(c);
        c.flush();
      }
    } finally {
      this.releasing = false;
    }
  }

  /** server.replyGate: hold c's reply while appended data is not yet durable. */
  private holdReply(c: Client): boolean {
    if (this.releasing || this.appendedTotal <= this.durableTotal) return false;
    if (c.closed) return false;
    this.waiters.set(c, this.appendedTotal);
    return true;
  }

  /** Everything appended so far, written (and fsynced); for shutdown and tests. */
  drain(): Promise<void> {
    this.flush();
    if (this.jobs.length === 0 && !this.ioBusy) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (this.jobs.length === 0 && !this.ioBusy) resolve();
        else if (this.retryBlocked) resolve();
        else setTimeout(check, 1);
      };
      check();
    });
  }

  /** Everysec: ask for an fsync of the written data off the main thread (aof_background_fsync). */
  private backgroundFsync(): void {
    if (this.fd < 0 || this.bgFsyncFd !== -1) return;
    const fd = this.fd;
    const target = this.writtenTotal;
    this.bgFsyncFd = fd;
    this.bgFsyncSince = Date.now();
    this.lastFsyncSec = unixSeconds();
    fs.fsync(fd, (err) => {
      this.bgFsyncFd = -1;
      if (err) {
        if (this.fsyncError === null) this.s.log.warning(`Error syncing the AOF file: ${errText(err)}`);
        this.fsyncError = errText(err);
      } else {
        if (this.fsyncError !== null) this.s.log.warning('AOF fsync error looks solved, Redis can write again.');
        this.fsyncError = null;
        this.syncedTotal = Math.max(this.syncedTotal, target);
      }
      const next = this.afterBgFsync;
      this.afterBgFsync = null;
      next?.();
    });
  }

  // ---- files and the manifest -------------------------------------------------------------------------

  /** writeAofManifestFile: through a temp file, fsynced, renamed, directory fsynced. */
  private persistManifest(m: AofManifest): boolean {
    const text = m.toString();
    if (text === this.persistedManifest) return true;
    const log = this.s.log;
    const tmpName = tempManifestName(this.filename);
    const tmp = this.filePath(tmpName);
    const final = this.filePath(manifestName(this.filename));
    let fd: number;
    try {
      fd = fs.openSync(tmp, 'w', 0o644);
    } catch (e) {
      log.warning(`Can't open the AOF manifest file ${tmpName}: ${errText(e as NodeJS.ErrnoException)}`);
      return false;
    }
    try {
      try {
        writeFully(fd, Buffer.from(text, 'latin1'));
      } catch (e) {
        log.warning(`Error trying to write the temporary AOF manifest file ${tmpName}: ${errText(e as NodeJS.ErrnoException)}`);
        return false;
      }
      try {
        fs.fsyncSync(fd);
      } catch (e) {
        log.warning(`Fail to fsync the temp AOF file ${tmpName}: ${errText(e as NodeJS.ErrnoException)}.`);
        return false;
      }
    } finally {
      fs.closeSync(fd);
    }
    try {
      fs.renameSync(tmp, final);
    } catch (e) {
      log.warning(`Error trying to rename the temporary AOF manifest file ${tmpName} into ${manifestName(this.filename)}: ${errText(e as NodeJS.ErrnoException)}`);
      return false;
    }
    fsyncDir(this.dir);
    this.persistedManifest = text;
    return true;
  }

  /** dirCreateIfMissing for the AOF directory. */
  private createDir(): string | null {
    try {
      fs.mkdirSync(this.dir, { mode: 0o755 });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code !== 'EEXIST') return errText(err);
    }
    return null;
  }

  private fileSize(name: string): number {
    try {
      return fs.statSync(this.filePath(name)).size;
    } catch (e) {
      this.s.log.warning(`Unable to obtain the AOF file ${name} length. stat: ${errText(e as NodeJS.ErrnoException)}`);
      return 0;
    }
  }

  /** aofDelHistoryFiles: history files are removed (in the background) unless aof-disable-auto-gc. */
  private deleteHistory(): void {
    const m = this.manifest;
    if (this.s.config.bool('aof-disable-auto-gc') || m.history.length === 0) return;
    for (const h of m.history) {
      this.s.log.notice(`Removing the history file ${h.name} in the background`);
      fs.unlink(this.filePath(h.name), () => undefined);
    }
    m.history = [];
    this.persistManifest(m);
  }

  /** Replace the incremental file being appended to; the old one is fsynced and closed after its writes. */
  private switchFd(fd: number): void {
    this.flush();
    if (this.fd >= 0) {
      this.jobs.push({ fd: this.fd, data: null, off: 0, seq: this.appendedTotal, sync: true, close: true, durableOnWrite: true, fatal: false });
    }
    this.fd = fd;
    this.lastIncrSize = 0;
    this.pump();
  }

  // ---- loading at startup -------------------------------------------------------------------------------

  /**
   * Startup (aofLoadManifestFromDisk, loadDataFromDisk's AOF part,
   * aofOpenIfNeededOnServerStart, aofDelHistoryFiles). Throws after logging
   * when the server must not start.
   */
  loadAtStartup(): void {
    const s = this.s;
    this.loadManifest();
    if (!s.config.bool('appendonly')) return;
    this.state = 'on';
    const t0 = performance.now();
    const ret = this.loadFiles();
    if (ret === 'failed' || ret === 'open_err') throw new Error('AOF loading failed');
    if (ret !== 'not_exist') s.log.notice(`DB loaded from append only file: ${secs(t0)} seconds`);
    this.openOnStartup();
    this.deleteHistory();
  }

  /** aofLoadManifestFromDisk: read the manifest when the directory has one. */
  private loadManifest(): void {
    this.manifest = new AofManifest();
    this.persistedManifest = '';
    const file = this.filePath(manifestName(this.filename));
    let text: string;
    try {
      if (!fs.statSync(this.dir).isDirectory()) return;
      text = fs.readFileSync(file, 'latin1');
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return;
      this.s.log.warning(`Fatal error: can't open the AOF manifest file ${file} for reading: ${errText(err)}`);
      throw e;
    }
    try {
      this.manifest = AofManifest.parse(text);
      this.persistedManifest = text;
    } catch (e) {
      if (e instanceof ManifestError) this.s.log.warning(e.message);
      throw e;
    }
  }

  /** loadAppendOnlyFiles: the base, then every incremental file, in manifest order. */
  loadFiles(): LoadStatus {
    const s = this.s;
    const m = this.manifest;
    const old = path.join(s.dir, this.filename);
    if (fs.existsSync(old) && fs.statSync(old).isFile()) {
      const dirExists = isDir(this.dir);
      if (
        !dirExists ||
        m.empty ||
        (m.base !== null && m.incr.length === 0 && m.base.name === this.filename && !fs.existsSync(this.filePath(this.filename)))
      ) {
        this.upgrade();
      }
    }
    if (m.empty) return 'not_exist';
    const files: AofInfo[] = [...(m.base !== null ? [m.base] : []), ...m.incr];
    let total = 0;
    for (const f of files) {
      try {
        total += fs.statSync(this.filePath(f.name)).size;
      } catch (e) {
        s.log.warning(`Unable to obtain the AOF file ${f.name} length. stat: ${errText(e as NodeJS.ErrnoException)}`);
        return 'failed';
      }
    }
    if (total === 0) return 'empty';
    const opts: LoadOptions = { server: s, dir: this.dir, appendFilename: this.filename, loadTruncated: s.config.bool('aof-load-truncated') };
    let ret: LoadStatus = 'ok';
    let baseSize = 0;
    this.loading = true;
    s.loading = true;
    const frozen = s.expiryFrozen;
    s.expiryFrozen = true;
    try {
      for (let i = 0; i < files.length; i++) {
        const f = files[i];
        const last = i === files.length - 1;
        const isBase = f === m.base;
        if (isBase) baseSize = this.fileSize(f.name);
        const t0 = performance.now();
        ret = loadSingleFile(opts, f.name);
        if (ret === 'ok' || (ret === 'truncated' && last)) {
          s.log.notice(`DB loaded from ${isBase ? 'base' : 'incr'} file ${f.name}: ${secs(t0)} seconds`);
        }
        if (!isBase && ret === 'empty') ret = 'ok';
        if (ret === 'truncated' && !last) {
          ret = 'failed';
          s.log.warning('Fatal error: the truncated file is not the last file');
        }
        if (ret === 'open_err' || ret === 'failed' || ret === 'not_exist') {
          if (ret === 'not_exist') ret = 'failed';
          return ret;
        }
      }
    } finally {
      this.loading = false;
      s.loading = false;
      s.expiryFrozen = frozen;
    }
    this.currentSize = total;
    this.rewriteBaseSize = baseSize;
    return ret;
  }

  /** aofUpgradePrepare: an old single-file AOF moves into the directory as the base. */
  private upgrade(): void {
    const s = this.s;
    const err = this.createDir();
    if (err !== null) {
      s.log.warning(`Can't open or create append-only dir ${this.dirname}: ${err}`);
      throw new Error(err);
    }
    const m = this.manifest;
    m.base = { name: this.filename, seq: 1, type: 'b' };
    m.baseSeq = 1;
    if (!this.persistManifest(m)) throw new Error('manifest');
    try {
      fs.renameSync(path.join(s.dir, this.filename), this.filePath(this.filename));
    } catch (e) {
      s.log.warning(
        `Error trying to rename the existing AOF to old AOF format ${this.filename} into ${this.shown(this.filename)}: ${errText(e as NodeJS.ErrnoException)}`,
      );
      throw e;
    }
    s.log.notice(`Successfully migrated an old-style AOF file (${this.filename}) into the AOF directory (${this.dirname}).`);
  }

  /** aofOpenIfNeededOnServerStart: a base for an empty start, then the last incremental file opened for appending. */
  private openOnStartup(): void {
    const s = this.s;
    const m = this.manifest;
    const err = this.createDir();
    if (err !== null) {
      s.log.warning(`Can't open or create append-only dir ${this.dirname}: ${err}`);
      throw new Error(err);
    }
    const hadIncr = m.incr.length > 0;
    if (m.empty) {
      const base = m.newBase(this.filename, s.config.bool('aof-use-rdb-preamble'));
      if (!this.rewriteSync(this.filePath(base.name))) throw new Error('AOF base');
      s.log.notice(`Creating AOF base file ${base.name} on server start`);
    }
    const incr = m.lastIncr(this.filename);
    try {
      this.fd = fs.openSync(this.filePath(incr.name), 'a', 0o644);
    } catch (e) {
      s.log.warning(`Can't open the append-only file ${incr.name}: ${errText(e as NodeJS.ErrnoException)}`);
      throw e;
    }
    if (!this.persistManifest(m)) throw new Error('manifest');
    this.lastIncrSize = this.fileSize(incr.name);
    this.lastFsyncSec = unixSeconds();
    this.attach();
    s.log.notice(`${hadIncr ? 'Opening' : 'Creating'} AOF incr file ${incr.name} on server start`);
  }

  /** Propagated commands come here; replies wait for the disk. */
  private attach(): void {
    if (!this.s.propagators.includes(this.propagator)) this.s.propagators.push(this.propagator);
    this.s.replyGate = this.gate;
  }

  private detach(): void {
    const i = this.s.propagators.indexOf(this.propagator);
    if (i >= 0) this.s.propagators.splice(i, 1);
    if (this.s.replyGate === this.gate) this.s.replyGate = null;
  }

  // ---- rewriting -----------------------------------------------------------------------------------------

  /** hasActiveChildProcess: an AOF rewrite or a background RDB save runs. */
  childActive(): boolean {
    return this.rewrite !== null || RdbManager.of(this.s).active !== null;
  }

  /** The record format of a base file: an RDB, or commands. */
  private snapshotFor(sink: ((chunk: Buffer) => void) | null): Snapshot {
    const s = this.s;
    const opts = RdbManager.of(s).snapshotOptions(false);
    opts.aux.aofBase = true;
    if (!s.config.bool('aof-use-rdb-preamble')) {
      opts.format = commandFormat(s.config.bool('aof-timestamp-enabled'));
      opts.compress = false;
      opts.checksum = false;
    }
    return new Snapshot(s.dbs, opts, sink);
  }

  /** rewriteAppendOnlyFile: write a base file synchronously (an empty start). */
  private rewriteSync(target: string): boolean {
    const s = this.s;
    const tmp = path.join(s.dir, `temp-rewriteaof-${process.pid}.aof`);
    let fd = -1;
    try {
      fd = fs.openSync(tmp, 'w', 0o644);
    } catch (e) {
      s.log.warning(`Opening the temp file for AOF rewrite in rewriteAppendOnlyFile(): ${errText(e as NodeJS.ErrnoException)}`);
      return false;
    }
    try {
      const snap = this.snapshotFor((chunk) => writeFully(fd, chunk));
      snap.runToEnd();
      snap.end();
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      fd = -1;
      fs.renameSync(tmp, target);
    } catch (e) {
      s.log.warning(`Write error writing append only file on disk: ${errText(e as NodeJS.ErrnoException)}`);
      if (fd >= 0) fs.closeSync(fd);
      tryUnlink(tmp);
      return false;
    }
    return true;
  }

  /** rewriteAppendOnlyFileBackground. False when it could not start. */
  startRewrite(): boolean {
    const s = this.s;
    if (this.childActive()) return false;
    const err = this.createDir();
    if (err !== null) {
      s.log.warning(`Can't open or create append-only dir ${this.dirname}: ${err}`);
      this.lastBgrewriteStatus = 'err';
      return false;
    }
    // The new incremental file starts with a SELECT.
    this.selectedDb = -1;
    if (!this.openNewIncr()) {
      this.lastBgrewriteStatus = 'err';
      return false;
    }
    this.rewrites++;
    const tmpPath = path.join(s.dir, this.rewriteTmpName);
    let fd: number;
    try {
      fd = fs.openSync(tmpPath, 'w', 0o644);
    } catch (e) {
      s.log.warning(`Opening the temp file for AOF rewrite in rewriteAppendOnlyFile(): ${errText(e as NodeJS.ErrnoException)}`);
      this.lastBgrewriteStatus = 'err';
      this.consecutiveFailures++;
      return false;
    }
    const sink = new FileSink(fd, s.config.bool('aof-rewrite-incremental-fsync'));
    const snapshot = this.snapshotFor((chunk) => sink.write(chunk));
    const rw: Rewrite = { snapshot, sink, tmpPath, started: unixSeconds(), timer: null, done: false };
    this.rewrite = rw;
    snapshot.install();
    s.log.notice(`Background append only file rewriting started by pid ${process.pid}`);
    this.rewriteScheduled = false;
    this.schedule(rw, true);
    return true;
  }

  /** The next slice: at once, or after rdb-key-save-delay (which slows rewrites too, as in Redis). */
  private schedule(rw: Rewrite, immediate: boolean): void {
    const delayUs = this.s.config.num('rdb-key-save-delay');
    if (delayUs > 0 && !immediate) rw.timer = setTimeout(() => this.tick(rw), Math.max(1, Math.floor(delayUs / 1000)));
    else rw.timer = setImmediate(() => this.tick(rw));
  }

  /** openNewIncrAofForAppend. */
  private openNewIncr(): boolean {
    const s = this.s;
    if (this.state === 'off') return true;
    let temp: AofManifest | null = null;
    let name: string;
    if (this.state === 'wait_rewrite') {
      name = tempIncrName(this.filename);
    } else {
      temp = this.manifest.clone();
      name = temp.newIncr(this.filename).name;
    }
    let fd: number;
    try {
      fd = fs.openSync(this.filePath(name), 'w', 0o644);
    } catch (e) {
      s.log.warning(`Can't open the append-only file ${name}: ${errText(e as NodeJS.ErrnoException)}`);
      return false;
    }
    if (temp !== null && !this.persistManifest(temp)) {
      fs.closeSync(fd);
      return false;
    }
    s.log.notice(`Creating AOF incr file ${name} on background rewrite`);
    this.switchFd(fd);
    if (temp !== null) this.manifest = temp;
    return true;
  }

  /** One slice of the rewrite. */
  private tick(rw: Rewrite): void {
    rw.timer = null;
    if (rw.done) return;
    if (rw.sink.failed() !== null) return this.rewriteDone(rw, false);
    if (rw.sink.backlog() > HIGH_WATER) {
      rw.sink.onDrain(() => {
        if (!rw.done && rw.timer === null) this.schedule(rw, true);
      });
      return;
    }
    const delayUs = this.s.config.num('rdb-key-save-delay');
    const maxKeys = delayUs > 0 ? Math.max(1, Math.floor(1000 / delayUs)) : Infinity;
    let finished: boolean;
    try {
      finished = rw.snapshot.step(performance.now() + SLICE_MS, maxKeys);
    } catch (e) {
      this.s.log.warning(`Error while rewriting the AOF: ${(e as Error).stack ?? e}`);
      return this.rewriteDone(rw, false);
    }
    if (!finished) return this.schedule(rw, false);
    rw.snapshot.end();
    rw.sink.whenIdle(() => {
      if (rw.done) return;
      if (rw.sink.failed() !== null) {
        this.s.log.warning(`Write error writing append only file on disk: ${errText(rw.sink.failed() as NodeJS.ErrnoException)}`);
        return this.rewriteDone(rw, false);
      }
      fs.fsync(rw.sink.fd, (err) => {
        if (rw.done) return;
        if (err) {
          this.s.log.warning(`Write error writing append only file on disk: ${errText(err)}`);
          return this.rewriteDone(rw, false);
        }
        fs.close(rw.sink.fd, (err2) => {
          if (rw.done) return;
          if (err2) return this.rewriteDone(rw, false);
          this.s.log.notice(`Successfully created the temporary AOF base file ${this.rewriteTmpName}`);
          this.rewriteDone(rw, true);
        });
      });
    });
  }

  /** backgroundRewriteDoneHandler. */
  private rewriteDone(rw: Rewrite, ok: boolean): void {
    if (!this.endRewrite(rw, ok)) return;
    if (ok) this.installRewrite(rw);
    else {
      this.lastBgrewriteStatus = 'err';
      this.consecutiveFailures++;
      this.s.log.warning('Background AOF rewrite terminated with error');
    }
    tryUnlink(rw.tmpPath);
    if (this.state === 'wait_rewrite') {
      // The temporary incremental file is dropped; the next rewrite starts over (its base has those writes).
      this.dropBuffer();
      tryUnlink(this.filePath(tempIncrName(this.filename)));
      this.rewriteScheduled = true;
    }
    this.rewriteTimeLast = unixSeconds() - rw.started;
  }

  /** The rewrite stops working; false when it had already. The base file is closed unless complete. */
  private endRewrite(rw: Rewrite, complete: boolean): boolean {
    if (rw.done) return false;
    rw.done = true;
    if (rw.timer !== null) {
      clearImmediate(rw.timer as NodeJS.Immediate);
      clearTimeout(rw.timer as NodeJS.Timeout);
    }
    rw.snapshot.abort();
    if (this.rewrite === rw) this.rewrite = null;
    if (!complete) {
      try {
        fs.closeSync(rw.sink.fd);
      } catch {
        // closed already
      }
    }
    return true;
  }

  /** Forget what the buffer holds (no file wants it); replies waiting for it may go. */
  private dropBuffer(): void {
    this.buf.take();
    this.release(this.appendedTotal);
  }

  private installRewrite(rw: Rewrite): void {
    const s = this.s;
    const log = s.log;
    log.notice('Background AOF rewrite terminated with success');
    const temp = this.manifest.clone();
    const base = temp.newBase(this.filename, s.config.bool('aof-use-rdb-preamble'));
    const basePath = this.filePath(base.name);
    try {
      fs.renameSync(rw.tmpPath, basePath);
    } catch (e) {
      log.warning(
        `Error trying to rename the temporary AOF base file ${this.rewriteTmpName} into ${this.shown(base.name)}: ${errText(e as NodeJS.ErrnoException)}`,
      );
      this.lastBgrewriteStatus = 'err';
      this.consecutiveFailures++;
      return;
    }
    log.notice(`Successfully renamed the temporary AOF base file ${this.rewriteTmpName} into ${base.name}`);
    let incrPath: string | null = null;
    if (this.state === 'wait_rewrite') {
      const tempIncr = tempIncrName(this.filename);
      const incr = temp.newIncr(this.filename);
      incrPath = this.filePath(incr.name);
      try {
        fs.renameSync(this.filePath(tempIncr), incrPath);
      } catch (e) {
        log.warning(
          `Error trying to rename the temporary AOF incr file ${this.shown(tempIncr)} into ${this.shown(incr.name)}: ${errText(e as NodeJS.ErrnoException)}`,
        );
        tryUnlink(basePath);
        this.lastBgrewriteStatus = 'err';
        this.consecutiveFailures++;
        return;
      }
      log.notice(`Successfully renamed the temporary AOF incr file ${tempIncr} into ${incr.name}`);
    }
    temp.markIncrAsHistory(this.fd >= 0);
    if (!this.persistManifest(temp)) {
      tryUnlink(basePath);
      if (incrPath !== null) tryUnlink(incrPath);
      this.lastBgrewriteStatus = 'err';
      this.consecutiveFailures++;
      return;
    }
    this.manifest = temp;
    if (this.fd >= 0) {
      this.currentSize = this.fileSize(base.name) + this.lastIncrSize;
      this.rewriteBaseSize = this.currentSize;
    }
    this.deleteHistory();
    this.lastBgrewriteStatus = 'ok';
    this.consecutiveFailures = 0;
    log.notice('Background AOF rewrite finished successfully');
    if (this.state === 'wait_rewrite') this.state = 'on';
  }

  /** killAppendOnlyChild: stop a running rewrite and drop its files. */
  killRewrite(): void {
    const rw = this.rewrite;
    if (rw === null) return;
    this.s.log.notice(`Killing running AOF rewrite child: ${process.pid}`);
    this.endRewrite(rw, false);
    tryUnlink(rw.tmpPath);
  }

  /** aofRewriteLimited: after repeated failures, automatic rewrites back off. */
  private rewriteLimited(): boolean {
    if (this.consecutiveFailures < LIMIT_THRESHOLD) {
      this.limitDelayMinutes = 0;
      this.limitNextTime = 0;
      return false;
    }
    const now = unixSeconds();
    if (this.limitNextTime !== 0) {
      if (now < this.limitNextTime) return true;
      this.limitNextTime = 0;
      return false;
    }
    this.limitDelayMinutes = this.limitDelayMinutes === 0 ? 1 : Math.min(this.limitDelayMinutes * 2, LIMIT_MAX_MINUTES);
    this.limitNextTime = now + this.limitDelayMinutes * 60;
    this.s.log.warning(`Background AOF rewrite has repeatedly failed and triggered the limit, will retry in ${this.limitDelayMinutes} minutes`);
    return true;
  }

  // ---- turning AOF on and off -------------------------------------------------------------------------------

  /** CONFIG SET appendonly (updateAppendonly). */
  private configAppendonly(on: boolean): string | void {
    if (!on && this.state !== 'off') this.stop();
    else if (on && this.state === 'off') {
      if (!this.start()) return 'Unable to turn on AOF. Check server logs.';
    }
  }

  /** startAppendOnly. */
  start(): boolean {
    const s = this.s;
    this.state = 'wait_rewrite';
    this.attach();
    if (RdbManager.of(s).active !== null) {
      this.rewriteScheduled = true;
      s.log.warning('AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.');
    } else if (s.execDepth > 0) {
      this.rewriteScheduled = true;
      s.log.warning('AOF was enabled during a transaction. An AOF background was scheduled to start when possible.');
    } else if (!this.restartRewrite()) {
      this.state = 'off';
      this.detach();
      s.log.warning("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.");
      return false;
    }
    this.lastFsyncSec = unixSeconds();
    if (this.fsyncError !== null) {
      s.log.warning('AOF reopen, just ignore the AOF fsync error in bio job');
      this.fsyncError = null;
    }
    if (this.lastWriteStatus === 'err') {
      s.log.warning('AOF reopen, just ignore the last error.');
      this.lastWriteStatus = 'ok';
      this.retryBlocked = false;
    }
    return true;
  }

  /** A running rewrite (started with AOF off) does not feed the new AOF: start over. */
  private restartRewrite(): boolean {
    if (this.rewrite !== null) {
      this.s.log.warning('AOF was enabled but there is already an AOF rewriting in background. Stopping background AOF and starting a rewrite now.');
      this.killRewrite();
    }
    return this.startRewrite();
  }

  /** stopAppendOnly: flush, fsync and close; a running rewrite is stopped. */
  stop(): void {
    this.flush();
    if (this.fd >= 0) {
      this.jobs.push({ fd: this.fd, data: null, off: 0, seq: this.appendedTotal, sync: true, close: true, durableOnWrite: true, fatal: false });
      this.pump();
    }
    this.fd = -1;
    this.selectedDb = -1;
    this.state = 'off';
    this.rewriteScheduled = false;
    this.lastIncrSize = 0;
    this.killRewrite();
    tryUnlink(this.filePath(tempIncrName(this.filename)));
    this.dropBuffer();
    this.detach();
  }

  // ---- cron ------------------------------------------------------------------------------------------------------

  /** serverCron's AOF share. */
  cron(): void {
    const s = this.s;
    const now = unixSeconds();
    if (this.state !== 'off') {
      // Everysec: fsync what was written, about once a second.
      if (s.config.str('appendfsync') === 'everysec' && this.writtenTotal > this.syncedTotal && now > this.lastFsyncSec && this.fd >= 0) {
        if (!(s.config.bool('no-appendfsync-on-rewrite') && this.childActive())) this.backgroundFsync();
      }
      // Retry a failed write once a second.
      if (this.retryBlocked && this.lastWriteStatus === 'err' && now > this.lastRetry) {
        this.lastRetry = now;
        this.retryBlocked = false;
        this.pump();
      }
    }
    // A rewrite asked for while another background operation ran.
    if (!this.childActive() && this.rewriteScheduled && !this.rewriteLimited()) this.startRewrite();
    // Automatic rewrite on growth.
    if (this.state === 'on' && !this.childActive()) {
      const perc = s.config.num('auto-aof-rewrite-percentage');
      if (perc > 0 && this.currentSize > s.config.num('auto-aof-rewrite-min-size')) {
        const base = this.rewriteBaseSize > 0 ? this.rewriteBaseSize : 1;
        const growth = Math.floor((this.currentSize * 100) / base) - 100;
        if (growth >= perc && !this.rewriteLimited()) {
          s.log.notice(`Starting automatic rewriting of AOF on ${growth}% growth`);
          this.startRewrite();
        }
      }
    }
  }

  private lastRetry = 0;

  // ---- commands ------------------------------------------------------------------------------------------------

  /** BGREWRITEAOF: the reply is written here. */
  bgrewriteaof(c: Client): void {
    const s = this.s;
    if (this.rewrite !== null) {
      c.error('ERR Background append only file rewriting already in progress');
    } else if (this.childActive() || s.execDepth > 0) {
      this.rewriteScheduled = true;
      // A manual request is not held back by earlier failures.
      this.consecutiveFailures = 0;
      c.w.simple('Background append only file rewriting scheduled');
    } else if (this.startRewrite()) {
      c.w.simple('Background append only file rewriting started');
    } else {
      c.error("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.");
    }
  }

  /** writeCommandsDeniedByDiskError's AOF part: the error for a write, or null. */
  denyWrite(c: Client, cmd: Command): string | null {
    if (this.state === 'off') return null;
    let why: string | null = null;
    if (this.lastWriteStatus === 'err') why = this.lastWriteError;
    else if (this.fsyncError !== null) why = this.fsyncError;
    if (why === null) return null;
    let write = (cmd.flags & CMD_WRITE) !== 0 || cmd.fullName === 'ping';
    if (!write && cmd.fullName === 'exec' && c.multi !== null) {
      for (const q of c.multi.queue) if (q.cmd.flags & CMD_WRITE) write = true;
    }
    return write ? `MISCONF Errors writing to the AOF file: ${why}` : null;
  }

  /** True when writes must be checked against denyWrite (cheap test for processCommand). */
  get writeError(): boolean {
    return this.state !== 'off' && (this.lastWriteStatus === 'err' || this.fsyncError !== null);
  }

  // ---- shutdown ---------------------------------------------------------------------------------------------------

  /** prepareForShutdown's AOF part. False when the shutdown must not go on. */
  prepareShutdown(flags: { force?: boolean }): boolean {
    const log = this.s.log;
    if (this.rewrite !== null) {
      if (this.state === 'wait_rewrite') {
        if (flags.force) log.warning('Writing initial AOF. Exit anyway.');
        else {
          log.warning("Writing initial AOF, can't exit.");
          return false;
        }
      }
      log.warning('There is a child rewriting the AOF. Killing it!');
      this.killRewrite();
    }
    if (this.state !== 'off') log.notice('Calling fsync() on the AOF file.');
    return true;
  }

  /** Server close: write what is buffered, fsync, close the file. */
  async close(): Promise<void> {
    if (this.rewrite !== null) this.killRewrite();
    if (this.fd >= 0) {
      const fd = this.fd;
      this.flush();
      this.jobs.push({ fd, data: null, off: 0, seq: this.appendedTotal, sync: true, close: true, durableOnWrite: true, fatal: false });
      this.fd = -1;
      this.pump();
      await this.drain();
    }
    this.detach();
  }

  // ---- INFO -------------------------------------------------------------------------------------------------------

  /** The AOF fields of INFO persistence. */
  infoFields(): [string, string | number][] {
    const s = this.s;
    const out: [string, string | number][] = [
      ['aof_enabled', this.state !== 'off' ? 1 : 0],
      ['aof_rewrite_in_progress', this.rewrite !== null ? 1 : 0],
      ['aof_rewrite_scheduled', this.rewriteScheduled ? 1 : 0],
      ['aof_last_rewrite_time_sec', this.rewriteTimeLast],
      ['aof_current_rewrite_time_sec', this.rewrite !== null ? unixSeconds() - this.rewrite.started : -1],
      ['aof_last_bgrewrite_status', this.lastBgrewriteStatus],
      ['aof_rewrites', this.rewrites],
      ['aof_rewrites_consecutive_failures', this.consecutiveFailures],
      ['aof_last_write_status', this.lastWriteStatus === 'ok' && this.fsyncError === null ? 'ok' : 'err'],
      ['aof_last_cow_size', 0],
    ];
    return out;
  }

  /** The fields Redis adds when appendonly is yes. */
  infoExtraFields(): [string, string | number][] {
    if (!this.s.config.bool('appendonly')) return [];
    return [
      ['aof_current_size', this.currentSize],
      ['aof_base_size', this.rewriteBaseSize],
      ['aof_pending_rewrite', this.rewriteScheduled ? 1 : 0],
      ['aof_buffer_length', this.buf.len],
      ['aof_pending_bio_fsync', this.bgFsyncFd !== -1 ? 1 : 0],
      ['aof_delayed_fsync', this.delayedFsync],
    ];
  }
}

/** Records of a command-format base (aof-use-rdb-preamble no) for the snapshot walk. */
export function commandFormat(timestamps: boolean): RecordFormat {
  return {
    header(w: RdbWriter): void {
      if (timestamps) w.latin1(timestampAnnotation(unixSeconds()));
    },
    select(w: RdbWriter, dbid: number): void {
      w.latin1(encodeCommand(['SELECT', String(dbid)]));
    },
    key(w: RdbWriter, key: string, v: Value, meta: KeyMeta): Generator<void, void, void> {
      return keyCommands(w, key, v, meta.expire);
    },
    footer(): void {
      // A command file just ends.
    },
  };
}

function secs(t0: number): string {
  return ((performance.now() - t0) / 1000).toFixed(3);
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
