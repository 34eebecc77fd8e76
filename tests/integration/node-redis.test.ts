/**
 * node-redis (`redis` v5+ API), unchanged, against Cinnabar. Each scenario
 * runs through node-redis's typed command API against a real Redis 7.0.15
 * and against Cinnabar, in RESP2 and in RESP3 (`RESP: 3`), and what
 * node-redis hands back after its own reply transformers must be the same
 * on both: every command family, SET/GETEX/LCS/BITFIELD options, blocking
 * pops with timeouts, ZRANGE variants, geo, streams with consumer groups and
 * XREADGROUP BLOCK, scanIterator, EXPIRE options, SORT, OBJECT, COPY,
 * keyspace notifications, INFO/CONFIG/CLIENT/COMMAND, pipelining, MULTI/EXEC
 * and WATCH. Then the library patterns built on node-redis.
 */
import { after, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { BasicClientSideCache, createClient, WatchError } from 'redis';
import { skipWithoutRedis, startCinnabar } from '../helpers/servers';
import { dual, sleep, sorted, sortedObject, usePair, within } from '../helpers/dual';

type Resp = 2 | 3;

// The client's generic type depends on RESP; the scenarios are written once for both.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Client = ReturnType<typeof createClient<any, any, any, 2, any>>;

/** Every client opened, so a failed scenario cannot leave one keeping the process alive. */
const opened = new Set<{ destroy(): unknown; isOpen: boolean }>();

async function connect(port: number, RESP: Resp, extra: Record<string, unknown> = {}): Promise<Client> {
  // Default options otherwise: node-redis sends CLIENT SETINFO (and HELLO 3 for RESP3) on connect.
  const c = createClient({ url: `redis://127.0.0.1:${port}`, RESP, ...extra }) as unknown as Client;
  c.on('error', () => {});
  opened.add(c);
  await c.connect();
  return c;
}

function destroyAll(): void {
  for (const c of opened) if (c.isOpen) c.destroy();
  opened.clear();
}

async function fresh(port: number, RESP: Resp): Promise<Client> {
  const c = await connect(port, RESP);
  await c.flushAll();
  return c;
}

const nowSec = () => Math.floor(Date.now() / 1000);

/** Maps (RESP3 replies, or objects) as sorted entry lists, recursively. */
function canonical(v: unknown): unknown {
  if (v instanceof Map) {
    const entries: [unknown, unknown][] = [...(v as Map<unknown, unknown>).entries()].map(([k, x]) => [canonical(k), canonical(x)]);
    return entries.sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1));
  }
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object' && !Buffer.isBuffer(v)) return Object.fromEntries(Object.entries(v).map(([k, x]): [string, unknown] => [k, canonical(x)]).sort(([a], [b]) => (a < b ? -1 : 1)));
  return v;
}

