/**
 * Keyspace commands against the oracle: the case file, plus scenarios that
 * need several connections or many keys (SWAPDB with blocked and watching
 * clients, keyspace notifications, full SCAN iterations compared as sets,
 * the SCAN guarantee while keys come and go).
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { runCaseFile } from '../helpers/cases';
import { DiffPair } from '../helpers/diff';
import { RawConnection, decodeReply, type Reply } from '../helpers/resp';
import { skipWithoutRedis } from '../helpers/servers';

runCaseFile('keys.txt');

/** Send many commands at once and return their decoded replies. */
async function pipeline(conn: RawConnection, cmds: string[][]): Promise<Reply[]> {
  const out: Reply[] = [];
  for (let i = 0; i < cmds.length; i += 1000) {
    const chunk = cmds.slice(i, i + 1000);
    for (const c of chunk) conn.send(...c);
    for (let j = 0; j < chunk.length; j++) out.push(decodeReply(await conn.readReply())[0]);
  }
  return out;
}

/** Run a full SCAN iteration; `between` runs after every call (to change the keyspace meanwhile). */
async function scanAll(conn: RawConnection, opts: string[] = [], between?: (calls: number) => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  let cursor = '0';
  let calls = 0;
  do {
    const r = (await conn.cmd('SCAN', cursor, ...opts)) as [string, string[]];
    cursor = r[0];
    seen.push(...r[1]);
    calls++;
    if (between) await between(calls);
  } while (cursor !== '0');
  return seen;
}

const sorted = (a: Iterable<string>) => [...a].sort();

