/**
 * What goes into AOF files as commands: the RESP multibulk encoding of
 * propagated commands (catAppendOnlyGenericCommand), `#TS:` annotations, and
 * the commands that rebuild a key from its value when a rewrite writes a
 * command-format base (rewriteAppendOnlyFileRio): SET, RPUSH / SADD / ZADD /
 * HMSET in batches of 64 elements, XADD + XSETID + XGROUP CREATE + XCLAIM for
 * streams, then PEXPIREAT for keys with a TTL.
 */
import { writeLatin1 } from '../protocol/latin1';
import { formatG17 } from '../protocol/numbers';
import { strOf, isString, type Value } from '../db/values';
import type { ListValue } from '../data/list';
import type { SetValue } from '../data/set';
import type { ZSetValue } from '../data/zset';
import type { HashValue } from '../data/hash';
import type { Stream, StreamID } from '../data/stream';

/** Where encoded bytes go: an AofBuffer, or an RdbWriter when a snapshot writes the base. */
export interface Latin1Out {
  latin1(s: string): void;
}

/** AOF_REWRITE_ITEMS_PER_CMD: elements per RPUSH/SADD/ZADD/HMSET of a rewrite. */
export const ITEMS_PER_CMD = 64;
/** Elements between two yields of a key's generator (a slice of a big key). */
const YIELD_EVERY = 512;

/** A growing byte buffer of latin1 strings (the AOF buffer, aof_buf). */
export class AofBuffer implements Latin1Out {
  buf: Buffer;
  len = 0;

  constructor(initial = 16384) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  private grow(n: number): void {
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const b = Buffer.allocUnsafe(cap);
    this.buf.copy(b, 0, 0, this.len);
    this.buf = b;
  }

  latin1(s: string): void {
    if (this.len + s.length > this.buf.length) this.grow(s.length);
    this.len += writeLatin1(this.buf, s, this.len);
  }

  /** One command as a RESP array of bulk strings. */
  command(argv: readonly string[]): void {
    let need = 16;
    for (let i = 0; i < argv.length; i++) need += argv[i].length + 16;
    if (this.len + need > this.buf.length) this.grow(need);
    const b = this.buf;
    let p = this.len;
    p += writeLatin1(b, '*' + argv.length + '\r\n', p);
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      p += writeLatin1(b, '$' + a.length + '\r\n', p);
      p += writeLatin1(b, a, p);
      b[p++] = 13;
      b[p++] = 10;
    }
    this.len = p;
  }

  /** The buffered bytes; the buffer starts over (the returned bytes stay valid). */
  take(): Buffer {
    const out = this.buf.subarray(0, this.len);
    this.buf = Buffer.allocUnsafe(this.buf.length > 1 << 20 ? 16384 : this.buf.length);
    this.len = 0;
    return out;
  }
}

/** A command as RESP, as a latin1 string. */
export function encodeCommand(argv: readonly string[]): string {
  let s = '*' + argv.length + '\r\n';
  for (const a of argv) s += '$' + a.length + '\r\n' + a + '\r\n';
  return s;
}

/** genAofTimestampAnnotationIfNeeded's line. */
export function timestampAnnotation(unixSeconds: number): string {
  return `#TS:${unixSeconds}\r\n`;
}

function streamId(id: StreamID): string {
  return `${id.ms}-${id.seq}`;
}

/**
 * The commands rebuilding one key (rewriteAppendOnlyFileRio's per-key part),
 * yielding between slices of a big value. `expire` is the absolute expiry in
 * ms, 0 for none.
 */
