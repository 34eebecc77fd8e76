/**
 * Blocking stream reads (XREAD / XREADGROUP BLOCK) and the stream replies
 * that depend on the clock, with several raw connections. Each scenario runs
 * on a real Redis 7.0.15 and on Cinnabar; the transcripts of replies (and of
 * "still blocked" observations) must be identical. Clock-dependent replies
 * are checked by structure, and Cinnabar-only checks look at blocked client
 * counts and at what would be propagated to AOF and replicas.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { RawConnection, decodeReply, type Reply } from '../helpers/resp';
import { startCinnabar, startRedis, skipWithoutRedis, type TestServer } from '../helpers/servers';
import type { RunningServer } from '../../src/index';
import Redis from 'ioredis';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Time for a command sent on one connection to reach the server before another acts. */
const SETTLE = 40;

/** A scenario run against one server: named connections and a transcript. */
class Session {
  readonly log: string[] = [];
  private conns = new Map<string, RawConnection>();
  constructor(readonly port: number) {}

  async conn(name: string): Promise<RawConnection> {
    let c = this.conns.get(name);
    if (c === undefined) {
      c = await RawConnection.connect(this.port);
      this.conns.set(name, c);
    }
    return c;
  }

  /** Send a command that blocks, without waiting for its reply. */
  async block(name: string, ...argv: string[]): Promise<void> {
    (await this.conn(name)).send(...argv);
    await sleep(SETTLE);
  }

  async read(name: string, timeoutMs = 3000): Promise<string> {
    const s = (await (await this.conn(name)).readReply(timeoutMs)).toString('latin1');
    this.log.push(`${name} <- ${JSON.stringify(s)}`);
    return s;
  }

  async cmd(name: string, ...argv: string[]): Promise<string> {
    (await this.conn(name)).send(...argv);
    return this.read(name);
  }

  /** A reply decoded, kept out of the transcript (its values depend on the clock). */
  async value(name: string, ...argv: string[]): Promise<Reply> {
    const c = await this.conn(name);
    c.send(...argv);
    return decodeReply(await c.readReply())[0];
  }

  /** Nothing arrives on a connection for ms: it is still blocked. */
  async quiet(name: string, ms = 120): Promise<boolean> {
    const got = await (await this.conn(name)).drain(ms);
    this.log.push(`${name} quiet: ${got.length === 0 ? 'yes' : JSON.stringify(got.toString('latin1'))}`);
    return got.length === 0;
  }

  closeAll(): void {
    for (const c of this.conns.values()) c.close();
  }
}

const bulk = (s: string) => `$${s.length}\r\n${s}\r\n`;
/** One entry as XRANGE/XREAD reply it. */
const entry = (id: string, ...fv: string[]) => `*2\r\n${bulk(id)}*${fv.length}\r\n${fv.map(bulk).join('')}`;
/** An XREAD reply of one stream in RESP2. */
const read1 = (key: string, ...entries: string[]) => `*1\r\n*2\r\n${bulk(key)}*${entries.length}\r\n${entries.join('')}`;

/** Map replies (RESP3) and flat pair arrays as objects. */
function asObject(r: Reply): Record<string, Reply> {
  const out: Record<string, Reply> = {};
  if (Array.isArray(r)) for (let i = 0; i + 1 < r.length; i += 2) out[String(r[i])] = r[i + 1];
  else if (r !== null && typeof r === 'object' && 'map' in r) for (const [k, v] of r.map) out[String(k)] = v;
  return out;
}

