/**
 * Connection commands: PING, ECHO, QUIT, HELLO, AUTH, SELECT, RESET.
 */
import type { Client } from '../server/client';
import { ReplyMode } from '../server/client';
import type { CommandDef } from './registry';
import { ERR_DB_INDEX, is } from './args';
import { parseInt64 } from '../protocol/numbers';
import { REDIS_VERSION } from '../version';

function ping(c: Client, argv: string[]): void {
  if (argv.length > 2) {
    c.error(`ERR wrong number of arguments for 'ping' command`);
    return;
  }
  if (c.resp === 2 && c.server.inPubSubContext(c)) {
    c.w.arr(2);
    c.w.bulk('pong');
    c.w.bulk(argv.length === 2 ? argv[1] : '');
    return;
  }
  if (argv.length === 2) c.w.bulk(argv[1]);
  else c.w.raw('+PONG\r\n');
}

function echo(c: Client, argv: string[]): void {
  c.w.bulk(argv[1]);
}

function quit(c: Client): void {
  c.w.ok();
  c.closeAfterReply = true;
}

/** Client names: printable ASCII without spaces (validateClientName). */
export function validClientName(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const ch = name.charCodeAt(i);
    if (ch < 33 || ch > 126) return false;
  }
  return true;
}

/** AUTH/HELLO AUTH: check a password for a user. Returns the error to reply, or null. */
export function authenticate(c: Client, user: string | null, pass: string): string | null {
  const required = c.server.config.str('requirepass');
  if (user === null && required === '') {
    return 'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?';
  }
  const ok = (user === null || user === 'default') && (required === '' || pass === required);
  if (!ok) {
    c.server.log.notice(`Failed authentication attempt for user '${user ?? 'default'}'`);
    return 'WRONGPASS invalid username-password pair or user is disabled.';
  }
  c.authenticated = true;
  c.parser.limits.unauthenticated = false;
  c.user = 'default';
  return null;
}

function auth(c: Client, argv: string[]): void {
  if (argv.length > 3) {
    c.error('ERR syntax error');
    return;
  }
  const err = argv.length === 3 ? authenticate(c, argv[1], argv[2]) : authenticate(c, null, argv[1]);
  if (err) c.error(err);
  else c.w.ok();
}

function hello(c: Client, argv: string[]): void {
  let ver = 0;
  let i = 1;
  if (argv.length >= 2) {
    const v = parseInt64(argv[1]);
    if (v === null) {
      c.error('ERR Protocol version is not an integer or out of range');
      return;
    }
    ver = v;
    i = 2;
    if (ver < 2 || ver > 3) {
      c.error('NOPROTO unsupported protocol version');
      return;
    }
  }
  let setname: string | null = null;
  let authUser: string | null = null;
  let authPass = '';
  for (; i < argv.length; i++) {
    const more = argv.length - i - 1;
    if (is(argv[i], 'auth') && more >= 2) {
      authUser = argv[i + 1];
      authPass = argv[i + 2];
      i += 2;
    } else if (is(argv[i], 'setname') && more >= 1) {
      setname = argv[i + 1];
      i += 1;
    } else {
      c.error(`ERR Syntax error in HELLO option '${argv[i]}'`);
      return;
    }
  }
  if (authUser !== null) {
    const err = authenticate(c, authUser, authPass);
    if (err) {
      c.error(err);
      return;
    }
  }
  if (!c.authenticated) {
    c.error('NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time');
    return;
  }
  // The name is checked once authenticated, as clientSetName runs then.
  if (setname !== null) {
    if (!validClientName(setname)) {
      c.error('ERR Client names cannot contain spaces, newlines or special characters.');
      return;
    }
    c.name = setname;
  }
  if (ver) c.resp = ver as 2 | 3;
  const w = c.w;
  w.map(7);
  w.bulk('server');
  w.bulk('redis');
  w.bulk('version');
  w.bulk(REDIS_VERSION);
  w.bulk('proto');
  w.int(c.resp);
  w.bulk('id');
  w.int(c.id);
  w.bulk('mode');
  w.bulk(c.server.config.bool('cluster-enabled') ? 'cluster' : 'standalone');
  w.bulk('role');
  w.bulk('master');
  w.bulk('modules');
  w.arr(0);
}

function select(c: Client, argv: string[]): void {
  const id = parseInt64(argv[1]);
  if (id === null) {
    c.error('ERR value is not an integer or out of range');
    return;
  }
  // getIntFromObjectOrReply: the index must fit a C int.
  if (id < -2147483648 || id > 2147483647) {
    c.error('ERR value is out of range, value must between -2147483648 and 2147483647');
    return;
  }
  if (c.server.config.bool('cluster-enabled') && id !== 0) {
    c.error('ERR SELECT is not allowed in cluster mode');
    return;
  }
  if (id < 0 || id >= c.server.dbs.length) {
    c.error(ERR_DB_INDEX);
    return;
  }
  c.db = c.server.dbs[id];
  c.w.ok();
}

/**
 * RESET (clearClientConnectionState): MONITOR, tracking, database, protocol,
 * authentication, transaction, subscriptions, name and CLIENT REPLY OFF/SKIP
 * back to a new connection's. CLIENT NO-EVICT stays, as in 7.0; NO-TOUCH
 * (a 7.2 flag) is cleared as 7.2 does.
 */
function reset(c: Client): void {
  const s = c.server;
  if (c.monitor) {
    c.monitor = false;
    s.monitors.delete(c);
  }
  if (c.tracking !== 0) s.tracking.disable(c);
  c.db = s.dbs[0];
  c.resp = 2;
  c.user = 'default';
  c.authenticated = !s.authRequired();
  c.parser.limits.unauthenticated = !c.authenticated;
  s.discardTransaction(c);
  s.pubsub.unsubscribeAll(c);
  c.name = '';
  c.noTouch = false;
  // REPLY OFF and a pending SKIP end; a SKIP already silencing this very command stays.
  if (c.replyMode === ReplyMode.Off || c.replyMode === ReplyMode.SkipNext) {
    c.replyMode = ReplyMode.On;
    c.w.muted = false;
  }
  c.w.simple('RESET');
}

export const connectionCommands: CommandDef[] = [
  { name: 'ping', handler: ping },
  { name: 'echo', handler: echo },
  { name: 'quit', handler: quit },
  { name: 'auth', handler: auth },
  { name: 'hello', handler: hello },
  { name: 'select', handler: select },
  { name: 'reset', handler: reset },
];
