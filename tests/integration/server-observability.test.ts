/**
 * MONITOR, SLOWLOG and LATENCY against Redis: the same lines and entries
 * once the parts that cannot agree (timestamps, durations, client ports) are
 * normalised.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { DiffPair } from '../helpers/diff';
import { RawConnection, decodeReply, type Reply } from '../helpers/resp';
import { skipWithoutRedis } from '../helpers/servers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('MONITOR, SLOWLOG, LATENCY compared with Redis', { skip: skipWithoutRedis() }, () => {
  let pair: DiffPair;
  before(async () => {
    pair = await DiffPair.start();
  });
  after(async () => {
    await pair?.close();
  });

  async function onBoth<T>(fn: (port: number) => Promise<T>): Promise<[T, T]> {
    return Promise.all([fn(pair.redis.port), fn(pair.cinnabar.port)]);
  }

  it('MONITOR shows the same lines, secrets redacted', async () => {
    const script: string[][] = [
      ['SET', 'k', 'a\x00b\xff"q\\\n\r\t\x07\x08'],
      ['GET', 'k'],
      ['AUTH', 'secret'],
      ['AUTH', 'user', 'secret'],
      ['HELLO', '2', 'AUTH', 'default', 'pw', 'SETNAME', 'x'],
      ['CONFIG', 'GET', 'hz'],
      ['DEBUG', 'LOG', 'x'],
      ['SLOWLOG', 'LEN'],
      ['GET'],
      ['NOSUCH'],
      ['MULTI'],
      ['SET', 'x', '1'],
      ['EXEC'],
      ['SELECT', '3'],
      ['INCR', 'n'],
      ['SELECT', '0'],
      ['PING'],
    ];
    const [a, b] = await onBoth(async (port) => {
      const m = await RawConnection.connect(port);
      assert.equal((await m.call('MONITOR')).toString(), '+OK\r\n');
      const c = await RawConnection.connect(port);
      for (const argv of script) await c.call(...argv);
      await sleep(100);
      const out = (await m.drain(50)).toString('latin1');
      // The monitor's own QUIT is not shown to itself.
      await m.call('QUIT');
      const after = (await m.drain(50)).toString('latin1');
      m.close();
      c.close();
      return out.replace(/^\+\d+\.\d{6} \[(\d+) 127\.0\.0\.1:\d+\]/gm, '+T [$1 ADDR]') + '|' + after;
    });
    assert.equal(b, a);
  });

  it('MONITOR clients cannot touch the keyspace', async () => {
    const [a, b] = await onBoth(async (port) => {
      const m = await RawConnection.connect(port);
      await m.call('MONITOR');
      const out = [(await m.call('GET', 'x')).toString(), (await m.call('SET', 'x', '1')).toString(), (await m.call('CONFIG', 'GET', 'hz')).toString()];
      m.close();
      return out;
    });
    assert.deepEqual(b, a);
  });

  it('SLOWLOG entries: arguments, trimming, redaction, client name', async () => {
    const norm = (r: Reply) =>
      (r as Reply[][]).map((e) => [e.length, (e[3] as string[]).join(' '), String(e[4]).replace(/:\d+$/, ':PORT'), e[5]]);
    const [a, b] = await onBoth(async (port) => {
      const c = await RawConnection.connect(port);
      await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
      await c.call('SLOWLOG', 'RESET');
      await c.call('CLIENT', 'SETNAME', 'probe');
      await c.call('SET', 'k', 'x'.repeat(200));
      await c.call('DEL', ...Array.from({ length: 40 }, (_, i) => `key${i}`));
      await c.call('CONFIG', 'SET', 'masteruser', 'u', 'masterauth', 'pw');
      await c.call('AUTH', 'a', 'b');
      await c.call('GET');
      const r = decodeReply(await c.call('SLOWLOG', 'GET', '-1'))[0];
      const len = decodeReply(await c.call('SLOWLOG', 'LEN'))[0];
      await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000', 'masteruser', '', 'masterauth', '');
      c.close();
      return [norm(r), len];
    });
    assert.deepEqual(b, a);
  });

  it('LATENCY LATEST, HISTORY, GRAPH and DOCTOR after a slow command', async () => {
    const [a, b] = await onBoth(async (port) => {
      const c = await RawConnection.connect(port);
      await c.call('LATENCY', 'RESET');
      await c.call('CONFIG', 'SET', 'latency-monitor-threshold', '10');
      await c.call('DEBUG', 'SLEEP', '0.05');
      await c.call('PING');
      const latest = decodeReply(await c.call('LATENCY', 'LATEST'))[0] as Reply[][];
      const history = decodeReply(await c.call('LATENCY', 'HISTORY', 'command'))[0] as Reply[][];
      const graph = decodeReply(await c.call('LATENCY', 'GRAPH', 'command'))[0] as string;
      const doctor = decodeReply(await c.call('LATENCY', 'DOCTOR'))[0] as string;
      const reset = decodeReply(await c.call('LATENCY', 'RESET'))[0];
      await c.call('CONFIG', 'SET', 'latency-monitor-threshold', '0');
      c.close();
      return {
        latest: latest.map((e) => [e[0], typeof e[1], Number(e[2]) >= 50 && Number(e[2]) < 500, e[2] === e[3]]),
        history: history.map((e) => [typeof e[0], Number(e[1]) >= 50]),
        graph: graph.replace(/\d+ ms/g, 'N ms'),
        doctor: doctor.replace(/\d+ms/g, 'Nms'),
        reset,
      };
    });
    assert.deepEqual(b, a);
  });

  it('LATENCY HISTOGRAM shape', async () => {
    const [a, b] = await onBoth(async (port) => {
      const c = await RawConnection.connect(port);
      await c.call('CONFIG', 'RESETSTAT');
      await c.call('SET', 'a', '1');
      await c.call('SET', 'a', '2');
      const h = decodeReply(await c.call('LATENCY', 'HISTOGRAM', 'set', 'nosuch', 'get'))[0] as Reply[];
      c.close();
      const inner = h[1] as Reply[];
      const buckets = inner[3] as number[];
      return [h.length, h[0], inner[0], inner[1], inner[2], buckets.length % 2, buckets[buckets.length - 1]];
    });
    assert.deepEqual(b, a);
  });

  it('DEBUG OBJECT fields other than the address and LRU clock', async () => {
    const [a, b] = await onBoth(async (port) => {
      const c = await RawConnection.connect(port);
      await c.call('FLUSHALL');
      const setup: string[][] = [
        ['SET', 'n', '123'],
        ['SET', 'n2', '99999'],
        ['SET', 'neg', '-5'],
        ['SET', 'str', 'hello world'],
        ['SET', 's20', '12345678901234567890x'],
        ['RPUSH', 'l', 'a', 'b', 'c', '1', '-200', '70000'],
        ['RPUSH', 'l2', ...Array.from({ length: 300 }, (_, i) => String(i))],
        ['HSET', 'h', 'f', 'v', 'num', '12'],
        ['SADD', 's', '1', '2', '-40000'],
        ['SADD', 's2', 'a', 'b'],
      ];
      for (const cmd of setup) await c.call(...cmd);
      const out: string[] = [];
      for (const k of ['n', 'n2', 'neg', 'str', 's20', 'l', 'l2', 'h', 's', 's2', 'nokey']) {
        const r = (await c.call('DEBUG', 'OBJECT', k)).toString('latin1');
        out.push(r.replace(/Value at:0x[0-9a-f]+ /, '').replace(/ lru:\d+ lru_seconds_idle:\d+/, ''));
      }
      await c.call('FLUSHALL');
      c.close();
      return out;
    });
    assert.deepEqual(b, a);
  });
});