describe('blocking stream reads', { skip: skipWithoutRedis() }, () => {
  let redis: TestServer;
  let cin: RunningServer;
  before(async () => {
    [redis, cin] = await Promise.all([startRedis(), startCinnabar()]);
  });
  after(async () => {
    await Promise.all([redis?.close(), cin?.close()]);
  });

  async function both(scenario: (s: Session, isCinnabar: boolean) => Promise<void>): Promise<Session> {
    const runs: Session[] = [];
    for (const [port, isCin] of [
      [redis.port, false],
      [cin.port, true],
    ] as const) {
      const s = new Session(port);
      try {
        await s.cmd('admin', 'FLUSHALL');
        await scenario(s, isCin);
      } finally {
        s.closeAll();
      }
      runs.push(s);
    }
    assert.deepEqual(runs[1].log, runs[0].log, 'Cinnabar transcript differs from Redis');
    return runs[1];
  }

  it('wakes XREAD BLOCK on XADD, with entries after the ID resolved at block time', async () => {
    await both(async (s, isCin) => {
      await s.cmd('p', 'XADD', 's', '1-1', 'a', '1');
      await s.block('a', 'XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
      await s.block('b', 'XREAD', 'BLOCK', '0', 'COUNT', '1', 'STREAMS', 'nokey', 's', '0', '1-1');
      if (isCin) assert.equal(cin.server.blocking.count, 2);
      assert.equal(await s.cmd('p', 'XADD', 's', '1-2', 'b', '2'), bulk('1-2'));
      assert.equal(await s.read('a'), read1('s', entry('1-2', 'b', '2')));
      assert.equal(await s.read('b'), read1('s', entry('1-2', 'b', '2')));
      if (isCin) assert.equal(cin.server.blocking.count, 0);
      // A key created by XADD wakes waiters on it.
      await s.block('a', 'XREAD', 'BLOCK', '0', 'STREAMS', 'nokey', '$');
      await s.cmd('p', 'XADD', 'nokey', '5-5', 'x', 'y');
      assert.equal(await s.read('a'), read1('nokey', entry('5-5', 'x', 'y')));
    });
  });

  it('serves XREADGROUP waiters in the order they blocked, one entry each', async () => {
    await both(async (s) => {
      await s.cmd('p', 'XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
      await s.block('a', 'XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>');
      await s.block('b', 'XREADGROUP', 'GROUP', 'g', 'bob', 'BLOCK', '0', 'STREAMS', 's', '>');
      await s.block('c', 'XREADGROUP', 'GROUP', 'g', 'carol', 'BLOCK', '0', 'STREAMS', 's', '>');
      await s.cmd('p', 'XADD', 's', '1-1', 'n', '1');
      assert.equal(await s.read('a'), read1('s', entry('1-1', 'n', '1')));
      assert.ok(await s.quiet('b', 60));
      await s.cmd('p', 'XADD', 's', '1-2', 'n', '2');
      assert.equal(await s.read('b'), read1('s', entry('1-2', 'n', '2')));
      await s.cmd('p', 'XADD', 's', '1-3', 'n', '3');
      assert.equal(await s.read('c'), read1('s', entry('1-3', 'n', '3')));
      await s.cmd('p', 'XPENDING', 's', 'g');
      await s.cmd('p', 'XINFO', 'GROUPS', 's');
    });
  });

  it('serves a batch of XADDs (MULTI) to group waiters from the last ID of the group, with their COUNT', async () => {
    await both(async (s) => {
      await s.cmd('p', 'XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
      await s.block('a', 'XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'BLOCK', '0', 'STREAMS', 's', '>');
      await s.block('b', 'XREADGROUP', 'GROUP', 'g', 'bob', 'BLOCK', '0', 'STREAMS', 's', '>');
      await s.block('x', 'XREAD', 'COUNT', '1', 'BLOCK', '0', 'STREAMS', 's', '$');
      await s.cmd('p', 'MULTI');
      for (let i = 1; i <= 3; i++) await s.cmd('p', 'XADD', 's', `1-${i}`, 'n', String(i));
      await s.cmd('p', 'EXEC');
      // alice takes two (her COUNT), bob the rest, from the group's last ID then.
      assert.equal(await s.read('a'), read1('s', entry('1-1', 'n', '1'), entry('1-2', 'n', '2')));
      assert.equal(await s.read('b'), read1('s', entry('1-3', 'n', '3')));
      assert.equal(await s.read('x'), read1('s', entry('1-1', 'n', '1')));
      await s.cmd('p', 'XPENDING', 's', 'g');
      await s.block('b', 'XREADGROUP', 'GROUP', 'g', 'bob', 'BLOCK', '0', 'STREAMS', 's', '>');
      await s.cmd('p', 'XGROUP', 'SETID', 's', 'g', '1-2');
      assert.ok(await s.quiet('b', 60));
    });
  });

  it('gives a blocked read the default COUNT of 1000', async () => {
    await both(async (s) => {
      await s.cmd('p', 'XADD', 's', '1-0', 'n', '0');
      await s.block('a', 'XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
      const p = await s.conn('p');
      p.send('MULTI');
      for (let i = 1; i <= 1005; i++) p.send('XADD', 's', `1-${i}`, 'n', String(i));
      p.send('EXEC');
      for (let i = 0; i < 1007; i++) await p.readReply();
      const r = decodeReply((await (await s.conn('a')).readReply()).subarray(0))[0] as Reply[][];
      const entries = r[0][1] as Reply[];
      s.log.push(`a got ${entries.length}`);
      assert.equal(entries.length, 1000);
    });
  });

  it('times out with a null array, in RESP2 and RESP3', async () => {
    await both(async (s, isCin) => {
      const t0 = Date.now();
      assert.equal(await s.cmd('a', 'XREAD', 'BLOCK', '100', 'STREAMS', 's', '$'), '*-1\r\n');
      const ms = Date.now() - t0;
      assert.ok(ms >= 95, `timed out after ${ms} ms`);
      if (isCin) assert.ok(ms < 200, `timed out after ${ms} ms`);
      await s.cmd('p', 'XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
      assert.equal(await s.cmd('a', 'XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '50', 'STREAMS', 's', '>'), '*-1\r\n');
      await s.value('a', 'HELLO', '3');
      assert.equal(await s.cmd('a', 'XREAD', 'BLOCK', '50', 'STREAMS', 's', '$'), '_\r\n');
      // The consumer was not created by a read that found nothing.
      await s.cmd('p', 'XINFO', 'GROUPS', 's');
      if (isCin) assert.equal(cin.server.blocking.count, 0);
    });
  });

  it('replies in RESP3 as a map when served after blocking', async () => {
    await both(async (s) => {
      await s.value('a', 'HELLO', '3');
      await s.cmd('p', 'XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
      await s.block('a', 'XREADGROUP', 'GROUP', 'g', 'c', 'NOACK', 'BLOCK', '0', 'STREAMS', 's', '>');
      await s.cmd('p', 'XADD', 's', '1-1', 'f', 'v');
      assert.equal(await s.read('a'), `%1\r\n${bulk('s')}*1\r\n${entry('1-1', 'f', 'v')}`);
      await s.cmd('p', 'XPENDING', 's', 'g');
      await s.cmd('p', 'XINFO', 'GROUPS', 's');
    });
  });

  it('tells a blocked XREADGROUP when its group or its stream goes away', async () => {
    await both(async (s) => {
      await s.cmd('p', 'XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
      await s.block('a', 'XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>');
      await s.block('x', 'XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
      await s.cmd('p', 'XGROUP', 'DESTROY', 's', 'g');
      assert.equal(await s.read('a'), '-NOGROUP the consumer group this client was blocked on no longer exists\r\n');
      await s.cmd('p', 'XGROUP', 'CREATE', 's', 'g', '$');
      for (const gone of [['DEL', 's'], ['SET', 's', 'x'], ['UNLINK', 's'], ['RENAME', 's', 't'], ['FLUSHDB'], ['SWAPDB', '0', '1']]) {
        await s.cmd('p', 'FLUSHALL');
        await s.cmd('p', 'XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
        await s.block('a', 'XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>');
        await s.cmd('p', ...gone);
        assert.equal(await s.read('a'), '-UNBLOCKED the stream key no longer exists\r\n');
      }
      // A plain XREAD waits on through all of that.
      assert.ok(await s.quiet('x', 50));
      await s.cmd('p', 'FLUSHALL');
      await s.cmd('p', 'XADD', 's', '1-1', 'a', '1');
      assert.equal(await s.read('x'), read1('s', entry('1-1', 'a', '1')));
    });
  });

  it('answers an XREADGROUP waiting on an expiring stream when it expires', async () => {
    await both(async (s) => {
      await s.cmd('p', 'XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
      await s.cmd('p', 'PEXPIRE', 's', '100');
      await s.block('a', 'XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>');
      assert.ok(await s.quiet('a', 20));
      assert.equal(await s.read('a', 2000), '-UNBLOCKED the stream key no longer exists\r\n');
    });
  });

  it('is not woken by changes that add no entries', async () => {
    await both(async (s) => {
      await s.cmd('p', 'XADD', 's', '1-1', 'a', '1');
      await s.cmd('p', 'XGROUP', 'CREATE', 's', 'g', '$');
      await s.block('a', 'XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
      await s.block('b', 'XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>');
      await s.cmd('p', 'XSETID', 's', '5-0');
      await s.cmd('p', 'XGROUP', 'SETID', 's', 'g', '0');
      await s.cmd('p', 'XDEL', 's', '1-1');
      await s.cmd('p', 'XTRIM', 's', 'MAXLEN', '0');
      await s.cmd('p', 'XGROUP', 'CREATECONSUMER', 's', 'g', 'other');
      assert.ok(await s.quiet('a', 60));
      assert.ok(await s.quiet('b', 10));
      // The next XADD serves both: b from the group's (reset) last ID.
      await s.cmd('p', 'XADD', 's', '6-0', 'z', '1');
      await s.read('a');
      await s.read('b');
    });
  });

  it('serves an XADD that was deleted again in the same transaction as an empty read', async () => {
    await both(async (s) => {
      await s.cmd('p', 'XADD', 's', '1-1', 'a', '1');
      await s.block('a', 'XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
      await s.cmd('p', 'MULTI');
      await s.cmd('p', 'XADD', 's', '1-2', 'a', '1');
      await s.cmd('p', 'XDEL', 's', '1-2');
      await s.cmd('p', 'EXEC');
      assert.equal(await s.read('a'), `*1\r\n*2\r\n${bulk('s')}*0\r\n`);
    });
  });

  it('does not block inside MULTI and runs pipelined commands after the wait', async () => {
    await both(async (s) => {
      await s.cmd('p', 'XADD', 's', '1-1', 'a', '1');
      await s.cmd('p', 'XGROUP', 'CREATE', 's', 'g', '$');
      await s.cmd('a', 'MULTI');
      await s.cmd('a', 'XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
      await s.cmd('a', 'XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>');
      assert.equal(await s.cmd('a', 'EXEC'), '*2\r\n*-1\r\n*-1\r\n');
      const a = await s.conn('a');
      a.send('XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
      a.send('PING');
      await sleep(SETTLE);
      assert.ok(await s.quiet('a', 40));
      await s.cmd('p', 'XADD', 's', '2-1', 'b', '2');
      assert.equal(await s.read('a'), read1('s', entry('2-1', 'b', '2')));
      assert.equal(await s.read('a'), '+PONG\r\n');
    });
  });

  it('is released by CLIENT UNBLOCK', async () => {
    await both(async (s, isCin) => {
      const id = String(await s.value('a', 'CLIENT', 'ID'));
      await s.block('a', 'XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
      await s.cmd('p', 'CLIENT', 'UNBLOCK', id);
      assert.equal(await s.read('a'), '*-1\r\n');
      await s.block('a', 'XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
      await s.cmd('p', 'CLIENT', 'UNBLOCK', id, 'ERROR');
      assert.equal(await s.read('a'), '-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n');
      if (isCin) assert.equal(cin.server.blocking.count, 0);
    });
  });

  it('reports idle and delivery times that follow the clock', async () => {
    await both(async (s) => {
      await s.cmd('p', 'XADD', 's', '1-1', 'a', '1');
      await s.cmd('p', 'XADD', 's', '1-2', 'b', '2');
      await s.cmd('p', 'XGROUP', 'CREATE', 's', 'g', '0');
      const before = Date.now();
      await s.cmd('p', 'XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '1', 'STREAMS', 's', '>');
      await sleep(60);
      const pending = (await s.value('p', 'XPENDING', 's', 'g', '-', '+', '10')) as Reply[][];
      assert.equal(pending.length, 1);
      const [pid, owner, idle, deliveries] = pending[0];
      assert.deepEqual([pid, owner, deliveries], ['1-1', 'alice', 1]);
      assert.ok((idle as number) >= 50 && (idle as number) < 2000, `idle ${idle}`);
      assert.deepEqual(await s.value('p', 'XPENDING', 's', 'g', 'IDLE', '10000', '-', '+', '10'), []);
      assert.equal(((await s.value('p', 'XPENDING', 's', 'g', 'IDLE', '40', '-', '+', '10')) as Reply[]).length, 1);
      const consumers = (await s.value('p', 'XINFO', 'CONSUMERS', 's', 'g')) as Reply[];
      assert.equal(consumers.length, 1);
      const c0 = asObject(consumers[0]);
      assert.deepEqual(Object.keys(c0), ['name', 'pending', 'idle']);
      assert.equal(c0.name, 'alice');
      assert.equal(c0.pending, 1);
      assert.ok((c0.idle as number) >= 50 && (c0.idle as number) < 2000);
      const full = asObject(await s.value('p', 'XINFO', 'STREAM', 's', 'FULL'));
      const g = asObject((full.groups as Reply[])[0]);
      const [nid, nowner, dtime, dcount] = (g.pending as Reply[][])[0];
      assert.deepEqual([nid, nowner, dcount], ['1-1', 'alice', 1]);
      assert.ok((dtime as number) >= before - 5 && (dtime as number) <= Date.now());
      const cons = asObject((g.consumers as Reply[])[0]);
      assert.ok((cons['seen-time'] as number) >= before - 5);
      assert.deepEqual(Object.keys(cons), ['name', 'seen-time', 'pel-count', 'pending']);
      // Claiming resets the idle time and counts a delivery.
      await s.cmd('p', 'XCLAIM', 's', 'g', 'bob', '0', '1-1', 'JUSTID');
      const after = (await s.value('p', 'XPENDING', 's', 'g', '-', '+', '10')) as Reply[][];
      assert.equal(after[0][1], 'bob');
      assert.ok((after[0][2] as number) < 50);
      assert.equal(after[0][3], 1);
      await s.cmd('p', 'XCLAIM', 's', 'g', 'bob', '0', '1-1', 'IDLE', '500000', 'JUSTID');
      const idled = (await s.value('p', 'XPENDING', 's', 'g', '-', '+', '10')) as Reply[][];
      assert.ok((idled[0][2] as number) >= 500000 && (idled[0][2] as number) < 502000);
      await s.cmd('p', 'XAUTOCLAIM', 's', 'g', 'carol', '400000', '0', 'JUSTID');
    });
  });

  it('sends the same keyspace notifications as Redis', async () => {
    await both(async (s) => {
      await s.cmd('p', 'CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
      await s.cmd('sub', 'PSUBSCRIBE', '__key*__:*');
      const script: string[][] = [
        ['XADD', 's', '1-1', 'a', '1'],
        ['XADD', 's', 'MAXLEN', '1', '1-2', 'a', '1'],
        ['XGROUP', 'CREATE', 's', 'g', '0'],
        ['XGROUP', 'CREATE', 'new', 'g', '$', 'MKSTREAM'],
        ['XGROUP', 'SETID', 's', 'g', '0'],
        ['XGROUP', 'CREATECONSUMER', 's', 'g', 'c'],
        ['XREADGROUP', 'GROUP', 'g', 'd', 'STREAMS', 's', '>'],
        ['XCLAIM', 's', 'g', 'e', '0', '1-2'],
        ['XAUTOCLAIM', 's', 'g', 'f', '0', '0'],
        ['XGROUP', 'DELCONSUMER', 's', 'g', 'c'],
        ['XDEL', 's', '1-2'],
        ['XADD', 's', '1-3', 'a', '1'],
        ['XTRIM', 's', 'MAXLEN', '0'],
        ['XSETID', 's', '9-9'],
        ['XGROUP', 'DESTROY', 's', 'g'],
        ['XADD', 'nope', 'NOMKSTREAM', '1-1', 'a', '1'],
        ['DEL', 's'],
      ];
      for (const c of script) await s.cmd('p', ...c);
      await s.cmd('p', 'CONFIG', 'SET', 'notify-keyspace-events', '');
      await sleep(50);
      const got = (await (await s.conn('sub')).drain(50)).toString('latin1');
      s.log.push(`notifications: ${JSON.stringify(got)}`);
      assert.match(got, /xgroup-createconsumer/);
    });
  });

  it('runs a consumer group job queue end to end (ioredis): every job acknowledged once', async () => {
    const clients: Redis[] = [];
    const client = () => {
      const c = new Redis({ port: cin.port, host: '127.0.0.1', maxRetriesPerRequest: 1, enableReadyCheck: false });
      clients.push(c);
      return c;
    };
    try {
      const admin = client();
      await admin.flushall();
      await admin.xgroup('CREATE', 'jobs', 'workers', '$', 'MKSTREAM');
      const JOBS = 2000;
      const acked = new Map<string, number>();
      let producing = true;
      const worker = async (name: string, crashAfter: number) => {
        const r = client();
        let done = 0;
        for (;;) {
          const got = (await r.xreadgroup('GROUP', 'workers', name, 'COUNT', '10', 'BLOCK', '50', 'STREAMS', 'jobs', '>')) as [string, [string, string[]][]][] | null;
          if (got === null) {
            if (!producing) return;
            continue;
          }
          for (const [id, fields] of got[0][1]) {
            // A crashing worker takes jobs and never acknowledges them.
            if (done >= crashAfter) continue;
            acked.set(fields[1], (acked.get(fields[1]) ?? 0) + 1);
            done++;
            await r.xack('jobs', 'workers', id);
          }
        }
      };
      const workers = [worker('w1', Infinity), worker('w2', Infinity), worker('w3', 50), worker('w4', Infinity)];
      const producer = client();
      for (let i = 0; i < JOBS; i++) {
        await producer.xadd('jobs', 'MAXLEN', '~', '100000', '*', 'job', `job:${i}`);
        if (i % 200 === 0) await sleep(2);
      }
      await sleep(100);
      producing = false;
      await Promise.all(workers);
      // The reaper claims what the crashed worker left pending.
      const reaper = client();
      let cursor = '0-0';
      do {
        const [next, claimed] = (await reaper.xautoclaim('jobs', 'workers', 'reaper', 0, cursor, 'COUNT', 100)) as [string, [string, string[]][], string[]];
        for (const [id, fields] of claimed) {
          acked.set(fields[1], (acked.get(fields[1]) ?? 0) + 1);
          await reaper.xack('jobs', 'workers', id);
        }
        cursor = next;
      } while (cursor !== '0-0');
      assert.equal(acked.size, JOBS);
      for (const [job, n] of acked) assert.equal(n, 1, `${job} acknowledged ${n} times`);
      assert.deepEqual(await admin.xpending('jobs', 'workers'), [0, null, null, null]);
      assert.equal(await admin.xlen('jobs'), JOBS);
      const groups = (await admin.xinfo('GROUPS', 'jobs')) as unknown[][];
      assert.deepEqual(groups[0].slice(0, 6), ['name', 'workers', 'consumers', 5, 'pending', 0]);
      assert.equal(cin.server.blocking.count, 0);
    } finally {
      await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
    }
  });

  it('propagates XADD, trims and group reads as Redis rewrites them', async () => {
    const seen: string[][] = [];
    // Several effects of one command travel inside MULTI/EXEC; only the effects matter here.
    const hook = (_db: number, argv: string[]) => {
      if (argv.length === 1 && (argv[0] === 'MULTI' || argv[0] === 'EXEC')) return;
      seen.push(argv.slice());
    };
    cin.server.propagators.push(hook);
    try {
      const c = await RawConnection.connect(cin.port);
      const run = async (...argv: string[]) => {
        seen.length = 0;
        c.send(...argv);
        await c.readReply();
        return seen.map((a) => a.join(' '));
      };
      await run('FLUSHALL');
      const [added] = await run('XADD', 's', '*', 'a', '1');
      assert.match(added, /^XADD s \d+-0 a 1$/);
      await run('XADD', 's', '5-*', 'a', '1');
      assert.deepEqual(await run('XADD', 's', '99999999999999-*', 'a', '1'), ['XADD s 99999999999999-0 a 1']);
      assert.deepEqual(await run('XADD', 's', 'MAXLEN', '~', '2', '99999999999999-5', 'a', '1'), ['XADD s MAXLEN = 3 99999999999999-5 a 1']);
      assert.deepEqual(await run('XADD', 's', 'MAXLEN', '=', '3', '99999999999999-6', 'a', '1'), ['XADD s MAXLEN = 3 99999999999999-6 a 1']);
      assert.deepEqual(await run('XTRIM', 's', 'MINID', '~', '99999999999999-6'), []);
      assert.deepEqual(await run('XTRIM', 's', 'MAXLEN', '1'), ['XTRIM s MAXLEN 1']);
      await run('XADD', 's', '99999999999999-7', 'a', '1');
      await run('XGROUP', 'CREATE', 's', 'g', '0');
      const claims = await run('XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>');
      assert.equal(claims.length, 2);
      assert.match(claims[0], /^XCLAIM s g alice 0 99999999999999-6 TIME \d+ RETRYCOUNT 1 FORCE JUSTID LASTID 99999999999999-6$/);
      assert.match(claims[1], /^XCLAIM s g alice 0 99999999999999-7 TIME \d+ RETRYCOUNT 1 FORCE JUSTID LASTID 99999999999999-7$/);
      // History reads change nothing worth propagating, and never propagate themselves.
      assert.deepEqual(await run('XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '0'), []);
      await run('XADD', 's', '99999999999999-8', 'a', '1');
      assert.deepEqual(await run('XREADGROUP', 'GROUP', 'g', 'bob', 'NOACK', 'STREAMS', 's', '>'), [
        'XGROUP CREATECONSUMER s g bob',
        'XGROUP SETID s g 99999999999999-8 ENTRIESREAD 6',
      ]);
      // The history read counted a delivery; JUSTID does not.
      const claimed = await run('XCLAIM', 's', 'g', 'carol', '0', '99999999999999-6', 'JUSTID');
      assert.match(claimed[0], /^XCLAIM s g carol 0 99999999999999-6 TIME \d+ RETRYCOUNT 2 FORCE JUSTID LASTID 99999999999999-8$/);
      assert.deepEqual(await run('XCLAIM', 's', 'g', 'carol', '0', '1-1', 'LASTID', '99999999999999-9'), ['XGROUP SETID s g 99999999999999-9 ENTRIESREAD 6']);
      const auto = await run('XAUTOCLAIM', 's', 'g', 'dave', '0', '0', 'COUNT', '1');
      assert.match(auto[0], /^XCLAIM s g dave 0 99999999999999-6 TIME \d+ RETRYCOUNT 3 FORCE JUSTID LASTID 99999999999999-9$/);
      assert.deepEqual(await run('XACK', 's', 'g', '99999999999999-6'), ['XACK s g 99999999999999-6']);
      assert.deepEqual(await run('XADD', 'nokey', 'NOMKSTREAM', '1-1', 'a', '1'), []);
      c.close();
    } finally {
      cin.server.propagators.splice(cin.server.propagators.indexOf(hook), 1);
    }
  });
});
