/**
 * Servers for tests: Cinnabar in-process on a random port, and the real
 * redis-server (the oracle) as a child process when it is installed.
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { startServer, type RunningServer } from '../../src/index';
import type { ServerOptions } from '../../src/server/server';

export interface TestServer {
  port: number;
  close(): Promise<void>;
}

/** Cinnabar with test-friendly defaults (debug command on, no persistence). */
export async function startCinnabar(options: ServerOptions = {}): Promise<RunningServer> {
  return startServer({ 'enable-debug-command': 'yes', ...options });
}

let redisPath: string | null | undefined;

/** Path of redis-server, or null when it is not installed. */
export function redisServerPath(): string | null {
  if (redisPath !== undefined) return redisPath;
  const r = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  redisPath = r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
  return redisPath;
}

export function hasRedisCli(): boolean {
  return spawnSync('sh', ['-c', 'command -v redis-cli'], { encoding: 'utf8' }).status === 0;
}

/** Why a test that needs the oracle is skipped, or false when it can run. */
export function skipWithoutRedis(): string | false {
  return redisServerPath() === null ? 'redis-server is not installed (apt-get install redis-server)' : false;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** A real redis-server with the same test defaults as startCinnabar. */
export async function startRedis(args: string[] = []): Promise<TestServer & { proc: ChildProcess; dir: string }> {
  const bin = redisServerPath();
  if (!bin) throw new Error('redis-server not installed');
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cinnabar-oracle-'));
  const proc = spawn(
    bin,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--enable-debug-command', 'yes', '--logfile', path.join(dir, 'log'), ...args],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100; i++) {
    if (await canConnect(port)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    proc,
    dir,
    close: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => {
          fs.rmSync(dir, { recursive: true, force: true });
          resolve();
        });
        proc.kill('SIGKILL');
      }),
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createConnection({ port, host: '127.0.0.1' }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}
