/**
 * Job queues on lists, end to end with ioredis against Cinnabar:
 *  - Celery-style: a producer LPUSHes jobs on priority queues, a pool of
 *    workers BRPOPs them; every job is processed exactly once.
 *  - Reliable queue: workers BLMOVE (or BRPOPLPUSH) each job onto a
 *    processing list and acknowledge it with LREM when done; jobs of workers
 *    that "crash" stay in the processing list and a reaper requeues them, so
 *    in the end every job is acknowledged exactly once and nothing is left.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import Redis from 'ioredis';
import { startCinnabar } from '../helpers/servers';
import type { RunningServer } from '../../src/index';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('queues on lists (ioredis)', () => {
  let srv: RunningServer;
  const clients: Redis[] = [];
  const client = () => {
    // No ready check: it needs INFO, which is not the list family's to test here.
    const c = new Redis({ port: srv.port, host: '127.0.0.1', maxRetriesPerRequest: 1, enableReadyCheck: false });
    clients.push(c);
    return c;
  };

  before(async () => {
    srv = await startCinnabar();
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
    await srv?.close();
  });

  it('a pool of BRPOP workers processes every job exactly once', async () => {
    const admin = client();
    await admin.flushall();
    const JOBS = 3000;
    const WORKERS = 6;
    const seen = new Map<string, number>();
    const byWorker = new Array<number>(WORKERS).fill(0);
    let producing = true;

    const worker = async (id: number) => {
      const r = client();
      for (;;) {
        // Celery's layout: one BRPOP over the queues, most important first.
        const got = await r.brpop('q:high', 'q:default', 'q:low', 0.2);
        if (got === null) {
          if (!producing) return;
          continue;
        }
        const [queue, job] = got;
        assert.ok(job.startsWith(queue + ':'), `${job} came from ${queue}`);
        seen.set(job, (seen.get(job) ?? 0) + 1);
        byWorker[id]++;
        // Some work between pops lets other workers take turns.
        if (byWorker[id] % 7 === 0) await sleep(1);
      }
    };

    const producer = async () => {
      const r = client();
      const queues = ['q:high', 'q:default', 'q:low'];
      for (let i = 0; i < JOBS; ) {
        const q = queues[i % 3];
        // Single pushes, multi-value pushes and pipelines, as producers do.
        if (i % 10 === 0) {
          const batch = Array.from({ length: 5 }, (_, k) => `${q}:${i + k}`);
          await r.lpush(q, ...batch);
          i += 5;
        } else if (i % 10 === 5) {
          const p = r.pipeline();
          for (let k = 0; k < 3; k++) p.lpush(queues[(i + k) % 3], `${queues[(i + k) % 3]}:${i + k}`);
          await p.exec();
          i += 3;
        } else {
          await r.lpush(q, `${q}:${i}`);
          i++;
        }
        if (i % 200 === 0) await sleep(2);
      }
      producing = false;
    };

    await Promise.all([producer(), ...Array.from({ length: WORKERS }, (_, i) => worker(i))]);
    assert.equal(seen.size, JOBS, 'every job was processed');
    for (const [job, n] of seen) assert.equal(n, 1, `${job} processed ${n} times`);
    assert.ok(byWorker.filter((n) => n > 0).length >= 2, `work spread over workers: ${byWorker}`);
    assert.equal(await admin.exists('q:high', 'q:default', 'q:low'), 0);
    assert.equal(srv.server.blocking.count, 0);
  });

  it('BRPOP serves the highest-priority non-empty queue first', async () => {
    const r = client();
    await r.flushall();
    await r.lpush('q:low', 'low:1');
    await r.lpush('q:high', 'high:1', 'high:2');
    assert.deepEqual(await r.brpop('q:high', 'q:low', 1), ['q:high', 'high:1']);
    assert.deepEqual(await r.brpop('q:high', 'q:low', 1), ['q:high', 'high:2']);
    assert.deepEqual(await r.brpop('q:high', 'q:low', 1), ['q:low', 'low:1']);
    assert.equal(await r.brpop('q:high', 'q:low', 0.05), null);
  });

  for (const variant of ['BLMOVE', 'BRPOPLPUSH'] as const) {
    it(`a reliable queue with ${variant}, a processing list and LREM acknowledgement`, async () => {
      const admin = client();
      await admin.flushall();
      const JOBS = 1000;
      const WORKERS = 4;
      const acked = new Map<string, number>();
      const crashedOnce = new Set<string>();
      let producing = true;

      const take = (r: Redis) =>
        variant === 'BLMOVE' ? r.blmove('jobs', 'processing', 'RIGHT', 'LEFT', 0.2) : r.brpoplpush('jobs', 'processing', 0.2);

      const worker = async () => {
        const r = client();
        for (;;) {
          const job = await take(r);
          if (job === null) {
            if (!producing) return;
            continue;
          }
          // While being worked on, the job sits in the processing list.
          assert.ok((await r.lpos('processing', job)) !== null, `${job} is in processing`);
          // Every 10th job makes its worker "crash" once: no acknowledgement.
          const n = Number(job.slice(4));
          if (n % 10 === 0 && !crashedOnce.has(job)) {
            crashedOnce.add(job);
            continue;
          }
          const removed = await r.lrem('processing', 1, job);
          assert.equal(removed, 1, `${job} acknowledged once`);
          acked.set(job, (acked.get(job) ?? 0) + 1);
        }
      };

      const producer = async () => {
        const r = client();
        for (let i = 0; i < JOBS; i++) {
          await r.lpush('jobs', `job:${i}`);
          if (i % 100 === 0) await sleep(2);
        }
        producing = false;
      };

      await Promise.all([producer(), ...Array.from({ length: WORKERS }, () => worker())]);
      // The reaper requeues what crashed workers left behind, and the pool runs again.
      const stranded = await admin.lrange('processing', 0, -1);
      assert.equal(stranded.length, crashedOnce.size);
      for (let i = 0; i < stranded.length; i++) await admin.lmove('processing', 'jobs', 'RIGHT', 'LEFT');
      assert.equal(await admin.exists('processing'), 0);
      producing = false;
      await Promise.all(Array.from({ length: WORKERS }, () => worker()));

      assert.equal(acked.size, JOBS);
      for (const [job, n] of acked) assert.equal(n, 1, `${job} acknowledged ${n} times`);
      assert.equal(await admin.exists('jobs', 'processing'), 0);
    });
  }

  it('a blocked consumer on a reliable queue gets a job pushed later', async () => {
    const admin = client();
    await admin.flushall();
    const consumer = client();
    const pending = consumer.blmove('jobs', 'processing', 'RIGHT', 'LEFT', 0);
    await sleep(50);
    assert.equal(srv.server.blocking.count, 1);
    await admin.lpush('jobs', 'late-job');
    assert.equal(await pending, 'late-job');
    assert.deepEqual(await admin.lrange('processing', 0, -1), ['late-job']);
    assert.equal(await admin.lrem('processing', 1, 'late-job'), 1);
    assert.equal(await admin.exists('jobs', 'processing'), 0);
  });
});
