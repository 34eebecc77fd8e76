/**
 * Client side caching (CLIENT TRACKING), as Redis 7.0's tracking.c behaves.
 *
 * Default mode: the keys a tracking client reads (read-only commands) are
 * remembered in one table keyed by key name (databases are not told apart);
 * when such a key changes, each client that read it gets one invalidation
 * message for it and the key is forgotten until read again.
 *
 * BCAST mode: clients register prefixes; every changed key under a prefix
 * is collected and, once the current batch of commands is done (Redis's beforeSleep), sent to
 * every client of that prefix as one message listing the keys in byte order.
 *
 * Messages are RESP3 pushes (">2 invalidate [keys]"), or for a client that
 * redirects to a RESP2 connection subscribed to anything, a Pub/Sub message
 * on __redis__:invalidate. A flush sends a null instead of the key list.
 * Messages for the client whose command caused them wait until its reply is
 * written (the pending list), as in Redis 7.0.
 */
import type { Client } from './client';
import type { Server } from './server';
import type { Command } from '../commands/registry';
import { CMD_PUBSUB } from '../commands/registry';

/** Client.tracking bits (Redis's CLIENT_TRACKING_* flags). */
export const TRACKING_ON = 1;
export const TRACKING_BCAST = 2;
export const TRACKING_OPTIN = 4;
export const TRACKING_OPTOUT = 8;
export const TRACKING_NOLOOP = 16;
/** CLIENT CACHING yes/no was given for the next command. */
export const TRACKING_CACHING = 32;
export const TRACKING_BROKEN_REDIR = 64;

const INVALIDATE_CHANNEL = '__redis__:invalidate';

interface PrefixState {
  /** Keys changed since the last broadcast, with the client that changed them (NOLOOP). */
  keys: Map<string, Client | null>;
  clients: Set<Client>;
}

export class Tracking {
  /** Clients with tracking on (INFO tracking_clients). */
  clients = 0;
  /** key -> ids of clients that read it. */
  private table = new Map<string, Set<number>>();
  /** Sum of the id sets' sizes (INFO tracking_total_items). */
  totalItems = 0;
  /** BCAST prefixes. */
  private prefixes = new Map<string, PrefixState>();
  private broadcastScheduled = false;
  /** Messages for the executing client, sent after its reply. null key: a flush. */
  private pending: { c: Client; key: string | null }[] = [];
  private flushStamp = -1;
  private flushClient: Client | null = null;
  private limitTimeouts = 0;

  constructor(private server: Server) {}

  get totalKeys(): number {
    return this.table.size;
  }

  get totalPrefixes(): number {
    return this.prefixes.size;
  }

  get hasPending(): boolean {
    return this.pending.length !== 0;
  }

  // ---- enabling ---------------------------------------------------------------

  enable(c: Client, redirect: number, options: number, prefixes: string[]): void {
    if (!(c.tracking & TRACKING_ON)) this.clients++;
    c.tracking = (c.tracking | TRACKING_ON) & ~(TRACKING_BROKEN_REDIR | TRACKING_BCAST | TRACKING_OPTIN | TRACKING_OPTOUT | TRACKING_NOLOOP);
    c.trackingRedirect = redirect;
    if (options & TRACKING_BCAST) {
      c.tracking |= TRACKING_BCAST;
      if (prefixes.length === 0) this.addPrefix(c, '');
      for (const p of prefixes) this.addPrefix(c, p);
    }
    c.tracking |= options & (TRACKING_OPTIN | TRACKING_OPTOUT | TRACKING_NOLOOP);
  }

  private addPrefix(c: Client, prefix: string): void {
    let st = this.prefixes.get(prefix);
    if (st === undefined) {
      st = { keys: new Map(), clients: new Set() };
      this.prefixes.set(prefix, st);
    }
    if (st.clients.has(c)) return;
    st.clients.add(c);
    (c.trackingPrefixes ??= new Set()).add(prefix);
  }

  disable(c: Client): void {
    if (c.tracking & TRACKING_BCAST && c.trackingPrefixes !== null) {
      for (const p of c.trackingPrefixes) {
        const st = this.prefixes.get(p);
        if (st === undefined) continue;
        st.clients.delete(c);
        if (st.clients.size === 0) this.prefixes.delete(p);
      }
      c.trackingPrefixes = null;
    }
    if (c.tracking & TRACKING_ON) {
      this.clients--;
      c.tracking = 0;
    }
  }

  // ---- remembering keys -----------------------------------------------------------

  /** After a read-only command of a tracking client (not BCAST): remember its keys. */
  rememberKeys(c: Client, cmd: Command, argv: string[]): void {
    const f = c.tracking;
    if (f & TRACKING_BCAST) return;
    const caching = (f & TRACKING_CACHING) !== 0;
    if ((f & TRACKING_OPTIN && !caching) || (f & TRACKING_OPTOUT && caching)) return;
    // Shard channels look like keys to COMMAND; they are not cached.
    if (cmd.flags & CMD_PUBSUB) return;
    const keys = cmd.keys(argv);
    if (keys === null) return;
    for (const k of keys) {
      const key = argv[k.pos];
      let ids = this.table.get(key);
      if (ids === undefined) {
        ids = new Set();
        this.table.set(key, ids);
      }
      if (!ids.has(c.id)) {
        ids.add(c.id);
        this.totalItems++;
      }
    }
  }

