/**
 * Value codecs: DUMP payloads byte-identical to Redis 7.0.15's (golden
 * payloads captured from the real server), DUMP/RESTORE round trips for every
 * type and encoding, the encodings Redis chooses on load, older encodings
 * (ziplist, zipmap, quicklist v1, plain list, textual zset scores, stream v1),
 * quicklist node splitting, and corrupt payloads rejected without crashing.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { startCinnabar } from '../helpers/servers';
import { RawConnection, decodeReply } from '../helpers/resp';
import type { RunningServer } from '../../src/index';
import { crc64 } from '../../src/persistence/crc64';
import { createDumpPayload, loadDumpPayload, verifyDumpPayload } from '../../src/persistence/dump';
import { RdbError, RdbReader, RdbWriter } from '../../src/persistence/rdb-encoding';
import { RdbManager } from '../../src/persistence/manager';
import { loadRdb } from '../../src/persistence/rdb-file';
import { ListpackBuilder } from '../../src/persistence/listpack';
import { encodeZiplist } from '../../src/persistence/ziplist';
import { DEFAULT_SAVE_OPTIONS, quicklistLayout } from '../../src/persistence/rdb-values';
import { ListValue } from '../../src/data/list';
import { HashValue } from '../../src/data/hash';
import { SetValue } from '../../src/data/set';
import { ZSetValue } from '../../src/data/zset';
import { Stream } from '../../src/data/stream';
import type { EncodingLimits, Value } from '../../src/db/values';

const LIMITS: EncodingLimits = {
  hashMaxListpackEntries: 128,
  hashMaxListpackValue: 64,
  zsetMaxListpackEntries: 128,
  zsetMaxListpackValue: 64,
  setMaxIntsetEntries: 512,
  listMaxListpackSize: -2,
  listCompressDepth: 0,
  streamNodeMaxBytes: 4096,
  streamNodeMaxEntries: 100,
};
const CTX = { limits: LIMITS, now: 1700000000000 };

/** DUMP payloads of Redis 7.0.15 (rdbcompression yes, default configs). */
const GOLDEN: [string, string[][], string][] = [
  ['string', [['set', 'k', 'hello']], '000568656c6c6f0a006372df766534200a'],
  ['int8', [['set', 'k', '-5']], '00c0fb0a0049c4c6f4d7263f68'],
  ['int16', [['set', 'k', '1234']], '00c1d2040a00008708a144825ced'],
  ['int32', [['set', 'k', '-123456789']], '00c2eb32a4f80a001b1fb03aba81865b'],
  ['int64-as-string', [['set', 'k', '12345678901']], '000b31323334353637383930310a00304e52d727176510'],
  ['lzf', [['set', 'k', 'abc'.repeat(13)]], '00c30b270361626361e018020162630a00b95190299e9a736f'],
  [
    'lzf-long',
    [['set', 'k', 'Redis RDB files use LZF. '.repeat(40)]],
    '00c32a43e8195265646973205244422066696c657320757365204c5a462e2052e0ff18e1ff12e2ff25e3ab1f012e200a00aa56e01226b9ce40',
  ],
  ['incompressible', [['set', 'k', 'q7Zp2LmX9vR4tB8nW1cY6hK3']], '001871375a70324c6d58397652347442386e5731635936684b330a0064d69cc83e832d2f'],
  [
    'list',
    [['rpush', 'k', 'a', 'b', '1', '-1', '300', '70000', '-2147483649', 'x'.repeat(70)]],
    '120102c32d406d1d6d00000008008161028162020101dfff02c12c02f270110104f4ffffff7f200304ff09e04678e03c000148ff0a000bcb18fe4b770a3d',
  ],
  ['intset16', [['sadd', 'k', '3', '1', '2', '-100']], '0b1002000000040000009cff0100020003000a00192baf0276982452'],
  [
    'intset64',
    [['sadd', 'k', '1', '9223372036854775807', '-9223372036854775808']],
    '0bc316200408000000032003a000018001a00800ff600001ff7f0a00c895268b19c8d67b',
  ],
  ['set-ht', [['sadd', 'k', 'apple']], '0201056170706c650a00133430d1b9920301'],
  [
    'hash-lp',
    [['hset', 'k', 'name', 'redis', 'ver', '7', 'neg', '-4097']],
    '1024240000000600846e616d65058572656469730683766572040701836e656704f1ffef03ff0a006c160112fd160d36',
  ],
  [
    'zset-lp',
    [['zadd', 'k', '1', 'a', '2.5', 'b', '-3', 'c', '1e20', 'd', 'inf', 'e', '-inf', 'f']],
    '1135350000000c00816602842d696e6605816302dffd02816102010181620283322e35048164028531652b32300681650283696e6604ff0a00d7361fd24b2199e1',
  ],
  [
    'stream',
    [
      ['xadd', 'k', '1-1', 'a', '1', 'b', '2'],
      ['xadd', 'k', '1-2', 'a', '3', 'b', '4'],
      ['xadd', 'k', '5-0', 'c', '5'],
      ['xdel', 'k', '1-2'],
    ],
    '130110000000000000000100000000000000013d3d0000001900020101010201816102816202000102010001000101010201050103010001010103010401050100010401dfff02010181630205010601ff0205000101010203000a00b6f96083e739e32f',
  ],
];

