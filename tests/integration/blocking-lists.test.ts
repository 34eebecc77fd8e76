/**
 * Blocking list commands with several clients. Each scenario runs on Cinnabar
 * and on a real Redis 7.0.15 with the same timing; every reply (and every
 * "still blocked" observation) goes into a transcript, and the two
 * transcripts must be identical. Scenarios also assert what they are about,
 * so a failure reads as the behaviour that broke, and Cinnabar-only checks
 * look inside the server (blocked client count, propagation).
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

  /** Read the next reply of a connection into the transcript and return it raw. */
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
const pair = (k: string, v: string) => `*2\r\n${bulk(k)}${bulk(v)}`;

describe('blocking list commands', { skip: skipWithoutRedis() }, () => {
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
    await both(async (r) => {
      await r.send('a', 'BLPOP', 'k', '0');
      await r.send('b', 'BLPOP', 'k', '0');
      await r.send('c', 'BRPOP', 'k', '0');
      assert.equal(await r.cmd('p', 'RPUSH', 'k', '1', '2'), ':2\r\n');
      assert.equal(await r.read('a'), pair('k', '1'));
      assert.equal(await r.read('b'), pair('k', '2'));
      assert.ok(await r.quiet('c'));
      await r.cmd('p', 'RPUSH', 'k', '3', '4');
      assert.equal(await r.read('c'), pair('k', '4'));
      await r.cmd('p', 'LRANGE', 'k', '0', '-1');
    });
  });

  it('leaves later waiters blocked, in order, when the first consumes the key', async () => {
    const run = await both(async (r, isCin) => {
      await r.send('a', 'BLPOP', 'k', '0');
      await r.send('b', 'BLPOP', 'k', '0');
      await r.send('c', 'BLPOP', 'k', '0');
      if (isCin) assert.equal(cin.server.blocking.count, 3);
      await r.cmd('p', 'LPUSH', 'k', 'x');
      assert.equal(await r.read('a'), pair('k', 'x'));
      assert.ok(await r.quiet('b', 80));
      assert.ok(await r.quiet('c', 10));
      await r.cmd('p', 'LPUSH', 'k', 'y');
      assert.equal(await r.read('b'), pair('k', 'y'));
      assert.ok(await r.quiet('c', 80));
      await r.cmd('p', 'LPUSH', 'k', 'z');
      assert.equal(await r.read('c'), pair('k', 'z'));
      await r.cmd('p', 'EXISTS', 'k');
      if (isCin) assert.equal(cin.server.blocking.count, 0);
    });
    assert.ok(run.log.length > 0);
  });

  it('serves a client blocked on several keys from the key that became ready', async () => {
    await both(async (r) => {
      await r.send('a', 'BLPOP', 'k1', 'k2', 'k3', '0');
      await r.send('b', 'BRPOP', 'k1', '0');
      await r.cmd('p', 'RPUSH', 'k2', 'x', 'y');
      assert.equal(await r.read('a'), pair('k2', 'x'));
      assert.ok(await r.quiet('b', 80));
      await r.cmd('p', 'LRANGE', 'k2', '0', '-1');
      await r.cmd('p', 'RPUSH', 'k1', 'z');
      assert.equal(await r.read('b'), pair('k1', 'z'));
      // Served once: a push on another of its keys stays there.
      await r.cmd('p', 'RPUSH', 'k3', 'w');
      await r.cmd('p', 'LLEN', 'k3');
    });
  });

  it('times out to the millisecond with fractional seconds', async () => {
    await both(async (r, isCin) => {
      const c = await r.conn('a');
      for (const [cmd, nullArray] of [
        [['BLPOP', 'k', '0.1'], true],
        [['BRPOP', 'k1', 'k2', '0.1'], true],
        [['BLMPOP', '0.1', '1', 'k', 'LEFT'], true],
        [['BLMOVE', 'k', 'd', 'LEFT', 'RIGHT', '0.1'], true],
        [['BRPOPLPUSH', 'k', 'd', '0.1'], true],
      ] as const) {
        const t0 = Date.now();
        c.send(...cmd);
        const s = await r.read('a');
        const ms = Date.now() - t0;
        assert.equal(s, nullArray ? '*-1\r\n' : '$-1\r\n');
        assert.ok(ms >= 95, `${cmd[0]} timed out after ${ms} ms`);
        // Redis checks timeouts at hz 10; Cinnabar keeps a timer per client.
        if (isCin) assert.ok(ms < 160, `${cmd[0]} timed out after ${ms} ms`);
      }
      // Past setTimeout's 2^31-1 ms range (about 24.8 days), and past int64 ms when
      // added to the clock: both simply wait.
      await r.send('b', 'BLPOP', 'k', '3000000');
      await r.send('c', 'BLPOP', 'k', '9223372036854775');
      assert.ok(await r.quiet('b', 150));
      assert.ok(await r.quiet('c', 10));
      await r.cmd('p', 'RPUSH', 'k', 'x', 'y');
      assert.equal(await r.read('b'), pair('k', 'x'));
      assert.equal(await r.read('c'), pair('k', 'y'));
      await r.cmd('a', 'HELLO', '3').then(() => r.log.pop());
      await r.cmd('a', 'BLPOP', 'k', '0.05');
      await r.cmd('a', 'BLMOVE', 'k', 'd', 'LEFT', 'RIGHT', '0.05');
      await r.cmd('a', 'EXISTS', 'd');
      if (isCin) assert.equal(cin.server.blocking.count, 0);
    });
  });

  it('forgets a client that disconnects while blocked', async () => {
    await both(async (r, isCin) => {
      await r.send('a', 'BLPOP', 'k', '0');
      await r.send('b', 'BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '0');
      if (isCin) assert.equal(cin.server.blocking.count, 2);
      r.close('a');
      r.close('b');
      await sleep(SETTLE);
      if (isCin) {
        assert.equal(cin.server.blocking.count, 0);
        assert.equal(cin.server.blocking.waitersOf(cin.server.dbs[0], 'k'), 0);
      }
      await r.cmd('p', 'RPUSH', 'k', 'x');
      await r.cmd('p', 'LRANGE', 'k', '0', '-1');
      await r.cmd('p', 'EXISTS', 'd');
      await r.send('c', 'BLPOP', 'k', '0');
      assert.equal(await r.read('c'), pair('k', 'x'));
    });
  });

  it('chains BLMOVE waiters through the lists they create', async () => {
    await both(async (r) => {
      await r.send('a', 'BLMOVE', 'k1', 'k2', 'LEFT', 'RIGHT', '0');
      await r.send('b', 'BRPOPLPUSH', 'k2', 'k3', '0');
      await r.send('c', 'BLPOP', 'k3', '0');
      await r.cmd('p', 'RPUSH', 'k1', 'job');
      assert.equal(await r.read('a'), bulk('job'));
      assert.equal(await r.read('b'), bulk('job'));
      assert.equal(await r.read('c'), pair('k3', 'job'));
      await r.cmd('p', 'EXISTS', 'k1', 'k2', 'k3');
    });
  });

  it('serves BLMOVE with source and destination the same list', async () => {
    await both(async (r) => {
      await r.send('a', 'BLMOVE', 'k', 'k', 'RIGHT', 'LEFT', '0');
      await r.cmd('p', 'RPUSH', 'k', 'a');
      assert.equal(await r.read('a'), bulk('a'));
      await r.cmd('p', 'LRANGE', 'k', '0', '-1');
      await r.send('b', 'BLMOVE', 'k2', 'k2', 'LEFT', 'RIGHT', '0');
      await r.cmd('p', 'RPUSH', 'k2', 'x', 'y', 'z');
      await r.read('b');
      await r.cmd('p', 'LRANGE', 'k2', '0', '-1');
    });
  });

  it('answers WRONGTYPE when the destination became another type, leaving the element', async () => {
    await both(async (r) => {
      await r.send('a', 'BLMOVE', 's', 'd', 'LEFT', 'RIGHT', '0');
      await r.send('b', 'BRPOPLPUSH', 's', 'd2', '0');
      await r.cmd('p', 'SET', 'd', 'string');
      await r.cmd('p', 'RPUSH', 's', 'x');
      assert.match(await r.read('a'), /^-WRONGTYPE/);
      // The next waiter gets the element.
      assert.equal(await r.read('b'), bulk('x'));
      await r.cmd('p', 'EXISTS', 's');
      await r.cmd('p', 'LRANGE', 'd2', '0', '-1');
    });
  });

  it('keeps waiting while the key holds another type', async () => {
    await both(async (r) => {
      await r.send('a', 'BLPOP', 'k', '0');
      await r.send('b', 'BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '0');
      await r.cmd('p', 'SET', 'k', 'v');
      assert.ok(await r.quiet('a'));
      assert.ok(await r.quiet('b', 10));
      await r.cmd('p', 'DEL', 'k');
      await r.cmd('p', 'RPUSH', 'k', 'x', 'y');
      assert.equal(await r.read('a'), pair('k', 'x'));
      assert.equal(await r.read('b'), bulk('y'));
      // Blocking afresh on a key of another type is an error at once.
      await r.cmd('p', 'SET', 'k', 'v');
      await r.cmd('a', 'BLPOP', 'k', '0');
      await r.cmd('a', 'BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '0');
    });
  });

  it('serves BLMPOP with a count from the ready key', async () => {
    await both(async (r) => {
      await r.send('a', 'BLMPOP', '0', '2', 'k1', 'k2', 'RIGHT', 'COUNT', '2');
      await r.send('b', 'BLMPOP', '0', '1', 'k2', 'LEFT', 'COUNT', '5');
      await r.cmd('p', 'RPUSH', 'k2', 'a', 'b', 'c');
      await r.read('a');
      await r.read('b');
      await r.cmd('p', 'EXISTS', 'k2');
    });
  });

  it('runs commands pipelined behind a blocked one after it is served', async () => {
    await both(async (r) => {
      const a = await r.conn('a');
      a.write(Buffer.from('*3\r\n$5\r\nBLPOP\r\n$1\r\nk\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nLLEN\r\n$1\r\nk\r\n'));
      await sleep(SETTLE);
      assert.ok(await r.quiet('a', 60));
      await r.cmd('p', 'RPUSH', 'k', 'v1', 'v2');
      assert.equal(await r.read('a'), pair('k', 'v1'));
      assert.equal(await r.read('a'), '+PONG\r\n');
      assert.equal(await r.read('a'), ':1\r\n');
    });
  });

  it('replies in RESP3 to a RESP3 client', async () => {
    await both(async (r) => {
      await r.cmd('a', 'HELLO', '3').then(() => r.log.pop());
      await r.send('a', 'BLPOP', 'k', '0');
      await r.cmd('p', 'RPUSH', 'k', 'v');
      await r.read('a');
      await r.send('a', 'BLMPOP', '0', '1', 'k', 'LEFT');
      await r.cmd('p', 'RPUSH', 'k', 'v', 'w');
      await r.read('a');
    });
  });

  it('wakes waiters on a push inside MULTI/EXEC only after EXEC', async (t) => {
    if (!hasMulti) return t.skip('MULTI/EXEC is not available in this build yet');
    await both(async (r) => {
      await r.send('a', 'BLPOP', 'k', '0');
      await r.send('b', 'BLPOP', 'k1', 'k2', '0');
      await r.cmd('p', 'MULTI');
      await r.cmd('p', 'RPUSH', 'k', 'first', 'second');
      await r.cmd('p', 'LPOP', 'k');
      assert.ok(await r.quiet('a', 60));
      // b waits on k1 then k2; k2 becomes ready first, so b is served from k2.
      await r.cmd('p', 'RPUSH', 'k2', 'from-k2');
      await r.cmd('p', 'RPUSH', 'k1', 'from-k1');
      await r.cmd('p', 'EXEC');
      assert.equal(await r.read('a'), pair('k', 'second'));
      assert.equal(await r.read('b'), pair('k2', 'from-k2'));
      await r.cmd('p', 'LRANGE', 'k1', '0', '-1');
      // A push that is popped again within the transaction wakes nobody.
      await r.send('c', 'BLPOP', 'k3', '0');
      await r.cmd('p', 'MULTI');
      await r.cmd('p', 'RPUSH', 'k3', 'x');
      await r.cmd('p', 'RPOP', 'k3');
      await r.cmd('p', 'EXEC');
      assert.ok(await r.quiet('c', 80));
      // Blocking commands inside MULTI answer at once as a timeout.
      await r.cmd('p', 'MULTI');
      await r.cmd('p', 'BLPOP', 'nokey', '0');
      await r.cmd('p', 'BLMOVE', 'nokey', 'd', 'LEFT', 'LEFT', '0');
      await r.cmd('p', 'BRPOPLPUSH', 'nokey', 'd', '0');
      await r.cmd('p', 'BLMPOP', '0', '1', 'nokey', 'LEFT');
      await r.cmd('p', 'EXEC');
    });
  });

  it('fires the same keyspace events as Redis, in the same order', async () => {
    const script: { conn: string; argv: string[]; blocks?: boolean; read?: string }[] = [
      { conn: 'p', argv: ['RPUSH', 'l', 'a', 'b', 'c', 'd'] },
      { conn: 'p', argv: ['LPUSH', 'l', 'z'] },
      { conn: 'p', argv: ['LPUSHX', 'nokey', 'a'] },
      { conn: 'p', argv: ['RPUSHX', 'l', 'e'] },
      { conn: 'p', argv: ['LPOP', 'l'] },
      { conn: 'p', argv: ['RPOP', 'l', '2'] },
      { conn: 'p', argv: ['LPOP', 'l', '0'] },
      { conn: 'p', argv: ['LSET', 'l', '0', 'A'] },
      { conn: 'p', argv: ['LSET', 'l', '10', 'A'] },
      { conn: 'p', argv: ['LINSERT', 'l', 'BEFORE', 'b', 'x'] },
      { conn: 'p', argv: ['LINSERT', 'l', 'BEFORE', 'nothere', 'x'] },
      { conn: 'p', argv: ['LREM', 'l', '0', 'nothere'] },
      { conn: 'p', argv: ['LREM', 'l', '0', 'x'] },
      { conn: 'p', argv: ['LTRIM', 'l', '0', '-1'] },
      { conn: 'p', argv: ['LTRIM', 'l', '0', '0'] },
      { conn: 'p', argv: ['LTRIM', 'l', '1', '0'] },
      { conn: 'p', argv: ['RPUSH', 'l', '1', '2', '3'] },
      { conn: 'p', argv: ['LREM', 'l', '0', '1'] },
      { conn: 'p', argv: ['LMOVE', 'l', 'm', 'LEFT', 'RIGHT'] },
      { conn: 'p', argv: ['RPOPLPUSH', 'l', 'l'] },
      { conn: 'p', argv: ['RPOPLPUSH', 'l', 'm'] },
      { conn: 'p', argv: ['LMPOP', '1', 'm', 'RIGHT', 'COUNT', '5'] },
      { conn: 'p', argv: ['RPUSH', 'n', 'v'] },
      { conn: 'p', argv: ['BLPOP', 'n', '0'] },
      { conn: 'a', argv: ['BLPOP', 'q', '0'], blocks: true },
      { conn: 'p', argv: ['RPUSH', 'q', 'v', 'w'], read: 'a' },
      { conn: 'a', argv: ['BLMOVE', 'q2', 'q', 'RIGHT', 'LEFT', '0'], blocks: true },
      { conn: 'p', argv: ['LPUSH', 'q2', 'x'], read: 'a' },
      { conn: 'p', argv: ['SET', 's', 'v'] },
      { conn: 'a', argv: ['BLMOVE', 'q3', 's', 'RIGHT', 'LEFT', '0'], blocks: true },
      { conn: 'p', argv: ['LPUSH', 'q3', 'x'], read: 'a' },
      { conn: 'p', argv: ['DEL', 'q', 'q3', 's'] },
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
          // In process: capture what the server would publish (needs no pub/sub).
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
    assert.ok(sequences[0].length > 30, `Redis sent ${sequences[0].length} events`);
    assert.deepEqual(sequences[1], sequences[0]);
  });

  it('propagates what a served blocking command did', async () => {
    const seen: string[][] = [];
    const prop = (_db: number, argv: string[]) => seen.push([...argv]);
    cin.server.propagators.push(prop);
    try {
      const r = new Run(cin.port);
      try {
        await r.cmd('p', 'FLUSHALL');
        seen.length = 0;
        await r.send('a', 'BLPOP', 'k', '0');
        await r.cmd('p', 'RPUSH', 'k', 'x');
        await r.read('a');
        await r.send('a', 'BLMOVE', 's', 'd', 'left', 'right', '0');
        await r.cmd('p', 'RPUSH', 's', 'y');
        await r.read('a');
        await r.send('a', 'BRPOPLPUSH', 's', 'd', '0');
        await r.cmd('p', 'RPUSH', 's', 'z');
        await r.read('a');
        await r.send('a', 'BLMPOP', '0', '1', 'm', 'RIGHT', 'COUNT', '5');
        await r.cmd('p', 'RPUSH', 'm', '1', '2');
        await r.read('a');
        // Served at once: the non-blocking equivalent too.
        await r.cmd('p', 'RPUSH', 'n', 'a', 'b');
        await r.cmd('a', 'BRPOP', 'n', '0');
        await r.cmd('a', 'BLMOVE', 'n', 'd', 'left', 'right', '0');
        await r.cmd('a', 'LMPOP', '1', 'd', 'LEFT', 'COUNT', '10');
        // Timeouts propagate nothing.
        await r.cmd('a', 'BLPOP', 'none', '0.01');
      } finally {
        r.closeAll();
      }
      assert.deepEqual(seen, [
        ['RPUSH', 'k', 'x'],
        ['LPOP', 'k'],
        ['RPUSH', 's', 'y'],
        ['LMOVE', 's', 'd', 'LEFT', 'RIGHT'],
        ['RPUSH', 's', 'z'],
        ['RPOPLPUSH', 's', 'd'],
        ['RPUSH', 'm', '1', '2'],
        ['RPOP', 'm', '2'],
        ['RPUSH', 'n', 'a', 'b'],
        ['RPOP', 'n'],
        ['LMOVE', 'n', 'd', 'left', 'right'],
        ['LPOP', 'd', '3'],
      ]);
    } finally {
      cin.server.propagators.splice(cin.server.propagators.indexOf(prop), 1);
    }
  });
});

