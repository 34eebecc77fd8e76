/**
 * bitmaps commands.
 */
import type { CommandDef } from './registry';

export const bitmapCommands: CommandDef[] = [];
