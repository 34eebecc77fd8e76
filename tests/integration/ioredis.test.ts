/**
 * ioredis, unchanged, against Cinnabar. Every scenario runs through ioredis's
 * own API against a real Redis 7.0.15 and against Cinnabar, and what ioredis
 * hands back (after its reply transformers) must be the same on both: every
 * command family, SET/GETEX/LCS/BITFIELD options, blocking pops with
 * timeouts, ZRANGE variants, geo, streams with consumer groups and
 * XREADGROUP BLOCK, SCAN streams, EXPIRE options, SORT, OBJECT, COPY,
 * keyspace notifications, INFO/CONFIG/CLIENT/COMMAND, pipelines, auto
 * pipelining, MULTI/EXEC and WATCH, RESP3. Then the library patterns people
 * build on ioredis (locks, rate limiters, sessions, caches, fan-out).
 */
import { after, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import Redis, { type RedisOptions } from 'ioredis';
import { skipWithoutRedis, startCinnabar } from '../helpers/servers';
import { dual, sleep, sorted, sortedObject, sortedPairs, usePair, within } from '../helpers/dual';

/** Every client opened, so a failed scenario cannot leave one keeping the process alive. */
const opened = new Set<Redis>();

function connectWith(port: number, opts: RedisOptions = {}): Redis {
  // Default options otherwise: ready check (INFO), CLIENT SETINFO, offline queue.
  const r = new Redis({ port, host: '127.0.0.1', ...opts });
  r.on('error', () => {});
  opened.add(r);
  r.once('end', () => opened.delete(r));
  return r;
}

function disconnectAll(): void {
  for (const r of opened) r.disconnect();
  opened.clear();
}


const nowSec = () => Math.floor(Date.now() / 1000);

/**
 * ioredis 6 speaks RESP3 by default and maps its replies back to RESP2
 * shapes ("legacy"); every scenario also runs over RESP2 and with native
 * RESP3 shapes (replyMapping: 'resp3').
 */
const MODES: [string, RedisOptions][] = [
  ['default (RESP3, legacy shapes)', {}],
  ['protocol: 2', { protocol: 2 } as RedisOptions],
  ["protocol: 3, replyMapping: 'resp3'", { protocol: 3, replyMapping: 'resp3' } as RedisOptions],
];

for (const [modeName, modeOpts] of MODES) {
describe(`ioredis ${modeName} against Cinnabar and Redis (differential)`, { skip: skipWithoutRedis() }, () => {
  const pair = usePair();
  after(disconnectAll);
  // This mode's options first; a scenario's own options win.
  const connect = (port: number, opts: RedisOptions = {}) => connectWith(port, { ...modeOpts, ...opts });
  const fresh = async (port: number, opts: RedisOptions = {}) => {
    const r = connect(port, opts);
    await r.flushall();
    return r;
  };

  it('connects with default options: ready check, CLIENT SETINFO, connectionName, db, serverInfo', async () => {
    await dual(pair(), async (t, port) => {
      const r = connect(port);
      await new Promise<void>((res, rej) => {
        r.once('ready', () => res());
        r.once('end', () => rej(new Error('ended before ready')));
      });
      t.note('status', r.status);
      await t.rec('info as ioredis reads it', r.info(), (s) => {
        const f = Object.fromEntries(s.split('\r\n').filter((l) => l.includes(':')).map((l) => l.split(':', 2)));
        return [f.redis_version, f.loading, f.redis_mode];
      });
      await t.rec('ping', r.ping());
      await t.rec('ping msg', r.ping('hello'));
      await t.rec('echo', r.echo('x y'));
      await r.quit();

      const named = connect(port, { connectionName: 'worker-1', db: 3 });
      await t.rec('getname', named.client('GETNAME'));
      await t.rec('set in db 3', named.set('k', 'v'));
      await t.rec('client info db', named.client('INFO'), (s) => /db=(\d+)/.exec(String(s))?.[1]);
      const other = connect(port, { db: 3 });
      await t.rec('same db', other.get('k'));
      await t.rec('dbsize', other.dbsize());
      await other.flushall();
      await other.quit();
      await named.quit();

      const lazy = connect(port, { lazyConnect: true });
      t.note('lazy status', lazy.status);
      await lazy.connect();
      await t.rec('lazy ping', lazy.ping());
      await t.rec('time shape', lazy.time(), (v) => v.length === 2 && v.every((x) => /^\d+$/.test(String(x))));
      await lazy.quit();
    });
  });

  it('authenticates with password and db (requirepass), and reports bad passwords as Redis does', async () => {
    await dual(pair(), async (t, port) => {
      const admin = await fresh(port);
      await admin.config('SET', 'requirepass', 's3cret');
      await admin.auth('s3cret');
      const ok = connect(port, { password: 's3cret', db: 2 });
      await t.rec('authed set', ok.set('x', '1'));
      await t.rec('authed client db', ok.client('INFO'), (s) => /db=(\d+)/.exec(String(s))?.[1]);
      const ok2 = connect(port, { username: 'default', password: 's3cret' });
      await t.rec('acl-style auth', ok2.ping());
      const bad = connect(port, { password: 'nope', maxRetriesPerRequest: 0, retryStrategy: () => null });
      await t.rec('bad password', bad.ping());
      const none = connect(port, { maxRetriesPerRequest: 0, enableReadyCheck: false, retryStrategy: () => null });
      await t.rec('no password', none.get('x'));
      await t.rec('reset requirepass', admin.config('SET', 'requirepass', ''));
      for (const c of [ok, ok2, bad, none]) c.disconnect();
      await admin.quit();
    });
  });

  it('strings: SET options, GETEX, GETDEL, counters, ranges, LCS, binary values', async () => {
    await dual(pair(), async (t, port) => {
      const r = await fresh(port);
      await t.rec('set', r.set('s', 'hello'));
      await t.rec('set nx (exists)', r.set('s', 'x', 'NX'));
      await t.rec('set xx get', r.set('s', 'world', 'XX', 'GET'));
      await t.rec('set xx (missing)', r.set('missing', 'x', 'XX'));
      await t.rec('set ex', r.set('e', 'v', 'EX', 100));
      await t.rec('ttl', r.ttl('e'));
      await t.rec('set px nx', r.set('p', 'v', 'PX', 100000, 'NX'));
      await t.rec('pttl', r.pttl('p'), within(98000, 100000));
      await t.rec('set keepttl', r.set('e', 'v2', 'KEEPTTL'));
      await t.rec('ttl kept', r.ttl('e'));
      await t.rec('set exat', r.set('ea', 'v', 'EXAT', nowSec() + 1000));
      await t.rec('ttl exat', r.ttl('ea'), within(998, 1000));
      await t.rec('set pxat', r.set('pa', 'v', 'PXAT', Date.now() + 50000));
      await t.rec('pttl pxat', r.pttl('pa'), within(48000, 50000));
      // The server's clock is the wall clock at the command: a PXAT deadline read back never
      // exceeds what was asked (Cinnabar's per-command time once lagged Date.now() by 1-2 ms).
      await t.rec('pttl never above requested', (async () => {
        let worst = 0;
        for (let i = 0; i < 200; i++) {
          await r.set('clock', 'v', 'PXAT', Date.now() + 50000);
          worst = Math.max(worst, await r.pttl('clock'));
        }
        return worst <= 50000;
      })());
      await t.rec('set ex 0', r.set('s', 'v', 'EX', 0));
      await t.rec('set ex not a number', r.set('s', 'v', 'EX', 'abc'));
      await t.rec('set ex + keepttl', r.call('SET', 's', 'v', 'EX', '10', 'KEEPTTL'));
      await t.rec('get', r.get('s'));
      await t.rec('get missing', r.get('nope'));
      await t.rec('getex ex', r.getex('s', 'EX', 50));
      await t.rec('ttl getex', r.ttl('s'));
      await t.rec('getex px', r.getex('s', 'PX', 60000));
      await t.rec('getex persist', r.getex('s', 'PERSIST'));
      await t.rec('ttl persisted', r.ttl('s'));
      await t.rec('getex exat', r.getex('s', 'EXAT', nowSec() + 500));
      await t.rec('getex pxat', r.getex('s', 'PXAT', Date.now() + 500000));
      await t.rec('getex plain', r.getex('s'));
      await t.rec('getex missing', r.getex('nope', 'EX', 5));
      await t.rec('getdel', r.getdel('s'));
      await t.rec('getdel again', r.getdel('s'));
      await t.rec('getset', r.getset('g', 'a'));
      await t.rec('getset 2', r.getset('g', 'b'));
      await t.rec('setnx', r.setnx('n', '1'));
      await t.rec('setnx 2', r.setnx('n', '2'));
      await t.rec('setex', r.setex('se', 30, 'v'));
      await t.rec('setex bad', r.setex('se', -1, 'v'));
      await t.rec('psetex', r.psetex('pse', 30000, 'v'));
      await t.rec('pttl psetex', r.pttl('pse'), within(28000, 30000));
      await t.rec('mset obj', r.mset({ a: '1', b: '2', c: '3' }));
      await t.rec('mset args', r.mset('d', '4', 'e', '5'));
      await t.rec('msetnx', r.msetnx('a', 'x', 'zz', 'y'));
      await t.rec('msetnx new', r.msetnx('y1', 'x', 'y2', 'y'));
      await t.rec('mget', r.mget('a', 'b', 'nope', 'e', 'y2'));
      await t.rec('mget array', r.mget(['c', 'd']));
      await t.rec('append new', r.append('ap', 'Hello'));
      await t.rec('append', r.append('ap', ' World'));
      await t.rec('strlen', r.strlen('ap'));
      await t.rec('getrange', r.getrange('ap', 0, 4));
      await t.rec('getrange neg', r.getrange('ap', -5, -1));
      await t.rec('setrange', r.setrange('ap', 6, 'Redis'));
      await t.rec('setrange pad', r.setrange('pad', 5, 'x'));
      await t.rec('get padded', r.getBuffer('pad'));
      await t.rec('substr', r.substr('ap', 0, 4));
      await t.rec('incr', r.incr('cnt'));
      await t.rec('incrby', r.incrby('cnt', 41));
      await t.rec('decr', r.decr('cnt'));
      await t.rec('decrby', r.decrby('cnt', 10));
      await t.rec('incrbyfloat', r.incrbyfloat('f', 10.5));
      await t.rec('incrbyfloat exp', r.incrbyfloat('f', '5.0e3'));
      await t.rec('incrbyfloat neg', r.incrbyfloat('f', -0.1));
      await t.rec('incr not int', r.incr('ap'));
      await t.rec('incrby overflow', (async () => {
        await r.set('big', '9223372036854775807');
        return r.incr('big');
      })());
      await t.rec('incrbyfloat nan', r.incrbyfloat('ap', 1));
      await r.mset('k1', 'ohmytext', 'k2', 'mynewtext');
      await t.rec('lcs', r.lcs('k1', 'k2'));
      await t.rec('lcs len', r.lcs('k1', 'k2', 'LEN'));
      await t.rec('lcs idx', r.lcs('k1', 'k2', 'IDX'));
      await t.rec('lcs idx minmatchlen withmatchlen', r.lcs('k1', 'k2', 'IDX', 'MINMATCHLEN', 4, 'WITHMATCHLEN'));
      await t.rec('lcs wrongtype', (async () => {
        await r.rpush('list', 'a');
        return r.lcs('k1', 'list');
      })());
      const bin = Buffer.alloc(256);
      for (let i = 0; i < 256; i++) bin[i] = i;
      await t.rec('set binary', r.set(Buffer.from('bin\x00key', 'latin1'), bin));
      await t.rec('get binary', r.getBuffer(Buffer.from('bin\x00key', 'latin1')));
      await t.rec('strlen binary', r.strlen(Buffer.from('bin\x00key', 'latin1')));
      await t.rec('utf8 value', (async () => {
        await r.set('u', 'héllo wörld ✓ 🎉');
        return [await r.get('u'), await r.strlen('u')];
      })());
      await t.rec('big value', (async () => {
        await r.set('big', 'x'.repeat(600_000));
        return (await r.get('big'))!.length;
      })());
      await t.rec('wrong arity', r.call('GET'));
      await t.rec('unknown command', r.call('NOSUCHCOMMAND', 'a'));
      await t.rec('wrongtype get', r.get('list'));
      await r.quit();
    });
  });

  it('bitmaps and HyperLogLog: SETBIT/GETBIT/BITCOUNT/BITPOS/BITOP/BITFIELD, PFADD/PFCOUNT/PFMERGE', async () => {
    await dual(pair(), async (t, port) => {
      const r = await fresh(port);
      await t.rec('setbit', r.setbit('b', 7, 1));
      await t.rec('setbit again', r.setbit('b', 7, 0));
      await t.rec('setbit 2', r.setbit('b', 100, 1));
      await t.rec('setbit bad', r.setbit('b', 1, 2));
      await t.rec('getbit', r.getbit('b', 100));
      await t.rec('getbit out', r.getbit('b', 10000));
      await r.set('bs', 'foobar');
      await t.rec('bitcount', r.bitcount('bs'));
      await t.rec('bitcount range', r.bitcount('bs', 1, 1));
      await t.rec('bitcount bit', r.bitcount('bs', 5, 30, 'BIT'));
      await t.rec('bitcount byte', r.bitcount('bs', 0, -1, 'BYTE'));
      await r.set('bp', Buffer.from([0xff, 0xf0, 0x00]));
      await t.rec('bitpos 0', r.bitpos('bp', 0));
      await t.rec('bitpos 1 range', r.bitpos('bp', 1, 2, -1));
      await t.rec('bitpos bit', r.bitpos('bp', 0, 2, 9, 'BIT'));
      await r.set('x1', 'abc');
      await r.set('x2', 'ab\xff');
      await t.rec('bitop and', r.bitop('AND', 'dst', 'x1', 'x2'));
      await t.rec('bitop or', r.bitop('OR', 'dst2', 'x1', 'x2', 'nope'));
      await t.rec('bitop xor', r.bitop('XOR', 'dst3', 'x1', 'x2'));
      await t.rec('bitop not', r.bitop('NOT', 'dst4', 'x1'));
      await t.rec('bitop results', r.mgetBuffer('dst', 'dst2', 'dst3', 'dst4'));
      await t.rec('bitop not 2 keys', r.bitop('NOT', 'dst4', 'x1', 'x2'));
      await t.rec('bitfield set', r.bitfield('bf', 'SET', 'i8', 0, 100));
      await t.rec('bitfield get', r.bitfield('bf', 'GET', 'u4', 0));
      await t.rec('bitfield incrby', r.bitfield('bf', 'INCRBY', 'i8', 0, 100));
      await t.rec('bitfield overflow sat', r.bitfield('bf', 'OVERFLOW', 'SAT', 'INCRBY', 'i8', 0, 100));
      await t.rec('bitfield overflow fail', r.bitfield('bf', 'OVERFLOW', 'FAIL', 'INCRBY', 'i8', 0, 100));
      await t.rec('bitfield multi', r.call('BITFIELD', 'bf', 'SET', 'u8', '#1', 255, 'GET', 'u8', '#1', 'INCRBY', 'u2', 100, 1, 'GET', 'i64', 0));
      await t.rec('bitfield bad type', r.call('BITFIELD', 'bf', 'GET', 'u64', 0));
      await t.rec('bitfield_ro', r.bitfield_ro('bf', 'GET', 'u8', 8));
      await t.rec('bitfield_ro set', r.call('BITFIELD_RO', 'bf', 'SET', 'u8', 0, 1));
      await t.rec('pfadd', r.pfadd('h1', 'a', 'b', 'c', 'd'));
      await t.rec('pfadd dup', r.pfadd('h1', 'a'));
      await t.rec('pfadd none', r.pfadd('h0'));
      const many = Array.from({ length: 5000 }, (_, i) => `el:${i}`);
      await t.rec('pfadd many', r.pfadd('h2', ...many));
      await t.rec('pfcount', r.pfcount('h1'));
      await t.rec('pfcount many', r.pfcount('h2'));
      await t.rec('pfcount union', r.pfcount('h1', 'h2'));
      await t.rec('pfmerge', r.pfmerge('h3', 'h1', 'h2'));
      await t.rec('pfcount merged', r.pfcount('h3'));
      await t.rec('hll bytes', r.getBuffer('h1'));
      await t.rec('hll dense bytes', r.getBuffer('h2'));
      await t.rec('pfcount wrongtype', r.pfcount('bs'));
      await t.rec('pfdebug', r.call('PFDEBUG', 'ENCODING', 'h2'));
      await t.rec('pfselftest', r.call('PFSELFTEST'));
      await r.quit();
    });
  });

  it('keys: DEL/UNLINK/EXISTS/TYPE/RENAME/MOVE/COPY, EXPIRE options, TTLs, OBJECT, SORT, DUMP/RESTORE, SCAN streams', async () => {
    await dual(pair(), async (t, port) => {
      const r = await fresh(port);
      await r.mset('a', '1', 'b', '2', 'c', '3');
      await r.rpush('l', '3', '1', '2');
      await r.sadd('s', 'x');
      await r.hset('h', 'f', 'v');
      await r.zadd('z', 1, 'm');
      await r.xadd('x', '1-1', 'f', 'v');
      await t.rec('type', Promise.all(['a', 'l', 's', 'h', 'z', 'x', 'none'].map((k) => r.type(k))));
      await t.rec('exists', r.exists('a', 'b', 'nope', 'a'));
      await t.rec('del', r.del('a', 'nope'));
      await t.rec('unlink', r.unlink('b'));
      await t.rec('touch', r.touch('c', 'l', 'nope'));
      await t.rec('rename', r.rename('c', 'c2'));
      await t.rec('rename missing', r.rename('nope', 'x2'));
      await t.rec('renamenx', r.renamenx('c2', 'l'));
      await t.rec('renamenx ok', r.renamenx('c2', 'c3'));
      await t.rec('move', r.move('c3', 1));
      await t.rec('move again', (async () => {
        await r.set('c3', 'other');
        return r.move('c3', 1);
      })());
      await t.rec('move same db', r.move('c3', 0));
      await t.rec('copy', r.copy('l', 'l2'));
      await t.rec('copy exists', r.copy('l', 'l2'));
      await t.rec('copy replace', r.copy('h', 'l2', 'REPLACE'));
      await t.rec('copy db', r.copy('z', 'z', 'DB', 5));
      await t.rec('copy result', (async () => {
        await r.select(5);
        const v = await r.zrange('z', 0, '-1', 'WITHSCORES');
        await r.select(0);
        return [v, await r.hgetall('l2')];
      })());
      await t.rec('expire', r.expire('l', 100));
      await t.rec('expire nx', r.expire('l', 200, 'NX'));
      await t.rec('expire xx', r.expire('l', 200, 'XX'));
      await t.rec('expire gt', r.expire('l', 100, 'GT'));
      await t.rec('expire lt', r.expire('l', 50, 'LT'));
      await t.rec('ttl', r.ttl('l'));
      await t.rec('expire nx+xx', r.call('EXPIRE', 'l', 10, 'NX', 'XX'));
      await t.rec('expire missing', r.expire('nope', 10));
      await t.rec('pexpire', r.pexpire('s', 100000));
      await t.rec('pttl', r.pttl('s'), within(98000, 100000));
      await t.rec('pexpire gt', r.pexpire('s', 100, 'GT'));
      await t.rec('expireat', r.expireat('h', nowSec() + 3600));
      await t.rec('expiretime', r.expiretime('h'), (v) => v - nowSec());
      await t.rec('pexpireat', r.pexpireat('z', Date.now() + 3600_000));
      await t.rec('pexpiretime', r.pexpiretime('z'), (v) => within(3590_000, 3600_000)(v - Date.now()));
      await t.rec('expiretime none', r.expiretime('x'));
      await t.rec('expiretime missing', r.expiretime('nope'));
      await t.rec('persist', r.persist('h'));
      await t.rec('persist again', r.persist('h'));
      await t.rec('ttl persisted', r.ttl('h'));
      await t.rec('ttl missing', r.ttl('nope'));
      await t.rec('expire past deletes', (async () => {
        await r.set('gone', '1');
        const v = await r.expire('gone', -1);
        return [v, await r.exists('gone')];
      })());
      await t.rec('expire overflow', r.expire('x', '9223372036854775807'));
      await t.rec('dbsize', r.dbsize());
      await t.rec('randomkey single', (async () => {
        await r.select(9);
        await r.set('only', '1');
        const k = await r.randomkey();
        await r.select(0);
        return k;
      })());
      // OBJECT
      await r.set('int', '12345');
      await r.set('emb', 'short');
      await r.set('raw', 'x'.repeat(50));
      await r.rpush('ql', 'a');
      await r.sadd('is', '1', '2');
      await t.rec('object encoding', Promise.all(['int', 'emb', 'raw', 'ql', 'is', 's', 'h', 'z', 'x'].map((k) => r.object('ENCODING', k))));
      await t.rec('object refcount', r.object('REFCOUNT', 'raw'));
      await t.rec('object idletime', r.object('IDLETIME', 'raw'), within(0, 2));
      await t.rec('object freq (lru policy)', r.object('FREQ', 'raw'));
      await t.rec('object missing', r.object('ENCODING', 'nope'));
      await t.rec('object help', r.object('HELP'));
      // SORT
      await r.del('l');
      await r.rpush('sl', '3', '10', '1', '2');
      await r.mset('w_1', '40', 'w_2', '30', 'w_3', '20', 'w_10', '10', 'o_1', 'one', 'o_2', 'two', 'o_3', 'three', 'o_10', 'ten');
      await t.rec('sort', r.sort('sl'));
      await t.rec('sort desc limit', r.sort('sl', 'LIMIT', 1, 2, 'DESC'));
      await t.rec('sort alpha', r.sort('sl', 'ALPHA'));
      await t.rec('sort by get', r.sort('sl', 'BY', 'w_*', 'GET', '#', 'GET', 'o_*'));
      await t.rec('sort nosort', r.sort('sl', 'BY', 'nosort'));
      await t.rec('sort store', r.sort('sl', 'DESC', 'STORE', 'sorted'));
      await t.rec('sort stored', r.lrange('sorted', 0, -1));
      await t.rec('sort_ro', r.sort_ro('sl', 'BY', 'w_*'));
      await t.rec('sort bad', (async () => {
        await r.rpush('sb', 'a', 'b');
        return r.sort('sb');
      })());
      await t.rec('sort hash field', (async () => {
        await r.hset('wh_1', 'w', '5');
        await r.hset('wh_2', 'w', '1');
        await r.rpush('sh', '1', '2');
        return r.sort('sh', 'BY', 'wh_*->w', 'GET', 'wh_*->w');
      })());
      // DUMP / RESTORE round trip
      await t.rec('dump', r.dumpBuffer('sl'));
      await t.rec('restore', (async () => {
        const d = await r.dumpBuffer('sl');
        await r.restore('sl-copy', 0, d);
        return r.lrange('sl-copy', 0, -1);
      })());
      await t.rec('restore busy', (async () => {
        const d = await r.dumpBuffer('sl');
        return r.restore('sl-copy', 0, d);
      })());
      await t.rec('restore replace ttl', (async () => {
        const d = await r.dumpBuffer('sl');
        await r.restore('sl-copy', 5000, d, 'REPLACE');
        return r.pttl('sl-copy');
      })(), within(4000, 5000));
      await t.rec('restore bad payload', r.restore('bad', 0, Buffer.from('garbage')));
      // KEYS and SCAN
      await r.flushdb();
      await r.mset(Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`user:${i}`, String(i)])));
      await r.mset(Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`other:${i}`, String(i)])));
      for (let i = 0; i < 20; i++) await r.sadd(`set:${i}`, 'a');
      await t.rec('keys pattern', r.keys('user:1?'), sorted);
      await t.rec('keys all count', r.keys('*'), (v) => v.length);
      const scanned = async (opts: Record<string, string | number>) => {
        const keys: string[] = [];
        const stream = r.scanStream(opts);
        for await (const batch of stream) keys.push(...(batch as string[]));
        return [...new Set(keys)].sort();
      };
      await t.rec('scanStream match', scanned({ match: 'user:2*', count: 37 }));
      await t.rec('scanStream type', scanned({ type: 'set' }));
      await t.rec('scanStream all', scanned({ count: 1000 }), (v) => v.length);
      await t.rec('scan raw loop', (async () => {
        let cursor = '0';
        const seen = new Set<string>();
        let calls = 0;
        do {
          const [next, keys] = await r.scan(cursor, 'MATCH', 'other:*', 'COUNT', 10);
          cursor = next;
          keys.forEach((k) => seen.add(k));
          calls++;
        } while (cursor !== '0' && calls < 10000);
        return [...seen].sort();
      })());
      await t.rec('scan bad cursor', r.scan('abc'));
      await t.rec('scan type string count', (async () => {
        const [, keys] = await r.scan(0, 'COUNT', 10000, 'TYPE', 'string');
        return keys.length;
      })());
      // SELECT / SWAPDB / FLUSHDB
      await t.rec('select', r.select(1));
      await t.rec('set in 1', r.set('k1', 'v'));
      await t.rec('swapdb', r.swapdb(0, 1));
      await t.rec('after swap', r.dbsize());
      await t.rec('select bad', r.select(16));
      await r.select(0);
      await t.rec('dbsize 0 after swap', r.dbsize());
      await t.rec('flushdb async', r.flushdb('ASYNC'));
      await t.rec('flushall sync', r.flushall('SYNC'));
      await r.quit();
    });
  });

  it('lists: every command, LPOS options, blocking pops with timeouts and with pushes from another client', async () => {
    await dual(pair(), async (t, port) => {
      const r = await fresh(port);
      const b = connect(port);
      await t.rec('lpush', r.lpush('l', 'c', 'b', 'a'));
      await t.rec('rpush', r.rpush('l', 'd', 'e', 'a'));
      await t.rec('lpushx missing', r.lpushx('nope', 'x'));
      await t.rec('rpushx', r.rpushx('l', 'z'));
      await t.rec('lrange', r.lrange('l', 0, -1));
      await t.rec('lrange neg', r.lrange('l', -3, -2));
      await t.rec('llen', r.llen('l'));
      await t.rec('lindex', r.lindex('l', -1));
      await t.rec('lindex out', r.lindex('l', 100));
      await t.rec('linsert before', r.linsert('l', 'BEFORE', 'c', 'bc'));
      await t.rec('linsert after missing pivot', r.linsert('l', 'AFTER', 'nope', 'x'));
      await t.rec('lpos', r.lpos('l', 'a'));
      await t.rec('lpos rank', r.lpos('l', 'a', 'RANK', -1));
      await t.rec('lpos count', r.lpos('l', 'a', 'COUNT', 0));
      await t.rec('lpos maxlen', r.lpos('l', 'a', 'COUNT', 0, 'MAXLEN', 3));
      await t.rec('lpos rank 0', r.lpos('l', 'a', 'RANK', 0));
      await t.rec('lset', r.lset('l', 1, 'B'));
      await t.rec('lset out', r.lset('l', 100, 'B'));
      await t.rec('lrem', r.lrem('l', -1, 'a'));
      await t.rec('ltrim', r.ltrim('l', 0, 5));
      await t.rec('lpop', r.lpop('l'));
      await t.rec('lpop count', r.lpop('l', 2));
      await t.rec('rpop', r.rpop('l'));
      await t.rec('rpop count', r.rpop('l', 10));
      await t.rec('lpop gone', r.lpop('l'));
      await t.rec('exists after empty', r.exists('l'));
      await r.rpush('src', '1', '2', '3');
      await t.rec('lmove', r.lmove('src', 'dst', 'LEFT', 'RIGHT'));
      await t.rec('rpoplpush', r.rpoplpush('src', 'dst'));
      await t.rec('lmove same', r.lmove('dst', 'dst', 'RIGHT', 'LEFT'));
      await t.rec('lmpop', r.lmpop(2, 'nope', 'dst', 'LEFT', 'COUNT', 5));
      await t.rec('lmpop empty', r.lmpop(1, 'nope', 'RIGHT'));
      await t.rec('big list', (async () => {
        const vals = Array.from({ length: 1000 }, (_, i) => `v${i}`);
        await r.rpush('big', ...vals);
        return [await r.llen('big'), await r.object('ENCODING', 'big'), await r.lindex('big', 500), await r.lrange('big', 995, -1)];
      })());
      // Blocking: timeouts.
      const t0 = Date.now();
      await t.rec('blpop timeout', b.blpop('q1', 'q2', 0.1));
      await t.rec('brpop timeout', b.brpop('q1', 0.1));
      await t.rec('blmove timeout', b.blmove('q1', 'q2', 'LEFT', 'LEFT', 0.1));
      await t.rec('brpoplpush timeout', b.brpoplpush('q1', 'q2', 0.1));
      await t.rec('blmpop timeout', b.blmpop(0.1, 2, 'q1', 'q2', 'LEFT'));
      t.note('blocked at least 400ms', Date.now() - t0 >= 400);
      await t.rec('blpop bad timeout', b.blpop('q1', -1));
      await t.rec('blpop not a number', b.call('BLPOP', 'q1', 'abc'));
      // Blocking: served by a push from another client.
      const served = b.blpop('q1', 'q2', 5);
      await sleep(50);
      await t.rec('push to waiter', r.rpush('q2', 'job1', 'job2'));
      await t.rec('blpop served', served);
      await t.rec('left after pop', r.lrange('q2', 0, -1));
      const served2 = b.brpop('q3', 0);
      await sleep(50);
      await r.lpush('q3', 'x');
      await t.rec('brpop 0 served', served2);
      const served3 = b.blmove('q4', 'q5', 'RIGHT', 'LEFT', 5);
      await sleep(50);
      await r.rpush('q4', 'a', 'b');
      await t.rec('blmove served', served3);
      await t.rec('after blmove', Promise.all([r.lrange('q4', 0, -1), r.lrange('q5', 0, -1)]));
      const served4 = b.blmpop(5, 2, 'q6', 'q7', 'RIGHT', 'COUNT', 2);
      await sleep(50);
      await r.rpush('q7', 'a', 'b', 'c');
      await t.rec('blmpop served', served4);
      const served5 = b.brpoplpush('q8', 'q9', 5);
      await sleep(50);
      await r.rpush('q8', 'm');
      await t.rec('brpoplpush served', served5);
      await t.rec('wrongtype', (async () => {
        await r.set('str', 'x');
        return r.lpush('str', 'a');
      })());
      await t.rec('blpop wrongtype', b.blpop('str', 1));
      b.disconnect();
      await r.quit();
    });
  });

  it('hashes: every command, HSCAN stream, HRANDFIELD, big hashes', async () => {
    await dual(pair(), async (t, port) => {
      const r = await fresh(port);
      await t.rec('hset obj', r.hset('h', { a: '1', b: '2', c: 'three' }));
      await t.rec('hset args', r.hset('h', 'd', '4', 'a', '10'));
      await t.rec('hset map', r.hset('h2', new Map([['x', '1']])));
      await t.rec('hmset', r.hmset('h', 'e', '5'));
      await t.rec('hsetnx', r.hsetnx('h', 'a', 'no'));
      await t.rec('hsetnx new', r.hsetnx('h', 'f', '6'));
      await t.rec('hget', r.hget('h', 'a'));
      await t.rec('hget missing', r.hget('h', 'zz'));
      await t.rec('hmget', r.hmget('h', 'a', 'zz', 'c'));
      await t.rec('hgetall', r.hgetall('h'));
      await t.rec('hgetall missing', r.hgetall('nope'));
      await t.rec('hkeys', r.hkeys('h'));
      await t.rec('hvals', r.hvals('h'));
      await t.rec('hlen', r.hlen('h'));
      await t.rec('hstrlen', r.hstrlen('h', 'c'));
      await t.rec('hexists', r.hexists('h', 'b'));
      await t.rec('hdel', r.hdel('h', 'b', 'zz'));
      await t.rec('hincrby', r.hincrby('h', 'a', 5));
      await t.rec('hincrby new', r.hincrby('h', 'n', -3));
      await t.rec('hincrby not int', r.hincrby('h', 'c', 1));
      await t.rec('hincrbyfloat', r.hincrbyfloat('h', 'a', 0.25));
      await t.rec('hincrbyfloat exp', r.hincrbyfloat('h', 'fl', '1e2'));
      await t.rec('hrandfield one', r.hrandfield('h2'));
      await t.rec('hrandfield count', r.hrandfield('h', 3), (v) => (v as string[]).length);
      await t.rec('hrandfield all', r.hrandfield('h', 100), sorted as (v: unknown) => unknown);
      await t.rec('hrandfield neg', r.hrandfield('h', -20), (v) => (v as string[]).length);
      await t.rec('hrandfield withvalues', r.hrandfield('h2', 1, 'WITHVALUES'));
      await t.rec('hrandfield missing', r.hrandfield('nope'));
      await t.rec('hscan', r.hscan('h', 0, 'MATCH', '[a-c]'));
      await t.rec('hscan novalues?', r.call('HSCAN', 'h', '0', 'NOVALUES'));
      const fields: Record<string, string> = {};
      for (let i = 0; i < 600; i++) fields[`field:${i}`] = `value:${i}`;
      await r.hset('bigh', fields);
      await t.rec('big encoding', r.object('ENCODING', 'bigh'));
      await t.rec('big hgetall', r.hgetall('bigh'), sortedObject);
      await t.rec('hscanStream', (async () => {
        const got: Record<string, string> = {};
        const stream = r.hscanStream('bigh', { match: 'field:1*', count: 50 });
        for await (const batch of stream) for (let i = 0; i < batch.length; i += 2) got[batch[i]] = batch[i + 1];
        return sortedObject(got);
      })());
      await t.rec('long value converts', (async () => {
        await r.hset('lv', 'f', 'x'.repeat(65));
        return r.object('ENCODING', 'lv');
      })());
      await t.rec('wrongtype', (async () => {
        await r.set('s', 'x');
        return r.hget('s', 'a');
      })());
      await r.quit();
    });
  });

  it('sets: every command, SSCAN stream, SPOP/SRANDMEMBER shapes, intset and hashtable', async () => {
    await dual(pair(), async (t, port) => {
      const r = await fresh(port);
      await t.rec('sadd', r.sadd('s1', 'a', 'b', 'c', 'd'));
      await t.rec('sadd dup', r.sadd('s1', 'a', 'e'));
      await t.rec('sadd ints', r.sadd('i1', 3, 1, 2, 100));
      await t.rec('smembers intset (sorted)', r.smembers('i1'));
      await t.rec('smembers', r.smembers('s1'), sorted);
      await t.rec('sismember', r.sismember('s1', 'a'));
      await t.rec('smismember', r.smismember('s1', 'a', 'zz', 'c'));
      await t.rec('scard', r.scard('s1'));
      await t.rec('srem', r.srem('s1', 'e', 'zz'));
      await r.sadd('s2', 'c', 'd', 'x', 'y');
      await r.sadd('s3', 'd', 'y', 'q');
      await t.rec('sinter', r.sinter('s1', 's2'), sorted);
      await t.rec('sintercard', r.sintercard(2, 's1', 's2'));
      await t.rec('sintercard limit', r.sintercard(2, 's1', 's2', 'LIMIT', 1));
      await t.rec('sinterstore', r.sinterstore('d1', 's1', 's2', 's3'));
      await t.rec('sunion', r.sunion('s1', 's2'), sorted);
      await t.rec('sunionstore', r.sunionstore('d2', 's1', 's2', 's3'));
      await t.rec('sdiff', r.sdiff('s1', 's2'), sorted);
      await t.rec('sdiffstore', r.sdiffstore('d3', 's2', 's1'));
      await t.rec('stored', Promise.all(['d1', 'd2', 'd3'].map((k) => r.smembers(k).then(sorted))));
      await t.rec('smove', r.smove('s1', 's2', 'a'));
      await t.rec('smove missing', r.smove('s1', 's2', 'zz'));
      await t.rec('spop', r.spop('s3'), (v) => ['d', 'y', 'q'].includes(v as string));
      await t.rec('spop count', r.spop('s2', 2), (v) => (v as string[]).length);
      await t.rec('spop all', r.spop('i1', 10), sorted);
      await t.rec('spop gone', r.exists('i1'));
      await t.rec('srandmember', r.srandmember('s1'), (v) => typeof v);
      await t.rec('srandmember count', r.srandmember('s1', 2), (v) => (v as string[]).length);
      await t.rec('srandmember neg', r.srandmember('s1', -7), (v) => (v as string[]).length);
      await t.rec('srandmember missing', r.srandmember('nope'));
      await t.rec('sscan', r.sscan('s1', 0), (v) => [v[0], sorted(v[1])]);
      const members = Array.from({ length: 1000 }, (_, i) => `m${i}`);
      await r.sadd('big', ...members);
      await t.rec('big encoding', r.object('ENCODING', 'big'));
      await t.rec('sscanStream', (async () => {
        const got = new Set<string>();
        for await (const batch of r.sscanStream('big', { match: 'm9*', count: 100 })) (batch as string[]).forEach((m) => got.add(m));
        return [...got].sort();
      })());
      await t.rec('intset to hashtable', (async () => {
        await r.sadd('iset', ...Array.from({ length: 600 }, (_, i) => i));
        const e1 = await r.object('ENCODING', 'iset');
        await r.sadd('iset2', 1, 2, 'x');
        return [e1, await r.object('ENCODING', 'iset2')];
      })());
      await t.rec('wrongtype', (async () => {
        await r.set('str', 'x');
        return r.sadd('str', 'a');
      })());
      await r.quit();
    });
  });

  it('sorted sets: ZADD options, ZRANGE variants, stores, pops and blocking pops', async () => {
    await dual(pair(), async (t, port) => {
      const r = await fresh(port);
      const b = connect(port);
      await t.rec('zadd', r.zadd('z', 1, 'a', 2, 'b', 3, 'c', 4, 'd', 5, 'e'));
      await t.rec('zadd nx', r.zadd('z', 'NX', 10, 'a', 6, 'f'));
      await t.rec('zadd xx ch', r.zadd('z', 'XX', 'CH', 1.5, 'a', 7, 'nope'));
      await t.rec('zadd gt ch', r.zadd('z', 'GT', 'CH', 1, 'a', 9, 'b'));
      await t.rec('zadd lt', r.zadd('z', 'LT', 'CH', 0.5, 'a', 100, 'c'));
      await t.rec('zadd incr', r.zadd('z', 'INCR', 2.25, 'a'));
      await t.rec('zadd incr nx existing', r.zadd('z', 'NX', 'INCR', 1, 'a'));
      await t.rec('zadd nx gt', r.call('ZADD', 'z', 'NX', 'GT', 1, 'a'));
      await t.rec('zadd bad score', r.zadd('z', 'abc', 'a'));
      await t.rec('zadd inf', r.zadd('zi', '-inf', 'lo', '+inf', 'hi', 0, 'zero'));
      await t.rec('zincrby', r.zincrby('z', 0.1, 'c'));
      await t.rec('zscore', r.zscore('z', 'c'));
      await t.rec('zscore inf', r.zscore('zi', 'hi'));
      await t.rec('zmscore', r.zmscore('z', 'a', 'nope', 'b'));
      await t.rec('zrank', r.zrank('z', 'c'));
      await t.rec('zrevrank', r.zrevrank('z', 'c'));
      await t.rec('zcard', r.zcard('z'));
      await t.rec('zcount', r.zcount('z', '(1', 5));
      await t.rec('zrange', r.zrange('z', 0, '-1', 'WITHSCORES'));
      await t.rec('zrange rev', r.zrange('z', 0, '2', 'REV'));
      await t.rec('zrange byscore', r.zrange('z', '(2', '+inf', 'BYSCORE', 'LIMIT', 1, 2, 'WITHSCORES'));
      await t.rec('zrange byscore rev', r.zrange('z', '+inf', '-inf', 'BYSCORE', 'REV', 'LIMIT', 0, 3));
      await t.rec('zrange bylex limit without by', r.call('ZRANGE', 'z', 0, 1, 'LIMIT', 0, 1));
      await r.zadd('lex', 0, 'a', 0, 'b', 0, 'c', 0, 'd', 0, 'e');
      await t.rec('zrange bylex', r.zrange('lex', '[b', '(e', 'BYLEX'));
      await t.rec('zrange bylex rev', r.zrange('lex', '+', '-', 'BYLEX', 'REV', 'LIMIT', 1, 2));
      await t.rec('zrangebylex', r.zrangebylex('lex', '-', '[c'));
      await t.rec('zrevrangebylex', r.zrevrangebylex('lex', '[d', '-', 'LIMIT', 0, 2));
      await t.rec('zlexcount', r.zlexcount('lex', '(a', '+'));
      await t.rec('zrangebylex bad', r.zrangebylex('lex', 'a', 'c'));
      await t.rec('zrangebyscore', r.zrangebyscore('z', 2, '+inf', 'WITHSCORES', 'LIMIT', 0, 3));
      await t.rec('zrevrangebyscore', r.zrevrangebyscore('z', '+inf', '(3'));
      await t.rec('zrevrange', r.zrevrange('z', 0, 1, 'WITHSCORES'));
      await t.rec('zrangestore', r.zrangestore('zs', 'z', 0, 2));
      await t.rec('zrangestore byscore rev', r.zrangestore('zs2', 'z', 5, 1, 'BYSCORE', 'REV'));
      await t.rec('stored', Promise.all([r.zrange('zs', 0, '-1', 'WITHSCORES'), r.zrange('zs2', 0, '-1', 'WITHSCORES')]));
      await t.rec('zrem', r.zrem('z', 'f', 'nope'));
      await t.rec('zremrangebyrank', r.zremrangebyrank('zs', 0, 0));
      await t.rec('zremrangebyscore', r.zremrangebyscore('zs2', '-inf', '(3'));
      await t.rec('zremrangebylex', r.zremrangebylex('lex', '[a', '[b'));
      await r.zadd('u1', 1, 'a', 2, 'b', 3, 'c');
      await r.zadd('u2', 10, 'b', 20, 'c', 30, 'd');
      await t.rec('zunion', r.zunion(2, 'u1', 'u2', 'WITHSCORES'));
      await t.rec('zunion weights max', r.zunion(2, 'u1', 'u2', 'WEIGHTS', 2, 0.5, 'AGGREGATE', 'MAX', 'WITHSCORES'));
      await t.rec('zinter', r.zinter(2, 'u1', 'u2', 'WITHSCORES'));
      await t.rec('zinter min', r.zinter(2, 'u1', 'u2', 'AGGREGATE', 'MIN'));
      await t.rec('zdiff', r.zdiff(2, 'u1', 'u2', 'WITHSCORES'));
      await t.rec('zunionstore', r.zunionstore('us', 2, 'u1', 'u2'));
      await t.rec('zinterstore', r.zinterstore('is', 2, 'u1', 'u2', 'WEIGHTS', 1, 2));
      await t.rec('zdiffstore', r.zdiffstore('ds', 2, 'u2', 'u1'));
      await t.rec('zintercard', r.zintercard(2, 'u1', 'u2'));
      await t.rec('zintercard limit', r.zintercard(2, 'u1', 'u2', 'LIMIT', 1));
      await t.rec('zunionstore with set', (async () => {
        await r.sadd('plain', 'a', 'z');
        await r.zunionstore('mix', 2, 'u1', 'plain');
        return r.zrange('mix', 0, '-1', 'WITHSCORES');
      })());
      await t.rec('stores', Promise.all(['us', 'is', 'ds'].map((k) => r.zrange(k, 0, '-1', 'WITHSCORES'))));
      await t.rec('zrandmember', r.zrandmember('u1'), (v) => ['a', 'b', 'c'].includes(v as string));
      await t.rec('zrandmember count', r.zrandmember('u1', 5), sorted as (v: unknown) => unknown);
      await t.rec('zrandmember withscores neg', r.zrandmember('u1', -4, 'WITHSCORES'), (v) => (v as string[]).length);
      await t.rec('zscan', r.zscan('u1', 0));
      await t.rec('zpopmin', r.zpopmin('u1'));
      await t.rec('zpopmax count', r.zpopmax('u2', 2));
      await t.rec('zmpop', r.zmpop(2, 'nope', 'u2', 'MIN', 'COUNT', 5));
      await t.rec('zmpop none', r.zmpop(1, 'nope', 'MAX'));
      await t.rec('bzpopmin timeout', b.bzpopmin('bz1', 0.1));
      await t.rec('bzpopmax timeout', b.bzpopmax('bz1', 'bz2', 0.1));
      await t.rec('bzmpop timeout', b.bzmpop(0.1, 1, 'bz1', 'MIN'));
      const w1 = b.bzpopmax('bz1', 'bz2', 5);
      await sleep(50);
      await r.zadd('bz2', 1, 'x', 2, 'y');
      await t.rec('bzpopmax served', w1);
      const w2 = b.bzmpop(5, 2, 'bz3', 'bz2', 'MIN', 'COUNT', 3);
      await sleep(50);
      await r.zadd('bz3', 7, 'p', 8, 'q');
      await t.rec('bzmpop served', w2);
      const w3 = b.bzpopmin('bz4', 0);
      await sleep(50);
      await r.zadd('bz4', 3, 'k');
      await t.rec('bzpopmin served', w3);
      const many: (number | string)[] = [];
      for (let i = 0; i < 300; i++) many.push(i * 1.5, `m${i}`);
      await r.zadd('bigz', ...many);
      await t.rec('big encoding', r.object('ENCODING', 'bigz'));
      await t.rec('big range', r.zrange('bigz', 100, '105', 'WITHSCORES'));
      await t.rec('big rank', r.zrank('bigz', 'm250'));
      await t.rec('zscanStream', (async () => {
        const got: string[] = [];
        for await (const batch of r.zscanStream('bigz', { match: 'm1?', count: 40 })) got.push(...(batch as string[]));
        const pairs: string[] = [];
        for (let i = 0; i < got.length; i += 2) pairs.push(`${got[i]}=${got[i + 1]}`);
        return [...new Set(pairs)].sort();
      })());
      await t.rec('scores formatting', (async () => {
        await r.zadd('fmt', 0.1, 'a', 1e20, 'b', -0.0, 'c', 3.14159265358979, 'd', 1 / 3, 'e');
        return r.zrange('fmt', 0, '-1', 'WITHSCORES');
      })());
      await t.rec('wrongtype', (async () => {
        await r.set('str', 'x');
        return r.zadd('str', 1, 'a');
      })());
      b.disconnect();
      await r.quit();
    });
  });

  it('geo: GEOADD options, GEOPOS/GEODIST/GEOHASH, GEORADIUS(BYMEMBER)(_RO), GEOSEARCH(STORE)', async () => {
    await dual(pair(), async (t, port) => {
      const r = await fresh(port);
      await t.rec('geoadd', r.geoadd('Sicily', 13.361389, 38.115556, 'Palermo', 15.087269, 37.502669, 'Catania'));
      await t.rec('geoadd nx ch', r.geoadd('Sicily', 'NX', 'CH', 13.583333, 37.316667, 'Agrigento', 0, 0, 'Palermo'));
      await t.rec('geoadd xx ch', r.geoadd('Sicily', 'XX', 'CH', 13.361389, 38.2, 'Palermo'));
      await t.rec('geoadd bad', r.geoadd('Sicily', 200, 100, 'Nowhere'));
      await t.rec('geopos', r.geopos('Sicily', 'Palermo', 'Catania', 'Nowhere'));
      await t.rec('geodist', r.geodist('Sicily', 'Palermo', 'Catania'));
      await t.rec('geodist km', r.geodist('Sicily', 'Palermo', 'Catania', 'KM'));
      await t.rec('geodist mi', r.geodist('Sicily', 'Palermo', 'Agrigento', 'MI'));
      await t.rec('geodist missing', r.geodist('Sicily', 'Palermo', 'Nowhere'));
      await t.rec('geohash', r.geohash('Sicily', 'Palermo', 'Catania', 'Nowhere'));
      await t.rec('georadius', r.georadius('Sicily', 15, 37, 200, 'km', 'WITHDIST', 'WITHCOORD', 'WITHHASH', 'ASC'));
      await t.rec('georadius count', r.georadius('Sicily', 15, 37, 200, 'km', 'COUNT', 1, 'DESC'));
      await t.rec('georadius store', r.georadius('Sicily', 15, 37, 200, 'km', 'STORE', 'g1'));
      await t.rec('georadius storedist', r.georadius('Sicily', 15, 37, 200, 'km', 'STOREDIST', 'g2'));
      await t.rec('stored', Promise.all([r.zrange('g1', 0, '-1', 'WITHSCORES'), r.zrange('g2', 0, '-1', 'WITHSCORES')]));
      await t.rec('georadius_ro', r.georadius_ro('Sicily', 15, 37, 100, 'km', 'WITHDIST'));
      await t.rec('georadiusbymember', r.georadiusbymember('Sicily', 'Agrigento', 100, 'km', 'WITHDIST', 'ASC'));
      await t.rec('georadiusbymember_ro', r.georadiusbymember_ro('Sicily', 'Agrigento', 300, 'km'));
      await t.rec('georadiusbymember missing', r.georadiusbymember('Sicily', 'Nowhere', 100, 'km'));
      await t.rec('geosearch frommember byradius', r.geosearch('Sicily', 'FROMMEMBER', 'Palermo', 'BYRADIUS', 200, 'km', 'ASC', 'WITHDIST'));
      await t.rec('geosearch fromlonlat bybox', r.geosearch('Sicily', 'FROMLONLAT', 15, 37, 'BYBOX', 400, 400, 'km', 'ASC', 'WITHCOORD', 'WITHDIST', 'WITHHASH'));
      await t.rec('geosearch count any', r.geosearch('Sicily', 'FROMLONLAT', 15, 37, 'BYRADIUS', 500, 'km', 'COUNT', 2, 'ANY', 'ASC'), (v) => (v as unknown[]).length);
      await t.rec('geosearch count', r.geosearch('Sicily', 'FROMLONLAT', 15, 37, 'BYRADIUS', 500, 'km', 'COUNT', 2, 'DESC'));
      await t.rec('geosearch bad', r.geosearch('Sicily', 'FROMLONLAT', 15, 37, 'BYRADIUS', 500, 'km', 'BYBOX', 1, 1, 'km'));
      await t.rec('geosearchstore', r.geosearchstore('gs', 'Sicily', 'FROMLONLAT', 15, 37, 'BYBOX', 400, 400, 'km', 'ASC', 'COUNT', 3));
      await t.rec('geosearchstore storedist', r.geosearchstore('gs2', 'Sicily', 'FROMMEMBER', 'Catania', 'BYRADIUS', 300, 'mi', 'STOREDIST'));
      await t.rec('stored search', Promise.all([r.zrange('gs', 0, '-1', 'WITHSCORES'), r.zrange('gs2', 0, '-1', 'WITHSCORES')]));
      await t.rec('as zset', r.zrange('Sicily', 0, '-1', 'WITHSCORES'));
      await r.quit();
    });
  });

  it('streams: XADD/XRANGE/XREAD, consumer groups, XREADGROUP BLOCK, XPENDING/XCLAIM/XAUTOCLAIM, XINFO', async () => {
    await dual(pair(), async (t, port) => {
      const r = await fresh(port);
      const b = connect(port);
      await t.rec('xadd', r.xadd('s', '1-1', 'name', 'a', 'n', '1'));
      await t.rec('xadd 2', r.xadd('s', '1-2', 'name', 'b'));
      await t.rec('xadd partial id', r.xadd('s', '2-*', 'name', 'c'));
      await t.rec('xadd old id', r.xadd('s', '1-1', 'x', 'y'));
      await t.rec('xadd maxlen', r.xadd('s', 'MAXLEN', '10', '3-0', 'name', 'd'));
      await t.rec('xadd nomkstream', r.xadd('nope', 'NOMKSTREAM', '*', 'a', '1'));
      await t.rec('xadd auto id shape', r.xadd('auto', '*', 'a', '1'), (v) => /^\d+-\d+$/.test(v as string));
      await t.rec('xlen', r.xlen('s'));
      await t.rec('xrange', r.xrange('s', '-', '+'));
      await t.rec('xrange count', r.xrange('s', '(1-1', '+', 'COUNT', 2));
      await t.rec('xrevrange', r.xrevrange('s', '+', '-', 'COUNT', 2));
      await t.rec('xread', r.xread('COUNT', 2, 'STREAMS', 's', '0-0'));
      await t.rec('xread none', r.xread('STREAMS', 's', '$'));
      await t.rec('xread block timeout', b.xread('BLOCK', 100, 'STREAMS', 's', '$'));
      const xr = b.xread('BLOCK', 5000, 'STREAMS', 's', 's2', '$', '$');
      await sleep(50);
      await r.xadd('s2', '5-0', 'f', 'v');
      await t.rec('xread block served', xr);
      await t.rec('xdel', r.xdel('s', '1-2', '9-9'));
      await t.rec('xtrim maxlen', r.xtrim('s', 'MAXLEN', 3));
      await t.rec('xtrim minid', r.xtrim('s', 'MINID', '2-0'));
      await t.rec('xtrim approx', r.xtrim('s', 'MAXLEN', '~', 1));
      await t.rec('after trims', r.xrange('s', '-', '+'));
      // Consumer groups.
      for (let i = 1; i <= 6; i++) await r.xadd('q', `10-${i}`, 'job', String(i));
      await t.rec('xgroup create', r.xgroup('CREATE', 'q', 'g1', '0'));
      await t.rec('xgroup create dup', r.xgroup('CREATE', 'q', 'g1', '0'));
      await t.rec('xgroup create mkstream', r.xgroup('CREATE', 'q2', 'g', '$', 'MKSTREAM'));
      await t.rec('xgroup create no stream', r.xgroup('CREATE', 'nope', 'g', '$'));
      await t.rec('xgroup createconsumer', r.xgroup('CREATECONSUMER', 'q', 'g1', 'c0'));
      await t.rec('xreadgroup', r.xreadgroup('GROUP', 'g1', 'c1', 'COUNT', 2, 'STREAMS', 'q', '>'));
      await t.rec('xreadgroup c2', r.xreadgroup('GROUP', 'g1', 'c2', 'COUNT', 2, 'STREAMS', 'q', '>'));
      await t.rec('xreadgroup history', r.xreadgroup('GROUP', 'g1', 'c1', 'STREAMS', 'q', '0'));
      await t.rec('xreadgroup noack', r.xreadgroup('GROUP', 'g1', 'c3', 'COUNT', 1, 'NOACK', 'STREAMS', 'q', '>'));
      await t.rec('xreadgroup no group', r.xreadgroup('GROUP', 'nog', 'c1', 'STREAMS', 'q', '>'));
      await t.rec('xack', r.xack('q', 'g1', '10-1', '99-0'));
      await t.rec('xpending summary', r.xpending('q', 'g1'));
      await t.rec('xpending extended', r.xpending('q', 'g1', '-', '+', 10), (v) => (v as [string, string, number, number][]).map(([id, c, , n]) => [id, c, n]));
      await t.rec('xpending consumer', r.xpending('q', 'g1', 'IDLE', 0, '-', '+', 10, 'c2'), (v) => (v as [string, string, number, number][]).map(([id, c, , n]) => [id, c, n]));
      await t.rec('xclaim', r.xclaim('q', 'g1', 'c3', 0, '10-3'));
      await t.rec('xclaim justid', r.xclaim('q', 'g1', 'c3', 0, '10-4', '10-2', 'JUSTID'));
      await t.rec('xclaim min idle', r.xclaim('q', 'g1', 'c1', 3_600_000, '10-3'));
      await t.rec('xautoclaim', r.xautoclaim('q', 'g1', 'c4', 0, '0-0', 'COUNT', 2));
      await t.rec('xautoclaim justid', r.xautoclaim('q', 'g1', 'c4', 0, '0-0', 'JUSTID'));
      await t.rec('xinfo stream', r.xinfo('STREAM', 'q'));
      await t.rec('xinfo stream full', r.xinfo('STREAM', 'q', 'FULL'), (v) => JSON.stringify(v).replace(/\b\d{13}\b/g, 'T'));
      await t.rec('xinfo groups', r.xinfo('GROUPS', 'q'));
      await t.rec('xinfo consumers', r.xinfo('CONSUMERS', 'q', 'g1'), (v) => JSON.stringify(v).replace(/"idle"(,|:)\d+/g, '"idle"$1T'));
      await t.rec('xgroup setid', r.xgroup('SETID', 'q', 'g1', '10-5'));
      await t.rec('xgroup delconsumer', r.xgroup('DELCONSUMER', 'q', 'g1', 'c4'));
      // XREADGROUP BLOCK: times out, then is served by an XADD from another client.
      await t.rec('xreadgroup block timeout', b.xreadgroup('GROUP', 'g', 'w1', 'BLOCK', 100, 'STREAMS', 'q2', '>'));
      const blocked = b.xreadgroup('GROUP', 'g', 'w1', 'COUNT', 10, 'BLOCK', 5000, 'STREAMS', 'q2', '>');
      await sleep(50);
      await r.xadd('q2', '7-1', 'hello', 'world');
      await t.rec('xreadgroup block served', blocked);
      await t.rec('pending after block', r.xpending('q2', 'g'));
      await t.rec('xgroup destroy', r.xgroup('DESTROY', 'q', 'g1'));
      await t.rec('xinfo groups after destroy', r.xinfo('GROUPS', 'q'));
      await t.rec('xsetid', r.xsetid('q', '99-0'));
      await t.rec('xsetid small', r.xsetid('q', '1-0'));
      await t.rec('xinfo help', r.xinfo('HELP'));
      await t.rec('wrongtype', (async () => {
        await r.set('str', 'x');
        return r.xadd('str', '*', 'a', '1');
      })());
      b.disconnect();
      await r.quit();
    });
  });

  it('server and introspection: INFO parsing, CONFIG, CLIENT, COMMAND, SLOWLOG, LATENCY, MEMORY, DEBUG', async () => {
    await dual(pair(), async (t, port) => {
      const r = await fresh(port);
      const info = await r.info();
      const fields = (s: string) => Object.fromEntries(s.split('\r\n').filter((l) => l && !l.startsWith('#')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]));
      const f = fields(info);
      t.note('info sections', info.split('\r\n').filter((l) => l.startsWith('# ')));
      // errorstat_ERR and cmdstat_client|setinfo: Redis 7.0 rejects the CLIENT SETINFO ioredis sends on connect; Cinnabar accepts it (see client.ts).
      t.note('info keys', Object.keys(f).filter((k) => k !== 'cinnabar_version' && !k.includes('setinfo') && !k.startsWith('errorstat_')).sort());
      t.note('info values', [f.redis_version, f.redis_mode, f.role, f.connected_slaves, f.maxmemory_policy, f.aof_enabled, f.loading, f.cluster_enabled]);
      await t.rec('info keyspace', (async () => {
        await r.set('a', '1', 'EX', 100);
        await r.set('b', '2');
        return r.info('keyspace');
      })(), (s) => s.replace(/avg_ttl=\d+/, 'avg_ttl=T'));
      await t.rec('info server fields', r.info('server'), (s) => Object.keys(fields(s)).filter((k) => k !== 'cinnabar_version').sort());
      await t.rec('info multiple sections', r.info('clients', 'memory'), (s) => s.split('\r\n').filter((l) => l.startsWith('#')));
      await t.rec('config get', r.config('GET', 'maxmemory-policy'));
      await t.rec('config get glob', r.config('GET', 'maxmemory*'), sortedPairs);
      await t.rec('config get several', r.config('GET', 'hz', 'timeout', 'databases'), sortedPairs);
      await t.rec('config set', r.config('SET', 'hz', '20'));
      await t.rec('config set several', r.config('SET', 'maxmemory', '100mb', 'maxmemory-policy', 'allkeys-lru'));
      await t.rec('config get after', r.config('GET', 'maxmemory'));
      await t.rec('config set bad', r.config('SET', 'hz', 'abc'));
      await t.rec('config set unknown', r.config('SET', 'nosuchparam', '1'));
      await t.rec('config set immutable', r.config('SET', 'daemonize', 'yes'));
      await t.rec('config reset', r.config('SET', 'hz', '10', 'maxmemory', '0', 'maxmemory-policy', 'noeviction'));
      await t.rec('config resetstat', r.config('RESETSTAT'));
      await t.rec('client setname', r.client('SETNAME', 'app-1'));
      await t.rec('client setname bad', r.client('SETNAME', 'has space'));
      await t.rec('client getname', r.client('GETNAME'));
      await t.rec('client id', r.client('ID'), (v) => typeof v);
      await t.rec('client list', r.client('LIST'), (s) => {
        const me = String(s).split('\n').find((l) => l.includes('name=app-1'))!;
        return me.split(' ').map((kv) => kv.split('=')[0]);
      });
      await t.rec('client list type', r.client('LIST', 'TYPE', 'NORMAL'), (s) => String(s).split('\n').filter(Boolean).length);
      await t.rec('client info', r.client('INFO'), (s) => /name=(\S*) .* db=(\d+)/.exec(String(s))?.slice(1));
      await t.rec('client no-evict', r.client('NO-EVICT', 'ON'));
      await t.rec('command count', r.command('COUNT'), (n) => (n as unknown as number) > 200);
      await t.rec('command info', r.command('INFO', 'get', 'set', 'zadd', 'xreadgroup', 'nosuch'));
      await t.rec('command docs', r.command('DOCS', 'lpush'));
      await t.rec('command getkeys', r.command('GETKEYS', 'MSET', 'a', '1', 'b', '2'));
      await t.rec('command getkeys sort', r.command('GETKEYS', 'SORT', 'l', 'STORE', 'd'));
      await t.rec('command getkeysandflags', r.command('GETKEYSANDFLAGS', 'LMOVE', 'a', 'b', 'LEFT', 'RIGHT'));
      await t.rec('command list filter', r.command('LIST', 'FILTERBY', 'ACLCAT', 'hyperloglog'), sorted as (v: unknown) => unknown);
      await t.rec('command', r.call('COMMAND'), (v) => (v as unknown[]).length > 200);
      await t.rec('dbsize', r.dbsize());
      await t.rec('lastsave', r.lastsave(), (v) => typeof v);
      await t.rec('slowlog reset', r.slowlog('RESET'));
      await t.rec('slowlog get after', (async () => {
        await r.config('SET', 'slowlog-log-slower-than', '0');
        await r.set('slow', 'x');
        await r.config('SET', 'slowlog-log-slower-than', '10000');
        const entries = (await r.slowlog('GET', 10)) as unknown[][];
        return entries.map((e) => [typeof e[0], e[3], typeof e[4], e[5]]);
      })());
      await t.rec('slowlog len', r.slowlog('LEN'));
      await t.rec('latency latest', r.latency('LATEST'));
      await t.rec('latency reset', r.latency('RESET'));
      await t.rec('latency doctor type', r.latency('DOCTOR'), (v) => typeof v);
      await t.rec('memory usage', (async () => {
        await r.set('mu', 'x'.repeat(100));
        return r.memory('USAGE', 'mu');
      })());
      await t.rec('memory usage missing', r.memory('USAGE', 'nope'));
      await t.rec('memory doctor', r.memory('DOCTOR'), (v) => typeof v);
      await t.rec('memory stats keys', r.memory('STATS'), (v) => (Array.isArray(v) ? v.filter((_, i) => i % 2 === 0) : Object.keys(v as object)));
      await t.rec('memory purge', r.memory('PURGE'));
      await t.rec('debug object', r.debug('OBJECT', 'mu'), (s) => String(s).replace(/at:0x[0-9a-f]+/, 'at:X').replace(/ lru:\d+ lru_seconds_idle:\d+/, ''));
      await t.rec('debug sleep', r.debug('SLEEP', 0));
      await t.rec('debug set-active-expire', r.debug('SET-ACTIVE-EXPIRE', 1));
      await t.rec('lolwut', r.lolwut('VERSION', 5), (v) => typeof v);
      await t.rec('time', r.time(), (v) => v.length);
      await t.rec('save', r.save());
      await t.rec('role', r.role());
      await t.rec('wait', r.wait(0, 0));
      await t.rec('wait blocks until its timeout', r.wait(1, 50));
      await t.rec('cluster info (standalone)', r.cluster('INFO'));
      await t.rec('readonly (standalone)', r.readonly());
      await r.quit();
    });
  });

  it('pipelines of hundreds of commands, auto-pipelining, MULTI/EXEC and WATCH', async () => {
    await dual(pair(), async (t, port) => {
      const r = await fresh(port);
      const p = r.pipeline();
      for (let i = 0; i < 500; i++) {
        p.set(`p:${i}`, String(i));
        p.incr(`p:${i}`);
        p.rpush('plist', String(i));
        if (i % 100 === 0) p.lpush(`p:${i}`, 'x'); // WRONGTYPE errors inside the pipeline
      }
      p.mget('p:0', 'p:499');
      p.lrange('plist', 0, 4);
      await t.rec('pipeline', p.exec(), (res) => res!.map(([e, v]) => (e ? `ERR ${e.message}` : v)));
      // Auto-pipelining: a thousand concurrent calls batched by ioredis.
      const ap = connect(port, { enableAutoPipelining: true });
      const gets = await Promise.all(Array.from({ length: 1000 }, (_, i) => ap.get(`p:${i % 500}`)));
      t.note('autopipeline gets', gets.slice(0, 5).concat(gets.slice(-5)));
      t.note('autopipeline count', gets.length);
      t.note('autopipeline mixed', await Promise.all([ap.incr('ac'), ap.incr('ac'), ap.hset('ah', 'f', '1'), ap.hgetall('ah'), ap.zadd('az', 1, 'x'), ap.lpush('p:0', 'bad').catch((e: Error) => e.message)]));
      ap.disconnect();
      // MULTI/EXEC
      const m = await r.multi().set('m1', 'a').incr('mc').incr('mc').get('m1').lpush('m1', 'x').exec();
      t.note('multi exec', m!.map(([e, v]) => (e ? `ERR ${e.message}` : v)));
      await t.rec('multi syntax error aborts', r.multi().set('m2', 'a').call('SET', 'onlykey').exec());
      await t.rec('m2 not set', r.exists('m2'));
      await t.rec('multi unknown command aborts', r.multi().set('m2', 'a').call('NOSUCHCMD').exec());
      await t.rec('multi non-pipelined', (async () => {
        await r.multi({ pipeline: false });
        await r.set('np', '1');
        await r.incr('np');
        return r.exec();
      })(), (res) => (res as [Error | null, unknown][]).map(([e, v]) => (e ? `ERR ${e.message}` : v)));
      // WATCH: untouched -> commits; touched by another client -> null.
      await r.set('bal', '100');
      await t.rec('watch', r.watch('bal'));
      const bal = Number(await r.get('bal'));
      await t.rec('watch commit', r.multi().set('bal', String(bal - 10)).exec(), (res) => res?.map(([, v]) => v));
      await r.watch('bal');
      const other = connect(port);
      await other.set('bal', '0');
      await t.rec('watch conflict', r.multi().set('bal', '1').exec());
      await t.rec('bal after conflict', r.get('bal'));
      await t.rec('unwatch', r.unwatch());
      await t.rec('discard', (async () => {
        await r.call('MULTI');
        await r.call('SET', 'dd', '1');
        return r.call('DISCARD');
      })());
      await t.rec('exec without multi', r.exec());
      await t.rec('dd not set', r.exists('dd'));
      // Pipeline with MULTI inside and blocking command inside MULTI.
      await t.rec('blpop in multi', r.multi().blpop('emptyq', 0).exec());
      other.disconnect();
      await r.quit();
    });
  });

  it('keyspace notifications reach ioredis subscribers (psubscribe, pmessage)', async () => {
    await dual(pair(), async (t, port) => {
      const r = await fresh(port);
      await t.rec('config notify', r.config('SET', 'notify-keyspace-events', 'KEA'));
      const sub = connect(port);
      const got: string[] = [];
      sub.on('pmessage', (_p, channel, message) => got.push(`${channel} ${message}`));
      await t.rec('psubscribe', sub.psubscribe('__keyspace@0__:*', '__keyevent@0__:expired'));
      await r.set('k', 'v');
      await r.expire('k', 100);
      await r.lpush('l', 'a');
      await r.lpop('l');
      await r.hset('h', 'f', 'v');
      await r.zadd('z', 1, 'm');
      await r.sadd('s', 'm');
      await r.xadd('x', '1-0', 'a', 'b');
      await r.rename('k', 'k2');
      await r.set('short', 'v', 'PX', 1);
      await r.incrbyfloat('f', 1.5);
      await r.copy('h', 'h2');
      await r.del('k2', 'h', 'nope');
      await sleep(150);
      await r.get('short'); // lazy expiry, if the active cycle has not run
      await sleep(150);
      t.note('notifications', got);
      await t.rec('punsubscribe', sub.punsubscribe());
      await r.config('SET', 'notify-keyspace-events', '');
      sub.disconnect();
      await r.quit();
    });
  });

  it('pub/sub through ioredis: subscribe, message, pattern, binary, PUBSUB introspection', async () => {
    await dual(pair(), async (t, port) => {
      const r = await fresh(port);
      const sub = connect(port);
      const got: string[] = [];
      sub.on('message', (ch, msg) => got.push(`m ${ch} ${msg}`));
      sub.on('pmessage', (p, ch, msg) => got.push(`p ${p} ${ch} ${msg}`));
      sub.on('messageBuffer', (ch: Buffer, msg: Buffer) => got.push(`mb ${ch.toString('hex')} ${msg.toString('hex')}`));
      await t.rec('subscribe', sub.subscribe('news', 'sport'));
      await t.rec('psubscribe', sub.psubscribe('n*'));
      await t.rec('publish', r.publish('news', 'hello'));
      await t.rec('publish binary', r.publish('sport', Buffer.from([0, 255, 13, 10])));
      await t.rec('publish nobody', r.publish('nobody', 'x'));
      await t.rec('pubsub numsub', r.pubsub('NUMSUB', 'news', 'nobody'));
      await t.rec('pubsub numpat', r.pubsub('NUMPAT'));
      await t.rec('pubsub channels', r.pubsub('CHANNELS'), sorted as (v: unknown) => unknown);
      await t.rec('command while subscribed', sub.get('x'));
      await t.rec('unsubscribe', sub.unsubscribe('sport'));
      await t.rec('publish after unsub', r.publish('sport', 'x'));
      await sleep(50);
      t.note('messages', got);
      sub.disconnect();
      await r.quit();
    });
  });

  it('monitor(), reconnecting after CLIENT KILL (db and name restored), keyPrefix', async () => {
    await dual(pair(), async (t, port) => {
      const r = await fresh(port);
      const mon = await r.monitor();
      const seen: string[] = [];
      mon.on('monitor', (_time: string, args: string[], _source: string, db: string) => seen.push(`${db} ${args.join(' ')}`));
      const w = connect(port, { db: 2, connectionName: 'w' });
      await w.set('a', '1');
      await w.get('a');
      await sleep(100);
      t.note('monitored', seen.filter((l) => !/ (info|client|hello|select)\b/i.test(l)));
      mon.disconnect();
      const id = await w.client('ID');
      let reconnecting = 0;
      w.on('reconnecting', () => reconnecting++);
      await t.rec('client kill', r.client('KILL', 'ID', String(id)));
      await sleep(300);
      await t.rec('after reconnect', w.get('a'));
      t.note('reconnected', reconnecting > 0);
      await t.rec('db and name restored', w.client('INFO'), (s) => [/ db=(\d+)/.exec(String(s))?.[1], / name=(\S*)/.exec(String(s))?.[1]]);
      w.disconnect();
      const p = connect(port, { keyPrefix: 'app:' });
      await p.set('x', '1');
      await p.mset({ y: '2' });
      await p.rpush('l', 'a');
      await t.rec('prefixed keys', r.keys('app:*'), sorted);
      await t.rec('prefixed read', p.mget('x', 'y'));
      p.disconnect();
      await r.quit();
    });
  });

  it('RESP3 (protocol: 3): HELLO on connect, maps, doubles, sets, nulls', async () => {
    await dual(pair(), async (t, port) => {
      const r = await fresh(port, { protocol: 3 } as RedisOptions);
      await t.rec('client info resp', r.client('INFO'), (s) => /resp=(\d)/.exec(String(s))?.[1]);
      await r.hset('h', 'a', '1', 'b', '2');
      await r.zadd('z', 1.5, 'x', 2, 'y');
      await r.sadd('s', 'm1', 'm2');
      await t.rec('hgetall', r.hgetall('h'));
      await t.rec('zscore', r.zscore('z', 'x'));
      await t.rec('zrange withscores', r.zrange('z', 0, '-1', 'WITHSCORES'));
      await t.rec('zpopmin', r.zpopmin('z'));
      await t.rec('smembers', r.smembers('s'), sorted as (v: unknown) => unknown);
      await t.rec('get missing', r.get('nope'));
      await t.rec('xinfo stream', (async () => {
        await r.xadd('st', '1-1', 'a', 'b');
        return r.xinfo('STREAM', 'st');
      })());
      await t.rec('config get', r.config('GET', 'hz'));
      await t.rec('hello', r.hello(3), (v) => JSON.stringify(v).replace(/"id"(,|:)\d+/, '"id"$1N'));
      await t.rec('pipeline', r.pipeline().set('a', '1').get('a').hgetall('h').zscore('z', 'y').exec());
      await t.rec('multi', r.multi().incr('c').hgetall('h').exec());
      await r.quit();
    });
  });
});
}

