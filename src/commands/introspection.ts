/**
 * introspection commands.
 */
import type { CommandDef } from './registry';

export const introspectionCommands: CommandDef[] = [];
