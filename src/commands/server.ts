/**
 * Server commands: INFO, CONFIG, DEBUG, MONITOR, SHUTDOWN, TIME, LASTSAVE,
 * LOLWUT. Replies and error texts follow Redis 7.0.15.
 */
import * as fs from 'fs';
import type { Client } from '../server/client';
import type { CommandDef } from './registry';
import { replyHelp } from './args';
import { buildInfo } from '../server/info';
import { ConfigError, formatValue, lookupParam } from '../config/config';
import { PARAMS } from '../config/params';
import { globMatch } from '../util/glob';
import { rewriteConfig } from '../config/rewrite';
import { debugCommand } from './debug';
import { lolwutCommand } from './lolwut';

// ---- INFO ---------------------------------------------------------------------------

function info(c: Client, argv: string[]): void {
  c.w.verbatim(buildInfo(c.server, argv.slice(1), c));
}

// ---- CONFIG -------------------------------------------------------------------------

/** The value CONFIG GET shows for a parameter. */
export function configGetValue(c: Client, name: string): string {
  const p = lookupParam(name)!;
  if (p.name === 'dir') return c.server.dir;
  return formatValue(p, c.server.config.get(p.name));
}

function configGet(c: Client, argv: string[]): void {
  // Matches are keyed case-insensitively, as Redis's reply dict is.
  const matches = new Map<string, [string, string]>();
  for (let i = 2; i < argv.length; i++) {
    const pat = argv[i];
    if (!/[*?[]/.test(pat)) {
      const key = pat.toLowerCase();
      if (matches.has(key)) continue;
      if (lookupParam(pat)) matches.set(key, [pat, configGetValue(c, pat)]);
      continue;
    }
    for (const p of PARAMS) {
      if (p.hidden) continue;
      for (const n of p.alias ? [p.name, p.alias] : [p.name]) {
        if (matches.has(n)) continue;
        if (globMatch(pat, n, true)) matches.set(n, [n, configGetValue(c, n)]);
      }
    }
  }
  c.w.map(matches.size);
  for (const [name, value] of matches.values()) {
    c.w.bulk(name);
    c.w.bulk(value);
  }
}

function isLocal(c: Client): boolean {
  if (c.socket === null) return true;
  const a = c.socket.remoteAddress ?? '';
  return a === '127.0.0.1' || a === '::1' || a === '::ffff:127.0.0.1' || a.startsWith('127.');
}

function configSet(c: Client, argv: string[]): void {
  if ((argv.length - 2) % 2 !== 0) {
    c.error('ERR syntax error');
    return;
  }
  const pairs: [string, string][] = [];
  for (let i = 2; i < argv.length; i += 2) pairs.push([argv[i], argv[i + 1]]);
  const mode = c.server.config.str('enable-protected-configs');
  const allowProtected = mode === 'yes' || (mode === 'local' && isLocal(c));
  try {
    c.server.config.setMany(pairs, allowProtected);
  } catch (e) {
    if (e instanceof ConfigError) {
      c.error(e.message);
      return;
    }
    throw e;
  }
  c.w.ok();
}

function configResetstat(c: Client): void {
  const s = c.server;
  s.stats.reset();
  for (const cmd of s.registry.everyCommand()) {
    cmd.stats.calls = 0;
    cmd.stats.usec = 0;
    cmd.stats.failedCalls = 0;
    cmd.stats.rejectedCalls = 0;
  }
  s.latencyHistograms.clear();
  s.stats.errors.clear();
  c.w.ok();
}

function configRewrite(c: Client): void {
  const s = c.server;
  if (s.config.file === '') {
    c.error('ERR The server is running without a config file');
    return;
  }
  try {
    rewriteConfig(s, false);
  } catch (e) {
    s.log.warning(`CONFIG REWRITE failed: ${(e as Error).message}`);
    c.error(`ERR Rewriting config file: ${(e as NodeJS.ErrnoException).code ? osError(e as NodeJS.ErrnoException) : (e as Error).message}`);
    return;
  }
  s.log.notice('CONFIG REWRITE executed with success.');
  c.w.ok();
}

/** strerror() text for the usual file errors. */
export function osError(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'EACCES': return 'Permission denied';
    case 'ENOENT': return 'No such file or directory';
    case 'EROFS': return 'Read-only file system';
    case 'ENOSPC': return 'No space left on device';
    case 'EISDIR': return 'Is a directory';
    case 'ENOTDIR': return 'Not a directory';
    default: return e.message;
  }
}

function configHelp(c: Client): void {
  replyHelp(c, 'CONFIG', [
    'GET <pattern>',
    '    Return parameters matching the glob-like <pattern> and their values.',
    'SET <directive> <value>',
    '    Set the configuration <directive> to <value>.',
    'RESETSTAT',
    '    Reset statistics reported by the INFO command.',
    'REWRITE',
    '    Rewrite the configuration file.',
  ]);
}

// ---- MONITOR, TIME, LASTSAVE, SHUTDOWN ------------------------------------------------

function monitor(c: Client): void {
  // Inside EXEC (or a script) the client expects one reply per command.
  if (c.server.execDepth > 0) {
    c.error("ERR MONITOR isn't allowed for DENY BLOCKING client");
    return;
  }
  if (c.monitor) return; // already monitoring: Redis ignores the repeat
  c.monitor = true;
  c.server.monitors.add(c);
  c.w.ok();
}

function time(c: Client): void {
  const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  c.w.arr(2);
  c.w.bulk(String(Math.floor(us / 1e6)));
  c.w.bulk(String(us % 1e6));
}

function lastsave(c: Client): void {
  c.w.int(c.server.lastSave);
}

function shutdown(c: Client, argv: string[]): void {
  const flags = { save: false, nosave: false, now: false, force: false };
  let abort = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i].toLowerCase();
    if (a === 'nosave') flags.nosave = true;
    else if (a === 'save') flags.save = true;
    else if (a === 'now') flags.now = true;
    else if (a === 'force') flags.force = true;
    else if (a === 'abort') abort = true;
    else {
      c.error('ERR syntax error');
      return;
    }
  }
  if ((abort && (flags.save || flags.nosave || flags.now || flags.force)) || (flags.save && flags.nosave)) {
    c.error('ERR syntax error');
    return;
  }
  const s = c.server;
  if (abort) {
    // A shutdown only waits (for lagging replicas) when there are replicas; none here.
    c.error('ERR No shutdown in progress.');
    return;
  }
  // The final save runs first: when it fails, SHUTDOWN fails and the server keeps running.
  if (!s.prepareForShutdown('command', flags)) {
    c.error('ERR Errors trying to SHUTDOWN. Check logs.');
    return;
  }
  // The reply is the closed connection, as with Redis; nothing after SHUTDOWN runs.
  c.closeAfterReply = true;
  void s.shutdown('command', flags, true).then((ok) => {
    if (ok) s.onExit?.(0);
  });
}

export const serverCommands: CommandDef[] = [
  { name: 'info', handler: info },
  { name: 'config|get', handler: configGet },
  { name: 'config|set', handler: configSet },
  { name: 'config|resetstat', handler: configResetstat },
  { name: 'config|rewrite', handler: configRewrite },
  { name: 'config|help', handler: configHelp },
  { name: 'debug', handler: debugCommand },
  { name: 'monitor', handler: monitor },
  { name: 'time', handler: time },
  { name: 'lastsave', handler: lastsave },
  { name: 'shutdown', handler: shutdown },
  { name: 'lolwut', handler: lolwutCommand },
];

void fs;
