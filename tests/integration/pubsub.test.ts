/**
 * Pub/Sub across connections: delivery to channel, pattern and shard
 * subscribers in RESP2 and RESP3, keyspace notifications, introspection
 * seen from other clients, subscribers going away. Scenarios run on
 * Cinnabar and on Redis 7.0.15 and their transcripts must match. Then
 * redis-cli, ioredis and node-redis subscribe to Cinnabar.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'child_process';
import Redis from 'ioredis';
import { createClient } from 'redis';
import { hasRedisCli, skipWithoutRedis, startCinnabar } from '../helpers/servers';
import { both, sleep, usePair } from './scenario';

describe('pub/sub with several clients (differential)', { skip: skipWithoutRedis() }, () => {
  const pair = usePair();

  it('messages reach channel, pattern and shard subscribers', async () => {
    await both(pair(), async (r) => {
      await r.cmd('s1', 'SUBSCRIBE', 'news');
      await r.cmd('s2', 'PSUBSCRIBE', 'n*');
      await r.cmd('s3', 'SUBSCRIBE', 'news');
      await r.cmd('s3', 'PSUBSCRIBE', 'ne?s');
      await r.cmd('s4', 'SSUBSCRIBE', 'news');
      await r.cmd('p', 'PUBLISH', 'news', 'hello');
      await r.read('s1');
      await r.read('s2');
      await r.read('s3');
      await r.read('s3');
      await r.quiet('s4', 50);
      await r.cmd('p', 'SPUBLISH', 'news', 'sharded');
      await r.read('s4');
      await r.quiet('s1', 50);
      await r.cmd('p', 'PUBLISH', 'nothing', 'x');
      await r.read('s2');
      await r.cmd('p', 'PUBLISH', 'other', 'x');
      await r.quiet('s2', 50);
      // Binary-safe payloads.
      await r.cmd('p', 'PUBLISH', 'news', 'a\r\nb\x00c\xff');
      await r.read('s1');
    });
  });

  it('RESP3 subscribers get pushes and may run any command', async () => {
    await both(pair(), async (r) => {
      await r.silent('s', 'HELLO', '3');
      await r.cmd('s', 'SUBSCRIBE', 'c');
      await r.cmd('s', 'SET', 'k', 'v');
      await r.cmd('p', 'PUBLISH', 'c', 'm1');
      await r.read('s');
      await r.cmd('s', 'GET', 'k');
      await r.cmd('p', 'PUBLISH', 'c', 'm2');
      await r.cmd('s', 'CLIENT', 'REPLY', 'OFF');
      await r.read('s');
      await r.cmd('p', 'PUBLISH', 'c', 'm3');
      await r.read('s');
      await r.cmd('s', 'CLIENT', 'REPLY', 'ON');
    });
  });

  it('introspection from another client', async () => {
    await both(pair(), async (r) => {
      await r.cmd('s1', 'SUBSCRIBE', 'a', 'b');
      await r.read('s1');
      await r.cmd('s2', 'SUBSCRIBE', 'a');
      await r.cmd('s2', 'PSUBSCRIBE', 'x*', 'y*');
      await r.read('s2');
      await r.cmd('s3', 'SSUBSCRIBE', 'sa', 'sb');
      await r.read('s3');
      await r.cmd('q', 'PUBSUB', 'NUMSUB', 'a', 'b', 'c');
      await r.cmd('q', 'PUBSUB', 'NUMPAT');
      const chans = (await r.silent('q', 'PUBSUB', 'CHANNELS')) as string[];
      r.note('channels: ' + [...chans].sort().join(','));
      await r.cmd('q', 'PUBSUB', 'CHANNELS', 'b*');
      await r.cmd('q', 'PUBSUB', 'SHARDNUMSUB', 'sa', 'sc');
      const shards = (await r.silent('q', 'PUBSUB', 'SHARDCHANNELS', 's?')) as string[];
      r.note('shard channels: ' + [...shards].sort().join(','));
      const typed = String(await r.silent('q', 'CLIENT', 'LIST', 'TYPE', 'pubsub'));
      r.note(`pubsub clients: ${typed.split('\n').filter(Boolean).length}`);
      // Subscribers going away drop their subscriptions.
      r.close('s1');
      await sleep(50);
      await r.cmd('q', 'PUBSUB', 'NUMSUB', 'a', 'b');
      await r.cmd('q', 'CLIENT', 'KILL', 'TYPE', 'pubsub');
      await r.closed('s2');
      await r.closed('s3');
      await r.cmd('q', 'PUBSUB', 'NUMPAT');
      await r.cmd('q', 'PUBSUB', 'NUMSUB', 'a');
      await r.cmd('q', 'PUBSUB', 'SHARDCHANNELS');
      await r.cmd('q', 'PUBLISH', 'a', 'nobody');
    });
  });

  it('keyspace notifications reach other clients', async () => {
    await both(pair(), async (r) => {
      await r.cmd('c', 'CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
      await r.cmd('s', 'PSUBSCRIBE', '__key*@0__:*');
      await r.cmd('c', 'SET', 'k', 'v');
      await r.read('s');
      await r.read('s');
      await r.cmd('c', 'RPUSH', 'l', 'a', 'b');
      await r.read('s');
      await r.read('s');
      await r.cmd('c', 'EXPIRE', 'k', '100');
      await r.read('s');
      await r.read('s');
      await r.cmd('c', 'DEL', 'k', 'l');
      for (let i = 0; i < 4; i++) await r.read('s');
      await r.cmd('c', 'SELECT', '1');
      await r.cmd('c', 'SET', 'k', 'v');
      await r.quiet('s', 50);
      await r.cmd('c', 'CONFIG', 'SET', 'notify-keyspace-events', '');
    });
  });

  it('CLIENT LIST shows subscription counts', async () => {
    await both(pair(), async (r) => {
      const id = await r.myId('s');
      await r.cmd('s', 'SUBSCRIBE', 'a', 'b');
      await r.read('s');
      await r.cmd('s', 'PSUBSCRIBE', 'p*');
      await r.cmd('s', 'SSUBSCRIBE', 'x');
      const line = String(await r.silent('q', 'CLIENT', 'LIST', 'ID', id));
      r.note(line.replace(/.*(flags=\S+).*(sub=\d+ psub=\d+ ssub=\d+).*(cmd=\S+).*/s, '$1 $2 $3'));
      const typed = String(await r.silent('q', 'CLIENT', 'LIST', 'TYPE', 'pubsub'));
      r.note(`pubsub clients: ${typed.split('\n').filter(Boolean).length}`);
    });
  });
});

