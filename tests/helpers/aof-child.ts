/**
 * Servers as child processes for the AOF tests: Cinnabar's own binary (so a
 * test can SIGKILL it and start it again on the same directory) and the real
 * redis-server on a directory of the test's choosing.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RawConnection, decodeReply, type Reply } from './resp';
import { freePort, redisServerPath } from './servers';
import { repoRoot } from './cases';

export const BIN = path.join(repoRoot, 'dist', 'src', 'bin', 'cinnabar-server.js');

export function tmpdir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `cinnabar-aof-${tag}-`));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function q(c: RawConnection, ...argv: string[]): Promise<Reply> {
  return decodeReply(await c.call(...argv))[0];
}

export function infoField(info: string, name: string): string {
  const m = new RegExp(`^${name}:(.*)$`, 'm').exec(info);
  return m ? m[1].trim() : '';
}

export interface Child {
  proc: ChildProcess;
  port: number;
  dir: string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
  conn(): Promise<RawConnection>;
  log(): string;
  kill(): Promise<void>;
  /** SHUTDOWN (NOSAVE) and wait for the exit. */
  stop(): Promise<void>;
}

function child(proc: ChildProcess, port: number, dir: string, logfile: string): Child {
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 20000) stderr += d.toString('utf8');
  });
  const exited = new Promise<number | string>((resolve) => {
    proc.once('exit', (code, sig) => resolve(code ?? sig ?? -1));
  });
  const c: Child = {
    proc,
    port,
    dir,
    exited,
    conn: () => connectTo(port, proc),
    log: () => {
      let text = '';
      try {
        text = fs.readFileSync(logfile, 'utf8');
      } catch {
        // not created yet
      }
      return stderr === '' ? text : `${text}\n[stderr]\n${stderr}`;
    },
    kill: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        try {
          const k = await RawConnection.connect(port);
          k.send('SHUTDOWN', 'NOSAVE');
          await k.waitClosed(10000);
        } catch {
          proc.kill('SIGKILL');
        }
      }
      await exited;
    },
  };
  return c;
}

async function connectTo(port: number, proc: ChildProcess): Promise<RawConnection> {
  for (let i = 0; i < 400; i++) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`server exited (${proc.exitCode ?? proc.signalCode})`);
    try {
      return await RawConnection.connect(port);
    } catch {
      await sleep(25);
    }
  }
  throw new Error(`nothing listens on ${port}`);
}

/** Wait until the server answers PING (data files are loaded by then). */
async function ready(c: Child): Promise<void> {
  let k: RawConnection;
  try {
    k = await c.conn();
  } catch (e) {
    throw new Error(`${(e as Error).message}; log:\n${c.log().split('\n').slice(-15).join('\n')}`);
  }
  try {
    for (let i = 0; i < 400; i++) {
      if ((await q(k, 'PING')) === 'PONG') return;
      await sleep(25);
    }
    throw new Error('the server never became ready');
  } finally {
    k.sock.destroy();
  }
}

/** cinnabar-server on dir with --save "" and the given directives; waits until it answers (unless noWait). */
export async function startCinnabarChild(dir: string, args: string[] = [], noWait = false): Promise<Child> {
  const port = await freePort();
  const logfile = path.join(dir, 'cinnabar.log');
  const proc = spawn(
    process.execPath,
    [BIN, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--logfile', logfile, '--enable-debug-command', 'yes', ...args],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const c = child(proc, port, dir, logfile);
  if (!noWait) await ready(c);
  return c;
}

/** redis-server 7.0 on dir (the oracle); waits until it answers. */
export async function startRedisChild(dir: string, args: string[] = [], noWait = false): Promise<Child> {
  const bin = redisServerPath();
  if (bin === null) throw new Error('redis-server not installed');
  const port = await freePort();
  const logfile = path.join(dir, 'redis.log');
  const proc = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--logfile', logfile, '--enable-debug-command', 'yes', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const c = child(proc, port, dir, logfile);
  if (!noWait) await ready(c);
  return c;
}

/** A copy of a directory tree (an AOF directory moved to another server). */
export function copyDir(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    const a = path.join(from, e.name);
    const b = path.join(to, e.name);
    if (e.isDirectory()) copyDir(a, b);
    else fs.copyFileSync(a, b);
  }
}

/** Wait until INFO persistence shows no rewrite running or scheduled. */
export async function waitRewriteDone(c: RawConnection, timeoutMs = 20000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = (await q(c, 'INFO', 'persistence')) as string;
    if (infoField(info, 'aof_rewrite_in_progress') === '0' && infoField(info, 'aof_rewrite_scheduled') === '0') return info;
    if (Date.now() > deadline) throw new Error('AOF rewrite did not finish: ' + info);
    await sleep(20);
  }
}
