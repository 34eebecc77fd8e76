/**
 * transactions commands.
 */
import type { CommandDef } from './registry';

export const transactionCommands: CommandDef[] = [];
