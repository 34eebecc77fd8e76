/**
 * The multi-part AOF manifest of Redis 7.0: one line per file,
 *
 *   file appendonly.aof.1.base.rdb seq 1 type b
 *   file appendonly.aof.1.incr.aof seq 1 type i
 *
 * listing the base file (type b), history files waiting for deletion
 * (type h) and incremental files (type i, in order). This module knows the
 * line syntax (names needing quoting are written as sdscatrepr does and read
 * back as sdssplitargs does), the file naming scheme, the checks Redis makes
 * when reading a manifest (with its error texts), and the bookkeeping of a
 * rewrite: a new base turns the old one into history, rewritten incremental
 * files become history too.
 */
import { splitArgs } from '../protocol/parser';
import { reprArg } from '../server/server';

export type AofFileType = 'b' | 'h' | 'i';

export interface AofInfo {
  name: string;
  seq: number;
  type: AofFileType;
}

/** MANIFEST_MAX_LINE: longer lines are an error. */
const MANIFEST_MAX_LINE = 1024;

export const BASE_SUFFIX = '.base';
export const INCR_SUFFIX = '.incr';
export const RDB_SUFFIX = '.rdb';
export const AOF_SUFFIX = '.aof';
export const MANIFEST_SUFFIX = '.manifest';
export const TEMP_PREFIX = 'temp-';

/** A malformed manifest; the message is the line Redis logs before exiting. */
export class ManifestError extends Error {}

export class AofManifest {
  base: AofInfo | null = null;
  incr: AofInfo[] = [];
  /** Files no longer needed, deleted after a rewrite (unless aof-disable-auto-gc). */
  history: AofInfo[] = [];
  baseSeq = 0;
  incrSeq = 0;

  clone(): AofManifest {
    const m = new AofManifest();
    m.base = this.base === null ? null : { ...this.base };
    m.incr = this.incr.map((i) => ({ ...i }));
    m.history = this.history.map((i) => ({ ...i }));
    m.baseSeq = this.baseSeq;
    m.incrSeq = this.incrSeq;
    return m;
  }

  get empty(): boolean {
    return this.base === null && this.incr.length === 0;
  }

  /** The manifest file's text: base, then history, then incremental files. */
  toString(): string {
    let s = '';
    const line = (ai: AofInfo) => {
      s += `file ${needsRepr(ai.name) ? '"' + reprArg(ai.name) + '"' : ai.name} seq ${ai.seq} type ${ai.type}\n`;
    };
    if (this.base !== null) line(this.base);
    for (const h of this.history) line(h);
    for (const i of this.incr) line(i);
    return s;
  }

  /** aofLoadManifestFromFile's parser: throws ManifestError with Redis's message. */
  static parse(text: string): AofManifest {
    const m = new AofManifest();
    let maxSeq = 0;
    let pos = 0;
    let lines = 0;
    for (;;) {
      if (pos >= text.length) {
        if (lines === 0) throw new ManifestError('Found an empty AOF manifest');
        break;
      }
      // fgets into a buffer of MANIFEST_MAX_LINE + 1: at most 1024 chars, through the newline.
      const nl = text.indexOf('\n', pos);
      const stop = nl < 0 ? text.length : nl + 1;
      const end = Math.min(stop, pos + MANIFEST_MAX_LINE);
      const raw = text.slice(pos, end);
      pos = end;
      lines++;
      if (raw[0] === '#') continue;
      if (!raw.includes('\n')) throw new ManifestError('The AOF manifest file contains too long line');
      const line = raw.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
      if (line.length === 0) throw new ManifestError('Invalid AOF manifest file format');
      const argv = splitArgs(line);
      // At least three pairs, in pairs (more keys are allowed for forward compatibility).
      if (argv === null || argv.length < 6 || argv.length % 2 !== 0) throw new ManifestError('Invalid AOF manifest file format');
      let name: string | null = null;
      let seq = 0;
      let type = '';
      for (let i = 0; i < argv.length; i += 2) {
        const k = argv[i].toLowerCase();
        if (k === 'file') {
          name = argv[i + 1];
          if (name.includes('/') || name.includes('\\')) throw new ManifestError("File can't be a path, just a filename");
        } else if (k === 'seq') {
          seq = atoll(argv[i + 1]);
        } else if (k === 'type') {
          type = argv[i + 1].charAt(0);
        }
      }
      if (name === null || name === '' || seq === 0 || type === '') throw new ManifestError('Invalid AOF manifest file format');
      if (type === 'b') {
        if (m.base !== null) throw new ManifestError('Found duplicate base file information');
        m.base = { name, seq, type };
        m.baseSeq = seq;
      } else if (type === 'h') {
        m.history.push({ name, seq, type });
      } else if (type === 'i') {
        if (seq <= maxSeq) throw new ManifestError('Found a non-monotonic sequence number');
        m.incr.push({ name, seq, type });
        m.incrSeq = seq;
        maxSeq = seq;
      } else {
        throw new ManifestError('Unknown AOF file type');
      }
    }
    return m;
  }

  /**
   * getNewBaseFileNameAndMarkPreAsHistory: the next base file (".rdb" with
   * an RDB preamble, ".aof" otherwise); the current base becomes history.
   */
  newBase(filename: string, rdb: boolean): AofInfo {
    if (this.base !== null) {
      this.base.type = 'h';
      this.history.unshift(this.base);
    }
    const seq = ++this.baseSeq;
    this.base = { name: `${filename}.${seq}${BASE_SUFFIX}${rdb ? RDB_SUFFIX : AOF_SUFFIX}`, seq, type: 'b' };
    return this.base;
  }

  /** getNewIncrAofName: a new incremental file at the end of the list. */
  newIncr(filename: string): AofInfo {
    const seq = ++this.incrSeq;
    const ai: AofInfo = { name: `${filename}.${seq}${INCR_SUFFIX}${AOF_SUFFIX}`, seq, type: 'i' };
    this.incr.push(ai);
    return ai;
  }

  /** getLastIncrAofName: the file appended to, created when there is none. */
  lastIncr(filename: string): AofInfo {
    return this.incr.length === 0 ? this.newIncr(filename) : this.incr[this.incr.length - 1];
  }

  /**
   * markRewrittenIncrAofAsHistory: after a rewrite every incremental file is
   * covered by the new base, except the one being written (keepLast).
   */
  markIncrAsHistory(keepLast: boolean): void {
    const n = keepLast ? this.incr.length - 1 : this.incr.length;
    if (n <= 0) return;
    const moved = this.incr.splice(0, n);
    for (let i = 0; i < moved.length; i++) {
      const h = moved[i];
      h.type = 'h';
      this.history.splice(i, 0, h);
    }
  }
}

/** sdsneedsrepr: the name must be quoted in the manifest. */
function needsRepr(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // backslash, quote, control characters, spaces and anything not printable ASCII
    if (c === 92 || c === 34 || c <= 32 || c >= 127) return true;
  }
  return false;
}

/** atoll: leading spaces, optional sign, digits up to the first non-digit. */
function atoll(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m === null ? 0 : Number(m[1]);
}

export function manifestName(filename: string): string {
  return filename + MANIFEST_SUFFIX;
}

export function tempManifestName(filename: string): string {
  return TEMP_PREFIX + filename + MANIFEST_SUFFIX;
}

/** The incremental file written while the first base is being created (AOF turned on at runtime). */
export function tempIncrName(filename: string): string {
  return TEMP_PREFIX + filename + INCR_SUFFIX;
}
