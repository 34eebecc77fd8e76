/**
 * client commands.
 */
import type { CommandDef } from './registry';

export const clientCommands: CommandDef[] = [];
