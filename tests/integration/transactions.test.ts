/**
 * Transactions with several connections: WATCH invalidated by other clients,
 * EXEC waking blocked clients only once it is done, MULTI state seen from
 * another connection, MONITOR order. Scenarios run on Cinnabar and on Redis
 * 7.0.15 and their transcripts must match; then ioredis and node-redis
 * drive pipelines, MULTI/EXEC and WATCH conflicts against Cinnabar.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import Redis from 'ioredis';
import { createClient } from 'redis';
import { skipWithoutRedis, startCinnabar } from '../helpers/servers';
import { both, sleep, usePair, type Run } from './scenario';

/** Fields of a CLIENT LIST line that do not depend on timing or buffers. */
function fields(line: string, names: string[]): string {
  const out: string[] = [];
  for (const n of names) {
    const m = new RegExp(`(?:^|[ $])${n}=([^ ]*)`).exec(line);
    out.push(`${n}=${m ? m[1] : '?'}`);
  }
  return out.join(' ');
}

describe('transactions with several clients (differential)', { skip: skipWithoutRedis() }, () => {
  const pair = usePair();

  it('WATCH is invalidated by a write from another client', async () => {
    const run = await both(pair(), async (r) => {
      await r.cmd('a', 'SET', 'k', '1');
      await r.cmd('a', 'WATCH', 'k');
      await r.cmd('b', 'SET', 'k', '2');
      await r.cmd('a', 'MULTI');
      await r.cmd('a', 'SET', 'k', 'mine');
      await r.cmd('a', 'EXEC');
      await r.cmd('a', 'GET', 'k');
      // A write to another key leaves the watch alone.
      await r.cmd('a', 'WATCH', 'k');
      await r.cmd('b', 'SET', 'other', '1');
      await r.cmd('a', 'MULTI');
      await r.cmd('a', 'INCR', 'k');
      await r.cmd('a', 'EXEC');
    });
    assert.ok(run.log.includes('a <- "*-1\\r\\n"'));
  });

  it('WATCH and other clients: databases, deletes, expires, flushes, swaps', async () => {
    await both(pair(), async (r) => {
      const attempt = async (label: string, act: () => Promise<void>) => {
        r.note(label);
        await r.cmd('a', 'WATCH', 'k');
        await act();
        await r.cmd('a', 'MULTI');
        await r.cmd('a', 'PING');
        await r.cmd('a', 'EXEC');
      };
      await r.cmd('a', 'SET', 'k', 'v');
      await attempt('same key in another db', async () => {
        await r.cmd('b', 'SELECT', '1');
        await r.cmd('b', 'SET', 'k', 'x');
      });
      await attempt('delete of a missing key', async () => {
        await r.cmd('b', 'SELECT', '0');
        await r.cmd('b', 'DEL', 'missing');
      });
      await attempt('EXPIRE on the key', () => r.cmd('b', 'EXPIRE', 'k', '100').then(() => undefined));
      await attempt('PERSIST on the key', () => r.cmd('b', 'PERSIST', 'k').then(() => undefined));
      await attempt('PERSIST without TTL', () => r.cmd('b', 'PERSIST', 'k').then(() => undefined));
      await attempt('FLUSHDB of another db', async () => {
        await r.cmd('b', 'SELECT', '1');
        await r.cmd('b', 'FLUSHDB');
      });
      await attempt('FLUSHALL', () => r.cmd('b', 'FLUSHALL').then(() => undefined));
      await attempt('FLUSHALL when the key is gone', () => r.cmd('b', 'FLUSHALL').then(() => undefined));
      await r.cmd('b', 'SET', 'k', 'in1');
      await attempt('SWAPDB brings the key', () => r.cmd('b', 'SWAPDB', '0', '1').then(() => undefined));
      await attempt('RENAME onto the key', async () => {
        await r.cmd('b', 'SET', 'src', 'x');
        await r.cmd('b', 'RENAME', 'src', 'k');
      });
    });
  });

  it('a key expiring under WATCH fails the EXEC', async () => {
    await both(pair(), async (r) => {
      await r.cmd('a', 'SET', 'k', 'v', 'PX', '80');
      await r.cmd('a', 'WATCH', 'k');
      await sleep(150);
      await r.cmd('a', 'MULTI');
      await r.cmd('a', 'PING');
      await r.cmd('a', 'EXEC');
    });
  });

  it('EXEC serves blocked clients only after the whole transaction', async () => {
    await both(pair(), async (r) => {
      await r.send('w', 'BLPOP', 'l', '0');
      await r.cmd('a', 'MULTI');
      await r.cmd('a', 'RPUSH', 'l', 'a');
      await r.cmd('a', 'RPUSH', 'l', 'b');
      await r.cmd('a', 'LPOP', 'l');
      await r.cmd('a', 'EXEC');
      await r.read('w');
      await r.cmd('a', 'LLEN', 'l');
      // A transaction that creates and deletes the key wakes nobody.
      await r.send('w', 'BLPOP', 'l2', '0');
      await r.cmd('a', 'MULTI');
      await r.cmd('a', 'RPUSH', 'l2', 'x');
      await r.cmd('a', 'DEL', 'l2');
      await r.cmd('a', 'EXEC');
      await r.quiet('w');
      await r.cmd('a', 'RPUSH', 'l2', 'y');
      await r.read('w');
    });
  });

  it('MULTI state and dirty WATCH as CLIENT LIST shows them', async () => {
    await both(pair(), async (r) => {
      const id = await r.myId('a');
      const look = async () => {
        const line = String(await r.silent('b', 'CLIENT', 'LIST', 'ID', id));
        r.note(fields(line, ['flags', 'multi', 'cmd', 'db']));
      };
      await r.cmd('a', 'WATCH', 'k');
      await look();
      await r.cmd('b', 'SET', 'k', '1');
      await look();
      await r.cmd('a', 'MULTI');
      await r.cmd('a', 'SET', 'x', '1');
      await r.cmd('a', 'GET', 'x');
      await look();
      await r.cmd('a', 'EXEC');
      await look();
      await r.cmd('a', 'MULTI');
      await r.cmd('a', 'NOSUCH');
      await look();
      await r.cmd('a', 'DISCARD');
      await look();
    });
  });

  it('MONITOR shows MULTI, the queued commands, then EXEC', async () => {
    await both(pair(), async (r) => {
      await r.cmd('m', 'MONITOR');
      await r.cmd('a', 'MULTI');
      await r.cmd('a', 'SET', 'k', 'v');
      await r.cmd('a', 'GET', 'k');
      await r.cmd('a', 'EXEC');
      await r.cmd('a', 'MULTI');
      await r.cmd('a', 'EXEC', 'badarity');
      await sleep(30);
      const got = (await (await r.conn('m')).drain(100)).toString('latin1');
      r.note(got.replace(/\+\d+\.\d+ \[\d+ [^\]]+\]/g, '+<time> [<db> <addr>]'));
      await r.cmd('a', 'MULTI');
      await r.cmd('a', 'MONITOR');
      await r.cmd('a', 'EXEC');
    });
  });

  it('transactions are atomic for other clients', async () => {
    await both(pair(), async (r) => {
      const a = await r.conn('a');
      // The whole transaction arrives in one write; b's GET lands before or after it.
      a.write('*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\n1\r\n*3\r\n$3\r\nSET\r\n$1\r\ny\r\n$1\r\n1\r\n*1\r\n$4\r\nEXEC\r\n');
      for (let i = 0; i < 4; i++) await r.read('a');
      await r.cmd('b', 'MGET', 'x', 'y');
    });
  });
});

