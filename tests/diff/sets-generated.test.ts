/**
 * Generated set command sequences (fast-check), run on Cinnabar and on Redis
 * and compared reply by reply, with a small set-max-intset-entries so sets
 * cross between intset and hashtable all the time.
 *
 * A model follows each set (members, and whether it is an intset) to pick how
 * each reply is compared: exactly when Redis's order is deterministic (an
 * intset, or a result Redis builds as an intset), as a multiset otherwise,
 * and by shape only for random picks. Commands that would change a set at
 * random (SPOP of part of a set) are only generated where the outcome is
 * determined (popping everything, or a set of one), so both servers keep the
 * same contents. OBJECT ENCODING is compared exactly, so the model cannot
 * drift from Redis unnoticed.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { DiffPair, formatMismatches, type Mode } from '../helpers/diff';
import { skipWithoutRedis } from '../helpers/servers';

const MAX_INTSET = 6;

const KEYS = ['s1', 's1', 's2', 's3', 'str'];
const key = fc.constantFrom(...KEYS);
// Mostly integers, so sets often outgrow the intset limit while still intsets.
const member = fc.oneof(
  {
    weight: 40,
    arbitrary: fc.constantFrom('1', '2', '3', '-4', '0', '10', '99', '5', '6', '7', '-9223372036854775808', '9223372036854775807', '9007199254740993', '9007199254740992'),
  },
  { weight: 4, arbitrary: fc.constantFrom('a', 'b', 'c', '', '\x00\r\n') },
  { weight: 1, arbitrary: fc.constantFrom('01', '-0', '+1', '9223372036854775808', '1.5') },
);
const members = fc.array(member, { minLength: 1, maxLength: 5 });
const keys = fc.array(key, { minLength: 1, maxLength: 3 });

type Op = string[];

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(key, members).map(([k, ms]) => ['SADD', k, ...ms]) },
  { weight: 4, arbitrary: fc.tuple(key, members).map(([k, ms]) => ['SREM', k, ...ms]) },
  { weight: 1, arbitrary: key.map((k) => ['SCARD', k]) },
  { weight: 1, arbitrary: fc.tuple(key, member).map(([k, m]) => ['SISMEMBER', k, m]) },
  { weight: 1, arbitrary: fc.tuple(key, members).map(([k, ms]) => ['SMISMEMBER', k, ...ms]) },
  { weight: 3, arbitrary: key.map((k) => ['SMEMBERS', k]) },
  { weight: 2, arbitrary: fc.tuple(key, key, member).map(([a, b, m]) => ['SMOVE', a, b, m]) },
  { weight: 2, arbitrary: fc.tuple(key, fc.integer({ min: -8, max: 10 })).map(([k, n]) => ['SRANDMEMBER', k, String(n)]) },
  { weight: 1, arbitrary: key.map((k) => ['SRANDMEMBER', k]) },
  // Rewritten while planning so the outcome is determined.
  { weight: 2, arbitrary: fc.tuple(key, fc.integer({ min: 0, max: 3 })).map(([k, extra]) => ['SPOP', k, String(extra)]) },
  { weight: 1, arbitrary: key.map((k) => ['SPOP', k]) },
  { weight: 2, arbitrary: keys.map((ks) => ['SINTER', ...ks]) },
  { weight: 2, arbitrary: fc.tuple(key, keys).map(([d, ks]) => ['SINTERSTORE', d, ...ks]) },
  { weight: 1, arbitrary: fc.tuple(keys, fc.integer({ min: 0, max: 4 })).map(([ks, l]) => ['SINTERCARD', String(ks.length), ...ks, 'LIMIT', String(l)]) },
  { weight: 2, arbitrary: keys.map((ks) => ['SUNION', ...ks]) },
  { weight: 2, arbitrary: fc.tuple(key, keys).map(([d, ks]) => ['SUNIONSTORE', d, ...ks]) },
  { weight: 2, arbitrary: keys.map((ks) => ['SDIFF', ...ks]) },
  { weight: 2, arbitrary: fc.tuple(key, keys).map(([d, ks]) => ['SDIFFSTORE', d, ...ks]) },
  { weight: 2, arbitrary: fc.tuple(key, fc.constantFrom('*', '1*', '?', '[a-c]', '-*')).map(([k, p]) => ['SSCAN', k, '0', 'MATCH', p, 'COUNT', '1000']) },
  { weight: 4, arbitrary: key.map((k) => ['OBJECT', 'ENCODING', k]) },
  { weight: 1, arbitrary: key.map((k) => ['DEL', k]) },
  { weight: 1, arbitrary: key.map((k) => ['TYPE', k]) },
  { weight: 1, arbitrary: fc.constantFrom('2', '4', '6', '9').map((n) => ['CONFIG', 'SET', 'set-max-intset-entries', n]) },
);

interface SetModel {
  members: Set<string>;
  intset: boolean;
}

const INT64 = /^(0|-?[1-9][0-9]{0,18})$/;
function isInt(s: string): boolean {
  if (!INT64.test(s)) return false;
  const v = BigInt(s);
  return v >= -(2n ** 63n) && v < 2n ** 63n;
}

/** Would a set built by adding these members one by one to a new intset still be one? */
function buildsIntset(ms: Iterable<string>, peak: number, max: number): boolean {
  if (peak > max) return false;
  for (const m of ms) if (!isInt(m)) return false;
  return true;
}

