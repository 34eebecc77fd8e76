/**
 * hyperloglog commands.
 */
import type { CommandDef } from './registry';

export const hyperloglogCommands: CommandDef[] = [];
