/**
 * redis-benchmark smoke test: every test of the standard set runs to
 * completion against Cinnabar (redis-benchmark 7.0 stops at the first error
 * reply and prints it), plainly, pipelined (-P) and with random keys (-r).
 * Not a performance measurement (npm run bench does that).
 *
 * redis-benchmark 7.0 has no built-in "xadd" test (-t xadd selects
 * nothing), so XADD is benchmarked as an explicit command.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'child_process';
import { spawnSync } from 'child_process';
import { startCinnabar } from '../helpers/servers';
import { RawConnection } from '../helpers/resp';
import type { RunningServer } from '../../src/index';

const hasBenchmark = spawnSync('sh', ['-c', 'command -v redis-benchmark'], { encoding: 'utf8' }).status === 0;

const TESTS = 'ping,set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,zpopmin,lrange_100,mset,xadd';
/** The result lines -t TESTS prints (xadd is not a redis-benchmark 7.0 test). */
const EXPECTED = ['PING_INLINE', 'PING_MBULK', 'SET', 'GET', 'INCR', 'LPUSH', 'RPUSH', 'LPOP', 'RPOP', 'SADD', 'HSET', 'SPOP', 'ZADD', 'ZPOPMIN', 'LPUSH (needed to benchmark LRANGE)', 'LRANGE_100 (first 100 elements)', 'MSET (10 keys)'];

function bench(port: number, args: string[]): Promise<{ out: string; err: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const p = spawn('redis-benchmark', ['-h', '127.0.0.1', '-p', String(port), ...args]);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (d) => out.push(d));
    p.stderr.on('data', (d) => err.push(d));
    p.on('error', reject);
    const t = setTimeout(() => p.kill('SIGKILL'), 120_000);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ out: Buffer.concat(out).toString('latin1'), err: Buffer.concat(err).toString('latin1'), code });
    });
  });
}

/** "NAME: 12345.67 requests per second, p50=..." lines, progress (\r) lines dropped. */
function results(out: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const chunk of out.split(/[\r\n]+/)) {
    const r = /^\s*(.+?): ([\d.]+) requests per second/.exec(chunk);
    if (r) m.set(r[1], Number(r[2]));
  }
  return m;
}

describe('redis-benchmark against Cinnabar (smoke)', { skip: hasBenchmark ? false : 'redis-benchmark is not installed' }, () => {
  let srv: RunningServer;
  before(async () => {
    srv = await startCinnabar();
  });
  after(async () => {
    await srv?.close();
  });

  for (const [name, extra] of [
    ['default', []],
    ['pipelined -P 16, 20 clients', ['-P', '16', '-c', '20']],
    ['random keys -r 1000, data size 300', ['-r', '1000', '-d', '300']],
  ] as [string, string[]][]) {
    it(`-t ${TESTS} -n 2000 -q (${name}) completes every test without errors`, async () => {
      const r = await bench(srv.port, ['-t', TESTS, '-n', '2000', '-q', ...extra]);
      assert.equal(r.code, 0, r.out + r.err);
      assert.doesNotMatch(r.out + r.err, /error|ERR |WRONGTYPE|unknown/i);
      const res = results(r.out);
      assert.deepEqual([...res.keys()], EXPECTED, r.out);
      for (const [test, rps] of res) assert.ok(rps > 0, `${test}: ${rps} requests per second`);
    });
  }

  it('an explicit command (XADD, HSET with __rand_int__, ZADD) runs to completion', async () => {
    for (const cmd of [
      ['XADD', 'bench:stream', '*', 'field', 'value'],
      ['XADD', 'bench:capped', 'MAXLEN', '~', '100', '*', 'f', '__rand_int__'],
      ['HSET', 'bench:h:__rand_int__', 'f', 'v'],
      ['ZADD', 'bench:z', '__rand_int__', 'm:__rand_int__'],
    ]) {
      const r = await bench(srv.port, ['-n', '2000', '-r', '500', '-q', ...cmd]);
      assert.equal(r.code, 0, r.out + r.err);
      assert.doesNotMatch(r.out + r.err, /error|ERR |WRONGTYPE/i);
      const res = results(r.out);
      assert.equal(res.size, 1, r.out);
      assert.ok([...res.values()][0] > 0);
    }
    const c = await RawConnection.connect(srv.port);
    try {
      assert.equal(await c.cmd('XLEN', 'bench:stream'), 2000);
      assert.ok(((await c.cmd('XLEN', 'bench:capped')) as number) < 300);
    } finally {
      c.close();
    }
  });
});
