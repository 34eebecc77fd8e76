/**
 * Generated sorted set command sequences (fast-check), run on Cinnabar and
 * on Redis and compared reply by reply, with small listpack limits
 * (zset-max-listpack-entries 6, -value 8, and CONFIG SET changing them on
 * the way) so sets cross from listpack to skiplist all the time.
 *
 * Sorted sets reply in (score, member) order in both encodings, so almost
 * everything is compared exactly, OBJECT ENCODING included. The exceptions:
 * ZSCAN (the skiplist's hash order) is compared as a multiset, random
 * ZRANDMEMBER picks by shape. Lexicographic commands are only sent to the
 * key "lex", which only ever holds score 0: over mixed scores a skiplist
 * answers them by the shape of its random levels, which no one can repeat.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { DiffPair, formatMismatches, type Mode } from '../helpers/diff';
import { skipWithoutRedis } from '../helpers/servers';

const MAX_ENTRIES = 6;
const MAX_VALUE = 8;

const key = fc.constantFrom('z1', 'z1', 'z2', 'z3', 'lex', 'str', 's');
const dataKey = fc.constantFrom('z1', 'z1', 'z2', 'z3');
const srcKey = fc.constantFrom('z1', 'z2', 'z3', 'lex', 's', 'nokey');
const member = fc.oneof(
  { weight: 14, arbitrary: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', '', '\x00', 'aa', 'a\x00', '\xff', 'B') },
  { weight: 1, arbitrary: fc.constantFrom('long-member', 'another-long-one') },
);
const score = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('0', '1', '2', '3', '-1', '1.5', '10', '0.1', '-0', '2.5e-5', '100') },
  { weight: 2, arbitrary: fc.constantFrom('inf', '-inf', '1e300', '-1e300', '4611686018427387904', '0x10') },
  { weight: 1, arbitrary: fc.constantFrom('nan', 'abc', '') },
);
const incr = fc.constantFrom('1', '-1', '0.5', '0', '-0', 'inf', '-inf', '1e308', 'x');
const bound = fc.constantFrom('-inf', '+inf', '0', '1', '(1', '2', '(2', '1.5', '(-1', '10', '(inf', 'x');
const lexBound = fc.constantFrom('-', '+', '[a', '(a', '[b', '(c', '[', '(', '[\x00', '(\xff', '[aa', 'a');
const index = fc.constantFrom('0', '1', '2', '-1', '-2', '5', '-10', '100');
const members = fc.array(member, { minLength: 1, maxLength: 4 });
const pairs = fc.array(fc.tuple(score, member), { minLength: 1, maxLength: 4 }).map((ps) => ps.flat());
const flags = fc.subarray(['NX', 'XX', 'GT', 'LT', 'CH', 'INCR'], { maxLength: 2 });
const limit = fc.option(fc.tuple(fc.constantFrom('0', '1', '2', '-1', '5'), fc.constantFrom('1', '2', '-1', '0', '10')), { nil: null });
const srcKeys = fc.array(srcKey, { minLength: 1, maxLength: 3 });
const withScores = fc.boolean();

type Op = string[];

const lim = (l: [string, string] | null): string[] => (l === null ? [] : ['LIMIT', l[0], l[1]]);
const ws = (b: boolean): string[] => (b ? ['WITHSCORES'] : []);

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 10, arbitrary: fc.tuple(dataKey, flags, pairs).map(([k, f, p]) => ['ZADD', k, ...f, ...(f.includes('INCR') ? p.slice(0, 2) : p)]) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('0', '-0'), members, fc.subarray(['NX', 'XX', 'CH'], { maxLength: 1 })).map(([s, ms, f]) => ['ZADD', 'lex', ...f, ...ms.flatMap((m) => [s, m])]) },
  { weight: 3, arbitrary: fc.tuple(dataKey, incr, member).map(([k, n, m]) => ['ZINCRBY', k, n, m]) },
  { weight: 3, arbitrary: fc.tuple(key, members).map(([k, ms]) => ['ZREM', k, ...ms]) },
  { weight: 1, arbitrary: key.map((k) => ['ZCARD', k]) },
  { weight: 2, arbitrary: fc.tuple(key, member).map(([k, m]) => ['ZSCORE', k, m]) },
  { weight: 1, arbitrary: fc.tuple(key, members).map(([k, ms]) => ['ZMSCORE', k, ...ms]) },
  { weight: 2, arbitrary: fc.tuple(key, member, fc.boolean()).map(([k, m, r]) => [r ? 'ZREVRANK' : 'ZRANK', k, m]) },
  { weight: 2, arbitrary: fc.tuple(key, bound, bound).map(([k, a, b]) => ['ZCOUNT', k, a, b]) },
  { weight: 5, arbitrary: fc.tuple(key, index, index, fc.boolean(), withScores).map(([k, a, b, r, w]) => ['ZRANGE', k, a, b, ...(r ? ['REV'] : []), ...ws(w)]) },
  { weight: 4, arbitrary: fc.tuple(key, bound, bound, fc.boolean(), withScores, limit).map(([k, a, b, r, w, l]) => ['ZRANGE', k, a, b, 'BYSCORE', ...(r ? ['REV'] : []), ...ws(w), ...lim(l)]) },
  { weight: 3, arbitrary: fc.tuple(key, bound, bound, withScores, limit, fc.boolean()).map(([k, a, b, w, l, r]) => [r ? 'ZREVRANGEBYSCORE' : 'ZRANGEBYSCORE', k, a, b, ...ws(w), ...lim(l)]) },
  { weight: 1, arbitrary: fc.tuple(key, index, index, withScores).map(([k, a, b, w]) => ['ZREVRANGE', k, a, b, ...ws(w)]) },
  { weight: 3, arbitrary: fc.tuple(lexBound, lexBound, limit, fc.boolean()).map(([a, b, l, r]) => [r ? 'ZREVRANGEBYLEX' : 'ZRANGEBYLEX', 'lex', a, b, ...lim(l)]) },
  { weight: 2, arbitrary: fc.tuple(lexBound, lexBound, fc.boolean(), limit).map(([a, b, r, l]) => ['ZRANGE', 'lex', a, b, 'BYLEX', ...(r ? ['REV'] : []), ...lim(l)]) },
  { weight: 2, arbitrary: fc.tuple(lexBound, lexBound).map(([a, b]) => ['ZLEXCOUNT', 'lex', a, b]) },
  { weight: 1, arbitrary: fc.tuple(lexBound, lexBound).map(([a, b]) => ['ZREMRANGEBYLEX', 'lex', a, b]) },
  { weight: 2, arbitrary: fc.tuple(key, index, index).map(([k, a, b]) => ['ZREMRANGEBYRANK', k, a, b]) },
  { weight: 2, arbitrary: fc.tuple(key, bound, bound).map(([k, a, b]) => ['ZREMRANGEBYSCORE', k, a, b]) },
  { weight: 3, arbitrary: fc.tuple(key, fc.constantFrom('ZPOPMIN', 'ZPOPMAX'), fc.option(fc.constantFrom('0', '1', '2', '10', '-1'), { nil: null })).map(([k, c, n]) => [c, k, ...(n === null ? [] : [n])]) },
  { weight: 2, arbitrary: fc.tuple(srcKeys, fc.constantFrom('MIN', 'MAX'), fc.option(fc.constantFrom('1', '2', '5'), { nil: null })).map(([ks, w, n]) => ['ZMPOP', String(ks.length), ...ks, w, ...(n === null ? [] : ['COUNT', n])]) },
  { weight: 1, arbitrary: fc.tuple(srcKeys, fc.constantFrom('BZPOPMIN', 'BZPOPMAX')).map(([ks, c]) => [c, ...ks, '0.01']) },
  { weight: 1, arbitrary: fc.tuple(srcKeys, fc.constantFrom('MIN', 'MAX'), fc.constantFrom('1', '3')).map(([ks, w, n]) => ['BZMPOP', '0.01', String(ks.length), ...ks, w, 'COUNT', n]) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.constantFrom('ZUNION', 'ZINTER', 'ZDIFF'), srcKeys, fc.boolean(), fc.constantFrom('', 'SUM', 'MIN', 'MAX'), withScores)
      .map(([c, ks, wgt, agg, w]) => [c, String(ks.length), ...ks, ...(c !== 'ZDIFF' && wgt ? ['WEIGHTS', ...ks.map((_, i) => ['2', '-1', '0', '0.5'][i % 4])] : []), ...(c !== 'ZDIFF' && agg ? ['AGGREGATE', agg] : []), ...ws(w)]),
  },
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.constantFrom('ZUNIONSTORE', 'ZINTERSTORE', 'ZDIFFSTORE'), dataKey, srcKeys, fc.boolean(), fc.constantFrom('', 'SUM', 'MIN', 'MAX'))
      .map(([c, d, ks, wgt, agg]) => [c, d, String(ks.length), ...ks, ...(c !== 'ZDIFFSTORE' && wgt ? ['WEIGHTS', ...ks.map((_, i) => ['-1', '3', 'inf', '0'][i % 4])] : []), ...(c !== 'ZDIFFSTORE' && agg ? ['AGGREGATE', agg] : [])]),
  },
  { weight: 1, arbitrary: fc.tuple(srcKeys, fc.constantFrom('0', '1', '2')).map(([ks, l]) => ['ZINTERCARD', String(ks.length), ...ks, 'LIMIT', l]) },
  { weight: 3, arbitrary: fc.tuple(dataKey, key, index, index, fc.boolean()).map(([d, s, a, b, r]) => ['ZRANGESTORE', d, s, a, b, ...(r ? ['REV'] : [])]) },
  { weight: 2, arbitrary: fc.tuple(dataKey, key, bound, bound, limit).map(([d, s, a, b, l]) => ['ZRANGESTORE', d, s, a, b, 'BYSCORE', ...lim(l)]) },
  { weight: 2, arbitrary: fc.tuple(key, fc.constantFrom('*', 'a*', '?', '*\x00*')).map(([k, p]) => ['ZSCAN', k, '0', 'MATCH', p, 'COUNT', '1000']) },
  { weight: 2, arbitrary: fc.tuple(key, fc.constantFrom('-3', '-1', '0', '1', '2', '4', '100'), withScores).map(([k, n, w]) => ['ZRANDMEMBER', k, n, ...ws(w)]) },
  { weight: 5, arbitrary: key.map((k) => ['OBJECT', 'ENCODING', k]) },
  { weight: 1, arbitrary: dataKey.map((k) => ['DEL', k]) },
  { weight: 1, arbitrary: members.map((ms) => ['SADD', 's', ...ms]) },
  { weight: 2, arbitrary: fc.constantFrom('2', '4', '6', '9', '0').map((n) => ['CONFIG', 'SET', 'zset-max-listpack-entries', n]) },
  { weight: 1, arbitrary: fc.constantFrom('4', '8', '12').map((n) => ['CONFIG', 'SET', 'zset-max-listpack-value', n]) },
);

/** How to compare each reply: exact, except scans and random picks. */
function plan(ops: Op[], resp3: boolean): { cmds: string[][]; modes: Mode[] } {
  const cmds: string[][] = [
    ['CONFIG', 'SET', 'zset-max-listpack-entries', String(MAX_ENTRIES)],
    ['CONFIG', 'SET', 'zset-max-listpack-value', String(MAX_VALUE)],
    ['SET', 'str', 'x'],
  ];
  const modes: Mode[] = ['exact', 'exact', 'exact'];
  if (resp3) {
    cmds.unshift(['HELLO', '3']);
    modes.unshift('skip');
  }
  for (const argv of ops) {
    let mode: Mode = 'exact';
    if (argv[0] === 'ZSCAN') mode = 'deep';
    else if (argv[0] === 'ZRANDMEMBER' && argv[2] !== '100' && argv[2] !== '0') mode = 'len';
    cmds.push(argv);
    modes.push(mode);
  }
  return { cmds, modes };
}

