/**
 * SHUTDOWN: argument errors leave the server running; a valid SHUTDOWN
 * closes the connection without a reply and stops the server, as Redis does.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { RawConnection } from '../helpers/resp';
import { startCinnabar, startRedis, skipWithoutRedis } from '../helpers/servers';

async function shutdownSequence(port: number): Promise<string[]> {
  const c = await RawConnection.connect(port);
  const out: string[] = [];
  for (const argv of [['SHUTDOWN', 'ABORT'], ['SHUTDOWN', 'SAVE', 'NOSAVE'], ['SHUTDOWN', 'bogus'], ['PING']]) {
    out.push((await c.call(...argv)).toString('latin1'));
  }
  c.send('SHUTDOWN', 'NOSAVE');
  out.push(String(await c.waitClosed(5000)));
  out.push(JSON.stringify(c.pending().toString('latin1')));
  // Nothing listens any more.
  const refused = await RawConnection.connect(port).then(
    (x) => {
      x.close();
      return 'connected';
    },
    () => 'refused',
  );
  out.push(refused);
  return out;
}

describe('SHUTDOWN', () => {
  it('stops an embedded Cinnabar', async () => {
    const s = await startCinnabar();
    const out = await shutdownSequence(s.port);
    assert.deepEqual(out.slice(0, 4), ['-ERR No shutdown in progress.\r\n', '-ERR syntax error\r\n', '-ERR syntax error\r\n', '+PONG\r\n']);
    assert.deepEqual(out.slice(4), ['true', '""', 'refused']);
    await s.close();
  });

  it('behaves like Redis', { skip: skipWithoutRedis() }, async () => {
    const r = await startRedis();
    const k = await startCinnabar();
    const [a, b] = await Promise.all([shutdownSequence(r.port), shutdownSequence(k.port)]);
    assert.deepEqual(b, a);
    await Promise.all([r.close(), k.close()]);
  });
});
