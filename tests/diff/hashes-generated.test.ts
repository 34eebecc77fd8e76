/**
 * Generated hash command sequences (fast-check), run on Cinnabar and on Redis
 * and compared reply by reply, with small listpack limits so hashes cross
 * between encodings all the time.
 *
 * A small model follows each hash (its fields in listpack order and whether
 * it is still a listpack) to pick how each reply is compared: exactly while
 * the hash is a listpack (Redis's order is then deterministic), as a set of
 * pairs / members once it is a hashtable, and by shape only for random
 * picks. OBJECT ENCODING is compared exactly, so the model cannot drift from
 * Redis unnoticed.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { DiffPair, formatMismatches, type Mode } from '../helpers/diff';
import { skipWithoutRedis } from '../helpers/servers';
import { incrByFloat } from '../../src/data/hash';

const MAX_ENTRIES = 5;
const MAX_VALUE = 8;

const KEYS = ['h1', 'h1', 'h2', 'str'];
const key = fc.constantFrom(...KEYS);
// Mostly short strings, so hashes often grow past the entry limit while still listpacks.
const field = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', '', '\x00\r\n', '\xff') },
  { weight: 1, arbitrary: fc.constant('long-field-x') },
);
const value = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('1', '-5', '0', 'x', 'hello', '12345678', '', 'v\x00v', '3.5') },
  { weight: 1, arbitrary: fc.constantFrom('123456789', '9223372036854775807') },
);
const floatIncr = fc.constantFrom('0.1', '-1.5', '1e80', '3', 'abc', 'inf', '0x1p-3', '1e-20', '-0');
const incr = fc.constantFrom('1', '-1', '100', '-9223372036854775808', '9223372036854775807', 'abc', '0');
const pairs = fc.array(fc.tuple(field, value), { minLength: 1, maxLength: 4 }).map((ps) => ps.flat());

/** An abstract command: argv, with the comparison mode decided while simulating. */
type Op = string[];

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(key, pairs).map(([k, p]) => ['HSET', k, ...p]) },
  { weight: 1, arbitrary: fc.tuple(key, pairs).map(([k, p]) => ['HMSET', k, ...p]) },
  { weight: 2, arbitrary: fc.tuple(key, field, value).map(([k, f, v]) => ['HSETNX', k, f, v]) },
  { weight: 3, arbitrary: fc.tuple(key, fc.array(field, { minLength: 1, maxLength: 3 })).map(([k, fs]) => ['HDEL', k, ...fs]) },
  { weight: 2, arbitrary: fc.tuple(key, field).map(([k, f]) => ['HGET', k, f]) },
  { weight: 1, arbitrary: fc.tuple(key, fc.array(field, { minLength: 1, maxLength: 3 })).map(([k, fs]) => ['HMGET', k, ...fs]) },
  { weight: 1, arbitrary: key.map((k) => ['HLEN', k]) },
  { weight: 1, arbitrary: fc.tuple(key, field).map(([k, f]) => ['HSTRLEN', k, f]) },
  { weight: 1, arbitrary: fc.tuple(key, field).map(([k, f]) => ['HEXISTS', k, f]) },
  { weight: 3, arbitrary: fc.tuple(key, field, incr).map(([k, f, n]) => ['HINCRBY', k, f, n]) },
  { weight: 2, arbitrary: fc.tuple(key, field, floatIncr).map(([k, f, n]) => ['HINCRBYFLOAT', k, f, n]) },
  { weight: 2, arbitrary: key.map((k) => ['HGETALL', k]) },
  { weight: 1, arbitrary: key.map((k) => ['HKEYS', k]) },
  { weight: 1, arbitrary: key.map((k) => ['HVALS', k]) },
  { weight: 2, arbitrary: fc.tuple(key, fc.constantFrom('*', 'a*', '?', '[a-c]', 'x')).map(([k, p]) => ['HSCAN', k, '0', 'MATCH', p, 'COUNT', '1000']) },
  { weight: 2, arbitrary: fc.tuple(key, fc.integer({ min: -8, max: 8 }), fc.boolean()).map(([k, n, wv]) => ['HRANDFIELD', k, String(n), ...(wv ? ['WITHVALUES'] : [])]) },
  { weight: 1, arbitrary: key.map((k) => ['HRANDFIELD', k]) },
  { weight: 4, arbitrary: key.map((k) => ['OBJECT', 'ENCODING', k]) },
  { weight: 1, arbitrary: key.map((k) => ['DEL', k]) },
  { weight: 1, arbitrary: key.map((k) => ['TYPE', k]) },
  { weight: 3, arbitrary: fc.constantFrom('2', '4', '5', '8').map((n) => ['CONFIG', 'SET', 'hash-max-listpack-entries', n]) },
  { weight: 1, arbitrary: fc.constantFrom('4', '8', '12').map((n) => ['CONFIG', 'SET', 'hash-max-listpack-value', n]) },
);

interface HashModel {
  fields: Map<string, string>;
  listpack: boolean;
}

