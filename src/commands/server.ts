/**
 * server commands.
 */
import type { CommandDef } from './registry';

export const serverCommands: CommandDef[] = [];
