/**
 * The AOF manifest: Redis 7.0's line syntax, file names, the checks (and
 * error texts) of aofLoadManifestFromFile, and the bookkeeping of a rewrite.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { AofManifest, ManifestError, manifestName, tempIncrName, tempManifestName } from '../../src/persistence/aof-manifest';

function parseError(text: string): string {
  try {
    AofManifest.parse(text);
  } catch (e) {
    assert.ok(e instanceof ManifestError);
    return e.message;
  }
  return 'no error';
}

describe('AOF manifest', () => {
  it('writes the base, then history, then incremental files', () => {
    const m = new AofManifest();
    m.newBase('appendonly.aof', true);
    m.newIncr('appendonly.aof');
    assert.equal(m.toString(), 'file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
    // A rewrite: a new incr file at its start, then a new base; covered files become history.
    m.newIncr('appendonly.aof');
    m.newBase('appendonly.aof', false);
    m.markIncrAsHistory(true);
    assert.equal(
      m.toString(),
      'file appendonly.aof.2.base.aof seq 2 type b\n' +
        'file appendonly.aof.1.incr.aof seq 1 type h\n' +
        'file appendonly.aof.1.base.rdb seq 1 type h\n' +
        'file appendonly.aof.2.incr.aof seq 2 type i\n',
    );
    // With AOF off nothing is being written: every incr file is covered.
    m.newIncr('appendonly.aof');
    m.markIncrAsHistory(false);
    assert.equal(m.incr.length, 0);
    assert.deepEqual(
      m.history.map((h) => h.name),
      ['appendonly.aof.2.incr.aof', 'appendonly.aof.3.incr.aof', 'appendonly.aof.1.incr.aof', 'appendonly.aof.1.base.rdb'],
    );
  });

  it('reads what it writes, and what Redis writes', () => {
    const text = 'file appendonly.aof.3.base.rdb seq 3 type b\nfile appendonly.aof.2.incr.aof seq 2 type h\nfile appendonly.aof.3.incr.aof seq 3 type i\nfile appendonly.aof.4.incr.aof seq 4 type i\n';
    const m = AofManifest.parse(text);
    assert.equal(m.toString(), text);
    assert.equal(m.baseSeq, 3);
    assert.equal(m.incrSeq, 4);
    assert.equal(m.lastIncr('appendonly.aof').name, 'appendonly.aof.4.incr.aof');
    assert.equal(m.newIncr('appendonly.aof').name, 'appendonly.aof.5.incr.aof');
    assert.equal(m.newBase('appendonly.aof', true).name, 'appendonly.aof.4.base.rdb');
  });

  it('accepts comments, keys in any case and order, extra keys, CRLF', () => {
    const m = AofManifest.parse('# a comment\nTYPE b SEQ 7 FILE base.rdb extra 1\r\nfile x.incr seq 9 type i\n');
    assert.deepEqual(m.base, { name: 'base.rdb', seq: 7, type: 'b' });
    assert.deepEqual(m.incr, [{ name: 'x.incr', seq: 9, type: 'i' }]);
  });

  it('quotes names that need it, as sdscatrepr, and reads them back', () => {
    const m = new AofManifest();
    m.newBase('my file"\t.aof', true);
    const text = m.toString();
    assert.equal(text, 'file "my file\\"\\t.aof.1.base.rdb" seq 1 type b\n');
    assert.equal(AofManifest.parse(text).base!.name, 'my file"\t.aof.1.base.rdb');
    // A backslash is quoted when written, but such a name is refused on reading (it could be a path).
    const w = new AofManifest();
    w.newBase('a\\b', true);
    assert.equal(w.toString(), 'file "a\\\\b.1.base.rdb" seq 1 type b\n');
    const n = new AofManifest();
    n.newIncr('a\x01b');
    assert.equal(n.toString(), 'file "a\\x01b.1.incr.aof" seq 1 type i\n');
  });

  it('rejects what Redis rejects, with its messages', () => {
    assert.equal(parseError(''), 'Found an empty AOF manifest');
    assert.equal(parseError('file a seq 1 type b'), 'The AOF manifest file contains too long line');
    assert.equal(parseError('file ' + 'x'.repeat(1100) + ' seq 1 type b\n'), 'The AOF manifest file contains too long line');
    assert.equal(parseError('\n'), 'Invalid AOF manifest file format');
    assert.equal(parseError('file a seq 1\n'), 'Invalid AOF manifest file format');
    assert.equal(parseError('file a seq 1 type\n'), 'Invalid AOF manifest file format');
    assert.equal(parseError('file a seq 0 type b\n'), 'Invalid AOF manifest file format');
    assert.equal(parseError('file "a seq 1 type b\n'), 'Invalid AOF manifest file format');
    assert.equal(parseError('file dir/a seq 1 type b\n'), "File can't be a path, just a filename");
    assert.equal(parseError('file a seq 1 type b\nfile b seq 2 type b\n'), 'Found duplicate base file information');
    assert.equal(parseError('file a seq 2 type i\nfile b seq 2 type i\n'), 'Found a non-monotonic sequence number');
    assert.equal(parseError('file a seq 1 type x\n'), 'Unknown AOF file type');
  });

  it('names the side files as Redis does', () => {
    assert.equal(manifestName('appendonly.aof'), 'appendonly.aof.manifest');
    assert.equal(tempManifestName('appendonly.aof'), 'temp-appendonly.aof.manifest');
    assert.equal(tempIncrName('appendonly.aof'), 'temp-appendonly.aof.incr');
  });
});
