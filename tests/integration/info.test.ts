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

  it('latencystats lines name the configured percentiles', async () => {
    await both('CONFIG', 'SET', 'latency-tracking-info-percentiles', '50 99.9 100');
    await both('PING');
    const line = (text: string) => /latency_percentiles_usec_ping:(\S+)/.exec(text)?.[1].replace(/=[\d.]+/g, '=') ?? null;
    assert.equal(line(await info(k, 'latencystats')), line(await info(r, 'latencystats')));
    await both('CONFIG', 'SET', 'latency-tracking-info-percentiles', '50 99 99.9');
  });
});
