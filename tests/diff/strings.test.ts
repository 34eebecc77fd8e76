/**
 * String commands against the oracle: the case file, plus scenarios that
 * need several connections: keyspace notifications of every string, bitmap
 * and HyperLogLog command (including the ones Redis skips when nothing
 * changed), and WATCH invalidation.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { runCaseFile } from '../helpers/cases';
import { DiffPair } from '../helpers/diff';
import { RawConnection, decodeReply, type Reply } from '../helpers/resp';
import { skipWithoutRedis, startCinnabar, startRedis } from '../helpers/servers';

runCaseFile('strings.txt');

describe('strings: what is propagated to AOF and replicas', { skip: skipWithoutRedis() }, () => {
  it('matches the AOF Redis writes for the same commands', async () => {
    const redis = await startRedis(['--appendonly', 'yes', '--hz', '1']);
    const cin = await startCinnabar({});
    const propagated: string[][] = [];
    cin.server.propagators.push((_db, argv) => {
      if (argv.length === 1 && (argv[0] === 'MULTI' || argv[0] === 'EXEC')) return; // as filtered from Redis's AOF below
      propagated.push(argv.slice());
    });
    const r = await RawConnection.connect(redis.port);
    const k = await RawConnection.connect(cin.port);
    try {
      // Expiry must happen lazily, inside the commands, on both servers (not by a racing cron).
      for (const conn of [r, k]) await conn.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
      // Relative times become absolute ones: compare those as "<time>".
      const cmds = [
        ['SET', 'a', '1'],
        ['SET', 'a', '2', 'EX', '100'],
        ['SET', 'a', '3', 'PXAT', '99999999999999', 'GET'],
        ['set', 'b', 'v', 'get'],
        ['SET', 'b', 'v', 'NX', 'GET'],
        ['SET', 'b', 'w', 'get', 'xx', 'GeT'],
        ['SET', 'c', 'v', 'EXAT', '1'],
        ['SET', 'c', 'v', 'NX'],
        ['SET', 'd', 'v', 'KEEPTTL'],
        ['SETNX', 'd', 'x'],
        ['SETNX', 'e', 'x'],
        ['SETEX', 'f', '100', 'v'],
        ['PSETEX', 'f', '100000', 'v'],
        ['GETEX', 'f'],
        ['GETEX', 'f', 'PERSIST'],
        ['GETEX', 'f', 'PERSIST'],
        ['GETEX', 'f', 'EX', '100'],
        ['GETEX', 'f', 'PXAT', '99999999999999'],
        ['GETEX', 'f', 'EXAT', '1'],
        ['GETDEL', 'e'],
        ['GETDEL', 'e'],
        ['GETSET', 'g', 'v'],
        ['MSET', 'h', '1', 'i', '2'],
        ['MSETNX', 'h', '1', 'j', '2'],
        ['MSETNX', 'j', '1', 'k', '2'],
        ['APPEND', 'l', 'x'],
        ['APPEND', 'l', ''],
        ['SETRANGE', 'l', '0', ''],
        ['SETRANGE', 'l', '2', 'y'],
        ['SETRANGE', 'm', '0', ''],
        ['INCR', 'n'],
        ['INCRBY', 'n', 'x'],
        ['DECRBY', 'n', '3'],
        ['INCRBYFLOAT', 'o', '1.5'],
        ['INCRBYFLOAT', 'o', '0x10'],
        ['INCRBYFLOAT', 'o', 'inf'],
        ['SETBIT', 'p', '3', '1'],
        ['SETBIT', 'p', '3', '1'],
        ['SETBIT', 'p', '20', '0'],
        ['BITFIELD', 'p', 'GET', 'u8', '0'],
        ['BITFIELD', 'p', 'SET', 'u8', '0', '1'],
        ['BITFIELD', 'q', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '9'],
        ['BITOP', 'OR', 'r', 'p', 'l'],
        ['BITOP', 'OR', 'r', 'nokey'],
        ['BITOP', 'OR', 'r', 'nokey'],
        ['PFADD', 's', 'a'],
        ['PFADD', 's', 'a'],
        ['PFCOUNT', 's'],
        ['PFCOUNT', 's'],
        ['PFCOUNT', 's', 'nokey'],
        ['PFMERGE', 't', 's'],
        ['PFDEBUG', 'ENCODING', 't'],
        ['PFDEBUG', 'TODENSE', 't'],
        ['PFDEBUG', 'TODENSE', 't'],
        ['GET', 'c'],
        ['LCS', 'a', 'b'],
      ];
      for (const cmd of cmds) {
        r.send(...cmd);
        k.send(...cmd);
        await Promise.all([r.readReply(), k.readReply()]);
      }
      await new Promise((res) => setTimeout(res, 300));
      const dir = path.join(redis.dir, 'appendonlydir');
      const file = fs.readdirSync(dir).find((f) => f.endsWith('.incr.aof'))!;
      const aof = fs.readFileSync(path.join(dir, file));
      const fromRedis: string[][] = [];
      for (let p = 0; p < aof.length; ) {
        const [argv, np] = decodeReply(aof, p);
        p = np;
        // SELECT, and the MULTI/EXEC Redis wraps a command's several effects in, are
        // the propagation core's business (not compared here).
        const name = (argv as string[])[0].toUpperCase();
        if (name !== 'SELECT' && name !== 'MULTI' && name !== 'EXEC') fromRedis.push(argv as string[]);
      }
      const norm = (list: string[][]) =>
        list.map((a) => a.map((x, i) => (i > 0 && /^\d{13}$/.test(x) && Number(x) > Date.now() - 60000 && Number(x) < Date.now() + 200000 ? '<time>' : x)));
      assert.deepEqual(norm(propagated), norm(fromRedis));
    } finally {
      r.close();
      k.close();
      await Promise.all([redis.close(), cin.close()]);
    }
  });
});

describe('strings: scenarios on both servers', { skip: skipWithoutRedis() }, () => {
  let pair: DiffPair;
  before(async () => {
    pair = await DiffPair.start();
  });
  after(async () => {
    await pair?.close();
  });

  async function both<T>(n: number, fn: (conns: RawConnection[]) => Promise<T>): Promise<{ redis: T; cinnabar: T }> {
    const run = async (port: number) => {
      const conns: RawConnection[] = [];
      for (let i = 0; i < n; i++) conns.push(await RawConnection.connect(port));
      try {
        await conns[0].cmd('FLUSHALL');
        return await fn(conns);
      } finally {
        for (const c of conns) c.close();
      }
    };
    return { redis: await run(pair.redis.port), cinnabar: await run(pair.cinnabar.port) };
  }

  /** Every message a subscriber received, in order. */
  async function messages(sub: RawConnection): Promise<Reply[]> {
    const msgs: Reply[] = [];
    for (;;) {
      const chunk = await sub.drain(100);
      if (chunk.length === 0) break;
      let p = 0;
      while (p < chunk.length) {
        const [r, np] = decodeReply(chunk, p);
        msgs.push(r);
        p = np;
      }
    }
    return msgs;
  }

  it('keyspace notifications of string, bitmap and hyperloglog commands', async () => {
    const { redis, cinnabar } = await both(2, async ([sub, c]) => {
      await c.cmd('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
      try {
        await sub.cmd('PSUBSCRIBE', '__key*__:*');
        const replies: Reply[] = [];
        const cmds = [
          ['SET', 'a', '1'],
          ['SET', 'a', '2', 'EX', '100'],
          ['SET', 'a', '3', 'NX'],
          ['SET', 'a', '3', 'XX', 'GET'],
          ['SET', 'a', '4', 'KEEPTTL'],
          ['SETNX', 'a', '5'],
          ['SETNX', 'b', '5'],
          ['SETEX', 'c', '100', 'v'],
          ['PSETEX', 'c', '100000', 'v'],
          ['GETEX', 'c'],
          ['GETEX', 'c', 'PERSIST'],
          ['GETEX', 'c', 'PERSIST'],
          ['GETEX', 'c', 'EX', '100'],
          ['GETEX', 'c', 'EXAT', '1'],
          ['GETDEL', 'b'],
          ['GETDEL', 'b'],
          ['GETSET', 'b', 'x'],
          ['MSET', 'm1', '1', 'm2', '2'],
          ['MSETNX', 'm1', '1', 'm3', '3'],
          ['MSETNX', 'm4', '1', 'm5', '2'],
          ['APPEND', 'ap', 'x'],
          ['APPEND', 'ap', ''],
          ['SETRANGE', 'ap', '0', ''],
          ['SETRANGE', 'ap', '3', 'y'],
          ['SETRANGE', 'sr', '0', ''],
          ['INCR', 'n'],
          ['DECRBY', 'n', '5'],
          ['INCRBY', 'n', 'x'],
          ['INCRBYFLOAT', 'n', '1.5'],
          ['INCRBYFLOAT', 'n', 'inf'],
          ['SETBIT', 'bits', '3', '1'],
          ['SETBIT', 'bits', '3', '1'],
          ['SETBIT', 'bits', '3', '0'],
          ['SETBIT', 'bits', '100', '0'],
          ['SETBIT', 'bits', '100', '0'],
          ['BITFIELD', 'bits', 'GET', 'u8', '0'],
          ['BITFIELD', 'bits', 'SET', 'u8', '0', '1'],
          ['BITFIELD', 'bf', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '9'],
          ['BITOP', 'OR', 'dest', 'bits', 'ap'],
          ['BITOP', 'AND', 'dest', 'nokey'],
          ['BITOP', 'AND', 'dest', 'nokey'],
          ['PFADD', 'h', 'a'],
          ['PFADD', 'h', 'a'],
          ['PFADD', 'h'],
          ['PFCOUNT', 'h'],
          ['PFCOUNT', 'h'],
          ['PFMERGE', 'h2', 'h'],
          ['PFDEBUG', 'TODENSE', 'h2'],
          ['SET', 'p', 'v', 'PXAT', '1'],
          ['GET', 'p'],
          ['LCS', 'a', 'b'],
        ];
        for (const cmd of cmds) replies.push(await c.cmd(...cmd));
        await c.cmd('PING');
        return { replies, msgs: await messages(sub) };
      } finally {
        await c.cmd('CONFIG', 'SET', 'notify-keyspace-events', '');
      }
    });
    assert.deepEqual(cinnabar, redis);
  });

  it('big values: APPEND growth, SETRANGE far out, ranges, bit operations and LCS', async () => {
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const text = (n: number, alphabet: string) => Array.from({ length: n }, () => alphabet[rand(alphabet.length)]).join('');
    const chunk = text(4096, 'abcdefghijklmnopqrstuvwxyz\x00\xff');
    const cmds: string[][] = [];
    for (let i = 0; i < 300; i++) cmds.push(['APPEND', 'big', chunk]);
    cmds.push(['STRLEN', 'big'], ['GETRANGE', 'big', '1000000', '1000100'], ['GETRANGE', 'big', '-4100', '-4000'], ['OBJECT', 'ENCODING', 'big']);
    cmds.push(['BITCOUNT', 'big'], ['BITCOUNT', 'big', '12345', '-12345'], ['BITCOUNT', 'big', '77777', '7777777', 'BIT']);
    cmds.push(['BITPOS', 'big', '0', '100'], ['BITPOS', 'big', '1', '-5000', '-1'], ['BITPOS', 'big', '0', '333333', '9999999', 'BIT']);
    cmds.push(['SETRANGE', 'far', '10000000', 'end'], ['STRLEN', 'far'], ['GETRANGE', 'far', '9999998', '-1'], ['BITCOUNT', 'far']);
    cmds.push(['BITPOS', 'far', '1'], ['BITPOS', 'far', '0', '-3'], ['SETBIT', 'far', '80000100', '1'], ['STRLEN', 'far']);
    cmds.push(['BITOP', 'XOR', 'x', 'big', 'far'], ['STRLEN', 'x'], ['BITCOUNT', 'x'], ['GETRANGE', 'x', '1228790', '1228810']);
    cmds.push(['BITOP', 'NOT', 'y', 'big'], ['BITCOUNT', 'y'], ['BITOP', 'AND', 'z', 'big', 'y'], ['BITCOUNT', 'z'], ['BITPOS', 'z', '1']);
    cmds.push(['BITFIELD', 'big', 'INCRBY', 'i64', '#100000', '12345', 'GET', 'u63', '8000000', 'SET', 'i32', '9830000', '-5']);
    cmds.push(['GETRANGE', 'big', '799990', '800010'], ['GETRANGE', 'big', '1228740', '1228800']);
    for (const [n, m] of [
      [300, 400],
      [1500, 1200],
      [40, 2500],
    ]) {
      cmds.push(['SET', 'la', text(n, 'ACGT')], ['SET', 'lb', text(m, 'ACGT')]);
      cmds.push(['LCS', 'la', 'lb'], ['LCS', 'la', 'lb', 'LEN'], ['LCS', 'la', 'lb', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN'], ['LCS', 'lb', 'la', 'IDX']);
    }
    const ms = await pair.runCommands(cmds);
    assert.equal(ms.length, 0, '\n' + ms.map((m) => `${m.line}: ${m.command.slice(0, 60)} ${m.why}`).join('\n'));
  });

  it('keyspace hits and misses count the read lookups Redis counts', async () => {
    const stat = async (c: RawConnection): Promise<number[]> => {
      const info = String(await c.cmd('INFO', 'stats'));
      const get = (name: string) => {
        const line = info.split('\r\n').find((l) => l.startsWith(name + ':'));
        assert.ok(line !== undefined, `INFO has no ${name}`);
        return Number(line.slice(name.length + 1));
      };
      return [get('keyspace_hits'), get('keyspace_misses')];
    };
    const { redis, cinnabar } = await both(1, async ([c]) => {
      const out: number[][] = [];
      await c.cmd('SET', 'a', '1');
      await c.cmd('PFADD', 'h', 'x');
      const cmds = [
        ['GET', 'a'], ['GET', 'nokey'], ['MGET', 'a', 'nokey', 'a'], ['SET', 'a', '2', 'GET'], ['SET', 'b', '2', 'NX'],
        ['GETEX', 'a'], ['GETDEL', 'nokey'], ['GETSET', 'a', '3'], ['STRLEN', 'a'], ['GETRANGE', 'a', '0', '1'],
        ['APPEND', 'a', 'x'], ['SETRANGE', 'a', '0', 'y'], ['INCR', 'n'], ['INCRBYFLOAT', 'n', '1'], ['MSETNX', 'a', '1'],
        ['LCS', 'a', 'nokey'], ['GETBIT', 'a', '0'], ['SETBIT', 'a', '0', '1'], ['BITCOUNT', 'a'], ['BITPOS', 'nokey', '1'],
        ['BITOP', 'OR', 'd', 'a', 'nokey'], ['BITFIELD', 'a', 'GET', 'u8', '0'], ['BITFIELD', 'a', 'SET', 'u8', '0', '1'],
        ['BITFIELD_RO', 'nokey', 'GET', 'u8', '0'], ['PFADD', 'h', 'y'], ['PFCOUNT', 'h'], ['PFCOUNT', 'h', 'nokey'],
        ['PFMERGE', 'h2', 'h', 'nokey'], ['PFDEBUG', 'ENCODING', 'h'],
      ];
      for (const cmd of cmds) {
        const before = await stat(c);
        await c.cmd(...cmd);
        const after = await stat(c);
        out.push([after[0] - before[0], after[1] - before[1]]);
      }
      return out;
    });
    assert.ok(redis.some(([h, m]) => h > 0 || m > 0));
    assert.deepEqual(cinnabar, redis);
  });

  it('WATCH sees the writes of string commands, and not their no-ops', async () => {
    const { redis, cinnabar } = await both(2, async ([a, b]) => {
      const out: unknown[] = [];
      const tx = async (key: string, cmd: string[]) => {
        await a.cmd('WATCH', key);
        out.push(await b.cmd(...cmd));
        await a.cmd('MULTI');
        await a.cmd('PING');
        out.push(await a.cmd('EXEC'));
      };
      await b.cmd('SET', 's', 'v');
      await b.cmd('SETBIT', 'bits', '1', '1');
      await b.cmd('PFADD', 'h', 'a');
      await tx('s', ['SET', 's', 'w', 'NX']);
      await tx('s', ['SET', 's', 'w', 'XX']);
      await tx('s', ['GETEX', 's']);
      await tx('s', ['GETEX', 's', 'PERSIST']);
      await tx('s', ['GETEX', 's', 'EX', '100']);
      await tx('s', ['APPEND', 's', 'x']);
      await tx('s', ['SETRANGE', 's', '0', '']);
      await tx('s', ['INCR', 's']);
      await tx('bits', ['SETBIT', 'bits', '1', '1']);
      await tx('bits', ['SETBIT', 'bits', '1', '0']);
      await tx('bits', ['BITFIELD', 'bits', 'GET', 'u8', '0']);
      await tx('h', ['PFADD', 'h', 'a']);
      await tx('h', ['PFCOUNT', 'h']);
      await tx('h', ['PFCOUNT', 'h']);
      await tx('h', ['PFADD', 'h', 'b']);
      return out;
    });
    assert.deepEqual(cinnabar, redis);
  });
});
