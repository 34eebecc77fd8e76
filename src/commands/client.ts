/**
 * CLIENT subcommands: connection introspection and control (ID, INFO, LIST,
 * SETNAME, GETNAME, KILL, REPLY, PAUSE, UNPAUSE, UNBLOCK, NO-EVICT), client
 * side caching (TRACKING, TRACKINGINFO, GETREDIR, CACHING), and two 7.2
 * subcommands clients send on connect (SETINFO, NO-TOUCH). CLIENT LIST keeps
 * Redis 7.0's field list.
 */
import type { Client } from '../server/client';
import { ReplyMode, PAUSE_ALL, PAUSE_WRITE } from '../server/client';
import type { CommandDef } from './registry';
import { ERR_SYNTAX, is, replyHelp, timeoutArg } from './args';
import { parseInt64 } from '../protocol/numbers';
import { validClientName } from './connection';
import {
  TRACKING_BCAST,
  TRACKING_BROKEN_REDIR,
  TRACKING_CACHING,
  TRACKING_NOLOOP,
  TRACKING_ON,
  TRACKING_OPTIN,
  TRACKING_OPTOUT,
} from '../server/tracking';

export const enum ClientType {
  Normal,
  Replica,
  PubSub,
  Master,
}

/** getClientType: MONITOR clients count as normal ones. */
export function clientType(c: Client): ClientType {
  if (c.isMaster) return ClientType.Master;
  if (c.server.inPubSubContext(c)) return ClientType.PubSub;
  return ClientType.Normal;
}

/** getClientTypeByName, or -1. */
function clientTypeByName(name: string): ClientType | -1 {
  switch (name.toLowerCase()) {
    case 'normal':
      return ClientType.Normal;
    case 'slave':
    case 'replica':
      return ClientType.Replica;
    case 'pubsub':
      return ClientType.PubSub;
    case 'master':
      return ClientType.Master;
    default:
      return -1;
  }
}

/** addReplySubcommandSyntaxError */
function subcommandSyntaxError(c: Client, argv: string[]): void {
  c.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1].slice(0, 128)}'. Try ${argv[0].toUpperCase()} HELP.`);
}

/** Users known to the server (no ACL users beyond "default" yet). */
function userExists(name: string): boolean {
  return name === 'default';
}

// ---- ID, INFO, LIST, SETNAME, GETNAME -----------------------------------------------

function clientId(c: Client): void {
  c.w.int(c.id);
}

function clientInfo(c: Client): void {
  c.w.verbatim(c.describe() + '\n');
}

function clientList(c: Client, argv: string[]): void {
  const server = c.server;
  let out = '';
  if (argv.length === 4 && is(argv[2], 'type')) {
    const type = clientTypeByName(argv[3]);
    if (type === -1) {
      c.error(`ERR Unknown client type '${argv[3]}'`);
      return;
    }
    for (const cl of server.clients.values()) if (clientType(cl) === type) out += cl.describe() + '\n';
  } else if (argv.length > 3 && is(argv[2], 'id')) {
    for (let i = 3; i < argv.length; i++) {
      const id = parseInt64(argv[i]);
      if (id === null) {
        c.error('ERR Invalid client ID');
        return;
      }
      const cl = server.clients.get(id);
      if (cl !== undefined) out += cl.describe() + '\n';
    }
  } else if (argv.length !== 2) {
    c.error(ERR_SYNTAX);
    return;
  } else {
    for (const cl of server.clients.values()) out += cl.describe() + '\n';
  }
  c.w.verbatim(out);
}

function clientSetname(c: Client, argv: string[]): void {
  const name = argv[2];
  if (!validClientName(name)) {
    c.error('ERR Client names cannot contain spaces, newlines or special characters.');
    return;
  }
  c.name = name;
  c.w.ok();
}

function clientGetname(c: Client): void {
  if (c.name === '') c.w.nil();
  else c.w.bulk(c.name);
}

// ---- KILL -----------------------------------------------------------------------------

