/**
 * HyperLogLog against the oracle: the case file, then generated PFADD /
 * PFMERGE / PFCOUNT sequences large enough to cross from sparse to dense,
 * comparing the stored bytes (GET) after every step, so both servers hold
 * byte-identical HLLs all along. Values also move between the servers: an
 * HLL built by Redis is loaded into Cinnabar with SET and used there.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { runCaseFile } from '../helpers/cases';
import { DiffPair, formatMismatches, type Mode } from '../helpers/diff';
import { RawConnection, decodeReply } from '../helpers/resp';
import { skipWithoutRedis } from '../helpers/servers';

runCaseFile('hyperloglog.txt');

const KEYS = ['h1', 'h2', 'h3'];

/** Elements: short ones from a small pool (repeats), and unique-ish numbered ones. */
const element = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('a', 'b', 'c', '', '\x00', 'foo', 'bar', '12345678', 'éé') },
  { weight: 10, arbitrary: fc.integer({ min: 0, max: 100000 }).map((n) => `e${n}`) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 20 }) },
);

const op = fc.oneof(
  // Mostly a few elements (so the GETs see every step near the sparse limit), sometimes hundreds.
  { weight: 12, arbitrary: fc.tuple(fc.constantFrom(...KEYS), fc.array(element, { minLength: 0, maxLength: 3 })).map(([k, es]) => ['PFADD', k, ...es]) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...KEYS), fc.array(element, { minLength: 0, maxLength: 400 })).map(([k, es]) => ['PFADD', k, ...es]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...KEYS), fc.subarray(KEYS)).map(([d, ks]) => ['PFMERGE', d, ...ks]) },
  { weight: 1, arbitrary: fc.subarray(KEYS, { minLength: 1 }).map((ks) => ['PFCOUNT', ...ks]) },
  { weight: 1, arbitrary: fc.constantFrom(...KEYS).map((k) => ['PFDEBUG', 'ENCODING', k]) },
  // Damage: stray opcodes appended or written over the sparse data and the header.
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...KEYS), fc.uint8Array({ minLength: 1, maxLength: 3 })).map(([k, b]) => ['APPEND', k, Buffer.from(b).toString('latin1')]) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom(...KEYS), fc.integer({ min: 4, max: 40 }), fc.uint8Array({ minLength: 1, maxLength: 2 })).map(([k, o, b]) => ['SETRANGE', k, String(o), Buffer.from(b).toString('latin1')]),
  },
);

describe('hyperloglog: generated sequences', { skip: skipWithoutRedis() }, () => {
  let pair: DiffPair;
  before(async () => {
    pair = await DiffPair.start();
  });
  after(async () => {
    await pair?.close();
  });

  it('stored bytes and counts match Redis through sparse and dense', async () => {
    // fast-check reports the shrunk input; the mismatch it produced is shown with it.
    let lastFailure = '';
    await fc
      .assert(
        fc.asyncProperty(fc.array(op, { minLength: 3, maxLength: 60, size: 'max' }), fc.constantFrom(3000, 300, 100, 60, 1), async (ops, sparseMax) => {
          const cmds: string[][] = [['CONFIG', 'SET', 'hll-sparse-max-bytes', String(sparseMax)]];
          const modes: Mode[] = ['exact'];
          for (const o of ops) {
            cmds.push(o);
            modes.push('exact');
            const touched = o[0] === 'PFCOUNT' || o[0] === 'PFDEBUG' ? o.slice(o[0] === 'PFDEBUG' ? 2 : 1) : [o[1]];
            for (const k of touched) {
              cmds.push(['GET', k]);
              modes.push('exact');
            }
          }
          for (const k of KEYS) cmds.push(['PFCOUNT', k], ['GET', k]);
          cmds.push(['CONFIG', 'SET', 'hll-sparse-max-bytes', '3000']);
          const ms = await pair.runCommands(cmds, modes);
          if (ms.length > 0) lastFailure = formatMismatches(ms);
          assert.equal(ms.length, 0, '\n' + formatMismatches(ms));
        }),
        { numRuns: Number(process.env.CINNABAR_FC_RUNS ?? 40), ...(process.env.CINNABAR_FC_SEED ? { seed: Number(process.env.CINNABAR_FC_SEED) } : {}) },
      )
      .catch((e: Error) => {
        throw new Error(`${e.message}\nLast mismatch:\n${lastFailure}`);
      });
  });

  it('counts match Redis from 1 to 50000 elements', async () => {
    const cmds: string[][] = [];
    let n = 0;
    for (let batch = 1; n < 50000; batch = Math.ceil(batch * 1.3)) {
      const es: string[] = [];
      for (let i = 0; i < batch; i++) es.push(`item:${n++}`);
      cmds.push(['PFADD', 'big', ...es], ['PFCOUNT', 'big'], ['PFCOUNT', 'big', 'small']);
      if (batch < 200) cmds.push(['GET', 'big'], ['PFADD', 'small', es[0]]);
    }
    cmds.push(['GET', 'big'], ['PFMERGE', 'small', 'big'], ['GET', 'small']);
    const ms = await pair.runCommands(cmds);
    assert.equal(ms.length, 0, '\n' + formatMismatches(ms));
  });

  it('an HLL built by Redis works in Cinnabar and the other way round', async () => {
    const r = await RawConnection.connect(pair.redis.port);
    const k = await RawConnection.connect(pair.cinnabar.port);
    try {
      for (const conn of [r, k]) await conn.cmd('FLUSHALL');
      const es = Array.from({ length: 3000 }, (_, i) => `x${i}`);
      await r.cmd('PFADD', 'sparse', ...es.slice(0, 50));
      await r.cmd('PFADD', 'dense', ...es);
      await k.cmd('PFADD', 'ksparse', ...es.slice(0, 70));
      await k.cmd('PFADD', 'kdense', ...es.slice(0, 2000));
      // Move values across with GET/SET (raw bytes), in both directions.
      for (const [from, to, key] of [
        [r, k, 'sparse'],
        [r, k, 'dense'],
        [k, r, 'ksparse'],
        [k, r, 'kdense'],
      ] as const) {
        from.send('GET', key);
        const bulk = await from.readReply();
        // Re-send the bulk bytes unchanged as SET's value.
        const header = bulk.indexOf('\r\n');
        to.send('SET', key, bulk.subarray(header + 2, bulk.length - 2));
        assert.equal((await to.readReply()).toString(), '+OK\r\n');
      }
      const out: unknown[][] = [[], []];
      for (const [i, conn] of [r, k].entries()) {
        for (const cmd of [
          ['PFCOUNT', 'sparse'],
          ['PFCOUNT', 'dense'],
          ['PFCOUNT', 'ksparse'],
          ['PFCOUNT', 'kdense'],
          ['PFCOUNT', 'sparse', 'kdense'],
          ['PFADD', 'sparse', 'new1', 'new2'],
          ['PFADD', 'kdense', 'new3'],
          ['PFMERGE', 'm', 'sparse', 'ksparse'],
          ['GET', 'm'],
          ['GET', 'sparse'],
          ['GET', 'kdense'],
          ['PFDEBUG', 'ENCODING', 'ksparse'],
        ]) {
          conn.send(...cmd);
          out[i].push(decodeReply(await conn.readReply())[0]);
        }
      }
      assert.deepEqual(out[1], out[0]);
    } finally {
      r.close();
      k.close();
    }
  });
});
