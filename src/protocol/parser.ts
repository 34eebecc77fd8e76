/**
 * Streaming parser for client requests: RESP multibulk (`*N\r\n$len\r\n...`)
 * and inline commands (`SET a b\n`, for telnet and nc), with Redis's limits
 * and error texts.
 *
 * The socket buffer is scanned once: arguments are sliced straight out of it as
 * latin1 strings (one char per byte, so binary-safe). A command split across
 * reads keeps the arguments already parsed; a large bulk argument is copied
 * into a buffer of its final size as it arrives instead of re-concatenating.
 */

import { readLatin1 } from './latin1';

/** Longest inline command or multibulk/bulk header line (PROTO_INLINE_MAX_SIZE). */
export const INLINE_MAX_SIZE = 64 * 1024;
/** Bulk arguments from this size are collected in their own buffer (PROTO_MBULK_BIG_ARG). */
const BIG_ARG = 32 * 1024;
/** V8 cannot make a string longer than this; a larger argument cannot be held. */
const MAX_STRING = (1 << 29) - 24;
const INT_MAX = 2147483647;

const CR = 13, LF = 10;


export class ProtocolError extends Error {}

export interface ParserLimits {
  /** proto-max-bulk-len */
  maxBulkLen: number;
  /** Set while the client must still authenticate: Redis caps request sizes then. */
  unauthenticated: boolean;
}

export class RequestParser {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** Arguments of the command being parsed; null between commands. */
  private argv: string[] | null = null;
  private argsLeft = 0;
  /** Length of the bulk argument being read, or -1 when its header is next. */
  private bulkLen = -1;
  /** Destination of a big bulk argument while it arrives, and how much is in. */
  private big: Buffer | null = null;
  private bigFill = 0;
  /** Set when the request at hand is inline (tells the client not to reply to empty lines). */
  inline = false;

  constructor(readonly limits: ParserLimits) {}

  /** Bytes received but not yet turned into a command (client-query-buffer-limit, qbuf). */
  get pending(): number {
    return this.buf.length - this.pos + (this.big !== null ? this.bigFill : 0);
  }

  feed(chunk: Buffer): void {
    if (this.big !== null) {
      const want = this.big.length - this.bigFill;
      const n = Math.min(want, chunk.length);
      chunk.copy(this.big, this.bigFill, 0, n);
      this.bigFill += n;
      chunk = chunk.subarray(n);
      if (chunk.length === 0) return;
      // The big argument is complete; what follows is parsed normally.
      this.buf = chunk;
      this.pos = 0;
      return;
    }
    if (this.pos >= this.buf.length) {
      this.buf = chunk;
      this.pos = 0;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
      this.pos = 0;
    }
  }

  /**
   * The next complete command, or null when more input is needed.
   * An empty array is a request with no arguments (`*0`, a blank line): skip it.
   * Throws ProtocolError with Redis's message (without the `ERR ` prefix).
   */
  next(): string[] | null {
    if (this.big !== null) return this.finishBig();
    if (this.argv === null) {
      if (this.pos >= this.buf.length) return null;
      if (this.buf[this.pos] !== 42 /* '*' */) return this.parseInline();
      if (!this.startMultibulk()) return null;
      if (this.argv === null) return []; // *0 or *-1
    }
    return this.continueMultibulk();
  }

  private startMultibulk(): boolean {
    const buf = this.buf;
    const nl = findCR(buf, this.pos);
    if (nl < 0) {
      if (buf.length - this.pos > INLINE_MAX_SIZE) throw new ProtocolError('Protocol error: too big mbulk count string');
      return false;
    }
    if (nl + 1 >= buf.length) return false; // need the \n too
    const n = parseLen(buf, this.pos + 1, nl);
    if (n === null || n > INT_MAX) throw new ProtocolError('Protocol error: invalid multibulk length');
    if (n > 10 && this.limits.unauthenticated) throw new ProtocolError('Protocol error: unauthenticated multibulk length');
    this.pos = nl + 2;
    this.inline = false;
    if (n <= 0) return true;
    // Preallocate modestly: a bogus huge count must not allocate a huge array.
    this.argv = [];
    this.argsLeft = n;
    this.bulkLen = -1;
    return true;
  }