function clientKill(c: Client, argv: string[]): void {
  const server = c.server;
  let addr: string | null = null;
  let laddr: string | null = null;
  let type: ClientType | -1 = -1;
  let id = 0;
  let user: string | null = null;
  let skipme = true;
  if (argv.length === 3) {
    // Old form: CLIENT KILL <ip:port>, which may kill the caller itself.
    addr = argv[2];
    skipme = false;
  } else {
    for (let i = 2; i < argv.length; i += 2) {
      const more = i + 1 < argv.length;
      const opt = argv[i];
      if (is(opt, 'id') && more) {
        const v = parseInt64(argv[i + 1]);
        if (v === null || v < 1) {
          c.error('ERR client-id should be greater than 0');
          return;
        }
        id = v;
      } else if (is(opt, 'type') && more) {
        type = clientTypeByName(argv[i + 1]);
        if (type === -1) {
          c.error(`ERR Unknown client type '${argv[i + 1]}'`);
          return;
        }
      } else if (is(opt, 'addr') && more) {
        addr = argv[i + 1];
      } else if (is(opt, 'laddr') && more) {
        laddr = argv[i + 1];
      } else if (is(opt, 'user') && more) {
        if (!userExists(argv[i + 1])) {
          c.error(`ERR No such user '${argv[i + 1]}'`);
          return;
        }
        user = argv[i + 1];
      } else if (is(opt, 'skipme') && more) {
        if (is(argv[i + 1], 'yes')) skipme = true;
        else if (is(argv[i + 1], 'no')) skipme = false;
        else {
          c.error(ERR_SYNTAX);
          return;
        }
      } else {
        c.error(ERR_SYNTAX);
        return;
      }
    }
  }
  let killed = 0;
  let closeMe = false;
  for (const cl of [...server.clients.values()]) {
    if (addr !== null && cl.remoteAddr !== addr) continue;
    if (laddr !== null && cl.localAddr !== laddr) continue;
    if (type !== -1 && clientType(cl) !== type) continue;
    if (id !== 0 && cl.id !== id) continue;
    if (user !== null && cl.user !== user) continue;
    if (cl === c && skipme) continue;
    if (cl === c) closeMe = true;
    else {
      cl.killed = true;
      cl.close();
    }
    killed++;
  }
  if (argv.length === 3) {
    if (killed === 0) c.error('ERR No such client');
    else c.w.ok();
  } else c.w.int(killed);
  if (closeMe) c.closeAfterReply = true;
}

// ---- REPLY, NO-EVICT, NO-TOUCH, SETINFO --------------------------------------------------

function clientReply(c: Client, argv: string[]): void {
  const mode = argv[2];
  if (is(mode, 'on')) {
    c.replyMode = ReplyMode.On;
    c.w.muted = false;
    c.w.ok();
  } else if (is(mode, 'off')) {
    c.replyMode = ReplyMode.Off;
    c.w.muted = true;
  } else if (is(mode, 'skip')) {
    if (c.replyMode !== ReplyMode.Off) c.replyMode = ReplyMode.SkipNext;
  } else c.error(ERR_SYNTAX);
}

function onOff(c: Client, arg: string): boolean | null {
  if (is(arg, 'on')) return true;
  if (is(arg, 'off')) return false;
  c.error(ERR_SYNTAX);
  return null;
}

function clientNoEvict(c: Client, argv: string[]): void {
  const v = onOff(c, argv[2]);
  if (v === null) return;
  c.noEvict = v;
  c.w.ok();
}

/** 7.2: the client's commands leave LRU/LFU alone (TOUCH still touches). */
function clientNoTouch(c: Client, argv: string[]): void {
  const v = onOff(c, argv[2]);
  if (v === null) return;
  c.noTouch = v;
  c.w.ok();
}

/** 7.2: library name and version, as client libraries announce them on connect. */
function clientSetinfo(c: Client, argv: string[]): void {
  const attr = argv[2];
  const val = argv[3];
  const lib = is(attr, 'lib-name') ? 'name' : is(attr, 'lib-ver') ? 'ver' : null;
  if (lib === null) {
    c.error(`ERR Unrecognized option '${attr}'`);
    return;
  }
  if (!validClientName(val)) {
    c.error(`ERR ${attr} cannot contain spaces, newlines or special characters.`);
    return;
  }
  if (lib === 'name') c.libName = val;
  else c.libVer = val;
  c.w.ok();
}

// ---- PAUSE, UNPAUSE, UNBLOCK ------------------------------------------------------------

function clientPause(c: Client, argv: string[]): void {
  if (argv.length > 4) {
    subcommandSyntaxError(c, argv);
    return;
  }
  let type = PAUSE_ALL;
  if (argv.length === 4) {
    if (is(argv[3], 'write')) type = PAUSE_WRITE;
    else if (is(argv[3], 'all')) type = PAUSE_ALL;
    else {
      c.error('ERR CLIENT PAUSE mode must be WRITE or ALL');
      return;
    }
  }
  const end = timeoutArg(c, argv[2], Date.now(), 'ms');
  if (end === null) return;
  c.server.pauseClients(type, end);
  c.w.ok();
}

function clientUnpause(c: Client): void {
  c.server.unpauseClients();
  c.w.ok();
}

