/**
 * SLOWLOG: commands slower than slowlog-log-slower-than microseconds, newest
 * first, at most slowlog-max-len entries. Arguments are trimmed as Redis
 * trims them (32 arguments, 128 bytes each).
 */
import type { Client } from './client';
import type { Server } from './server';

const MAX_ARGC = 32;
const MAX_STRING = 128;

export interface SlowLogEntry {
  id: number;
  time: number;
  usec: number;
  argv: string[];
  peer: string;
  name: string;
}

export class SlowLog {
  entries: SlowLogEntry[] = [];
  private nextId = 0;

  constructor(private server: Server) {
    this.threshold = server.config.num('slowlog-log-slower-than');
    server.config.onChange('slowlog-log-slower-than', (v) => {
      this.threshold = v as number;
    });
  }

  /** Would a command that took `usec` be logged? */
  wants(usec: number): boolean {
    const threshold = this.threshold;
    return threshold >= 0 && usec >= threshold;
  }

  /** slowlog-log-slower-than, kept current by a config hook (read on every command). */
  private threshold = 10000;

  maybeAdd(c: Client, argv: string[], usec: number): void {
    if (!this.wants(usec)) return;
    const n = Math.min(argv.length, MAX_ARGC);
    const args: string[] = [];
    for (let i = 0; i < n; i++) {
      if (i === MAX_ARGC - 1 && argv.length > MAX_ARGC) {
        args.push(`... (${argv.length - MAX_ARGC + 1} more arguments)`);
        break;
      }
      const a = argv[i];
      args.push(a.length > MAX_STRING ? `${a.slice(0, MAX_STRING)}... (${a.length - MAX_STRING} more bytes)` : a);
    }
    this.entries.unshift({ id: this.nextId++, time: Math.floor(Date.now() / 1000), usec: Math.floor(usec), argv: args, peer: c.remoteAddr, name: c.name });
    const max = this.server.config.num('slowlog-max-len');
    if (this.entries.length > max) this.entries.length = max;
  }

  reset(): void {
    this.entries = [];
  }
}