function withFooter(body: Buffer, version = 10): Buffer {
  const b = Buffer.concat([body, Buffer.from([version & 0xff, version >> 8])]);
  return Buffer.concat([b, crc64(b).digestLE()]);
}

function payloadOf(type: number, f: (w: RdbWriter) => void): Buffer {
  const w = new RdbWriter(false, false);
  w.u8(type);
  f(w);
  return withFooter(Buffer.from(w.take()), 9);
}

function items(v: Value): unknown {
  const x = v as unknown as { forEach(fn: (...a: unknown[]) => void): void; type: string };
  const out: unknown[] = [];
  x.forEach((...a: unknown[]) => out.push(a.length === 1 || x.type === 'list' ? a[0] : a.slice(0, 2)));
  return out;
}

describe('DUMP payloads', () => {
  let s: RunningServer;
  let c: RawConnection;
  before(async () => {
    s = await startCinnabar();
    c = await RawConnection.connect(s.port);
  });
  after(async () => {
    c.close();
    await s.close();
  });

  const dumpHex = async (key: string) => {
    const r = await c.call('DUMP', key);
    const v = decodeReply(r)[0] as string;
    return Buffer.from(v, 'latin1').toString('hex');
  };

  for (const [name, setup, hex] of GOLDEN) {
    it(`are byte-identical to Redis's: ${name}`, async () => {
      await c.call('DEL', 'k');
      for (const argv of setup) await c.call(...argv);
      assert.equal(await dumpHex('k'), hex);
    });
  }

  it('restore in Cinnabar as Redis wrote them', async () => {
    for (const [name, , hex] of GOLDEN) {
      const r = await c.call('RESTORE', `r:${name}`, '0', Buffer.from(hex, 'hex'), 'REPLACE');
      assert.equal(r.toString(), '+OK\r\n', name);
      assert.equal(await dumpHex(`r:${name}`), hex, name);
    }
  });

  it('round-trip every encoding, big and small', async () => {
    await c.call('FLUSHALL');
    const big = Array.from({ length: 3000 }, (_, i) => `member:${i}`);
    const setup: string[][] = [
      ['SET', 'str', 'x'.repeat(10000)],
      ['APPEND', 'raw', 'abc'],
      ['RPUSH', 'list', ...big],
      ['LPUSH', 'llist', ...big],
      ['SADD', 'intset', ...Array.from({ length: 300 }, (_, i) => String(i * 1000))],
      ['SADD', 'set', ...big],
      ['HSET', 'hash', ...big.flatMap((m) => [m, m + ':v'])],
      ['HSET', 'lphash', 'a', '1', 'b', '2'],
      ['ZADD', 'zset', ...big.flatMap((m, i) => [String(i / 3), m])],
      ['ZADD', 'lpzset', '1', 'x', '-0', 'y', '2e300', 'z'],
      ['XADD', 'stream', '1-1', 'f', 'v'],
      ['XGROUP', 'CREATE', 'stream', 'g', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'c1', 'STREAMS', 'stream', '>'],
    ];
    for (let i = 0; i < 500; i++) setup.push(['XADD', 'stream', '*', 'f', String(i), 'g', 'x'.repeat(i % 50)]);
    for (const argv of setup) await c.call(...argv);
    for (const key of ['str', 'raw', 'list', 'llist', 'intset', 'set', 'hash', 'lphash', 'zset', 'lpzset', 'stream']) {
      const d = decodeReply(await c.call('DUMP', key))[0] as string;
      assert.equal((await c.call('RESTORE', `${key}:copy`, '0', d)).toString(), '+OK\r\n', key);
      const [a, b] = decodeReply(await c.call('DEBUG', 'DIGEST-VALUE', key, `${key}:copy`))[0] as string[];
      assert.equal(a, b, key);
      const e1 = decodeReply(await c.call('OBJECT', 'ENCODING', key))[0];
      const e2 = decodeReply(await c.call('OBJECT', 'ENCODING', `${key}:copy`))[0];
      assert.equal(e2, e1, key);
      const d2 = decodeReply(await c.call('DUMP', `${key}:copy`))[0] as string;
      if (key !== 'set' && key !== 'hash') assert.equal(d2, d, key); // hashtables iterate in their own order
    }
  });

  it('apply TTL, ABSTTL, REPLACE, IDLETIME and FREQ', async () => {
    await c.call('SET', 'src', 'v');
    const d = decodeReply(await c.call('DUMP', 'src'))[0] as string;
    assert.equal((await c.call('RESTORE', 'src', '0', d)).toString(), '-BUSYKEY Target key name already exists.\r\n');
    assert.equal((await c.call('RESTORE', 't1', '100000', d)).toString(), '+OK\r\n');
    const pttl = decodeReply(await c.call('PTTL', 't1'))[0] as number;
    assert.ok(pttl > 99000 && pttl <= 100000);
    const at = Date.now() + 500000;
    await c.call('RESTORE', 't2', String(at), d, 'ABSTTL');
    assert.equal(decodeReply(await c.call('PEXPIRETIME', 't2'))[0], at);
    // Already expired: nothing is created, a replaced key is deleted.
    assert.equal((await c.call('RESTORE', 't1', '1', d, 'REPLACE', 'ABSTTL')).toString(), '+OK\r\n');
    assert.equal(decodeReply(await c.call('EXISTS', 't1'))[0], 0);
    await c.call('RESTORE', 't3', '0', d, 'IDLETIME', '1000');
    const idle = decodeReply(await c.call('OBJECT', 'IDLETIME', 't3'))[0] as number;
    assert.ok(idle >= 999 && idle <= 1001, String(idle));
    assert.equal((await c.call('RESTORE', 't4', '0', d, 'IDLETIME', '1', 'FREQ', '2')).toString(), '-ERR syntax error\r\n');
  });

  it('reject bad payloads without crashing', async () => {
    await c.call('HSET', 'victim', 'a', '1', 'b', 'x'.repeat(100));
    await c.call('RPUSH', 'victim2', ...Array.from({ length: 50 }, (_, i) => `e${i}`));
    for (const key of ['victim', 'victim2', 'stream', 'lpzset', 'intset']) {
      const good = Buffer.from(decodeReply(await c.call('DUMP', key))[0] as string, 'latin1');
      let seed = 1;
      for (let k = 0; k < 300; k++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        const body = Buffer.from(good.subarray(0, good.length - 10));
        body[seed % body.length] ^= 1 + (seed >> 8) % 255;
        const bad = withFooter(body, 10);
        const r = (await c.call('RESTORE', 'fuzz', '0', bad, 'REPLACE')).toString();
        assert.ok(r === '+OK\r\n' || r === '-ERR Bad data format\r\n', r);
      }
      assert.equal((await c.call('PING')).toString(), '+PONG\r\n');
    }
    const d = Buffer.from(decodeReply(await c.call('DUMP', 'src'))[0] as string, 'latin1');
    const flipped = Buffer.from(d);
    flipped[2] ^= 1;
    assert.equal((await c.call('RESTORE', 'x', '0', flipped)).toString(), '-ERR DUMP payload version or checksum are wrong\r\n');
    assert.equal((await c.call('RESTORE', 'x', '0', 'short')).toString(), '-ERR DUMP payload version or checksum are wrong\r\n');
    assert.equal((await c.call('RESTORE', 'x', '-1', d)).toString(), '-ERR Invalid TTL value, must be >= 0\r\n');
    await c.call('DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION', '1');
    assert.equal((await c.call('RESTORE', 'x', '0', flipped)).toString(), '+OK\r\n');
    await c.call('DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION', '0');
  });
});

