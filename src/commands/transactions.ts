/**
 * Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
 *
 * Queueing happens in the dispatcher (server.ts processCommand): inside
 * MULTI every command but EXEC/DISCARD/MULTI/WATCH/QUIT/RESET is checked
 * (existence, arity, auth, OOM...) and queued with +QUEUED; a command
 * rejected while queueing flags the transaction so EXEC answers EXECABORT.
 *
 * EXEC runs the queue through call() like any command (statistics, slowlog,
 * MONITOR, propagation per command) with server.execDepth raised, so
 * blocking commands answer at once and clients blocked on keys the
 * transaction fills are served only after the whole EXEC.
 */
import type { Client } from '../server/client';
import type { CommandDef } from './registry';

function multi(c: Client): void {
  if (c.multi !== null) {
    c.error('ERR MULTI calls can not be nested');
    return;
  }
  c.multi = { queue: [], dirty: false };
  c.w.ok();
}

function discard(c: Client): void {
  if (c.multi === null) {
    c.error('ERR DISCARD without MULTI');
    return;
  }
  c.server.discardTransaction(c);
  c.w.ok();
}

function exec(c: Client): void {
  const server = c.server;
  const m = c.multi;
  if (m === null) {
    c.error('ERR EXEC without MULTI');
    return;
  }
  // A key WATCHed while alive that has logically expired since counts as touched.
  if (!c.watchDirty && server.watchedKeyExpired(c)) c.watchDirty = true;
  if (m.dirty || c.watchDirty) {
    const queueError = m.dirty;
    server.discardTransaction(c);
    if (queueError) c.error('EXECABORT Transaction discarded because of previous errors.');
    else c.w.nilArray();
    return;
  }
  // Unwatch first: the transaction's own writes must not mark it dirty.
  server.unwatchAll(c);
  const execArgv = c.argv;
  const execCmd = c.cmd;
  server.execDepth++;
  server.beginTransactionPropagation();
  try {
    c.w.arr(m.queue.length);
    for (const q of m.queue) server.call(c, q.cmd, q.argv);
  } finally {
    server.endTransactionPropagation();
    server.execDepth--;
    c.argv = execArgv;
    c.cmd = execCmd;
    // The client stays in MULTI state while the queue runs (CLIENT INFO shows x).
    if (c.multi === m) c.multi = null;
  }
}

function watch(c: Client, argv: string[]): void {
  if (c.multi !== null) {
    c.error('ERR WATCH inside MULTI is not allowed');
    return;
  }
  for (let i = 1; i < argv.length; i++) c.server.watch(c, c.db, argv[i]);
  c.w.ok();
}

function unwatch(c: Client): void {
  c.server.unwatchAll(c);
  c.w.ok();
}

export const transactionCommands: CommandDef[] = [
  { name: 'multi', handler: multi },
  { name: 'exec', handler: exec },
  { name: 'discard', handler: discard },
  { name: 'watch', handler: watch },
  { name: 'unwatch', handler: unwatch },
];
