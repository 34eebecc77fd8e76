/**
 * COMMAND INFO and COMMAND DOCS of every command Cinnabar registers, against
 * Redis, in RESP2 and RESP3. Commands are compared byte for byte; a container
 * is compared order-insensitively (Redis lists subcommands in its dict order)
 * and only when Cinnabar registers all of its subcommands, each of which is
 * also compared on its own by its "container|sub" name.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { DiffPair, formatMismatches, type Mode } from '../helpers/diff';
import { RawConnection, decodeReply } from '../helpers/resp';
import { skipWithoutRedis } from '../helpers/servers';

describe('differential: COMMAND INFO / DOCS of every registered command', { skip: skipWithoutRedis() }, () => {
  let pair: DiffPair;
  let mine: string[] = [];
  let redisAll = new Set<string>();
  before(async () => {
    pair = await DiffPair.start();
    const k = await RawConnection.connect(pair.cinnabar.port);
    mine = (decodeReply(await k.call('COMMAND', 'LIST'))[0] as string[]).sort();
    k.close();
    const r = await RawConnection.connect(pair.redis.port);
    redisAll = new Set(decodeReply(await r.call('COMMAND', 'LIST'))[0] as string[]);
    r.close();
  });
  after(async () => {
    await pair?.close();
  });

  for (const proto of ['2', '3']) {
    it(`RESP${proto}`, async () => {
      const cmds: string[][] = [['HELLO', proto]];
      const modes: Mode[] = ['skip'];
      const mineSet = new Set(mine);
      for (const name of mine) {
        if (!redisAll.has(name)) continue; // newer than 7.0 (CLIENT SETINFO...)
        const subsInRedis = [...redisAll].filter((n) => n.startsWith(name + '|'));
        const container = subsInRedis.length > 0;
        if (container && !subsInRedis.every((n) => mineSet.has(n))) continue;
        // Containers with subcommands newer than 7.0 (CLIENT SETINFO) differ by those.
        if (container && mine.some((n) => n.startsWith(name + '|') && !redisAll.has(n))) continue;
        const mode: Mode = container ? 'deep' : 'exact';
        cmds.push(['COMMAND', 'INFO', name]);
        modes.push(mode);
        cmds.push(['COMMAND', 'DOCS', name]);
        modes.push(mode);
      }
      const ms = await pair.runCommands(cmds, modes);
      assert.equal(ms.length, 0, formatMismatches(ms.slice(0, 20)) + `\n(${ms.length} mismatches of ${cmds.length})`);
    });
  }
});
