/**
 * CLIENT subcommands across connections: CLIENT LIST as others see it,
 * CLIENT KILL in every form, CLIENT PAUSE and UNPAUSE, CLIENT UNBLOCK of a
 * blocked BLPOP, client side caching with redirection and broadcasting,
 * maxclients, and requirepass as redis-cli uses it. Scenarios run on
 * Cinnabar and on Redis 7.0.15 and their transcripts must match; the 7.2
 * subcommands (NO-TOUCH, SETINFO) are checked on Cinnabar alone.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as net from 'net';
import { execFile } from 'child_process';
import { createClient } from 'redis';
import { RawConnection, decodeReply } from '../helpers/resp';
import { hasRedisCli, skipWithoutRedis, startCinnabar } from '../helpers/servers';
import { both, sleep, usePair } from './scenario';

/** Run redis-cli without blocking the event loop (the server under test runs in this process). */
function redisCli(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }, (_err, stdout) => resolve(stdout.trim()));
  });
}

/** Some fields of a CLIENT LIST / CLIENT INFO line. */
function pick(line: string, names: string[]): string {
  return names
    .map((n) => {
      const m = new RegExp(`(?:^| )${n}=([^ \\n]*)`).exec(line);
      return `${n}=${m ? m[1] : '?'}`;
    })
    .join(' ');
}

/** The field names of a CLIENT LIST line, in order. */
function fieldNames(line: string): string {
  return line
    .trim()
    .split(' ')
    .map((f) => f.slice(0, f.indexOf('=')))
    .join(' ');
}

