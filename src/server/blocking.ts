/**
 * Clients blocked on keys (BLPOP, BZPOPMIN, XREAD BLOCK, ...).
 *
 * A blocking command that finds nothing to serve calls block(): the client
 * is parked on its keys in FIFO order. When a key is created or signalled
 * ready, the waiting clients' commands are run again, oldest first, after the
 * command (or the whole MULTI/EXEC or script) that made it ready. A retry that
 * still finds nothing keeps the client's place in line. Timeouts use one timer
 * per blocked client, so they fire to the millisecond.
 */
import type { Client, BlockState } from './client';
import type { Server } from './server';
import type { Database } from '../db/database';

export class Blocking {
  /** db -> key -> clients in the order they blocked */
  private waiting = new Map<Database, Map<string, Client[]>>();
  private ready: { db: Database; key: string }[] = [];
  private readySet = new Set<string>();
  /** Number of blocked clients. */
  count = 0;
  /**
   * While handleReady re-runs a blocked command: the key that became ready.
   * Redis serves a waiter from that key only (not from an earlier key of its
   * list), and skips it when the key holds another type.
   */
  readyKey: string | null = null;
  private seq = 0;

  constructor(private server: Server) {}

  get hasReady(): boolean {
    return this.ready.length !== 0;
  }

  /**
   * Park c on keys until one is ready or the deadline (absolute ms, 0 = none)
   * passes; onTimeout writes the timeout reply. Inside MULTI/EXEC or a script
   * a command cannot block: it times out at once, as in Redis.
   */
  block(c: Client, keys: string[], deadline: number, onTimeout: (c: Client) => void): void {
    if (this.server.execDepth > 0 || c.socket === null) {
      onTimeout(c);
      return;
    }
    c.justBlocked = true;
    if (c.reprocessing && c.blocked !== null) return; // keep its place in line
    const db = c.db;
    const st: BlockState = { keys, db, deadline, argv: c.argv, cmd: c.cmd!, onTimeout, timer: null, seq: this.seq++ };
    c.blocked = st;
    this.count++;
    let m = this.waiting.get(db);
    if (!m) this.waiting.set(db, (m = new Map()));
    for (const k of keys) {
      let list = m.get(k);
      if (!list) m.set(k, (list = []));
      if (!list.includes(c)) list.push(c);
    }
    if (deadline > 0) this.armTimer(c, st);
  }

  /** A key may now serve waiters (called when a key is created, XADD, etc.). */
  signalReady(db: Database, key: string): void {
    const m = this.waiting.get(db);
    if (!m || !m.has(key)) return;
    const id = db.id + ':' + key;
    if (this.readySet.has(id)) return;
    this.readySet.add(id);
    this.ready.push({ db, key });
  }

  /** Serve clients blocked on ready keys (handleClientsBlockedOnKeys). */
  handleReady(): void {
    const server = this.server;
    while (this.ready.length > 0) {
      const batch = this.ready;
      this.ready = [];
      this.readySet.clear();
      for (const { db, key } of batch) {
        const list = this.waiting.get(db)?.get(key);
        if (!list) continue;
        for (const c of [...list]) {
          if (c.blocked === null || c.closed) continue;
          // The key may have been consumed by an earlier waiter, or deleted: only a
          // blocked XREADGROUP still runs then, to answer that its stream is gone.
          if (!db.exists(key) && c.blocked.cmd.fullName !== 'xreadgroup') continue;
          const st = c.blocked;
          const prevDb = c.db;
          c.db = st.db;
          c.reprocessing = true;
          this.readyKey = key;
          server.call(c, st.cmd, st.argv);
          this.readyKey = null;
          c.reprocessing = false;
          if (c.db === st.db) c.db = prevDb;
          if (!c.justBlocked) {
            this.unblock(c, false);
            c.markPending();
            // Commands the client pipelined behind the blocking one run now.
            setImmediate(() => c.resume());
          }
        }
      }
    }
    if (server.pendingClients.length > 0) server.flushPending();
  }

  /** setTimeout caps delays at 2^31-1 ms: longer waits re-arm when that fires. */
  private armTimer(c: Client, st: BlockState): void {
    const ms = Math.max(0, st.deadline - Date.now());
    st.timer = setTimeout(() => this.timeout(c), Math.min(ms, 0x7fffffff));
  }

  private timeout(c: Client): void {
    const st = c.blocked;
    if (st === null) return;
    st.timer = null;
    if (st.deadline - Date.now() > 1000) {
      this.armTimer(c, st);
      return;
    }
    this.unblock(c, false);
    st.onTimeout(c);
    this.server.recordCall(c, st.cmd, st.argv, 0, false);
    c.flush();
    c.resume();
  }

  /**
   * Remove c from every wait list. With `reply` (CLIENT UNBLOCK), answer as the
   * timeout would, or with an UNBLOCKED error.
   */
  unblock(c: Client, reply: false | 'timeout' | 'error'): void {
    const st = c.blocked;
    if (st === null) return;
    c.blocked = null;
    this.count--;
    if (st.timer) clearTimeout(st.timer);
    const m = this.waiting.get(st.db);
    if (m) {
      for (const k of st.keys) {
        const list = m.get(k);
        if (!list) continue;
        const i = list.indexOf(c);
        if (i >= 0) list.splice(i, 1);
        if (list.length === 0) m.delete(k);
      }
    }
    if (reply === 'timeout') st.onTimeout(c);
    else if (reply === 'error') c.error('UNBLOCKED client unblocked via CLIENT UNBLOCK');
    if (reply) {
      this.server.recordCall(c, st.cmd, st.argv, 0, reply === 'error');
      c.markPending();
      setImmediate(() => c.resume());
    }
  }

  /** Clients waiting on key (tests, DEBUG). */
  waitersOf(db: Database, key: string): number {
    return this.waiting.get(db)?.get(key)?.length ?? 0;
  }

  /** Keys with waiters in db (INFO keyspace has no field for it; used by SWAPDB/FLUSH). */
  keysWithWaiters(db: Database): string[] {
    return [...(this.waiting.get(db)?.keys() ?? [])];
  }

  clearTimers(): void {
    for (const m of this.waiting.values()) {
      for (const list of m.values()) for (const c of list) if (c.blocked?.timer) clearTimeout(c.blocked.timer);
    }
  }
}
