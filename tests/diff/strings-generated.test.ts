/**
 * Generated string / bitmap / HyperLogLog command sequences (fast-check),
 * run on Cinnabar and on Redis and compared reply by reply, byte for byte.
 * Keys are few so commands keep meeting each other's values: integers near
 * the int64 limits, floats (INCRBYFLOAT's long double arithmetic), binary
 * values, bitmaps, HLLs, and a hash for WRONGTYPE. Expiry only uses absolute
 * times (far future or past), read back with EXPIRETIME, so every reply is
 * deterministic.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { DiffPair, formatMismatches, type Mode } from '../helpers/diff';
import { skipWithoutRedis } from '../helpers/servers';

const key = fc.constantFrom('k1', 'k1', 'k2', 'k3', 'k4', 'hk');
const keys = fc.array(key, { minLength: 1, maxLength: 3 });

const intValue = fc.oneof(
  fc.integer({ min: -20, max: 20 }).map(String),
  fc.constantFrom('9223372036854775807', '-9223372036854775808', '9223372036854775806', '9007199254740993', '-9007199254740992', '4611686018427387904'),
);
const floatValue = fc.oneof(
  fc.constantFrom('0.1', '-0.1', '1.5', '3.0e3', '1e-17', '-2.5e-3', '0x1p-3', '10.5', '1e308', '-1e308', '5.0e4000', '1.1e4932', '.5', '7.', 'inf', '1e'),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).map(String),
  fc.tuple(fc.integer({ min: -999, max: 999 }), fc.integer({ min: 0, max: 99999 })).map(([a, b]) => `${a}.${b}`),
);
const textValue = fc.oneof(
  fc.constantFrom('', 'a', 'hello', 'foobar', '\x00\xff', '\x80\x01\x7f', ' 1', '01', '+5', '-0', 'HYLL', 'abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz'),
  fc.string({ unit: 'binary-ascii', maxLength: 12 }),
);
const value = fc.oneof({ weight: 3, arbitrary: intValue }, { weight: 2, arbitrary: floatValue }, { weight: 3, arbitrary: textValue });

const smallInt = fc.integer({ min: -12, max: 12 }).map(String);
const rangeArg = fc.oneof({ weight: 5, arbitrary: smallInt }, { weight: 1, arbitrary: fc.constantFrom('9223372036854775807', '-9223372036854775808', 'x') });
const unit = fc.constantFrom([], [], ['BYTE'], ['BIT'], ['bit']);
const bitOffset = fc.oneof(fc.integer({ min: 0, max: 70 }).map(String), fc.constantFrom('-1', 'x', '#2', '1000'));
const fieldType = fc.constantFrom('u1', 'u3', 'u8', 'i8', 'i5', 'u16', 'i16', 'i32', 'u63', 'i64', 'u64', 'x8');
const fieldOffset = fc.oneof(fc.integer({ min: 0, max: 40 }).map(String), fc.integer({ min: 0, max: 4 }).map((n) => `#${n}`));
const fieldOp = fc.oneof(
  fc.tuple(fieldType, fieldOffset).map(([t, o]) => ['GET', t, o]),
  fc.tuple(fieldType, fieldOffset, intValue).map(([t, o, v]) => ['SET', t, o, v]),
  fc.tuple(fieldType, fieldOffset, intValue).map(([t, o, v]) => ['INCRBY', t, o, v]),
  fc.constantFrom('WRAP', 'SAT', 'FAIL').map((w) => ['OVERFLOW', w]),
);
const element = fc.oneof(fc.constantFrom('a', 'b', 'c', 'x', 'y', ''), fc.integer({ min: 0, max: 300 }).map((n) => `e${n}`));
const setOpts = fc.constantFrom([], [], ['NX'], ['XX'], ['GET'], ['NX', 'GET'], ['XX', 'GET'], ['KEEPTTL'], ['EXAT', '99999999999'], ['PXAT', '1'], ['EX', '0'], ['PXAT', '99999999999999', 'GET'], ['KEEPTTL', 'EX', '5']);
const getexOpts = fc.constantFrom([], ['PERSIST'], ['EXAT', '99999999999'], ['PXAT', '1'], ['PX', '0'], ['FOO']);

type Op = string[];

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(key, value, setOpts).map(([k, v, o]) => ['SET', k, v, ...o]) },
  { weight: 1, arbitrary: fc.tuple(key, value).map(([k, v]) => ['SETNX', k, v]) },
  { weight: 1, arbitrary: fc.tuple(key, value).map(([k, v]) => ['GETSET', k, v]) },
  { weight: 1, arbitrary: key.map((k) => ['GETDEL', k]) },
  { weight: 2, arbitrary: fc.tuple(key, getexOpts).map(([k, o]) => ['GETEX', k, ...o]) },
  { weight: 4, arbitrary: key.map((k) => ['GET', k]) },
  { weight: 1, arbitrary: fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 3 }).map((kv) => ['MSET', ...kv.flat()]) },
  { weight: 1, arbitrary: fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 2 }).map((kv) => ['MSETNX', ...kv.flat()]) },
  { weight: 1, arbitrary: keys.map((ks) => ['MGET', ...ks]) },
  { weight: 3, arbitrary: fc.tuple(key, value).map(([k, v]) => ['APPEND', k, v]) },
  { weight: 1, arbitrary: key.map((k) => ['STRLEN', k]) },
  { weight: 2, arbitrary: fc.tuple(key, rangeArg, rangeArg).map(([k, a, b]) => ['GETRANGE', k, a, b]) },
  { weight: 2, arbitrary: fc.tuple(key, fc.oneof(fc.integer({ min: 0, max: 20 }).map(String), fc.constantFrom('-1', 'x')), textValue).map(([k, o, v]) => ['SETRANGE', k, o, v]) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('INCR', 'DECR'), key).map(([c, k]) => [c, k]) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('INCRBY', 'DECRBY'), key, intValue).map(([c, k, v]) => [c, k, v]) },
  { weight: 4, arbitrary: fc.tuple(key, floatValue).map(([k, v]) => ['INCRBYFLOAT', k, v]) },
  { weight: 1, arbitrary: fc.tuple(key, key, fc.constantFrom([], ['LEN'], ['IDX'], ['IDX', 'WITHMATCHLEN'], ['IDX', 'MINMATCHLEN', '2'])).map(([a, b, o]) => ['LCS', a, b, ...o]) },
  { weight: 3, arbitrary: fc.tuple(key, bitOffset, fc.constantFrom('0', '1', '1', '2')).map(([k, o, b]) => ['SETBIT', k, o, b]) },
  { weight: 2, arbitrary: fc.tuple(key, bitOffset).map(([k, o]) => ['GETBIT', k, o]) },
  { weight: 1, arbitrary: key.map((k) => ['BITCOUNT', k]) },
  { weight: 2, arbitrary: fc.tuple(key, rangeArg, rangeArg, unit).map(([k, a, b, u]) => ['BITCOUNT', k, a, b, ...u]) },
  { weight: 1, arbitrary: fc.tuple(key, fc.constantFrom('0', '1')).map(([k, b]) => ['BITPOS', k, b]) },
  { weight: 1, arbitrary: fc.tuple(key, fc.constantFrom('0', '1'), rangeArg).map(([k, b, s]) => ['BITPOS', k, b, s]) },
  { weight: 2, arbitrary: fc.tuple(key, fc.constantFrom('0', '1', '2'), rangeArg, rangeArg, unit).map(([k, b, s, e, u]) => ['BITPOS', k, b, s, e, ...u]) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('AND', 'OR', 'XOR', 'NOT', 'or'), key, keys).map(([o, d, ks]) => ['BITOP', o, d, ...ks]) },
  { weight: 3, arbitrary: fc.tuple(key, fc.array(fieldOp, { minLength: 0, maxLength: 4 })).map(([k, ops]) => ['BITFIELD', k, ...ops.flat()]) },
  { weight: 1, arbitrary: fc.tuple(key, fc.array(fieldOp, { minLength: 1, maxLength: 3 })).map(([k, ops]) => ['BITFIELD_RO', k, ...ops.flat()]) },
  { weight: 3, arbitrary: fc.tuple(key, fc.array(element, { maxLength: 6 })).map(([k, es]) => ['PFADD', k, ...es]) },
  { weight: 2, arbitrary: keys.map((ks) => ['PFCOUNT', ...ks]) },
  { weight: 1, arbitrary: fc.tuple(key, fc.array(key, { maxLength: 2 })).map(([d, ks]) => ['PFMERGE', d, ...ks]) },
  { weight: 3, arbitrary: key.map((k) => ['OBJECT', 'ENCODING', k]) },
  { weight: 1, arbitrary: key.map((k) => ['EXPIRETIME', k]) },
  { weight: 1, arbitrary: key.map((k) => ['TYPE', k]) },
  { weight: 1, arbitrary: key.map((k) => ['DEL', k]) },
);

describe('strings: generated sequences', { skip: skipWithoutRedis() }, () => {
  let pair: DiffPair;
  before(async () => {
    pair = await DiffPair.start();
  });
  after(async () => {
    await pair?.close();
  });

  it('replies match Redis', async () => {
    // fast-check reports the shrunk input; the mismatch it produced is shown with it.
    let lastFailure = '';
    await fc
      .assert(
        fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 60, size: 'max' }), fc.boolean(), async (ops, resp3) => {
          const cmds: string[][] = [['HSET', 'hk', 'f', 'v']];
          const modes: Mode[] = ['exact'];
          if (resp3) {
            cmds.unshift(['HELLO', '3']);
            modes.unshift('skip');
          }
          for (const o of ops) {
            cmds.push(o);
            modes.push('exact');
          }
          // The final state, value by value.
          for (const k of ['k1', 'k2', 'k3', 'k4']) {
            cmds.push(['GET', k], ['OBJECT', 'ENCODING', k], ['EXPIRETIME', k]);
            modes.push('exact', 'exact', 'exact');
          }
          const ms = await pair.runCommands(cmds, modes);
          if (ms.length > 0) lastFailure = formatMismatches(ms);
          assert.equal(ms.length, 0, '\n' + formatMismatches(ms));
        }),
        { numRuns: Number(process.env.CINNABAR_FC_RUNS ?? 300), ...(process.env.CINNABAR_FC_SEED ? { seed: Number(process.env.CINNABAR_FC_SEED) } : {}) },
      )
      .catch((e: Error) => {
        throw new Error(`${e.message}\nLast mismatch:\n${lastFailure}`);
      });
  });
});