describe('keys: scenarios on both servers', { skip: skipWithoutRedis() }, () => {
  let pair: DiffPair;
  before(async () => {
    pair = await DiffPair.start();
  });
  after(async () => {
    await pair?.close();
  });

  /** Run the same scenario on Redis and Cinnabar with fresh connections; return both transcripts. */
  async function both<T>(n: number, fn: (conns: RawConnection[]) => Promise<T>): Promise<{ redis: T; cinnabar: T }> {
    const run = async (port: number) => {
      const conns: RawConnection[] = [];
      for (let i = 0; i < n; i++) conns.push(await RawConnection.connect(port));
      try {
        await conns[0].cmd('FLUSHALL');
        return await fn(conns);
      } finally {
        for (const c of conns) c.close();
      }
    };
    return { redis: await run(pair.redis.port), cinnabar: await run(pair.cinnabar.port) };
  }

  it('values 0..9999 are shared objects (maxmemory 0): OBJECT IDLETIME and FREQ follow the shared object', async () => {
    const { redis, cinnabar } = await both(1, async ([c]) => {
      const out: [string, unknown][] = [];
      const idle = async (k: string) => (await c.cmd('OBJECT', 'IDLETIME', k)) as number;
      await c.cmd('SET', 'a', '7777');
      await c.cmd('GET', 'a'); // touches the shared object for 7777
      await c.cmd('SET', 'big', '77777'); // past 9999: a private object
      await c.cmd('GET', 'big');
      await new Promise((r) => setTimeout(r, 2100));
      await c.cmd('SET', 'b', '7777'); // SET does not touch its value
      await c.cmd('SET', 'big2', '77777');
      const ib = await idle('b');
      out.push(['b idle is the shared object\'s', ib >= 2 && ib <= 3]);
      out.push(['big2 idle', await idle('big2')]);
      await c.cmd('INCR', 'n'); // INCR stores shared integers too
      out.push(['refcounts', [await c.cmd('OBJECT', 'REFCOUNT', 'b'), await c.cmd('OBJECT', 'REFCOUNT', 'n'), await c.cmd('OBJECT', 'REFCOUNT', 'big2')]]);
      await c.cmd('GET', 'b');
      out.push(['a idle after GET b', await idle('a')]);
      const ibig = await idle('big');
      out.push(['big idle', ibig >= 2 && ibig <= 3]);
      // LFU without maxmemory: still shared, so two keys holding 4242 report one counter.
      await c.cmd('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu');
      await c.cmd('SET', 'x', '4242');
      await c.cmd('SET', 'y', '4242');
      for (let i = 0; i < 30; i++) await c.cmd('GET', 'x');
      out.push(['shared counter', (await c.cmd('OBJECT', 'FREQ', 'x')) === (await c.cmd('OBJECT', 'FREQ', 'y'))]);
      // With maxmemory and an LFU policy each key gets its own object.
      await c.cmd('CONFIG', 'SET', 'maxmemory', '100mb');
      await c.cmd('SET', 'p', '4242');
      await c.cmd('SET', 'q', '4242');
      for (let i = 0; i < 30; i++) await c.cmd('GET', 'p');
      out.push(['private counters', [await c.cmd('OBJECT', 'FREQ', 'q'), ((await c.cmd('OBJECT', 'FREQ', 'p')) as number) > 5]]);
      out.push(['refcount private', await c.cmd('OBJECT', 'REFCOUNT', 'q')]);
      await c.cmd('CONFIG', 'SET', 'maxmemory', '0', 'maxmemory-policy', 'noeviction');
      return out;
    });
    assert.deepEqual(cinnabar, redis);
  });

  it('full SCAN iterations return the same keys as Redis, with MATCH, TYPE and COUNT', async () => {
    const { redis, cinnabar } = await both(1, async ([c]) => {
      const cmds: string[][] = [];
      for (let i = 0; i < 3000; i++) cmds.push(['SET', `key:${i}`, String(i)]);
      for (let i = 0; i < 200; i++) cmds.push(['RPUSH', `list:${i}`, 'x']);
      await pipeline(c, cmds);
      const out: Record<string, string[]> = {};
      out.all = sorted(await scanAll(c));
      out.count1 = sorted(await scanAll(c, ['COUNT', '1']));
      out.count500 = sorted(await scanAll(c, ['COUNT', '500']));
      out.match = sorted(await scanAll(c, ['MATCH', 'key:1*']));
      out.type = sorted(await scanAll(c, ['TYPE', 'list', 'COUNT', '50']));
      out.keys = sorted((await c.cmd('KEYS', '*:2?')) as string[]);
      out.dbsize = [String(await c.cmd('DBSIZE'))];
      return out;
    });
    assert.equal(cinnabar.all.length, 3200);
    assert.equal(new Set(cinnabar.all).size, 3200, 'no duplicates on a stable table');
    assert.deepEqual(cinnabar, redis);
  });

  it('SCAN returns every key present for the whole iteration while keys are added and removed', async () => {
    const { redis, cinnabar } = await both(2, async ([c, w]) => {
      await pipeline(c, Array.from({ length: 2000 }, (_, i) => ['SET', `stable:${i}`, '1']));
      await pipeline(c, Array.from({ length: 2000 }, (_, i) => ['SET', `churn:${i}`, '1']));
      let added = 0;
      const seen = new Set(
        await scanAll(c, ['COUNT', '20'], async (calls) => {
          // Grow a lot (the table resizes up), then delete most churn keys (it shrinks).
          const cmds: string[][] = [];
          if (calls < 40) for (let i = 0; i < 400; i++) cmds.push(['SET', `new:${added++}`, '1']);
          else if (calls === 40) {
            for (let i = 0; i < added; i++) cmds.push(['DEL', `new:${i}`]);
            for (let i = 0; i < 2000; i++) cmds.push(['DEL', `churn:${i}`]);
          }
          if (cmds.length) await pipeline(w, cmds);
        }),
      );
      const missing: string[] = [];
      for (let i = 0; i < 2000; i++) if (!seen.has(`stable:${i}`)) missing.push(`stable:${i}`);
      return { missing, dbsize: await c.cmd('DBSIZE') };
    });
    assert.deepEqual(cinnabar.missing, []);
    assert.deepEqual(cinnabar, redis);
  });

  it('SCAN with a pattern on a sparse table does bounded work per call', async () => {
    const { cinnabar } = await both(1, async ([c]) => {
      await pipeline(c, Array.from({ length: 20000 }, (_, i) => ['SET', `k${i}`, '1']));
      // Delete almost everything without giving the table time to shrink.
      await pipeline(c, Array.from({ length: 19990 }, (_, i) => ['DEL', `k${i}`]));
      const r = (await c.cmd('SCAN', '0', 'COUNT', '1')) as [string, string[]];
      return r[1].length;
    });
    assert.ok(cinnabar <= 20);
  });

  it('SWAPDB serves a client blocked on a key the swap brings in', async () => {
    const { redis, cinnabar } = await both(2, async ([blocked, other]) => {
      const out: unknown[] = [];
      await blocked.cmd('SELECT', '1');
      blocked.send('BLPOP', 'l', '0');
      await new Promise((r) => setTimeout(r, 50));
      out.push(await other.cmd('RPUSH', 'l', 'a', 'b'));
      out.push(await other.cmd('SWAPDB', '0', '1'));
      out.push(decodeReply(await blocked.readReply())[0]);
      out.push(await other.cmd('LRANGE', 'l', '0', '-1'));
      await other.cmd('SELECT', '1');
      out.push(await other.cmd('LRANGE', 'l', '0', '-1'));
      return out;
    });
    assert.deepEqual(cinnabar, redis);
  });

  it('FLUSHALL, FLUSHDB and SWAPDB unblock XREADGROUP clients whose stream goes away', async () => {
    const { redis, cinnabar } = await both(2, async ([blocked, other]) => {
      const out: unknown[] = [];
      for (const change of [['FLUSHALL'], ['FLUSHDB'], ['SWAPDB', '0', '1']]) {
        await other.cmd('FLUSHALL');
        out.push(await other.cmd('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM'));
        blocked.send('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>');
        await new Promise((r) => setTimeout(r, 50));
        out.push(await other.cmd(...change));
        out.push(decodeReply(await blocked.readReply())[0]);
      }
      // A swap that brings in another stream under the same name keeps the client waiting.
      await other.cmd('FLUSHALL');
      await other.cmd('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
      await other.cmd('SELECT', '1');
      await other.cmd('XADD', 's', '1-1', 'f', 'v');
      blocked.send('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '200', 'STREAMS', 's', '>');
      await new Promise((r) => setTimeout(r, 50));
      out.push(await other.cmd('SWAPDB', '0', '1'));
      out.push(decodeReply(await blocked.readReply())[0]);
      return out;
    });
    assert.deepEqual(cinnabar, redis);
  });

  it('SWAPDB and FLUSHDB make a transaction watching an affected key fail', async () => {
    const { redis, cinnabar } = await both(2, async ([a, b]) => {
      const out: unknown[] = [];
      const tx = async (setup: () => Promise<unknown>, watched: string) => {
        await a.cmd('WATCH', watched);
        out.push(await setup());
        await a.cmd('MULTI');
        await a.cmd('PING');
        out.push(await a.cmd('EXEC'));
      };
      // Key only in the other database: the swap brings it in.
      await b.cmd('SELECT', '1');
      await b.cmd('SET', 'x', '1');
      await tx(() => b.cmd('SWAPDB', '0', '1'), 'x');
      // Key in neither database: nothing changes for it.
      await tx(() => b.cmd('SWAPDB', '0', '1'), 'nowhere');
      // Same database index twice is a no-op.
      await tx(() => b.cmd('SWAPDB', '0', '0'), 'x');
      // FLUSHDB of the watched database with and without the key.
      await tx(() => b.cmd('FLUSHDB'), 'nowhere');
      await a.cmd('SET', 'y', '1');
      await tx(() => b.cmd('FLUSHALL'), 'y');
      return out;
    });
    assert.deepEqual(cinnabar, redis);
  });

  it('keyspace notifications of the generic commands', async () => {
    const { redis, cinnabar } = await both(2, async ([sub, c]) => {
      // Every class but 'd' (modules), and 'n' (new keys), which 'A' does not include.
      await c.cmd('CONFIG', 'SET', 'notify-keyspace-events', 'KEg$lshzxetn');
      try {
        await sub.cmd('PSUBSCRIBE', '__key*__:*');
        const cmds = [
          ['SET', 'a', '1'],
          ['RENAME', 'a', 'b'],
          ['RENAMENX', 'b', 'c'],
          ['RENAME', 'c', 'c'],
          ['COPY', 'c', 'd'],
          ['COPY', 'c', 'd', 'DB', '2'],
          ['MOVE', 'd', '1'],
          ['EXPIRE', 'c', '100'],
          ['PEXPIREAT', 'c', '99999999999999'],
          ['PERSIST', 'c'],
          ['PERSIST', 'c'],
          ['EXPIRE', 'c', '-1'],
          ['SET', 'e', '1'],
          ['PEXPIRE', 'e', '1000'],
          ['DEL', 'e', 'nokey'],
          ['SET', 'f', '1'],
          ['UNLINK', 'f'],
          ['TOUCH', 'nokey'],
          ['SWAPDB', '0', '1'],
          ['FLUSHDB'],
          ['RPUSH', 'l', '2', '1'],
          ['SORT', 'l', 'STORE', 'sorted'],
          ['SORT', 'l', 'LIMIT', '0', '0', 'STORE', 'sorted'],
          ['SORT', 'l', 'LIMIT', '0', '0', 'STORE', 'sorted'],
          ['SET', 'g', '1'],
          ['PEXPIRE', 'g', '1'],
        ];
        for (const cmd of cmds) await c.cmd(...cmd);
        await new Promise((r) => setTimeout(r, 20));
        await c.cmd('GET', 'g');
        await c.cmd('PING');
        const msgs: Reply[] = [];
        for (;;) {
          const chunk = await sub.drain(100);
          if (chunk.length === 0) break;
          let p = 0;
          while (p < chunk.length) {
            const [r, np] = decodeReply(chunk, p);
            msgs.push(r);
            p = np;
          }
        }
        return msgs;
      } finally {
        await c.cmd('CONFIG', 'SET', 'notify-keyspace-events', '');
      }
    });
    assert.deepEqual(cinnabar, redis);
  });
});
