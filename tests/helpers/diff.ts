/**
 * The differential harness: the same command sequence against Cinnabar and a
 * real redis-server, replies compared byte for byte.
 *
 * Case files (tests/diff/cases/*.txt) hold one command per line in redis-cli
 * quoting. `### name` starts a case; each case runs on fresh connections after
 * FLUSHALL. A line may start with a comparison mode for replies that are
 * legitimately unordered or random:
 *
 *   ~sort SMEMBERS s        compare arrays as multisets (top level)
 *   ~pairs HGETALL h        compare a map / flat pair array as a set of pairs
 *   ~deep SCAN 0            compare with every nested array sorted
 *   ~type SPOP s            compare only the reply's type byte
 *   ~len SRANDMEMBER s 3    compare only the type and element count
 *   ~skip DEBUG SLEEP 0     run on both, compare nothing
 *   ~none PING              no reply is expected (CLIENT REPLY OFF/SKIP): both stay silent
 *   ~drain EXEC             compare whatever bytes arrive within 60 ms (partial or extra replies)
 *
 * and directives:
 *
 *   !raw "PING\r\n"         send raw bytes (escapes as in redis-cli), read one reply
 *   !rawonly "*1\r\n"       send raw bytes, read nothing
 *   !reconnect              open new connections (after the server closed them)
 *   !closed                 assert both servers closed the connection
 *   !sleep 120              wait 120 ms
 */
import { splitArgs } from '../../src/protocol/parser';
import { RawConnection, decodeReply, encodeCommand, type Reply } from './resp';
import { startCinnabar, startRedis, type TestServer } from './servers';
import type { RunningServer } from '../../src/index';
import type { ServerOptions } from '../../src/server/server';

export type Mode = 'exact' | 'sort' | 'pairs' | 'deep' | 'type' | 'len' | 'skip' | 'none' | 'drain';

export interface Step {
  line: number;
  text: string;
  kind: 'cmd' | 'raw' | 'rawonly' | 'reconnect' | 'closed' | 'sleep';
  mode: Mode;
  argv: string[];
  raw?: Buffer;
  ms?: number;
}

export interface Case {
  name: string;
  steps: Step[];
}

export function parseCases(text: string, file = 'inline'): Case[] {
  const cases: Case[] = [];
  let cur: Case | null = null;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i].trim();
    if (line === '' || line.startsWith('#') && !line.startsWith('###')) continue;
    if (line.startsWith('###')) {
      cur = { name: `${file}: ${line.slice(3).trim()}`, steps: [] };
      cases.push(cur);
      continue;
    }
    if (!cur) {
      cur = { name: `${file}: (top)`, steps: [] };
      cases.push(cur);
    }
    let mode: Mode = 'exact';
    const m = /^~(sort|pairs|deep|type|len|skip|none|drain)\s+/.exec(line);
    if (m) {
      mode = m[1] as Mode;
      line = line.slice(m[0].length);
    }
    const base = { line: i + 1, text: line, mode, argv: [] as string[] };
    if (line.startsWith('!')) {
      const parts = splitArgs(line.slice(1));
      if (!parts || parts.length === 0) throw new Error(`${file}:${i + 1}: bad directive`);
      const d = parts[0];
      if (d === 'raw' || d === 'rawonly') cur.steps.push({ ...base, kind: d, raw: Buffer.from(parts.slice(1).join(''), 'latin1') });
      else if (d === 'reconnect') cur.steps.push({ ...base, kind: 'reconnect' });
      else if (d === 'closed') cur.steps.push({ ...base, kind: 'closed' });
      else if (d === 'sleep') cur.steps.push({ ...base, kind: 'sleep', ms: Number(parts[1]) });
      else throw new Error(`${file}:${i + 1}: unknown directive ${d}`);
      continue;
    }
    const argv = splitArgs(line);
    if (argv === null || argv.length === 0) throw new Error(`${file}:${i + 1}: cannot parse ${line}`);
    cur.steps.push({ ...base, kind: 'cmd', argv });
  }
  return cases;
}

function canon(r: Reply, deep: boolean): string {
  if (Array.isArray(r)) {
    const parts = r.map((x) => canon(x, deep));
    if (deep) parts.sort();
    return '[' + parts.join(',') + ']';
  }
  if (r !== null && typeof r === 'object' && 'map' in r) {
    return '{' + r.map.map(([k, v]) => canon(k, deep) + ':' + canon(v, deep)).sort().join(',') + '}';
  }
  return JSON.stringify(r instanceof Object ? String(r) : r);
}

