/**
 * hashes commands.
 */
import type { CommandDef } from './registry';

export const hashCommands: CommandDef[] = [];
