/**
 * streams commands.
 */
import type { CommandDef } from './registry';

export const streamCommands: CommandDef[] = [];
