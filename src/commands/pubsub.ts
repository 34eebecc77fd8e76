/**
 * pubsub commands.
 */
import type { CommandDef } from './registry';

export const pubsubCommands: CommandDef[] = [];
