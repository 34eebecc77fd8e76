/**
 * Test-side RESP tools: encode requests, frame replies (byte-exact, for the
 * differential harness), and decode them into JS values for readable asserts.
 */
import * as net from 'net';

export function encodeCommand(argv: (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${argv.length}\r\n`)];
  for (const a of argv) {
    const b = typeof a === 'string' ? Buffer.from(a, 'latin1') : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Length in bytes of the complete reply at buf[pos..], or -1 if incomplete. */
export function replyLength(buf: Buffer, pos = 0): number {
  if (pos >= buf.length) return -1;
  const eol = buf.indexOf('\r\n', pos);
  if (eol < 0) return -1;
  const t = String.fromCharCode(buf[pos]);
  const line = buf.toString('latin1', pos + 1, eol);
  const after = eol + 2;
  switch (t) {
    case '+': case '-': case ':': case '_': case ',': case '#': case '(':
      return after - pos;
    case '$': case '=': case '!': {
      const n = Number(line);
      if (n < 0) return after - pos;
      return buf.length >= after + n + 2 ? after + n + 2 - pos : -1;
    }
    case '*': case '~': case '>': case '%': case '|': {
      let n = Number(line);
      if (n < 0) return after - pos;
      if (t === '%' || t === '|') n *= 2;
      let p = after;
      for (let i = 0; i < n; i++) {
        const l = replyLength(buf, p);
        if (l < 0) return -1;
        p += l;
      }
      // An attribute (|) precedes the actual reply.
      if (t === '|') {
        const l = replyLength(buf, p);
        if (l < 0) return -1;
        p += l;
      }
      return p - pos;
    }
    default:
      throw new Error(`bad reply type byte ${JSON.stringify(t)} in ${JSON.stringify(buf.toString('latin1', pos, Math.min(buf.length, pos + 60)))}`);
  }
}

export type Reply = string | number | null | Reply[] | ReplyError | { map: [Reply, Reply][] } | boolean;

export class ReplyError {
  constructor(readonly message: string) {}
  toString(): string {
    return this.message;
  }
}

/** Decode one reply (latin1 strings, numbers, arrays; maps as {map}). */
export function decodeReply(buf: Buffer, pos = 0): [Reply, number] {
  const eol = buf.indexOf('\r\n', pos);
  const t = String.fromCharCode(buf[pos]);
  const line = buf.toString('latin1', pos + 1, eol);
  let p = eol + 2;
  switch (t) {
    case '+': return [line, p];
    case '-': return [new ReplyError(line), p];
    case ':': return [Number(line), p];
    case ',': return [line, p];
    case '(': return [line, p];
    case '#': return [line === 't', p];
    case '_': return [null, p];
    case '$': case '=': {
      const n = Number(line);
      if (n < 0) return [null, p];
      return [buf.toString('latin1', p, p + n), p + n + 2];
    }
    case '*': case '~': case '>': {
      const n = Number(line);
      if (n < 0) return [null, p];
      const out: Reply[] = [];
      for (let i = 0; i < n; i++) {
        const [v, np] = decodeReply(buf, p);
        out.push(v);
        p = np;
      }
      return [out, p];
    }
    case '%': {
      const n = Number(line);
      const out: [Reply, Reply][] = [];
      for (let i = 0; i < n; i++) {
        const [k, p1] = decodeReply(buf, p);
        const [v, p2] = decodeReply(buf, p1);
        out.push([k, v]);
        p = p2;
      }
      return [{ map: out }, p];
    }
    default:
      throw new Error('bad reply type ' + t);
  }
}

/**
 * A raw connection: send bytes, read whole replies as exact bytes. Pushes
 * (pub/sub messages) count as replies too, in arrival order.
 */
export class RawConnection {
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly sock: net.Socket) {
    sock.setNoDelay(true);
    sock.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake();
    });
    sock.on('close', () => {
      this.closed = true;
      this.wake();
    });
    sock.on('error', () => {
      this.closed = true;
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const s = net.createConnection({ port, host }, () => resolve(new RawConnection(s)));
      s.once('error', reject);
    });
  }

  write(data: Buffer | string): void {
    this.sock.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  send(...argv: (string | Buffer)[]): void {
    this.write(encodeCommand(argv));
  }

  /** The next complete reply's bytes; rejects after timeoutMs. */
  async readReply(timeoutMs = 5000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const n = replyLength(this.buf);
      if (n >= 0) {
        const out = this.buf.subarray(0, n);
        this.buf = this.buf.subarray(n);
        return Buffer.from(out);
      }
      if (this.closed) throw new Error(`connection closed; pending ${JSON.stringify(this.buf.toString('latin1'))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout waiting for reply; pending ${JSON.stringify(this.buf.toString('latin1').slice(0, 200))}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Send a command and return its reply's bytes. */
  async call(...argv: (string | Buffer)[]): Promise<Buffer> {
    this.send(...argv);
    return this.readReply();
  }

  /** Send a command and decode its reply. */
  async cmd(...argv: (string | Buffer)[]): Promise<Reply> {
    return decodeReply(await this.call(...argv))[0];
  }

  /** Everything received and not yet read (for protocol tests). */
  pending(): Buffer {
    return this.buf;
  }

  /** Wait until the server closes the connection (or timeout). */
  async waitClosed(timeoutMs = 3000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, deadline - Date.now());
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return this.closed;
  }

  /** Read whatever arrives within ms (no framing). */
  async drain(ms: number): Promise<Buffer> {
    await new Promise((r) => setTimeout(r, ms));
    const out = this.buf;
    this.buf = Buffer.alloc(0);
    return out;
  }

  close(): void {
    this.closed = true;
    this.sock.destroy();
  }
}
