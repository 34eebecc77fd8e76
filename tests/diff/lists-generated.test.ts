/**
 * Generated list command sequences (fast-check), run on Cinnabar and on Redis
 * and compared reply by reply, byte for byte: list replies are deterministic.
 *
 * Keys are few so commands meet each other's lists (and a string key for
 * WRONGTYPE); pushes come in small and large batches (up to a few hundred
 * elements of up to 120 bytes) so lists cross Cinnabar's flat/chunked shapes
 * and Redis's 8 KB listpack nodes in both directions. Blocking commands use
 * short timeouts: on an empty key they time out, which both servers answer
 * alike.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { DiffPair, formatMismatches, type Mode } from '../helpers/diff';
import { skipWithoutRedis } from '../helpers/servers';

const key = fc.constantFrom('l1', 'l1', 'l1', 'l2', 'l2', 'l3', 'str');
const keys = fc.array(key, { minLength: 1, maxLength: 3 });
const small = fc.constantFrom('a', 'b', 'c', 'a', '1', '2', '-1', '127', '128', '4096', '', '01', '\x00\r\n', '9223372036854775808');
const long = fc.tuple(fc.constantFrom('x', 'y', 'z'), fc.integer({ min: 20, max: 120 })).map(([ch, n]) => ch.repeat(n));
const element = fc.oneof({ weight: 8, arbitrary: small }, { weight: 1, arbitrary: long });
const elements = fc.oneof(
  { weight: 6, arbitrary: fc.array(element, { minLength: 1, maxLength: 5 }) },
  // A big batch: the same pattern repeated, so LREM and LPOS have work to do.
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.array(element, { minLength: 1, maxLength: 4 }), fc.integer({ min: 20, max: 300 }))
      .map(([pat, n]) => Array.from({ length: n }, (_, i) => (i % 7 === 3 ? 'e' + i : pat[i % pat.length]))),
  },
);
const index = fc.oneof(fc.integer({ min: -12, max: 12 }), fc.integer({ min: -400, max: 400 })).map(String);
const side = fc.constantFrom('LEFT', 'RIGHT', 'left');
const count = fc.integer({ min: -3, max: 40 }).map(String);

type Op = string[];

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom('LPUSH', 'RPUSH'), key, elements).map(([c, k, es]) => [c, k, ...es]) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('LPUSHX', 'RPUSHX'), key, elements).map(([c, k, es]) => [c, k, ...es]) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('LPOP', 'RPOP'), key).map(([c, k]) => [c, k]) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('LPOP', 'RPOP'), key, count).map(([c, k, n]) => [c, k, n]) },
  { weight: 2, arbitrary: key.map((k) => ['LLEN', k]) },
  { weight: 4, arbitrary: fc.tuple(key, index, index).map(([k, a, b]) => ['LRANGE', k, a, b]) },
  { weight: 3, arbitrary: fc.tuple(key, index).map(([k, i]) => ['LINDEX', k, i]) },
  { weight: 3, arbitrary: fc.tuple(key, index, element).map(([k, i, e]) => ['LSET', k, i, e]) },
  { weight: 3, arbitrary: fc.tuple(key, fc.constantFrom('BEFORE', 'AFTER'), small, element).map(([k, w, p, e]) => ['LINSERT', k, w, p, e]) },
  { weight: 3, arbitrary: fc.tuple(key, fc.integer({ min: -4, max: 4 }), small).map(([k, n, e]) => ['LREM', k, String(n), e]) },
  { weight: 2, arbitrary: fc.tuple(key, index, index).map(([k, a, b]) => ['LTRIM', k, a, b]) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(key, small, fc.option(fc.integer({ min: -5, max: 5 }).filter((r) => r !== 0)), fc.option(fc.integer({ min: 0, max: 6 })), fc.option(fc.integer({ min: 0, max: 50 })))
      .map(([k, e, rank, cnt, maxlen]) => {
        const a = ['LPOS', k, e];
        if (rank !== null) a.push('RANK', String(rank));
        if (cnt !== null) a.push('COUNT', String(cnt));
        if (maxlen !== null) a.push('MAXLEN', String(maxlen));
        return a;
      }),
  },
  { weight: 3, arbitrary: fc.tuple(key, key, side, side).map(([a, b, f, t]) => ['LMOVE', a, b, f, t]) },
  { weight: 1, arbitrary: fc.tuple(key, key).map(([a, b]) => ['RPOPLPUSH', a, b]) },
  {
    weight: 2,
    arbitrary: fc.tuple(keys, side, fc.option(fc.integer({ min: 1, max: 30 }))).map(([ks, w, n]) => {
      const a = ['LMPOP', String(ks.length), ...ks, w];
      if (n !== null) a.push('COUNT', String(n));
      return a;
    }),
  },
  // Blocking forms: they serve at once when they can, else time out quickly.
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('BLPOP', 'BRPOP'), keys).map(([c, ks]) => [c, ...ks, '0.01']) },
  { weight: 1, arbitrary: fc.tuple(key, key, side, side).map(([a, b, f, t]) => ['BLMOVE', a, b, f, t, '0.01']) },
  { weight: 1, arbitrary: fc.tuple(keys, side).map(([ks, w]) => ['BLMPOP', '0.01', String(ks.length), ...ks, w, 'COUNT', '3']) },
  { weight: 1, arbitrary: key.map((k) => ['TYPE', k]) },
  { weight: 1, arbitrary: key.map((k) => ['OBJECT', 'ENCODING', k]) },
  { weight: 1, arbitrary: key.map((k) => ['DEL', k]) },
  { weight: 1, arbitrary: fc.tuple(key, key).map(([a, b]) => ['COPY', a, b, 'REPLACE']) },
  { weight: 1, arbitrary: key.map((k) => ['SET', k, 'v']) },
);

describe('lists: generated sequences', { skip: skipWithoutRedis() }, () => {
  let pair: DiffPair;
  before(async () => {
    pair = await DiffPair.start();
  });
  after(async () => {
    await pair?.close();
  });

  it('replies match Redis', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 60, size: 'max' }), fc.boolean(), async (ops, resp3) => {
        const cmds: string[][] = [['SET', 'str', 'a string'], ...ops, ['LRANGE', 'l1', '0', '-1'], ['LRANGE', 'l2', '0', '-1'], ['LRANGE', 'l3', '0', '-1']];
        const modes: Mode[] = cmds.map(() => 'exact');
        if (resp3) {
          cmds.unshift(['HELLO', '3']);
          modes.unshift('skip');
        }
        const ms = await pair.runCommands(cmds, modes);
        assert.equal(ms.length, 0, '\n' + formatMismatches(ms));
      }),
      { numRuns: 150 },
    );
  });
});
