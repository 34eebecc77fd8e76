/**
 * dump.rdb end to end: files move between Cinnabar and redis-server 7.0 both
 * ways with the same data (DEBUG DIGEST), redis-check-rdb accepts Cinnabar's
 * files, BGSAVE is a point-in-time snapshot while clients keep writing (huge
 * keys, FLUSHDB, SWAPDB, RENAME, expiry changes included), FLUSHALL ends a
 * running BGSAVE as in Redis, save points, SHUTDOWN saves, kill -9 after SAVE
 * loses nothing, MISCONF after a failed background save, `redis-cli --rdb`
 * in both transfer modes, and the runbook's persistence steps.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RawConnection, decodeReply, type Reply } from '../helpers/resp';
import { freePort, hasRedisCli, redisServerPath, skipWithoutRedis, startCinnabar, startRedis } from '../helpers/servers';
import { repoRoot } from '../helpers/cases';
import type { RunningServer } from '../../src/index';
import { RdbManager } from '../../src/persistence/manager';

const BIN = path.join(repoRoot, 'dist', 'src', 'bin', 'cinnabar-server.js');
const noRedis = skipWithoutRedis();
const hasCheckRdb = spawnSync('sh', ['-c', 'command -v redis-check-rdb'], { encoding: 'utf8' }).status === 0;

function tmpdir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `cinnabar-rdb-${tag}-`));
}

async function connect(port: number): Promise<RawConnection> {
  for (let i = 0; i < 300; i++) {
    try {
      return await RawConnection.connect(port);
    } catch {
      await sleep(50);
    }
  }
  throw new Error(`nothing listens on ${port}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function q(c: RawConnection, ...argv: string[]): Promise<Reply> {
  return decodeReply(await c.call(...argv))[0];
}

function infoField(info: string, name: string): string {
  const m = new RegExp(`^${name}:(.*)$`, 'm').exec(info);
  return m ? m[1].trim() : '';
}

async function waitBgsaveDone(c: RawConnection, timeoutMs = 60000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = (await q(c, 'INFO', 'persistence')) as string;
    if (infoField(info, 'rdb_bgsave_in_progress') === '0') return info;
    if (Date.now() > deadline) throw new Error('BGSAVE did not finish');
    await sleep(20);
  }
}

function run(cmd: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => child.kill('SIGKILL'), 30000);
    child.on('exit', (status) => {
      clearTimeout(t);
      resolve({ status, stdout, stderr });
    });
  });
}

function checkRdb(file: string): string {
  const r = spawnSync('redis-check-rdb', [file], { encoding: 'utf8' });
  return r.stdout + r.stderr;
}

/** The cinnabar-server executable as a child process. */
class Proc {
  private constructor(
    readonly p: ChildProcess,
    readonly port: number,
    readonly dir: string,
  ) {}

  static async start(dir: string, args: string[] = []): Promise<Proc> {
    const port = await freePort();
    const p = spawn(process.execPath, [BIN, '--port', String(port), '--dir', dir, '--logfile', path.join(dir, 'log'), '--enable-debug-command', 'yes', ...args], {
      stdio: 'ignore',
    });
    const proc = new Proc(p, port, dir);
    (await connect(port)).close();
    return proc;
  }

  log(): string {
    try {
      return fs.readFileSync(path.join(this.dir, 'log'), 'utf8');
    } catch {
      return '';
    }
  }

  exited(): Promise<number | null> {
    return new Promise((resolve) => {
      if (this.p.exitCode !== null || this.p.signalCode !== null) resolve(this.p.exitCode);
      else this.p.once('exit', (code) => resolve(code));
    });
  }

  async kill9(): Promise<void> {
    this.p.kill('SIGKILL');
    await this.exited();
  }
}

