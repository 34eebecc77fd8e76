/**
 * CONFIG GET / CONFIG SET against Redis for every parameter: the names and
 * defaults of CONFIG GET *, then for each parameter a sweep of values (valid,
 * invalid, out of range) with the reply of each SET and the value GET shows
 * after it, restoring the default in between.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { DiffPair, formatMismatches, type Mode } from '../helpers/diff';
import { RawConnection, decodeReply, type Reply } from '../helpers/resp';
import { skipWithoutRedis } from '../helpers/servers';

/** Parameters that would break the test connection or the servers if changed. */
const UNTOUCHABLE = new Set([
  'port', 'bind', 'requirepass', 'maxclients', 'timeout', 'maxmemory-clients', 'appendonly', 'maxmemory',
  'enable-debug-command', 'protected-mode', 'dir', 'dbfilename', 'logfile', 'replicaof', 'slaveof',
  'client-query-buffer-limit', 'proto-max-bulk-len', 'masterauth', 'masteruser', 'min-replicas-to-write', 'min-slaves-to-write',
  'key-load-delay', 'rdb-key-save-delay', 'watchdog-period', 'tls-port', 'io-threads',
]);

const VALUES = ['abc', '', '-1', '0', '1', '7', '100', '2147483648', '99999999999999999999', '-99999999999999999999', 'yes', 'no', '2gb', '1k', '5%', '0777', '08', 'a b', '1 2', '1.5', 'MIXED', 'Yes'];

const HIDDEN = ['key-load-delay', 'rdb-key-save-delay', 'watchdog-period', 'use-exit-on-panic', 'lua-enable-deprecated-api', 'loading-process-events-interval-bytes'];

function pairs(r: Reply): Map<string, string> {
  const m = new Map<string, string>();
  if (Array.isArray(r)) for (let i = 0; i + 1 < r.length; i += 2) m.set(String(r[i]), String(r[i + 1]));
  return m;
}

describe('differential: CONFIG sweep', { skip: skipWithoutRedis() }, () => {
  let pair: DiffPair;
  let names: string[] = [];
  let defaults = new Map<string, string>();
  before(async () => {
    pair = await DiffPair.start();
    const r = await RawConnection.connect(pair.redis.port);
    defaults = pairs(decodeReply(await r.call('CONFIG', 'GET', '*'))[0]);
    r.close();
    names = [...defaults.keys()].sort();
  });
  after(async () => {
    await pair?.close();
  });

  it('CONFIG GET * lists the same names and defaults', async () => {
    const k = await RawConnection.connect(pair.cinnabar.port);
    const mine = pairs(decodeReply(await k.call('CONFIG', 'GET', '*'))[0]);
    k.close();
    const differ: string[] = [];
    for (const [n, v] of defaults) {
      // The servers differ here only by how they were started.
      if (['port', 'dir', 'logfile', 'bind', 'save', 'appendonly'].includes(n)) continue;
      if (mine.get(n) !== v) differ.push(`${n}: redis=${JSON.stringify(v)} cinnabar=${JSON.stringify(mine.get(n))}`);
    }
    for (const n of mine.keys()) if (!defaults.has(n)) differ.push(`${n}: only in cinnabar`);
    assert.deepEqual(differ, []);
  });

  it('CONFIG GET of each parameter by exact name, in any case', async () => {
    const cmds: string[][] = [];
    for (const n of [...names, ...HIDDEN]) {
      if (n === 'port' || n === 'dir' || n === 'logfile') continue;
      cmds.push(['CONFIG', 'GET', n]);
      cmds.push(['CONFIG', 'GET', n.toUpperCase()]);
    }
    const ms = await pair.runCommands(cmds);
    assert.equal(ms.length, 0, formatMismatches(ms));
  });

  it('CONFIG SET of every parameter with a sweep of values', async () => {
    const cmds: string[][] = [];
    const modes: Mode[] = [];
    for (const n of [...names, ...HIDDEN]) {
      if (UNTOUCHABLE.has(n)) continue;
      const def = defaults.get(n) ?? (n === 'loading-process-events-interval-bytes' ? '2097152' : n === 'use-exit-on-panic' || n === 'lua-enable-deprecated-api' ? 'no' : '0');
      for (const v of VALUES) {
        cmds.push(['CONFIG', 'SET', n, v]);
        modes.push('exact');
        cmds.push(['CONFIG', 'GET', n]);
        modes.push('exact');
        cmds.push(['CONFIG', 'SET', n, def]);
        modes.push('skip');
      }
    }
    const ms = await pair.runCommands(cmds, modes);
    assert.equal(ms.length, 0, formatMismatches(ms.slice(0, 40)) + `\n(${ms.length} mismatches)`);
  });
});