describe('loading', () => {
  it('chooses encodings by the thresholds as Redis does on load', () => {
    // A plain hash that fits becomes a listpack; a listpack payload keeps long values.
    const plain = payloadOf(4, (w) => {
      w.len(2);
      for (const s of ['f', 'v', 'g', 'w']) w.string(s);
    });
    assert.equal((loadDumpPayload(plain, CTX) as HashValue).encoding(), 'listpack');
    const longValue = payloadOf(4, (w) => {
      w.len(1);
      w.string('f');
      w.string('v'.repeat(100));
    });
    assert.equal((loadDumpPayload(longValue, CTX) as HashValue).encoding(), 'hashtable');
    const lp = new ListpackBuilder();
    lp.append('f');
    lp.append('v'.repeat(100));
    const lpHash = payloadOf(16, (w) => w.blob(lp.finish()));
    assert.equal((loadDumpPayload(lpHash, CTX) as HashValue).encoding(), 'listpack');
    assert.equal((loadDumpPayload(lpHash, { ...CTX, limits: { ...LIMITS, hashMaxListpackEntries: 0 } }) as HashValue).encoding(), 'hashtable');
    // Sets: too many for an intset, or a non-integer.
    const intsPlain = payloadOf(2, (w) => {
      w.len(3);
      for (const s of ['3', '1', '2']) w.string(s);
    });
    const set = loadDumpPayload(intsPlain, CTX) as SetValue;
    assert.equal(set.encoding(), 'intset');
    assert.deepEqual(items(set), ['1', '2', '3']);
    assert.equal((loadDumpPayload(intsPlain, { ...CTX, limits: { ...LIMITS, setMaxIntsetEntries: 2 } }) as SetValue).encoding(), 'hashtable');
  });

  it('reads older encodings', () => {
    // RDB_TYPE_LIST (plain), LIST_ZIPLIST, LIST_QUICKLIST (v1).
    const plainList = payloadOf(1, (w) => {
      w.len(3);
      for (const s of ['a', '1', 'c']) w.string(s);
    });
    assert.deepEqual(items(loadDumpPayload(plainList, CTX)), ['a', '1', 'c']);
    const zl = encodeZiplist(['x', '12', 'y'.repeat(300), '-70000']);
    assert.deepEqual(items(loadDumpPayload(payloadOf(10, (w) => w.blob(zl)), CTX)), ['x', '12', 'y'.repeat(300), '-70000']);
    const ql1 = payloadOf(14, (w) => {
      w.len(2);
      w.blob(encodeZiplist(['a', 'b']));
      w.blob(encodeZiplist(['c']));
    });
    assert.deepEqual(items(loadDumpPayload(ql1, CTX)), ['a', 'b', 'c']);
    // ZSET (textual scores), ZSET_ZIPLIST, HASH_ZIPLIST, HASH_ZIPMAP.
    const zsetText = payloadOf(3, (w) => {
      w.len(3);
      w.string('a');
      w.u8(3);
      w.latin1('1.5');
      w.string('b');
      w.u8(254);
      w.string('c');
      w.u8(255);
    });
    const z = loadDumpPayload(zsetText, CTX) as ZSetValue;
    assert.deepEqual(items(z), [['c', -Infinity], ['a', 1.5], ['b', Infinity]]);
    const zz = loadDumpPayload(payloadOf(12, (w) => w.blob(encodeZiplist(['m', '2', 'n', '1.25']))), CTX) as ZSetValue;
    assert.deepEqual(items(zz), [['n', 1.25], ['m', 2]]);
    assert.equal(zz.encoding(), 'listpack');
    const hz = loadDumpPayload(payloadOf(13, (w) => w.blob(encodeZiplist(['f', '1', 'g', 'two']))), CTX) as HashValue;
    assert.deepEqual(items(hz), [['f', '1'], ['g', 'two']]);
    const zm = Buffer.concat([Buffer.from([1, 1]), Buffer.from('k'), Buffer.from([1, 0]), Buffer.from('v'), Buffer.from([0xff])]);
    assert.deepEqual(items(loadDumpPayload(payloadOf(9, (w) => w.blob(zm)), CTX)), [['k', 'v']]);
  });

  it('reads stream v1 (RDB_TYPE_STREAM_LISTPACKS) and fills the 7.0 fields', () => {
    const s = new Stream();
    s.append({ ms: 5, seq: 0 }, ['a', '1'], { maxBytes: 4096, maxEntries: 100 });
    s.append({ ms: 6, seq: 0 }, ['a', '2'], { maxBytes: 4096, maxEntries: 100 });
    s.length = 2;
    const v2 = createDumpPayload(s, DEFAULT_SAVE_OPTIONS, false);
    // Rewrite as v1: same nodes, then length and last ID, no first/max-deleted/added, groups without entries_read.
    const w = new RdbWriter(false, false);
    w.u8(15);
    w.len(1);
    const node = [...s.nodes][0];
    const key = Buffer.alloc(16);
    key.writeBigUInt64BE(5n, 0);
    w.blob(key);
    const { streamNodeListpack } = require('../../src/persistence/rdb-values') as typeof import('../../src/persistence/rdb-values');
    w.blob(streamNodeListpack(node));
    w.len(2);
    w.len(6);
    w.len(0);
    w.len(1);
    w.string('g');
    w.len(5);
    w.len(0);
    w.len(0);
    w.len(0);
    const v1 = withFooter(Buffer.from(w.take()), 9);
    const loaded = loadDumpPayload(v1, CTX) as Stream;
    assert.equal(loaded.length, 2);
    assert.deepEqual(loaded.firstId, { ms: 5, seq: 0 });
    assert.equal(loaded.entriesAdded, 2);
    assert.equal(loaded.getGroup('g')!.entriesRead, 1);
    assert.ok(verifyDumpPayload(v2));
    assert.equal((loadDumpPayload(v2, CTX) as Stream).length, 2);
  });

  it('rejects duplicates, NaN scores, empty keys and unknown types', () => {
    const dupSet = payloadOf(2, (w) => {
      w.len(2);
      w.string('a');
      w.string('a');
    });
    assert.throws(() => loadDumpPayload(dupSet, CTX), RdbError);
    const nanZset = payloadOf(5, (w) => {
      w.len(1);
      w.string('a');
      w.binaryDouble(NaN);
    });
    assert.throws(() => loadDumpPayload(nanZset, CTX), RdbError);
    assert.throws(() => loadDumpPayload(payloadOf(1, (w) => w.len(0)), CTX), RdbError);
    assert.throws(() => loadDumpPayload(payloadOf(7, (w) => w.len(0)), CTX), RdbError);
    assert.throws(() => loadDumpPayload(payloadOf(42, () => undefined), CTX), RdbError);
  });
});