for (const RESP of [2, 3] as const) {
  describe(`node-redis RESP${RESP} against Cinnabar and Redis (differential)`, { skip: skipWithoutRedis() }, () => {
    const pair = usePair();
    after(destroyAll);

    it('connects with default options (CLIENT SETINFO, HELLO), database and name options, duplicate()', async () => {
      await dual(pair(), async (t, port) => {
        const c = await connect(port, RESP);
        t.note('isReady', c.isReady);
        await t.rec('ping', c.ping());
        await t.rec('ping msg', c.ping('hi'));
        await t.rec('echo', c.echo('x y'));
        await t.rec('client info', c.clientInfo(), (i) => [i.resp, i.db, i.name, i.flags, i.cmd]);
        const d = c.duplicate({ database: 4, name: 'dup-worker' });
        d.on('error', () => {});
        await d.connect();
        await t.rec('dup set', d.set('k4', 'v'));
        await t.rec('dup info', d.clientInfo(), (i) => [i.db, i.name, i.resp]);
        await t.rec('dup getname', d.clientGetName());
        await t.rec('other db empty', c.exists('k4'));
        await d.flushDb();
        d.destroy();
        await t.rec('hello', c.hello(), (h) => {
          const o = h as unknown as Record<string, unknown>;
          return [o.server, o.version, o.proto, o.mode, o.role, o.modules];
        });
        // Without requirepass the default user has no password: any password is accepted.
        await t.rec('hello 3 auth (nopass user)', c.hello(3, { AUTH: { username: 'default', password: 'any' } }), (h) => JSON.stringify(canonical(h)).replace(/"id"(,|:)\d+/, '"id"$1N'));
        await t.rec('hello unknown user', c.hello(3, { AUTH: { username: 'nobody', password: 'any' } }));
        await t.rec('hello 4', c.sendCommand(['HELLO', '4']));
        await c.close();
      });
    });

    it('authenticates with requirepass (url password), and fails the way Redis does with a wrong one', async () => {
      await dual(pair(), async (t, port) => {
        const admin = await fresh(port, RESP);
        await admin.configSet('requirepass', 'pw');
        await admin.auth({ password: 'pw' });
        const ok = createClient({ url: `redis://:pw@127.0.0.1:${port}/2`, RESP });
        ok.on('error', () => {});
        await ok.connect();
        await t.rec('authed', ok.set('x', '1'));
        await t.rec('authed db', ok.clientInfo(), (i) => i.db);
        await ok.close();
        const bad = createClient({ url: `redis://:wrong@127.0.0.1:${port}`, RESP, socket: { reconnectStrategy: false } });
        bad.on('error', () => {});
        await t.rec('bad password', bad.connect().then(() => 'connected'));
        await bad.destroy();
        await t.rec('unset', admin.configSet('requirepass', ''));
        await admin.close();
      });
    });

    it('strings: SET options, GETEX, counters, ranges, LCS variants, binary values', async () => {
      await dual(pair(), async (t, port) => {
        const c = await fresh(port, RESP);
        await t.rec('set', c.set('s', 'hello'));
        await t.rec('set nx exists', c.set('s', 'x', { condition: 'NX' }));
        await t.rec('set xx get', c.set('s', 'world', { condition: 'XX', GET: true }));
        await t.rec('set ex', c.set('e', 'v', { expiration: { type: 'EX', value: 100 } }));
        await t.rec('ttl', c.ttl('e'));
        await t.rec('set px nx', c.set('p', 'v', { expiration: { type: 'PX', value: 100000 }, condition: 'NX' }));
        await t.rec('pttl', c.pTTL('p'), within(98000, 100000));
        await t.rec('set keepttl', c.set('e', 'v2', { expiration: 'KEEPTTL' }));
        await t.rec('ttl kept', c.ttl('e'));
        await t.rec('set exat', c.set('ea', 'v', { expiration: { type: 'EXAT', value: nowSec() + 1000 } }));
        await t.rec('set pxat', c.set('pa', 'v', { expiration: { type: 'PXAT', value: Date.now() + 50000 } }));
        await t.rec('ttls', Promise.all([c.ttl('ea'), c.pTTL('pa')]), ([a, b]) => [within(998, 1000)(a), within(48000, 50000)(b)]);
        await t.rec('set number', c.set('num', 42));
        await t.rec('set ex 0', c.set('s', 'v', { expiration: { type: 'EX', value: 0 } }));
        await t.rec('get', c.get('s'));
        await t.rec('get missing', c.get('nope'));
        await t.rec('getex ex', c.getEx('s', { type: 'EX', value: 50 }));
        await t.rec('getex px', c.getEx('s', { type: 'PX', value: 60000 }));
        await t.rec('getex exat', c.getEx('s', { type: 'EXAT', value: nowSec() + 500 }));
        await t.rec('getex pxat', c.getEx('s', { type: 'PXAT', value: new Date(Date.now() + 500000) }));
        await t.rec('getex persist', c.getEx('s', { type: 'PERSIST' }));
        await t.rec('ttl persisted', c.ttl('s'));
        await t.rec('getdel', c.getDel('s'));
        await t.rec('getset', c.getSet('g', 'a'));
        await t.rec('setnx', c.setNX('n', '1'));
        await t.rec('setex', c.setEx('se', 30, 'v'));
        await t.rec('psetex', c.pSetEx('pse', 30000, 'v'));
        await t.rec('mset', c.mSet({ a: '1', b: '2', c: '3' }));
        await t.rec('mset tuples', c.mSet([['d', '4'], ['e', '5']]));
        await t.rec('msetnx', c.mSetNX({ a: 'x', zz: 'y' }));
        await t.rec('mget', c.mGet(['a', 'b', 'nope', 'e']));
        await t.rec('append', c.append('ap', 'Hello'));
        await t.rec('append 2', c.append('ap', ' World'));
        await t.rec('strlen', c.strLen('ap'));
        await t.rec('getrange', c.getRange('ap', 0, 4));
        await t.rec('setrange', c.setRange('ap', 6, 'Redis'));
        await t.rec('substr', c.sendCommand(['SUBSTR', 'ap', '0', '4']));
        await t.rec('incr', c.incr('cnt'));
        await t.rec('incrby', c.incrBy('cnt', 41));
        await t.rec('decr', c.decr('cnt'));
        await t.rec('decrby', c.decrBy('cnt', 10));
        await t.rec('incrbyfloat', c.incrByFloat('f', 10.5));
        await t.rec('incrbyfloat 2', c.incrByFloat('f', -0.1));
        await t.rec('incr not int', c.incr('ap'));
        await c.mSet({ k1: 'ohmytext', k2: 'mynewtext' });
        await t.rec('lcs', c.lcs('k1', 'k2'));
        await t.rec('lcs len', c.lcsLen('k1', 'k2'));
        await t.rec('lcs idx', c.lcsIdx('k1', 'k2'), canonical);
        await t.rec('lcs idx minmatchlen', c.lcsIdx('k1', 'k2', { MINMATCHLEN: 4 }), canonical);
        await t.rec('lcs idx withmatchlen', c.lcsIdxWithMatchLen('k1', 'k2'), canonical);
        const bin = Buffer.alloc(256);
        for (let i = 0; i < 256; i++) bin[i] = i;
        await t.rec('set binary', c.set(Buffer.from('b\x00k', 'latin1'), bin));
        const cb = c.withTypeMapping({ [36]: Buffer } as never) as unknown as Client;
        await t.rec('get binary', cb.get(Buffer.from('b\x00k', 'latin1')));
        await t.rec('utf8', (async () => {
          await c.set('u', 'héllo ✓ 🎉');
          return [await c.get('u'), await c.strLen('u')];
        })());
        await t.rec('wrongtype', (async () => {
          await c.rPush('l', 'a');
          return c.get('l');
        })());
        await t.rec('unknown command', c.sendCommand(['NOSUCH', 'x']));
        await c.close();
      });
    });

    it('bitmaps and HyperLogLog', async () => {
      await dual(pair(), async (t, port) => {
        const c = await fresh(port, RESP);
        await t.rec('setbit', c.setBit('b', 7, 1));
        await t.rec('getbit', c.getBit('b', 7));
        await c.set('bs', 'foobar');
        await t.rec('bitcount', c.bitCount('bs'));
        await t.rec('bitcount range', c.bitCount('bs', { start: 1, end: 1 }));
        await t.rec('bitcount bit', c.bitCount('bs', { start: 5, end: 30, mode: 'BIT' }));
        await t.rec('bitpos', c.bitPos('bs', 1));
        await t.rec('bitpos range bit', c.bitPos('bs', 0, 2, 20, 'BIT'));
        await t.rec('bitop', c.bitOp('AND', 'dst', ['bs', 'b']));
        await t.rec('bitop not', c.bitOp('NOT', 'dst2', 'bs'));
        await t.rec('bitfield', c.bitField('bf', [
          { operation: 'SET', encoding: 'i8', offset: 0, value: 100 },
          { operation: 'GET', encoding: 'u4', offset: 0 },
          { operation: 'INCRBY', encoding: 'i8', offset: 0, increment: 100 },
          { operation: 'OVERFLOW', behavior: 'SAT' },
          { operation: 'INCRBY', encoding: 'i8', offset: 0, increment: 100 },
          { operation: 'OVERFLOW', behavior: 'FAIL' },
          { operation: 'INCRBY', encoding: 'i8', offset: 0, increment: 100 },
          { operation: 'SET', encoding: 'u8', offset: '#1', value: 255 },
        ]));
        await t.rec('bitfield_ro', c.bitFieldRo('bf', [{ encoding: 'u8', offset: 8 }, { encoding: 'i16', offset: 0 }]));
        await t.rec('pfadd', c.pfAdd('h1', ['a', 'b', 'c']));
        await t.rec('pfadd big', c.pfAdd('h2', Array.from({ length: 3000 }, (_, i) => `x${i}`)));
        await t.rec('pfcount', c.pfCount('h1'));
        await t.rec('pfcount union', c.pfCount(['h1', 'h2']));
        await t.rec('pfmerge', c.pfMerge('h3', ['h1', 'h2']));
        await t.rec('pfcount merged', c.pfCount('h3'));
        await c.close();
      });
    });

    it('keys: EXPIRE options, TTL family, COPY, MOVE, RENAME, OBJECT, SORT, DUMP/RESTORE, scanIterator', async () => {
      await dual(pair(), async (t, port) => {
        const c = await fresh(port, RESP);
        await c.mSet({ a: '1', b: '2', c: '3' });
        await c.rPush('l', ['3', '1', '2']);
        await c.hSet('h', 'f', 'v');
        await c.zAdd('z', { score: 1, value: 'm' });
        await t.rec('type', Promise.all(['a', 'l', 'h', 'z', 'none'].map((k) => c.type(k))));
        await t.rec('exists', c.exists(['a', 'b', 'nope']));
        await t.rec('del', c.del(['a', 'nope']));
        await t.rec('unlink', c.unlink('b'));
        await t.rec('touch', c.touch(['c', 'l']));
        await t.rec('rename', c.rename('c', 'c2'));
        await t.rec('renamenx', c.renameNX('c2', 'l'));
        await t.rec('move', c.move('c2', 1));
        await t.rec('copy', c.copy('l', 'l2'));
        await t.rec('copy exists', c.copy('l', 'l2'));
        await t.rec('copy replace db', c.copy('h', 'l2', { DB: 2, REPLACE: true }));
        await t.rec('expire', c.expire('l', 100));
        await t.rec('expire nx', c.expire('l', 200, 'NX'));
        await t.rec('expire xx', c.expire('l', 200, 'XX'));
        await t.rec('expire gt', c.expire('l', 100, 'GT'));
        await t.rec('expire lt', c.expire('l', 50, 'LT'));
        await t.rec('ttl', c.ttl('l'));
        await t.rec('pexpire', c.pExpire('h', 100000, 'NX'));
        await t.rec('pttl', c.pTTL('h'), within(98000, 100000));
        await t.rec('expireat', c.expireAt('z', nowSec() + 3600));
        await t.rec('expiretime', c.expireTime('z'), (v) => (v as number) - nowSec());
        await t.rec('pexpireat', c.pExpireAt('z', new Date(Date.now() + 7200_000)));
        await t.rec('pexpiretime', c.pExpireTime('z'), (v) => within(7190_000, 7200_000)((v as number) - Date.now()));
        await t.rec('persist', c.persist('z'));
        await t.rec('ttl none', c.ttl('z'));
        await t.rec('dbsize', c.dbSize());
        await t.rec('randomkey', (async () => {
          await c.select(9);
          await c.set('only', '1');
          const k = await c.randomKey();
          await c.select(0);
          return k;
        })());
        await c.set('int', '123');
        await c.set('raw', 'x'.repeat(60));
        await t.rec('object encoding', Promise.all(['int', 'raw', 'l', 'h', 'z'].map((k) => c.objectEncoding(k))));
        await t.rec('object refcount', c.objectRefCount('raw'));
        await t.rec('object idletime', c.objectIdleTime('raw'), within(0, 2));
        await t.rec('object freq', c.objectFreq('raw'));
        await c.del('l');
        await c.rPush('sl', ['3', '10', '1', '2']);
        await c.mSet({ w_1: '40', w_2: '30', w_3: '20', w_10: '10', o_1: 'one', o_2: 'two', o_3: 'three', o_10: 'ten' });
        await t.rec('sort', c.sort('sl'));
        await t.rec('sort options', c.sort('sl', { BY: 'w_*', GET: ['#', 'o_*'], LIMIT: { offset: 1, count: 3 }, DIRECTION: 'DESC' }));
        await t.rec('sort alpha', c.sort('sl', { ALPHA: true }));
        await t.rec('sort store', c.sortStore('sl', 'sorted', { DIRECTION: 'DESC' }));
        await t.rec('sort_ro', c.sortRo('sl', { BY: 'nosort' }));
        await t.rec('dump restore', (async () => {
          const cb = c.withTypeMapping({ [36]: Buffer } as never) as unknown as Client;
          const d = (await cb.dump('sl')) as unknown as Buffer;
          await c.restore('sl2', 0, d);
          await c.restore('sl3', 0, d, { REPLACE: true, IDLETIME: 100 });
          return [d, await c.lRange('sl2', 0, -1), await c.objectIdleTime('sl3')];
        })());
        await c.flushDb();
        await c.mSet(Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`user:${i}`, String(i)])));
        for (let i = 0; i < 30; i++) await c.sAdd(`set:${i}`, 'a');
        await t.rec('keys', c.keys('user:1?'), sorted);
        await t.rec('scan', c.scan('0', { COUNT: 1000 }), (r) => [r.cursor, r.keys.length]);
        const collect = async (opts: Record<string, unknown>) => {
          const keys = new Set<string>();
          for await (const batch of c.scanIterator(opts)) for (const k of batch as unknown as string[]) keys.add(k);
          return [...keys].sort();
        };
        await t.rec('scanIterator match', collect({ MATCH: 'user:2*', COUNT: 25 }));
        await t.rec('scanIterator type', collect({ TYPE: 'set' }));
        await t.rec('scanIterator all', collect({}), (v) => v.length);
        await t.rec('swapdb', c.swapDb(0, 1));
        await t.rec('dbsize swapped', c.dbSize());
        await c.close();
      });
    });

    it('lists: every command, blocking pops timing out and served by another client', async () => {
      await dual(pair(), async (t, port) => {
        const c = await fresh(port, RESP);
        const b = await connect(port, RESP);
        await t.rec('lpush', c.lPush('l', ['c', 'b', 'a']));
        await t.rec('rpush', c.rPush('l', ['d', 'a']));
        await t.rec('lpushx', c.lPushX('nope', 'x'));
        await t.rec('rpushx', c.rPushX('l', 'z'));
        await t.rec('lrange', c.lRange('l', 0, -1));
        await t.rec('llen', c.lLen('l'));
        await t.rec('lindex', c.lIndex('l', -1));
        await t.rec('linsert', c.lInsert('l', 'BEFORE', 'c', 'bc'));
        await t.rec('lpos', c.lPos('l', 'a'));
        await t.rec('lpos rank', c.lPos('l', 'a', { RANK: -1 }));
        await t.rec('lpos count', c.lPosCount('l', 'a', 0));
        await t.rec('lpos count maxlen', c.lPosCount('l', 'a', 0, { MAXLEN: 2 }));
        await t.rec('lset', c.lSet('l', 1, 'B'));
        await t.rec('lrem', c.lRem('l', -1, 'a'));
        await t.rec('ltrim', c.lTrim('l', 0, 4));
        await t.rec('lpop', c.lPop('l'));
        await t.rec('lpop count', c.lPopCount('l', 2));
        await t.rec('rpop', c.rPop('l'));
        await t.rec('rpop count', c.rPopCount('l', 5));
        await t.rec('rpop count missing', c.rPopCount('l', 5));
        await c.rPush('src', ['1', '2', '3']);
        await t.rec('lmove', c.lMove('src', 'dst', 'LEFT', 'RIGHT'));
        await t.rec('rpoplpush', c.rPopLPush('src', 'dst'));
        await t.rec('lmpop', c.lmPop(['nope', 'dst'], 'LEFT', { COUNT: 5 }));
        await t.rec('lmpop none', c.lmPop('nope', 'RIGHT'));
        const t0 = Date.now();
        await t.rec('blpop timeout', b.blPop(['q1', 'q2'], 0.1));
        await t.rec('brpop timeout', b.brPop('q1', 0.1));
        await t.rec('blmove timeout', b.blMove('q1', 'q2', 'LEFT', 'LEFT', 0.1));
        await t.rec('brpoplpush timeout', b.brPopLPush('q1', 'q2', 0.1));
        await t.rec('blmpop timeout', b.blmPop(0.1, ['q1', 'q2'], 'LEFT'));
        t.note('blocked at least 400ms', Date.now() - t0 >= 400);
        const w1 = b.blPop(['q1', 'q2'], 5);
        await sleep(50);
        await c.rPush('q2', ['job1', 'job2']);
        await t.rec('blpop served', w1);
        const w2 = b.brPop('q3', 0);
        await sleep(50);
        await c.lPush('q3', 'x');
        await t.rec('brpop served', w2);
        const w3 = b.blMove('q4', 'q5', 'RIGHT', 'LEFT', 5);
        await sleep(50);
        await c.rPush('q4', ['a', 'b']);
        await t.rec('blmove served', w3);
        const w4 = b.blmPop(5, ['q6', 'q7'], 'RIGHT', { COUNT: 2 });
        await sleep(50);
        await c.rPush('q7', ['a', 'b', 'c']);
        await t.rec('blmpop served', w4);
        const w5 = b.brPopLPush('q8', 'q9', 5);
        await sleep(50);
        await c.rPush('q8', 'm');
        await t.rec('brpoplpush served', w5);
        await b.close();
        await c.close();
      });
    });

    it('hashes: every command, hScanIterator, HRANDFIELD variants', async () => {
      await dual(pair(), async (t, port) => {
        const c = await fresh(port, RESP);
        await t.rec('hset obj', c.hSet('h', { a: '1', b: '2', c: 'three' }));
        await t.rec('hset field', c.hSet('h', 'd', '4'));
        await t.rec('hset map', c.hSet('h', new Map([['e', '5']])));
        await t.rec('hmset', c.sendCommand(['HMSET', 'h', 'g', '7']));
        await t.rec('hsetnx', c.hSetNX('h', 'a', 'no'));
        await t.rec('hget', c.hGet('h', 'a'));
        await t.rec('hmget', c.hmGet('h', ['a', 'zz', 'c']));
        await t.rec('hgetall', c.hGetAll('h'), canonical);
        await t.rec('hgetall missing', c.hGetAll('nope'), canonical);
        await t.rec('hkeys', c.hKeys('h'));
        await t.rec('hvals', c.hVals('h'));
        await t.rec('hlen', c.hLen('h'));
        await t.rec('hstrlen', c.hStrLen('h', 'c'));
        await t.rec('hexists', c.hExists('h', 'b'));
        await t.rec('hdel', c.hDel('h', ['b', 'zz']));
        await t.rec('hincrby', c.hIncrBy('h', 'a', 5));
        await t.rec('hincrbyfloat', c.hIncrByFloat('h', 'a', 0.25));
        await t.rec('hrandfield', c.hRandField('h'), (v) => typeof v);
        await t.rec('hrandfield count', c.hRandFieldCount('h', 100), sorted as (v: unknown) => unknown);
        await t.rec('hrandfield withvalues', c.hRandFieldCountWithValues('h', -3), (v) => (v as unknown[]).length);
        await t.rec('hscan', c.hScan('h', '0', { MATCH: '[a-c]' }), canonical);
        const fields: Record<string, string> = {};
        for (let i = 0; i < 600; i++) fields[`f${i}`] = `v${i}`;
        await c.hSet('big', fields);
        await t.rec('big encoding', c.objectEncoding('big'));
        await t.rec('hScanIterator', (async () => {
          const got: Record<string, string> = {};
          for await (const batch of c.hScanIterator('big', { MATCH: 'f1*', COUNT: 50 })) for (const { field, value } of batch) got[String(field)] = String(value);
          return sortedObject(got);
        })());
        await c.close();
      });
    });

    it('sets: every command, sScanIterator', async () => {
      await dual(pair(), async (t, port) => {
        const c = await fresh(port, RESP);
        await t.rec('sadd', c.sAdd('s1', ['a', 'b', 'c', 'd']));
        await t.rec('sadd ints', c.sAdd('i1', ['3', '1', '2']));
        await t.rec('smembers intset', c.sMembers('i1'));
        await t.rec('smembers', c.sMembers('s1'), sorted as (v: unknown) => unknown);
        await t.rec('sismember', c.sIsMember('s1', 'a'));
        await t.rec('smismember', c.smIsMember('s1', ['a', 'zz']));
        await t.rec('scard', c.sCard('s1'));
        await t.rec('srem', c.sRem('s1', ['d', 'zz']));
        await c.sAdd('s2', ['c', 'x', 'y']);
        await t.rec('sinter', c.sInter(['s1', 's2']), sorted as (v: unknown) => unknown);
        await t.rec('sintercard', c.sInterCard(['s1', 's2'], { LIMIT: 5 }));
        await t.rec('sinterstore', c.sInterStore('d1', ['s1', 's2']));
        await t.rec('sunion', c.sUnion(['s1', 's2']), sorted as (v: unknown) => unknown);
        await t.rec('sunionstore', c.sUnionStore('d2', ['s1', 's2']));
        await t.rec('sdiff', c.sDiff(['s1', 's2']), sorted as (v: unknown) => unknown);
        await t.rec('sdiffstore', c.sDiffStore('d3', ['s1', 's2']));
        await t.rec('smove', c.sMove('s1', 's2', 'a'));
        await t.rec('spop', c.sPop('i1'), (v) => ['1', '2', '3'].includes(v as string));
        await t.rec('spop count', c.sPopCount('s2', 2), (v) => (v as unknown[]).length);
        await t.rec('srandmember', c.sRandMember('s1'), (v) => typeof v);
        await t.rec('srandmember count', c.sRandMemberCount('s1', -5), (v) => (v as unknown[]).length);
        await t.rec('sscan', c.sScan('s1', '0'), (r) => [r.cursor, sorted(r.members as string[])]);
        await c.sAdd('big', Array.from({ length: 1000 }, (_, i) => `m${i}`));
        await t.rec('sScanIterator', (async () => {
          const got = new Set<string>();
          for await (const batch of c.sScanIterator('big', { MATCH: 'm9*' })) for (const m of batch) got.add(String(m));
          return [...got].sort();
        })());
        await c.close();
      });
    });

    it('sorted sets: ZADD options, ZRANGE variants, stores, pops, blocking pops', async () => {
      await dual(pair(), async (t, port) => {
        const c = await fresh(port, RESP);
        const b = await connect(port, RESP);
        const m = (score: number, value: string) => ({ score, value });
        await t.rec('zadd', c.zAdd('z', [m(1, 'a'), m(2, 'b'), m(3, 'c'), m(4, 'd'), m(5, 'e')]));
        await t.rec('zadd nx', c.zAdd('z', [m(10, 'a'), m(6, 'f')], { condition: 'NX' }));
        await t.rec('zadd xx ch', c.zAdd('z', [m(1.5, 'a'), m(7, 'nope')], { condition: 'XX', CH: true }));
        await t.rec('zadd gt ch', c.zAdd('z', [m(1, 'a'), m(9, 'b')], { comparison: 'GT', CH: true }));
        await t.rec('zadd lt', c.zAdd('z', [m(0.5, 'a')], { comparison: 'LT' }));
        await t.rec('zadd incr', c.zAddIncr('z', m(2.25, 'a')));
        await t.rec('zadd incr nx existing', c.zAddIncr('z', m(1, 'a'), { condition: 'NX' }));
        await t.rec('zincrby', c.zIncrBy('z', 0.1, 'c'));
        await t.rec('zscore', c.zScore('z', 'c'));
        await t.rec('zmscore', c.zmScore('z', ['a', 'nope']));
        await t.rec('zrank', c.zRank('z', 'c'));
        await t.rec('zrevrank', c.zRevRank('z', 'c'));
        await t.rec('zcard', c.zCard('z'));
        await t.rec('zcount', c.zCount('z', '(1', 5));
        await t.rec('zrange', c.zRange('z', 0, -1));
        await t.rec('zrange withscores', c.zRangeWithScores('z', 0, -1));
        await t.rec('zrange rev', c.zRange('z', 0, 2, { REV: true }));
        await t.rec('zrange byscore limit', c.zRange('z', '(2', '+inf', { BY: 'SCORE', LIMIT: { offset: 1, count: 2 } }));
        await t.rec('zrange byscore rev withscores', c.zRangeWithScores('z', '+inf', '-inf', { BY: 'SCORE', REV: true, LIMIT: { offset: 0, count: 3 } }));
        await c.zAdd('lex', ['a', 'b', 'c', 'd', 'e'].map((v) => m(0, v)));
        await t.rec('zrange bylex', c.zRange('lex', '[b', '(e', { BY: 'LEX' }));
        await t.rec('zrange bylex rev', c.zRange('lex', '+', '-', { BY: 'LEX', REV: true, LIMIT: { offset: 1, count: 2 } }));
        await t.rec('zrangebylex', c.zRangeByLex('lex', '-', '[c'));
        await t.rec('zlexcount', c.zLexCount('lex', '(a', '+'));
        await t.rec('zrangebyscore', c.zRangeByScore('z', 2, '+inf', { LIMIT: { offset: 0, count: 3 } }));
        await t.rec('zrangebyscore withscores', c.zRangeByScoreWithScores('z', 2, '+inf'));
        await t.rec('zrevrange etc', Promise.all([
          c.sendCommand(['ZREVRANGE', 'z', '0', '1', 'WITHSCORES']),
          c.sendCommand(['ZREVRANGEBYSCORE', 'z', '+inf', '(3']),
          c.sendCommand(['ZREVRANGEBYLEX', 'lex', '[d', '-', 'LIMIT', '0', '2']),
        ]));
        await t.rec('zrangestore', c.zRangeStore('zs', 'z', 0, 2));
        await t.rec('zrangestore byscore', c.zRangeStore('zs2', 'z', 5, 1, { BY: 'SCORE', REV: true }));
        await t.rec('zrem', c.zRem('z', ['f', 'nope']));
        await t.rec('zremrangebyrank', c.zRemRangeByRank('zs', 0, 0));
        await t.rec('zremrangebyscore', c.zRemRangeByScore('zs2', '-inf', '(3'));
        await t.rec('zremrangebylex', c.zRemRangeByLex('lex', '[a', '[b'));
        await c.zAdd('u1', [m(1, 'a'), m(2, 'b'), m(3, 'c')]);
        await c.zAdd('u2', [m(10, 'b'), m(20, 'c'), m(30, 'd')]);
        await t.rec('zunion', c.zUnion(['u1', 'u2']));
        await t.rec('zunion withscores weights', c.zUnionWithScores([{ key: 'u1', weight: 2 }, { key: 'u2', weight: 0.5 }], { AGGREGATE: 'MAX' }));
        await t.rec('zinter', c.zInterWithScores(['u1', 'u2']));
        await t.rec('zdiff', c.zDiffWithScores(['u1', 'u2']));
        await t.rec('zunionstore', c.zUnionStore('us', ['u1', 'u2']));
        await t.rec('zinterstore', c.zInterStore('is', [{ key: 'u1', weight: 1 }, { key: 'u2', weight: 2 }]));
        await t.rec('zdiffstore', c.zDiffStore('ds', ['u2', 'u1']));
        await t.rec('zintercard', c.zInterCard(['u1', 'u2'], { LIMIT: 1 }));
        await t.rec('stores', Promise.all(['us', 'is', 'ds'].map((k) => c.zRangeWithScores(k, 0, -1))));
        await t.rec('zrandmember', c.zRandMember('u1'), (v) => typeof v);
        await t.rec('zrandmember count', c.zRandMemberCount('u1', 5), sorted as (v: unknown) => unknown);
        await t.rec('zrandmember withscores', c.zRandMemberCountWithScores('u1', -4), (v) => (v as unknown[]).length);
        await t.rec('zscan', c.zScan('u1', '0'));
        await t.rec('zpopmin', c.zPopMin('u1'));
        await t.rec('zpopmax count', c.zPopMaxCount('u2', 2));
        await t.rec('zmpop', c.zmPop(['nope', 'u2'], 'MIN', { COUNT: 5 }));
        await t.rec('bzpopmin timeout', b.bzPopMin('bz1', 0.1));
        await t.rec('bzpopmax timeout', b.bzPopMax(['bz1', 'bz2'], 0.1));
        await t.rec('bzmpop timeout', b.bzmPop(0.1, 'bz1', 'MIN'));
        const w1 = b.bzPopMax(['bz1', 'bz2'], 5);
        await sleep(50);
        await c.zAdd('bz2', [m(1, 'x'), m(2, 'y')]);
        await t.rec('bzpopmax served', w1);
        const w2 = b.bzmPop(5, ['bz3', 'bz2'], 'MIN', { COUNT: 3 });
        await sleep(50);
        await c.zAdd('bz3', [m(7, 'p'), m(8, 'q')]);
        await t.rec('bzmpop served', w2);
        await t.rec('scores', (async () => {
          await c.zAdd('fmt', [m(0.1, 'a'), m(1e20, 'b'), m(3.14159265358979, 'c'), m(1 / 3, 'd'), m(-Infinity, 'e')]);
          return c.zRangeWithScores('fmt', 0, -1);
        })());
        await b.close();
        await c.close();
      });
    });

    it('geo: add, pos, dist, hash, radius and search variants, stores', async () => {
      await dual(pair(), async (t, port) => {
        const c = await fresh(port, RESP);
        const P = { longitude: 13.361389, latitude: 38.115556, member: 'Palermo' };
        const C = { longitude: 15.087269, latitude: 37.502669, member: 'Catania' };
        await t.rec('geoadd', c.geoAdd('Sicily', [P, C]));
        await t.rec('geoadd nx ch', c.geoAdd('Sicily', [{ longitude: 13.583333, latitude: 37.316667, member: 'Agrigento' }, { ...P, longitude: 0 }], { condition: 'NX', CH: true }));
        await t.rec('geopos', c.geoPos('Sicily', ['Palermo', 'Nowhere']));
        await t.rec('geodist', c.geoDist('Sicily', 'Palermo', 'Catania', 'km'));
        await t.rec('geohash', c.geoHash('Sicily', ['Palermo', 'Catania']));
        const here = { longitude: 15, latitude: 37 };
        await t.rec('georadius', c.geoRadius('Sicily', here, 200, 'km', { SORT: 'ASC' }));
        await t.rec('georadius with', c.geoRadiusWith('Sicily', here, 200, 'km', ['WITHDIST', 'WITHCOORD', 'WITHHASH'] as never, { SORT: 'ASC' }));
        await t.rec('georadius_ro', c.geoRadiusRo('Sicily', here, 100, 'km'));
        await t.rec('georadius store', c.geoRadiusStore('Sicily', here, 200, 'km', 'g1'));
        await t.rec('georadiusbymember', c.geoRadiusByMember('Sicily', 'Agrigento', 100, 'km', { SORT: 'ASC' }));
        await t.rec('georadiusbymember_ro', c.geoRadiusByMemberRo('Sicily', 'Agrigento', 300, 'km'));
        await t.rec('geosearch', c.geoSearch('Sicily', 'Palermo', { radius: 200, unit: 'km' }, { SORT: 'ASC' }));
        await t.rec('geosearch box with', c.geoSearchWith('Sicily', here, { width: 400, height: 400, unit: 'km' }, ['WITHDIST', 'WITHCOORD'] as never, { SORT: 'ASC', COUNT: 2 }));
        await t.rec('geosearch count any', c.geoSearch('Sicily', here, { radius: 500, unit: 'km' }, { COUNT: { value: 2, ANY: true } }), (v) => (v as unknown[]).length);
        await t.rec('geosearchstore', c.geoSearchStore('gs', 'Sicily', here, { radius: 300, unit: 'km' }, { SORT: 'ASC', STOREDIST: true }));
        await t.rec('stored', Promise.all([c.zRangeWithScores('g1', 0, -1), c.zRangeWithScores('gs', 0, -1)]));
        await c.close();
      });
    });

    it('streams: XADD, XRANGE, XREAD, consumer groups, XREADGROUP BLOCK, XPENDING, XCLAIM, XAUTOCLAIM, XINFO', async () => {
      await dual(pair(), async (t, port) => {
        const c = await fresh(port, RESP);
        const b = await connect(port, RESP);
        await t.rec('xadd', c.xAdd('s', '1-1', { name: 'a', n: '1' }));
        await t.rec('xadd 2', c.xAdd('s', '1-2', { name: 'b' }));
        await t.rec('xadd trim', c.xAdd('s', '2-0', { name: 'c' }, { TRIM: { strategy: 'MAXLEN', threshold: 10 } }));
        await t.rec('xadd nomkstream', c.xAddNoMkStream('nope', '*', { a: '1' }));
        await t.rec('xadd old', c.xAdd('s', '1-1', { x: 'y' }));
        await t.rec('xlen', c.xLen('s'));
        await t.rec('xrange', c.xRange('s', '-', '+'), canonical);
        await t.rec('xrange count', c.xRange('s', '(1-1', '+', { COUNT: 1 }), canonical);
        await t.rec('xrevrange', c.xRevRange('s', '+', '-', { COUNT: 2 }), canonical);
        await t.rec('xread', c.xRead({ key: 's', id: '0-0' }, { COUNT: 2 }), canonical);
        await t.rec('xread block timeout', b.xRead({ key: 's', id: '$' }, { BLOCK: 100 }), canonical);
        const xr = b.xRead([{ key: 's', id: '$' }, { key: 's2', id: '$' }], { BLOCK: 5000 });
        await sleep(50);
        await c.xAdd('s2', '5-0', { f: 'v' });
        await t.rec('xread block served', xr, canonical);
        await t.rec('xdel', c.xDel('s', ['1-2', '9-9']));
        await t.rec('xtrim', c.xTrim('s', 'MAXLEN', 1));
        await t.rec('xtrim minid', c.xTrim('s', 'MINID', '3-0'));
        for (let i = 1; i <= 6; i++) await c.xAdd('q', `10-${i}`, { job: String(i) });
        await t.rec('xgroup create', c.xGroupCreate('q', 'g1', '0'));
        await t.rec('xgroup create dup', c.xGroupCreate('q', 'g1', '0'));
        await t.rec('xgroup create mkstream', c.xGroupCreate('q2', 'g', '$', { MKSTREAM: true }));
        await t.rec('xgroup createconsumer', c.xGroupCreateConsumer('q', 'g1', 'c0'));
        await t.rec('xreadgroup', c.xReadGroup('g1', 'c1', { key: 'q', id: '>' }, { COUNT: 2 }), canonical);
        await t.rec('xreadgroup c2', c.xReadGroup('g1', 'c2', { key: 'q', id: '>' }, { COUNT: 2 }), canonical);
        await t.rec('xreadgroup history', c.xReadGroup('g1', 'c1', { key: 'q', id: '0' }), canonical);
        await t.rec('xreadgroup noack', c.xReadGroup('g1', 'c3', { key: 'q', id: '>' }, { COUNT: 1, NOACK: true }), canonical);
        await t.rec('xack', c.xAck('q', 'g1', ['10-1', '99-0']));
        await t.rec('xpending', c.xPending('q', 'g1'), canonical);
        await t.rec('xpending range', c.xPendingRange('q', 'g1', '-', '+', 10), (v) => (v as { id: string; consumer: string; deliveriesCounter: number }[]).map((e) => [e.id, e.consumer, e.deliveriesCounter]));
        await t.rec('xpending range consumer', c.xPendingRange('q', 'g1', '-', '+', 10, { consumer: 'c2', IDLE: 0 }), (v) => (v as { id: string }[]).map((e) => e.id));
        await t.rec('xclaim', c.xClaim('q', 'g1', 'c3', 0, '10-3'), canonical);
        await t.rec('xclaim justid', c.xClaimJustId('q', 'g1', 'c3', 0, ['10-4', '10-2']));
        await t.rec('xautoclaim', c.xAutoClaim('q', 'g1', 'c4', 0, '0-0', { COUNT: 2 }), canonical);
        await t.rec('xautoclaim justid', c.xAutoClaimJustId('q', 'g1', 'c4', 0, '0-0'), canonical);
        await t.rec('xinfo stream', c.xInfoStream('q'), canonical);
        await t.rec('xinfo groups', c.xInfoGroups('q'), canonical);
        await t.rec('xinfo consumers', c.xInfoConsumers('q', 'g1'), (v) => JSON.stringify(canonical(v)).replace(/"idle":\d+/g, '"idle":T'));
        await t.rec('xgroup setid', c.xGroupSetId('q', 'g1', '10-5'));
        await t.rec('xgroup delconsumer', c.xGroupDelConsumer('q', 'g1', 'c4'));
        await t.rec('xreadgroup block timeout', b.xReadGroup('g', 'w1', { key: 'q2', id: '>' }, { BLOCK: 100 }), canonical);
        const blocked = b.xReadGroup('g', 'w1', { key: 'q2', id: '>' }, { COUNT: 10, BLOCK: 5000 });
        await sleep(50);
        await c.xAdd('q2', '7-1', { hello: 'world' });
        await t.rec('xreadgroup block served', blocked, canonical);
        await t.rec('xgroup destroy', c.xGroupDestroy('q', 'g1'));
        await t.rec('xsetid', c.xSetId('q', '99-0'));
        await b.close();
        await c.close();
      });
    });

    it('server: INFO, CONFIG GET/SET, CLIENT LIST/SETNAME/KILL, COMMAND, MEMORY, LATENCY, SLOWLOG, TIME', async () => {
      await dual(pair(), async (t, port) => {
        const c = await fresh(port, RESP);
        await t.rec('info server fields', c.info('server'), (s) => String(s).split('\r\n').filter((l: string) => l.includes(':')).map((l: string) => l.split(':')[0]).filter((k: string) => k !== 'cinnabar_version').sort());
        await t.rec('info keyspace', (async () => {
          await c.set('a', '1');
          return c.info('keyspace');
        })());
        await t.rec('config get', c.configGet('maxmemory-policy'), canonical);
        await t.rec('config get several', c.configGet(['hz', 'timeout', 'databases']), canonical);
        await t.rec('config get glob', c.configGet('list-*'), canonical);
        await t.rec('config set', c.configSet('hz', '15'));
        await t.rec('config set several', c.configSet({ 'maxmemory': '50mb', 'maxmemory-policy': 'volatile-lru' }));
        await t.rec('config get after', c.configGet(['hz', 'maxmemory', 'maxmemory-policy']), canonical);
        await t.rec('config set bad', c.configSet('maxmemory-policy', 'nope'));
        await t.rec('config reset', c.configSet({ hz: '10', maxmemory: '0', 'maxmemory-policy': 'noeviction' }));
        await t.rec('config resetstat', c.configResetStat());
        await t.rec('client setname', c.clientSetName('nr-app'));
        await t.rec('client getname', c.clientGetName());
        await t.rec('client id', c.clientId(), (v) => typeof v);
        await t.rec('client list', c.clientList(), (l) => l.filter((x) => x.name === 'nr-app').map((x) => [x.db, x.flags, x.cmd, x.resp, x.user]));
        await t.rec('client list type', c.clientList({ TYPE: 'NORMAL' }), (l) => l.length);
        const victim = await connect(port, RESP);
        await victim.clientSetName('victim');
        const vid = await victim.clientId();
        await t.rec('client kill id', c.clientKill({ filter: 'ID', id: vid } as never));
        await t.rec('client kill again', c.clientKill({ filter: 'ID', id: vid } as never));
        await victim.destroy();
        await t.rec('command count', c.commandCount(), (n) => (n as number) > 200);
        await t.rec('command info', c.commandInfo(['get', 'zadd', 'xreadgroup']), canonical);
        await t.rec('command getkeys', c.commandGetKeys(['MSET', 'a', '1', 'b', '2']));
        await t.rec('command getkeysandflags', c.commandGetKeysAndFlags(['LMOVE', 'a', 'b', 'LEFT', 'RIGHT']), canonical);
        await t.rec('command list', c.commandList({ FILTERBY: { type: 'PATTERN', value: 'x*' } } as never), sorted as (v: unknown) => unknown);
        await t.rec('command docs', c.commandDocs?.(['lpush'] as never) ?? Promise.resolve('n/a'), canonical);
        await t.rec('memory usage', (async () => {
          await c.set('mu', 'x'.repeat(100));
          return c.memoryUsage('mu');
        })());
        await t.rec('memory usage samples', (async () => {
          await c.rPush('ml', Array.from({ length: 200 }, (_, i) => `item-${i}`));
          return c.memoryUsage('ml', { SAMPLES: 0 });
        })());
        await t.rec('memory stats', c.memoryStats(), (s) => Object.keys(s as object).sort());
        await t.rec('memory doctor', c.memoryDoctor(), (v) => typeof v);
        await t.rec('latency latest', c.latencyLatest(), canonical);
        await t.rec('latency doctor', c.latencyDoctor(), (v) => typeof v);
        await t.rec('slowlog', (async () => {
          await c.sendCommand(['SLOWLOG', 'RESET']);
          await c.configSet('slowlog-log-slower-than', '0');
          await c.set('slow', 'x');
          await c.configSet('slowlog-log-slower-than', '10000');
          const entries = (await c.sendCommand(['SLOWLOG', 'GET', '2'])) as unknown[][];
          return entries.map((e) => e[3]);
        })());
        await t.rec('time', c.time(), (v) => Array.isArray(v) ? v.length : typeof v);
        await t.rec('lastsave', c.lastSave(), (v) => typeof v);
        await t.rec('role', c.role(), canonical);
        await t.rec('wait', c.wait(1, 50));
        await t.rec('cluster info (standalone)', c.clusterInfo());
        await t.rec('cluster slots (standalone)', c.clusterSlots());
        await t.rec('lolwut', c.LOLWUT(5), (v) => typeof v);
        await t.rec('debug object', c.sendCommand(['DEBUG', 'OBJECT', 'mu']), (s) => String(s).replace(/at:0x[0-9a-f]+/, 'at:X').replace(/ lru:\d+ lru_seconds_idle:\d+/, ''));
        await c.close();
      });
    });

    it('pipelining hundreds of commands, MULTI/EXEC, execAsPipeline, WATCH', async () => {
      await dual(pair(), async (t, port) => {
        const c = await fresh(port, RESP);
        // Commands issued in the same tick are pipelined by node-redis.
        const ops: Promise<unknown>[] = [];
        for (let i = 0; i < 500; i++) {
          ops.push(c.set(`p:${i}`, String(i)));
          ops.push(c.incr(`p:${i}`));
          ops.push(c.rPush('plist', String(i)));
          if (i % 100 === 0) ops.push(c.lPush(`p:${i}`, 'x').catch((e: Error) => `ERR ${e.message}`));
        }
        t.note('pipelined', await Promise.all(ops));
        await t.rec('multi', c.multi().set('m1', 'a').incr('mc').incr('mc').get('m1').hSet('mh', { f: '1' }).hGetAll('mh').exec(), canonical);
        await t.rec('multi with runtime error', c.multi().set('m2', 'a').lPush('m2', 'x').get('m2').exec());
        await t.rec('multi with queue error', c.multi().set('m3', 'a').addCommand(['SET', 'onlykey']).exec());
        await t.rec('m3 not set', c.exists('m3'));
        await t.rec('execAsPipeline', c.multi().set('ap', '1').incr('ap').lPush('ap', 'x').get('ap').execAsPipeline());
        await c.set('bal', '100');
        await t.rec('watch', c.watch('bal'));
        await t.rec('watch commit', c.multi().set('bal', '90').exec());
        const other = await connect(port, RESP);
        await c.watch('bal');
        await other.set('bal', '0');
        await t.rec('watch conflict', c.multi().set('bal', '1').exec().catch((e) => (e instanceof WatchError ? 'WatchError' : Promise.reject(e))));
        await t.rec('bal', c.get('bal'));
        await t.rec('unwatch', c.unwatch());
        await t.rec('blocking in multi', c.multi().blPop('emptyq', 0).exec());
        await other.close();
        await c.close();
      });
    });

    it('client-side caching (clientSideCache, RESP3 only) and pub/sub on a RESP3 command connection', { skip: RESP === 2 ? 'client-side caching needs RESP3' : false }, async () => {
      await dual(pair(), async (t, port) => {
        const c = await fresh(port, RESP);
        const cache = new BasicClientSideCache({ ttl: 0, maxEntries: 0 });
        const cc = await connect(port, RESP, { clientSideCache: cache });
        await t.rec('set', cc.set('cached', 'v1'));
        await t.rec('get (miss)', cc.get('cached'));
        await t.rec('get (hit)', cc.get('cached'));
        await t.rec('tracking info', cc.clientTrackingInfo(), canonical);
        await t.rec('other client writes', c.set('cached', 'v2'));
        await sleep(100);
        await t.rec('get after invalidation', cc.get('cached'));
        await t.rec('hash cached', (async () => {
          await c.hSet('h', 'f', '1');
          const a = await cc.hGetAll('h');
          await c.hSet('h', 'f', '2');
          await sleep(100);
          return [canonical(a), canonical(await cc.hGetAll('h'))];
        })());
        const s = cache.stats();
        t.note('cache stats', [s.hitCount, s.missCount]);
        // Pushes and replies interleave on one RESP3 connection.
        const msgs: string[] = [];
        await cc.subscribe('ch', (m) => msgs.push(m));
        await c.publish('ch', 'hello');
        await sleep(50);
        t.note('messages', msgs);
        await cc.close();
        await c.close();
      });
    });

    it('keyspace notifications and pub/sub through node-redis subscribers', async () => {
      await dual(pair(), async (t, port) => {
        const c = await fresh(port, RESP);
        await t.rec('notify config', c.configSet('notify-keyspace-events', 'KEA'));
        const sub = c.duplicate();
        sub.on('error', () => {});
        await sub.connect();
        const got: string[] = [];
        await sub.pSubscribe('__keyspace@0__:*', (msg, ch) => got.push(`${ch} ${msg}`));
        await sub.subscribe(['news', 'sport'], (msg, ch) => got.push(`msg ${ch} ${msg}`));
        await sub.pSubscribe('n*', (msg, ch) => got.push(`pmsg ${ch} ${msg}`));
        await c.set('k', 'v');
        await c.expire('k', 100);
        await c.lPush('l', 'a');
        await c.lPop('l');
        await c.hSet('h', 'f', 'v');
        await c.xAdd('x', '1-0', { a: 'b' });
        await c.rename('k', 'k2');
        await c.del(['k2', 'h']);
        await t.rec('publish', c.publish('news', 'hello'));
        await t.rec('publish 2', c.publish('sport', 'goal'));
        await t.rec('numsub', c.pubSubNumSub(['news', 'nobody']), canonical);
        await t.rec('numpat', c.pubSubNumPat());
        await t.rec('channels', c.pubSubChannels(), sorted as (v: unknown) => unknown);
        await sleep(100);
        t.note('received', got);
        await sub.unsubscribe();
        await sub.pUnsubscribe();
        await t.rec('numpat after', c.pubSubNumPat());
        await c.configSet('notify-keyspace-events', '');
        sub.destroy();
        await c.close();
      });
    });
  });
}

