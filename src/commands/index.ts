/**
 * Every command family, gathered for the registry.
 */
import type { CommandDef } from './registry';
import { connectionCommands } from './connection';
import { stringCommands } from './strings';
import { keyCommands } from './keys';

export function allCommands(): CommandDef[] {
  return [...connectionCommands, ...stringCommands, ...keyCommands];
}