export function* keyCommands(out: Latin1Out, key: string, v: Value, expire: number | bigint): Generator<void, void, void> {
  if (isString(v)) {
    out.latin1(encodeCommand(['SET', key, strOf(v)]));
  } else {
    switch (v.type) {
      case 'list': {
        const l = v as ListValue;
        yield* batches(out, 'RPUSH', key, l.length, 1, l[Symbol.iterator](), (x) => [x]);
        break;
      }
      case 'set': {
        const s = v as SetValue;
        const items: string[] = [];
        s.forEach((m) => items.push(m));
        yield* batches(out, 'SADD', key, items.length, 1, items[Symbol.iterator](), (x) => [x]);
        break;
      }
      case 'zset': {
        const z = v as ZSetValue;
        const items: [string, number][] = [];
        z.forEach((m, score) => items.push([m, score]));
        yield* batches(out, 'ZADD', key, items.length, 2, items[Symbol.iterator](), ([m, score]) => [formatG17(score), m]);
        break;
      }
      case 'hash': {
        const h = v as HashValue;
        const items: [string, string][] = [];
        h.forEach((f, val) => items.push([f, val]));
        yield* batches(out, 'HMSET', key, items.length, 2, items[Symbol.iterator](), (x) => x);
        break;
      }
      case 'stream':
        yield* streamCommands(out, key, v as Stream);
        break;
    }
  }
  if (expire !== 0) out.latin1(encodeCommand(['PEXPIREAT', key, String(expire)]));
}

/** Commands of up to 64 elements each: `*<2+n*width>` NAME key elements... */
function* batches<T>(
  out: Latin1Out,
  name: string,
  key: string,
  total: number,
  width: number,
  it: Iterator<T>,
  args: (item: T) => string[],
): Generator<void, void, void> {
  let left = total;
  let sinceYield = 0;
  while (left > 0) {
    const n = Math.min(left, ITEMS_PER_CMD);
    let s = '*' + (2 + n * width) + '\r\n$' + name.length + '\r\n' + name + '\r\n$' + key.length + '\r\n' + key + '\r\n';
    for (let i = 0; i < n; i++) {
      const r = it.next();
      for (const a of args(r.value as T)) s += '$' + a.length + '\r\n' + a + '\r\n';
    }
    out.latin1(s);
    left -= n;
    sinceYield += n;
    if (sinceYield >= YIELD_EVERY && left > 0) {
      sinceYield = 0;
      yield;
    }
  }
}

/** rewriteStreamObject. */
function* streamCommands(out: Latin1Out, key: string, s: Stream): Generator<void, void, void> {
  if (s.length > 0) {
    let n = 0;
    for (const node of s.nodes) {
      for (const e of node.entries) {
        if (e.deleted) continue;
        out.latin1(encodeCommand(['XADD', key, streamId(e), ...e.fv]));
        if (++n % YIELD_EVERY === 0) yield;
      }
    }
  } else {
    // An empty stream is created by adding an entry with MAXLEN 0.
    out.latin1(encodeCommand(['XADD', key, 'MAXLEN', '0', '0-1', 'x', 'y']));
  }
  // XSETID restores the last ID (entries may have been deleted) and the counters.
  out.latin1(encodeCommand(['XSETID', key, streamId(s.lastId), 'ENTRIESADDED', String(s.entriesAdded), 'MAXDELETEDID', streamId(s.maxDeletedId)]));
  if (s.groups === null) return;
  const names = [...s.groups.keys()].sort(byteOrder);
  for (const name of names) {
    const g = s.groups.get(name)!;
    out.latin1(encodeCommand(['XGROUP', 'CREATE', key, name, streamId(g.lastId), 'ENTRIESREAD', String(g.entriesRead)]));
    for (const c of g.sortedConsumers()) {
      if (c.pel.size === 0) {
        out.latin1(encodeCommand(['XGROUP', 'CREATECONSUMER', key, name, c.name]));
        continue;
      }
      for (const nack of c.pel) {
        out.latin1(
          encodeCommand([
            'XCLAIM', key, name, c.name, '0', streamId(nack),
            'TIME', String(nack.deliveryTime), 'RETRYCOUNT', String(nack.deliveryCount), 'JUSTID', 'FORCE',
          ]),
        );
      }
    }
    yield;
  }
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