describe('CLIENT with several connections (differential)', { skip: skipWithoutRedis() }, () => {
  const pair = usePair();

  it('CLIENT LIST and CLIENT INFO field for field', async () => {
    await both(pair(), async (r) => {
      const idA = await r.myId('a');
      await r.myId('b');
      await r.cmd('a', 'CLIENT', 'SETNAME', 'worker-1');
      await r.cmd('a', 'SELECT', '3');
      await r.cmd('a', 'GET', 'k');
      const list = String(await r.silent('b', 'CLIENT', 'LIST'));
      const lines = list.split('\n').filter(Boolean);
      r.note(`lines: ${lines.length}, ends with newline: ${list.endsWith('\n')}`);
      for (const l of lines) r.note(fieldNames(l));
      for (const l of lines) r.note(r.norm(pick(l, ['id', 'name', 'flags', 'db', 'sub', 'psub', 'ssub', 'multi', 'argv-mem', 'obl', 'oll', 'omem', 'events', 'cmd', 'user', 'redir', 'resp'])));
      const info = String(await r.silent('a', 'CLIENT', 'INFO'));
      r.note(fieldNames(info));
      r.note(r.norm(pick(info, ['id', 'name', 'flags', 'db', 'multi', 'cmd', 'resp'])));
      const one = String(await r.silent('b', 'CLIENT', 'LIST', 'ID', idA, idA, '424242'));
      r.note(r.norm(one.split('\n').map((l) => pick(l, ['id', 'name'])).join(' | ')));
      // The address fields name the real endpoints.
      const a = await r.conn('a');
      const mine = `${a.sock.localAddress}:${a.sock.localPort}`;
      const peer = `${a.sock.remoteAddress}:${a.sock.remotePort}`;
      r.note(`addr ok: ${info.includes(` addr=${mine} `)} laddr ok: ${info.includes(` laddr=${peer} `)}`);
      // Unknown and rejected commands show in cmd= as Redis records them.
      await r.cmd('a', 'GET');
      r.note(pick(String(await r.silent('b', 'CLIENT', 'LIST', 'ID', idA)), ['cmd']));
      await r.cmd('a', 'NOSUCH');
      r.note(pick(String(await r.silent('b', 'CLIENT', 'LIST', 'ID', idA)), ['cmd']));
      await r.cmd('a', 'CLIENT', 'NOSUCH');
      r.note(pick(String(await r.silent('b', 'CLIENT', 'LIST', 'ID', idA)), ['cmd']));
      await r.cmd('a', 'CONFIG', 'GET', 'maxclients');
      r.note(pick(String(await r.silent('b', 'CLIENT', 'LIST', 'ID', idA)), ['cmd']));
      await r.cmd('a', 'CLIENT', 'NO-EVICT', 'on');
      await r.cmd('a', 'CLIENT', 'TRACKING', 'on', 'bcast');
      r.note(pick(String(await r.silent('b', 'CLIENT', 'LIST', 'ID', idA)), ['flags', 'redir']));
    });
  });

  it('CLIENT KILL by id, address, type, user and the caller itself', async () => {
    await both(pair(), async (r) => {
      const idV = await r.myId('victim');
      await r.cmd('k', 'CLIENT', 'KILL', 'ID', idV);
      await r.closed('victim');
      await r.cmd('k', 'CLIENT', 'KILL', 'ID', idV);
      // Old form: the peer address, answering OK.
      const v2 = await r.conn('v2');
      await r.cmd('v2', 'PING');
      const addr = `${v2.sock.localAddress}:${v2.sock.localPort}`;
      const cmdAddr = (await r.silent('k', 'CLIENT', 'KILL', addr)) as string;
      r.note(`old form: ${cmdAddr}`);
      await r.closed('v2');
      await r.cmd('k', 'CLIENT', 'KILL', '127.0.0.1:1');
      // New form by address counts.
      const v3 = await r.conn('v3');
      await r.cmd('v3', 'PING');
      await r.silent('k', 'CLIENT', 'KILL', 'ADDR', `${v3.sock.localAddress}:${v3.sock.localPort}`).then((x) => r.note(`addr: ${x}`));
      await r.closed('v3');
      // LADDR: every connection to the server's address but the caller.
      await r.cmd('v4', 'PING');
      await r.cmd('v5', 'PING');
      const k = await r.conn('k');
      await r.silent('k', 'CLIENT', 'KILL', 'LADDR', `${k.sock.remoteAddress}:${k.sock.remotePort}`).then((x) => r.note(`laddr: ${x}`));
      await r.closed('v4');
      await r.closed('v5');
      // TYPE normal SKIPME yes: idle clients go, the caller stays.
      await r.cmd('v6', 'PING');
      await r.cmd('v7', 'SUBSCRIBE', 'x');
      await r.cmd('k', 'CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
      await r.closed('v6');
      await r.quiet('v7', 30);
      await r.cmd('k', 'PING');
      await r.cmd('k', 'CLIENT', 'KILL', 'USER', 'default');
      await r.closed('v7');
      // The caller killing itself gets its reply, then the connection closes.
      await r.cmd('k', 'CLIENT', 'KILL', 'USER', 'default', 'SKIPME', 'no');
      await r.closed('k');
      const me = await r.conn('me');
      await r.cmd('me', 'PING');
      r.note(`self: ${await r.silent('me', 'CLIENT', 'KILL', `${me.sock.localAddress}:${me.sock.localPort}`)}`);
      await r.closed('me');
    });
  });

  it('CLIENT PAUSE WRITE holds writes, lets reads through, and UNPAUSE releases them', async () => {
    await both(pair(), async (r) => {
      const idW = await r.myId('w');
      await r.cmd('ctl', 'CLIENT', 'PAUSE', '10000', 'WRITE');
      await r.cmd('rd', 'GET', 'k');
      await r.send('w', 'SET', 'k', 'v');
      await r.quiet('w', 80);
      const line = String(await r.silent('ctl', 'CLIENT', 'LIST', 'ID', idW));
      r.note(pick(line, ['flags', 'cmd']));
      await r.cmd('rd', 'GET', 'k');
      await r.cmd('rd', 'PING');
      await r.cmd('rd', 'PUBLISH', 'c', 'x');
      // A transaction with a write waits at EXEC; reads inside MULTI queue.
      await r.cmd('tx', 'MULTI');
      await r.cmd('tx', 'GET', 'k');
      await r.send('tx', 'INCR', 'n');
      await r.quiet('tx', 50);
      await r.cmd('ctl', 'CLIENT', 'UNPAUSE');
      await r.read('w');
      await r.read('tx');
      await r.cmd('tx', 'EXEC');
      await r.cmd('rd', 'GET', 'k');
    });
  });

  it('CLIENT PAUSE ALL holds every command until the timeout', async () => {
    await both(pair(), async (r) => {
      await r.cmd('ctl', 'CLIENT', 'PAUSE', '300', 'ALL');
      await r.send('rd', 'GET', 'k');
      await r.send('ctl', 'PING');
      await r.quiet('rd', 100);
      await r.quiet('ctl', 10);
      await sleep(250);
      await r.read('rd');
      await r.read('ctl');
      // A shorter pause does not shorten the current one; a stronger kind wins.
      await r.cmd('ctl', 'CLIENT', 'PAUSE', '400', 'WRITE');
      await r.cmd('ctl', 'CLIENT', 'PAUSE', '100', 'ALL');
      await r.send('rd', 'GET', 'k');
      await r.quiet('rd', 200);
      await sleep(300);
      await r.read('rd');
    });
  });

  it('keys do not expire while clients are paused', async () => {
    await both(pair(), async (r) => {
      await r.cmd('a', 'SET', 'k', 'v', 'PX', '50');
      await r.cmd('a', 'CLIENT', 'PAUSE', '300', 'WRITE');
      await sleep(120);
      await r.cmd('a', 'GET', 'k');
      await r.cmd('a', 'DBSIZE');
      await r.cmd('a', 'CLIENT', 'UNPAUSE');
      await r.cmd('a', 'GET', 'k');
      await r.cmd('a', 'DBSIZE');
    });
  });

  it('CLIENT UNBLOCK of a client blocked in BLPOP', async () => {
    await both(pair(), async (r) => {
      const id = await r.myId('b');
      await r.send('b', 'BLPOP', 'l', '0');
      await r.cmd('u', 'CLIENT', 'UNBLOCK', id);
      await r.read('b');
      await r.send('b', 'BLPOP', 'l', '0');
      await r.cmd('u', 'CLIENT', 'UNBLOCK', id, 'ERROR');
      await r.read('b');
      await r.cmd('u', 'CLIENT', 'UNBLOCK', id);
      await r.send('b', 'BRPOP', 'l', 'l2', '0');
      await r.cmd('u', 'CLIENT', 'UNBLOCK', id, 'timeout');
      await r.read('b');
      // Commands pipelined behind the blocked one run after it is unblocked.
      const b = await r.conn('b');
      b.write('*3\r\n$5\r\nBLPOP\r\n$1\r\nl\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n');
      await sleep(40);
      await r.cmd('u', 'CLIENT', 'UNBLOCK', id);
      await r.read('b');
      await r.read('b');
      await r.cmd('u', 'INFO', 'errorstats').then(() => undefined);
    });
  });

  it('tracking: invalidations to another connection and to RESP2 redirects', async () => {
    await both(pair(), async (r) => {
      const idSub = await r.myId('sub');
      await r.cmd('sub', 'SUBSCRIBE', '__redis__:invalidate');
      await r.cmd('t', 'CLIENT', 'TRACKING', 'on', 'REDIRECT', idSub);
      await r.cmd('t', 'GET', 'k');
      await r.cmd('w', 'SET', 'k', '1');
      await r.read('sub');
      await r.cmd('t', 'GET', 'k');
      await r.cmd('t', 'SET', 'k', '2');
      await r.read('sub');
      await r.cmd('t', 'CLIENT', 'GETREDIR');
      await r.cmd('t', 'CLIENT', 'TRACKINGINFO');
      await r.cmd('w', 'FLUSHALL');
      await r.read('sub');
      // OPTIN: only keys read right after CLIENT CACHING yes are tracked.
      await r.cmd('t', 'CLIENT', 'TRACKING', 'on', 'REDIRECT', idSub, 'OPTIN');
      await r.cmd('t', 'GET', 'a');
      await r.cmd('t', 'CLIENT', 'CACHING', 'yes');
      await r.cmd('t', 'GET', 'b');
      await r.cmd('w', 'SET', 'a', '1');
      await r.cmd('w', 'SET', 'b', '1');
      await r.read('sub');
      await r.quiet('sub', 50);
      // The redirect target goes away: the redirection is broken.
      r.close('sub');
      await sleep(50);
      await r.cmd('t', 'CLIENT', 'CACHING', 'yes');
      await r.cmd('t', 'GET', 'c');
      await r.cmd('w', 'SET', 'c', '1');
      await r.cmd('t', 'CLIENT', 'TRACKINGINFO');
      await r.cmd('t', 'CLIENT', 'LIST', 'ID', '0');
    });
  });

  it('tracking: RESP3 pushes, BCAST across clients, NOLOOP, broken redirect push', async () => {
    await both(pair(), async (r) => {
      await r.silent('t', 'HELLO', '3');
      await r.cmd('t', 'CLIENT', 'TRACKING', 'on');
      await r.cmd('t', 'GET', 'k');
      await r.cmd('w', 'SET', 'k', 'v');
      await r.read('t');
      await r.cmd('w', 'SET', 'k', 'again');
      await r.quiet('t', 50);
      await r.silent('b', 'HELLO', '3');
      await r.cmd('b', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'user:', 'NOLOOP');
      await r.cmd('w', 'SET', 'user:1', 'x');
      await r.read('b');
      await r.cmd('b', 'SET', 'user:2', 'mine');
      await r.quiet('b', 50);
      const w = await r.conn('w');
      // Keys changed by one batch of commands come in one message, in key order.
      w.write('*3\r\n$3\r\nSET\r\n$6\r\nuser:9\r\n$1\r\n1\r\n*3\r\n$3\r\nSET\r\n$6\r\nuser:3\r\n$1\r\n1\r\n');
      await r.read('w');
      await r.read('w');
      await r.read('b');
      await r.cmd('w', 'DEL', 'user:9', 'user:3', 'user:1', 'other');
      await r.read('b');
      // Redirect to a RESP3 connection that then leaves.
      const idGone = await r.myId('gone');
      await r.silent('r3', 'HELLO', '3');
      await r.cmd('r3', 'CLIENT', 'TRACKING', 'on', 'REDIRECT', idGone);
      await r.cmd('r3', 'GET', 'z');
      r.close('gone');
      await sleep(50);
      await r.cmd('w', 'SET', 'z', '1');
      await r.read('r3');
      await r.cmd('r3', 'CLIENT', 'TRACKINGINFO');
    });
  });

  it('maxclients refuses extra connections and counts them', async () => {
    await both(pair(), async (r) => {
      await r.cmd('a', 'CONFIG', 'SET', 'maxclients', '3');
      const before = String(await r.silent('a', 'INFO', 'stats')).match(/rejected_connections:(\d+)/)![1];
      await r.cmd('b', 'PING');
      await r.cmd('c', 'PING');
      const d = await r.conn('d');
      d.send('PING');
      r.note(`fourth: ${JSON.stringify((await d.readReply().catch((e) => Buffer.from(String(e)))).toString())}`);
      await r.closed('d');
      const after = String(await r.silent('a', 'INFO', 'stats')).match(/rejected_connections:(\d+)/)![1];
      r.note(`rejected: +${Number(after) - Number(before)}`);
      r.close('c');
      await sleep(50);
      await r.cmd('e', 'PING');
      await r.cmd('a', 'CONFIG', 'SET', 'maxclients', '10000');
    });
  });
});

describe('CLIENT on Cinnabar alone', () => {
  it('CLIENT NO-TOUCH (7.2): reads leave the LRU clock alone, TOUCH still touches', async () => {
    const s = await startCinnabar();
    const c = await RawConnection.connect(s.port);
    try {
      assert.equal(String(await c.cmd('SET', 'k', 'v')), 'OK');
      assert.equal(String(await c.cmd('CLIENT', 'NO-TOUCH', 'on')), 'OK');
      assert.match(String(await c.cmd('CLIENT', 'INFO')), / flags=T /);
      assert.match(String(await c.cmd('CLIENT', 'NO-TOUCH', 'maybe')), /ERR syntax error/);
      await sleep(2100);
      assert.equal(String(await c.cmd('GET', 'k')), 'v');
      assert.ok(Number(await c.cmd('OBJECT', 'IDLETIME', 'k')) >= 2);
      assert.equal(await c.cmd('TOUCH', 'k'), 1);
      assert.ok(Number(await c.cmd('OBJECT', 'IDLETIME', 'k')) <= 1);
      await sleep(1100);
      assert.equal(String(await c.cmd('CLIENT', 'NO-TOUCH', 'off')), 'OK');
      assert.equal(String(await c.cmd('GET', 'k')), 'v');
      assert.equal(await c.cmd('OBJECT', 'IDLETIME', 'k'), 0);
      assert.equal(String(await c.cmd('CLIENT', 'NO-TOUCH', 'on')), 'OK');
      assert.equal(String(await c.cmd('RESET')), 'RESET');
      assert.match(String(await c.cmd('CLIENT', 'INFO')), / flags=N /);
    } finally {
      c.close();
      await s.close();
    }
  });

  it('CLIENT SETINFO (7.2) accepts library name and version', async () => {
    const s = await startCinnabar();
    const c = await RawConnection.connect(s.port);
    try {
      assert.equal(String(await c.cmd('CLIENT', 'SETINFO', 'LIB-NAME', 'my-lib')), 'OK');
      assert.equal(String(await c.cmd('CLIENT', 'SETINFO', 'lib-ver', '1.2.3')), 'OK');
      assert.equal(String(await c.cmd('CLIENT', 'SETINFO', 'lib-ver', 'a b')), 'ERR lib-ver cannot contain spaces, newlines or special characters.');
      assert.equal(String(await c.cmd('CLIENT', 'SETINFO', 'other', 'x')), "ERR Unrecognized option 'other'");
      assert.equal(String(await c.cmd('CLIENT', 'SETINFO', 'lib-name')), "ERR wrong number of arguments for 'client|setinfo' command");
      const info = String(await c.cmd('CLIENT', 'INFO'));
      // CLIENT LIST keeps Redis 7.0's fields.
      assert.doesNotMatch(info, /lib-name/);
      assert.match(info, / resp=2\n$/);
    } finally {
      c.close();
      await s.close();
    }
  });

  it('CLIENT UNBLOCK does not release a client held by CLIENT PAUSE', async () => {
    const s = await startCinnabar();
    const a = await RawConnection.connect(s.port);
    const b = await RawConnection.connect(s.port);
    try {
      const idB = String(await b.cmd('CLIENT', 'ID'));
      assert.equal(String(await a.cmd('CLIENT', 'PAUSE', '5000', 'WRITE')), 'OK');
      b.send('SET', 'k', 'v');
      await sleep(50);
      assert.match(String(await a.cmd('CLIENT', 'LIST', 'ID', idB)), / flags=b .* cmd=set /);
      assert.match(String(await a.cmd('INFO', 'clients')), /blocked_clients:1/);
      assert.equal(await a.cmd('CLIENT', 'UNBLOCK', idB), 0);
      assert.equal((await b.drain(50)).length, 0);
      assert.equal(String(await a.cmd('CLIENT', 'UNPAUSE')), 'OK');
      assert.equal(String(decodeReply(await b.readReply())[0]), 'OK');
      assert.equal(String(await a.cmd('GET', 'k')), 'v');
    } finally {
      a.close();
      b.close();
      await s.close();
    }
  });

  it('a killed paused client is forgotten by the unpause', async () => {
    const s = await startCinnabar();
    const a = await RawConnection.connect(s.port);
    const b = await RawConnection.connect(s.port);
    try {
      const idB = String(await b.cmd('CLIENT', 'ID'));
      await a.cmd('CLIENT', 'PAUSE', '5000', 'ALL');
      b.send('SET', 'k', 'v');
      await sleep(30);
      assert.equal(s.server.postponed.length, 1);
      b.close();
      await sleep(50);
      assert.equal(s.server.postponed.length, 0);
      s.server.unpauseClients();
      await sleep(20);
      assert.equal(await a.cmd('EXISTS', 'k'), 0);
      assert.equal(await a.cmd('CLIENT', 'KILL', 'ID', idB), 0);
    } finally {
      a.close();
      await s.close();
    }
  });

  it('node-redis client side caching (RESP3 CLIENT TRACKING) sees invalidations', async () => {
    const s = await startCinnabar();
    const cached = createClient({ socket: { port: s.port, host: '127.0.0.1' }, RESP: 3, clientSideCache: { ttl: 0, maxEntries: 0 } });
    const writer = createClient({ socket: { port: s.port, host: '127.0.0.1' } });
    try {
      await cached.connect();
      await writer.connect();
      await writer.set('k', 'one');
      assert.equal(await cached.get('k'), 'one');
      assert.equal(await cached.get('k'), 'one');
      const before = cached.clientSideCache!.stats();
      assert.equal(before.hitCount, 1);
      await writer.set('k', 'two');
      for (let i = 0; i < 50 && cached.clientSideCache!.stats().evictionCount === 0; i++) await sleep(10);
      assert.equal(await cached.get('k'), 'two');
      assert.ok(cached.clientSideCache!.stats().missCount >= 2);
      const info = String(await writer.sendCommand(['CLIENT', 'LIST', 'TYPE', 'normal']));
      assert.match(info, /flags=t /);
    } finally {
      await cached.quit().catch(() => undefined);
      await writer.quit().catch(() => undefined);
      await s.close();
    }
  });

  it('redis-cli: requirepass, -a, NOAUTH and WRONGPASS', { skip: hasRedisCli() ? false : 'redis-cli not installed' }, async () => {
    const s = await startCinnabar();
    const cli = (...args: string[]) => redisCli(s.port, ...args);
    try {
      assert.equal(await cli('CONFIG', 'SET', 'requirepass', 's3cret'), 'OK');
      assert.match(await cli('PING'), /^NOAUTH Authentication required\./);
      assert.equal(await cli('-a', 's3cret', '--no-auth-warning', 'PING'), 'PONG');
      assert.match(await cli('-a', 'wrong', '--no-auth-warning', 'PING'), /WRONGPASS|NOAUTH/);
      assert.equal(await cli('-a', 's3cret', '--no-auth-warning', 'CONFIG', 'SET', 'requirepass', ''), 'OK');
      assert.equal(await cli('PING'), 'PONG');
    } finally {
      await s.close();
    }
  });

  it('redis-cli: CLIENT KILL TYPE normal SKIPME yes closes idle connections', { skip: hasRedisCli() ? false : 'redis-cli not installed' }, async () => {
    const s = await startCinnabar();
    const socks = await Promise.all([0, 1, 2].map(() => RawConnection.connect(s.port)));
    try {
      await sleep(50);
      const out = await redisCli(s.port, 'CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
      assert.equal(out, '3');
      for (const k of socks) assert.ok(await k.waitClosed(1000));
      const raw = net.createConnection({ port: s.port, host: '127.0.0.1' });
      await new Promise((res) => raw.once('connect', res));
      raw.write('CLIENT ID\r\n');
      const id = await new Promise<string>((res) => raw.once('data', (d) => res(d.toString().slice(1, -2))));
      const killed = await redisCli(s.port, 'CLIENT', 'KILL', 'ID', id);
      assert.equal(killed, '1');
      raw.destroy();
    } finally {
      for (const k of socks) k.close();
      await s.close();
    }
  });
});
