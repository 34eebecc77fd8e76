/**
 * Pub/Sub: channel, pattern and shard-channel subscriptions and message
 * delivery. Messages are written into the subscriber's reply buffer and
 * flushed at the end of the current command, as Redis writes them into
 * client output buffers.
 *
 * Messages and (un)subscribe confirmations are "pushes" (Redis's
 * CLIENT_PUSHING): they reach the client even under CLIENT REPLY OFF/SKIP.
 * They are RESP3 push frames (">") or, in RESP2, plain arrays.
 */
import type { Client } from './client';
import type { Server } from './server';
import type { ReplyWriter } from '../protocol/writer';
import { globMatch } from '../util/glob';

export type SubKind = 'channel' | 'pattern' | 'shard';

export class PubSub {
  readonly channels = new Map<string, Set<Client>>();
  readonly patterns = new Map<string, Set<Client>>();
  readonly shardChannels = new Map<string, Set<Client>>();

  constructor(private server: Server) {}

  private tableOf(kind: SubKind): Map<string, Set<Client>> {
    return kind === 'channel' ? this.channels : kind === 'pattern' ? this.patterns : this.shardChannels;
  }

  private mineOf(c: Client, kind: SubKind): Set<string> {
    return kind === 'channel' ? c.channels : kind === 'pattern' ? c.patterns : c.shardChannels;
  }

  /** Add a subscription; false when c already had it. */
  add(c: Client, kind: SubKind, name: string): boolean {
    const mine = this.mineOf(c, kind);
    if (mine.has(name)) return false;
    mine.add(name);
    const table = this.tableOf(kind);
    let set = table.get(name);
    if (!set) table.set(name, (set = new Set()));
    set.add(c);
    return true;
  }

  /** Remove a subscription; false when c did not have it. */
  remove(c: Client, kind: SubKind, name: string): boolean {
    const mine = this.mineOf(c, kind);
    if (!mine.delete(name)) return false;
    const table = this.tableOf(kind);
    const set = table.get(name);
    if (set) {
      set.delete(c);
      if (set.size === 0) table.delete(name);
    }
    return true;
  }

  subscribe(c: Client, channel: string, shard = false): boolean {
    return this.add(c, shard ? 'shard' : 'channel', channel);
  }

  unsubscribe(c: Client, channel: string, shard = false): boolean {
    return this.remove(c, shard ? 'shard' : 'channel', channel);
  }

  psubscribe(c: Client, pattern: string): boolean {
    return this.add(c, 'pattern', pattern);
  }

  punsubscribe(c: Client, pattern: string): boolean {
    return this.remove(c, 'pattern', pattern);
  }

  /** Drop every subscription silently (client gone, RESET). */
  unsubscribeAll(c: Client): void {
    for (const ch of [...c.channels]) this.remove(c, 'channel', ch);
    for (const ch of [...c.shardChannels]) this.remove(c, 'shard', ch);
    for (const p of [...c.patterns]) this.remove(c, 'pattern', p);
  }

  /** Subscriptions of c as (un)subscribe replies count them: channels + patterns. */
  count(c: Client): number {
    return c.channels.size + c.patterns.size;
  }

  /** Shard channel subscriptions of c (ssubscribe / sunsubscribe replies). */
  shardCount(c: Client): number {
    return c.shardChannels.size;
  }

  /**
   * A subscription confirmation ("subscribe", "unsubscribe", ...): channel
   * null is the reply of an unsubscribe with nothing to unsubscribe from.
   */
  confirm(c: Client, event: string, channel: string | null, count: number): void {
    const w = c.w;
    const muted = w.muted;
    w.muted = false;
    w.push(3);
    w.bulk(event);
    if (channel === null) w.nil();
    else w.bulk(channel);
    w.int(count);
    w.muted = muted;
  }

  /** Deliver to channel and pattern subscribers; returns how many received it. */
  publish(channel: string, message: string, shard = false): number {
    let n = 0;
    const set = (shard ? this.shardChannels : this.channels).get(channel);
    if (set) {
      for (const c of set) {
        const w = c.w;
        const muted = w.muted;
        w.muted = false;
        w.push(3);
        w.bulk(shard ? 'smessage' : 'message');
        w.bulk(channel);
        w.bulk(message);
        w.muted = muted;
        c.markPending();
        n++;
      }
    }
    if (!shard && this.patterns.size > 0) {
      for (const [pat, subs] of this.patterns) {
        if (!globMatch(pat, channel)) continue;
        for (const c of subs) {
          const w: ReplyWriter = c.w;
          const muted = w.muted;
          w.muted = false;
          w.push(4);
          w.bulk('pmessage');
          w.bulk(pat);
          w.bulk(channel);
          w.bulk(message);
          w.muted = muted;
          c.markPending();
          n++;
        }
      }
    }
    return n;
  }

  /** Active channels (or shard channels) matching pattern, all when pattern is null. */
  activeChannels(pattern: string | null, shard = false): string[] {
    const out: string[] = [];
    for (const ch of (shard ? this.shardChannels : this.channels).keys()) {
      if (pattern === null || globMatch(pattern, ch)) out.push(ch);
    }
    return out;
  }

  /** Subscribers of a channel (patterns excluded). */
  numSub(channel: string, shard = false): number {
    return (shard ? this.shardChannels : this.channels).get(channel)?.size ?? 0;
  }
}
