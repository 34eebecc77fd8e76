/**
 * The real redis-cli binary against Cinnabar, the way operators use it
 * (../shared/runbooks): output formats (raw when piped, --no-raw, --csv, -3,
 * --json), -n / -r / -x / -e, commands piped on stdin, --pipe mass insertion,
 * --bigkeys, --memkeys, --scan --pattern, -a / -u / --no-auth-warning,
 * --latency (--raw), --latency-history, --stat, MONITOR, INFO one-liners,
 * --rdb. Wherever the output is deterministic it is compared with what the
 * same redis-cli prints against a real Redis 7.0.15.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { hasRedisCli, skipWithoutRedis } from '../helpers/servers';
import { sleep, usePair, type Pair, type Which } from '../helpers/dual';
import { encodeCommand } from '../helpers/resp';

interface CliResult {
  out: string;
  err: string;
  code: number | null;
}

/**
 * Run redis-cli (never spawnSync: Cinnabar runs in this process). With
 * killAfterMs the process is stopped after that long (for modes that run
 * until interrupted); stdout is then line buffered through stdbuf so what it
 * printed is not lost.
 */
function cli(port: number, args: string[], opts: { input?: string | Buffer; killAfterMs?: number } = {}): Promise<CliResult> {
  const argv = ['-h', '127.0.0.1', '-p', String(port), ...args];
  const p = opts.killAfterMs ? spawn('stdbuf', ['-oL', 'redis-cli', ...argv]) : spawn('redis-cli', argv);
  return collect(p, opts);
}

/** Run a shell pipeline (the runbooks' `... | xargs redis-cli DEL`); PORT is set in its environment. */
function sh(port: number, script: string): Promise<CliResult> {
  return collect(spawn('sh', ['-c', script], { env: { ...process.env, PORT: String(port) } }), {});
}

function collect(p: ReturnType<typeof spawn>, opts: { input?: string | Buffer; killAfterMs?: number }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout!.on('data', (d) => out.push(d));
    p.stderr!.on('data', (d) => err.push(d));
    p.on('error', reject);
    let timer: NodeJS.Timeout | undefined;
    if (opts.killAfterMs) timer = setTimeout(() => p.kill('SIGTERM'), opts.killAfterMs);
    const hard = setTimeout(() => p.kill('SIGKILL'), 60_000);
    p.on('close', (code) => {
      if (timer) clearTimeout(timer);
      clearTimeout(hard);
      resolve({ out: Buffer.concat(out).toString('latin1'), err: Buffer.concat(err).toString('latin1'), code });
    });
    if (opts.input !== undefined) p.stdin!.end(opts.input);
    else p.stdin!.end();
  });
}

/** Redis protocol for a list of commands (the --pipe input format). */
function protocol(cmds: (string | Buffer)[][]): Buffer {
  return Buffer.concat(cmds.map((c) => encodeCommand(c)));
}

/**
 * The same deterministic dataset for --bigkeys / --memkeys: several sizes and
 * encodings per type. Set sizes avoid the window right after a hash table
 * grows, where Redis's MEMORY USAGE counts both tables until its incremental
 * rehash (driven by later operations and the random hash seed) completes.
 */
function dataset(): string[][] {
  const cmds: string[][] = [];
  const pad = (i: number, n = 4) => String(i).padStart(n, '0');
  for (let i = 0; i < 300; i++) cmds.push(['SET', `str:${pad(i)}`, 'v'.repeat(i % 50)]);
  cmds.push(['SET', 'str:big', 'x'.repeat(20000)]);
  cmds.push(['SET', 'str:int', '123456']);
  for (let k = 0; k < 5; k++) {
    const n = [3, 10, 200, 900, 50][k];
    const setSize = [3, 4, 128, 900, 500][k];
    cmds.push(['RPUSH', `list:${k}`, ...Array.from({ length: n }, (_, i) => `item-${pad(i)}`)]);
    cmds.push(['HSET', `hash:${k}`, ...Array.from({ length: n }, (_, i) => [`field-${pad(i)}`, `value-${pad(i)}`]).flat()]);
    cmds.push(['SADD', `set:${k}`, ...Array.from({ length: setSize }, (_, i) => `member-${pad(i)}`)]);
    // n - 1 members: no two sets tie for biggest (redis-cli keeps the first one its scan meets).
    cmds.push(['SADD', `intset:${k}`, ...Array.from({ length: setSize - 1 }, (_, i) => String(i * 7))]);
    cmds.push(['ZADD', `zset:${k}`, ...Array.from({ length: n }, (_, i) => [String(i * 1.5), `member-${pad(i)}`]).flat()]);
    for (let i = 0; i < n; i += k === 3 ? 1 : 10) cmds.push(['XADD', `stream:${k}`, `${i + 1}-0`, 'field', `value-${pad(i)}`, 'n', String(i)]);
  }
  return cmds;
}

