/**
 * Loading one AOF file (loadSingleFile) into an in-process server: commands,
 * annotations, SELECT and MULTI/EXEC, an RDB preamble followed by commands,
 * truncated files with and without aof-load-truncated (the file is cut after
 * the last complete command, an unfinished MULTI is reverted), bad format and
 * unknown commands, and keys that are already expired while loading.
 */
import { after, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Server } from '../../src/server/server';
import { loadSingleFile, type LoadStatus } from '../../src/persistence/aof-load';
import { encodeCommand } from '../../src/persistence/aof-format';
import { RdbManager } from '../../src/persistence/manager';
import { strOf, type StringValue } from '../../src/db/values';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cinnabar-aof-load-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;

function cmds(...list: string[][]): string {
  return list.map(encodeCommand).join('');
}

/** Load `content` as one file into a fresh server; the server, status and log. */
function load(content: string | Buffer, opts: { truncated?: boolean; name?: string } = {}): { s: Server; ret: LoadStatus; log: string; file: string } {
  const dir = path.join(root, String(n++));
  fs.mkdirSync(dir);
  const logfile = path.join(dir, 'log');
  const s = new Server({ dir, logfile });
  const name = opts.name ?? 'appendonly.aof.1.incr.aof';
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof content === 'string' ? Buffer.from(content, 'latin1') : content);
  s.loading = true;
  const ret = loadSingleFile({ server: s, dir, appendFilename: 'appendonly.aof', loadTruncated: opts.truncated ?? true }, name);
  s.loading = false;
  s.log.close();
  return { s, ret, log: fs.readFileSync(logfile, 'utf8'), file };
}

function get(s: Server, db: number, key: string): string | undefined {
  const v = s.dbs[db].dict.get(key);
  return v === undefined ? undefined : strOf(v as StringValue);
}

describe('AOF loading', () => {
  it('runs commands, skips annotations, follows SELECT and MULTI/EXEC', () => {
    const text =
      '#TS:1700000000\r\n' +
      cmds(['SELECT', '0'], ['SET', 'a', '1'], ['INCR', 'a'], ['SELECT', '2'], ['MULTI'], ['RPUSH', 'l', 'x', 'y'], ['SET', 'b', 'v'], ['EXEC']);
    const { s, ret } = load(text);
    assert.equal(ret, 'ok');
    assert.equal(get(s, 0, 'a'), '2');
    assert.equal(get(s, 2, 'b'), 'v');
    assert.equal(s.dbs[2].dict.size, 2);
    // Replayed commands are not counted in commandstats (Redis calls the command procs directly).
    assert.equal(s.registry.get('incr')!.stats.calls, 0);
  });

  it('an empty file is empty', () => {
    assert.equal(load('').ret, 'empty');
  });

  it('cuts a truncated file after the last complete command', () => {
    const good = cmds(['SET', 'a', '1'], ['SET', 'b', '2']);
    for (const tail of ['*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$5\r\nabc', '*3\r\n$3\r\nSET', '*', '*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$1\r\nv']) {
      const { s, ret, log, file } = load(good + tail);
      assert.equal(ret, 'truncated', tail);
      assert.equal(get(s, 0, 'b'), '2');
      assert.equal(get(s, 0, 'c'), undefined);
      assert.equal(fs.statSync(file).size, good.length);
      assert.match(log, /# !!! Warning: short read while loading the AOF file appendonly\.aof\.1\.incr\.aof!!!/);
      assert.match(log, new RegExp(`# !!! Truncating the AOF appendonly\\.aof\\.1\\.incr\\.aof at offset ${good.length} !!!`));
      assert.match(log, /# AOF appendonly\.aof\.1\.incr\.aof loaded anyway because aof-load-truncated is enabled/);
    }
  });

  it('refuses a truncated file when aof-load-truncated is no', () => {
    const { ret, log, file } = load(cmds(['SET', 'a', '1']) + '*2\r\n$3\r\nGET', { truncated: false });
    assert.equal(ret, 'failed');
    assert.match(
      log,
      /# Unexpected end of file reading the append only file appendonly\.aof\.1\.incr\.aof\. You can: 1\) Make a backup of your AOF file, then use \.\/redis-check-aof --fix <filename\.manifest>\. 2\) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server\./,
    );
    assert.ok(fs.statSync(file).size > 10, 'the file is left alone');
  });

  it('reverts a MULTI that never reached EXEC', () => {
    const good = cmds(['SET', 'a', '1']);
    const { s, ret, log, file } = load(good + cmds(['MULTI'], ['SET', 'b', '2'], ['SET', 'c', '3']));
    assert.equal(ret, 'truncated');
    assert.equal(get(s, 0, 'b'), undefined);
    assert.equal(fs.statSync(file).size, good.length);
    assert.match(log, /# Revert incomplete MULTI\/EXEC transaction in AOF file appendonly\.aof\.1\.incr\.aof/);
  });

  it('fails on bad format and unknown commands, with Redis log lines', () => {
    const bad = load(cmds(['SET', 'a', '1']) + 'garbage\r\n');
    assert.equal(bad.ret, 'failed');
    assert.match(
      bad.log,
      /# Bad file format reading the append only file appendonly\.aof\.1\.incr\.aof: make a backup of your AOF file, then use \.\/redis-check-aof --fix <filename\.manifest>/,
    );
    assert.equal(load('*1\r\nGET\r\n').ret, 'failed', 'a length line must start with $');
    const unknown = load(cmds(['NOSUCHCMD', 'x']));
    assert.equal(unknown.ret, 'failed');
    assert.match(unknown.log, /# Unknown command 'NOSUCHCMD' reading the append only file appendonly\.aof\.1\.incr\.aof/);
  });

  it('keeps keys that expired before loading alive while loading, as Redis does', () => {
    // The TTL had not passed when PERSIST ran; loading must not expire the key in between.
    const { s, ret } = load(cmds(['SET', 'k', 'v', 'PXAT', '1000'], ['PERSIST', 'k'], ['SET', 'gone', 'v', 'PXAT', '1000'], ['APPEND', 'gone', 'x']));
    assert.equal(ret, 'ok');
    assert.equal(get(s, 0, 'k'), 'v');
    assert.equal(s.dbs[0].dict.getExpire(s.dbs[0].dict.find('k')), 0);
    assert.equal(get(s, 0, 'gone'), 'vx');
  });

  it('reads an RDB preamble, then the commands after it', () => {
    const src = new Server({});
    src.log.silent = true;
    src.dbs[0].add('r1', 'from-rdb');
    src.dbs[3].add('r2', 7);
    const rdb = RdbManager.of(src).payload();
    const tail = cmds(['SELECT', '3'], ['INCR', 'r2']);
    const { s, ret, log } = load(Buffer.concat([rdb, Buffer.from(tail, 'latin1')]), { name: 'appendonly.aof' });
    assert.equal(ret, 'ok');
    assert.equal(get(s, 0, 'r1'), 'from-rdb');
    assert.equal(get(s, 3, 'r2'), '8');
    assert.match(log, /\* Reading RDB preamble from AOF file\.\.\./);
    assert.match(log, /\* Reading the remaining AOF tail\.\.\./);
    // The same bytes as a base file of a multi-part AOF.
    const base = load(rdb, { name: 'appendonly.aof.1.base.rdb' });
    assert.equal(base.ret, 'ok');
    assert.match(base.log, /\* Reading RDB base file on AOF loading\.\.\./);
    assert.match(base.log, /\* Done loading RDB, keys loaded: 2, keys expired: 0\./);
  });
});