function plan(ops: Op[], resp3: boolean): { cmds: string[][]; modes: Mode[] } {
  const db = new Map<string, SetModel | 'string'>([['str', 'string']]);
  // The limit persists across runs on the same servers: start from a known one.
  let max = MAX_INTSET;
  const cmds: string[][] = [['CONFIG', 'SET', 'set-max-intset-entries', String(MAX_INTSET)], ['SET', 'str', 'x']];
  const modes: Mode[] = ['exact', 'exact'];
  if (resp3) {
    cmds.unshift(['HELLO', '3']);
    modes.unshift('skip');
  }
  const add = (s: SetModel, m: string): void => {
    if (s.members.has(m)) return;
    s.members.add(m);
    if (!isInt(m) || s.members.size > max) s.intset = false;
  };
  const create = (first: string): SetModel => ({ members: new Set(), intset: isInt(first) });
  const get = (k: string): SetModel | undefined => {
    const v = db.get(k);
    return v === 'string' ? undefined : v;
  };
  /** A result set as Redis stores it: null when empty. */
  const result = (ms: Set<string>, peak: number): SetModel | null => (ms.size === 0 ? null : { members: ms, intset: buildsIntset(ms, peak, max) });

  for (let argv of ops) {
    const name = argv[0];
    let mode: Mode = 'exact';
    const keyArgs = name === 'SINTERSTORE' || name === 'SUNIONSTORE' || name === 'SDIFFSTORE' ? argv.slice(2) : name === 'SINTERCARD' ? argv.slice(2, -2) : name === 'SMOVE' ? argv.slice(1, 3) : ['SINTER', 'SUNION', 'SDIFF'].includes(name) ? argv.slice(1) : [argv[1]];
    const wrong = keyArgs.some((k) => db.get(k) === 'string') && name !== 'DEL' && name !== 'TYPE' && name !== 'OBJECT' && name !== 'CONFIG';
    const k = argv[1];
    const s = get(k);
    if (!wrong) {
      switch (name) {
        case 'SADD': {
          const m = s ?? create(argv[2]);
          for (let i = 2; i < argv.length; i++) add(m, argv[i]);
          db.set(k, m);
          break;
        }
        case 'SREM':
          if (s) {
            for (let i = 2; i < argv.length; i++) s.members.delete(argv[i]);
            if (s.members.size === 0) db.delete(k);
          }
          break;
        case 'SMEMBERS':
          if (s && !s.intset) mode = 'sort';
          break;
        case 'SSCAN':
          if (s && !s.intset) mode = 'deep';
          break;
        case 'SMOVE': {
          const d = get(argv[2]);
          const m = argv[3];
          if (!s || s === d || !s.members.has(m)) break;
          if (db.get(argv[2]) === 'string') break;
          s.members.delete(m);
          if (s.members.size === 0) db.delete(k);
          const t = d ?? create(m);
          add(t, m);
          db.set(argv[2], t);
          break;
        }
        case 'SRANDMEMBER': {
          if (argv.length === 2) {
            if (s && s.members.size > 1) mode = 'type';
            break;
          }
          const n = Number(argv[2]);
          if (!s || s.members.size === 1 || n === 0) break;
          if (n > 1 && n >= s.members.size) mode = s.intset ? 'exact' : 'sort';
          else mode = 'len';
          break;
        }
        case 'SPOP': {
          if (!s) break;
          if (argv.length === 2) {
            if (s.members.size > 1) {
              // A random member would leave the two servers with different sets.
              argv = ['SCARD', k];
              break;
            }
            db.delete(k);
            break;
          }
          // Pop everything (count >= size): the reply is the set as SUNION builds it.
          argv = ['SPOP', k, String(s.members.size + Number(argv[2]))];
          if (!buildsIntset(s.members, s.members.size, max)) mode = 'sort';
          db.delete(k);
          break;
        }
        case 'SINTER':
        case 'SINTERSTORE':
        case 'SINTERCARD': {
          const sets = keyArgs.map(get);
          let out = new Set<string>();
          if (!sets.includes(undefined)) {
            const ordered = (sets as SetModel[]).slice().sort((a, b) => a.members.size - b.members.size);
            out = new Set([...ordered[0].members].filter((m) => ordered.every((x) => x.members.has(m))));
            if (name === 'SINTER' && !ordered[0].intset) mode = 'sort';
          }
          if (name === 'SINTERSTORE') {
            const r = result(out, out.size);
            if (r) db.set(k, r);
            else db.delete(k);
          }
          break;
        }
        case 'SUNION':
        case 'SUNIONSTORE': {
          const out = new Set<string>();
          for (const x of keyArgs.map(get)) if (x) for (const m of x.members) out.add(m);
          if (name === 'SUNION' && !buildsIntset(out, out.size, max)) mode = 'sort';
          if (name === 'SUNIONSTORE') {
            const r = result(out, out.size);
            if (r) db.set(k, r);
            else db.delete(k);
          }
          break;
        }
        case 'SDIFF':
        case 'SDIFFSTORE': {
          const sets = keyArgs.map(get);
          const first = sets[0];
          const out = new Set<string>();
          let peak = 0;
          if (first && !sets.slice(1).includes(first)) {
            for (const m of first.members) if (!sets.slice(1).some((x) => x && x.members.has(m))) out.add(m);
            // Redis's algorithm choice decides whether the whole first set passed through the result.
            let one = 0;
            let two = 0;
            for (const x of sets) {
              if (!x) continue;
              one += first.members.size;
              two += x.members.size;
            }
            peak = Math.floor(one / 2) <= two ? out.size : first.members.size;
            if (!buildsIntset(Math.floor(one / 2) <= two ? out : first.members, peak, max)) peak = Infinity;
          }
          if (name === 'SDIFF' && out.size > 0 && !buildsIntset(out, peak, max)) mode = 'sort';
          if (name === 'SDIFFSTORE') {
            const r = out.size === 0 ? null : { members: out, intset: buildsIntset(out, peak, max) };
            if (r) db.set(k, r);
            else db.delete(k);
          }
          break;
        }
        case 'DEL':
          db.delete(k);
          break;
        case 'CONFIG':
          max = Number(argv[3]);
          break;
      }
    }
    cmds.push(argv);
    modes.push(mode);
  }
  return { cmds, modes };
}

describe('sets: generated sequences', { skip: skipWithoutRedis() }, () => {
  let pair: DiffPair;
  before(async () => {
    pair = await DiffPair.start({
      redisArgs: ['--set-max-intset-entries', String(MAX_INTSET)],
      cinnabar: { 'set-max-intset-entries': MAX_INTSET },
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