describe('pub/sub through client tools', () => {
  it('redis-cli SUBSCRIBE receives what PUBLISH sends', { skip: hasRedisCli() ? false : 'redis-cli not installed' }, async () => {
    const s = await startCinnabar();
    const cli = spawn('redis-cli', ['-p', String(s.port), 'SUBSCRIBE', 'test-channel', 'channel1']);
    let out = '';
    cli.stdout.on('data', (d) => (out += d.toString()));
    try {
      const q = new Redis({ port: s.port });
      for (let i = 0; i < 50 && !out.includes('channel1'); i++) await sleep(20);
      assert.deepEqual(await q.call('PUBSUB', 'NUMSUB', 'channel1', 'channel2'), ['channel1', 1, 'channel2', 0]);
      assert.deepEqual(((await q.call('PUBSUB', 'CHANNELS', '*')) as string[]).sort(), ['channel1', 'test-channel']);
      assert.equal(await q.publish('test-channel', 'hello'), 1);
      const list = (await q.call('CLIENT', 'LIST')) as string;
      assert.match(list, /sub=2/);
      assert.match(list, /flags=P /);
      for (let i = 0; i < 50 && !out.includes('hello'); i++) await sleep(20);
      assert.match(out, /hello/);
      q.disconnect();
    } finally {
      cli.kill();
      await s.close();
    }
  });

  it('ioredis: subscribe, psubscribe, messages and unsubscribe', async () => {
    const s = await startCinnabar();
    const sub = new Redis({ port: s.port });
    const pub = new Redis({ port: s.port });
    try {
      const got: string[] = [];
      sub.on('message', (ch, msg) => got.push(`${ch}:${msg}`));
      sub.on('pmessage', (pat, ch, msg) => got.push(`${pat}|${ch}:${msg}`));
      assert.equal(await sub.subscribe('c1', 'c2'), 2);
      assert.equal(await sub.psubscribe('c*'), 3);
      assert.equal(await pub.publish('c1', 'one'), 2);
      assert.equal(await pub.publish('c3', 'three'), 1);
      for (let i = 0; i < 50 && got.length < 3; i++) await sleep(10);
      assert.deepEqual(got, ['c1:one', 'c*|c1:one', 'c*|c3:three']);
      await sub.unsubscribe('c1', 'c2');
      await sub.punsubscribe();
      assert.deepEqual(await pub.call('PUBSUB', 'NUMSUB', 'c1'), ['c1', 0]);
      // Back to normal commands once every subscription is gone.
      assert.equal(await sub.ping(), 'PONG');
    } finally {
      sub.disconnect();
      pub.disconnect();
      await s.close();
    }
  });

  it('node-redis: subscribe with RESP2 and sharded channels', async () => {
    const s = await startCinnabar();
    const client = createClient({ socket: { port: s.port, host: '127.0.0.1' } });
    try {
      await client.connect();
      const sub = client.duplicate();
      await sub.connect();
      const got: string[] = [];
      await sub.subscribe('news', (msg, ch) => got.push(`${ch}:${msg}`));
      await sub.pSubscribe('ne*', (msg, ch) => got.push(`p ${ch}:${msg}`));
      await sub.sSubscribe('shard', (msg, ch) => got.push(`s ${ch}:${msg}`));
      assert.equal(await client.publish('news', 'hi'), 2);
      assert.equal(await client.sPublish('shard', 'sh'), 1);
      for (let i = 0; i < 50 && got.length < 3; i++) await sleep(10);
      assert.deepEqual(got.sort(), ['news:hi', 'p news:hi', 's shard:sh'].sort());
      assert.deepEqual(await client.pubSubNumSub(['news']), { news: 1 });
      await sub.unsubscribe('news');
      await sub.pUnsubscribe('ne*');
      await sub.sUnsubscribe('shard');
      assert.equal(await client.pubSubNumPat(), 0);
      await sub.quit();
    } finally {
      await client.quit().catch(() => undefined);
      await s.close();
    }
  });
});