describe('library patterns on ioredis against Cinnabar', () => {
  const servers: Awaited<ReturnType<typeof startCinnabar>>[] = [];
  const clients: Redis[] = [];
  const start = async (opts: Record<string, string> = {}) => {
    const s = await startCinnabar(opts);
    servers.push(s);
    return s;
  };
  const client = (port: number, opts: RedisOptions = {}) => {
    const c = connectWith(port, opts);
    clients.push(c);
    return c;
  };
  const closeAll = async () => {
    await Promise.all(clients.splice(0).map((c) => c.quit().catch(() => c.disconnect())));
    await Promise.all(servers.splice(0).map((s) => s.close()));
  };

  it('redlock-style lock: SET NX PX, release by check-and-delete under WATCH/MULTI, expiry frees it', async () => {
    const s = await start();
    try {
      const acquire = async (c: Redis, key: string, token: string, ttl: number) => (await c.set(key, token, 'PX', ttl, 'NX')) === 'OK';
      const release = async (c: Redis, key: string, token: string): Promise<boolean> => {
        for (;;) {
          await c.watch(key);
          if ((await c.get(key)) !== token) {
            await c.unwatch();
            return false;
          }
          const res = await c.multi().del(key).exec();
          if (res !== null) return res[0][1] === 1;
        }
      };
      const a = client(s.port);
      const b = client(s.port);
      assert.equal(await acquire(a, 'lock:res', 'tok-a', 10_000), true);
      assert.equal(await acquire(b, 'lock:res', 'tok-b', 10_000), false);
      assert.equal(await release(b, 'lock:res', 'tok-b'), false, 'b may not release a lock it does not hold');
      assert.equal(await a.get('lock:res'), 'tok-a');
      assert.equal(await release(a, 'lock:res', 'tok-a'), true);
      assert.equal(await acquire(b, 'lock:res', 'tok-b', 100), true);
      await sleep(200);
      assert.equal(await acquire(a, 'lock:res', 'tok-a2', 10_000), true, 'an expired lock can be taken');
      assert.equal(await release(b, 'lock:res', 'tok-b'), false);
      // Mutual exclusion under contention: 20 workers increment a plain
      // counter with GET/SET while holding the lock; no update is lost.
      await a.set('counter', '0');
      const workers = Array.from({ length: 20 }, () => client(s.port));
      await Promise.all(
        workers.map(async (w, i) => {
          for (let n = 0; n < 10; n++) {
            const token = `w${i}:${n}`;
            while (!(await acquire(w, 'lock:ctr', token, 5000))) await sleep(1);
            const v = Number(await w.get('counter'));
            await w.set('counter', String(v + 1));
            assert.equal(await release(w, 'lock:ctr', token), true);
          }
        }),
      );
      assert.equal(await a.get('counter'), '200');
    } finally {
      await closeAll();
    }
  });

  it('rate limiting: fixed window with INCR+EXPIRE, sliding window with a sorted set in MULTI', async () => {
    const s = await start();
    try {
      const c = client(s.port);
      const fixed = async (user: string, limit: number, windowSec: number) => {
        const key = `rate:${user}:${Math.floor(Date.now() / 1000 / windowSec)}`;
        const [[, n], [, ttl]] = (await c.multi().incr(key).expire(key, windowSec, 'NX').exec()) as [[null, number], [null, number]];
        void ttl;
        return n <= limit;
      };
      const results = await Promise.all(Array.from({ length: 15 }, () => fixed('alice', 10, 60)));
      assert.equal(results.filter(Boolean).length, 10);
      const keys = await c.keys('rate:alice:*');
      assert.equal(keys.length, 1);
      const ttl = await c.ttl(keys[0]);
      assert.ok(ttl > 0 && ttl <= 60, `ttl ${ttl}`);

      const sliding = async (user: string, limit: number, windowMs: number, now: number, id: string) => {
        const key = `rate:sw:${user}`;
        const res = (await c
          .multi()
          .zremrangebyscore(key, 0, now - windowMs)
          .zadd(key, now, id)
          .zcard(key)
          .pexpire(key, windowMs)
          .exec())!;
        const count = res[2][1] as number;
        if (count > limit) {
          await c.zrem(key, id);
          return false;
        }
        return true;
      };
      const t0 = 1_000_000;
      const allowed: boolean[] = [];
      for (let i = 0; i < 10; i++) allowed.push(await sliding('bob', 5, 1000, t0 + i * 100, `r${i}`));
      // Within the first second only 5 pass; at t0+500.. the window still holds 5.
      assert.deepEqual(allowed, [true, true, true, true, true, false, false, false, false, false]);
      assert.equal(await sliding('bob', 5, 1000, t0 + 1050, 'late'), true, 'the oldest request left the window');
      assert.equal(await c.zcard('rate:sw:bob'), 5);
      const pttl = await c.pttl('rate:sw:bob');
      assert.ok(pttl > 0 && pttl <= 1000);
    } finally {
      await closeAll();
    }
  });

  it('session storage: HSET+EXPIRE sessions, connect-redis style SET EX / GET / touch / destroy', async () => {
    const s = await start();
    try {
      const c = client(s.port);
      // Hash sessions.
      await c.multi().hset('session:abc', { user: 'u1', role: 'admin', visits: '0' }).expire('session:abc', 1800).exec();
      await c.hincrby('session:abc', 'visits', 1);
      assert.deepEqual(await c.hgetall('session:abc'), { user: 'u1', role: 'admin', visits: '1' });
      const ttl = await c.ttl('session:abc');
      assert.ok(ttl > 1790 && ttl <= 1800);
      // connect-redis: JSON blob with SET key value EX ttl; touch = EXPIRE; destroy = DEL; all = SCAN + MGET.
      const sess = { cookie: { originalMaxAge: 60000, expires: new Date(Date.now() + 60000).toISOString(), httpOnly: true, path: '/' }, user: 'ü-ñ', cart: [1, 2, 3] };
      assert.equal(await c.set('sess:s1', JSON.stringify(sess), 'EX', 60), 'OK');
      assert.equal(await c.set('sess:s2', JSON.stringify({ ...sess, user: 'other' }), 'EX', 60), 'OK');
      assert.deepEqual(JSON.parse((await c.get('sess:s1'))!), sess);
      assert.equal(await c.expire('sess:s1', 120), 1);
      assert.ok((await c.ttl('sess:s1')) > 60);
      const ids: string[] = [];
      for await (const batch of c.scanStream({ match: 'sess:*', count: 100 })) ids.push(...(batch as string[]));
      assert.deepEqual([...new Set(ids)].sort(), ['sess:s1', 'sess:s2']);
      const all = await c.mget(...ids.sort());
      assert.deepEqual(all.map((v) => JSON.parse(v!).user), ['ü-ñ', 'other']);
      assert.equal(await c.del('sess:s1'), 1);
      assert.equal(await c.get('sess:s1'), null);
      // Sessions expire.
      await c.set('sess:short', '{}', 'PX', 50);
      await sleep(120);
      assert.equal(await c.get('sess:short'), null);
      assert.equal(await c.exists('sess:short'), 0);
    } finally {
      await closeAll();
    }
  });

  it('cache with TTL under maxmemory allkeys-lru: keys are evicted, writes never fail with OOM', async () => {
    const s = await start({ maxmemory: '4mb', 'maxmemory-policy': 'allkeys-lru' });
    try {
      const c = client(s.port);
      const value = 'v'.repeat(1000);
      // Write about 10 MB of cache entries through a pipeline; none may fail.
      let errors = 0;
      for (let batch = 0; batch < 10; batch++) {
        const p = c.pipeline();
        for (let i = 0; i < 1000; i++) p.set(`cache:${batch}:${i}`, value, 'EX', 3600);
        const res = (await p.exec())!;
        errors += res.filter(([e]) => e).length;
      }
      assert.equal(errors, 0);
      const info = await c.info('stats');
      const evicted = Number(/evicted_keys:(\d+)/.exec(info)![1]);
      assert.ok(evicted > 0, 'some keys were evicted');
      const mem = await c.info('memory');
      const used = Number(/used_memory:(\d+)/.exec(mem)![1]);
      assert.ok(used <= 4 * 1024 * 1024 * 1.1, `used_memory ${used} stays near maxmemory`);
      const size = await c.dbsize();
      assert.ok(size > 100 && size < 10_000, `dbsize ${size}`);
      // The most recently written keys survive; cache-aside read path.
      assert.equal(await c.get('cache:9:999'), value);
      // The LRU clock ticks once a second (as in Redis): let the keys above become older.
      await sleep(1100);
      const getOrCompute = async (k: string) => {
        const hit = await c.get(k);
        if (hit !== null) return [hit, 'hit'];
        await c.set(k, 'computed', 'EX', 60);
        return ['computed', 'miss'];
      };
      assert.deepEqual(await getOrCompute('cache:fresh'), ['computed', 'miss']);
      assert.deepEqual(await getOrCompute('cache:fresh'), ['computed', 'hit']);
      // A recently read key outlives the older ones under more pressure.
      for (let i = 0; i < 1000; i++) {
        if (i % 100 === 0) await c.get('cache:fresh');
        await c.set(`cache:more:${i}`, value);
      }
      assert.equal(await c.get('cache:fresh'), 'computed');
    } finally {
      await closeAll();
    }
  });

  it('pub/sub fan-out: one publisher, many subscribers (channels and patterns), every message delivered in order', async () => {
    const s = await start();
    try {
      const pub = client(s.port);
      const N = 10;
      const M = 200;
      const subs = Array.from({ length: N }, () => client(s.port));
      const received: string[][] = subs.map(() => []);
      await Promise.all(
        subs.map(async (sub, i) => {
          if (i % 2 === 0) {
            sub.on('message', (_ch, msg) => received[i].push(msg));
            await sub.subscribe('events');
          } else {
            sub.on('pmessage', (_p, _ch, msg) => received[i].push(msg));
            await sub.psubscribe('ev*');
          }
        }),
      );
      let total = 0;
      for (let m = 0; m < M; m++) total += await pub.publish('events', `msg-${m}`);
      assert.equal(total, N * M);
      for (let i = 0; i < 100 && received.some((r) => r.length < M); i++) await sleep(20);
      const expected = Array.from({ length: M }, (_, m) => `msg-${m}`);
      for (const r of received) assert.deepEqual(r, expected);
    } finally {
      await closeAll();
    }
  });
});