function summary(out: string): string {
  const i = out.indexOf('-------- summary -------');
  return i < 0 ? `<no summary in ${JSON.stringify(out.slice(0, 300))}>` : out.slice(i);
}

/**
 * A --memkeys summary without the byte counts of skiplist sorted sets: Redis
 * sizes each skiplist node by its random level, so its own MEMORY USAGE of a
 * big sorted set changes from one run to the next.
 */
function memSummary(out: string): string {
  return summary(out)
    .replace(/(Biggest +zset found '"[^"]*"' has )\d+ bytes/, '$1N bytes')
    .replace(/^(\d+ zsets with )\d+ bytes \((.*) avg size [\d.]+\)$/m, '$1N bytes ($2 avg size N)');
}

const normMonitor = (s: string) =>
  s
    .split('\n')
    .filter(Boolean)
    .map((l) => l.replace(/^\d+\.\d{6} \[(\d+) [^\]]+\]/, 'T [$1 ADDR]'));

const skip = skipWithoutRedis() || (hasRedisCli() ? false : 'redis-cli is not installed');

describe('redis-cli against Cinnabar and Redis', { skip }, () => {
  const pair = usePair();
  const both = async (f: (port: number, w: Which) => Promise<unknown>): Promise<[unknown, unknown]> => {
    const p: Pair = pair();
    return [await f(p.port('redis'), 'redis'), await f(p.port('cinnabar'), 'cinnabar')];
  };
  const same = async (f: (port: number, w: Which) => Promise<unknown>, what: string) => {
    const [r, c] = await both(f);
    if (process.env.DUAL_DUMP) console.error(`[${what}]`, JSON.stringify(c).slice(0, 1500));
    assert.deepEqual(c, r, `${what}: Cinnabar differs from Redis`);
    return c;
  };
  const load = async (cmds: string[][]) => {
    await both(async (port) => {
      await cli(port, ['FLUSHALL']);
      const res = await cli(port, ['--pipe'], { input: protocol(cmds) });
      assert.match(res.out, new RegExp(`errors: 0, replies: ${cmds.length}`), res.out + res.err);
    });
  };

  it('prints replies the same way: raw when piped, --no-raw, --csv, -3, --json, errors and exit codes', async () => {
    await load([
      ['SET', 's', 'hello world'],
      ['SET', 'bin', 'a\x00b\r\nc\xff"q"'],
      ['SET', 'n', '42'],
      ['RPUSH', 'l', 'a', 'b c', ''],
      ['HSET', 'h', 'f1', 'v1', 'f2', '2'],
      ['SADD', 'st', '3', '1', '2'],
      ['ZADD', 'z', '1.5', 'x', '2', 'y', '-inf', 'lo'],
      ['XADD', 'x', '1-1', 'a', '1', 'b', '2'],
      ['XADD', 'x', '2-1', 'c', '3'],
      ['XGROUP', 'CREATE', 'x', 'g', '0'],
      ['GEOADD', 'geo', '13.361389', '38.115556', 'Palermo'],
      ['PFADD', 'hll', 'a', 'b'],
      ['SETBIT', 'bits', '5', '1'],
    ]);
    const commands: string[][] = [
      ['GET', 's'], ['GET', 'bin'], ['GET', 'nope'], ['INCR', 'n'], ['LRANGE', 'l', '0', '-1'], ['HGETALL', 'h'],
      ['SMEMBERS', 'st'], ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'], ['ZSCORE', 'z', 'x'], ['XRANGE', 'x', '-', '+'],
      ['XINFO', 'GROUPS', 'x'], ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'x', '>'], ['GEOPOS', 'geo', 'Palermo', 'nope'],
      ['GEOSEARCH', 'geo', 'FROMLONLAT', '13', '38', 'BYRADIUS', '100', 'km', 'WITHDIST', 'WITHCOORD'],
      ['PFCOUNT', 'hll'], ['BITCOUNT', 'bits'], ['TYPE', 'z'], ['TTL', 's'], ['EXISTS', 's', 'nope'], ['LPUSH', 's', 'x'],
      ['NOSUCHCMD'], ['GET'], ['CONFIG', 'GET', 'maxmemory'], ['OBJECT', 'ENCODING', 'l'], ['MGET', 's', 'nope', 'n'],
      ['ZRANDMEMBER', 'z', '0'], ['HELLO', '3'], ['EXEC'], ['PING'], ['ECHO', 'multi\nline'],
    ];
    const formats: string[][] = [[], ['--no-raw'], ['--raw'], ['--csv'], ['-3'], ['-3', '--no-raw'], ['--json'], ['--quoted-json']];
    for (const fmt of formats) {
      for (const cmd of commands) {
        await same(async (port) => {
          const r = await cli(port, [...fmt, ...cmd]);
          return { out: r.out.replace(/"id" => \(integer\) \d+|^id \d+$|\bid\n\d+|"id":\d+|"id",\d+|^\d+$/gm, 'ID'), err: r.err, code: r.code };
        }, `redis-cli ${fmt.join(' ')} ${cmd.join(' ')}`);
      }
    }
    // -e: exit code 1 on an error reply.
    await same(async (port) => (await cli(port, ['-e', 'LPUSH', 's', 'x'])).code, '-e exit code');
  });

  it('-n, -r, -i, -x and commands piped on stdin behave the same', async () => {
    await both(async (port) => cli(port, ['FLUSHALL']));
    await same(async (port) => {
      const out: string[] = [];
      out.push((await cli(port, ['-n', '3', 'SET', 'k', 'v'])).out);
      out.push((await cli(port, ['-n', '3', 'DBSIZE'])).out);
      out.push((await cli(port, ['DBSIZE'])).out);
      out.push((await cli(port, ['-n', '3', 'CLIENT', 'INFO'])).out.replace(/.*( db=\d+).*/s, '$1'));
      out.push((await cli(port, ['INFO', 'keyspace'])).out.replace(/avg_ttl=\d+/g, ''));
      out.push((await cli(port, ['-n', '16', 'PING'])).out + '|' + (await cli(port, ['-n', '16', 'PING'])).err);
      out.push((await cli(port, ['-r', '3', 'INCR', 'counter'])).out);
      out.push((await cli(port, ['-r', '3', '-i', '0.05', 'INCR', 'counter'])).out);
      out.push((await cli(port, ['-r', '2', 'RPUSH', 'rl', 'a'])).out);
      out.push((await cli(port, ['-x', 'SET', 'fromstdin'], { input: 'line one\nline two\n' })).out);
      out.push((await cli(port, ['GET', 'fromstdin'])).out);
      out.push((await cli(port, ['-x', 'HSET', 'hx', 'field'], { input: Buffer.from([0, 1, 2, 255]) })).out);
      out.push((await cli(port, ['--no-raw', 'HGET', 'hx', 'field'])).out);
      const script = [
        'SET a 1', 'INCR a', 'GET a', 'LPUSH q "x y" z', 'LRANGE q 0 -1', 'HSET hh f "quoted \\"value\\""', 'HGETALL hh',
        'SELECT 2', 'SET in2 yes', 'DBSIZE', 'BADCMD x', 'GET', 'MULTI', 'INCR a', 'INCR a', 'EXEC', 'SELECT 0', 'GET a',
        'DEL a q hh', '',
      ].join('\n');
      const piped = await cli(port, [], { input: script });
      out.push(piped.out, piped.err, String(piped.code));
      const pipedNoRaw = await cli(port, ['--no-raw'], { input: script });
      out.push(pipedNoRaw.out, pipedNoRaw.err);
      const viaShell = await sh(port, 'printf "SET x 1\\nINCRBY x 9\\nGET x\\n" | redis-cli -p $PORT');
      out.push(viaShell.out);
      return out;
    }, 'database selection, repeat, stdin');
  });

  it('--pipe mass insertion reports "errors: 0, replies: N" and loads everything; errors are counted the same', async () => {
    const N = 20000;
    const cmds: string[][] = [];
    for (let i = 0; i < N; i++) {
      if (i % 4 === 0) cmds.push(['SET', `key:${i}`, `value:${i}`]);
      else if (i % 4 === 1) cmds.push(['HSET', `h:${i % 100}`, `f${i}`, String(i)]);
      else if (i % 4 === 2) cmds.push(['RPUSH', 'list', String(i)]);
      else cmds.push(['ZADD', 'z', String(i), `m${i}`]);
    }
    await same(async (port) => {
      await cli(port, ['FLUSHALL']);
      const r = await cli(port, ['--pipe'], { input: protocol(cmds) });
      return [r.out, r.err, r.code, (await cli(port, ['DBSIZE'])).out, (await cli(port, ['LLEN', 'list'])).out, (await cli(port, ['ZCARD', 'z'])).out];
    }, 'mass insertion');
    const r = await cli(pair().port('cinnabar'), ['--pipe'], { input: protocol(cmds) });
    assert.match(r.out, new RegExp(`All data transferred. Waiting for the last reply...\\nLast reply received from server.\\nerrors: 0, replies: ${N}\\n$`));
    // With errors: wrong types, wrong arity, unknown commands, inline commands mixed in.
    const bad = Buffer.concat([
      protocol([['SET', 'k', 'v'], ['LPUSH', 'k', 'x'], ['GET'], ['NOPE', 'a'], ['INCR', 'k']]),
      Buffer.from('PING\r\nSET inline "quoted value"\r\nGET inline\r\n'),
      protocol([['DEL', 'k']]),
    ]);
    await same(async (port) => {
      const res = await cli(port, ['--pipe'], { input: bad });
      return [res.out, res.err, res.code];
    }, 'pipe with errors');
  });

  it('--bigkeys and --memkeys find the same biggest keys with the same counts and sizes', async () => {
    await load(dataset());
    for (const mode of [['--bigkeys'], ['--memkeys'], ['--memkeys', '--memkeys-samples', '0'], ['--bigkeys', '-i', '0.01']]) {
      const got = await same(async (port) => {
        const r = await cli(port, mode);
        return { summary: mode[0] === '--memkeys' ? memSummary(r.out) : summary(r.out), err: r.err, code: r.code, header: r.out.split('\n').slice(0, 5) };
      }, mode.join(' '));
      assert.match((got as { summary: string }).summary, /Biggest   list found '"list:3"'[\s\S]*Biggest   zset found '"zset:3"'/);
    }
    // The progress lines name the same kinds of keys (scan order differs, so only the set).
    await same(async (port) => {
      const r = await cli(port, ['--bigkeys']);
      return [...new Set(r.out.split('\n').filter((l) => l.includes('found so far')).map((l) => /Biggest (\w+)/.exec(l)![1]))].sort();
    }, 'bigkeys progress');
    // An empty keyspace.
    await same(async (port) => {
      await cli(port, ['FLUSHALL']);
      return summary((await cli(port, ['--bigkeys'])).out);
    }, 'bigkeys on an empty keyspace');
  });

  it('--hotkeys (LFU policy) finds the same hot keys in the same order', async () => {
    await same(async (port) => {
      await cli(port, ['FLUSHALL']);
      await cli(port, ['CONFIG', 'SET', 'maxmemory', '100mb', 'maxmemory-policy', 'allkeys-lfu']);
      try {
        await cli(port, ['MSET', 'hot', 'x', 'warm', 'y', 'cold', 'z']);
        await cli(port, ['-r', '300', 'GET', 'hot']);
        await cli(port, ['-r', '8', 'GET', 'warm']);
        const r = await cli(port, ['--hotkeys']);
        const s = summary(r.out);
        return [s.split('\n').slice(0, 3), [...s.matchAll(/keyname: "(\w+)"/g)].map((m) => m[1]), r.err, r.code];
      } finally {
        await cli(port, ['CONFIG', 'SET', 'maxmemory', '0', 'maxmemory-policy', 'noeviction']);
      }
    }, '--hotkeys');
    // Without an LFU policy redis-cli refuses, with Redis's error.
    await same(async (port) => {
      const r = await cli(port, ['--hotkeys']);
      return [r.out, r.err, r.code];
    }, '--hotkeys without LFU');
  });

  it('--scan with --pattern / --quoted-pattern returns the same key sets; runbook `--scan | xargs DEL`', async () => {
    const cmds: string[][] = [];
    for (let i = 0; i < 500; i++) cmds.push(['SET', `session:${i}`, 'x']);
    for (let i = 0; i < 300; i++) cmds.push(['SET', `cache:${i}`, 'x']);
    for (let i = 0; i < 40; i++) cmds.push(['SET', `cache:old:${i}`, 'x']);
    cmds.push(['SET', 'odd\nkey', 'x'], ['SET', 'sp ace', 'x'], ['HSET', 'session:h', 'f', 'v']);
    await load(cmds);
    const sortedLines = (s: string) => s.split('\n').filter(Boolean).sort();
    for (const args of [['--scan'], ['--scan', '--pattern', 'session:*'], ['--scan', '--pattern', 'cache:1?'], ['--scan', '--pattern', 'cache:old:*', '-i', '0.01'], ['--scan', '--quoted-pattern', '"odd\\nkey"']]) {
      const keys = await same(async (port) => sortedLines((await cli(port, args)).out), args.join(' '));
      assert.ok((keys as string[]).length > 0, `${args.join(' ')} found keys`);
    }
    await same(async (port) => {
      const a = await sh(port, 'redis-cli -p $PORT --scan --pattern "cache:old:*" | xargs redis-cli -p $PORT DEL');
      const b = await sh(port, 'redis-cli -p $PORT KEYS "session:1*" | xargs redis-cli -p $PORT DEL');
      const c = await sh(port, 'redis-cli -p $PORT KEYS "cache:*" | wc -l');
      return [a.out, b.out, c.out.trim(), (await cli(port, ['DBSIZE'])).out, (await cli(port, ['SCAN', '0', 'MATCH', 'cache:old:*', 'COUNT', '10000'])).out];
    }, 'runbook deletions');
  });

  it('authentication: -a, --no-auth-warning, -u URIs, NOAUTH and WRONGPASS messages', async () => {
    await both(async (port) => cli(port, ['CONFIG', 'SET', 'requirepass', 'pass']));
    try {
      await same(async (port) => {
        const runs = [
          ['PING'],
          ['-a', 'pass', 'PING'],
          ['-a', 'pass', '--no-auth-warning', 'SET', 'k', 'v'],
          ['-a', 'wrong', 'PING'],
          ['--user', 'default', '--pass', 'pass', 'PING'],
          ['-u', `redis://default:pass@127.0.0.1:${port}/2`, 'SET', 'in2', 'v'],
          ['-u', `redis://default:pass@127.0.0.1:${port}/2`, '--no-auth-warning', 'DBSIZE'],
          ['-u', `redis://:pass@127.0.0.1:${port}/2`, '--no-auth-warning', 'PING'],
          ['-u', `redis://pass@127.0.0.1:${port}`, '--no-auth-warning', 'PING'],
          ['-u', `redis://127.0.0.1:${port}/2`, 'DBSIZE'],
          ['-a', 'pass', '--no-auth-warning', '-n', '2', 'GET', 'in2'],
        ];
        const out: unknown[] = [];
        for (const args of runs) {
          // -u must come first for its host/port to apply; -h/-p from cli() would override it.
          const r = args[0] === '-u' ? await collect(spawn('redis-cli', args), {}) : await cli(port, args);
          out.push([args.join(' ').replace(String(port), 'PORT'), r.out, r.err, r.code]);
        }
        out.push((await sh(port, 'REDISCLI_AUTH=pass redis-cli -p $PORT PING')).out);
        out.push((await sh(port, 'printf "AUTH pass\\nPING\\nAUTH nope\\n" | redis-cli -p $PORT')).out);
        return out;
      }, 'auth');
    } finally {
      await both(async (port) => cli(port, ['-a', 'pass', '--no-auth-warning', 'CONFIG', 'SET', 'requirepass', '']));
    }
  });

  it('--latency --raw prints "min max avg samples"; --latency-history and --stat print samples; --intrinsic-latency runs', async () => {
    const port = pair().port('cinnabar');
    await cli(port, ['FLUSHALL']);
    await cli(port, ['DEBUG', 'POPULATE', '1234']);
    const lat = await cli(port, ['--latency', '--raw', '-i', '0.2'], { killAfterMs: 10_000 });
    const m = /^(\d+) (\d+) (\d+\.\d{2}) (\d+)\n$/.exec(lat.out);
    assert.ok(m, `--latency --raw output: ${JSON.stringify(lat.out)} ${lat.err}`);
    assert.ok(Number(m[1]) <= Number(m[2]) && Number(m[4]) > 0);
    assert.equal(lat.err, '');

    // Piped (raw) output: a "min max avg samples" line per sample, and a range line per -i interval.
    const hist = await cli(port, ['--latency-history', '-i', '1'], { killAfterMs: 2500 });
    const lines = hist.out.split('\n').filter(Boolean);
    assert.ok(lines.length >= 3, hist.out + hist.err);
    for (const l of lines) assert.match(l, /^\d+ \d+ \d+\.\d{2} \d+$|^ -- \d+\.\d\d seconds range$/);
    assert.ok(lines.some((l) => l.includes('seconds range')), hist.out);
    assert.equal(hist.err, '');

    const stat = await cli(port, ['--stat', '-i', '0.5'], { killAfterMs: 1800 });
    const sl = stat.out.split('\n');
    assert.match(sl[0], /^------- data ------ --------------------- load -------------------- - child -/);
    assert.match(sl[1], /^keys\s+mem\s+clients\s+blocked\s+requests\s+connections/);
    assert.match(sl[2], /^1234\s+[\d.]+[KM]?\s+1\s+0\s+\d+ \(\+\d+\)\s+\d+/);
    assert.equal(stat.err, '');
    // Redis prints the same two header lines.
    const rstat = await cli(pair().port('redis'), ['--stat', '-i', '0.5'], { killAfterMs: 1200 });
    assert.deepEqual(sl.slice(0, 2), rstat.out.split('\n').slice(0, 2));

    const intr = await cli(port, ['--intrinsic-latency', '1']);
    assert.match(intr.out, /Max latency so far|avg latency/);
  });

  it('MONITOR prints the same lines (db, quoting of arguments, transactions)', async () => {
    const lines = await same(async (port) => {
      await cli(port, ['FLUSHALL']);
      const mon = spawn('stdbuf', ['-oL', 'redis-cli', '-p', String(port), 'MONITOR']);
      const res = collect(mon, {});
      await sleep(300);
      await cli(port, ['SET', 'a b', 'x"y\\z']);
      await cli(port, ['-n', '2', 'GET', 'foo']);
      await cli(port, ['RPUSH', 'l', 'a\x01\n\xff']);
      await cli(port, [], { input: 'MULTI\nINCR c\nEXPIRE c 100\nEXEC\n' });
      await cli(port, ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction']);
      await cli(port, ['AUTH', 'secret']);
      await cli(port, ['HELLO', '3', 'AUTH', 'default', 'secret']);
      await cli(port, ['DEBUG', 'SLEEP', '0']);
      await sleep(300);
      mon.kill('SIGTERM');
      return normMonitor((await res).out);
    }, 'monitor');
    assert.ok((lines as string[]).length >= 10, JSON.stringify(lines));
  });

  it('INFO and the runbooks one-liners give the same fields and answers', async () => {
    await load(dataset().slice(0, 50));
    await same(async (port) => {
      await cli(port, ['CONFIG', 'RESETSTAT']);
      const fields = (s: string) => s.split('\r\n').filter((l) => l.includes(':')).map((l) => l.split(':')[0]).filter((k) => k !== 'cinnabar_version' && !k.includes('setinfo') && !k.startsWith('errorstat_'));
      const out: unknown[] = [];
      for (const section of ['', 'server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'errorstats', 'cluster', 'keyspace', 'commandstats', 'latencystats', 'all', 'everything', 'default']) {
        const r = await cli(port, section ? ['INFO', section] : ['INFO']);
        out.push([section, r.out.split('\r\n').filter((l) => l.startsWith('#')), fields(r.out).sort()]);
      }
      for (const g of [
        'INFO memory | grep used_memory_human | cut -d: -f1',
        'INFO clients | grep connected_clients',
        'INFO stats | grep -E "keyspace_hits|keyspace_misses" | cut -d: -f1',
        'INFO stats | grep evicted_keys',
        'INFO stats | grep rejected_connections',
        'INFO persistence | grep rdb_bgsave_in_progress',
        'INFO server | grep uptime | cut -d: -f1',
        'INFO | grep swap | cut -d: -f1',
        'INFO replication | grep -E "^role|connected_slaves"',
        'INFO keyspace',
        'CONFIG GET maxclients',
        'CONFIG GET maxmemory',
        'CONFIG GET save',
        'CONFIG GET appendonly',
        'CONFIG SET maxmemory-policy allkeys-lru',
        'CONFIG SET maxmemory 2gb',
        'CONFIG GET maxmemory',
        'CONFIG SET maxmemory 0',
        'CONFIG SET maxmemory-policy noeviction',
        'CONFIG SET slowlog-log-slower-than 10000',
        'CONFIG SET maxclients 10000',
        'CLIENT LIST | wc -l',
        'CLIENT LIST | grep -c "cmd="',
        'CLIENT KILL TYPE normal SKIPME yes',
        'SLOWLOG RESET',
        'SLOWLOG GET 10',
        'SLOWLOG LEN',
        'MEMORY PURGE',
        'MEMORY DOCTOR | head -c 20',
        'MEMORY STATS | grep -c .',
        'MEMORY USAGE str:big',
        'DBSIZE',
        'TYPE hash:0',
        'TTL hash:0',
        'HGETALL hash:0',
        'PUBSUB NUMSUB channel1 channel2',
        'PUBSUB CHANNELS "*"',
        'SCAN 0 MATCH "str:00*" COUNT 1000 | tail -n +2 | sort | head -3',
        'LATENCY DOCTOR | head -c 20',
        'LATENCY LATEST',
        'CONFIG RESETSTAT',
        'INFO commandstats | grep -c "cmdstat_"',
        'INFO errorstats',
        'SET test hello',
        'GET test',
        'DEL test',
        '-n 0 FLUSHDB',
        'DBSIZE',
        'LASTSAVE | grep -c "^[0-9]*$"',
        'SAVE',
        'CLUSTER INFO',
        'CLUSTER NODES',
        'ROLE',
        'WAIT 0 0',
      ]) {
        const r = await sh(port, `redis-cli -p $PORT ${g}`);
        out.push([g, r.out, r.err]);
      }
      return out;
    }, 'info and runbooks');
  });

  it('--rdb fetches a snapshot', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cinnabar-cli-rdb-'));
    try {
      const port = pair().port('cinnabar');
      await cli(port, ['FLUSHALL']);
      await cli(port, ['SET', 'k', 'v']);
      const file = path.join(dir, 'dump.rdb');
      const r = await cli(port, ['--rdb', file]);
      assert.equal(r.code, 0, r.out + r.err);
      assert.match(r.err + r.out, /Transfer finished with success/);
      assert.equal(fs.readFileSync(file).subarray(0, 9).toString(), 'REDIS0010');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
