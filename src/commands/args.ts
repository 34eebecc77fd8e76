/**
 * Argument parsing shared by every command family, with Redis's error texts.
 * Each helper either returns the parsed value, or replies the error to the
 * client and returns null, so a handler reads:
 *
 *   const n = intArg(c, argv[2]); if (n === null) return;
 */
import type { Client } from '../server/client';
import { parseDouble, parseInt64 } from '../protocol/numbers';

export const ERR_SYNTAX = 'ERR syntax error';
export const ERR_NOT_INT = 'ERR value is not an integer or out of range';
export const ERR_NOT_FLOAT = 'ERR value is not a valid float';
export const ERR_NO_KEY = 'ERR no such key';
export const ERR_OVERFLOW = 'ERR increment or decrement would overflow';
export const ERR_INDEX = 'ERR index out of range';
export const ERR_DB_INDEX = 'ERR DB index is out of range';

/** A 64-bit integer argument (getLongLongFromObjectOrReply). */
export function intArg(c: Client, s: string, msg = ERR_NOT_INT): number | null {
  const v = parseInt64(s);
  if (v === null) {
    c.error(msg);
    return null;
  }
  return v;
}

/** An integer within [min, max] (getRangeLongFromObjectOrReply). */
export function rangeArg(c: Client, s: string, min: number, max: number, msg?: string): number | null {
  const v = parseInt64(s);
  if (v === null || v < min || v > max) {
    c.error(msg ?? `ERR value is out of range, value must between ${min} and ${max}`);
    return null;
  }
  return v;
}

/**
 * A non-negative integer (getPositiveLongFromObjectOrReply): Redis answers
 * "must be positive" both for negatives and for non-numbers.
 */
export function positiveArg(c: Client, s: string, msg = 'ERR value is out of range, must be positive'): number | null {
  const v = parseInt64(s);
  if (v === null || v < 0) {
    c.error(msg);
    return null;
  }
  return v;
}

/** A double argument (getDoubleFromObjectOrReply). */
export function doubleArg(c: Client, s: string, msg = ERR_NOT_FLOAT): number | null {
  const v = parseDouble(s);
  if (v === null) {
    c.error(msg);
    return null;
  }
  return v;
}

/** Case-insensitive keyword test. */
export function is(arg: string, word: string): boolean {
  return arg.length === word.length && arg.toLowerCase() === word;
}

/**
 * A blocking timeout as an absolute deadline in ms, 0 for none
 * (getTimeoutFromObjectOrReply): seconds as a float, or milliseconds as an
 * integer for XREAD BLOCK. Seconds are rounded up to whole ms as Redis 7.0.15 does.
 */
export function timeoutArg(c: Client, s: string, now: number, unit: 'seconds' | 'ms' = 'seconds'): number | null {
  let ms: number;
  if (unit === 'seconds') {
    const v = parseDouble(s);
    if (v === null) {
      c.error('ERR timeout is not a float or out of range');
      return null;
    }
    // Redis 7.0.15: (long long)ceill(seconds * 1000); a value past the int64
    // range (inf included) converts to LLONG_MIN on x86: "negative".
    ms = Number.isFinite(v) ? Math.ceil(v * 1000) : -1;
    // Whole seconds too big for a double's 53 bits: exact, as long double holds them.
    if (Math.abs(v) >= 9007199254740.992 && Number.isFinite(v) && /^[+-]?\d+$/.test(s)) {
      const big = BigInt(s) * 1000n;
      ms = big >= 9223372036854775808n ? -1 : Number(big);
    }
    if (ms >= 9223372036854775807) ms = -1;
  } else {
    const v = parseInt64(s);
    if (v === null) {
      c.error('ERR timeout is not an integer or out of range');
      return null;
    }
    ms = v;
  }
  if (ms < 0) {
    c.error('ERR timeout is negative');
    return null;
  }
  if (ms === 0) return 0;
  // 7.0.15 has no "timeout is out of range": a sum past int64 just never expires.
  return now + ms;
}

/** The help reply of container commands: a status line per text line. */
export function replyHelp(c: Client, command: string, lines: string[]): void {
  const all = [
    `${command} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`,
    ...lines,
    'HELP',
    '    Prints this help.',
  ];
  c.w.arr(all.length);
  for (const l of all) c.w.simple(l);
}
