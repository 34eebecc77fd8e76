/**
 * maxmemory enforcement (Redis's evict.c): when used_memory passes maxmemory,
 * keys are evicted by the configured policy before a command that may grow
 * memory runs. LRU/LFU/TTL policies sample `maxmemory-samples` keys per
 * database into a pool of the 16 best candidates, as Redis approximates them;
 * sampling is O(1) per key thanks to the dense keyspace table.
 */
import type { Server } from './server';
import type { Database } from '../db/database';
import { NOTIFY_EVICTED } from '../db/database';

const POOL_SIZE = 16;
const LRU_CLOCK_MAX = 0xffffff;
const LFU_INIT_VAL = 5;

interface Candidate {
  score: number; // higher evicts first
  db: Database;
  key: string;
}

export class Evictor {
  private pool: Candidate[] = [];
  private nextDb = 0;

  /** maxmemory-policy and whether it is an LFU one, kept current by a config hook (read on every access). */
  policy: string;
  lfu: boolean;

  constructor(private server: Server) {
    this.policy = server.config.str('maxmemory-policy');
    this.lfu = this.policy.endsWith('-lfu');
    server.config.onChange('maxmemory-policy', (v) => {
      this.policy = v as string;
      this.lfu = this.policy.endsWith('-lfu');
    });
  }


  /** Memory over the limit, or 0. */
  private overLimit(): number {
    const max = this.server.config.num('maxmemory');
    if (max <= 0) return 0;
    const used = this.server.usedMemory();
    return used > max ? used - max : 0;
  }

  /**
   * Evict until under maxmemory. Returns false when memory stays over the
   * limit and nothing more can be evicted (the OOM case).
   */
  perform(): boolean {
    if (this.overLimit() === 0) return true;
    const policy = this.policy;
    if (policy === 'noeviction') return false;
    const tenacity = this.server.config.num('maxmemory-eviction-tenacity');
    // Time budget per call, as Redis's evictionTimeLimitUs (tenacity 10 -> 500us).
    const budgetMs = tenacity >= 100 ? Infinity : (50 * Math.pow(1.15, tenacity - 10)) / 1000 * 10;
    const start = performance.now();
    let evicted = 0;
    while (this.overLimit() > 0) {
      const victim = this.pick(policy);
      if (victim === null) return false;
      this.evict(victim.db, victim.key);
      evicted++;
      if ((evicted & 15) === 0 && performance.now() - start > budgetMs) {
        // Keep the loop responsive; the next command or the cron continues.
        return this.overLimit() === 0 ? true : true;
      }
    }
    return true;
  }

  private evict(db: Database, key: string): void {
    const s = this.server;
    db.delete(key);
    s.stats.evictedKeys++;
    s.notify(NOTIFY_EVICTED, 'evicted', key, db.id);
    s.propagate(db.id, [s.config.bool('lazyfree-lazy-eviction') ? 'UNLINK' : 'DEL', key]);
  }

  private pick(policy: string): { db: Database; key: string } | null {
    const dbs = this.server.dbs;
    const volatile = policy.startsWith('volatile-');
    if (policy.endsWith('-random')) {
      for (let i = 0; i < dbs.length; i++) {
        const db = dbs[(this.nextDb + i) % dbs.length];
        const d = db.dict;
        const e = volatile ? d.randomVolatile() : d.randomEntry();
        if (e >= 0) {
          this.nextDb = (this.nextDb + i + 1) % dbs.length;
          return { db, key: d.keyAt(e) };
        }
      }
      return null;
    }
    const samples = this.server.config.num('maxmemory-samples');
    for (;;) {
      let anyKeys = false;
      for (const db of dbs) {
        const d = db.dict;
        const n = volatile ? d.volatileSize : d.size;
        if (n === 0) continue;
        anyKeys = true;
        for (let i = 0; i < samples; i++) {
          const e = volatile ? d.randomVolatile() : d.randomEntry();
          this.consider(db, e, policy);
        }
      }
      if (!anyKeys) return null;
      // Best candidate still present wins; stale pool entries are dropped.
      while (this.pool.length > 0) {
        const best = this.pool.pop()!;
        const e = best.db.dict.find(best.key);
        if (e >= 0 && (!volatile || best.db.dict.getExpire(e) !== 0)) return best;
      }
    }
  }

  private consider(db: Database, e: number, policy: string): void {
    const d = db.dict;
    let score: number;
    if (policy.endsWith('-lru')) score = this.idleMs(d.lruAt(e));
    else if (policy.endsWith('-lfu')) score = 255 - this.lfuDecayed(d.lruAt(e));
    else score = Number.MAX_SAFE_INTEGER - d.getExpire(e); // volatile-ttl: sooner expiry first
    const key = d.keyAt(e);
    const pool = this.pool;
    if (pool.some((c) => c.db === db && c.key === key)) return;
    if (pool.length >= POOL_SIZE && score <= pool[0].score) return;
    // Keep the pool sorted by ascending score; the best is last.
    let i = 0;
    while (i < pool.length && pool[i].score < score) i++;
    pool.splice(i, 0, { score, db, key });
    if (pool.length > POOL_SIZE) pool.shift();
  }

  /** Milliseconds since last access of an entry's LRU mark (estimateObjectIdleTime). */
  idleMs(lru: number): number {
    const clock = this.server.lruClock;
    return clock >= lru ? (clock - lru) * 1000 : (clock + (LRU_CLOCK_MAX - lru)) * 1000;
  }

  // ---- LFU (Redis's logarithmic counter with decay, packed as ldt<<8 | counter)

  private minutes(): number {
    return Math.floor(Date.now() / 60000) & 0xffff;
  }

  /** Counter after applying decay for the time since last decrement. */
  lfuDecayed(packed: number): number {
    const ldt = packed >>> 8;
    let counter = packed & 255;
    const decayTime = this.server.config.num('lfu-decay-time');
    if (decayTime > 0) {
      const now = this.minutes();
      const elapsed = now >= ldt ? now - ldt : 65535 - ldt + now;
      const periods = Math.floor(elapsed / decayTime);
      counter = periods > counter ? 0 : counter - periods;
    }
    return counter;
  }

  lfuTouch(packed: number): number {
    if (packed === 0) return (this.minutes() << 8) | LFU_INIT_VAL;
    let counter = this.lfuDecayed(packed);
    if (counter < 255) {
      const r = Math.random();
      const base = Math.max(0, counter - LFU_INIT_VAL);
      const p = 1 / (base * this.server.config.num('lfu-log-factor') + 1);
      if (r < p) counter++;
    }
    return (this.minutes() << 8) | counter;
  }
}
