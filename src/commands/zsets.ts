/**
 * zsets commands.
 */
import type { CommandDef } from './registry';

export const zsetCommands: CommandDef[] = [];
