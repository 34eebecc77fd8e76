/**
 * Keyspace commands, checked from inside Cinnabar where the oracle cannot
 * help: what they propagate (AOF/replication rewrites), LRU/LFU marks carried
 * by RENAME and MOVE, exact cursors parsing, SORT's strtod rules.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { startCinnabar } from '../helpers/servers';
import { RawConnection } from '../helpers/resp';
import type { RunningServer } from '../../src/index';
import { parseCursor, sortScore } from '../../src/commands/keys';

describe('SCAN cursor parsing (strtoul)', () => {
  it('accepts what Redis accepts and keeps the low 32 bits', () => {
    assert.equal(parseCursor('0'), 0);
    assert.equal(parseCursor(''), 0);
    assert.equal(parseCursor('+7'), 7);
    assert.equal(parseCursor('007'), 7);
    assert.equal(parseCursor('-1'), 0xffffffff);
    assert.equal(parseCursor('-0'), 0);
    assert.equal(parseCursor('4294967296'), 0);
    assert.equal(parseCursor('4294967297'), 1);
    assert.equal(parseCursor('18446744073709551615'), 0xffffffff);
    assert.equal(parseCursor('-18446744073709551615'), 1);
  });
  it('rejects what Redis rejects', () => {
    for (const s of [' 1', '1 ', '\t1', '-', '+', '0x1', '1.0', 'abc', '18446744073709551616', '-18446744073709551616', '+-1']) {
      assert.equal(parseCursor(s), null, JSON.stringify(s));
    }
  });
});

describe('SORT scores (strtod)', () => {
  it('reads numbers as strtod does', () => {
    assert.equal(sortScore(''), 0);
    assert.equal(sortScore(' 5'), 5);
    assert.equal(sortScore('\t\n5'), 5);
    assert.equal(sortScore('0x10'), 16);
    assert.equal(sortScore('0x1p3'), 8);
    assert.equal(sortScore('inf'), Infinity);
    assert.equal(sortScore('-Infinity'), -Infinity);
    assert.equal(sortScore('+.5'), 0.5);
    assert.equal(sortScore('5.'), 5);
    assert.equal(sortScore('5\0junk'), 5);
    assert.equal(sortScore('\0junk'), 0);
    assert.equal(sortScore('2.2250738585072014e-308'), 2.2250738585072014e-308);
    assert.equal(sortScore('0x1p-1074'), 5e-324);
    assert.equal(sortScore('0x3p-1074'), 1.5e-323);
  });
  it('fails where Redis reports a conversion error', () => {
    for (const s of ['abc', '5 ', '  ', ' ', '.', '-', '1e', '0x', 'nan', 'NaN', '1e309', '-1e309', '1e-310', '1e-320', '4.9406564584124654e-324', '0x1.8p-1074', '1,5']) {
      assert.equal(sortScore(s), null, JSON.stringify(s));
    }
  });
});

describe('keyspace commands inside Cinnabar', () => {
  let s: RunningServer;
  let c: RawConnection;
  const propagated: string[] = [];
  before(async () => {
    s = await startCinnabar();
    s.server.propagators.push((dbid, argv) => propagated.push(`${dbid}:${argv.join(' ')}`));
    c = await RawConnection.connect(s.port);
  });
  after(async () => {
    c.close();
    await s.close();
  });

  async function run(...cmds: string[][]): Promise<string[]> {
    propagated.length = 0;
    for (const cmd of cmds) await c.cmd(...cmd);
    return propagated.slice();
  }

  it('propagates the EXPIRE family as PEXPIREAT with the absolute time', async () => {
    await c.cmd('SET', 'k', 'v');
    const before = Date.now();
    const out = await run(['EXPIRE', 'k', '100', 'GT'], ['EXPIRE', 'k', '100'], ['PEXPIRE', 'k', '5000'], ['EXPIREAT', 'k', '4102444800'], ['PEXPIREAT', 'k', '4102444800123', 'XX']);
    const after = Date.now();
    assert.equal(out.length, 4, out.join('\n')); // GT on a key without TTL changes nothing
    const [e1, e2, e3, e4] = out.map((l) => l.split(' '));
    assert.equal(e1[0], '0:PEXPIREAT');
    assert.equal(e1[1], 'k');
    assert.ok(Number(e1[2]) >= before + 100000 && Number(e1[2]) <= after + 100000);
    assert.equal(e2[0], '0:PEXPIREAT');
    assert.ok(Number(e2[2]) >= before + 5000 && Number(e2[2]) <= after + 5000);
    assert.deepEqual(e3, ['0:PEXPIREAT', 'k', '4102444800000']);
    assert.deepEqual(e4, ['0:PEXPIREAT', 'k', '4102444800123', 'XX']);
  });

  it('propagates an expire in the past as DEL, or UNLINK with lazyfree-lazy-expire', async () => {
    await c.cmd('SET', 'k', 'v');
    assert.deepEqual(await run(['EXPIRE', 'k', '-1']), ['0:DEL k']);
    s.server.config.setRaw('lazyfree-lazy-expire', 'yes');
    try {
      await c.cmd('SET', 'k', 'v');
      assert.deepEqual(await run(['PEXPIREAT', 'k', '1']), ['0:UNLINK k']);
    } finally {
      s.server.config.setRaw('lazyfree-lazy-expire', 'no');
    }
  });

  it('propagates FLUSHDB and FLUSHALL even on empty databases, and nothing for no-ops', async () => {
    await c.cmd('FLUSHALL');
    assert.deepEqual(await run(['FLUSHDB']), ['0:FLUSHDB']);
    assert.deepEqual(await run(['FLUSHALL', 'ASYNC']), ['0:FLUSHALL ASYNC']);
    assert.deepEqual(await run(['DEL', 'nokey'], ['PERSIST', 'nokey'], ['EXPIRE', 'nokey', '10'], ['MOVE', 'nokey', '1'], ['RENAMENX', 'nokey', 'x'], ['EXISTS', 'x']), []);
  });

  it('propagates the keyspace writes as they are', async () => {
    await c.cmd('FLUSHALL');
    await c.cmd('SET', 'a', '1');
    const out = await run(['RENAME', 'a', 'b'], ['COPY', 'b', 'c', 'DB', '1'], ['MOVE', 'b', '2'], ['SWAPDB', '0', '1'], ['PERSIST', 'nokey'], ['UNLINK', 'c']);
    assert.deepEqual(out, ['0:RENAME a b', '0:COPY b c DB 1', '0:MOVE b 2', '0:SWAPDB 0 1', '0:UNLINK c']);
  });

  it('RENAME and MOVE carry the LFU counter; COPY starts a new one', async () => {
    await c.cmd('FLUSHALL');
    s.server.config.setRaw('maxmemory-policy', 'allkeys-lfu');
    try {
      await c.cmd('SET', 'a', 'hello');
      const db0 = s.server.dbs[0];
      const minutes = Math.floor(Date.now() / 60000) & 0xffff;
      db0.dict.setLru(db0.dict.find('a'), (minutes << 8) | 200);
      await c.cmd('RENAME', 'a', 'b');
      assert.ok(((await c.cmd('OBJECT', 'FREQ', 'b')) as number) >= 200);
      await c.cmd('MOVE', 'b', '3');
      await c.cmd('SELECT', '3');
      assert.ok(((await c.cmd('OBJECT', 'FREQ', 'b')) as number) >= 200);
      await c.cmd('COPY', 'b', 'c');
      assert.equal(await c.cmd('OBJECT', 'FREQ', 'c'), 5);
      await c.cmd('SELECT', '0');
    } finally {
      s.server.config.setRaw('maxmemory-policy', 'noeviction');
    }
  });

  it('OBJECT IDLETIME reads the LRU clock; RENAME touches, OBJECT and TTL do not', async () => {
    await c.cmd('FLUSHALL');
    await c.cmd('SET', 'a', 'hello');
    const db0 = s.server.dbs[0];
    db0.dict.setLru(db0.dict.find('a'), (s.server.lruClock - 100) & 0xffffff);
    await c.cmd('TTL', 'a');
    await c.cmd('TYPE', 'a');
    await c.cmd('EXISTS', 'a');
    const idle = (await c.cmd('OBJECT', 'IDLETIME', 'a')) as number;
    assert.ok(idle >= 100 && idle <= 102, String(idle));
    await c.cmd('RENAME', 'a', 'b');
    assert.ok(((await c.cmd('OBJECT', 'IDLETIME', 'b')) as number) <= 1);
  });

  it('SWAPDB keeps memory accounting with the data', async () => {
    await c.cmd('FLUSHALL');
    await c.cmd('SET', 'a', 'x'.repeat(1000));
    const [db0, db1] = s.server.dbs;
    const used = db0.usedBytes;
    assert.ok(used > 1000);
    assert.equal(db1.usedBytes, 0);
    await c.cmd('SWAPDB', '0', '1');
    assert.equal(db0.usedBytes, 0);
    assert.equal(db1.usedBytes, used);
    await c.cmd('MOVE', 'nokey', '1');
    await c.cmd('SELECT', '1');
    await c.cmd('RENAME', 'a', 'bb');
    await c.cmd('COPY', 'bb', 'cc', 'DB', '0');
    await c.cmd('SELECT', '0');
    // "a" and "bb" fall in the same allocation class: same accounting.
    assert.equal(db1.usedBytes, used);
    assert.equal(db0.usedBytes, used);
    await c.cmd('FLUSHALL');
    assert.equal(db0.usedBytes + db1.usedBytes, 0);
  });

  it('KEYS and SCAN stay responsive on a large keyspace', async () => {
    await c.cmd('FLUSHALL');
    await c.cmd('DEBUG', 'POPULATE', '200000').catch(() => undefined);
    const db0 = s.server.dbs[0];
    if (db0.size < 200000) {
      for (let i = 0; i < 200000; i++) db0.add('key:' + i, 'v');
    }
    let t = performance.now();
    const r = (await c.cmd('SCAN', '0', 'MATCH', 'nomatch*', 'COUNT', '100')) as [string, string[]];
    assert.ok(performance.now() - t < 50, 'one SCAN call is bounded');
    assert.equal(r[1].length, 0);
    t = performance.now();
    const k = (await c.cmd('KEYS', 'key:1999*')) as string[];
    assert.equal(k.length, 111); // key:1999, key:1999x, key:1999xx
    assert.ok(performance.now() - t < 2000);
    await c.cmd('FLUSHALL');
  });
});
