/**
 * The append-only file end to end, with cinnabar-server and redis-server 7.0
 * as child processes:
 * - what is appended is byte for byte what Redis appends for the same
 *   commands (SELECT, MULTI/EXEC, rewritten commands), and #TS annotations;
 * - BGREWRITEAOF while clients keep writing, in both base formats: after a
 *   kill -9 and a restart the data is the same (DEBUG DIGEST), redis-check-aof
 *   says the directory is valid and redis-server loads it with the same data;
 * - CONFIG SET appendonly yes at runtime, appendonly no, BGREWRITEAOF and
 *   BGSAVE replies while the other runs, automatic rewrites, history files;
 * - directories redis-server wrote load in Cinnabar, an old single-file
 *   appendonly.aof is migrated as Redis migrates it;
 * - truncated and corrupt files and manifests: the same refusals and log
 *   lines as Redis, aof-load-truncated, `redis-check-aof --fix`;
 * - the runbook steps "CONFIG SET appendonly yes" and "redis-check-aof".
 */
import { after, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ReplyError, decodeReply, type RawConnection, type Reply } from '../helpers/resp';
import { skipWithoutRedis, hasRedisCli } from '../helpers/servers';
import { repoRoot } from '../helpers/cases';
import { copyDir, infoField, q, sleep, startCinnabarChild, startRedisChild, tmpdir, waitRewriteDone, type Child } from '../helpers/aof-child';

const noRedis = skipWithoutRedis();
const hasCheckAof = spawnSync('sh', ['-c', 'command -v redis-check-aof'], { encoding: 'utf8' }).status === 0;
const noTools = noRedis || !hasCheckAof ? 'needs redis-server and redis-check-aof' : false;

