/**
 * One connection's state: protocol version, selected database, auth,
 * transaction queue, subscriptions, blocking, and its reply buffer. The
 * network side (socket, parser) is here too, kept thin: reading feeds the
 * parser, each complete command goes to the dispatcher, and the replies of a
 * whole read leave in one socket write.
 */
import type { Socket } from 'net';
import { ProtocolError, RequestParser } from '../protocol/parser';
import { ReplyWriter, type Resp } from '../protocol/writer';
import type { Database } from '../db/database';
import type { Command } from '../commands/registry';
import type { Server } from './server';

/**
 * CLIENT REPLY state. The writer is muted in Off and Skip; Server.resetClient
 * moves SkipNext -> Skip -> On at the end of each top-level command.
 */
export const enum ReplyMode {
  On,
  Off,
  /** CLIENT REPLY SKIP ran: the next command's replies are dropped. */
  SkipNext,
  /** This command's replies are dropped. */
  Skip,
}

/** CLIENT PAUSE kinds (client_pause_type): a pause only moves up this order. */
export const PAUSE_OFF = 0;
export const PAUSE_WRITE = 1;
export const PAUSE_ALL = 2;

/** A client parked by a blocking command until a key is ready or it times out. */
export interface BlockState {
  /** Keys waited on, in the database the client was in. */
  keys: string[];
  db: Database;
  /** Absolute deadline in ms; 0 waits forever. */
  deadline: number;
  /** The blocked command's argv, re-run when a key is ready. */
  argv: string[];
  cmd: Command;
  /** Reply on timeout (null array, or what the command says). */
  onTimeout: (c: Client) => void;
  /** Blocked by WAIT or another non-key reason: no keys, only a deadline. */
  timer: NodeJS.Timeout | null;
  /** Position in the server's block order (FIFO service). */
  seq: number;
}

export interface MultiState {
  queue: { cmd: Command; argv: string[] }[];
  /** A command failed to queue: EXEC must abort. */
  dirty: boolean;
}

/** One WATCHed key of a client (Redis's watchedKey). */
export interface WatchedKey {
  db: Database;
  key: string;
  client: Client;
  /** The key existed but was already logically expired when WATCHed. */
  expired: boolean;
}

export class Client {
  readonly id: number;
  readonly parser: RequestParser;
  readonly w = new ReplyWriter();
  db: Database;
  name = '';
  libName = '';
  libVer = '';
  user = 'default';
  authenticated: boolean;
  replyMode = ReplyMode.On;
  readonly createdAt = Date.now();
  lastInteraction = Date.now();
  /** Last command run, for CLIENT LIST cmd= (full name like client|list). */
  lastCmd = 'NULL';
  /** Command being executed (null between commands). */
  cmd: Command | null = null;
  argv: string[] = [];
  multi: MultiState | null = null;
  /** WATCHed keys by "dbid:key"; watchDirty is set when any changed. */
  watched: Map<string, WatchedKey> | null = null;
  watchDirty = false;
  /** CLIENT TRACKING state: TRACKING_* bits (server/tracking.ts), redirect id, BCAST prefixes. */
  tracking = 0;
  trackingRedirect = 0;
  trackingPrefixes: Set<string> | null = null;
  /** Parked by CLIENT PAUSE: the command waits for the unpause. */
  postponed = false;
  blocked: BlockState | null = null;
  /** Set by block() during the current call: the command waits, it has not run. */
  justBlocked = false;
  /** Set while a blocked command is retried because a key became ready. */
  reprocessing = false;
  /** Effects to propagate instead of argv (SET EX -> SET PXAT, BLPOP -> LPOP). */
  propagateAs: string[][] | null = null;
  /** Pub/Sub */
  channels = new Set<string>();
  patterns = new Set<string>();
  shardChannels = new Set<string>();
  monitor = false;
  noEvict = false;
  noTouch = false;
  closeAfterReply = false;
  closed = false;
  /** Marked by CLIENT KILL/timeouts; closed at the next flush. */
  killed = false;
  /** Is a replica/master link (not yet used). */
  isMaster = false;
  /** Output bytes queued in the socket, refreshed at flush (CLIENT LIST omem). */
  private pendingFlush = false;
  readonly remoteAddr: string;
  readonly localAddr: string;
  readonly fd: number;

  constructor(
    readonly server: Server,
    readonly socket: Socket | null,
  ) {
    this.id = server.nextClientId++;
    this.db = server.dbs[0];
    this.authenticated = !server.authRequired();
    this.parser = new RequestParser({ maxBulkLen: server.config.num('proto-max-bulk-len'), unauthenticated: !this.authenticated });
    if (socket) {
      this.remoteAddr = formatAddr(socket.remoteAddress, socket.remotePort);
      this.localAddr = formatAddr(socket.localAddress, socket.localPort);
      this.fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1;
    } else {
      this.remoteAddr = '';
      this.localAddr = '';
      this.fd = -1;
    }
  }

  get resp(): Resp {
    return this.w.resp;
  }

  set resp(v: Resp) {
    this.w.resp = v;
  }

  get inMulti(): boolean {
    return this.multi !== null;
  }

  /** Reply an error and count it in errorstats (every error reply goes through here). */
  error(msg: string): void {
    this.server.countError(msg);
    this.w.error(msg);
  }

