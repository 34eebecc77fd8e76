/**
 * AOF encodings: propagated commands as RESP, timestamp annotations, and
 * the commands a command-format rewrite emits for each type (batches of 64,
 * scores as %.17g, streams with XSETID / XGROUP / XCLAIM, PEXPIREAT).
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { AofBuffer, encodeCommand, keyCommands, timestampAnnotation } from '../../src/persistence/aof-format';
import { ListValue } from '../../src/data/list';
import { SetValue } from '../../src/data/set';
import { HashValue } from '../../src/data/hash';
import { ZSetValue } from '../../src/data/zset';
import { ConsumerGroup, Stream, StreamEntry, StreamNode, StreamNACK } from '../../src/data/stream';
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

/** Parse RESP commands back into argv arrays. */
function parseCommands(s: string): string[][] {
  const out: string[][] = [];
  let p = 0;
  while (p < s.length) {
    assert.equal(s[p], '*', `at ${p}: ${JSON.stringify(s.slice(p, p + 20))}`);
    let nl = s.indexOf('\r\n', p);
    const n = Number(s.slice(p + 1, nl));
    p = nl + 2;
    const argv: string[] = [];
    for (let i = 0; i < n; i++) {
      assert.equal(s[p], '$');
      nl = s.indexOf('\r\n', p);
      const len = Number(s.slice(p + 1, nl));
      p = nl + 2;
      argv.push(s.slice(p, p + len));
      assert.equal(s.slice(p + len, p + len + 2), '\r\n');
      p += len + 2;
    }
    out.push(argv);
  }
  return out;
}

function emit(key: string, v: Value, expire: number | bigint = 0): { text: string; yields: number } {
  const buf = new AofBuffer(16);
  let yields = 0;
  const g = keyCommands(buf, key, v, expire);
  while (!g.next().done) yields++;
  return { text: buf.take().toString('latin1'), yields };
}

describe('AOF encoding', () => {
  it('encodes commands as RESP arrays of bulk strings, binary safe', () => {
    const b = new AofBuffer(4);
    b.command(['SET', 'k\r\n', '\x00\xff']);
    b.command(['PING']);
    const text = b.take().toString('latin1');
    assert.equal(text, '*3\r\n$3\r\nSET\r\n$3\r\nk\r\n\r\n$2\r\n\x00\xff\r\n*1\r\n$4\r\nPING\r\n');
    assert.equal(encodeCommand(['SET', 'k\r\n', '\x00\xff']) + encodeCommand(['PING']), text);
    assert.equal(b.len, 0);
    assert.equal(timestampAnnotation(1700000000), '#TS:1700000000\r\n');
  });

  it('grows for big arguments', () => {
    const b = new AofBuffer(8);
    const big = 'x'.repeat(100000);
    b.command(['SET', 'k', big]);
    assert.deepEqual(parseCommands(b.take().toString('latin1')), [['SET', 'k', big]]);
  });

  it('rebuilds strings and TTLs', () => {
    assert.deepEqual(parseCommands(emit('k', 'v').text), [['SET', 'k', 'v']]);
    assert.deepEqual(parseCommands(emit('n', 42, 1700000000123).text), [
      ['SET', 'n', '42'],
      ['PEXPIREAT', 'n', '1700000000123'],
    ]);
  });

  it('rebuilds lists, sets and hashes in commands of 64 elements', () => {
    const items = Array.from({ length: 130 }, (_, i) => `e${i}`);
    const list = new ListValue(items);
    const cmds = parseCommands(emit('l', list).text);
    assert.deepEqual(cmds.map((c) => c.length), [66, 66, 4]);
    assert.deepEqual(cmds.map((c) => c[0]), ['RPUSH', 'RPUSH', 'RPUSH']);
    assert.deepEqual(cmds.flatMap((c) => c.slice(2)), items);

    const set = new SetValue();
    for (const m of ['1', '2', 'x']) set.add(m, LIMITS);
    const sc = parseCommands(emit('s', set).text);
    assert.equal(sc.length, 1);
    assert.deepEqual(sc[0].slice(0, 2), ['SADD', 's']);
    assert.deepEqual(sc[0].slice(2).sort(), ['1', '2', 'x']);

    const h = new HashValue();
    for (let i = 0; i < 70; i++) h.set(`f${i}`, `v${i}`, LIMITS);
    const hc = parseCommands(emit('h', h).text);
    assert.deepEqual(hc.map((c) => [c[0], c.length]), [['HMSET', 130], ['HMSET', 14]]);
  });

  it('rebuilds sorted sets with %.17g scores', () => {
    const z = new ZSetValue();
    z.add('a', 1.5, 0, LIMITS);
    z.add('b', 0.1, 0, LIMITS);
    z.add('c', -Infinity, 0, LIMITS);
    z.add('d', 3, 0, LIMITS);
    assert.deepEqual(parseCommands(emit('z', z).text), [['ZADD', 'z', '-inf', 'c', '0.10000000000000001', 'b', '1.5', 'a', '3', 'd']]);
  });

  it('yields between slices of a big value', () => {
    const list = new ListValue(Array.from({ length: 5000 }, (_, i) => String(i)));
    const { text, yields } = emit('l', list);
    assert.ok(yields >= 5, `yields ${yields}`);
    assert.equal(parseCommands(text).flatMap((c) => c.slice(2)).length, 5000);
  });

  it('rebuilds streams with their IDs, counters, groups and pending entries', () => {
    const s = new Stream();
    const node = new StreamNode(1, 0, ['a']);
    node.entries.push(new StreamEntry(1, 0, ['a', '1']), new StreamEntry(2, 5, ['b', '2']), new StreamEntry(3, 0, ['a', '3'], true));
    node.live = 2;
    node.deleted = 1;
    s.nodes.insert(node);
    s.length = 2;
    s.lastId = { ms: 3, seq: 0 };
    s.maxDeletedId = { ms: 3, seq: 0 };
    s.entriesAdded = 3;
    const g = new ConsumerGroup('grp', { ms: 2, seq: 5 }, 2);
    const alice = g.createConsumer('alice', 100)!;
    g.createConsumer('bob', 100);
    const nack = new StreamNACK(1, 0, 1234, 2, null);
    g.pel.insert(nack);
    g.assign(nack, alice);
    s.groups = new Map([['grp', g]]);
    assert.deepEqual(parseCommands(emit('st', s).text), [
      ['XADD', 'st', '1-0', 'a', '1'],
      ['XADD', 'st', '2-5', 'b', '2'],
      ['XSETID', 'st', '3-0', 'ENTRIESADDED', '3', 'MAXDELETEDID', '3-0'],
      ['XGROUP', 'CREATE', 'st', 'grp', '2-5', 'ENTRIESREAD', '2'],
      ['XCLAIM', 'st', 'grp', 'alice', '0', '1-0', 'TIME', '1234', 'RETRYCOUNT', '2', 'JUSTID', 'FORCE'],
      ['XGROUP', 'CREATECONSUMER', 'st', 'grp', 'bob'],
    ]);
    // An empty stream is created with MAXLEN 0.
    assert.deepEqual(parseCommands(emit('e', new Stream()).text), [
      ['XADD', 'e', 'MAXLEN', '0', '0-1', 'x', 'y'],
      ['XSETID', 'e', '0-0', 'ENTRIESADDED', '0', 'MAXDELETEDID', '0-0'],
    ]);
  });
});