/** A mixed dataset: every type and encoding, TTLs, several databases. */
async function populate(c: RawConnection, scale = 1): Promise<void> {
  const big = (n: number, p: string) => Array.from({ length: n }, (_, i) => `${p}${i}`);
  const cmds: string[][] = [
    ['SET', 'str', 'hello'],
    ['SET', 'int', '42'],
    ['SET', 'bigint', '12345678901234'],
    ['SET', 'long', 'x'.repeat(5000)],
    ['SET', 'ttl', 'v', 'EX', '3600'],
    ['APPEND', 'appended', 'abc'],
    ['RPUSH', 'list', ...big(50, 'e')],
    ['RPUSH', 'biglist', ...big(5000 * scale, 'element-')],
    ['LPUSH', 'lpushed', ...big(3000, 'l')],
    ['SADD', 'intset', '1', '2', '3', '100000'],
    ['SADD', 'set', ...big(1000, 'm')],
    ['HSET', 'hash', 'a', '1', 'b', '2'],
    ['HSET', 'bighash', ...big(1000, 'f').flatMap((f) => [f, f + 'v'])],
    ['ZADD', 'zset', '1', 'a', '2.5', 'b'],
    ['ZADD', 'bigzset', ...big(1000, 'z').flatMap((m, i) => [String(i / 3), m])],
    ['PEXPIRE', 'bigzset', '7200000'],
    ['XADD', 'stream', '1-1', 'a', '1'],
    ['XADD', 'stream', '2-1', 'a', '2', 'b', '3'],
    ['XGROUP', 'CREATE', 'stream', 'g', '0'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '1', 'STREAMS', 'stream', '>'],
    ['XGROUP', 'CREATECONSUMER', 'stream', 'g', 'bob'],
    ['SELECT', '1'],
    ['SET', 'in-db1', 'yes'],
    ['HSET', 'h1', 'f', 'v'],
    ['SELECT', '5'],
    ['RPUSH', 'in-db5', 'a', 'b'],
    ['SELECT', '0'],
  ];
  for (const argv of cmds) await c.call(...argv);
  for (let i = 0; i < 500 * scale; i++) c.send('SET', `key:${i}`, `value:${i}`);
  for (let i = 0; i < 500 * scale; i++) await c.readReply();
}

