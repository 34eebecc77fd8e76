/**
 * Generated keyspace command sequences (fast-check), run on Cinnabar and on
 * Redis and compared reply by reply.
 *
 * Times are chosen so every reply is deterministic: absolute expiries are far
 * in the future (or in the past, which deletes), relative ones only delete
 * (<= 0) or are large, so EXPIRETIME/PEXPIRETIME compare exactly whenever the
 * TTL came from an absolute time; TTL/PTTL are compared by reply type only,
 * since the two servers read the clock a few microseconds apart.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { DiffPair, formatMismatches, type Mode } from '../helpers/diff';
import { skipWithoutRedis } from '../helpers/servers';

const KEYS = ['a', 'b', 'c'];
const key = fc.constantFrom(...KEYS);
const db = fc.constantFrom('0', '1', '2');
const value = fc.constantFrom('1', '42', 'hello', '-7', '9999', '10000', 'x'.repeat(50));
// Absolute times in seconds: year 2100 and a little after, and past ones.
const absSeconds = fc.oneof(fc.integer({ min: 4102444800, max: 4102444810 }).map(String), fc.constantFrom('0', '1', '-5', '1000000000'));
const absMs = fc.oneof(fc.integer({ min: 4102444800000, max: 4102444800020 }).map(String), fc.constantFrom('0', '17', '9223372036854775807', '9223372036854775806'));
const relSeconds = fc.constantFrom('0', '-1', '-100', '9223372036854775', 'abc');
const relMs = fc.constantFrom('0', '-1', '9223372036854775807');
const flag = fc.oneof(
  { weight: 6, arbitrary: fc.constant<string[]>([]) },
  { weight: 4, arbitrary: fc.constantFrom<string[]>(['NX'], ['XX'], ['GT'], ['LT'], ['XX', 'GT'], ['xx', 'lt'], ['NX', 'GT'], ['GT', 'LT'], ['bogus']) },
);

type Cmd = { argv: string[]; mode?: Mode };
const cmd = (argv: string[], mode?: Mode): Cmd => ({ argv, mode });

const command: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(key, value).map(([k, v]) => cmd(['SET', k, v])) },
  { weight: 2, arbitrary: fc.tuple(key, fc.constantFrom('x', 'y')).map(([k, v]) => cmd(['RPUSH', k, v])) },
  { weight: 1, arbitrary: key.map((k) => cmd(['LRANGE', k, '0', '-1'])) },
  { weight: 2, arbitrary: key.map((k) => cmd(['GET', k])) },
  { weight: 2, arbitrary: fc.array(key, { minLength: 1, maxLength: 3 }).map((ks) => cmd(['DEL', ...ks])) },
  { weight: 1, arbitrary: fc.array(key, { minLength: 1, maxLength: 3 }).map((ks) => cmd(['UNLINK', ...ks])) },
  { weight: 2, arbitrary: fc.array(key, { minLength: 1, maxLength: 4 }).map((ks) => cmd(['EXISTS', ...ks])) },
  { weight: 1, arbitrary: fc.array(key, { minLength: 1, maxLength: 3 }).map((ks) => cmd(['TOUCH', ...ks])) },
  { weight: 2, arbitrary: key.map((k) => cmd(['TYPE', k])) },
  { weight: 2, arbitrary: fc.tuple(key, absSeconds, flag).map(([k, t, f]) => cmd(['EXPIREAT', k, t, ...f])) },
  { weight: 2, arbitrary: fc.tuple(key, absMs, flag).map(([k, t, f]) => cmd(['PEXPIREAT', k, t, ...f])) },
  { weight: 1, arbitrary: fc.tuple(key, relSeconds, flag).map(([k, t, f]) => cmd(['EXPIRE', k, t, ...f])) },
  { weight: 1, arbitrary: fc.tuple(key, relMs, flag).map(([k, t, f]) => cmd(['PEXPIRE', k, t, ...f])) },
  { weight: 2, arbitrary: key.map((k) => cmd(['PERSIST', k])) },
  { weight: 1, arbitrary: key.map((k) => cmd(['TTL', k], 'type')) },
  { weight: 1, arbitrary: key.map((k) => cmd(['PTTL', k], 'type')) },
  { weight: 3, arbitrary: key.map((k) => cmd(['EXPIRETIME', k])) },
  { weight: 3, arbitrary: key.map((k) => cmd(['PEXPIRETIME', k])) },
  { weight: 2, arbitrary: fc.tuple(key, key).map(([a, b]) => cmd(['RENAME', a, b])) },
  { weight: 2, arbitrary: fc.tuple(key, key).map(([a, b]) => cmd(['RENAMENX', a, b])) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(key, key, fc.option(db, { nil: undefined }), fc.boolean())
      .map(([a, b, d, r]) => cmd(['COPY', a, b, ...(d !== undefined ? ['DB', d] : []), ...(r ? ['REPLACE'] : [])])),
  },
  { weight: 2, arbitrary: fc.tuple(key, db).map(([k, d]) => cmd(['MOVE', k, d])) },
  { weight: 1, arbitrary: fc.tuple(db, db).map(([a, b]) => cmd(['SWAPDB', a, b])) },
  { weight: 2, arbitrary: db.map((d) => cmd(['SELECT', d])) },
  { weight: 1, arbitrary: fc.constant(cmd(['DBSIZE'])) },
  { weight: 1, arbitrary: fc.constant(cmd(['KEYS', '*'], 'sort')) },
  { weight: 1, arbitrary: fc.constantFrom('*', '[ab]', '?').map((p) => cmd(['SCAN', '0', 'COUNT', '100', 'MATCH', p], 'deep')) },
  { weight: 1, arbitrary: fc.constantFrom('string', 'list').map((t) => cmd(['SCAN', '0', 'COUNT', '100', 'TYPE', t], 'deep')) },
  { weight: 1, arbitrary: fc.constant(cmd(['RANDOMKEY'], 'type')) },
  { weight: 1, arbitrary: key.map((k) => cmd(['OBJECT', 'ENCODING', k])) },
  { weight: 1, arbitrary: key.map((k) => cmd(['OBJECT', 'REFCOUNT', k])) },
  { weight: 1, arbitrary: fc.constantFrom('FLUSHDB', 'FLUSHALL').map((c) => cmd([c])) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(key, fc.constantFrom(['ALPHA'], ['ALPHA', 'DESC'], ['BY', 'nosort'], ['BY', 'nosort', 'DESC', 'LIMIT', '1', '1'], ['ALPHA', 'LIMIT', '0', '1'], []), fc.option(key, { nil: undefined }))
      .map(([k, o, st]) => cmd(['SORT', k, ...o, ...(st !== undefined ? ['STORE', st] : [])])),
  },
);

describe('keys: generated sequences', { skip: skipWithoutRedis() }, () => {
  let pair: DiffPair;
  before(async () => {
    pair = await DiffPair.start();
  });
  after(async () => {
    await pair?.close();
  });

  it('random keyspace command sequences reply like Redis', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 10, maxLength: 60, size: 'max' }), async (cmds) => {
        const ms = await pair.runCommands(
          cmds.map((c) => c.argv),
          cmds.map((c) => c.mode ?? 'exact'),
        );
        assert.equal(ms.length, 0, '\n' + formatMismatches(ms));
      }),
      { numRuns: 200 },
    );
  });
});