describe('quicklist layout', () => {
  const sizes = (l: ListValue) => quicklistLayout(l, 1 << 30).map((n) => n.end - n.start);

  it('splits nodes as Redis 7.0 does for RPUSH and LPUSH (verified against redis-server)', () => {
    const els = Array.from({ length: 3000 }, (_, i) => `elem${i}`);
    const tail = new ListValue(undefined, -2);
    for (const e of els) tail.pushTail(e);
    assert.deepEqual(sizes(tail), [921, 825, 817, 437]);
    const head = new ListValue(undefined, -2);
    for (const e of els) head.pushHead(e);
    assert.deepEqual(sizes(head), [437, 817, 825, 921]);
    const fixed = new ListValue(undefined, 5);
    for (let i = 0; i < 12; i++) fixed.pushTail(String(i));
    assert.deepEqual(sizes(fixed), [5, 5, 2]);
    const plain = new ListValue(['a', 'b'.repeat(100), 'c'], -2);
    assert.deepEqual(
      quicklistLayout(plain, 50).map((n) => [n.end - n.start, n.plain]),
      [[1, false], [1, true], [1, false]],
    );
  });
});

describe('corrupt RDB files', () => {
  it('fail to load with RdbError only, whatever byte is wrong', async () => {
    const a = await startCinnabar();
    const b = await startCinnabar();
    try {
      const c = await RawConnection.connect(a.port);
      for (const argv of [
        ['SET', 's', 'hello'],
        ['SET', 'n', '12345'],
        ['SET', 'z', 'x'.repeat(300)],
        ['RPUSH', 'l', ...Array.from({ length: 300 }, (_, i) => `e${i}`)],
        ['SADD', 'is', '1', '2', '3'],
        ['SADD', 'hs', 'a', 'b'],
        ['HSET', 'h', 'f', 'v', 'g', 'w'],
        ['HSET', 'bh', ...Array.from({ length: 200 }, (_, i) => [`f${i}`, `v${i}`]).flat()],
        ['ZADD', 'zs', '1', 'a', '2', 'b'],
        ['ZADD', 'bz', ...Array.from({ length: 200 }, (_, i) => [String(i), `m${i}`]).flat()],
        ['XADD', 'st', '1-1', 'a', '1'],
        ['XGROUP', 'CREATE', 'st', 'g', '0'],
        ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'st', '>'],
        ['SET', 't', 'v', 'EX', '1000'],
      ]) await c.call(...argv);
      c.close();
      const good = RdbManager.of(a.server).payload();
      let seed = 7;
      const rnd = (n: number) => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed % n;
      };
      for (let k = 0; k < 3000; k++) {
        const bad = Buffer.from(k % 10 === 0 ? good.subarray(0, rnd(good.length)) : good);
        if (k % 10 !== 0) for (let j = 1 + rnd(3); j > 0; j--) bad[9 + rnd(bad.length - 9)] = rnd(256);
        for (const db of b.server.dbs) db.flush();
        try {
          loadRdb(new RdbReader(bad), {
            dbs: b.server.dbs,
            ctx: { limits: b.server.limits, now: Date.now() },
            checksum: false,
            skipExpired: true,
            allowDup: false,
            store: (db, key, v) => void db.add(key, v),
            log: () => undefined,
          });
        } catch (e) {
          assert.ok(e instanceof RdbError, `case ${k}: ${(e as Error).stack}`);
        }
      }
    } finally {
      await a.close();
      await b.close();
    }
  });
});
