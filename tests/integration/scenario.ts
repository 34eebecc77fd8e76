/**
 * Multi-connection scenarios run side by side on Cinnabar and on a real
 * Redis 7.0.15: every reply (and every "nothing arrived" observation) goes
 * into a transcript, and the two transcripts must be identical. Before each
 * scenario the next client id is made the same on both servers, so ids may
 * appear in commands and replies.
 *
 * Used by the client, pubsub and transactions integration tests.
 */
import { after, before } from 'node:test';
import * as assert from 'node:assert/strict';
import { RawConnection, decodeReply, type Reply } from '../helpers/resp';
import { startCinnabar, startRedis, type TestServer } from '../helpers/servers';
import type { RunningServer } from '../../src/index';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Time for a command sent on one connection to reach the server before another acts. */
export const SETTLE = 40;

export class Run {
  readonly log: string[] = [];
  private conns = new Map<string, RawConnection>();

  constructor(
    readonly port: number,
    readonly isRedis: boolean,
  ) {}

  async conn(name: string): Promise<RawConnection> {
    let c = this.conns.get(name);
    if (!c) {
      c = await RawConnection.connect(this.port);
      this.conns.set(name, c);
    }
    return c;
  }

  /** Hook for replies that differ legitimately (none yet: client ids are aligned by both()). */
  norm(s: string): string {
    return s;
  }

  /** The connection's client id (the same on both servers, see both()). */
  async myId(name: string): Promise<string> {
    const c = await this.conn(name);
    c.send('CLIENT', 'ID');
    const r = (await c.readReply()).toString('latin1');
    return r.slice(1, -2);
  }

  note(text: string): void {
    this.log.push(text);
  }

  /** Send without reading (a command that blocks or is paused). */
  async send(name: string, ...argv: string[]): Promise<void> {
    (await this.conn(name)).send(...argv);
    this.log.push(`${name} -> ${this.norm(argv.join(' '))}`);
    await sleep(SETTLE);
  }

  /** Send raw bytes without reading. */
  async write(name: string, data: string): Promise<void> {
    (await this.conn(name)).write(data);
    await sleep(SETTLE);
  }

  /** The next reply of a connection, logged. */
  async read(name: string, timeoutMs = 3000): Promise<string> {
    let s: string;
    try {
      s = (await (await this.conn(name)).readReply(timeoutMs)).toString('latin1');
    } catch (e) {
      s = `<${(e as Error).message.split(';')[0]}>`;
    }
    this.log.push(`${name} <- ${JSON.stringify(this.norm(s))}`);
    return s;
  }

  /** Send and read one reply. */
  async cmd(name: string, ...argv: string[]): Promise<string> {
    (await this.conn(name)).send(...argv);
    this.log.push(`${name} -> ${this.norm(argv.join(' '))}`);
    return this.read(name);
  }

  /** Send and read one reply without logging it (for replies that differ legitimately). */
  async silent(name: string, ...argv: string[]): Promise<Reply> {
    const c = await this.conn(name);
    c.send(...argv);
    return decodeReply(await c.readReply())[0];
  }

  /** Record whether anything arrived on a connection within ms. */
  async quiet(name: string, ms = 150): Promise<boolean> {
    const got = await (await this.conn(name)).drain(ms);
    this.log.push(`${name} quiet: ${got.length === 0 ? 'yes' : JSON.stringify(this.norm(got.toString('latin1')))}`);
    return got.length === 0;
  }

  /** Record whether the server closed the connection. */
  async closed(name: string, ms = 1000): Promise<boolean> {
    const closed = await (await this.conn(name)).waitClosed(ms);
    this.log.push(`${name} closed: ${closed}`);
    return closed;
  }

  close(name: string): void {
    this.conns.get(name)?.close();
    this.conns.delete(name);
  }

  closeAll(): void {
    for (const c of this.conns.values()) c.close();
    this.conns.clear();
  }
}

export interface Pair {
  redis: TestServer;
  cinnabar: RunningServer;
}

/** Start one Redis/Cinnabar pair for the file (before/after hooks). */
export function usePair(opts: { redisArgs?: string[] } = {}): () => Pair {
  let pair: Pair | null = null;
  before(async () => {
    const [redis, cinnabar] = await Promise.all([startRedis(opts.redisArgs ?? []), startCinnabar({})]);
    pair = { redis, cinnabar };
  });
  after(async () => {
    if (pair) await Promise.all([pair.redis.close(), pair.cinnabar.close()]);
  });
  return () => pair!;
}

/**
 * Run a scenario on both servers (one after the other, fresh connections,
 * FLUSHALL first) and assert the transcripts are equal. Returns the
 * Cinnabar run for further asserts.
 */
export async function both(pair: Pair, scenario: (r: Run) => Promise<void>): Promise<Run> {
  for (const port of [pair.redis.port, pair.cinnabar.port]) {
    const setup = await RawConnection.connect(port);
    await setup.call('FLUSHALL');
    setup.close();
  }
  // Align client ids: Redis's next id, Cinnabar's set to match (or Redis bumped).
  const probe = await RawConnection.connect(pair.redis.port);
  const redisNext = Number(decodeReply(await probe.call('CLIENT', 'ID'))[0]) + 1;
  probe.close();
  const server = pair.cinnabar.server;
  for (let i = redisNext; i < server.nextClientId; i++) (await RawConnection.connect(pair.redis.port)).close();
  server.nextClientId = Math.max(server.nextClientId, redisNext);
  await sleep(20);
  const runs: Run[] = [];
  for (const [port, isRedis] of [[pair.redis.port, true], [pair.cinnabar.port, false]] as const) {
    const run = new Run(port, isRedis);
    try {
      await scenario(run);
    } finally {
      run.closeAll();
    }
    runs.push(run);
    await sleep(20);
  }
  assert.deepEqual(runs[1].log, runs[0].log, 'transcripts differ (actual: Cinnabar, expected: Redis)');
  return runs[1];
}