/** Compare two raw replies under a mode; returns null when they agree. */
export function compareReplies(mode: Mode, a: Buffer, b: Buffer): string | null {
  if (mode === 'skip') return null;
  if (mode === 'exact') return a.equals(b) ? null : 'bytes differ';
  if (mode === 'type') return a[0] === b[0] ? null : 'type differs';
  const [ra] = decodeReply(a);
  const [rb] = decodeReply(b);
  if (mode === 'len') {
    if (a[0] !== b[0]) return 'type differs';
    const la = Array.isArray(ra) ? ra.length : -1, lb = Array.isArray(rb) ? rb.length : -1;
    return la === lb ? null : `length ${la} vs ${lb}`;
  }
  if (a[0] !== b[0]) return 'type differs';
  if (mode === 'sort') {
    if (!Array.isArray(ra) || !Array.isArray(rb)) return a.equals(b) ? null : 'bytes differ';
    const sa = ra.map((x) => canon(x, false)).sort().join('\n');
    const sb = rb.map((x) => canon(x, false)).sort().join('\n');
    return sa === sb ? null : 'multisets differ';
  }
  if (mode === 'pairs') {
    const pairs = (r: Reply): string[] => {
      if (Array.isArray(r)) {
        const out: string[] = [];
        for (let i = 0; i + 1 < r.length; i += 2) out.push(canon(r[i], false) + '=' + canon(r[i + 1], false));
        return out.sort();
      }
      if (r !== null && typeof r === 'object' && 'map' in r) return r.map.map(([k, v]) => canon(k, false) + '=' + canon(v, false)).sort();
      return [canon(r, false)];
    };
    return pairs(ra).join('\n') === pairs(rb).join('\n') ? null : 'pairs differ';
  }
  // deep
  return canon(ra, true) === canon(rb, true) ? null : 'nested contents differ';
}

export interface Mismatch {
  case: string;
  line: number;
  command: string;
  why: string;
  redis: string;
  cinnabar: string;
}

function show(b: Buffer): string {
  const s = b.toString('latin1');
  return JSON.stringify(s.length > 400 ? s.slice(0, 400) + '...' : s);
}

/** A Cinnabar and a Redis started side by side. */
export class DiffPair {
  private constructor(
    readonly redis: TestServer,
    readonly cinnabar: RunningServer,
  ) {}

  static async start(opts: { redisArgs?: string[]; cinnabar?: ServerOptions } = {}): Promise<DiffPair> {
    const [redis, cinnabar] = await Promise.all([startRedis(opts.redisArgs ?? []), startCinnabar(opts.cinnabar ?? {})]);
    return new DiffPair(redis, cinnabar);
  }

  async close(): Promise<void> {
    await Promise.all([this.redis.close(), this.cinnabar.close()]);
  }

  /** Run one case on fresh connections; returns the mismatches. */
  async runCase(c: Case): Promise<Mismatch[]> {
    let r = await RawConnection.connect(this.redis.port);
    let k = await RawConnection.connect(this.cinnabar.port);
    const out: Mismatch[] = [];
    try {
      for (const conn of [r, k]) {
        conn.send('FLUSHALL');
        await conn.readReply();
      }
      for (const st of c.steps) {
        const fail = (why: string, a: Buffer, b: Buffer) =>
          out.push({ case: c.name, line: st.line, command: st.text, why, redis: show(a), cinnabar: show(b) });
        switch (st.kind) {
          case 'reconnect':
            r.close();
            k.close();
            r = await RawConnection.connect(this.redis.port);
            k = await RawConnection.connect(this.cinnabar.port);
            continue;
          case 'sleep':
            await new Promise((res) => setTimeout(res, st.ms));
            continue;
          case 'closed': {
            const [cr, ck] = await Promise.all([r.waitClosed(), k.waitClosed()]);
            if (cr !== ck) fail(`closed: redis=${cr} cinnabar=${ck}`, Buffer.alloc(0), Buffer.alloc(0));
            continue;
          }
          case 'rawonly':
            r.write(st.raw!);
            k.write(st.raw!);
            continue;
          default: {
            const data = st.kind === 'raw' ? st.raw! : encodeCommand(st.argv);
            r.write(data);
            k.write(data);
            if (st.mode === 'none' || st.mode === 'drain') {
              // Give replies time to arrive, then compare the raw bytes (none at all for ~none).
              const [a, b] = await Promise.all([r.drain(60), k.drain(60)]);
              if (st.mode === 'none' && (a.length || b.length)) fail('a reply arrived where none was expected', a, b);
              else if (!a.equals(b)) fail('bytes differ', a, b);
              continue;
            }
            const [a, b] = await Promise.all([r.readReply().catch((e) => Buffer.from(`<${e.message}>`)), k.readReply().catch((e) => Buffer.from(`<${e.message}>`))]);
            // Both silent is no agreement: a command that never answers hides everything after it.
            const timedOut = (x: Buffer) => x[0] === 60 /* '<' */ && x.toString('latin1').startsWith('<timeout');
            if (timedOut(a) && timedOut(b)) {
              fail('no reply from either server (blocked? use ~none for commands that stay silent)', a, b);
              return out;
            }
            const why = compareReplies(st.mode, a, b);
            if (why) fail(why, a, b);
          }
        }
      }
    } finally {
      r.close();
      k.close();
    }
    return out;
  }

  /** Run a generated command sequence as one case. */
  async runCommands(cmds: string[][], modes?: Mode[]): Promise<Mismatch[]> {
    const steps: Step[] = cmds.map((argv, i) => ({ line: i + 1, text: argv.join(' '), kind: 'cmd', mode: modes?.[i] ?? 'exact', argv }));
    return this.runCase({ name: 'generated', steps });
  }
}

export function formatMismatches(ms: Mismatch[]): string {
  return ms
    .map((m) => `${m.case} line ${m.line}: ${m.command}\n  ${m.why}\n  redis:    ${m.redis}\n  cinnabar: ${m.cinnabar}`)
    .join('\n');
}