function clientUnblock(c: Client, argv: string[]): void {
  if (argv.length > 4) {
    subcommandSyntaxError(c, argv);
    return;
  }
  let reason: 'timeout' | 'error' = 'timeout';
  if (argv.length === 4) {
    if (is(argv[3], 'timeout')) reason = 'timeout';
    else if (is(argv[3], 'error')) reason = 'error';
    else {
      c.error('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
      return;
    }
  }
  const id = parseInt64(argv[2]);
  if (id === null) {
    c.error('ERR value is not an integer or out of range');
    return;
  }
  const target = c.server.clients.get(id);
  // A client held by CLIENT PAUSE has not run its command: it is not unblockable
  // (Redis 7.0.15 crashes there; later versions answer 0).
  if (target !== undefined && target.blocked !== null && !target.postponed) {
    c.server.blocking.unblock(target, reason);
    c.w.int(1);
  } else c.w.int(0);
}

// ---- client side caching -----------------------------------------------------------------

/** stringCheckPrefix: one is a prefix of the other. */
function overlaps(a: string, b: string): boolean {
  const n = Math.min(a.length, b.length);
  return a.slice(0, n) === b.slice(0, n);
}

/**
 * checkPrefixCollisionsOrReply. Redis 7.0 returns the index of the prefix
 * that overlaps a later one of the same command: when that index is not 0
 * the command goes on after the error (and answers OK too). Kept as is.
 */
function checkPrefixes(c: Client, prefixes: string[]): number {
  for (let i = 0; i < prefixes.length; i++) {
    if (c.trackingPrefixes !== null) {
      for (const p of [...c.trackingPrefixes].sort()) {
        if (overlaps(p, prefixes[i])) {
          c.error(`ERR Prefix '${prefixes[i]}' overlaps with an existing prefix '${p}'. Prefixes for a single client must not overlap.`);
          return 0;
        }
      }
    }
    for (let j = i + 1; j < prefixes.length; j++) {
      if (overlaps(prefixes[i], prefixes[j])) {
        c.error(`ERR Prefix '${prefixes[i]}' overlaps with another provided prefix '${prefixes[j]}'. Prefixes for a single client must not overlap.`);
        return i;
      }
    }
  }
  return 1;
}

function clientTracking(c: Client, argv: string[]): void {
  const server = c.server;
  let redirect = 0;
  let options = 0;
  const prefixes: string[] = [];
  for (let j = 3; j < argv.length; j++) {
    const more = argv.length - 1 - j > 0;
    const opt = argv[j];
    if (is(opt, 'redirect') && more) {
      j++;
      if (redirect !== 0) {
        c.error('ERR A client can only redirect to a single other client');
        return;
      }
      const id = parseInt64(argv[j]);
      if (id === null) {
        c.error('ERR value is not an integer or out of range');
        return;
      }
      if (!server.clients.has(id)) {
        c.error('ERR The client ID you want redirect to does not exist');
        return;
      }
      redirect = id;
    } else if (is(opt, 'bcast')) options |= TRACKING_BCAST;
    else if (is(opt, 'optin')) options |= TRACKING_OPTIN;
    else if (is(opt, 'optout')) options |= TRACKING_OPTOUT;
    else if (is(opt, 'noloop')) options |= TRACKING_NOLOOP;
    else if (is(opt, 'prefix') && more) {
      j++;
      prefixes.push(argv[j]);
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  if (is(argv[2], 'on')) {
    if (!(options & TRACKING_BCAST) && prefixes.length > 0) {
      c.error('ERR PREFIX option requires BCAST mode to be enabled');
      return;
    }
    if (c.tracking & TRACKING_ON && (c.tracking & TRACKING_BCAST) !== (options & TRACKING_BCAST)) {
      c.error("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.");
      return;
    }
    if (options & TRACKING_BCAST && options & (TRACKING_OPTIN | TRACKING_OPTOUT)) {
      c.error('ERR OPTIN and OPTOUT are not compatible with BCAST');
      return;
    }
    if (options & TRACKING_OPTIN && options & TRACKING_OPTOUT) {
      c.error("ERR You can't specify both OPTIN mode and OPTOUT mode");
      return;
    }
    if ((options & TRACKING_OPTIN && c.tracking & TRACKING_OPTOUT) || (options & TRACKING_OPTOUT && c.tracking & TRACKING_OPTIN)) {
      c.error("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.");
      return;
    }
    if (options & TRACKING_BCAST && checkPrefixes(c, prefixes) === 0) return;
    server.tracking.enable(c, redirect, options, prefixes);
  } else if (is(argv[2], 'off')) {
    server.tracking.disable(c);
  } else {
    c.error(ERR_SYNTAX);
    return;
  }
  c.w.ok();
}

function clientCaching(c: Client, argv: string[]): void {
  if (!(c.tracking & TRACKING_ON)) {
    c.error('ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled');
    return;
  }
  const opt = argv[2];
  if (is(opt, 'yes')) {
    if (!(c.tracking & TRACKING_OPTIN)) {
      c.error('ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.');
      return;
    }
  } else if (is(opt, 'no')) {
    if (!(c.tracking & TRACKING_OPTOUT)) {
      c.error('ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.');
      return;
    }
  } else {
    c.error(ERR_SYNTAX);
    return;
  }
  c.tracking |= TRACKING_CACHING;
  c.w.ok();
}

function clientGetredir(c: Client): void {
  c.w.int(c.tracking & TRACKING_ON ? c.trackingRedirect : -1);
}

function clientTrackinginfo(c: Client): void {
  const w = c.w;
  const t = c.tracking;
  const flags = [t & TRACKING_ON ? 'on' : 'off'];
  if (t & TRACKING_BCAST) flags.push('bcast');
  if (t & TRACKING_OPTIN) {
    flags.push('optin');
    if (t & TRACKING_CACHING) flags.push('caching-yes');
  }
  if (t & TRACKING_OPTOUT) {
    flags.push('optout');
    if (t & TRACKING_CACHING) flags.push('caching-no');
  }
  if (t & TRACKING_NOLOOP) flags.push('noloop');
  if (t & TRACKING_BROKEN_REDIR) flags.push('broken_redirect');
  w.map(3);
  w.bulk('flags');
  w.set(flags.length);
  for (const f of flags) w.bulk(f);
  w.bulk('redirect');
  w.int(t & TRACKING_ON ? c.trackingRedirect : -1);
  w.bulk('prefixes');
  w.bulks(c.trackingPrefixes === null ? [] : [...c.trackingPrefixes].sort());
}

// ---- HELP -----------------------------------------------------------------------------------

function clientHelp(c: Client): void {
  replyHelp(c, 'CLIENT', [
    'CACHING (YES|NO)',
    '    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.',
    'GETREDIR',
    '    Return the client ID we are redirecting to when tracking is enabled.',
    'GETNAME',
    '    Return the name of the current connection.',
    'ID',
    '    Return the ID of the current connection.',
    'INFO',
    '    Return information about the current client connection.',
    'KILL <ip:port>',
    '    Kill connection made from <ip:port>.',
    'KILL <option> <value> [<option> <value> [...]]',
    '    Kill connections. Options are:',
    '    * ADDR (<ip:port>|<unixsocket>:0)',
    '      Kill connections made from the specified address',
    '    * LADDR (<ip:port>|<unixsocket>:0)',
    '      Kill connections made to specified local address',
    '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
    '      Kill connections by type.',
    '    * USER <username>',
    '      Kill connections authenticated by <username>.',
    '    * SKIPME (YES|NO)',
    '      Skip killing current connection (default: yes).',
    'LIST [options ...]',
    '    Return information about client connections. Options:',
    '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
    '      Return clients of specified type.',
    'UNPAUSE',
    '    Stop the current client pause, resuming traffic.',
    'PAUSE <timeout> [WRITE|ALL]',
    '    Suspend all, or just write, clients for <timeout> milliseconds.',
    'REPLY (ON|OFF|SKIP)',
    '    Control the replies sent to the current connection.',
    'SETNAME <name>',
    '    Assign the name <name> to the current connection.',
    'UNBLOCK <clientid> [TIMEOUT|ERROR]',
    '    Unblock the specified blocked client.',
    'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
    '         [OPTIN] [OPTOUT] [NOLOOP]',
    '    Control server assisted client side caching.',
    'TRACKINGINFO',
    '    Report tracking status for the current connection.',
    'NO-EVICT (ON|OFF)',
    '    Protect current client connection from eviction.',
  ]);
}

export const clientCommands: CommandDef[] = [
  { name: 'client|id', handler: clientId },
  { name: 'client|info', handler: clientInfo },
  { name: 'client|list', handler: clientList },
  { name: 'client|setname', handler: clientSetname },
  { name: 'client|getname', handler: clientGetname },
  { name: 'client|kill', handler: clientKill },
  { name: 'client|reply', handler: clientReply },
  { name: 'client|pause', handler: clientPause },
  { name: 'client|unpause', handler: clientUnpause },
  { name: 'client|unblock', handler: clientUnblock },
  { name: 'client|no-evict', handler: clientNoEvict },
  { name: 'client|no-touch', handler: clientNoTouch },
  { name: 'client|setinfo', handler: clientSetinfo },
  { name: 'client|tracking', handler: clientTracking },
  { name: 'client|trackinginfo', handler: clientTrackinginfo },
  { name: 'client|getredir', handler: clientGetredir },
  { name: 'client|caching', handler: clientCaching },
  { name: 'client|help', handler: clientHelp },
];
