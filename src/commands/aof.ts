/**
 * BGREWRITEAOF: start (or schedule) a background rewrite of the append-only
 * file; persistence/aof.ts does the work and writes the reply.
 */
import type { Client } from '../server/client';
import type { CommandDef } from './registry';
import { AofManager } from '../persistence/aof';

function bgrewriteaof(c: Client): void {
  AofManager.of(c.server).bgrewriteaof(c);
}

export const aofCommands: CommandDef[] = [{ name: 'bgrewriteaof', handler: bgrewriteaof }];
