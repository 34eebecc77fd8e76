/**
 * Replication commands a standalone master answers: ROLE and WAIT. Cinnabar
 * has no replicas, so ROLE reports a master with no replicas and WAIT counts
 * no acknowledgements: it answers 0 at once when that is enough (numreplicas
 * <= 0, or inside MULTI), and otherwise blocks until its timeout, as Redis
 * does with no replica connected. Replies and errors follow Redis 7.0.15.
 */
import type { Client } from '../server/client';
import type { CommandDef } from './registry';
import { intArg, timeoutArg } from './args';

/** master_repl_offset: no replication stream is kept. */
const REPL_OFFSET = 0;

function role(c: Client): void {
  c.w.arr(3);
  c.w.bulk('master');
  c.w.int(REPL_OFFSET);
  c.w.arr(0);
}

function replyNoAcks(c: Client): void {
  c.w.int(0);
}

function wait(c: Client, argv: string[]): void {
  const numreplicas = intArg(c, argv[1]);
  if (numreplicas === null) return;
  const deadline = timeoutArg(c, argv[2], Date.now(), 'ms');
  if (deadline === null) return;
  const acks = 0;
  if (acks >= numreplicas) {
    c.w.int(acks);
    return;
  }
  // Inside MULTI (EXEC) block() answers at once with the timeout reply.
  c.server.blocking.block(c, [], deadline, replyNoAcks);
}

export const replicationCommands: CommandDef[] = [
  { name: 'role', handler: role },
  { name: 'wait', handler: wait },
];
