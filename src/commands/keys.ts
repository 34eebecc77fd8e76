/**
 * Keyspace commands (Redis's db.c and expire.c).
 */
import type { Client } from '../server/client';
import type { CommandDef } from './registry';
import { ERR_SYNTAX, is } from './args';
import { NOTIFY_GENERIC } from '../db/database';

function del(c: Client, argv: string[]): void {
  let n = 0;
  for (let i = 1; i < argv.length; i++) {
    if (c.db.delete(argv[i])) {
      c.server.notify(NOTIFY_GENERIC, 'del', argv[i], c.db.id);
      n++;
    }
  }
  c.w.int(n);
}

function exists(c: Client, argv: string[]): void {
  let n = 0;
  for (let i = 1; i < argv.length; i++) if (c.db.lookupRead(argv[i], true) !== undefined) n++;
  c.w.int(n);
}

function dbsize(c: Client): void {
  c.w.int(c.db.size);
}

/** FLUSHDB/FLUSHALL [ASYNC|SYNC]: dropping the table is O(1) here; V8 frees the values in the background. */
function flushFlag(c: Client, argv: string[]): boolean {
  if (argv.length > 2 || (argv.length === 2 && !is(argv[1], 'async') && !is(argv[1], 'sync'))) {
    c.error(ERR_SYNTAX);
    return false;
  }
  return true;
}

function flushdb(c: Client, argv: string[]): void {
  if (!flushFlag(c, argv)) return;
  c.server.touchAllWatched(c.db);
  c.server.dirty += c.db.flush();
  c.w.ok();
}

function flushall(c: Client, argv: string[]): void {
  if (!flushFlag(c, argv)) return;
  for (const db of c.server.dbs) {
    c.server.touchAllWatched(db);
    c.server.dirty += db.flush();
  }
  c.server.dirty++;
  c.w.ok();
}

export const keyCommands: CommandDef[] = [
  { name: 'del', handler: del },
  { name: 'exists', handler: exists },
  { name: 'dbsize', handler: dbsize },
  { name: 'flushdb', handler: flushdb },
  { name: 'flushall', handler: flushall },
];
