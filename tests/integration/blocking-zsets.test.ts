/**
 * Blocking sorted set pops (BZPOPMIN, BZPOPMAX, BZMPOP) with several
 * clients. Each scenario runs on Cinnabar and on a real Redis 7.0.15 with
 * the same timing; every reply (and every "still blocked" observation) goes
 * into a transcript, and the two transcripts must be identical. Scenarios
 * also assert what they are about, and Cinnabar-only checks look inside the
 * server (blocked client count, propagation). The keyspace events of the
 * whole zset and geo family are compared with Redis's here too.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { RawConnection, decodeReply } from '../helpers/resp';
import { startCinnabar, startRedis, skipWithoutRedis, type TestServer } from '../helpers/servers';
import type { RunningServer } from '../../src/index';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Time for a command sent on one connection to reach the server before another acts. */
const SETTLE = 40;

/** One scenario run against one server: named connections and a transcript. */
class Run {
  readonly log: string[] = [];
  private conns = new Map<string, RawConnection>();
  constructor(readonly port: number) {}

  async conn(name: string): Promise<RawConnection> {
    let c = this.conns.get(name);
    if (!c) {
      c = await RawConnection.connect(this.port);
      this.conns.set(name, c);
    }
    return c;
  }

  /** Send without waiting for the reply (a command that blocks). */
  async send(name: string, ...argv: string[]): Promise<void> {
    (await this.conn(name)).send(...argv);
    await sleep(SETTLE);
  }

  async read(name: string, timeoutMs = 3000): Promise<string> {
    const b = await (await this.conn(name)).readReply(timeoutMs);
    const s = b.toString('latin1');
    this.log.push(`${name} <- ${JSON.stringify(s)}`);
    return s;
  }

  async cmd(name: string, ...argv: string[]): Promise<string> {
    (await this.conn(name)).send(...argv);
    return this.read(name);
  }

  /** Record that nothing arrived on a connection for ms (still blocked). */
  async quiet(name: string, ms = 150): Promise<boolean> {
    const got = await (await this.conn(name)).drain(ms);
    this.log.push(`${name} quiet: ${got.length === 0 ? 'yes' : JSON.stringify(got.toString('latin1'))}`);
    return got.length === 0;
  }

  close(name: string): void {
    this.conns.get(name)?.close();
    this.conns.delete(name);
    this.log.push(`${name} closed`);
  }

  closeAll(): void {
    for (const c of this.conns.values()) c.close();
  }
}

const bulk = (s: string) => `$${s.length}\r\n${s}\r\n`;
const popped = (k: string, m: string, s: string) => `*3\r\n${bulk(k)}${bulk(m)}${bulk(s)}`;