  /**
   * Keep the table within tracking-table-max-keys: forget keys (oldest first)
   * sending their invalidation, with growing effort while it stays over.
   */
  limit(): void {
    const max = this.server.config.num('tracking-table-max-keys');
    if (max === 0 || this.table.size <= max) {
      this.limitTimeouts = 0;
      return;
    }
    let effort = 100 * (this.limitTimeouts + 1);
    for (const key of this.table.keys()) {
      if (effort-- <= 0) break;
      this.invalidateKey(key, null, false);
      if (this.table.size <= max) {
        this.limitTimeouts = 0;
        return;
      }
    }
    this.limitTimeouts++;
  }

  // ---- invalidation ---------------------------------------------------------------

  /**
   * A key changed (signalModifiedKey). modifier is the client whose command
   * changed it, null for expiry and eviction; NOLOOP clients do not hear
   * about their own changes.
   */
  invalidateKey(key: string, modifier: Client | null, bcast = true): void {
    if (bcast && this.prefixes.size !== 0) this.rememberForBroadcast(key, modifier);
    const ids = this.table.get(key);
    if (ids === undefined) return;
    const server = this.server;
    const current = server.current;
    for (const id of ids) {
      const target = server.clients.get(id);
      if (target === undefined || !(target.tracking & TRACKING_ON) || target.tracking & TRACKING_BCAST) continue;
      if (target.tracking & TRACKING_NOLOOP && target === current) continue;
      if (target === current) this.pending.push({ c: target, key });
      else this.send(target, [key]);
    }
    this.totalItems -= ids.size;
    this.table.delete(key);
  }

  /** FLUSHDB / FLUSHALL: every tracking client gets a null invalidation; the table is emptied. */
  flushed(): void {
    const server = this.server;
    // FLUSHALL signals each database: one message per command.
    if (this.flushStamp === server.stats.totalCommands && this.flushClient === server.current) return;
    this.flushStamp = server.stats.totalCommands;
    this.flushClient = server.current;
    if (this.clients !== 0) {
      for (const c of server.clients.values()) {
        if (!(c.tracking & TRACKING_ON)) continue;
        if (c === server.current) this.pending.push({ c, key: null });
        else this.send(c, null);
      }
    }
    this.table.clear();
    this.totalItems = 0;
  }

  /** After the top-level command: messages for the client that ran it. */
  sendPending(): void {
    const list = this.pending;
    this.pending = [];
    for (const { c, key } of list) {
      if (!c.closed) this.send(c, key === null ? null : [key]);
    }
  }

  private rememberForBroadcast(key: string, modifier: Client | null): void {
    for (const [prefix, st] of this.prefixes) {
      if (prefix.length > key.length || !key.startsWith(prefix)) continue;
      st.keys.set(key, modifier);
      if (!this.broadcastScheduled) {
        this.broadcastScheduled = true;
        // After the current read is processed and its replies written (Redis: beforeSleep).
        process.nextTick(() => this.broadcast());
      }
    }
  }

  /** After each batch of commands: the collected keys to every BCAST client of each prefix. */
  broadcast(): void {
    this.broadcastScheduled = false;
    const names = [...this.prefixes.keys()].sort();
    for (const prefix of names) {
      const st = this.prefixes.get(prefix)!;
      if (st.keys.size === 0) continue;
      const keys = [...st.keys.keys()].sort();
      for (const c of st.clients) {
        if (c.tracking & TRACKING_NOLOOP) {
          const mine = keys.filter((k) => st.keys.get(k) !== c);
          if (mine.length !== 0) this.send(c, mine);
        } else this.send(c, keys);
      }
      st.keys = new Map();
    }
    if (this.server.pendingClients.length > 0) this.server.flushPending();
  }

  /**
   * sendTrackingMessage: to the client itself in RESP3, or to the client it
   * redirects to (RESP3 push, or RESP2 Pub/Sub message when subscribed).
   * keys null is a flush (a null in the original client's protocol).
   */
  private send(orig: Client, keys: string[] | null): void {
    let c = orig;
    let redirected = false;
    if (orig.trackingRedirect !== 0) {
      const r = this.server.clients.get(orig.trackingRedirect);
      if (r === undefined) {
        orig.tracking |= TRACKING_BROKEN_REDIR;
        if (orig.resp === 3) {
          const w = orig.w;
          const muted = w.muted;
          w.muted = false;
          w.push(2);
          w.bulk('tracking-redir-broken');
          w.int(orig.trackingRedirect);
          w.muted = muted;
          orig.markPending();
        }
        return;
      }
      c = r;
      redirected = true;
    }
    const w = c.w;
    const muted = w.muted;
    w.muted = false;
    if (c.resp === 3) {
      w.push(2);
      w.bulk('invalidate');
    } else if (redirected && this.server.inPubSubContext(c)) {
      w.arr(3);
      w.bulk('message');
      w.bulk(INVALIDATE_CHANNEL);
    } else {
      w.muted = muted;
      return;
    }
    if (keys === null) w.raw(orig.resp === 3 ? '_\r\n' : '$-1\r\n');
    else w.bulks(keys);
    w.muted = muted;
    c.markPending();
  }
}
