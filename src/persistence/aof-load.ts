/**
 * Reading AOF files back (loadSingleAppendOnlyFile of Redis 7.0): an
 * optional RDB part (a base file in RDB format, or the preamble of an old
 * single-file AOF), then commands in RESP multibulk form, `#` annotation
 * lines skipped. Commands run through their handlers on a client with no
 * connection, as Redis's fake AOF client; MULTI ... EXEC blocks are queued
 * and executed as EXEC does.
 *
 * The reader follows Redis's stdio reading exactly (fgets of at most 1023
 * bytes per line, lengths taken with strtol) so that the same files are
 * accepted, rejected or found truncated at the same offsets, with the same
 * log lines, and aof-load-truncated cuts the file after the last complete
 * command (before an unfinished MULTI).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Server } from '../server/server';
import type { Client } from '../server/client';
import { RdbError } from './rdb-encoding';
import { fileReader, loadRdb } from './rdb-file';
import { RdbManager, errText, setLruOrLfu } from './manager';

export type LoadStatus = 'ok' | 'not_exist' | 'empty' | 'open_err' | 'failed' | 'truncated';

/** AOF_ANNOTATION_LINE_MAX_LEN: fgets reads at most this minus one bytes per line. */
const LINE_MAX = 1024;

/** Sequential reads from an open file, with Redis's fgets/fread semantics. */
export class AofFileReader {
  private buf = Buffer.allocUnsafe(1 << 16);
  private pos = 0;
  private end = 0;
  /** File offset of buf[0]. */
  private base: number;
  eof = false;

  constructor(
    private readonly fd: number,
    offset = 0,
  ) {
    this.base = offset;
  }

  /** ftello: the offset of the next byte to read. */
  get offset(): number {
    return this.base + this.pos;
  }

  /** Read more into the buffer, keeping buf[pos..end). False at end of file. */
  private fill(want: number): boolean {
    if (this.eof) return false;
    const left = this.end - this.pos;
    if (this.pos > 0) {
      this.buf.copy(this.buf, 0, this.pos, this.end);
      this.base += this.pos;
      this.pos = 0;
      this.end = left;
    }
    if (this.buf.length < want) {
      const b = Buffer.allocUnsafe(Math.max(want, this.buf.length * 2));
      this.buf.copy(b, 0, 0, this.end);
      this.buf = b;
    }
    const n = fs.readSync(this.fd, this.buf, this.end, this.buf.length - this.end, this.base + this.end);
    if (n === 0) {
      this.eof = true;
      return false;
    }
    this.end += n;
    return true;
  }

  /** fgets: up to LINE_MAX-1 bytes through the newline; null at end of file with nothing read. */
  gets(): string | null {
    const max = LINE_MAX - 1;
    for (;;) {
      const avail = this.end - this.pos;
      const lim = Math.min(avail, max);
      const nl = this.buf.indexOf(10, this.pos);
      if (nl >= 0 && nl < this.pos + lim) {
        const s = this.buf.toString('latin1', this.pos, nl + 1);
        this.pos = nl + 1;
        return s;
      }
      if (avail >= max || !this.fill(max)) {
        if (this.end === this.pos) return null;
        const n = Math.min(this.end - this.pos, max);
        const s = this.buf.toString('latin1', this.pos, this.pos + n);
        this.pos += n;
        return s;
      }
    }
  }

