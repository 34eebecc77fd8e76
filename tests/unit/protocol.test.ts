/**
 * Request parser and reply writer, without a network: splitting, limits,
 * errors, and a fuzz run that feeds random and truncated input in random
 * chunk sizes and checks the parser either yields the commands or a
 * protocol error, never anything else.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { ProtocolError, RequestParser, splitArgs } from '../../src/protocol/parser';
import { ReplyWriter } from '../../src/protocol/writer';
import { encodeCommand } from '../helpers/resp';

function parser(maxBulkLen = 512 * 1024 * 1024, unauthenticated = false): RequestParser {
  return new RequestParser({ maxBulkLen, unauthenticated });
}

function parseAll(p: RequestParser, ...chunks: Buffer[]): string[][] {
  const out: string[][] = [];
  for (const ch of chunks) {
    p.feed(ch);
    for (;;) {
      const argv = p.next();
      if (argv === null) break;
      if (argv.length) out.push(argv);
    }
  }
  return out;
}

describe('request parser', () => {
  it('parses multibulk and inline requests', () => {
    const p = parser();
    const buf = Buffer.concat([encodeCommand(['SET', 'k', 'v']), Buffer.from('GET k\r\nPING\n'), encodeCommand(['ECHO', '\x00\xff\r\n'])]);
    assert.deepEqual(parseAll(p, buf), [['SET', 'k', 'v'], ['GET', 'k'], ['PING'], ['ECHO', '\x00\xff\r\n']]);
  });

  it('resumes commands split at every byte', () => {
    const buf = Buffer.concat([encodeCommand(['MSET', 'a', '1', 'b', 'x'.repeat(100)]), Buffer.from('PING\r\n')]);
    const p = parser();
    const chunks: Buffer[] = [];
    for (let i = 0; i < buf.length; i++) chunks.push(buf.subarray(i, i + 1));
    assert.deepEqual(parseAll(p, ...chunks), [['MSET', 'a', '1', 'b', 'x'.repeat(100)], ['PING']]);
  });

  it('collects a big argument arriving in many chunks', () => {
    const big = 'y'.repeat(200_000);
    const buf = encodeCommand(['SET', 'k', big]);
    const p = parser();
    const chunks: Buffer[] = [];
    for (let i = 0; i < buf.length; i += 7000) chunks.push(buf.subarray(i, i + 7000));
    const out = parseAll(p, ...chunks);
    assert.equal(out.length, 1);
    assert.equal(out[0][2], big);
  });

  it('reports Redis protocol errors', () => {
    const cases: [string, string][] = [
      ['*abc\r\n', 'Protocol error: invalid multibulk length'],
      ['*1\r\nPING\r\n', "Protocol error: expected '$', got 'P'"],
      ['*1\r\n$-1\r\n', 'Protocol error: invalid bulk length'],
      ['*1\r\n$abc\r\n', 'Protocol error: invalid bulk length'],
      ['ECHO "a\r\n', 'Protocol error: unbalanced quotes in request'],
    ];
    for (const [input, msg] of cases) {
      assert.throws(() => parseAll(parser(), Buffer.from(input)), (e: Error) => e instanceof ProtocolError && e.message === msg, input);
    }
  });

  it('enforces proto-max-bulk-len and the unauthenticated limits', () => {
    assert.throws(() => parseAll(parser(1024 * 1024), Buffer.from('*1\r\n$1048577\r\n')), /invalid bulk length/);
    assert.throws(() => parseAll(parser(undefined, true), Buffer.from('*11\r\n')), /unauthenticated multibulk length/);
    assert.throws(() => parseAll(parser(undefined, true), Buffer.from('*1\r\n$16385\r\n')), /unauthenticated bulk length/);
  });

  it('rejects over-long headers and inline lines', () => {
    assert.throws(() => parseAll(parser(), Buffer.from('*' + '1'.repeat(70000))), /too big mbulk count string/);
    assert.throws(() => parseAll(parser(), Buffer.from('PING' + ' '.repeat(70000))), /too big inline request/);
  });

  it('survives random input in random chunks (fuzz)', () => {
    const cmd = fc.array(fc.oneof(fc.string({ maxLength: 20 }), fc.stringMatching(/^[\x00-\xff]{0,40}$/)), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(
        fc.array(fc.oneof(cmd.map((a) => encodeCommand(a)), fc.uint8Array({ maxLength: 60 }).map((u) => Buffer.from(u))), { maxLength: 8 }),
        fc.integer({ min: 1, max: 50 }),
        (parts, chunk) => {
          const buf = Buffer.concat(parts);
          const p = parser(1024 * 1024);
          try {
            for (let i = 0; i < buf.length; i += chunk) {
              p.feed(buf.subarray(i, i + chunk));
              for (;;) {
                const argv = p.next();
                if (argv === null) break;
                for (const a of argv) assert.equal(typeof a, 'string');
              }
            }
          } catch (e) {
            if (!(e instanceof ProtocolError)) throw e;
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('yields exactly the commands sent, however they are chunked', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.stringMatching(/^[\x00-\xff]{0,30}$/), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 10 }), fc.integer({ min: 1, max: 64 }), (cmds, chunk) => {
        const buf = Buffer.concat(cmds.map((c) => encodeCommand(c)));
        const p = parser();
        const chunks: Buffer[] = [];
        for (let i = 0; i < buf.length; i += chunk) chunks.push(buf.subarray(i, i + chunk));
        assert.deepEqual(parseAll(p, ...chunks), cmds);
      }),
      { numRuns: 500 },
    );
  });
});

describe('splitArgs (inline and redis.conf quoting)', () => {
  it('handles quotes and escapes like sdssplitargs', () => {
    assert.deepEqual(splitArgs('set  a "b c" \'d e\''), ['set', 'a', 'b c', 'd e']);
    assert.deepEqual(splitArgs('"\\x41\\n\\t"'), ['A\n\t']);
    assert.deepEqual(splitArgs("'it\\'s'"), ["it's"]);
    assert.deepEqual(splitArgs('""'), ['']);
    assert.equal(splitArgs('"abc'), null);
    assert.equal(splitArgs('"abc"def'), null);
  });
});

describe('reply writer', () => {
  it('encodes by protocol version', () => {
    const w = new ReplyWriter();
    w.nil();
    w.map(1);
    w.bulk('a');
    w.double(1.5);
    w.bool(true);
    assert.equal(w.take().toString('latin1'), '$-1\r\n*2\r\n$1\r\na\r\n$3\r\n1.5\r\n:1\r\n');
    w.resp = 3;
    w.nil();
    w.map(1);
    w.bulk('a');
    w.double(1.5);
    w.bool(true);
    w.double(Infinity);
    assert.equal(w.take().toString('latin1'), '_\r\n%1\r\n$1\r\na\r\n,1.5\r\n#t\r\n,inf\r\n');
  });

  it('turns newlines in errors into spaces and grows its buffer', () => {
    const w = new ReplyWriter();
    w.error('ERR a\r\nb');
    const big = 'z'.repeat(100_000);
    w.bulk(big);
    assert.equal(w.take().toString('latin1'), `-ERR a  b\r\n$100000\r\n${big}\r\n`);
  });
});
