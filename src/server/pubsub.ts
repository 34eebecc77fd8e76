/**
 * Pub/Sub: channel and pattern subscriptions and message delivery. Messages
 * are written into the subscriber's reply buffer and flushed at the end of the
 * current command, as Redis writes them into client output buffers.
 */
import type { Client } from './client';
import type { Server } from './server';
import { globMatch } from '../util/glob';

export class PubSub {
  readonly channels = new Map<string, Set<Client>>();
  readonly patterns = new Map<string, Set<Client>>();
  readonly shardChannels = new Map<string, Set<Client>>();

  constructor(private server: Server) {}

  subscribe(c: Client, channel: string, shard = false): boolean {
    const mine = shard ? c.shardChannels : c.channels;
    if (mine.has(channel)) return false;
    mine.add(channel);
    const table = shard ? this.shardChannels : this.channels;
    let set = table.get(channel);
    if (!set) table.set(channel, (set = new Set()));
    set.add(c);
    return true;
  }

  unsubscribe(c: Client, channel: string, shard = false): boolean {
    const mine = shard ? c.shardChannels : c.channels;
    if (!mine.delete(channel)) return false;
    const table = shard ? this.shardChannels : this.channels;
    const set = table.get(channel);
    if (set) {
      set.delete(c);
      if (set.size === 0) table.delete(channel);
    }
    return true;
  }

  psubscribe(c: Client, pattern: string): boolean {
    if (c.patterns.has(pattern)) return false;
    c.patterns.add(pattern);
    let set = this.patterns.get(pattern);
    if (!set) this.patterns.set(pattern, (set = new Set()));
    set.add(c);
    return true;
  }

  punsubscribe(c: Client, pattern: string): boolean {
    if (!c.patterns.delete(pattern)) return false;
    const set = this.patterns.get(pattern);
    if (set) {
      set.delete(c);
      if (set.size === 0) this.patterns.delete(pattern);
    }
    return true;
  }

  unsubscribeAll(c: Client): void {
    for (const ch of [...c.channels]) this.unsubscribe(c, ch);
    for (const ch of [...c.shardChannels]) this.unsubscribe(c, ch, true);
    for (const p of [...c.patterns]) this.punsubscribe(c, p);
  }

  /** Deliver to channel and pattern subscribers; returns how many received it. */
  publish(channel: string, message: string, shard = false): number {
    let n = 0;
    const set = (shard ? this.shardChannels : this.channels).get(channel);
    if (set) {
      for (const c of set) {
        const w = c.w;
        w.push(3);
        w.bulk(shard ? 'smessage' : 'message');
        w.bulk(channel);
        w.bulk(message);
        c.markPending();
        n++;
      }
    }
    if (!shard && this.patterns.size > 0) {
      for (const [pat, subs] of this.patterns) {
        if (!globMatch(pat, channel)) continue;
        for (const c of subs) {
          const w = c.w;
          w.push(4);
          w.bulk('pmessage');
          w.bulk(pat);
          w.bulk(channel);
          w.bulk(message);
          c.markPending();
          n++;
        }
      }
    }
    return n;
  }

  /** Subscriptions of c, as the count in (un)subscribe replies. */
  count(c: Client): number {
    return c.channels.size + c.patterns.size;
  }
}
