/**
 * geo commands.
 */
import type { CommandDef } from './registry';

export const geoCommands: CommandDef[] = [];