  /** fread of exactly n bytes as a latin1 string; null when the file ends first. */
  read(n: number): string | null {
    while (this.end - this.pos < n) {
      if (!this.fill(n)) {
        this.pos = this.end;
        return null;
      }
    }
    const s = this.buf.toString('latin1', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
}

/** atoi / strtol of the number after the type byte of a line. */
function lineNumber(line: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(line.slice(1));
  if (m === null) return 0;
  const n = Number(m[1]);
  return Number.isFinite(n) ? n : 0;
}

export interface LoadOptions {
  server: Server;
  dir: string;
  /** appendfilename: a file of that name holding an RDB is an old-style preamble. */
  appendFilename: string;
  loadTruncated: boolean;
}

/**
 * Replays commands on behalf of the loader: the fake client, MULTI queueing,
 * and running handlers without statistics or propagation (cmd->proc).
 */
class Replayer {
  readonly c: Client;

  constructor(private readonly s: Server) {
    this.c = s.createInternalClient();
  }

  get inMulti(): boolean {
    return this.c.multi !== null;
  }

  /** Run one command; false when the command is unknown. */
  run(argv: string[]): boolean {
    const s = this.s;
    const c = this.c;
    const cmd = s.registry.lookup(argv);
    if (cmd === undefined || (cmd.handler === null && cmd.subcommands === null)) return false;
    if (cmd.handler === null) return true; // a container without its subcommand does nothing
    if (c.multi !== null && cmd.fullName !== 'exec') {
      c.multi.queue.push({ cmd, argv });
      return true;
    }
    // Wrong arity: the command would only reply an error, which the fake client drops.
    if ((cmd.arity > 0 && cmd.arity !== argv.length) || argv.length < -cmd.arity) return true;
    const prev = s.current;
    s.current = c;
    c.cmd = cmd;
    c.argv = argv;
    try {
      cmd.handler(c, argv);
    } finally {
      if (s.unsettled.length !== 0) {
        for (const db of s.unsettled) db.settle();
        s.unsettled.length = 0;
      }
      c.propagateAs = null;
      s.current = prev;
      if (c.w.len > 0) c.w.take();
    }
    return true;
  }

  close(): void {
    this.c.multi = null;
    this.c.close();
  }
}

/**
 * loadSingleAppendOnlyFile: load one file of the AOF directory into the
 * databases. Logs as Redis does and returns the outcome.
 */
export function loadSingleFile(o: LoadOptions, filename: string): LoadStatus {
  const s = o.server;
  const log = s.log;
  const file = path.join(o.dir, filename);
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') {
      log.warning(`The append log file ${filename} doesn't exist: ${errText(err)}`);
      return 'not_exist';
    }
    log.warning(`Fatal error: can't open the append log file ${filename} for reading: ${errText(err)}`);
    return 'open_err';
  }
  const replay = new Replayer(s);
  try {
    if (fs.fstatSync(fd).size === 0) return 'empty';
    let start = 0;
    const sig = Buffer.alloc(5);
    if (fs.readSync(fd, sig, 0, 5, 0) === 5 && sig.toString('latin1') === 'REDIS') {
      const oldStyle = filename === o.appendFilename;
      log.notice(oldStyle ? 'Reading RDB preamble from AOF file...' : 'Reading RDB base file on AOF loading...');
      const end = loadRdbPart(s, fd);
      // A damaged RDB part is fatal: Redis's rdbReportError checks the file and exits.
      if (end < 0) return 'failed';
      start = end;
      if (oldStyle) log.notice('Reading the remaining AOF tail...');
    }
    return replayCommands(o, filename, file, fd, start, replay);
  } finally {
    replay.close();
    fs.closeSync(fd);
  }
}