describe('sorted sets: generated sequences', { skip: skipWithoutRedis() }, () => {
  let pair: DiffPair;
  before(async () => {
    pair = await DiffPair.start({
      redisArgs: ['--zset-max-listpack-entries', String(MAX_ENTRIES), '--zset-max-listpack-value', String(MAX_VALUE)],
      cinnabar: { 'zset-max-listpack-entries': MAX_ENTRIES, 'zset-max-listpack-value': MAX_VALUE },
    });
  });
  after(async () => {
    await pair?.close();
  });

  it('replies match Redis', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 80, size: 'max' }), fc.boolean(), async (ops, resp3) => {
        const { cmds, modes } = plan(ops, resp3);
        const ms = await pair.runCommands(cmds, modes);
        assert.equal(ms.length, 0, '\n' + formatMismatches(ms));
      }),
      { numRuns: 200 },
    );
  });

  it('large sets cross the threshold and keep their order', async () => {
    // Hundreds of members through ZADD, updates, pops and range removals.
    const cmds: string[][] = [['CONFIG', 'SET', 'zset-max-listpack-entries', '128']];
    const modes: Mode[] = ['exact'];
    for (let round = 0; round < 6; round++) {
      const argv = ['ZADD', 'big'];
      for (let i = 0; i < 100; i++) {
        const n = round * 100 + i;
        argv.push(String((n * 7919) % 613 / (n % 3 === 0 ? 1 : 8)), 'm' + ((n * 31) % 450));
      }
      cmds.push(argv, ['OBJECT', 'ENCODING', 'big'], ['ZCARD', 'big']);
      modes.push('exact', 'exact', 'exact');
    }
    cmds.push(
      ['ZRANGE', 'big', '0', '-1', 'WITHSCORES'],
      ['ZRANGE', 'big', '100', '140', 'REV', 'WITHSCORES'],
      ['ZRANGEBYSCORE', 'big', '(10', '50', 'WITHSCORES', 'LIMIT', '5', '30'],
      ['ZREVRANGEBYSCORE', 'big', '50', '(10', 'LIMIT', '5', '30'],
      ['ZCOUNT', 'big', '10', '(40'],
      ['ZRANK', 'big', 'm17'],
      ['ZREVRANK', 'big', 'm17'],
      ['ZINCRBY', 'big', '1000', 'm17'],
      ['ZRANK', 'big', 'm17'],
      ['ZPOPMIN', 'big', '7'],
      ['ZPOPMAX', 'big', '7'],
      ['ZREMRANGEBYRANK', 'big', '10', '60'],
      ['ZREMRANGEBYSCORE', 'big', '20', '30'],
      ['ZRANGE', 'big', '0', '-1', 'WITHSCORES'],
      ['ZUNIONSTORE', 'u', '2', 'big', 'big', 'WEIGHTS', '1', '0.5'],
      ['OBJECT', 'ENCODING', 'u'],
      ['ZRANGE', 'u', '0', '-1', 'WITHSCORES'],
      ['ZRANGESTORE', 'r', 'big', '0', '99'],
      ['OBJECT', 'ENCODING', 'r'],
      ['ZRANGESTORE', 'r', 'big', '0', '199'],
      ['OBJECT', 'ENCODING', 'r'],
      ['ZDIFFSTORE', 'd', '2', 'big', 'r'],
      ['OBJECT', 'ENCODING', 'd'],
      ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
      ['ZREMRANGEBYRANK', 'big', '0', '-1'],
      ['EXISTS', 'big'],
    );
    for (let i = cmds.length - modes.length; i > 0; i--) modes.push('exact');
    const ms = await pair.runCommands(cmds, modes);
    assert.equal(ms.length, 0, '\n' + formatMismatches(ms));
  });
});
