/**
 * INFO against Redis: the same sections, in the same order, with the same
 * field names in the same order per section; and the same values where they
 * are deterministic (command and error statistics after CONFIG RESETSTAT and a
 * known sequence, keyspace lines, configuration echoes).
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { DiffPair } from '../helpers/diff';
import { RawConnection, decodeReply } from '../helpers/resp';
import { skipWithoutRedis } from '../helpers/servers';

type Sections = [string, [string, string][]][];

function parseInfo(text: string): Sections {
  const out: Sections = [];
  for (const block of text.split('\r\n\r\n')) {
    const lines = block.split('\r\n').filter((l) => l !== '');
    if (lines.length === 0 || !lines[0].startsWith('# ')) continue;
    out.push([lines[0].slice(2), lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)] as [string, string])]);
  }
  return out;
}

/** Fields Redis prints only in some states, or Cinnabar adds. */
const OPTIONAL = /^(cmdstat_|errorstat_|latency_percentiles_usec_|db\d+$|cinnabar_version$)/;

describe('INFO compared with Redis', { skip: skipWithoutRedis() }, () => {
  let pair: DiffPair;
  let r: RawConnection;
  let k: RawConnection;
  const both = async (...argv: string[]) => {
    const [a, b] = await Promise.all([r.call(...argv), k.call(...argv)]);
    return [a, b];
  };
  const info = async (conn: RawConnection, ...sections: string[]) => decodeReply(await conn.call('INFO', ...sections))[0] as string;

  before(async () => {
    pair = await DiffPair.start();
    r = await RawConnection.connect(pair.redis.port);
    k = await RawConnection.connect(pair.cinnabar.port);
  });
  after(async () => {
    r?.close();
    k?.close();
    await pair?.close();
  });

  for (const args of [[], ['everything'], ['all'], ['default'], ['server', 'clients'], ['CPU', 'nosuch'], ['nosuch'], ['modules'], ['keyspace', 'memory'], ['commandstats', 'default']]) {
    it(`INFO ${args.join(' ')}: sections and field names`, async () => {
      await both('SET', 'info:k', 'v');
      const a = parseInfo(await info(r, ...args));
      const b = parseInfo(await info(k, ...args));
      assert.deepEqual(b.map(([s]) => s), a.map(([s]) => s), 'sections');
      for (let i = 0; i < a.length; i++) {
        const ra = a[i][1].map(([f]) => f).filter((f) => !OPTIONAL.test(f));
        const rb = b[i][1].map(([f]) => f).filter((f) => !OPTIONAL.test(f));
        assert.deepEqual(rb, ra, `fields of ${a[i][0]}`);
      }
    });
  }

  it('an unknown section is an empty string, RESP3 gives a verbatim string', async () => {
    const [a, b] = await both('INFO', 'nosuch');
    assert.equal(b.toString('latin1'), a.toString('latin1'));
    await both('HELLO', '3');
    const [a3, b3] = await both('INFO', 'nosuch');
    assert.equal(b3.toString('latin1'), a3.toString('latin1'));
    const [, b4] = await both('INFO', 'cpu');
    assert.match(b4.toString('latin1'), /^=\d+\r\ntxt:# CPU\r\n/);
    await both('HELLO', '2');
  });

  it('deterministic values agree', async () => {
    await both('FLUSHALL');
    await both('CONFIG', 'SET', 'maxmemory', '2gb', 'maxmemory-policy', 'allkeys-lru');
    const fields = ['maxmemory', 'maxmemory_human', 'maxmemory_policy', 'redis_version', 'redis_mode', 'arch_bits', 'role', 'connected_slaves',
      'master_replid2', 'repl_backlog_size', 'aof_enabled', 'rdb_bgsave_in_progress', 'rdb_last_bgsave_status', 'cluster_enabled', 'connected_clients', 'blocked_clients', 'loading', 'maxclients', 'hz', 'configured_hz', 'mem_clients_slaves', 'used_memory_startup_nonzero'];
    const pick = (text: string) => {
      const m = new Map<string, string>();
      for (const [, fs] of parseInfo(text)) for (const [f, v] of fs) m.set(f, v);
      return m;
    };
    const a = pick(await info(r, 'everything'));
    const b = pick(await info(k, 'everything'));
    for (const f of fields) if (a.has(f)) assert.equal(b.get(f), a.get(f), f);
    await both('CONFIG', 'SET', 'maxmemory', '0', 'maxmemory-policy', 'noeviction');
  });

  it('keyspace lines', async () => {
    await both('FLUSHALL');
    await both('SET', 'a', '1');
    await both('SET', 'b', '1');
    await both('PEXPIRE', 'b', '100000');
    await both('SELECT', '5');
    await both('SET', 'c', '1');
    await both('SELECT', '0');
    const norm = (s: string) => s.replace(/,avg_ttl=\d+/g, '');
    assert.equal(norm(await info(k, 'keyspace')), norm(await info(r, 'keyspace')));
    await both('FLUSHALL');
  });

  it('commandstats and errorstats counts after CONFIG RESETSTAT', async () => {
    const seq: string[][] = [
      ['CONFIG', 'RESETSTAT'],
      ['GET'],
      ['GET', 'a', 'b'],
      ['CONFIG', 'foo'],
      ['CONFIG', 'GET'],
      ['NOSUCHCOMMAND'],
      ['SET', 's', 'x'],
      ['GET', 's'],
      ['LPUSH', 's', 'x'],
      ['CONFIG', 'GET', 'hz'],
      ['DEBUG', 'ERROR', 'ERR raw'],
      ['SELECT', '99'],
      ['COMMAND', 'foo'],
      ['MULTI'],
      ['GET'],
      ['SET', 'a', 'b'],
      ['EXEC'],
      ['MULTI'],
      ['PING'],
      ['LPUSH', 's', 'y'],
      ['EXEC'],
      ['PING'],
    ];
    for (const argv of seq) await both(...argv);
    const stats = (text: string) =>
      text
        .split('\r\n')
        .filter((l) => l.startsWith('cmdstat_') || l.startsWith('errorstat_'))
        .map((l) => l.replace(/usec=\d+,usec_per_call=[\d.]+,/, ''))
        .filter((l) => !l.startsWith('cmdstat_info:'))
        .sort();
    const a = stats(await info(r, 'commandstats', 'errorstats'));
    const b = stats(await info(k, 'commandstats', 'errorstats'));
    assert.deepEqual(b, a);
    const total = (text: string) => /total_error_replies:(\d+)/.exec(text)?.[1];
    assert.equal(total(await info(k, 'stats')), total(await info(r, 'stats')));
  });

  it('used_memory grows and shrinks as Redis\'s does: keys, keys with a TTL (the expires table), PERSIST, DEL', async () => {
    // Loaded from a separate connection, closed afterwards, and client buffers left out: only the keyspace counts.
    const N = 30000;
    const mem = async (conn: RawConnection) => {
      await new Promise((res) => setTimeout(res, 300)); // let incremental rehashing finish
      const text = await info(conn, 'memory');
      const f = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(text)![1]);
      return f('used_memory') - f('mem_clients_normal');
    };
    const load = async (port: number, cmds: string[][]) => {
      const c = await RawConnection.connect(port);
      for (let i = 0; i < cmds.length; i += 1000) {
        const chunk = cmds.slice(i, i + 1000);
        for (const argv of chunk) c.send(...argv);
        for (let j = 0; j < chunk.length; j++) await c.readReply();
      }
      c.close();
    };
    const keys = Array.from({ length: N }, (_, i) => `cache:${i}`);
    const steps: [string, string[][]][] = [
      ['SET k v', keys.map((k, i) => ['SET', k, `value${i}`])],
      ['EXPIRE', keys.map((k) => ['EXPIRE', k, '3600'])],
      ['SET k v EX (overwrite)', keys.map((k, i) => ['SET', k, `v${i}`, 'EX', '100'])],
      ['PERSIST', keys.map((k) => ['PERSIST', k])],
      ['SET k v PX (new keys)', keys.map((k, i) => ['SET', `s:${k}`, 'x', 'PX', '1000000'])],
      ['DEL', keys.map((k) => ['DEL', k, `s:${k}`])],
    ];
    await both('FLUSHALL');
    const base = [await mem(r), await mem(k)];
    for (const [name, cmds] of steps) {
      await Promise.all([load(pair.redis.port, cmds), load(pair.cinnabar.port, cmds)]);
      const [a, b] = [(await mem(r)) - base[0], (await mem(k)) - base[1]];
      // Within 2% of Redis's growth, or 16 KB when it is about nothing.
      assert.ok(Math.abs(a - b) <= Math.max(16384, Math.abs(a) * 0.02), `after ${name}: used_memory grew ${a} on Redis, ${b} on Cinnabar`);
    }
  });

  it('under maxmemory allkeys-lru about as many cache keys (with TTLs) survive as on Redis', async () => {
    await both('FLUSHALL');
    await both('CONFIG', 'SET', 'maxmemory', '4mb', 'maxmemory-policy', 'allkeys-lru');
    try {
      const sizes: number[] = [];
      for (const [conn, port] of [[r, pair.redis.port], [k, pair.cinnabar.port]] as [RawConnection, number][]) {
        const c = await RawConnection.connect(port);
        for (let i = 0; i < 40000; i += 500) {
          for (let j = i; j < i + 500; j++) c.send('SET', `cache:${j}`, 'v'.repeat(100), 'EX', '3600');
          for (let j = i; j < i + 500; j++) {
            const rep = (await c.readReply()).toString('latin1');
            assert.equal(rep, '+OK\r\n');
          }
        }
        c.close();
        sizes.push(decodeReply(await conn.call('DBSIZE'))[0] as number);
      }
      assert.ok(Math.abs(sizes[0] - sizes[1]) <= sizes[0] * 0.05, `keys left: Redis ${sizes[0]}, Cinnabar ${sizes[1]}`);
    } finally {
      await both('CONFIG', 'SET', 'maxmemory', '0', 'maxmemory-policy', 'noeviction');
      await both('FLUSHALL');
    }
  });

  it('used_memory counts a latency histogram per command used (freed by CONFIG RESETSTAT)', async () => {
    const mem = async (conn: RawConnection) => {
      const text = await info(conn, 'memory');
      const f = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(text)![1]);
      return f('used_memory') - f('mem_clients_normal');
    };
    await both('FLUSHALL');
    await both('CONFIG', 'RESETSTAT');
    await both('PING'); // CONFIG|RESETSTAT's and INFO's histograms come back after a reset
    await mem(r);
    await mem(k);
    const base = [await mem(r), await mem(k)];
    for (const argv of [['ECHO', 'x'], ['TIME'], ['LASTSAVE'], ['DBSIZE'], ['EXISTS', 'a'], ['TYPE', 'a'], ['OBJECT', 'HELP'], ['CLIENT', 'GETNAME'], ['DBSIZE'], ['TIME']]) await both(...argv);
    const grown = [(await mem(r)) - base[0], (await mem(k)) - base[1]];
    assert.ok(Math.abs(grown[0] - grown[1]) <= 1024, `8 new commands: used_memory grew ${grown[0]} on Redis, ${grown[1]} on Cinnabar`);
    await both('CONFIG', 'SET', 'latency-tracking', 'no');
    const off = [await mem(r), await mem(k)];
    await both('GETDEL', 'nope');
    assert.deepEqual([(await mem(r)) - off[0], (await mem(k)) - off[1]], [0, 0], 'no histogram while latency-tracking is off');
    await both('CONFIG', 'SET', 'latency-tracking', 'yes');
  });

  it('latencystats lines name the configured percentiles', async () => {
    await both('CONFIG', 'SET', 'latency-tracking-info-percentiles', '50 99.9 100');
    await both('PING');
    const line = (text: string) => /latency_percentiles_usec_ping:(\S+)/.exec(text)?.[1].replace(/=[\d.]+/g, '=') ?? null;
    assert.equal(line(await info(k, 'latencystats')), line(await info(r, 'latencystats')));
    await both('CONFIG', 'SET', 'latency-tracking-info-percentiles', '50 99 99.9');
  });
});
