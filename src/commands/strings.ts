/**
 * String commands (Redis's t_string.c).
 */
import type { Client } from '../server/client';
import type { CommandDef } from './registry';
import { isString, storeString, WRONGTYPE, type StringValue } from '../db/values';
import { NOTIFY_STRING } from '../db/database';
import { ByteString } from '../data/bytestring';

/** The string at key for reading: undefined when missing, null after a WRONGTYPE reply. */
export function readString(c: Client, key: string): StringValue | undefined | null {
  const v = c.db.lookupRead(key);
  if (v === undefined) return undefined;
  if (!isString(v)) {
    c.error(WRONGTYPE);
    return null;
  }
  return v;
}

/** Reply a string value as a bulk string. */
export function replyString(c: Client, v: StringValue): void {
  if (typeof v === 'string') c.w.bulk(v);
  else if (typeof v === 'number') c.w.bulk(String(v));
  else c.w.bulkBytes(v.buf, 0, v.length);
}

function get(c: Client, argv: string[]): void {
  const v = readString(c, argv[1]);
  if (v === undefined) c.w.nil();
  else if (v !== null) replyString(c, v);
}

function set(c: Client, argv: string[]): void {
  if (argv.length > 3) {
    c.error('ERR syntax error');
    return;
  }
  c.db.set(argv[1], storeString(argv[2]));
  c.server.notify(NOTIFY_STRING, 'set', argv[1], c.db.id);
  c.w.ok();
}

export const stringCommands: CommandDef[] = [
  { name: 'get', handler: get },
  { name: 'set', handler: set },
];

export { ByteString };