/** rdbLoadRio of the file's RDB part: the offset where it ended, or -1 (logged) when it is damaged. */
function loadRdbPart(s: Server, fd: number): number {
  const m = RdbManager.of(s);
  const lfu = s.config.str('maxmemory-policy').endsWith('-lfu');
  const r = fileReader(fd);
  try {
    const res = loadRdb(r, {
      dbs: s.dbs,
      ctx: m.loadContext(),
      checksum: s.config.bool('rdbchecksum') && !m.skipChecksum,
      skipExpired: true,
      allowDup: false,
      store: (db, key, v, expire, idle, freq) => {
        const e = db.add(key, v);
        if (expire !== 0) db.dict.setExpireExact(e, expire);
        setLruOrLfu(s, db, e, lfu, freq, idle);
      },
      log: (level, msg) => (level === 'notice' ? s.log.notice(msg) : s.log.warning(msg)),
    });
    m.lastLoadKeysLoaded = res.keysLoaded;
    m.lastLoadKeysExpired = res.keysExpired;
    s.log.notice(`Done loading RDB, keys loaded: ${res.keysLoaded}, keys expired: ${res.keysExpired}.`);
    return r.offset;
  } catch (e) {
    if (!(e instanceof RdbError)) throw e;
    if (/^Unexpected EOF/.test(e.message)) {
      s.log.warning('Short read or OOM loading DB. Unrecoverable error, aborting now.');
      s.log.warning(`Internal error in RDB reading offset 0, function at rdb.c:3249 -> ${e.message}`);
    } else {
      s.log.warning(`Internal error in RDB reading offset 0, function at rdb.c:0 -> ${e.message}`);
    }
    return -1;
  }
}

/** The command part of a file, from `start`. */
function replayCommands(o: LoadOptions, filename: string, file: string, fd: number, start: number, replay: Replayer): LoadStatus {
  const log = o.server.log;
  const r = new AofFileReader(fd, start);
  let validUpTo = start;
  let validBeforeMulti = start;
  const fmterr = (): LoadStatus => {
    log.warning(
      `Bad file format reading the append only file ${filename}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>`,
    );
    return 'failed';
  };
  try {
    for (;;) {
      const line = r.gets();
      if (line === null) break;
      if (line[0] === '#') continue;
      if (line[0] !== '*') return fmterr();
      if (line.length === 1) return truncated(o, filename, file, validUpTo);
      const argc = lineNumber(line);
      if (argc < 1) return fmterr();
      const argv: string[] = new Array(argc);
      for (let j = 0; j < argc; j++) {
        const l = r.gets();
        if (l === null) return truncated(o, filename, file, validUpTo);
        if (l[0] !== '$') return fmterr();
        const len = lineNumber(l);
        if (len < 0) return fmterr();
        const arg = len === 0 ? '' : r.read(len);
        if (arg === null) return truncated(o, filename, file, validUpTo);
        argv[j] = arg;
        if (r.read(2) === null) return truncated(o, filename, file, validUpTo);
      }
      const name = argv[0].toLowerCase();
      if (name === 'multi') validBeforeMulti = validUpTo;
      if (!replay.run(argv)) {
        log.warning(`Unknown command '${argv[0]}' reading the append only file ${filename}`);
        return 'failed';
      }
      if (o.loadTruncated) validUpTo = r.offset;
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === undefined) throw e;
    log.warning(`Unrecoverable error reading the append only file ${filename}: ${errText(err)}`);
    return 'failed';
  }
  // A complete file ending inside MULTI: the unfinished transaction is cut off.
  if (replay.inMulti) {
    log.warning(`Revert incomplete MULTI/EXEC transaction in AOF file ${filename}`);
    return truncated(o, filename, file, validBeforeMulti);
  }
  return 'ok';
}

/** The file ended too early: cut it after the last good command when aof-load-truncated allows. */
function truncated(o: LoadOptions, filename: string, file: string, validUpTo: number): LoadStatus {
  const log = o.server.log;
  if (o.loadTruncated) {
    log.warning(`!!! Warning: short read while loading the AOF file ${filename}!!!`);
    log.warning(`!!! Truncating the AOF ${filename} at offset ${validUpTo} !!!`);
    try {
      fs.truncateSync(file, validUpTo);
      log.warning(`AOF ${filename} loaded anyway because aof-load-truncated is enabled`);
      return 'truncated';
    } catch (e) {
      log.warning(`Error truncating the AOF file ${filename}: ${errText(e as NodeJS.ErrnoException)}`);
    }
  }
  log.warning(
    `Unexpected end of file reading the append only file ${filename}. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.`,
  );
  return 'failed';
}