describe('blocking sorted set commands', { skip: skipWithoutRedis() }, () => {
  let redis: TestServer;
  let cin: RunningServer;
  let hasMulti = false;
  before(async () => {
    [redis, cin] = await Promise.all([startRedis(), startCinnabar()]);
    const c = await RawConnection.connect(cin.port);
    hasMulti = !(await c.call('MULTI')).toString().startsWith('-');
    if (hasMulti) await c.call('DISCARD');
    c.close();
  });
  after(async () => {
    await Promise.all([redis?.close(), cin?.close()]);
  });

  /** Run a scenario on both servers (Redis first) and compare transcripts. */
  async function both(scenario: (r: Run, isCinnabar: boolean) => Promise<void>): Promise<Run> {
    const runs: Run[] = [];
    for (const [port, isCin] of [[redis.port, false], [cin.port, true]] as const) {
      const r = new Run(port);
      try {
        await r.cmd('admin', 'FLUSHALL');
        await scenario(r, isCin);
      } finally {
        r.closeAll();
      }
      runs.push(r);
    }
    assert.deepEqual(runs[1].log, runs[0].log, 'Cinnabar transcript differs from Redis');
    return runs[1];
  }

  it('serves clients blocked on the same key in the order they blocked', async () => {
    await both(async (r, isCin) => {
      await r.send('a', 'BZPOPMIN', 'k', '0');
      await r.send('b', 'BZPOPMAX', 'k', '0');
      await r.send('c', 'BZPOPMIN', 'k', '0');
      if (isCin) assert.equal(cin.server.blocking.count, 3);
      assert.equal(await r.cmd('p', 'ZADD', 'k', '1', 'x', '2', 'y', '3', 'z'), ':3\r\n');
      assert.equal(await r.read('a'), popped('k', 'x', '1'));
      assert.equal(await r.read('b'), popped('k', 'z', '3'));
      assert.equal(await r.read('c'), popped('k', 'y', '2'));
      await r.cmd('p', 'EXISTS', 'k');
      if (isCin) assert.equal(cin.server.blocking.count, 0);
    });
  });

  it('leaves later waiters blocked, in order, when the key runs out', async () => {
    await both(async (r) => {
      await r.send('a', 'BZPOPMIN', 'k', '0');
      await r.send('b', 'BZMPOP', '0', '1', 'k', 'MAX', 'COUNT', '2');
      await r.send('c', 'BZPOPMIN', 'k', '0');
      await r.cmd('p', 'ZADD', 'k', '1', 'x');
      assert.equal(await r.read('a'), popped('k', 'x', '1'));
      assert.ok(await r.quiet('b', 80));
      assert.ok(await r.quiet('c', 10));
      await r.cmd('p', 'ZADD', 'k', '1', 'x', '2', 'y', '3', 'z');
      await r.read('b');
      assert.equal(await r.read('c'), popped('k', 'x', '1'));
      await r.cmd('p', 'EXISTS', 'k');
    });
  });

  it('serves a client blocked on several keys from the key that became ready', async () => {
    await both(async (r) => {
      await r.send('a', 'BZPOPMIN', 'k1', 'k2', 'k3', '0');
      await r.send('b', 'BZPOPMAX', 'k1', '0');
      await r.cmd('p', 'ZADD', 'k2', '5', 'x', '6', 'y');
      assert.equal(await r.read('a'), popped('k2', 'x', '5'));
      assert.ok(await r.quiet('b', 80));
      await r.cmd('p', 'ZRANGE', 'k2', '0', '-1', 'WITHSCORES');
      await r.cmd('p', 'ZADD', 'k1', '1.5', 'z');
      assert.equal(await r.read('b'), popped('k1', 'z', '1.5'));
      await r.cmd('p', 'ZADD', 'k3', '1', 'w');
      await r.cmd('p', 'ZCARD', 'k3');
      await r.send('c', 'BZMPOP', '0', '3', 'n1', 'n2', 'n3', 'MIN', 'COUNT', '10');
      await r.cmd('p', 'ZADD', 'n3', '3', 'c', '1', 'a', '2', 'b');
      await r.read('c');
    });
  });

  it('times out to the millisecond with fractional seconds', async () => {
    await both(async (r, isCin) => {
      const c = await r.conn('a');
      for (const cmd of [
        ['BZPOPMIN', 'k', '0.1'],
        ['BZPOPMAX', 'k1', 'k2', '0.1'],
        ['BZMPOP', '0.1', '1', 'k', 'MIN'],
        ['BZMPOP', '0.1', '2', 'k', 'k2', 'MAX', 'COUNT', '5'],
      ]) {
        const t0 = Date.now();
        c.send(...cmd);
        const s = await r.read('a');
        const ms = Date.now() - t0;
        assert.equal(s, '*-1\r\n');
        assert.ok(ms >= 95, `${cmd[0]} timed out after ${ms} ms`);
        if (isCin) assert.ok(ms < 160, `${cmd[0]} timed out after ${ms} ms`);
      }
      await r.cmd('a', 'HELLO', '3').then(() => r.log.pop());
      await r.cmd('a', 'BZPOPMIN', 'k', '0.05');
      await r.cmd('a', 'BZMPOP', '0.05', '1', 'k', 'MIN');
      if (isCin) assert.equal(cin.server.blocking.count, 0);
    });
  });

  it('keeps waiting while the key holds another type', async () => {
    await both(async (r) => {
      await r.send('a', 'BZPOPMIN', 'k', '0');
      await r.send('b', 'BZMPOP', '0', '1', 'k', 'MAX');
      await r.cmd('p', 'SET', 'k', 'v');
      assert.ok(await r.quiet('a'));
      assert.ok(await r.quiet('b', 10));
      await r.cmd('p', 'DEL', 'k');
      await r.cmd('p', 'ZADD', 'k', '1', 'x', '2', 'y');
      assert.equal(await r.read('a'), popped('k', 'x', '1'));
      await r.read('b');
      await r.cmd('p', 'SET', 'k', 'v');
      await r.cmd('a', 'BZPOPMIN', 'k', '0');
      await r.cmd('a', 'BZMPOP', '0', '1', 'k', 'MIN');
    });
  });

  it('serves zset waiters and leaves list waiters on the same key', async () => {
    await both(async (r) => {
      await r.send('l', 'BLPOP', 'k', '0');
      await r.send('z', 'BZPOPMIN', 'k', '0');
      await r.cmd('p', 'ZADD', 'k', '1', 'x');
      assert.equal(await r.read('z'), popped('k', 'x', '1'));
      assert.ok(await r.quiet('l'));
      await r.send('z', 'BZPOPMIN', 'k', '0');
      await r.cmd('p', 'RPUSH', 'k', 'item');
      await r.read('l');
      assert.ok(await r.quiet('z'));
      await r.cmd('p', 'ZADD', 'k', '2', 'y');
      await r.read('z');
    });
  });

  it('wakes waiters when a store command or GEOADD creates the key', async () => {
    await both(async (r) => {
      await r.cmd('p', 'ZADD', 'src', '1', 'a', '2', 'b');
      await r.send('a', 'BZPOPMAX', 'u', '0');
      await r.cmd('p', 'ZUNIONSTORE', 'u', '1', 'src');
      await r.read('a');
      await r.send('a', 'BZPOPMIN', 'r', '0');
      await r.cmd('p', 'ZRANGESTORE', 'r', 'src', '0', '0');
      await r.read('a');
      await r.send('a', 'BZMPOP', '0', '1', 'g', 'MIN');
      await r.cmd('p', 'GEOADD', 'g', '13.361389', '38.115556', 'Palermo');
      await r.read('a');
      await r.send('a', 'BZPOPMIN', 'i', '0');
      await r.cmd('p', 'ZINCRBY', 'i', '2.5', 'm');
      await r.read('a');
      await r.send('a', 'BZPOPMIN', 'gs', '0');
      await r.cmd('p', 'GEOADD', 'geo', '13.361389', '38.115556', 'Palermo');
      await r.cmd('p', 'GEOSEARCHSTORE', 'gs', 'geo', 'FROMLONLAT', '13', '38', 'BYRADIUS', '100', 'km', 'STOREDIST');
      await r.read('a');
    });
  });

  it('answers CLIENT UNBLOCK as a timeout or an error', async () => {
    await both(async (r, isCin) => {
      const idOf = async (name: string) => String((await (await r.conn(name)).call('CLIENT', 'ID')).toString().slice(1, -2));
      const a = await idOf('a');
      const b = await idOf('b');
      await r.send('a', 'BZPOPMIN', 'k', '0');
      await r.send('b', 'BZMPOP', '0', '1', 'k', 'MAX');
      await r.cmd('p', 'CLIENT', 'UNBLOCK', a);
      assert.equal(await r.read('a'), '*-1\r\n');
      await r.cmd('p', 'CLIENT', 'UNBLOCK', b, 'ERROR');
      await r.read('b');
      await r.cmd('p', 'CLIENT', 'UNBLOCK', b);
      if (isCin) assert.equal(cin.server.blocking.count, 0);
      await r.cmd('p', 'ZADD', 'k', '1', 'x');
      await r.cmd('p', 'ZCARD', 'k');
    });
  });

  it('forgets a client that disconnects while blocked', async () => {
    await both(async (r, isCin) => {
      await r.send('a', 'BZPOPMIN', 'k', '0');
      await r.send('b', 'BZMPOP', '0', '1', 'k', 'MIN');
      r.close('a');
      r.close('b');
      await sleep(SETTLE);
      if (isCin) {
        assert.equal(cin.server.blocking.count, 0);
        assert.equal(cin.server.blocking.waitersOf(cin.server.dbs[0], 'k'), 0);
      }
      await r.cmd('p', 'ZADD', 'k', '1', 'x');
      await r.cmd('p', 'ZCARD', 'k');
      await r.send('c', 'BZPOPMAX', 'k', '0');
      assert.equal(await r.read('c'), popped('k', 'x', '1'));
    });
  });

  it('runs commands pipelined behind a blocked one after it is served', async () => {
    await both(async (r) => {
      const a = await r.conn('a');
      a.write(Buffer.from('*3\r\n$8\r\nBZPOPMIN\r\n$1\r\nk\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n*2\r\n$5\r\nZCARD\r\n$1\r\nk\r\n'));
      await sleep(SETTLE);
      assert.ok(await r.quiet('a', 60));
      await r.cmd('p', 'ZADD', 'k', '1', 'v1', '2', 'v2');
      assert.equal(await r.read('a'), popped('k', 'v1', '1'));
      assert.equal(await r.read('a'), '+PONG\r\n');
      assert.equal(await r.read('a'), ':1\r\n');
    });
  });

  it('replies in RESP3 to a RESP3 client', async () => {
    await both(async (r) => {
      await r.cmd('a', 'HELLO', '3').then(() => r.log.pop());
      await r.send('a', 'BZPOPMIN', 'k', '0');
      await r.cmd('p', 'ZADD', 'k', '1.5', 'v');
      await r.read('a');
      await r.send('a', 'BZMPOP', '0', '1', 'k', 'MAX', 'COUNT', '3');
      await r.cmd('p', 'ZADD', 'k', '1', 'v', '2', 'w');
      await r.read('a');
    });
  });

  it('wakes waiters on a ZADD inside MULTI/EXEC only after EXEC', async (t) => {
    if (!hasMulti) return t.skip('MULTI/EXEC is not available in this build yet');
    await both(async (r) => {
      await r.send('a', 'BZPOPMIN', 'k', '0');
      await r.send('b', 'BZPOPMAX', 'k1', 'k2', '0');
      await r.cmd('p', 'MULTI');
      await r.cmd('p', 'ZADD', 'k', '1', 'first', '2', 'second');
      await r.cmd('p', 'ZPOPMIN', 'k');
      assert.ok(await r.quiet('a', 60));
      await r.cmd('p', 'ZADD', 'k2', '1', 'from-k2');
      await r.cmd('p', 'ZADD', 'k1', '1', 'from-k1');
      await r.cmd('p', 'EXEC');
      assert.equal(await r.read('a'), popped('k', 'second', '2'));
      assert.equal(await r.read('b'), popped('k2', 'from-k2', '1'));
      await r.cmd('p', 'ZRANGE', 'k1', '0', '-1');
      // Added and popped again within the transaction: nobody wakes.
      await r.send('c', 'BZPOPMIN', 'k3', '0');
      await r.cmd('p', 'MULTI');
      await r.cmd('p', 'ZADD', 'k3', '1', 'x');
      await r.cmd('p', 'ZPOPMAX', 'k3');
      await r.cmd('p', 'EXEC');
      assert.ok(await r.quiet('c', 80));
      // Blocking commands inside MULTI answer at once as a timeout.
      await r.cmd('p', 'MULTI');
      await r.cmd('p', 'BZPOPMIN', 'nokey', '0');
      await r.cmd('p', 'BZPOPMAX', 'nokey', '0');
      await r.cmd('p', 'BZMPOP', '0', '1', 'nokey', 'MIN');
      await r.cmd('p', 'EXEC');
    });
  });

  it('propagates what a blocking pop did', async () => {
    const seen: string[][] = [];
    const prop = (_db: number, argv: string[]) => seen.push([...argv]);
    cin.server.propagators.push(prop);
    try {
      const r = new Run(cin.port);
      try {
        await r.cmd('p', 'FLUSHALL');
        seen.length = 0;
        await r.send('a', 'BZPOPMIN', 'k', '0');
        await r.cmd('p', 'ZADD', 'k', '1', 'x');
        await r.read('a');
        await r.send('a', 'BZMPOP', '0', '1', 'm', 'MAX', 'COUNT', '5');
        await r.cmd('p', 'ZADD', 'm', '1', 'a', '2', 'b');
        await r.read('a');
        // Served at once: the requested count.
        await r.cmd('p', 'ZADD', 'n', '1', 'a', '2', 'b');
        await r.cmd('a', 'BZPOPMAX', 'n', '0');
        await r.cmd('a', 'BZMPOP', '0', '1', 'n', 'MIN', 'COUNT', '7');
        await r.cmd('p', 'ZADD', 'n', '1', 'a');
        await r.cmd('a', 'ZMPOP', '1', 'n', 'MAX');
        await r.cmd('p', 'GEOADD', 'g', '1', '2', 'm');
        await r.cmd('p', 'GEOADD', 'g', '1', '2', 'm');
        // Timeouts and empty pops propagate nothing.
        await r.cmd('a', 'BZPOPMIN', 'none', '0.01');
        await r.cmd('a', 'ZMPOP', '1', 'none', 'MIN');
        await r.cmd('a', 'ZPOPMIN', 'none');
      } finally {
        r.closeAll();
      }
      assert.deepEqual(seen, [
        ['ZADD', 'k', '1', 'x'],
        ['ZPOPMIN', 'k'],
        ['ZADD', 'm', '1', 'a', '2', 'b'],
        ['ZPOPMAX', 'm', '2'],
        ['ZADD', 'n', '1', 'a', '2', 'b'],
        ['ZPOPMAX', 'n'],
        ['ZPOPMIN', 'n', '7'],
        ['ZADD', 'n', '1', 'a'],
        ['ZPOPMAX', 'n', '1'],
        ['zadd', 'g', '3378080408407459', 'm'],
      ]);
    } finally {
      cin.server.propagators.splice(cin.server.propagators.indexOf(prop), 1);
    }
  });

  it('fires the same keyspace events as Redis, in the same order', async () => {
    const script: { conn: string; argv: string[]; blocks?: boolean; read?: string }[] = [
      { conn: 'p', argv: ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd'] },
      { conn: 'p', argv: ['ZADD', 'z', '1', 'a'] },
      { conn: 'p', argv: ['ZADD', 'z', 'XX', '1', 'nothere'] },
      { conn: 'p', argv: ['ZADD', 'z', 'INCR', '1', 'a'] },
      { conn: 'p', argv: ['ZADD', 'z', 'GT', '0', 'a'] },
      { conn: 'p', argv: ['ZINCRBY', 'z', '1', 'b'] },
      { conn: 'p', argv: ['ZINCRBY', 'z2', '1', 'b'] },
      { conn: 'p', argv: ['ZREM', 'z', 'nothere'] },
      { conn: 'p', argv: ['ZREM', 'z', 'a'] },
      { conn: 'p', argv: ['ZREM', 'z2', 'b'] },
      { conn: 'p', argv: ['ZADD', 'z', '5', 'e', '6', 'f', '7', 'g'] },
      { conn: 'p', argv: ['ZREMRANGEBYRANK', 'z', '0', '0'] },
      { conn: 'p', argv: ['ZREMRANGEBYRANK', 'z', '10', '20'] },
      { conn: 'p', argv: ['ZREMRANGEBYSCORE', 'z', '4', '4'] },
      { conn: 'p', argv: ['ZREMRANGEBYLEX', 'z', '[e', '[e'] },
      { conn: 'p', argv: ['ZPOPMIN', 'z'] },
      { conn: 'p', argv: ['ZPOPMAX', 'z', '0'] },
      { conn: 'p', argv: ['ZPOPMAX', 'z', '5'] },
      { conn: 'p', argv: ['ZADD', 'z', '1', 'a', '2', 'b'] },
      { conn: 'p', argv: ['ZMPOP', '1', 'z', 'MIN'] },
      { conn: 'p', argv: ['ZMPOP', '1', 'z', 'MAX', 'COUNT', '3'] },
      { conn: 'p', argv: ['ZADD', 'z', '1', 'a', '2', 'b'] },
      { conn: 'p', argv: ['ZREMRANGEBYSCORE', 'z', '-inf', '+inf'] },
      { conn: 'p', argv: ['ZADD', 's1', '1', 'a', '2', 'b'] },
      { conn: 'p', argv: ['ZADD', 's2', '1', 'b', '2', 'c'] },
      { conn: 'p', argv: ['ZUNIONSTORE', 'u', '2', 's1', 's2'] },
      { conn: 'p', argv: ['ZINTERSTORE', 'u', '2', 's1', 's2'] },
      { conn: 'p', argv: ['ZDIFFSTORE', 'u', '2', 's1', 's2'] },
      { conn: 'p', argv: ['ZDIFFSTORE', 'u', '2', 's1', 's1'] },
      { conn: 'p', argv: ['ZINTERSTORE', 'u', '2', 's1', 'nokey'] },
      { conn: 'p', argv: ['ZRANGESTORE', 'r', 's1', '0', '0'] },
      { conn: 'p', argv: ['ZRANGESTORE', 'r', 's1', '5', '6'] },
      { conn: 'p', argv: ['ZRANGESTORE', 'r', 'nokey', '0', '-1'] },
      { conn: 'p', argv: ['ZRANGESTORE', 'r', 's1', '0', '0'] },
      { conn: 'p', argv: ['ZRANGESTORE', 'r', 'nokey', '0', '-1'] },
      { conn: 'p', argv: ['GEOADD', 'g', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'] },
      { conn: 'p', argv: ['GEOADD', 'g', 'NX', '13.361389', '38.115556', 'Palermo'] },
      { conn: 'p', argv: ['GEORADIUS', 'g', '15', '37', '200', 'km', 'STORE', 'gs'] },
      { conn: 'p', argv: ['GEORADIUS', 'g', '15', '37', '200', 'km', 'STOREDIST', 'gs'] },
      { conn: 'p', argv: ['GEORADIUS', 'g', '0', '0', '1', 'km', 'STORE', 'gs'] },
      { conn: 'p', argv: ['GEOSEARCHSTORE', 'gs', 'g', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '500', 'km'] },
      { conn: 'p', argv: ['GEOSEARCHSTORE', 'gs', 'nokey', 'FROMLONLAT', '0', '0', 'BYRADIUS', '500', 'km'] },
      { conn: 'p', argv: ['GEORADIUS', 'nokey', '15', '37', '200', 'km', 'STORE', 'g'] },
      { conn: 'p', argv: ['ZADD', 'n', '1', 'x'] },
      { conn: 'p', argv: ['BZPOPMIN', 'n', '0'] },
      { conn: 'a', argv: ['BZPOPMAX', 'q', '0'], blocks: true },
      { conn: 'p', argv: ['ZADD', 'q', '1', 'v', '2', 'w'], read: 'a' },
      { conn: 'a', argv: ['BZMPOP', '0', '1', 'q2', 'MIN', 'COUNT', '5'], blocks: true },
      { conn: 'p', argv: ['ZADD', 'q2', '1', 'v', '2', 'w'], read: 'a' },
      { conn: 'p', argv: ['DEL', 'q', 's1', 's2'] },
    ];
    const sequences: string[][] = [];
    for (const isCin of [false, true]) {
      const r = new Run(isCin ? cin.port : redis.port);
      const events: string[] = [];
      const server = cin.server;
      const original = server.notify;
      try {
        await r.cmd('p', 'FLUSHALL');
        let sub: RawConnection | null = null;
        if (isCin) {
          server.notify = (type: number, event: string, key: string, dbid: number) => {
            if (type !== 1 << 11 && type !== 1 << 14) events.push(`${dbid} ${event} ${key}`);
          };
        } else {
          await r.cmd('p', 'CONFIG', 'SET', 'notify-keyspace-events', 'EA');
          sub = await RawConnection.connect(redis.port);
          await sub.call('PSUBSCRIBE', '__keyevent@*');
        }
        for (const st of script) {
          if (st.blocks) await r.send(st.conn, ...st.argv);
          else await r.cmd(st.conn, ...st.argv);
          if (st.read) await r.read(st.read);
        }
        if (sub) {
          await sleep(50);
          while (sub.pending().length > 0) {
            const [msg] = decodeReply(await sub.readReply());
            const [, , channel, key] = msg as string[];
            const m = /^__keyevent@(\d+)__:(.*)$/.exec(channel)!;
            events.push(`${m[1]} ${m[2]} ${key}`);
          }
          sub.close();
          await r.cmd('p', 'CONFIG', 'SET', 'notify-keyspace-events', '');
        }
      } finally {
        server.notify = original;
        r.closeAll();
      }
      sequences.push(events);
    }
    assert.ok(sequences[0].length > 40, `Redis sent ${sequences[0].length} events`);
    assert.deepEqual(sequences[1], sequences[0]);
  });
});
