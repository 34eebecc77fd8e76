/**
 * Fuzzing over the network:
 *  - random bytes and truncated commands on several connections never crash
 *    the server nor disturb another client's commands;
 *  - every registered command (and subcommand) called with random arguments
 *    from a pool of awkward values answers well-formed RESP and never trips
 *    a handler exception (counted as unexpected error replies).
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { startCinnabar } from '../helpers/servers';
import { RawConnection, encodeCommand, replyLength } from '../helpers/resp';
import type { RunningServer } from '../../src/index';

/** Commands that would end, freeze or reconfigure the server under test. */
const EXCLUDED = new Set(['shutdown', 'debug', 'monitor', 'sync', 'psync', 'replconf', 'failover', 'replicaof', 'slaveof', 'quit', 'client|kill', 'client|pause', 'config|set', 'subscribe', 'psubscribe', 'ssubscribe',
  // These answer once per argument: the harness reads one reply per command.
  'unsubscribe', 'punsubscribe', 'sunsubscribe', 'save', 'bgsave', 'bgrewriteaof', 'config|rewrite']);

const AWKWARD = [
  '', '0', '1', '-1', '2', '3', '10', '100', '-100', '0.5', '-0.5', '1e10', 'inf', '-inf', '+inf', 'nan', '9223372036854775807',
  '-9223372036854775808', '9223372036854775808', '18446744073709551616', 'abc', 'k1', 'k2', 'key:1', '*', '?', '[', '\\', '(1', '[a', '-', '+',
  '$', '>', '0-0', '1-1', '*', 'ms-*', '\x00', '\xff\xfe', 'x'.repeat(300), 'NX', 'XX', 'GT', 'LT', 'CH', 'INCR', 'EX', 'PX', 'KEEPTTL', 'GET',
  'LIMIT', 'COUNT', 'MATCH', 'TYPE', 'WITHSCORES', 'BYSCORE', 'BYLEX', 'REV', 'STORE', 'BY', 'ALPHA', 'DESC', 'ASC', 'WEIGHTS', 'AGGREGATE',
  'SUM', 'MIN', 'MAX', 'STREAMS', 'BLOCK', 'GROUP', 'IDLE', 'FORCE', 'JUSTID', 'MAXLEN', 'MINID', '~', '=', 'REPLACE', 'DB', 'ABSTTL',
  'OVERFLOW', 'SAT', 'WRAP', 'FAIL', 'u8', 'i64', '#1', 'BIT', 'BYTE', 'LEFT', 'RIGHT', 'BEFORE', 'AFTER', 'RANK', 'MAXLEN', 'ANY',
  'WITHCOORD', 'WITHDIST', 'WITHHASH', 'FROMMEMBER', 'FROMLONLAT', 'BYRADIUS', 'BYBOX', 'm', 'km', '13.361389', '38.115556', 'IDX', 'LEN',
];

describe('network fuzz', () => {
  let srv: RunningServer;
  before(async () => {
    srv = await startCinnabar();
  });
  after(async () => {
    await srv.close();
  });

  it('random and truncated input does not disturb other clients', async () => {
    const victim = await RawConnection.connect(srv.port);
    const rng = fc.sample(fc.uint8Array({ minLength: 1, maxLength: 200 }), 300);
    const junk: RawConnection[] = [];
    for (let i = 0; i < 10; i++) junk.push(await RawConnection.connect(srv.port));
    for (let i = 0; i < rng.length; i++) {
      const j = junk[i % junk.length];
      if (j.closed) continue;
      j.write(Buffer.from(rng[i]));
      if (i % 7 === 0) j.write(encodeCommand(['SET', 'half', 'x'.repeat(50)]).subarray(0, 13));
      if (i % 5 === 0) {
        const v = `v${i}`;
        assert.equal((await victim.call('SET', 'victim', v)).toString(), '+OK\r\n');
        assert.equal((await victim.call('GET', 'victim')).toString(), `$${v.length}\r\n${v}\r\n`);
      }
    }
    for (const j of junk) {
      // Whatever came back must be whole RESP replies (a cut reply is only allowed at a close).
      const got = await j.drain(10);
      let pos = 0;
      while (pos < got.length) {
        const n = replyLength(got, pos);
        if (n < 0) break;
        pos += n;
      }
      j.close();
    }
    assert.equal((await victim.call('PING')).toString(), '+PONG\r\n');
    victim.close();
  });

  it('every command survives random arguments', async () => {
    const server = srv.server;
    const names: string[][] = [];
    for (const cmd of server.registry.everyCommand()) {
      if (EXCLUDED.has(cmd.fullName)) continue;
      if (cmd.subcommands !== null && cmd.handler === null) continue;
      names.push(cmd.fullName.split('|'));
    }
    const gen = fc.array(fc.constantFrom(...AWKWARD), { maxLength: 7 });
    let conn = await RawConnection.connect(srv.port);
    const history: string[][] = [];
    const seedCmds: string[][] = [
      ['RPUSH', 'k1', 'a', 'b', '1'], ['SADD', 'k2', 'a', '1'], ['HSET', 'key:1', 'a', '1'], ['SET', 'abc', '10'],
    ];
    for (const name of names) {
      const samples = fc.sample(gen, 25);
      for (const args of samples) {
        const argv = [...name, ...args];
        if (argv.some((a) => a.toUpperCase() === 'BLOCK')) continue;
        if (conn.closed) conn = await RawConnection.connect(srv.port);
        for (const s of seedCmds) conn.send(...s);
        for (let i = 0; i < seedCmds.length; i++) {
          try {
            await conn.readReply();
          } catch (e) {
            throw new Error(`no reply to the seed commands after ${JSON.stringify(history.slice(-12))}: ${(e as Error).message}`);
          }
        }
        history.push(argv);
        conn.send(...argv);
        try {
          await conn.readReply(300);
        } catch {
          // Blocking commands wait: drop the connection and go on.
          conn.close();
          conn = await RawConnection.connect(srv.port);
        }
        // Leave a clean protocol state for the next command.
        if (!conn.closed) {
          conn.send('RESET');
          try {
            await conn.readReply(2000);
          } catch {
            conn.close();
          }
        }
        if (conn.closed) conn = await RawConnection.connect(srv.port);
        conn.send('FLUSHALL');
        try {
          await conn.readReply(2000);
        } catch {
          conn.close();
        }
        assert.equal(server.stats.unexpectedErrorReplies, 0, `handler threw on: ${JSON.stringify(argv)}`);
      }
    }
    conn.close();
    const check = await RawConnection.connect(srv.port);
    assert.equal((await check.call('PING')).toString(), '+PONG\r\n');
    check.close();
  });
});
