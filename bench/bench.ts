/**
 * npm run bench: redis-benchmark against Cinnabar and a real redis-server side
 * by side in one run, alternating them, reporting for each test both servers'
 * throughput and their own CPU time per request (from /proc/<pid>/stat), with
 * the ratios. On a 2-core machine the load generator saturates before either
 * server, so CPU per request is the figure that tells.
 *
 *   npm run bench -- [--tests ping,set] [--pipelines 1,16] [--rounds 3]
 *                    [--requests 200000] [--clients 50] [--memory] [--no-throughput]
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

const FOUNDATION_TESTS = ['ping', 'set', 'get', 'incr', 'mset'];
const TYPE_TESTS = ['lpush', 'lpop', 'rpush', 'rpop', 'sadd', 'hset', 'spop', 'zadd', 'zpopmin', 'lrange_100', 'lrange_600', 'xadd'];

interface Options {
  tests: string[];
  pipelines: number[];
  rounds: number;
  requests: number;
  clients: number;
  memory: boolean;
  throughput: boolean;
}

function parseArgs(): Options {
  const a = process.argv.slice(2);
  const get = (name: string): string | undefined => {
    const i = a.indexOf('--' + name);
    return i >= 0 ? a[i + 1] : undefined;
  };
  return {
    tests: (get('tests') ?? [...FOUNDATION_TESTS, ...TYPE_TESTS].join(',')).split(','),
    pipelines: (get('pipelines') ?? '1,16').split(',').map(Number),
    rounds: Number(get('rounds') ?? 3),
    requests: Number(get('requests') ?? 200000),
    clients: Number(get('clients') ?? 50),
    memory: a.includes('--memory'),
    throughput: !a.includes('--no-throughput'),
  };
}

const root = path.resolve(__dirname, '..', '..');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

function waitPort(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 20000;
    const tryOnce = () => {
      const s = net.createConnection({ port, host: '127.0.0.1' }, () => {
        s.destroy();
        resolve();
      });
      s.on('error', () => {
        if (Date.now() > deadline) reject(new Error(`port ${port} never opened`));
        else setTimeout(tryOnce, 50);
      });
    };
    tryOnce();
  });
}

interface Target {
  name: string;
  port: number;
  proc: ChildProcess;
}

async function startTargets(dir: string): Promise<[Target, Target]> {
  const rp = await freePort();
  const cp = await freePort();
  const common = ['--save', '', '--appendonly', 'no', '--enable-debug-command', 'yes', '--bind', '127.0.0.1'];
  const redis = spawn('redis-server', ['--port', String(rp), '--dir', dir, ...common], { stdio: 'ignore' });
  const cinnabar = spawn(process.execPath, [path.join(root, 'dist', 'src', 'bin', 'cinnabar-server.js'), '--port', String(cp), '--dir', dir, ...common], {
    stdio: 'ignore',
  });
  await Promise.all([waitPort(rp), waitPort(cp)]);
  return [
    { name: 'redis', port: rp, proc: redis },
    { name: 'cinnabar', port: cp, proc: cinnabar },
  ];
}

/** utime + stime of a process in seconds. */
function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / CLK_TCK;
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

function rssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

function cli(port: number, ...args: string[]): string {
  return spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'latin1' }).stdout.trim();
}

interface Sample {
  rps: number;
  cpuUsPerReq: number;
}

/** Tests redis-benchmark 7.0 has no -t name for, run as explicit commands. */
const EXPLICIT: Record<string, string[]> = {
  xadd: ['XADD', 'mystream', '*', 'myfield', 'myvalue'],
};

function runBenchmark(t: Target, test: string, pipeline: number, requests: number, clients: number): Sample {
  cli(t.port, 'FLUSHALL');
  const before = cpuSeconds(t.proc.pid!);
  const what = EXPLICIT[test] ?? ['-t', test];
  const r = spawnSync(
    'redis-benchmark',
    ['-p', String(t.port), '-P', String(pipeline), '-c', String(clients), '-n', String(requests), '-r', '100000', '--csv', '-q', ...what],
    { encoding: 'utf8', timeout: 600000 },
  );
  const after = cpuSeconds(t.proc.pid!);
  const want = EXPLICIT[test] ? EXPLICIT[test].join(' ').toUpperCase() : test.toUpperCase();
  let rps = 0;
  for (const line of r.stdout.split('\n')) {
    const m = /^"([^"]+)","([\d.]+)"/.exec(line);
    if (!m) continue;
    const name = m[1];
    if (name.toUpperCase().startsWith(want) || (want === 'PING' && name.startsWith('PING_MBULK')) || (want === 'MSET' && name.startsWith('MSET'))) {
      if (want === 'PING' && !name.startsWith('PING_MBULK')) continue;
      rps = Number(m[2]);
    }
  }
  // Requests the server handled: the test's own plus prefill (LRANGE prefills with LPUSH).
  const handled = requests * (test.startsWith('lrange') ? 2 : test === 'ping' ? 2 : 1);
  return { rps, cpuUsPerReq: ((after - before) * 1e6) / handled };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