  private continueMultibulk(): string[] | null {
    const buf = this.buf;
    const argv = this.argv!;
    while (this.argsLeft > 0) {
      if (this.bulkLen === -1) {
        const nl = findCR(buf, this.pos);
        if (nl < 0) {
          if (buf.length - this.pos > INLINE_MAX_SIZE) throw new ProtocolError('Protocol error: too big bulk count string');
          return null;
        }
        if (nl + 1 >= buf.length) return null;
        if (buf[this.pos] !== 36 /* '$' */) {
          throw new ProtocolError(`Protocol error: expected '$', got '${String.fromCharCode(buf[this.pos])}'`);
        }
        const len = parseLen(buf, this.pos + 1, nl);
        if (len === null || len < 0 || len > this.limits.maxBulkLen || len > MAX_STRING) {
          throw new ProtocolError('Protocol error: invalid bulk length');
        }
        if (len > 16384 && this.limits.unauthenticated) throw new ProtocolError('Protocol error: unauthenticated bulk length');
        this.pos = nl + 2;
        this.bulkLen = len;
        if (len >= BIG_ARG && buf.length - this.pos < len + 2) {
          // Collect the rest of this argument in a buffer of its own size.
          this.big = Buffer.allocUnsafe(len + 2);
          this.bigFill = buf.copy(this.big, 0, this.pos);
          this.buf = Buffer.alloc(0);
          this.pos = 0;
          return null;
        }
      }
      const len = this.bulkLen;
      if (buf.length - this.pos < len + 2) return null;
      // Redis does not check the two bytes after the data are \r\n; neither do we.
      argv.push(argv.length === 0 ? commandName(buf, this.pos, this.pos + len) : sliceString(buf, this.pos, this.pos + len));
      this.pos += len + 2;
      this.bulkLen = -1;
      this.argsLeft--;
    }
    this.argv = null;
    return argv;
  }

  private finishBig(): string[] | null {
    const big = this.big!;
    if (this.bigFill < big.length) return null;
    this.argv!.push(big.toString('latin1', 0, big.length - 2));
    this.big = null;
    this.bigFill = 0;
    this.bulkLen = -1;
    this.argsLeft--;
    if (this.argsLeft === 0) {
      const argv = this.argv!;
      this.argv = null;
      return argv;
    }
    return this.continueMultibulk();
  }

  private parseInline(): string[] | null {
    const buf = this.buf;
    const nl = buf.indexOf(LF, this.pos);
    if (nl < 0) {
      if (buf.length - this.pos > INLINE_MAX_SIZE) throw new ProtocolError('Protocol error: too big inline request');
      return null;
    }
    let end = nl;
    if (end > this.pos && buf[end - 1] === CR) end--;
    const line = buf.toString('latin1', this.pos, end);
    this.pos = nl + 1;
    this.inline = true;
    const argv = splitArgs(line);
    if (argv === null) throw new ProtocolError('Protocol error: unbalanced quotes in request');
    return argv;
  }
}

/** Index of the next \r at or after `from`, or -1 (headers are short: a JS scan beats indexOf's native call). */
function findCR(buf: Buffer, from: number): number {
  const n = buf.length;
  for (let i = from; i < n; i++) if (buf[i] === CR) return i;
  return -1;
}

const fromCode = String.fromCharCode;

/**
 * The bytes buf[s..e) as a latin1 string. Short arguments are built in JS
 * (a flat string from char codes), longer ones by the native slice: each
 * path is the faster one for its size.
 */
