/**
 * The point-in-time property of Snapshot, model-checked: a snapshot is
 * stepped a few keys at a time while random commands (every write path:
 * overwrites, deletes that move entries below the walk, new keys, in-place
 * changes of huge values being encoded, expiry changes, RENAME, MOVE, COPY,
 * SWAPDB, FLUSHDB, FLUSHALL) run in between; the file must load back to the
 * dataset as it was when the snapshot started (same DEBUG DIGEST).
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { startCinnabar } from '../helpers/servers';
import { decodeReply } from '../helpers/resp';
import type { Server } from '../../src/server/server';
import { Snapshot, type SnapshotOptions } from '../../src/persistence/snapshot';
import { DEFAULT_SAVE_OPTIONS } from '../../src/persistence/rdb-values';
import { RdbReader } from '../../src/persistence/rdb-encoding';
import { loadRdb } from '../../src/persistence/rdb-file';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function exec(s: Server, c: ReturnType<Server['createInternalClient']>, argv: string[]): unknown {
  s.execute(c, argv);
  const out = c.w.take();
  return out.length === 0 ? null : decodeReply(out)[0];
}

function options(): SnapshotOptions {
  return {
    compress: true,
    checksum: true,
    aux: { usedMem: 0, repl: null, aofBase: false },
    save: DEFAULT_SAVE_OPTIONS,
    excludeData: false,
    meta: (d, e) => ({ expire: d.getExpireExact(e), idle: -1, freq: -1 }),
  };
}

describe('Snapshot', () => {
  it('writes the dataset as of its start whatever runs meanwhile', async () => {
    const a = await startCinnabar();
    const b = await startCinnabar();
    const sa = a.server;
    const sb = b.server;
    const ca = sa.createInternalClient();
    const cb = sb.createInternalClient();
    const totals = { early: 0, cloned: 0, drained: 0, moved: 0, detached: 0, jobs: 0 };
    try {
      for (let round = 0; round < 12; round++) {
        const r = rng(1000 + round);
        const pick = (n: number) => Math.floor(r() * n);
        exec(sa, ca, ['FLUSHALL']);
        // A dataset over four databases, with big values (encoded in slices).
        for (let db = 0; db < 4; db++) {
          exec(sa, ca, ['SELECT', String(db)]);
          for (let i = 0; i < 60; i++) {
            const k = `k${i}`;
            switch (pick(6)) {
              case 0: exec(sa, ca, ['SET', k, `v${i}`]); break;
              case 1: exec(sa, ca, ['RPUSH', k, ...Array.from({ length: 1 + pick(1500) }, (_, j) => `e${j}`)]); break;
              case 2: exec(sa, ca, ['HSET', k, ...Array.from({ length: 1 + pick(700) }, (_, j) => [`f${j}`, `v${j}`]).flat()]); break;
              case 3: exec(sa, ca, ['SADD', k, ...Array.from({ length: 1 + pick(700) }, (_, j) => String(j * (pick(2) ? 1 : 7)))]); break;
              case 4: exec(sa, ca, ['ZADD', k, ...Array.from({ length: 1 + pick(700) }, (_, j) => [String(j / 3), `m${j}`]).flat()]); break;
              default: exec(sa, ca, ['XADD', k, '*', 'f', String(i)]);
            }
            if (pick(4) === 0) exec(sa, ca, ['EXPIRE', k, String(10000 + pick(1000))]);
          }
          // Strings over 1 MB are compressed and copied into the file in slices.
          exec(sa, ca, ['SET', `k${60 + pick(10)}`, `big${db}:`.repeat(200000 + pick(100000))]);
        }
        exec(sa, ca, ['SELECT', '0']);
        const digest = exec(sa, ca, ['DEBUG', 'DIGEST']);

        const chunks: Buffer[] = [];
        const snap = new Snapshot(sa.dbs, options(), (chunk) => chunks.push(Buffer.from(chunk)));
        snap.install();
        const ops: (() => string[])[] = [
          () => ['SET', `k${pick(70)}`, 'changed'],
          () => ['DEL', `k${pick(70)}`],
          () => ['DEL', `k${pick(8)}`],
          () => ['SET', `new${pick(1000)}`, 'new'],
          () => ['RPUSH', `k${pick(70)}`, 'pushed'],
          () => ['LPOP', `k${pick(70)}`],
          () => ['LSET', `k${pick(70)}`, '0', 'set'],
          () => ['HSET', `k${pick(70)}`, 'f1', 'changed'],
          () => ['SADD', `k${pick(70)}`, 'added'],
          () => ['ZADD', `k${pick(70)}`, '5', 'm1'],
          () => ['XADD', `k${pick(70)}`, '*', 'x', 'y'],
          () => ['EXPIRE', `k${pick(70)}`, '20000'],
          () => ['PERSIST', `k${pick(70)}`],
          () => ['RENAME', `k${pick(70)}`, `k${pick(70)}`],
          () => ['MOVE', `k${pick(70)}`, String(pick(6))],
          () => ['COPY', `k${pick(70)}`, `k${pick(70)}`, 'REPLACE'],
          () => ['APPEND', `k${pick(70)}`, 'zz'],
          () => ['SETRANGE', `k${60 + pick(10)}`, String(pick(100000)), 'patched'],
          () => ['SELECT', String(pick(6))],
          () => ['SWAPDB', String(pick(6)), String(pick(6))],
          () => (pick(10) === 0 ? ['FLUSHDB'] : ['PING']),
          () => (pick(40) === 0 ? ['FLUSHALL'] : ['PING']),
        ];
        let done = false;
        let steps = 0;
        while (!done) {
          for (let k = pick(4); k > 0; k--) exec(sa, ca, ops[pick(ops.length)]());
          done = snap.step(performance.now() + (pick(2) ? 0 : 0.2), 1 + pick(3));
          steps++;
        }
        snap.end();
        assert.ok(steps > 20);
        for (const [name, n] of Object.entries(snap.counters)) totals[name as keyof typeof totals] += n;
        exec(sa, ca, ['SELECT', '0']);

        // Load the file into the other server: the digest of the start.
        exec(sb, cb, ['FLUSHALL']);
        const file = Buffer.concat(chunks);
        loadRdb(new RdbReader(file), {
          dbs: sb.dbs,
          ctx: { limits: sb.limits, now: Date.now() },
          checksum: true,
          skipExpired: true,
          allowDup: false,
          store: (db, key, v, expire) => {
            const e = db.add(key, v);
            if (expire !== 0) db.dict.setExpireExact(e, expire);
          },
          log: () => undefined,
        });
        assert.equal(exec(sb, cb, ['DEBUG', 'DIGEST']), digest, `round ${round}`);
      }
      // Each write path was taken in some round.
      for (const [name, n] of Object.entries(totals)) assert.ok(n > 0, `${name}: ${JSON.stringify(totals)}`);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('writes the same bytes as a synchronous save when nothing changes', async () => {
    const a = await startCinnabar();
    const s = a.server;
    const c = s.createInternalClient();
    try {
      exec(s, c, ['DEBUG', 'POPULATE', '1000']);
      exec(s, c, ['RPUSH', 'big', ...Array.from({ length: 5000 }, (_, j) => `e${j}`)]);
      const run = (stepped: boolean) => {
        const chunks: Buffer[] = [];
        const snap = new Snapshot(s.dbs, options(), (chunk) => chunks.push(Buffer.from(chunk)));
        if (stepped) {
          snap.install();
          while (!snap.step(performance.now() + 0.1, 3));
        } else snap.runToEnd();
        snap.end();
        // The ctime aux field may tick over between the two runs.
        const all = Buffer.concat(chunks);
        return all.subarray(60, all.length - 8);
      };
      assert.deepEqual(run(true), run(false));
    } finally {
      await a.close();
    }
  });
});
