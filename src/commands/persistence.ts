/**
 * persistence commands.
 */
import type { CommandDef } from './registry';

export const persistenceCommands: CommandDef[] = [];