function sliceString(buf: Buffer, s: number, e: number): string {
  switch (e - s) {
    case 0: return '';
    case 1: return fromCode(buf[s]);
    case 2: return fromCode(buf[s], buf[s + 1]);
    case 3: return fromCode(buf[s], buf[s + 1], buf[s + 2]);
    case 4: return fromCode(buf[s], buf[s + 1], buf[s + 2], buf[s + 3]);
    case 5: return fromCode(buf[s], buf[s + 1], buf[s + 2], buf[s + 3], buf[s + 4]);
    case 6: return fromCode(buf[s], buf[s + 1], buf[s + 2], buf[s + 3], buf[s + 4], buf[s + 5]);
    default: return readLatin1(buf, s, e);
  }
}

/**
 * Command names repeat endlessly: the same bytes give back the same string
 * object, whose hash V8 has already computed, so the registry lookup is cheap.
 */
const NAME_SLOTS = 256;
const nameCache: string[] = new Array<string>(NAME_SLOTS).fill('\uffff');

function commandName(buf: Buffer, s: number, e: number): string {
  const n = e - s;
  if (n === 0 || n > 24) return sliceString(buf, s, e);
  let h = n;
  for (let i = s; i < e; i++) h = (h * 31 + buf[i]) & (NAME_SLOTS - 1);
  const cached = nameCache[h];
  if (cached.length === n) {
    let same = true;
    for (let i = 0; i < n; i++) {
      if (cached.charCodeAt(i) !== buf[s + i]) {
        same = false;
        break;
      }
    }
    if (same) return cached;
  }
  const str = sliceString(buf, s, e);
  nameCache[h] = str;
  return str;
}

/** Parse a decimal length as Redis's string2ll does; null when it is not one. */
function parseLen(buf: Buffer, start: number, end: number): number | null {
  if (start >= end || end - start > 20) return null;
  let i = start, neg = false;
  if (buf[i] === 45 /* - */) {
    neg = true;
    i++;
    if (i === end) return null;
  }
  // No leading zeros except a lone 0, as string2ll.
  if (buf[i] === 48 && end - i > 1) return null;
  let n = 0;
  for (; i < end; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) return null;
    n = n * 10 + d;
  }
  if (neg && n === 0) return null;
  return neg ? -n : n;
}

function isHex(c: string): boolean {
  return /[0-9a-fA-F]/.test(c);
}

/**
 * Split a line into arguments the way redis-cli and inline requests do
 * (sdssplitargs): spaces separate, "double quotes" take \n \r \t \b \a \\ \"
 * and \xHH escapes, 'single quotes' take \'. A closing quote must be followed
 * by a space or the end. Returns null on unbalanced quotes.
 */
export function splitArgs(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) return out;
    let cur = '';
    let inq = false, insq = false, done = false;
    while (!done) {
      if (inq) {
        if (i >= n) return null;
        const c = line[i];
        if (c === '\\' && line[i + 1] === 'x' && i + 3 < n + 0 && isHex(line[i + 2] ?? '') && isHex(line[i + 3] ?? '')) {
          cur += String.fromCharCode(parseInt(line.substr(i + 2, 2), 16));
          i += 3;
        } else if (c === '\\' && i + 1 < n) {
          i++;
          const e = line[i];
          cur += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'b' ? '\b' : e === 'a' ? '\x07' : e;
        } else if (c === '"') {
          if (i + 1 < n && !isSpace(line.charCodeAt(i + 1))) return null;
          done = true;
        } else cur += c;
      } else if (insq) {
        if (i >= n) return null;
        const c = line[i];
        if (c === '\\' && line[i + 1] === "'") {
          i++;
          cur += "'";
        } else if (c === "'") {
          if (i + 1 < n && !isSpace(line.charCodeAt(i + 1))) return null;
          done = true;
        } else cur += c;
      } else {
        if (i >= n) break;
        const c = line[i];
        if (isSpace(line.charCodeAt(i))) done = true;
        else if (c === '"') inq = true;
        else if (c === "'") insq = true;
        else cur += c;
      }
      if (i < n) i++;
    }
    out.push(cur);
  }
}

function isSpace(c: number): boolean {
  // isspace(): space, \t, \n, \v, \f, \r
  return c === 32 || (c >= 9 && c <= 13);
}
