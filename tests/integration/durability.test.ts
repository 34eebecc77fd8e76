/**
 * What appendfsync promises, proven by killing the server: cinnabar-server
 * runs as a child process with appendonly yes, several clients write (SET of
 * fresh keys, INCR of counters) and record each acknowledgement, rewrites are
 * started now and then, and the process gets SIGKILL at a random moment.
 * After a restart on the same directory:
 * - appendfsync always: every acknowledged write is there (the reply left
 *   only after the data was written and fsynced);
 * - appendfsync everysec: every write acknowledged more than 2 s before the
 *   kill is there (Redis's promise). Cinnabar also writes before replying, so
 *   a killed process (as opposed to a crashed machine) loses nothing
 *   acknowledged: that is checked too.
 * Nothing that was never sent appears, counters never exceed what was sent,
 * and the directory stays valid for redis-check-aof.
 */
import { after, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ReplyError, decodeReply, type RawConnection } from '../helpers/resp';
import { q, sleep, startCinnabarChild, tmpdir, type Child } from '../helpers/aof-child';

const hasCheckAof = spawnSync('sh', ['-c', 'command -v redis-check-aof'], { encoding: 'utf8' }).status === 0;

const dirs: string[] = [];
const children: Child[] = [];
after(async () => {
  for (const c of children) await c.kill();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

interface Ack {
  key: string;
  value: string;
  at: number;
}

interface Writer {
  id: number;
  acks: Ack[];
  /** Highest INCR reply received, and how many INCRs were sent. */
  counterAcked: number;
  counterSent: number;
}

/** One client writing until its connection dies: batches of SETs and an INCR, acknowledgements recorded. */
async function runWriter(c: RawConnection, w: Writer, round: number, stop: { now: boolean }): Promise<void> {
  let seq = 0;
  try {
    while (!stop.now) {
      const batch: [string, string][] = [];
      for (let j = 0; j < 4; j++) {
        const key = `w${w.id}:r${round}:${seq++}`;
        const value = `${key}:${'x'.repeat(seq % 50)}`;
        batch.push([key, value]);
        c.send('SET', key, value);
      }
      c.send('INCR', `counter:${w.id}`);
      w.counterSent++;
      for (const [key, value] of batch) {
        const r = decodeReply(await c.readReply(10000))[0];
        if (r === 'OK') w.acks.push({ key, value, at: Date.now() });
      }
      const n = decodeReply(await c.readReply(10000))[0];
      if (typeof n === 'number') w.counterAcked = Math.max(w.counterAcked, n);
    }
  } catch {
    // The server was killed: whatever had no reply was never acknowledged.
  }
}

/** Every acknowledged write older than `before` (ms) is on the server. */
async function verify(k: RawConnection, writers: Writer[], before: number): Promise<{ checked: number; all: number; missingRecent: number }> {
  let checked = 0;
  let all = 0;
  let missingRecent = 0;
  for (const w of writers) {
    for (let i = 0; i < w.acks.length; i += 200) {
      const part = w.acks.slice(i, i + 200);
      const got = (await q(k, 'MGET', ...part.map((a) => a.key))) as (string | null)[];
      part.forEach((a, j) => {
        all++;
        if (a.at <= before) {
          checked++;
          assert.equal(got[j], a.value, `acknowledged write of ${a.key} lost`);
        } else if (got[j] !== a.value) missingRecent++;
      });
    }
    const counter = Number(await q(k, 'GET', `counter:${w.id}`));
    if (w.counterAcked > 0) assert.ok(counter >= w.counterAcked, `counter ${w.id}: ${counter} < acknowledged ${w.counterAcked}`);
    assert.ok(counter <= w.counterSent, `counter ${w.id}: ${counter} > sent ${w.counterSent}`);
  }
  return { checked, all, missingRecent };
}

async function killTest(policy: 'always' | 'everysec', rounds: number, runMs: () => number, margin: number): Promise<string> {
  const d = tmpdir(`durable-${policy}`);
  dirs.push(d);
  const args = ['--appendonly', 'yes', '--appendfsync', policy];
  const writers: Writer[] = Array.from({ length: 4 }, (_, id) => ({ id, acks: [], counterAcked: 0, counterSent: 0 }));
  let killedAt = 0;
  let totalChecked = 0;
  const notes: string[] = [];
  for (let round = 0; round <= rounds; round++) {
    const srv = await startCinnabarChild(d, args);
    children.push(srv);
    const k = await srv.conn();
    if (round > 0) {
      const res = await verify(k, writers, killedAt - margin);
      totalChecked += res.checked;
      // Writes reach the file before their reply leaves, so a kill loses nothing acknowledged at all.
      assert.equal(res.missingRecent, 0, `${res.missingRecent} recently acknowledged writes lost`);
    }
    if (round === rounds) break;
    const stop = { now: false };
    const conns = await Promise.all(writers.map(() => srv.conn()));
    const running = writers.map((w, i) => runWriter(conns[i], w, round, stop));
    const duration = runMs();
    // A rewrite at a random moment: some kills land in the middle of one.
    const rewriteAt = Math.random() * duration;
    const rw = (async () => {
      await sleep(rewriteAt);
      try {
        await q(k, 'BGREWRITEAOF');
      } catch {
        // killed first
      }
    })();
    await sleep(duration);
    killedAt = Date.now();
    await srv.kill();
    stop.now = true;
    await Promise.all(running);
    await rw;
    const acked = writers.reduce((n, w) => n + w.acks.length, 0);
    assert.ok(acked > 0, 'no write was acknowledged');
    notes.push(`round ${round}: killed after ${duration.toFixed(0)} ms (rewrite asked at ${rewriteAt.toFixed(0)} ms), ${acked} acknowledged so far`);
  }
  assert.ok(totalChecked > 100, `only ${totalChecked} writes checked`);
  if (hasCheckAof) {
    const out = spawnSync('redis-check-aof', [path.join(d, 'appendonlydir', 'appendonly.aof.manifest')], { encoding: 'utf8' });
    assert.match(out.stdout + out.stderr, /All AOF files and manifest are valid|is valid/);
  }
  notes.push(`${totalChecked} acknowledged writes checked after restarts`);
  return notes.join('; ');
}

describe('durability under kill -9', () => {
  it('appendfsync always: every acknowledged write survives', { timeout: 60000 }, async (t) => {
    t.diagnostic(await killTest('always', 4, () => 150 + Math.random() * 900, 0));
  });

  it('appendfsync everysec: every write acknowledged more than 2 s before the kill survives', { timeout: 60000 }, async (t) => {
    t.diagnostic(await killTest('everysec', 2, () => 2300 + Math.random() * 800, 2000));
  });

  it('a kill in the middle of a rewrite loses nothing: the manifest still lists the old base and both incr files', async () => {
    const d = tmpdir('durable-midrewrite');
    dirs.push(d);
    const args = ['--appendonly', 'yes', '--appendfsync', 'always'];
    const srv = await startCinnabarChild(d, args);
    children.push(srv);
    const k = await srv.conn();
    // Written with commands (DEBUG POPULATE is not propagated, in Redis either).
    for (let i = 0; i < 3000; i += 500) {
      await q(k, 'MSET', ...Array.from({ length: 500 }, (_, j) => [`pre:${i + j}`, `value:${i + j}`]).flat());
    }
    await q(k, 'CONFIG', 'SET', 'rdb-key-save-delay', '500');
    assert.equal(await q(k, 'BGREWRITEAOF'), 'Background append only file rewriting started');
    const w: Writer = { id: 9, acks: [], counterAcked: 0, counterSent: 0 };
    const stop = { now: false };
    const running = runWriter(await srv.conn(), w, 0, stop);
    await sleep(400);
    const info = (await q(k, 'INFO', 'persistence')) as string;
    assert.match(info, /aof_rewrite_in_progress:1/);
    const killedAt = Date.now();
    await srv.kill();
    stop.now = true;
    await running;
    const manifest = fs.readFileSync(path.join(d, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1');
    assert.equal(manifest, 'file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\n');
    const again = await startCinnabarChild(d, args);
    children.push(again);
    const k2 = await again.conn();
    const res = await verify(k2, [w], killedAt);
    assert.equal(res.missingRecent, 0);
    assert.ok(res.checked > 0, 'no write acknowledged during the rewrite');
    // Writes sent but not yet acknowledged when the process died may be there too.
    assert.ok(((await q(k2, 'DBSIZE')) as number) >= 3000 + w.acks.length + 1);
    assert.equal(await q(k2, 'GET', 'pre:2999'), 'value:2999');
  });

  it('appendfsync always holds the reply until the write is on disk', async () => {
    const d = tmpdir('durable-hold');
    dirs.push(d);
    const srv = await startCinnabarChild(d, ['--appendonly', 'yes', '--appendfsync', 'always']);
    children.push(srv);
    const k = await srv.conn();
    const incr = path.join(d, 'appendonlydir', 'appendonly.aof.1.incr.aof');
    // Each reply arrives only once the command is in the file.
    for (let i = 0; i < 50; i++) {
      const v = `value-${i}-${'y'.repeat(i)}`;
      assert.equal(await q(k, 'SET', `hold${i}`, v), 'OK');
      assert.ok(fs.readFileSync(incr, 'latin1').endsWith(`$${v.length}\r\n${v}\r\n`), `SET ${i} acknowledged before it was written`);
    }
    // Readers are held too while a write is pending: a reply never shows data the file lacks.
    const r = await srv.conn();
    k.send('SET', 'seen', 'yes');
    const got = (await q(r, 'GET', 'seen')) as string | null;
    if (got === 'yes') assert.ok(fs.readFileSync(incr, 'latin1').endsWith('$3\r\nyes\r\n'));
    assert.equal(decodeReply(await k.readReply())[0], 'OK');
    assert.ok(!((await q(k, 'INFO', 'persistence')) instanceof ReplyError));
  });
});