  /** Socket data: parse and run every complete command, then flush once. */
  onData(chunk: Buffer): void {
    if (this.closed) return;
    const now = Date.now();
    this.lastInteraction = now;
    const parser = this.parser;
    parser.feed(chunk);
    this.parser.limits.maxBulkLen = this.server.config.num('proto-max-bulk-len');
    this.server.batch(64, now);
    try {
      for (;;) {
        // A blocked client's further commands wait until it is served (as Redis).
        if (this.blocked !== null || this.closeAfterReply || this.killed) break;
        const argv = parser.next();
        if (argv === null) break;
        if (argv.length === 0) continue;
        this.server.execute(this, argv);
        // The reply of a huge pipeline should not pile up: flush as it goes.
        if (this.w.len > 1 << 20) this.flush();
      }
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      this.error('ERR ' + e.message);
      this.server.log.verbose(`Protocol error (${e.message}) from client: ${this.describe()}`);
      this.closeAfterReply = true;
    } finally {
      this.server.batch(0);
    }
    if (parser.pending > this.server.config.num('client-query-buffer-limit')) {
      this.server.log.warning(`Closing client that reached max query buffer length: ${this.describe()} (qbuf initial bytes: ...)`);
      this.close();
      return;
    }
    // Sent with every other client's replies once this turn's reads are done.
    if (this.w.len > 0 || this.closeAfterReply || this.killed) this.markPending();
  }

  /** Resume reading after being unblocked: commands that arrived meanwhile run now. */
  resume(): void {
    if (this.closed) return;
    // The blocked command is complete now: its per-command state ends (resetClient).
    if (this.replyMode !== ReplyMode.On || this.tracking !== 0) this.server.resetClient(this);
    this.onData(Buffer.alloc(0));
  }

  /** Queue this client's output for the end of the current tick (replies produced for others). */
  markPending(): void {
    if (this.pendingFlush || this.closed) return;
    this.pendingFlush = true;
    this.server.pendingClients.push(this);
    this.server.scheduleFlush();
  }

  flush(): void {
    this.pendingFlush = false;
    if (this.closed) return;
    if (this.w.len > 0 && this.socket !== null) {
      // The AOF may hold the reply until what it acknowledges is on disk (it flushes us then).
      if (this.server.replyGate !== null && this.server.replyGate(this)) return;
      const out = this.w.take();
      this.server.stats.netOutputBytes += out.length;
      this.server.stats.totalWritesProcessed++;
      this.socket.write(out);
    } else if (this.w.len > 0) {
      this.w.take();
    }
    if (this.closeAfterReply || this.killed) this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.server.unlinkClient(this);
    if (this.socket !== null) {
      if (this.killed) this.socket.destroy();
      else this.socket.end();
    }
  }

  /** Flags as CLIENT LIST shows them, in Redis's order. */
  flagString(): string {
    let f = '';
    if (this.monitor) f += 'O';
    if (this.isMaster) f += 'M';
    if (this.channels.size + this.patterns.size + this.shardChannels.size > 0) f += 'P';
    if (this.multi) f += 'x';
    if (this.blocked) f += 'b';
    const t = this.tracking;
    if (t !== 0) {
      if (t & 1) f += 't';
      if (t & 64) f += 'R';
      if (t & 2) f += 'B';
    }
    if (this.watchDirty) f += 'd';
    if (this.closeAfterReply) f += 'c';
    if (this.killed) f += 'A';
    if (this.noEvict) f += 'e';
    if (this.noTouch) f += 'T';
    return f === '' ? 'N' : f;
  }

  /** One CLIENT LIST / CLIENT INFO line. */
  describe(): string {
    const now = Date.now();
    const qbuf = this.parser.pending;
    const omem = this.w.len + (this.socket?.writableLength ?? 0);
    const events = 'r' + (this.socket && this.socket.writableLength > 0 ? 'w' : '');
    const multi = this.multi ? this.multi.queue.length : -1;
    return (
      `id=${this.id} addr=${this.remoteAddr} laddr=${this.localAddr} fd=${this.fd} name=${this.name} ` +
      `age=${Math.floor((now - this.createdAt) / 1000)} idle=${Math.floor((now - this.lastInteraction) / 1000)} ` +
      `flags=${this.flagString()} db=${this.db.id} sub=${this.channels.size} psub=${this.patterns.size} ` +
      `ssub=${this.shardChannels.size} multi=${multi} qbuf=${qbuf} qbuf-free=${qbuf > 0 ? 20474 - (qbuf % 20474) : 0} ` +
      `argv-mem=${this.argvMem()} multi-mem=${this.multiMem()} rbs=${this.w.buf.length} rbp=${Math.min(this.w.buf.length, 16384)} ` +
      `obl=${this.w.len} oll=0 omem=${omem} tot-mem=${this.totalMem()} events=${events} cmd=${this.lastCmd} ` +
      `user=${this.user} redir=${this.tracking & 1 ? this.trackingRedirect : -1} resp=${this.resp}`
    );
  }

  /** Arguments of the command being run (or waiting, when blocked); 0 between commands. */
  private argvMem(): number {
    if (this.server.current !== this && this.blocked === null) return 0;
    let n = 0;
    for (const a of this.argv) n += a.length;
    return n;
  }

  private multiMem(): number {
    if (!this.multi) return 0;
    let n = 0;
    for (const q of this.multi.queue) for (const a of q.argv) n += a.length;
    return n;
  }

  totalMem(): number {
    return this.w.buf.length + this.parser.pending + this.argvMem() + this.multiMem() + 1024;
  }
}

function formatAddr(host: string | undefined, port: number | undefined): string {
  if (!host) return '';
  if (host.startsWith('::ffff:')) host = host.slice(7);
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
