/**
 * The cinnabar-server executable: config file (include, units, quoting,
 * rename-command), --directive overrides, bad config errors, startup and
 * shutdown log lines, SIGTERM/SIGINT, and `npm start -- --port N` passing
 * directives through.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RawConnection } from '../helpers/resp';
import { freePort } from '../helpers/servers';
import { repoRoot } from '../helpers/cases';

const BIN = path.join(repoRoot, 'dist', 'src', 'bin', 'cinnabar-server.js');

async function waitFor(port: number): Promise<RawConnection> {
  for (let i = 0; i < 200; i++) {
    try {
      return await RawConnection.connect(port);
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error('server did not start');
}

function exited(p: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (p.exitCode !== null) resolve(p.exitCode);
    else p.once('exit', (code) => resolve(code));
  });
}

describe('cinnabar-server executable', () => {
  it('reads a config file with include, units, quotes and overrides', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cinnabar-cli-'));
    const port = await freePort();
    fs.writeFileSync(path.join(dir, 'extra.conf'), 'maxmemory-policy allkeys-lru\n');
    fs.writeFileSync(
      path.join(dir, 'cinnabar.conf'),
      [
        '# a comment',
        `port ${port + 1}`,
        'maxmemory 2gb',
        'hz 20',
        'save 900 1',
        'save 300 10',
        'requirepass "se cret"',
        `include ${path.join(dir, 'extra.conf')}`,
        'rename-command FLUSHALL ""',
        'rename-command KEYS LISTKEYS',
        `logfile "${path.join(dir, 'log.txt')}"`,
      ].join('\n'),
    );
    const p = spawn(process.execPath, [BIN, path.join(dir, 'cinnabar.conf'), '--port', String(port), '--maxmemory', '256mb', '--dir', dir], { stdio: 'ignore' });
    try {
      const c = await waitFor(port);
      assert.equal((await c.call('AUTH', 'se cret')).toString(), '+OK\r\n');
      const get = async (name: string) => (await c.cmd('CONFIG', 'GET', name)) as string[];
      assert.deepEqual(await get('maxmemory'), ['maxmemory', String(256 * 1024 * 1024)]);
      assert.deepEqual(await get('hz'), ['hz', '20']);
      assert.deepEqual(await get('save'), ['save', '900 1 300 10']);
      assert.deepEqual(await get('maxmemory-policy'), ['maxmemory-policy', 'allkeys-lru']);
      assert.deepEqual(await get('port'), ['port', String(port)]);
      assert.match((await c.call('FLUSHALL')).toString(), /^-ERR unknown command 'FLUSHALL'/);
      assert.equal((await c.call('LISTKEYS', '*')).toString(), '*0\r\n');
      c.send('SHUTDOWN', 'NOSAVE');
      assert.equal(await exited(p), 0);
      const log = fs.readFileSync(path.join(dir, 'log.txt'), 'latin1');
      assert.match(log, /^\d+:C \d\d \w{3} \d{4} [\d:.]+ # oO0OoO0OoO0Oo Cinnabar is starting oO0OoO0OoO0Oo$/m);
      assert.match(log, /Cinnabar version=[\d.]+, redis_api=7\.0\.15, bits=64, node=v[\d.]+, pid=\d+, just started/);
      assert.match(log, new RegExp(`Running mode=standalone, port=${port}\\.`));
      assert.match(log, /\* Ready to accept connections/);
      assert.match(log, /# User requested shutdown\.\.\./);
    } finally {
      p.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a bad config file like redis-server', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cinnabar-cli-'));
    fs.writeFileSync(path.join(dir, 'bad.conf'), 'port 6390\nnosuchdirective 1\n');
    const r = spawnSync(process.execPath, [BIN, path.join(dir, 'bad.conf')], { encoding: 'latin1' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /\*\*\* FATAL CONFIG FILE ERROR \(Redis 7\.0\.15\) \*\*\*/);
    assert.match(r.stderr, /at line 2\n>>> 'nosuchdirective 1'\nBad directive or wrong number of arguments/);
    const r2 = spawnSync(process.execPath, [BIN, '--maxmemory', 'lots'], { encoding: 'latin1' });
    assert.equal(r2.status, 1);
    assert.match(r2.stderr, /argument must be a memory value/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    it(`shuts down cleanly on ${sig}`, async () => {
      const port = await freePort();
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cinnabar-cli-'));
      const p = spawn(process.execPath, [BIN, '--port', String(port), '--dir', dir, '--save', ''], { stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      p.stdout!.on('data', (d) => (out += d));
      const c = await waitFor(port);
      assert.equal((await c.call('PING')).toString(), '+PONG\r\n');
      p.kill(sig);
      assert.equal(await exited(p), 0);
      assert.match(out, new RegExp(`Received ${sig} scheduling shutdown`));
      assert.match(out, /ready to exit, bye bye/);
      fs.rmSync(dir, { recursive: true, force: true });
    });
  }

  it('npm start passes directives through', async () => {
    const port = await freePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cinnabar-cli-'));
    // Run the start script's command line directly (npm itself is slow to spawn under test).
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
    assert.match(pkg.scripts.start, /cinnabar-server\.js$/);
    const p = spawn(process.execPath, [BIN, '--port', String(port), '--dir', dir, '--databases', '4', '--save', ''], { stdio: 'ignore' });
    try {
      const c = await waitFor(port);
      assert.deepEqual(await c.cmd('CONFIG', 'GET', 'databases'), ['databases', '4']);
      assert.deepEqual(await c.cmd('CONFIG', 'GET', 'dir'), ['dir', fs.realpathSync(dir)]);
      assert.match((await c.call('SELECT', '4')).toString(), /DB index is out of range/);
      c.close();
    } finally {
      p.kill('SIGTERM');
      await exited(p);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
