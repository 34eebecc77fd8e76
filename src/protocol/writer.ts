/**
 * Reply encoder: handlers write replies straight into a per-connection output
 * buffer, which the connection sends with one socket write per batch of
 * commands. The helpers that differ between RESP2 and RESP3 (nulls, maps,
 * sets, doubles, booleans, push) branch on the connection's protocol, as
 * Redis's addReply* helpers do.
 *
 * Strings are latin1 (one char per byte) everywhere, so writing one is a
 * byte copy.
 */

import { formatDouble } from './numbers';
import { writeLatin1 } from './latin1';

const INITIAL = 16 * 1024;
/** A buffer that grew past this is dropped after a flush rather than kept. */
const KEEP_MAX = 256 * 1024;

export type Resp = 2 | 3;

export class ReplyWriter {
  buf: Buffer = Buffer.allocUnsafe(INITIAL);
  len = 0;
  resp: Resp = 2;
  /** When set, replies are dropped (CLIENT REPLY OFF/SKIP, internal callers). */
  muted = false;

  get empty(): boolean {
    return this.len === 0;
  }

  /** Take the bytes written so far (a copy) and reset. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.len);
    this.buf.copy(out, 0, 0, this.len);
    this.len = 0;
    if (this.buf.length > KEEP_MAX) this.buf = Buffer.allocUnsafe(INITIAL);
    return out;
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const b = Buffer.allocUnsafe(cap);
    this.buf.copy(b, 0, 0, this.len);
    this.buf = b;
  }

  /** Raw protocol text (latin1). */
  raw(s: string): void {
    if (this.muted) return;
    this.ensure(s.length);
    this.len += copyString(this.buf, s, this.len);
  }

  rawBytes(b: Buffer): void {
    if (this.muted) return;
    this.ensure(b.length);
    b.copy(this.buf, this.len);
    this.len += b.length;
  }

  private line(prefix: string, body: string): void {
    const n = body.length + 3;
    this.ensure(n);
    const buf = this.buf;
    let p = this.len;
    buf[p++] = prefix.charCodeAt(0);
    p += copyString(buf, body, p);
    buf[p++] = 13;
    buf[p++] = 10;
    this.len = p;
  }

  ok(): void {
    if (!this.muted) this.raw('+OK\r\n');
  }

  simple(s: string): void {
    if (!this.muted) this.line('+', s);
  }

  /**
   * An error reply. `msg` carries its code ("ERR ...", "WRONGTYPE ...").
   * Newlines would break the protocol, so they become spaces as in Redis.
   */
  error(msg: string): void {
    if (this.muted) return;
    if (msg.indexOf('\r') >= 0 || msg.indexOf('\n') >= 0) msg = msg.replace(/[\r\n]/g, ' ');
    this.line('-', msg);
  }

  int(n: number | bigint): void {
    if (this.muted) return;
    if (typeof n === 'bigint') {
      this.line(':', String(n));
      return;
    }
    this.ensure(24);
    const buf = this.buf;
    let p = this.len;
    buf[p++] = 58; // :
    p += writeDecimal(buf, p, n);
    buf[p++] = 13;
    buf[p++] = 10;
    this.len = p;
  }

  bulk(s: string): void {
    if (this.muted) return;
    const n = s.length;
    this.ensure(n + 16);
    const buf = this.buf;
    let p = this.len;
    buf[p++] = 36; // $
    p += writeDecimal(buf, p, n);
    buf[p++] = 13;
    buf[p++] = 10;
    p += copyString(buf, s, p);
    buf[p++] = 13;
    buf[p++] = 10;
    this.len = p;
  }

  bulkBytes(b: Buffer, start = 0, end = b.length): void {
    if (this.muted) return;
    const n = end - start;
    this.ensure(n + 16);
    this.line('$', String(n));
    b.copy(this.buf, this.len, start, end);
    this.len += n;
    this.buf[this.len++] = 13;
    this.buf[this.len++] = 10;
  }