describe('library patterns on node-redis against Cinnabar', () => {
  it('redlock-style lock with WATCH/MULTI release, sliding-window rate limit, sessions, cache eviction, fan-out', async () => {
    const s = await startCinnabar({ maxmemory: '3mb', 'maxmemory-policy': 'allkeys-lru' });
    const clients: Client[] = [];
    const mk = async () => {
      const c = await connect(s.port, 3);
      clients.push(c);
      return c;
    };
    try {
      const c = await mk();
      // Lock.
      const acquire = async (k: string, tok: string, ms: number) => (await c.set(k, tok, { condition: 'NX', expiration: { type: 'PX', value: ms } })) === 'OK';
      const release = async (cl: Client, k: string, tok: string) => {
        for (;;) {
          await cl.watch(k);
          if ((await cl.get(k)) !== tok) {
            await cl.unwatch();
            return false;
          }
          try {
            const [n] = await cl.multi().del(k).exec();
            return Number(n) === 1;
          } catch (e) {
            if (!(e instanceof WatchError)) throw e;
          }
        }
      };
      assert.equal(await acquire('lock:a', 't1', 5000), true);
      assert.equal(await acquire('lock:a', 't2', 5000), false);
      const other = await mk();
      assert.equal(await release(other, 'lock:a', 't2'), false);
      assert.equal(await release(other, 'lock:a', 't1'), true);
      assert.equal(await acquire('lock:a', 't3', 50), true);
      await sleep(120);
      assert.equal(await acquire('lock:a', 't4', 5000), true);
      // Sliding window (sorted set) in one MULTI.
      const hit = async (now: number, id: string) => {
        const [, , count] = await c.multi().zRemRangeByScore('rl', 0, now - 1000).zAdd('rl', { score: now, value: id }).zCard('rl').pExpire('rl', 1000).exec();
        if (Number(count) > 3) {
          await c.zRem('rl', id);
          return false;
        }
        return true;
      };
      const res: boolean[] = [];
      for (let i = 0; i < 6; i++) res.push(await hit(10_000 + i * 100, `r${i}`));
      assert.deepEqual(res, [true, true, true, false, false, false]);
      assert.equal(await hit(11_050, 'late'), true);
      // INCR + EXPIRE fixed window.
      const counts = await Promise.all(Array.from({ length: 8 }, () => c.multi().incr('rl:fixed').expire('rl:fixed', 60, 'NX').exec()));
      assert.deepEqual(counts.map(([n]) => n), [1, 2, 3, 4, 5, 6, 7, 8]);
      assert.ok(Number(await c.ttl('rl:fixed')) > 0);
      // Sessions (connect-redis style) and hash sessions.
      await c.set('sess:1', JSON.stringify({ user: 'x' }), { expiration: { type: 'EX', value: 60 } });
      assert.deepEqual(JSON.parse(String(await c.get('sess:1'))), { user: 'x' });
      await c.multi().hSet('session:h', { user: 'u', n: '1' }).expire('session:h', 600).exec();
      assert.deepEqual({ ...(await c.hGetAll('session:h')) }, { user: 'u', n: '1' });
      assert.ok(Number(await c.ttl('session:h')) > 590);
      // Cache under allkeys-lru: no OOM errors, keys evicted.
      const v = 'z'.repeat(2000);
      const writes = await Promise.all(Array.from({ length: 4000 }, (_, i) => c.set(`cache:${i}`, v, { expiration: { type: 'EX', value: 3600 } }).then(() => 'ok', (e: Error) => e.message)));
      assert.deepEqual([...new Set(writes)], ['ok']);
      const info = await c.info('stats');
      assert.ok(Number(/evicted_keys:(\d+)/.exec(String(info))![1]) > 0);
      assert.equal(await c.get('cache:3999'), v);
      // Fan-out.
      const subs = await Promise.all(Array.from({ length: 5 }, () => mk()));
      const got: string[][] = subs.map(() => []);
      await Promise.all(subs.map((sb, i) => sb.subscribe('fan', (m) => got[i].push(m))));
      for (let i = 0; i < 100; i++) await c.publish('fan', `m${i}`);
      for (let i = 0; i < 100 && got.some((g) => g.length < 100); i++) await sleep(20);
      for (const g of got) assert.deepEqual(g, Array.from({ length: 100 }, (_, i) => `m${i}`));
    } finally {
      for (const cl of clients) cl.destroy();
      await s.close();
    }
  });
});
