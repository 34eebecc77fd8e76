/**
 * lists commands.
 */
import type { CommandDef } from './registry';

export const listCommands: CommandDef[] = [];