async function throughput(opts: Options, redis: Target, cinnabar: Target): Promise<void> {
  console.log(`\nredis-benchmark -c ${opts.clients} -n ${opts.requests} -r 100000, ${opts.rounds} rounds alternating, medians`);
  console.log(pad('test', 14) + pad('P', 4) + pad('redis rps', 12) + pad('cinnabar rps', 14) + pad('rps ratio', 11) + pad('redis us/req', 14) + pad('cinn us/req', 13) + 'cpu ratio');
  const summary: number[] = [];
  for (const test of opts.tests) {
    for (const p of opts.pipelines) {
      const n = p > 1 ? opts.requests * 4 : opts.requests;
      const rs: Sample[] = [];
      const cs: Sample[] = [];
      for (let i = 0; i < opts.rounds; i++) {
        rs.push(runBenchmark(redis, test, p, n, opts.clients));
        cs.push(runBenchmark(cinnabar, test, p, n, opts.clients));
      }
      const rr = median(rs.map((s) => s.rps)), cr = median(cs.map((s) => s.rps));
      const ru = median(rs.map((s) => s.cpuUsPerReq)), cu = median(cs.map((s) => s.cpuUsPerReq));
      summary.push(cu / ru);
      console.log(
        pad(test, 14) + pad(String(p), 4) + pad(rr.toFixed(0), 12) + pad(cr.toFixed(0), 14) + pad((cr / rr).toFixed(2), 11) + pad(ru.toFixed(2), 14) + pad(cu.toFixed(2), 13) + (cu / ru).toFixed(2),
      );
    }
  }
  console.log(`geometric mean of cpu ratios: ${Math.exp(summary.reduce((a, b) => a + Math.log(b), 0) / summary.length).toFixed(2)}`);
}

async function memory(redis: Target, cinnabar: Target): Promise<void> {
  console.log('\nmemory: DEBUG POPULATE 1000000 key 10');
  for (const t of [redis, cinnabar]) {
    cli(t.port, 'FLUSHALL');
    await new Promise((r) => setTimeout(r, 500));
    const used0 = Number(/used_memory:(\d+)/.exec(cli(t.port, 'INFO', 'memory'))?.[1] ?? 0);
    const rss0 = rssBytes(t.proc.pid!);
    cli(t.port, 'DEBUG', 'POPULATE', '1000000', 'key', '10');
    await new Promise((r) => setTimeout(r, 1500));
    const used1 = Number(/used_memory:(\d+)/.exec(cli(t.port, 'INFO', 'memory'))?.[1] ?? 0);
    const rss1 = rssBytes(t.proc.pid!);
    console.log(
      `${pad(t.name, 10)} used_memory/key ${((used1 - used0) / 1e6).toFixed(1)}  rss/key ${((rss1 - rss0) / 1e6).toFixed(1)}  (total rss ${(rss1 / 1048576).toFixed(0)} MiB)`,
    );
  }
}

async function main(): Promise<void> {
  const opts = parseArgs();
  if (spawnSync('sh', ['-c', 'command -v redis-server && command -v redis-benchmark'], { encoding: 'utf8' }).status !== 0) {
    console.log('bench skipped: redis-server and redis-benchmark are needed (apt-get install redis-server redis-tools)');
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cinnabar-bench-'));
  const [redis, cinnabar] = await startTargets(dir);
  try {
    console.log(`machine: ${os.cpus().length} cpus, node ${process.version}, ${cli(redis.port, 'INFO', 'server').match(/redis_version:(\S+)/)?.[1]} vs cinnabar`);
    if (opts.throughput) await throughput(opts, redis, cinnabar);
    if (opts.memory) await memory(redis, cinnabar);
  } finally {
    redis.proc.kill('SIGKILL');
    cinnabar.proc.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
