/**
 * Runs a case file of the differential harness as node:test tests, one per
 * case, against one Redis/Cinnabar pair. Skips when redis-server is absent.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { DiffPair, formatMismatches, parseCases } from './diff';
import { skipWithoutRedis } from './servers';

/** The repository root (tests run from dist/tests/...). */
export const repoRoot = path.resolve(__dirname, '..', '..', '..');

export function runCaseFile(file: string, opts: { redisArgs?: string[]; cinnabar?: Record<string, string | number> } = {}): void {
  const full = path.join(repoRoot, 'tests', 'diff', 'cases', file);
  const cases = parseCases(fs.readFileSync(full, 'latin1'), file);
  const skip = skipWithoutRedis();
  describe(`differential: ${file}`, { skip }, () => {
    let pair: DiffPair;
    before(async () => {
      pair = await DiffPair.start(opts);
    });
    after(async () => {
      await pair?.close();
    });
    for (const c of cases) {
      it(c.name, async () => {
        const ms = await pair.runCase(c);
        assert.equal(ms.length, 0, '\n' + formatMismatches(ms));
      });
    }
  });
}