const dirs: string[] = [];
const children: Child[] = [];
after(async () => {
  for (const c of children) await c.kill();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function dir(tag: string): string {
  const d = tmpdir(tag);
  dirs.push(d);
  return d;
}

async function cinnabar(d: string, args: string[] = []): Promise<Child> {
  const c = await startCinnabarChild(d, args);
  children.push(c);
  return c;
}

async function redis(d: string, args: string[] = []): Promise<Child> {
  const c = await startRedisChild(d, args);
  children.push(c);
  return c;
}

function checkAof(target: string, fix = false): string {
  const r = spawnSync('redis-check-aof', fix ? ['--fix', target] : [target], { encoding: 'latin1', input: 'y\n' });
  return (r.stdout ?? '') + (r.stderr ?? '');
}

function manifestPath(d: string): string {
  return path.join(d, 'appendonlydir', 'appendonly.aof.manifest');
}

function readManifest(d: string): string {
  return fs.readFileSync(manifestPath(d), 'latin1');
}

/** Send many commands at once and read every reply. */
async function pipeline(c: RawConnection, cmds: string[][]): Promise<Reply[]> {
  for (const argv of cmds) c.send(...argv);
  const out: Reply[] = [];
  for (let i = 0; i < cmds.length; i++) out.push(decodeReply(await c.readReply(20000))[0]);
  return out;
}

/** A dataset with every type and encoding, several databases, TTLs and stream groups. */
async function populate(c: RawConnection, keys = 3000): Promise<void> {
  await q(c, 'DEBUG', 'POPULATE', String(keys), 'key', '10');
  const cmds: string[][] = [
    ['SET', 'str', 'hello'],
    ['SET', 'int', '12345'],
    ['SET', 'ttl', 'v', 'PX', '500000'],
    ['SET', 'bin', '\x00\r\n\xff'],
    ['RPUSH', 'biglist', ...Array.from({ length: 1500 }, (_, i) => `item${i}`)],
    ['RPUSH', 'smalllist', 'a', 'b', '3'],
    ['SADD', 'intset', '1', '2', '3'],
    ['SADD', 'bigset', ...Array.from({ length: 800 }, (_, i) => `m${i}`)],
    ['HSET', 'hash', 'a', '1', 'b', '2'],
    ['HSET', 'bighash', ...Array.from({ length: 600 }, (_, i) => [`f${i}`, `v${i}`]).flat()],
    ['ZADD', 'zset', '1.5', 'a', '2', 'b', '-inf', 'c', '0.1', 'd'],
    ['ZADD', 'bigzset', ...Array.from({ length: 300 }, (_, i) => [String(i / 7), `z${i}`]).flat()],
    ['PFADD', 'hll', 'a', 'b', 'c'],
    ['XADD', 'stream', '1-1', 'a', '1'],
    ['XADD', 'stream', '2-1', 'b', '2', 'c', '3'],
    ['XADD', 'stream', '3-1', 'a', '1'],
    ['XDEL', 'stream', '3-1'],
    ['XGROUP', 'CREATE', 'stream', 'g1', '0'],
    ['XGROUP', 'CREATE', 'stream', 'g2', '$'],
    ['XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', '1', 'STREAMS', 'stream', '>'],
    ['XGROUP', 'CREATECONSUMER', 'stream', 'g1', 'bob'],
    ['XGROUP', 'CREATE', 'emptystream', 'g', '$', 'MKSTREAM'],
    ['SELECT', '3'],
    ['SET', 'db3', 'x'],
    ['RPUSH', 'db3list', 'x'],
    ['SELECT', '0'],
  ];
  await pipeline(c, cmds);
}

/** Writes of every kind, as a client keeps doing while a rewrite runs. */
function writes(round: number): string[][] {
  const r = String(round);
  return [
    ['INCR', 'counter'],
    ['RPUSH', 'biglist', `new${r}`],
    ['LPOP', 'smalllist'],
    ['HSET', 'bighash', `f${round % 700}`, `w${r}`],
    ['ZINCRBY', 'bigzset', '1', `z${round % 300}`],
    ['SADD', 'bigset', `n${r}`],
    ['DEL', `key:${round % 3000}`],
    ['SET', `fresh:${r}`, r, 'PX', '900000'],
    ['APPEND', 'str', '.'],
    ['XADD', 'stream', '*', 'r', r],
    ['EXPIRE', `key:${(round * 7) % 3000}`, '100000'],
    ['SELECT', '3'],
    ['INCR', 'db3counter'],
    ['SELECT', '0'],
  ];
}

/** The text of an error reply (fails on anything else). */
function err(r: Reply): string {
  assert.ok(r instanceof ReplyError, `not an error: ${JSON.stringify(r)}`);
  return r.message;
}

async function digest(c: RawConnection): Promise<string> {
  return (await q(c, 'DEBUG', 'DIGEST')) as string;
}

/** XINFO STREAM FULL without the consumers' seen-time (not kept by AOF in Redis either). */
async function streamInfo(c: RawConnection, key: string): Promise<string> {
  const r = await q(c, 'XINFO', 'STREAM', key, 'FULL');
  return JSON.stringify(r).replace(/"seen-time",\d+/g, '"seen-time",0');
}

describe('AOF files', { skip: noTools }, () => {
  it('appends what redis-server appends for the same commands', async () => {
    const dc = dir('prop-c');
    const dr = dir('prop-r');
    const c = await cinnabar(dc, ['--appendonly', 'yes']);
    const r = await redis(dr, ['--appendonly', 'yes']);
    const seq: string[][] = [
      ['SET', 'a', '1'],
      ['INCR', 'a'],
      ['SELECT', '3'],
      ['RPUSH', 'l', 'x', 'y', 'z'],
      ['LPOP', 'l'],
      ['MULTI'],
      ['SET', 'm1', '1'],
      ['SET', 'm2', '2'],
      ['EXEC'],
      ['MULTI'],
      ['SET', 'only', 'one'],
      ['GET', 'only'],
      ['EXEC'],
      ['MULTI'],
      ['SELECT', '5'],
      ['SET', 'q', '1'],
      ['SET', 'r', '2'],
      ['EXEC'],
      ['SELECT', '0'],
      ['SET', 'px', 'v', 'PXAT', '99999999999999'],
      ['APPEND', 'px', 'x'],
      ['SET', 'gone', 'v', 'PXAT', String(Date.now() + 150)],
      ['HSET', 'h', 'f', 'v'],
      ['HINCRBYFLOAT', 'h', 'g', '1.5'],
      ['INCRBYFLOAT', 'fl', '2.5'],
      ['SADD', 's', 'a', 'b', 'c'],
      ['SREM', 's', 'b', 'c'],
      ['SPOP', 's'],
      ['GETDEL', 'a'],
      ['DEL', 'nokey'],
      ['RPUSH', 'bl', 'v'],
      ['BLPOP', 'bl', '0'],
      ['EXPIREAT', 'px', '99999999999'],
      ['PERSIST', 'px'],
      ['ZADD', 'z', '1', 'a'],
      ['ZPOPMIN', 'z'],
      ['SWAPDB', '0', '3'],
      ['SWAPDB', '0', '3'],
      ['FLUSHDB'],
    ];
    for (const srv of [c, r]) {
      const k = await srv.conn();
      await q(k, 'DEBUG', 'SET-ACTIVE-EXPIRE', '0');
      await pipeline(k, seq.slice(0, 22));
      // The key with a short TTL is gone when written again: DEL and SET go inside MULTI/EXEC.
      await sleep(250);
      await pipeline(k, [['SET', 'gone', 'again'], ...seq.slice(22)]);
      k.sock.destroy();
    }
    await sleep(300);
    const incr = (d: string) => {
      const text = fs.readFileSync(path.join(d, 'appendonlydir', 'appendonly.aof.1.incr.aof'), 'latin1');
      // The one time that differs: the PXAT of the short-lived key.
      return text.replace(/\$13\r\n\d{13}\r\n/g, '$13\r\n<ms>\r\n');
    };
    const mine = incr(dc);
    assert.equal(mine, incr(dr));
    assert.match(mine, /\*1\r\n\$5\r\nMULTI\r\n\*2\r\n\$3\r\nDEL\r\n\$4\r\ngone\r\n\*3\r\n\$3\r\nSET\r\n\$4\r\ngone\r\n\$5\r\nagain\r\n\*1\r\n\$4\r\nEXEC\r\n/);
    assert.equal(readManifest(dc), readManifest(dr));
    assert.match(checkAof(manifestPath(dc)), /All AOF files and manifest are valid/);
    assert.match(c.log(), /\* Creating AOF base file appendonly\.aof\.1\.base\.rdb on server start\n/);
    assert.match(c.log(), /\* Creating AOF incr file appendonly\.aof\.1\.incr\.aof on server start\n/);
  });

  it('annotates with #TS lines when aof-timestamp-enabled is yes', async () => {
    const d = dir('ts');
    const c = await cinnabar(d, ['--appendonly', 'yes', '--aof-timestamp-enabled', 'yes']);
    const k = await c.conn();
    await q(k, 'SET', 'a', '1');
    await q(k, 'SET', 'b', '2');
    await sleep(1100);
    await q(k, 'SET', 'c', '3');
    const incr = fs.readFileSync(path.join(d, 'appendonlydir', 'appendonly.aof.1.incr.aof'), 'latin1');
    // One annotation per second with writes, before the command (and its SELECT).
    assert.match(incr, /^#TS:\d{10}\r\n\*2\r\n\$6\r\nSELECT\r\n\$1\r\n0\r\n\*3\r\n\$3\r\nSET\r\n\$1\r\na\r\n\$1\r\n1\r\n\*3\r\n\$3\r\nSET\r\n\$1\r\nb\r\n\$1\r\n2\r\n#TS:\d{10}\r\n\*3\r\n\$3\r\nSET\r\n\$1\r\nc\r\n/);
    assert.match(checkAof(manifestPath(d)), /All AOF files and manifest are valid/);
    // A command-format base starts with an annotation too.
    await q(k, 'CONFIG', 'SET', 'aof-use-rdb-preamble', 'no');
    await q(k, 'BGREWRITEAOF');
    await waitRewriteDone(k);
    assert.match(fs.readFileSync(path.join(d, 'appendonlydir', 'appendonly.aof.2.base.aof'), 'latin1'), /^#TS:\d{10}\r\n\*2\r\n\$6\r\nSELECT\r\n/);
    await c.kill();
    const again = await cinnabar(d, ['--appendonly', 'yes', '--aof-timestamp-enabled', 'yes']);
    const k2 = await again.conn();
    assert.deepEqual(await q(k2, 'MGET', 'a', 'b', 'c'), ['1', '2', '3']);
  });

  for (const preamble of ['yes', 'no']) {
    it(`BGREWRITEAOF while clients write keeps every write (aof-use-rdb-preamble ${preamble}); redis-server loads the result`, async () => {
      const d = dir(`rw-${preamble}`);
      const args = ['--appendonly', 'yes', '--aof-use-rdb-preamble', preamble];
      const c = await cinnabar(d, args);
      const k = await c.conn();
      await populate(k);
      // Slow the rewrite down so that it spans many writes.
      await q(k, 'CONFIG', 'SET', 'rdb-key-save-delay', '200');
      assert.equal(await q(k, 'BGREWRITEAOF'), 'Background append only file rewriting started');
      let info = (await q(k, 'INFO', 'persistence')) as string;
      assert.equal(infoField(info, 'aof_rewrite_in_progress'), '1');
      assert.equal(err(await q(k, 'BGREWRITEAOF')), 'ERR Background append only file rewriting already in progress');
      // One background operation at a time, as with a forked child.
      assert.equal(
        err(await q(k, 'BGSAVE')),
        "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.",
      );
      const writer = await c.conn();
      let round = 0;
      while (infoField((await q(k, 'INFO', 'persistence')) as string, 'aof_rewrite_in_progress') === '1') {
        await pipeline(writer, writes(round++));
        if (round % 50 === 0) await q(writer, 'SWAPDB', '0', '3');
        if (round === 120) await q(writer, 'FLUSHDB');
      }
      assert.ok(round > 20, `only ${round} rounds of writes during the rewrite`);
      info = await waitRewriteDone(k);
      assert.equal(infoField(info, 'aof_last_bgrewrite_status'), 'ok');
      assert.equal(infoField(info, 'aof_rewrites'), '1');
      await q(k, 'CONFIG', 'SET', 'rdb-key-save-delay', '0');
      for (let i = 0; i < 20; i++) await pipeline(writer, writes(round++));
      const before = await digest(k);
      const streamBefore = await streamInfo(k, 'stream');
      const ext = preamble === 'yes' ? 'rdb' : 'aof';
      assert.equal(readManifest(d), `file appendonly.aof.2.base.${ext} seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n`);
      assert.deepEqual(fs.readdirSync(path.join(d, 'appendonlydir')).sort(), [`appendonly.aof.2.base.${ext}`, 'appendonly.aof.2.incr.aof', 'appendonly.aof.manifest']);
      const log = c.log();
      for (const line of [
        'Creating AOF incr file appendonly.aof.2.incr.aof on background rewrite',
        `Background append only file rewriting started by pid`,
        `Successfully created the temporary AOF base file temp-rewriteaof-bg-`,
        'Background AOF rewrite terminated with success',
        `into appendonly.aof.2.base.${ext}`,
        'Removing the history file appendonly.aof.1.incr.aof in the background',
        `Removing the history file appendonly.aof.1.base.${ext} in the background`,
        'Background AOF rewrite finished successfully',
      ]) {
        assert.ok(log.includes(line), `log lacks: ${line}`);
      }
      // kill -9: every acknowledged write is in the files.
      await c.kill();
      assert.match(checkAof(manifestPath(d)), /All AOF files and manifest are valid/);
      const copy = dir(`rw-${preamble}-redis`);
      copyDir(path.join(d, 'appendonlydir'), path.join(copy, 'appendonlydir'));
      const c2 = await cinnabar(d, args);
      const k2 = await c2.conn();
      assert.equal(await digest(k2), before);
      assert.equal(await streamInfo(k2, 'stream'), streamBefore);
      assert.match(c2.log(), /\* DB loaded from append only file: \d+\.\d{3} seconds/);
      const r = await redis(copy, ['--appendonly', 'yes']);
      const rk = await r.conn();
      assert.equal(await digest(rk), before);
      assert.equal(await streamInfo(rk, 'stream'), streamBefore);
    });
  }

  it('CONFIG SET appendonly yes writes a base, then appends; appendonly no stops', async () => {
    const d = dir('enable');
    const c = await cinnabar(d, ['--appendonly', 'no']);
    const k = await c.conn();
    await populate(k, 2000);
    await q(k, 'CONFIG', 'SET', 'rdb-key-save-delay', '100');
    assert.equal(await q(k, 'CONFIG', 'SET', 'appendonly', 'yes'), 'OK');
    let info = (await q(k, 'INFO', 'persistence')) as string;
    assert.equal(infoField(info, 'aof_enabled'), '1');
    assert.equal(infoField(info, 'aof_rewrite_in_progress'), '1');
    // Writes during the rewrite go to a temporary incr file.
    assert.ok(fs.existsSync(path.join(d, 'appendonlydir', 'temp-appendonly.aof.incr')));
    // SHUTDOWN cannot leave now: the AOF has no base yet.
    assert.equal(err(await q(k, 'SHUTDOWN')), 'ERR Errors trying to SHUTDOWN. Check logs.');
    let round = 0;
    while (infoField((await q(k, 'INFO', 'persistence')) as string, 'aof_rewrite_in_progress') === '1') await pipeline(k, writes(round++));
    info = await waitRewriteDone(k);
    assert.equal(infoField(info, 'aof_enabled'), '1');
    assert.equal(infoField(info, 'aof_last_bgrewrite_status'), 'ok');
    // aof_base_size: the base plus what the incr file held when the rewrite ended.
    const baseFile = fs.statSync(path.join(d, 'appendonlydir', 'appendonly.aof.1.base.rdb')).size;
    assert.ok(Number(infoField(info, 'aof_base_size')) >= baseFile);
    assert.ok(Number(infoField(info, 'aof_current_size')) >= Number(infoField(info, 'aof_base_size')));
    await q(k, 'CONFIG', 'SET', 'rdb-key-save-delay', '0');
    await pipeline(k, writes(round++));
    assert.equal(readManifest(d), 'file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
    const log = c.log();
    assert.ok(log.includes('Creating AOF incr file temp-appendonly.aof.incr on background rewrite'), log);
    assert.ok(log.includes("Writing initial AOF, can't exit."));
    assert.ok(log.includes('Successfully renamed the temporary AOF incr file temp-appendonly.aof.incr into appendonly.aof.1.incr.aof'));
    const before = await digest(k);
    await sleep(100);
    assert.match(checkAof(manifestPath(d)), /All AOF files and manifest are valid/);
    assert.equal(await q(k, 'CONFIG', 'SET', 'appendonly', 'no'), 'OK');
    info = (await q(k, 'INFO', 'persistence')) as string;
    assert.equal(infoField(info, 'aof_enabled'), '0');
    assert.equal(infoField(info, 'aof_current_size'), '');
    const size = fs.statSync(path.join(d, 'appendonlydir', 'appendonly.aof.1.incr.aof')).size;
    await q(k, 'SET', 'not-appended', 'x');
    await sleep(100);
    assert.equal(fs.statSync(path.join(d, 'appendonlydir', 'appendonly.aof.1.incr.aof')).size, size);
    await c.kill();
    const c2 = await cinnabar(d, ['--appendonly', 'yes']);
    const k2 = await c2.conn();
    assert.equal(await digest(k2), before);
    assert.match(c2.log(), /\* Opening AOF incr file appendonly\.aof\.1\.incr\.aof on server start/);
  });

  it('BGREWRITEAOF waits for a running BGSAVE, works with AOF off, keeps history with aof-disable-auto-gc', async () => {
    const d = dir('sched');
    const c = await cinnabar(d, ['--appendonly', 'no']);
    const k = await c.conn();
    await populate(k, 500);
    await q(k, 'CONFIG', 'SET', 'rdb-key-save-delay', '2000');
    assert.equal(await q(k, 'BGSAVE'), 'Background saving started');
    assert.equal(await q(k, 'BGREWRITEAOF'), 'Background append only file rewriting scheduled');
    let info = (await q(k, 'INFO', 'persistence')) as string;
    assert.equal(infoField(info, 'aof_rewrite_scheduled'), '1');
    assert.equal(infoField(info, 'aof_rewrite_in_progress'), '0');
    await q(k, 'CONFIG', 'SET', 'rdb-key-save-delay', '0');
    info = await waitRewriteDone(k);
    assert.equal(infoField(info, 'aof_rewrites'), '1');
    assert.equal(infoField(info, 'rdb_bgsave_in_progress'), '0');
    // AOF off: only a base, listed alone.
    assert.equal(readManifest(d), 'file appendonly.aof.1.base.rdb seq 1 type b\n');
    await q(k, 'CONFIG', 'SET', 'aof-disable-auto-gc', 'yes');
    await q(k, 'CONFIG', 'SET', 'appendonly', 'yes');
    await waitRewriteDone(k);
    await q(k, 'SET', 'x', '1');
    assert.equal(await q(k, 'BGREWRITEAOF'), 'Background append only file rewriting started');
    await waitRewriteDone(k);
    assert.equal(
      readManifest(d),
      'file appendonly.aof.3.base.rdb seq 3 type b\n' +
        'file appendonly.aof.1.incr.aof seq 1 type h\n' +
        'file appendonly.aof.2.base.rdb seq 2 type h\n' +
        'file appendonly.aof.1.base.rdb seq 1 type h\n' +
        'file appendonly.aof.2.incr.aof seq 2 type i\n',
    );
    for (const f of ['appendonly.aof.1.base.rdb', 'appendonly.aof.2.base.rdb', 'appendonly.aof.1.incr.aof']) {
      assert.ok(fs.existsSync(path.join(d, 'appendonlydir', f)), f);
    }
    assert.match(checkAof(manifestPath(d)), /All AOF files and manifest are valid/);
    // A restart deletes history once automatic collection is back on.
    await c.stop();
    const c2 = await cinnabar(d, ['--appendonly', 'yes']);
    await c2.conn();
    assert.equal(readManifest(d), 'file appendonly.aof.3.base.rdb seq 3 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n');
    assert.match(c2.log(), /Removing the history file appendonly\.aof\.1\.incr\.aof in the background/);
  });

  it('rewrites automatically when the AOF grows by auto-aof-rewrite-percentage', async () => {
    const d = dir('auto');
    const c = await cinnabar(d, ['--appendonly', 'yes', '--auto-aof-rewrite-min-size', '65536', '--auto-aof-rewrite-percentage', '100']);
    const k = await c.conn();
    const big = 'x'.repeat(1000);
    for (let i = 0; i < 10; i++) await pipeline(k, Array.from({ length: 10 }, (_, j) => ['SET', `k${j}`, big]));
    let info = '';
    for (let i = 0; i < 100; i++) {
      info = (await q(k, 'INFO', 'persistence')) as string;
      if (infoField(info, 'aof_rewrites') === '1' && infoField(info, 'aof_rewrite_in_progress') === '0') break;
      await sleep(20);
    }
    assert.equal(infoField(info, 'aof_rewrites'), '1');
    assert.match(c.log(), /\* Starting automatic rewriting of AOF on \d+% growth/);
    // After the rewrite the base is small again: no second rewrite.
    assert.ok(Number(infoField(info, 'aof_current_size')) < 65536);
    assert.equal(infoField(info, 'aof_base_size'), infoField(info, 'aof_current_size'));
  });
});

describe('AOF interoperability', { skip: noTools }, () => {
  for (const preamble of ['yes', 'no']) {
    it(`loads a directory redis-server wrote (aof-use-rdb-preamble ${preamble})`, async () => {
      const d = dir(`from-redis-${preamble}`);
      const r = await redis(d, ['--appendonly', 'yes', '--aof-use-rdb-preamble', preamble]);
      const rk = await r.conn();
      await populate(rk);
      assert.equal(await q(rk, 'BGREWRITEAOF'), 'Background append only file rewriting started');
      await waitRewriteDone(rk);
      for (let i = 0; i < 30; i++) await pipeline(rk, writes(i));
      const before = await digest(rk);
      const streamBefore = await streamInfo(rk, 'stream');
      await r.kill();
      const c = await cinnabar(d, ['--appendonly', 'yes']);
      const k = await c.conn();
      assert.equal(await digest(k), before);
      assert.equal(await streamInfo(k, 'stream'), streamBefore);
      const log = c.log();
      assert.match(log, new RegExp(`DB loaded from base file appendonly\\.aof\\.2\\.base\\.${preamble === 'yes' ? 'rdb' : 'aof'}: `));
      assert.match(log, /DB loaded from incr file appendonly\.aof\.2\.incr\.aof: /);
      // And Cinnabar appends to it.
      await q(k, 'SET', 'after', 'cinnabar');
      const after = await digest(k);
      await c.kill();
      const r2 = await redis(d, ['--appendonly', 'yes']);
      assert.equal(await digest(await r2.conn()), after);
    });
  }

  it('migrates an old single-file appendonly.aof (RDB preamble + commands) as Redis does', async () => {
    const src = dir('old-src');
    const r = await redis(src, ['--appendonly', 'yes']);
    const rk = await r.conn();
    await populate(rk, 200);
    await q(rk, 'BGREWRITEAOF');
    await waitRewriteDone(rk);
    await pipeline(rk, writes(1));
    const before = await digest(rk);
    await r.kill();
    const ad = path.join(src, 'appendonlydir');
    const old = Buffer.concat([fs.readFileSync(path.join(ad, 'appendonly.aof.2.base.rdb')), fs.readFileSync(path.join(ad, 'appendonly.aof.2.incr.aof'))]);
    const results: string[] = [];
    for (const which of ['redis', 'cinnabar']) {
      const d = dir(`old-${which}`);
      fs.writeFileSync(path.join(d, 'appendonly.aof'), old);
      const s = which === 'redis' ? await redis(d, ['--appendonly', 'yes']) : await cinnabar(d, ['--appendonly', 'yes']);
      const k = await s.conn();
      assert.equal(await digest(k), before, which);
      assert.ok(!fs.existsSync(path.join(d, 'appendonly.aof')));
      assert.match(s.log(), /Successfully migrated an old-style AOF file \(appendonly\.aof\) into the AOF directory \(appendonlydir\)\./);
      assert.match(s.log(), /Reading RDB preamble from AOF file\.\.\./);
      results.push(readManifest(d));
      await s.kill();
    }
    assert.equal(results[1], results[0]);
    assert.equal(results[1], 'file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
  });
});

describe('damaged AOF files', { skip: noTools }, () => {
  /** A Cinnabar directory whose last incr file ends in the middle of a command. */
  async function truncatedDir(tag: string): Promise<{ d: string; digest: string; incr: string; good: number }> {
    const d = dir(tag);
    const c = await cinnabar(d, ['--appendonly', 'yes', '--appendfsync', 'always']);
    const k = await c.conn();
    await pipeline(k, [['SET', 'a', '1'], ['RPUSH', 'l', 'x', 'y'], ['INCR', 'n']]);
    const dg = await digest(k);
    await q(k, 'SET', 'lost', 'value');
    await c.kill();
    const incr = path.join(d, 'appendonlydir', 'appendonly.aof.1.incr.aof');
    const size = fs.statSync(incr).size;
    const good = size - '*3\r\n$3\r\nSET\r\n$4\r\nlost\r\n$5\r\nvalue\r\n'.length;
    fs.truncateSync(incr, size - 4);
    return { d, digest: dg, incr, good };
  }

  it('refuses a truncated file without aof-load-truncated; redis-check-aof --fix repairs it', async () => {
    const { d, digest: dg, incr, good } = await truncatedDir('trunc-no');
    const c = await startCinnabarChild(d, ['--appendonly', 'yes', '--aof-load-truncated', 'no'], true);
    children.push(c);
    assert.equal(await c.exited, 1);
    assert.match(
      c.log(),
      /# Unexpected end of file reading the append only file appendonly\.aof\.1\.incr\.aof\. You can: 1\) Make a backup of your AOF file, then use \.\/redis-check-aof --fix <filename\.manifest>\. 2\) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server\./,
    );
    assert.match(checkAof(manifestPath(d)), /is not valid/);
    assert.match(checkAof(manifestPath(d), true), /Successfully truncated AOF appendonly\.aof\.1\.incr\.aof/);
    assert.equal(fs.statSync(incr).size, good);
    const c2 = await cinnabar(d, ['--appendonly', 'yes', '--aof-load-truncated', 'no']);
    assert.equal(await digest(await c2.conn()), dg);
  });

  it('loads a truncated file with aof-load-truncated yes and cuts it, as redis-server does', async () => {
    const { d, digest: dg, incr, good } = await truncatedDir('trunc-yes');
    const copy = dir('trunc-yes-redis');
    copyDir(path.join(d, 'appendonlydir'), path.join(copy, 'appendonlydir'));
    const c = await cinnabar(d, ['--appendonly', 'yes']);
    const k = await c.conn();
    assert.equal(await digest(k), dg);
    assert.equal(fs.statSync(incr).size, good);
    const r = await redis(copy, ['--appendonly', 'yes']);
    assert.equal(await digest(await r.conn()), dg);
    const lines = (log: string) =>
      log
        .split('\n')
        .filter((l) => /short read|Truncating the AOF|loaded anyway|DB loaded from incr/.test(l))
        .map((l) => l.replace(/^\d+:M [^*#]*/, '').replace(/: [\d.]+ seconds/, ''));
    assert.deepEqual(lines(c.log()), lines(r.log()));
    assert.equal(lines(c.log()).length, 4);
  });

  it('refuses bad formats, missing files and broken manifests with Redis log lines', async () => {
    const cases: [string, (d: string) => void, RegExp][] = [
      [
        'garbage in an incr file',
        (d) => fs.appendFileSync(path.join(d, 'appendonlydir', 'appendonly.aof.1.incr.aof'), 'garbage\r\n'),
        /# Bad file format reading the append only file appendonly\.aof\.1\.incr\.aof: make a backup of your AOF file, then use \.\/redis-check-aof --fix <filename\.manifest>/,
      ],
      [
        'an unknown command',
        (d) => fs.appendFileSync(path.join(d, 'appendonlydir', 'appendonly.aof.1.incr.aof'), '*1\r\n$7\r\nNOTACMD\r\n'),
        /# Unknown command 'NOTACMD' reading the append only file appendonly\.aof\.1\.incr\.aof/,
      ],
      [
        'a file the manifest lists but the directory lacks',
        (d) => fs.unlinkSync(path.join(d, 'appendonlydir', 'appendonly.aof.1.incr.aof')),
        /# Unable to obtain the AOF file appendonly\.aof\.1\.incr\.aof length\. stat: No such file or directory/,
      ],
      [
        'two bases in the manifest',
        (d) => fs.appendFileSync(manifestPath(d), 'file x.rdb seq 9 type b\n'),
        /# Found duplicate base file information/,
      ],
      ['an empty manifest', (d) => fs.writeFileSync(manifestPath(d), ''), /# Found an empty AOF manifest/],
      [
        'a truncated RDB base',
        (d) => fs.truncateSync(path.join(d, 'appendonlydir', 'appendonly.aof.1.base.rdb'), 40),
        /# Short read or OOM loading DB\. Unrecoverable error, aborting now\.\n.*# Internal error in RDB reading offset 0, function at rdb\.c:3249 -> Unexpected EOF reading RDB file/,
      ],
      [
        'a truncated file that is not the last',
        (d) => {
          const m = readManifest(d);
          fs.writeFileSync(path.join(d, 'appendonlydir', 'appendonly.aof.2.incr.aof'), '*1\r\n$4\r\nPING\r\n');
          fs.appendFileSync(path.join(d, 'appendonlydir', 'appendonly.aof.1.incr.aof'), '*2\r\n$3\r\nGET');
          fs.writeFileSync(manifestPath(d), m + 'file appendonly.aof.2.incr.aof seq 2 type i\n');
        },
        /# Fatal error: the truncated file is not the last file/,
      ],
    ];
    const base = dir('damaged');
    const c = await cinnabar(base, ['--appendonly', 'yes']);
    const k = await c.conn();
    await q(k, 'SET', 'a', '1');
    await c.stop();
    for (const [name, damage, expect] of cases) {
      for (const which of ['cinnabar', 'redis']) {
        const d = dir('damaged-case');
        copyDir(path.join(base, 'appendonlydir'), path.join(d, 'appendonlydir'));
        damage(d);
        const s = which === 'redis' ? await startRedisChild(d, ['--appendonly', 'yes'], true) : await startCinnabarChild(d, ['--appendonly', 'yes'], true);
        children.push(s);
        assert.equal(await s.exited, 1, `${which}: ${name}`);
        assert.match(s.log(), expect, `${which}: ${name}`);
      }
    }
  });
});

describe('AOF runbook steps', { skip: noTools || !hasRedisCli() ? 'needs redis-server, redis-cli, redis-check-aof' : false }, () => {
  it('CONFIG SET appendonly yes, then redis-check-aof, as runbook-replay.py checks them', async () => {
    const d = dir('runbook');
    const c = await cinnabar(d, ['--appendonly', 'no']);
    const k = await c.conn();
    await populate(k, 1000);
    // runbook-replay.py's appendonly_yes and check_aof steps.
    const tool = fs.readFileSync(path.join(repoRoot, '..', 'shared', 'tools', 'runbook-replay.py'), 'utf8');
    assert.ok(tool.includes('def appendonly_yes') && tool.includes('def check_aof'));
    assert.equal(await q(k, 'CONFIG', 'SET', 'appendonly', 'yes'), 'OK');
    let ok = false;
    for (let i = 0; i < 50 && !ok; i++) {
      const p = (await q(k, 'INFO', 'persistence')) as string;
      ok = p.includes('aof_enabled:1') && p.includes('aof_rewrite_in_progress:0') && p.includes('aof_rewrite_scheduled:0');
      if (!ok) await sleep(200);
    }
    assert.ok(ok, 'aof never enabled');
    await sleep(1200);
    const out = spawnSync('redis-check-aof', [manifestPath(d)], { encoding: 'utf8' });
    assert.match(out.stdout + out.stderr, /is valid/);
  });
});
