/**
 * The active expiry cycle (Redis's activeExpireCycle, slow mode): each cron
 * tick samples keys with a TTL from every database and deletes the expired
 * ones, repeating while more than 10% of a sample was expired, within a time
 * budget of 25% of the tick (scaled by active-expire-effort). Keys nobody reads
 * still go away, and the event loop never stalls on a large batch.
 */
import type { Server } from './server';

const KEYS_PER_LOOP = 20;
const ACCEPTABLE_STALE = 10;
const SLOW_TIME_PERC = 25;

let nextDb = 0;

export function activeExpireCycle(server: Server, tickMs: number): void {
  if (server.expiryFrozen) return;
  const effort = server.config.num('active-expire-effort') - 1; // 0..9
  const perLoop = KEYS_PER_LOOP + (KEYS_PER_LOOP / 4) * effort;
  const stale = ACCEPTABLE_STALE - effort;
  const budget = (tickMs * (SLOW_TIME_PERC + 2 * effort)) / 100;
  const start = performance.now();
  const dbs = server.dbs;
  const now = Date.now();
  let sampledTotal = 0, expiredTotal = 0;
  for (let j = 0; j < dbs.length; j++) {
    const db = dbs[nextDb];
    nextDb = (nextDb + 1) % dbs.length;
    const d = db.dict;
    for (;;) {
      if (d.volatileSize === 0) break;
      const n = Math.min(perLoop, d.volatileSize);
      let expired = 0;
      for (let i = 0; i < n && d.volatileSize > 0; i++) {
        const e = d.randomVolatile();
        const at = d.getExpire(e);
        if (at !== 0 && at < now) {
          db.deleteExpired(e);
          expired++;
        }
      }
      sampledTotal += n;
      expiredTotal += expired;
      if (performance.now() - start > budget) {
        server.stats.expiredTimeCapReached++;
        break;
      }
      if ((expired * 100) / n <= stale) break;
    }
  }
  const perc = sampledTotal ? expiredTotal / sampledTotal : 0;
  server.stats.expiredStalePerc = perc * 0.05 + server.stats.expiredStalePerc * 0.95;
  server.stats.expireCycleCpuMs += performance.now() - start;
  if (server.pendingClients.length > 0) server.flushPending();
}