describe('RDB files', () => {
  it('Cinnabar writes files redis-check-rdb accepts and redis-server loads with the same data', { skip: noRedis }, async () => {
    const dir = tmpdir('c2r');
    const s = await startCinnabar({ dir });
    const c = await RawConnection.connect(s.port);
    await populate(c);
    const digest = await q(c, 'DEBUG', 'DIGEST');
    assert.equal(await q(c, 'SAVE'), 'OK');
    if (hasCheckRdb) assert.match(checkRdb(path.join(dir, 'dump.rdb')), /RDB looks OK/);
    c.close();
    await s.close();
    const r = await startRedis(['--dir', dir]);
    const rc = await RawConnection.connect(r.port);
    assert.equal(await q(rc, 'DEBUG', 'DIGEST'), digest);
    assert.deepEqual(await q(rc, 'LRANGE', 'lpushed', '0', '2'), ['l2999', 'l2998', 'l2997']);
    assert.equal(await q(rc, 'OBJECT', 'ENCODING', 'set'), 'hashtable');
    const ttl = (await q(rc, 'TTL', 'ttl')) as number;
    assert.ok(ttl > 3500 && ttl <= 3600);
    rc.close();
    await r.close();
  });

  it('Cinnabar loads files redis-server wrote, at startup and with DEBUG RELOAD', { skip: noRedis }, async () => {
    const r = await startRedis();
    const rc = await RawConnection.connect(r.port);
    await populate(rc);
    await rc.call('SET', 'gone', 'x', 'PX', '1');
    await rc.call('CONFIG', 'SET', 'list-compress-depth', '1');
    await rc.call('RPUSH', 'compressed', ...Array.from({ length: 5000 }, (_, i) => `c${i}`));
    await sleep(20);
    await rc.call('EXISTS', 'gone'); // expired: deleted now, so it is in neither dataset
    const digest = await q(rc, 'DEBUG', 'DIGEST');
    assert.equal(await q(rc, 'SAVE'), 'OK');
    const dir = tmpdir('r2c');
    fs.copyFileSync(path.join(r.dir, 'dump.rdb'), path.join(dir, 'dump.rdb'));
    rc.close();
    await r.close();

    const p = await Proc.start(dir, ['--save', '']);
    const c = await connect(p.port);
    assert.equal(await q(c, 'DEBUG', 'DIGEST'), digest);
    assert.equal(await q(c, 'OBJECT', 'ENCODING', 'intset'), 'intset');
    assert.equal(await q(c, 'OBJECT', 'ENCODING', 'hash'), 'listpack');
    assert.deepEqual(await q(c, 'XINFO', 'GROUPS', 'stream').then((g) => (g as Reply[][])[0].slice(0, 8)), [
      'name', 'g', 'consumers', 2, 'pending', 1, 'last-delivered-id', '1-1',
    ]);
    const log = p.log();
    assert.match(log, /Loading RDB produced by version 7\.0\.15/);
    assert.match(log, /Done loading RDB, keys loaded: \d+, keys expired: 0\./);
    assert.match(log, /DB loaded from disk: \d+\.\d{3} seconds/);
    const info = (await q(c, 'INFO', 'persistence')) as string;
    assert.ok(Number(infoField(info, 'rdb_last_load_keys_loaded')) > 500);
    // DEBUG RELOAD: save, flush, load back.
    assert.equal(await q(c, 'DEBUG', 'RELOAD'), 'OK');
    assert.equal(await q(c, 'DEBUG', 'DIGEST'), digest);
    assert.match(String(await q(c, 'DEBUG', 'RELOAD', 'BOGUS')), /only supports the MERGE, NOFLUSH and NOSAVE options/);
    c.close();
    await p.kill9();
  });

  it('writes IDLE and FREQ records and honours rdbchecksum / rdbcompression no', { skip: noRedis || !hasCheckRdb ? 'needs redis-server and redis-check-rdb' : false }, async () => {
    for (const [policy, extra] of [
      ['allkeys-lru', ['rdbchecksum', 'no']],
      ['allkeys-lfu', ['rdbcompression', 'no']],
    ] as const) {
      const dir = tmpdir('meta');
      // rdbchecksum is immutable: set at startup.
      const s = await startCinnabar({ dir, 'maxmemory-policy': policy, [extra[0]]: extra[1] });
      const c = await RawConnection.connect(s.port);
      await populate(c);
      const digest = await q(c, 'DEBUG', 'DIGEST');
      assert.equal(await q(c, 'SAVE'), 'OK');
      const check = checkRdb(path.join(dir, 'dump.rdb'));
      assert.match(check, /RDB looks OK/);
      if (extra[0] === 'rdbchecksum') assert.doesNotMatch(check, /Checksum OK/);
      c.close();
      await s.close();
      const r = await startRedis(['--dir', dir, '--maxmemory-policy', policy]);
      const rc = await RawConnection.connect(r.port);
      assert.equal(await q(rc, 'DEBUG', 'DIGEST'), digest);
      rc.close();
      await r.close();
      const s2 = await startCinnabar({ dir, 'maxmemory-policy': policy });
      await s2.server.startup();
      const c2 = await RawConnection.connect(s2.port);
      assert.equal(await q(c2, 'DEBUG', 'DIGEST'), digest);
      c2.close();
      await s2.close();
    }
  });

  it('skips keys that expired while on disk and counts them', async () => {
    const dir = tmpdir('exp');
    const s = await startCinnabar({ dir });
    const c = await RawConnection.connect(s.port);
    await c.call('SET', 'keep', '1');
    await c.call('SET', 'short', '1', 'PX', '300');
    await c.call('SAVE');
    c.close();
    await s.close();
    await sleep(350);
    const p = await Proc.start(dir, ['--save', '']);
    const c2 = await connect(p.port);
    assert.equal(await q(c2, 'DBSIZE'), 1);
    assert.match(p.log(), /keys loaded: 1, keys expired: 1\./);
    const info = (await q(c2, 'INFO', 'persistence')) as string;
    assert.equal(infoField(info, 'rdb_last_load_keys_expired'), '1');
    c2.close();
    await p.kill9();
  });

  it('kill -9 after a successful SAVE loses nothing', async () => {
    const dir = tmpdir('kill');
    let p = await Proc.start(dir, ['--save', '']);
    let c = await connect(p.port);
    await populate(c);
    const digest = await q(c, 'DEBUG', 'DIGEST');
    assert.equal(await q(c, 'SAVE'), 'OK');
    c.close();
    await p.kill9();
    p = await Proc.start(dir, ['--save', '']);
    c = await connect(p.port);
    assert.equal(await q(c, 'DEBUG', 'DIGEST'), digest);
    // A temp file left by a killed background save does not matter either.
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '100000');
    assert.equal(await q(c, 'BGSAVE'), 'Background saving started');
    await sleep(100);
    c.close();
    await p.kill9();
    p = await Proc.start(dir, ['--save', '']);
    c = await connect(p.port);
    assert.equal(await q(c, 'DEBUG', 'DIGEST'), digest);
    c.close();
    await p.kill9();
  });

  it('refuses to start on a corrupt file', async () => {
    const dir = tmpdir('corrupt');
    fs.writeFileSync(path.join(dir, 'dump.rdb'), Buffer.from('REDIS0010\xfe\x00\x00\x01k\x01v', 'latin1'));
    const port = await freePort();
    const p = spawn(process.execPath, [BIN, '--port', String(port), '--dir', dir, '--logfile', path.join(dir, 'log')], { stdio: 'ignore' });
    const code = await new Promise<number | null>((resolve) => p.once('exit', (c) => resolve(c)));
    assert.equal(code, 1);
    assert.match(fs.readFileSync(path.join(dir, 'log'), 'utf8'), /Short read or OOM loading DB/);
  });
});