const INT64 = /^(0|-?[1-9][0-9]{0,18})$/;
function int64(s: string): bigint | null {
  if (!INT64.test(s)) return null;
  const v = BigInt(s);
  return v >= -(2n ** 63n) && v < 2n ** 63n ? v : null;
}

/** Simulate ops over a model; returns the commands and how to compare each. */
function plan(ops: Op[], resp3: boolean): { cmds: string[][]; modes: Mode[] } {
  const db = new Map<string, HashModel | 'string'>([['str', 'string']]);
  // The limits persist across runs on the same servers: start from known ones.
  let maxEntries = MAX_ENTRIES;
  let maxValue = MAX_VALUE;
  const cmds: string[][] = [
    ['CONFIG', 'SET', 'hash-max-listpack-entries', String(MAX_ENTRIES)],
    ['CONFIG', 'SET', 'hash-max-listpack-value', String(MAX_VALUE)],
    ['SET', 'str', 'x'],
  ];
  const modes: Mode[] = ['exact', 'exact', 'exact'];
  if (resp3) {
    cmds.unshift(['HELLO', '3']);
    modes.unshift('skip');
  }
  const set = (h: HashModel, f: string, v: string): void => {
    if (f.length > maxValue || v.length > maxValue) h.listpack = false;
    h.fields.set(f, v);
    // Checked on updates too, so a lowered limit converts at the next write.
    if (h.fields.size > maxEntries) h.listpack = false;
  };
  for (const argv of ops) {
    const [name, k] = argv;
    const cur = db.get(k);
    let mode: Mode = 'exact';
    const h = cur === 'string' ? undefined : cur;
    const wrong = cur === 'string' && name !== 'DEL' && name !== 'TYPE' && name !== 'OBJECT' && name !== 'CONFIG';
    if (!wrong) {
      switch (name) {
        case 'HSET':
        case 'HMSET': {
          const m = h ?? { fields: new Map(), listpack: true };
          for (let i = 2; i < argv.length; i++) if (argv[i].length > maxValue) m.listpack = false;
          for (let i = 2; i < argv.length; i += 2) set(m, argv[i], argv[i + 1]);
          db.set(k, m);
          break;
        }
        case 'HSETNX': {
          const m = h ?? { fields: new Map(), listpack: true };
          if (!m.fields.has(argv[2])) set(m, argv[2], argv[3]);
          db.set(k, m);
          break;
        }
        case 'HDEL':
          if (h) {
            for (let i = 2; i < argv.length; i++) h.fields.delete(argv[i]);
            if (h.fields.size === 0) db.delete(k);
          }
          break;
        case 'HINCRBY': {
          const by = int64(argv[3]);
          if (by === null) break;
          const old = h?.fields.get(argv[2]);
          const base = old === undefined ? 0n : int64(old);
          if (base === null) break;
          const r = base + by;
          if (r >= 2n ** 63n || r < -(2n ** 63n)) break;
          const m = h ?? { fields: new Map(), listpack: true };
          set(m, argv[2], r.toString());
          db.set(k, m);
          break;
        }
        case 'HINCRBYFLOAT': {
          // The arithmetic itself is compared by the reply; the model only needs the new value.
          const r = incrByFloat(h?.fields.get(argv[2]), argv[3]);
          if (!r.ok) break;
          const m = h ?? { fields: new Map(), listpack: true };
          set(m, argv[2], r.value);
          db.set(k, m);
          break;
        }
        case 'HGETALL':
          if (h && !h.listpack) mode = 'pairs';
          break;
        case 'HKEYS':
        case 'HVALS':
          if (h && !h.listpack) mode = 'sort';
          break;
        case 'HSCAN':
          if (h && !h.listpack) mode = 'deep';
          break;
        case 'HRANDFIELD':
          if (argv.length === 2) mode = 'type';
          else if (h && h.fields.size > 1) {
            // One field, no key or a zero count: the reply is determined.
            const n = Number(argv[2]);
            const withValues = argv.length === 4;
            if (n > 0 && n >= h.fields.size) {
              if (!h.listpack) mode = withValues ? (resp3 ? 'deep' : 'pairs') : 'sort';
            } else if (n !== 0) mode = 'len';
          }
          break;
        case 'DEL':
          db.delete(k);
          break;
        case 'CONFIG':
          if (argv[2] === 'hash-max-listpack-entries') maxEntries = Number(argv[3]);
          else maxValue = Number(argv[3]);
          break;
      }
    }
    cmds.push(argv);
    modes.push(mode);
  }
  return { cmds, modes };
}

describe('hashes: generated sequences', { skip: skipWithoutRedis() }, () => {
  let pair: DiffPair;
  before(async () => {
    pair = await DiffPair.start({
      redisArgs: ['--hash-max-listpack-entries', String(MAX_ENTRIES), '--hash-max-listpack-value', String(MAX_VALUE)],
      cinnabar: { 'hash-max-listpack-entries': MAX_ENTRIES, 'hash-max-listpack-value': MAX_VALUE },
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
      { numRuns: 300 },
    );
  });
});