  /** A bulk string holding the decimal form of an integer. */
  bulkInt(n: number | bigint): void {
    this.bulk(String(n));
  }

  /** The null reply for a missing bulk string. */
  nil(): void {
    if (!this.muted) this.raw(this.resp === 2 ? '$-1\r\n' : '_\r\n');
  }

  /** The null reply for a missing array (e.g. BLPOP timeout). */
  nilArray(): void {
    if (!this.muted) this.raw(this.resp === 2 ? '*-1\r\n' : '_\r\n');
  }

  arr(n: number): void {
    if (this.muted) return;
    this.ensure(16);
    const buf = this.buf;
    let p = this.len;
    buf[p++] = 42; // *
    p += writeDecimal(buf, p, n);
    buf[p++] = 13;
    buf[p++] = 10;
    this.len = p;
  }

  /** A map of n pairs: `%n` in RESP3, a flat array of 2n in RESP2. */
  map(n: number): void {
    if (this.muted) return;
    if (this.resp === 3) this.line('%', String(n));
    else this.arr(n * 2);
  }

  /** A set of n members: `~n` in RESP3, an array in RESP2. */
  set(n: number): void {
    if (this.muted) return;
    if (this.resp === 3) this.line('~', String(n));
    else this.arr(n);
  }

  /** An out-of-band push of n items: `>n` in RESP3, an array in RESP2. */
  push(n: number): void {
    if (this.muted) return;
    if (this.resp === 3) this.line('>', String(n));
    else this.arr(n);
  }

  /** A double: `,d` in RESP3, a bulk string in RESP2; formatted as Redis's %.17g. */
  double(d: number): void {
    if (this.muted) return;
    if (this.resp === 3) this.line(',', formatDouble(d, true));
    else this.bulk(formatDouble(d, false));
  }

  bool(b: boolean): void {
    if (this.muted) return;
    if (this.resp === 3) this.raw(b ? '#t\r\n' : '#f\r\n');
    else this.raw(b ? ':1\r\n' : ':0\r\n');
  }

  bigNumber(s: string): void {
    if (this.muted) return;
    if (this.resp === 3) this.line('(', s);
    else this.bulk(s);
  }

  /** Verbatim text (INFO, CLIENT LIST...): `=len\r\ntxt:` in RESP3, bulk in RESP2. */
  verbatim(s: string, format = 'txt'): void {
    if (this.muted) return;
    if (this.resp === 3) {
      this.line('=', String(s.length + 4));
      this.raw(format + ':' + s + '\r\n');
    } else this.bulk(s);
  }

  /** An array of bulk strings. */
  bulks(items: readonly string[]): void {
    this.arr(items.length);
    for (let i = 0; i < items.length; i++) this.bulk(items[i]);
  }
}

/** Write the decimal digits of a non-negative-or-negative integer; returns bytes written. */
function writeDecimal(buf: Buffer, p: number, n: number): number {
  if (n >= 0 && n < 10) {
    buf[p] = 48 + n;
    return 1;
  }
  if (n >= 10 && n < 100) {
    buf[p] = 48 + ((n / 10) | 0);
    buf[p + 1] = 48 + (n % 10);
    return 2;
  }
  if (n > 0 && n < 2147483648) {
    // Digits straight into the buffer, no intermediate string.
    let digits = 3;
    for (let x = 1000; x <= n; x *= 10) digits++;
    let v = n;
    for (let i = digits - 1; i >= 0; i--) {
      buf[p + i] = 48 + (v % 10);
      v = (v / 10) | 0;
    }
    return digits;
  }
  return writeLatin1(buf, String(n), p);
}

/** Copy a latin1 string into buf at p: a JS loop beats the native call for short strings. */
function copyString(buf: Buffer, s: string, p: number): number {
  const n = s.length;
  if (n > 32) return writeLatin1(buf, s, p);
  for (let i = 0; i < n; i++) buf[p + i] = s.charCodeAt(i);
  return n;
}