describe('transactions through client libraries', () => {
  it('ioredis: pipeline, MULTI/EXEC and a WATCH conflict', async () => {
    const s = await startCinnabar();
    const a = new Redis({ port: s.port, lazyConnect: true });
    const b = new Redis({ port: s.port, lazyConnect: true });
    try {
      await a.connect();
      await b.connect();
      const piped = await a.pipeline().set('p', '1').incr('p').get('p').exec();
      assert.deepEqual(piped, [
        [null, 'OK'],
        [null, 2],
        [null, '2'],
      ]);
      const tx = await a.multi().set('t', 'a').append('t', 'b').get('t').exec();
      assert.deepEqual(tx, [
        [null, 'OK'],
        [null, 2],
        [null, 'ab'],
      ]);
      await a.watch('w');
      await b.set('w', 'other');
      const aborted = await a.multi().set('w', 'mine').exec();
      assert.equal(aborted, null);
      assert.equal(await a.get('w'), 'other');
      await a.watch('w');
      const ok = await a.multi().set('w', 'mine').exec();
      assert.deepEqual(ok, [[null, 'OK']]);
      // A runtime error inside EXEC is reported per command.
      await a.set('str', 'x');
      const mixed = await a.multi().lpush('str', 'y').get('str').exec();
      assert.ok(mixed![0][0] instanceof Error);
      assert.match(String(mixed![0][0]), /WRONGTYPE/);
      assert.deepEqual(mixed![1], [null, 'x']);
      // A queueing error makes EXEC fail with EXECABORT.
      await assert.rejects(a.multi().set('q', '1').call('nosuchcmd').exec(), /EXECABORT/);
    } finally {
      a.disconnect();
      b.disconnect();
      await s.close();
    }
  });

  it('node-redis: MULTI/EXEC, WATCH conflict and isolated clients', async () => {
    const s = await startCinnabar();
    const a = createClient({ socket: { port: s.port, host: '127.0.0.1' } });
    const b = createClient({ socket: { port: s.port, host: '127.0.0.1' } });
    try {
      await a.connect();
      await b.connect();
      const res = await a.multi().set('k', '1').incr('k').get('k').exec();
      assert.deepEqual(res, ['OK', 2, '2']);
      await a.watch('k');
      await b.set('k', 'changed');
      await assert.rejects(a.multi().set('k', 'mine').exec(), (e: Error) => e.constructor.name === 'WatchError' || /watch/i.test(e.message));
      assert.equal(await a.get('k'), 'changed');
      await a.watch('k');
      assert.deepEqual(await a.multi().set('k', 'mine').exec(), ['OK']);
      assert.equal(await b.get('k'), 'mine');
      // Pipelined commands all come back in order.
      const all = await Promise.all([a.set('x', '1'), a.incr('x'), a.get('x')]);
      assert.deepEqual(all, ['OK', 2, '2']);
    } finally {
      await a.quit().catch(() => undefined);
      await b.quit().catch(() => undefined);
      await s.close();
    }
  });
});

export type { Run };
