/**
 * sets commands.
 */
import type { CommandDef } from './registry';

export const setCommands: CommandDef[] = [];