describe('BGSAVE', () => {
  let s: RunningServer;
  let dir: string;
  before(async () => {
    dir = tmpdir('bg');
    s = await startCinnabar({ dir });
  });
  after(async () => {
    await s.close();
  });

  it('is a point-in-time snapshot while clients keep writing', async () => {
    const c = await RawConnection.connect(s.port);
    await c.call('FLUSHALL');
    // A huge list first (its encoding is under way when writers hit it), then the rest, then another huge key.
    for (let k = 0; k < 10; k++) await c.call('RPUSH', 'huge-first', ...Array.from({ length: 10000 }, (_, i) => `h${k * 10000 + i}`));
    await populate(c, 2);
    for (let db = 2; db <= 3; db++) {
      await c.call('SELECT', String(db));
      for (let i = 0; i < 200; i++) await c.call('SET', `d${db}:${i}`, String(i));
      await c.call('SELECT', '0');
    }
    await c.call('HSET', 'huge-last', ...Array.from({ length: 20000 }, (_, i) => [`f${i}`, `v${i}`]).flat());
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '100');
    // The digest and BGSAVE in one write: nothing runs between them.
    c.write(Buffer.concat([Buffer.from('*2\r\n$5\r\nDEBUG\r\n$6\r\nDIGEST\r\n'), Buffer.from('*1\r\n$6\r\nBGSAVE\r\n')]));
    const digest = decodeReply(await c.readReply())[0] as string;
    assert.equal(decodeReply(await c.readReply())[0], 'Background saving started');

    const writers = await Promise.all([0, 1, 2].map(() => RawConnection.connect(s.port)));
    let running = true;
    let writes = 0;
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const ops: (() => string[])[] = [
      () => ['SET', `key:${rnd(1200)}`, `changed:${rnd(1000)}`],
      () => ['SET', `new:${rnd(100000)}`, 'n'],
      () => ['DEL', `key:${rnd(1200)}`],
      () => ['APPEND', 'appended', 'zz'],
      () => ['INCR', 'int'],
      () => ['LPUSH', 'huge-first', 'x'],
      () => ['RPOP', 'huge-first'],
      () => ['LSET', 'biglist', String(rnd(5000)), 'changed'],
      () => ['HSET', 'huge-last', `f${rnd(20000)}`, 'changed'],
      () => ['HDEL', 'bighash', `f${rnd(1000)}`],
      () => ['SADD', 'set', `added${rnd(100)}`],
      () => ['SREM', 'set', `m${rnd(1000)}`],
      () => ['ZADD', 'bigzset', String(rnd(100)), `z${rnd(1000)}`],
      () => ['XADD', 'stream', '*', 'f', 'v'],
      () => ['EXPIRE', `key:${rnd(1200)}`, '5000'],
      () => ['PERSIST', 'bigzset'],
      () => ['RENAME', `key:${rnd(1200)}`, `renamed:${rnd(1000)}`],
      () => ['MOVE', `key:${rnd(1200)}`, '4'],
      () => ['COPY', 'hash', `copied:${rnd(1000)}`],
      () => ['SWAPDB', '0', '1'],
      () => ['SWAPDB', '2', '6'],
    ];
    const loops = writers.map(async (w, k) => {
      if (k === 2) {
        // One writer empties database 3 while it is being saved.
        await w.call('SELECT', '3');
        await w.call('FLUSHDB');
        await w.call('SELECT', '0');
      }
      while (running) {
        const argv = ops[rnd(ops.length)]();
        const r = (await w.call(...argv)).toString();
        assert.ok(!r.startsWith('-') || /no such key|ERR index/.test(r), `${argv.join(' ')}: ${r}`);
        writes++;
      }
    });
    const info = await waitBgsaveDone(c);
    running = false;
    await Promise.all(loops);
    assert.equal(infoField(info, 'rdb_last_bgsave_status'), 'ok');
    assert.ok(writes > 200, `only ${writes} writes ran during the save`);
    // Keys were written out of turn before writes, a flushed table was kept, big values went in slices
    // (tests/unit/persistence-snapshot.test.ts drives every hook path deterministically).
    const k = RdbManager.of(s.server).lastCounters!;
    for (const name of ['early', 'detached', 'jobs'] as const) assert.ok(k[name] > 0, `${name}: ${JSON.stringify(k)}`);
    assert.notEqual(await q(c, 'DEBUG', 'DIGEST'), digest);
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');

    // The file holds the dataset as it was when BGSAVE started.
    const file = path.join(dir, 'dump.rdb');
    if (hasCheckRdb) assert.match(checkRdb(file), /RDB looks OK/);
    const copy = tmpdir('pit');
    fs.copyFileSync(file, path.join(copy, 'dump.rdb'));
    const s2 = await startCinnabar({ dir: copy });
    await s2.server.startup();
    const c2 = await RawConnection.connect(s2.port);
    assert.equal(await q(c2, 'DEBUG', 'DIGEST'), digest);
    c2.close();
    await s2.close();
    if (redisServerPath() !== null) {
      const r = await startRedis(['--dir', copy]);
      const rc = await RawConnection.connect(r.port);
      assert.equal(await q(rc, 'DEBUG', 'DIGEST'), digest);
      rc.close();
      await r.close();
    }
    for (const w of writers) w.close();
    c.close();
  });

  it('reports progress and refuses a second save meanwhile', async () => {
    const c = await RawConnection.connect(s.port);
    await c.call('FLUSHALL');
    await c.call('DEBUG', 'POPULATE', '2000');
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '1000');
    const before = await q(c, 'LASTSAVE');
    assert.equal(await q(c, 'BGSAVE'), 'Background saving started');
    await sleep(50);
    const info = (await q(c, 'INFO', 'persistence')) as string;
    assert.equal(infoField(info, 'rdb_bgsave_in_progress'), '1');
    assert.equal(infoField(info, 'current_save_keys_total'), '2000');
    assert.ok(Number(infoField(info, 'current_save_keys_processed')) > 0);
    assert.equal((await c.call('BGSAVE')).toString(), '-ERR Background save already in progress\r\n');
    assert.equal((await c.call('SAVE')).toString(), '-ERR Background save already in progress\r\n');
    assert.equal((await c.call('BGSAVE', 'SCHEDULE')).toString(), '-ERR Background save already in progress\r\n');
    assert.equal((await c.call('BGSAVE', 'x')).toString(), '-ERR syntax error\r\n');
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
    const done = await waitBgsaveDone(c);
    assert.equal(infoField(done, 'rdb_last_bgsave_status'), 'ok');
    assert.equal(infoField(done, 'rdb_changes_since_last_save'), '0');
    assert.ok(Number(await q(c, 'LASTSAVE')) >= Number(before));
    // Inside MULTI it is scheduled and runs from the cron.
    await c.call('MULTI');
    await c.call('BGSAVE');
    const exec = (await q(c, 'EXEC')) as Reply[];
    assert.deepEqual(exec, ['Background saving scheduled']);
    await sleep(300);
    await waitBgsaveDone(c);
    c.close();
  });

  it('ends when FLUSHALL runs, as Redis kills its child', async () => {
    const c = await RawConnection.connect(s.port);
    await c.call('FLUSHALL');
    await c.call('DEBUG', 'POPULATE', '3000');
    await c.call('SAVE');
    const saved = fs.statSync(path.join(dir, 'dump.rdb')).size;
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '1000');
    await c.call('BGSAVE');
    await sleep(30);
    await c.call('FLUSHALL');
    const info = (await q(c, 'INFO', 'persistence')) as string;
    assert.equal(infoField(info, 'rdb_bgsave_in_progress'), '0');
    assert.equal(infoField(info, 'rdb_last_bgsave_status'), 'ok');
    // No save points: the file is the last one saved.
    assert.equal(fs.statSync(path.join(dir, 'dump.rdb')).size, saved);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('temp-')), []);
    // With save points FLUSHALL saves the empty dataset.
    await c.call('CONFIG', 'SET', 'save', '3600 1');
    await c.call('DEBUG', 'POPULATE', '10');
    await c.call('FLUSHALL');
    assert.ok(fs.statSync(path.join(dir, 'dump.rdb')).size < 200);
    await c.call('CONFIG', 'SET', 'save', '');
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
    c.close();
  });
});

describe('save points, SHUTDOWN and MISCONF', () => {
  it('saves from the cron when a save point is reached', async () => {
    const dir = tmpdir('points');
    const p = await Proc.start(dir, ['--save', '1 2', '--hz', '50']);
    const c = await connect(p.port);
    await c.call('SET', 'a', '1');
    await sleep(1500);
    assert.equal(fs.existsSync(path.join(dir, 'dump.rdb')), false);
    await c.call('SET', 'b', '2');
    const deadline = Date.now() + 5000;
    while (!fs.existsSync(path.join(dir, 'dump.rdb')) && Date.now() < deadline) await sleep(50);
    await waitBgsaveDone(c);
    assert.match(p.log(), /2 changes in 1 seconds\. Saving\.\.\./);
    assert.match(p.log(), /Background saving terminated with success/);
    c.close();
    await p.kill9();
  });

  it('SHUTDOWN saves with save points, SAVE forces it, NOSAVE skips it', async () => {
    const dir = tmpdir('shutdown');
    let p = await Proc.start(dir, ['--save', '3600 1']);
    let c = await connect(p.port);
    await c.call('SET', 'k', 'v1');
    c.send('SHUTDOWN');
    assert.equal(await c.waitClosed(5000), true);
    assert.equal(await p.exited(), 0);
    assert.match(p.log(), /Saving the final RDB snapshot before exiting\.[\s\S]*DB saved on disk/);

    p = await Proc.start(dir, ['--save', '']);
    c = await connect(p.port);
    assert.equal(await q(c, 'GET', 'k'), 'v1');
    await c.call('SET', 'k', 'v2');
    c.send('SHUTDOWN');
    await p.exited();
    p = await Proc.start(dir, ['--save', '']);
    c = await connect(p.port);
    assert.equal(await q(c, 'GET', 'k'), 'v1');
    await c.call('SET', 'k', 'v3');
    c.send('SHUTDOWN', 'SAVE');
    await p.exited();
    p = await Proc.start(dir, ['--save', '3600 1']);
    c = await connect(p.port);
    assert.equal(await q(c, 'GET', 'k'), 'v3');
    await c.call('SET', 'k', 'v4');
    c.send('SHUTDOWN', 'NOSAVE');
    await p.exited();
    p = await Proc.start(dir, ['--save', '']);
    c = await connect(p.port);
    assert.equal(await q(c, 'GET', 'k'), 'v3');
    // SIGTERM saves too when there are save points.
    await c.call('CONFIG', 'SET', 'save', '3600 1');
    await c.call('SET', 'k', 'v5');
    p.p.kill('SIGTERM');
    assert.equal(await p.exited(), 0);
    p = await Proc.start(dir, ['--save', '']);
    c = await connect(p.port);
    assert.equal(await q(c, 'GET', 'k'), 'v5');
    c.close();
    await p.kill9();
  });

  it('refuses writes after a failed background save (MISCONF) until a save succeeds', async () => {
    const base = tmpdir('misconf');
    const dir = path.join(base, 'data');
    fs.mkdirSync(dir);
    const s = await startCinnabar({ dir, save: '3600 1', 'enable-protected-configs': 'yes' });
    const c = await RawConnection.connect(s.port);
    await c.call('SET', 'a', '1');
    fs.rmSync(dir, { recursive: true });
    assert.equal(await q(c, 'BGSAVE'), 'Background saving started');
    await waitBgsaveDone(c);
    const info = (await q(c, 'INFO', 'persistence')) as string;
    assert.equal(infoField(info, 'rdb_last_bgsave_status'), 'err');
    const misconf = (await c.call('SET', 'b', '2')).toString();
    assert.match(misconf, /^-MISCONF Redis is configured to save RDB snapshots/);
    assert.match((await c.call('PING')).toString(), /^-MISCONF/);
    assert.equal(await q(c, 'GET', 'a'), '1');
    await c.call('MULTI');
    assert.match((await c.call('SET', 'b', '2')).toString(), /^-MISCONF/);
    assert.match((await c.call('EXEC')).toString(), /^-EXECABORT/);
    assert.equal((await c.call('SAVE')).toString(), '-ERR\r\n');
    // SHUTDOWN cannot save either: it fails and the server keeps running.
    assert.equal((await c.call('SHUTDOWN')).toString(), '-ERR Errors trying to SHUTDOWN. Check logs.\r\n');
    assert.equal(await q(c, 'GET', 'a'), '1');
    // With stop-writes-on-bgsave-error no, or once a save succeeds, writes work again.
    await c.call('CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'no');
    assert.equal(await q(c, 'SET', 'b', '2'), 'OK');
    await c.call('CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'yes');
    fs.mkdirSync(dir);
    assert.equal(await q(c, 'SAVE'), 'OK');
    assert.equal(await q(c, 'SET', 'c', '3'), 'OK');
    c.close();
    await s.close();
  });

  it('has the INFO persistence fields of Redis', { skip: noRedis }, async () => {
    const r = await startRedis();
    const s = await startCinnabar();
    const names = async (port: number) => {
      const c = await RawConnection.connect(port);
      const info = (await q(c, 'INFO', 'persistence')) as string;
      c.close();
      return info.split('\r\n').filter((l) => l.includes(':')).map((l) => l.split(':')[0]);
    };
    assert.deepEqual(await names(s.port), await names(r.port));
    await s.close();
    await r.close();
  });
});

describe('redis-cli --rdb', { skip: !hasRedisCli() || !hasCheckRdb ? 'redis-cli or redis-check-rdb missing' : false }, () => {
  it('exports the dataset diskless (EOF marker) and from disk', async () => {
    const dir = tmpdir('cli');
    const s = await startCinnabar({ dir, 'repl-diskless-sync-delay': 0 });
    const c = await RawConnection.connect(s.port);
    await populate(c);
    const digest = await q(c, 'DEBUG', 'DIGEST');
    for (const diskless of ['yes', 'no']) {
      await c.call('CONFIG', 'SET', 'repl-diskless-sync', diskless);
      const out = path.join(dir, `export-${diskless}.rdb`);
      // Not spawnSync: the server runs in this process.
      const r = await run('redis-cli', ['-p', String(s.port), '--rdb', out]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr + r.stdout, /Transfer finished with success/);
      assert.match(checkRdb(out), /RDB looks OK/);
      if (redisServerPath() !== null) {
        const d2 = tmpdir('cli-load');
        fs.copyFileSync(out, path.join(d2, 'dump.rdb'));
        const rs = await startRedis(['--dir', d2]);
        const rc = await RawConnection.connect(rs.port);
        assert.equal(await q(rc, 'DEBUG', 'DIGEST'), digest);
        rc.close();
        await rs.close();
      }
    }
    // The connection keeps working for everyone else.
    assert.equal(await q(c, 'PING'), 'PONG');
    const info = (await q(c, 'INFO', 'persistence')) as string;
    assert.equal(infoField(info, 'rdb_bgsave_in_progress'), '0');
    c.close();
    await s.close();
  });

  it('REPLCONF answers as Redis does', { skip: noRedis }, async () => {
    const r = await startRedis();
    const s = await startCinnabar();
    for (const port of [r.port, s.port]) void port;
    const run = async (port: number) => {
      const c = await RawConnection.connect(port);
      const out: string[] = [];
      for (const argv of [
        ['REPLCONF', 'capa', 'eof', 'capa', 'psync2'],
        ['REPLCONF', 'rdb-only', '1'],
        ['REPLCONF', 'rdb-only', '2'],
        ['REPLCONF', 'listening-port', 'x'],
        ['REPLCONF', 'bogus', '1'],
        ['REPLCONF', 'capa'],
        ['REPLCONF'],
        ['REPLCONF', 'rdb-filter-only', 'bogus'],
        ['REPLCONF', 'ip-address', '10.0.0.1', 'listening-port', '6380'],
      ]) {
        out.push((await c.call(...argv)).toString());
      }
      c.close();
      return out;
    };
    assert.deepEqual(await run(s.port), await run(r.port));
    await s.close();
    await r.close();
  });
});

describe('runbook', { skip: noRedis || !hasCheckRdb || !hasRedisCli() ? 'needs redis-server, redis-cli and redis-check-rdb' : false }, () => {
  it('passes the persistence steps of runbook-replay.py', { timeout: 300000 }, async () => {
    const tool = path.join(repoRoot, '..', 'shared', 'tools', 'runbook-replay.py');
    if (!fs.existsSync(tool)) return;
    const dir = tmpdir('runbook');
    const p = await Proc.start(dir, ['--save', '', '--appendonly', 'no']);
    const r = await new Promise<string>((resolve) => {
      const child = spawn('python3', [tool, '127.0.0.1', String(p.port), '--data-dir', dir, '--verbose'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      child.on('exit', () => resolve(out));
    });
    for (const step of ['BGSAVE + LASTSAVE advances', 'redis-check-rdb on dump.rdb', '--rdb export', 'INFO persistence', 'CONFIG SET save']) {
      assert.match(r, new RegExp(`PASS ${step.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`), r);
    }
    await p.kill9();
  });
});
