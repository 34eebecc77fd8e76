/**
 * Unit tests of the RDB primitives: CRC-64 (Redis's Jones variant), LZF
 * (round trips, liblzf's exact output, corrupt input), RDB lengths, strings
 * (integer, LZF and plain forms), doubles and times, listpack, intset,
 * ziplist and zipmap.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { Crc64, crc64 } from '../../src/persistence/crc64';
import { lzfCompress, lzfDecompress, LzfError } from '../../src/persistence/lzf';
import { RdbReader, RdbWriter, RdbError, int32Of, int64Of } from '../../src/persistence/rdb-encoding';
import { ListpackBuilder, decodeListpack, lpEntryBytes } from '../../src/persistence/listpack';
import { decodeIntset, encodeIntset, intsetWidthFor } from '../../src/persistence/intset';
import { decodeZiplist, decodeZipmap, encodeZiplist } from '../../src/persistence/ziplist';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Bitwise CRC-64 (reflected Jones polynomial), the reference for the table version. */
function slowCrc(buf: Uint8Array): bigint {
  const poly = 0x95ac9329ac4bc9b5n;
  let crc = 0n;
  for (const b of buf) {
    crc ^= BigInt(b);
    for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
  }
  return crc;
}

function written(f: (w: RdbWriter) => void, compress = true): Buffer {
  const w = new RdbWriter(compress, false);
  f(w);
  return Buffer.from(w.take());
}

describe('crc64', () => {
  it('has Redis check values', () => {
    // From Redis's crc64.c self test.
    assert.equal(crc64(Buffer.from('123456789')).value(), 0xe9c6d914c4b8d9can);
    const li = Buffer.from(
      "This is a test of the emergency broadcast system. This is only a test. If this had been an actual emergency, you would have been instructed where to tune in your area for news and official information.",
    );
    assert.equal(crc64(li).value(), slowCrc(li));
    assert.equal(crc64(Buffer.alloc(0)).value(), 0n);
  });

  it('matches the bitwise definition at every length and split', () => {
    const r = rng(7);
    for (let n = 0; n < 200; n++) {
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
      assert.equal(crc64(b).value(), slowCrc(b), `length ${n}`);
      const cut = Math.floor(r() * (n + 1));
      const inc = new Crc64().update(b, 0, cut).update(b, cut, n);
      assert.equal(inc.value(), slowCrc(b));
      assert.ok(inc.matches(inc.digestLE(), 0));
    }
  });
});

describe('lzf', () => {
  const roundTrip = (input: Buffer) => {
    const out = Buffer.alloc(input.length + (input.length >> 4) + 64);
    const n = lzfCompress(input, out, out.length);
    assert.ok(n > 0 || input.length === 0);
    if (n > 0) assert.deepEqual(lzfDecompress(out, 0, n, input.length), input);
    return out.subarray(0, n);
  };

  it('round-trips text, runs, random and mixed data', () => {
    const r = rng(11);
    const samples: Buffer[] = [
      Buffer.from('a'),
      Buffer.from('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'),
      Buffer.from('abcabcabcabcabcabcabcabcabcabcabcabcabc'),
      Buffer.from('Redis RDB files use LZF. '.repeat(400)),
      Buffer.alloc(100000, 0),
    ];
    for (let k = 0; k < 40; k++) {
      const n = Math.floor(r() * 20000);
      const b = Buffer.alloc(n);
      const alphabet = 1 + Math.floor(r() * 255);
      for (let i = 0; i < n; i++) b[i] = r() < 0.3 && i > 10 ? b[i - 1 - Math.floor(r() * 10)] : Math.floor(r() * alphabet);
      samples.push(b);
    }
    for (const s of samples) roundTrip(s);
  });

  it('produces liblzf bytes (as in Redis DUMP payloads)', () => {
    // 'abc' x 13: literal run "abca", then one back reference of 35 bytes.
    assert.equal(roundTrip(Buffer.from('abcabcabcabcabcabcabcabcabcabcabcabcabc')).toString('hex'), '0361626361e01802016263');
    const long = Buffer.from('Redis RDB files use LZF. '.repeat(40));
    assert.equal(
      roundTrip(long).toString('hex'),
      '195265646973205244422066696c657320757365204c5a462e2052e0ff18e1ff12e2ff25e3ab1f012e20',
    );
  });

  it('gives up when the output does not fit', () => {
    const b = Buffer.from('q7Zp2LmX9vR4tB8nW1cY6hK3');
    const out = Buffer.alloc(64);
    assert.equal(lzfCompress(b, out, b.length - 4), 0);
  });

  it('rejects corrupt input', () => {
    const good = roundTrip(Buffer.from('hello hello hello hello hello'));
    assert.throws(() => lzfDecompress(good, 0, good.length, 10), LzfError);
    assert.throws(() => lzfDecompress(good, 0, good.length - 1, 29), LzfError);
    // A back reference before the start of the output.
    assert.throws(() => lzfDecompress(Buffer.from([0xe0, 0x10, 0xff]), 0, 3, 20), LzfError);
    // Random garbage never crashes: it decodes or throws LzfError.
    const r = rng(3);
    for (let k = 0; k < 500; k++) {
      const n = 1 + Math.floor(r() * 40);
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
      try {
        lzfDecompress(b, 0, n, Math.floor(r() * 100) + 1);
      } catch (e) {
        assert.ok(e instanceof LzfError);
      }
    }
  });
});

describe('RDB lengths and strings', () => {
  it('encodes lengths in 1, 2, 5 and 9 bytes', () => {
    const cases: [number | bigint, string][] = [
      [0, '00'],
      [63, '3f'],
      [64, '4040'],
      [16383, '7fff'],
      [16384, '8000004000'],
      [0xffffffff, '80ffffffff'],
      [0x100000000, '810000000100000000'],
      [18446744073709551615n, '81ffffffffffffffff'],
    ];
    for (const [n, hex] of cases) {
      const b = written((w) => w.len(n));
      assert.equal(b.toString('hex'), hex, String(n));
      const r = new RdbReader(b);
      assert.equal(r.lenU64(), typeof n === 'bigint' ? n : n);
    }
  });

  it('int-encodes canonical integers that fit 32 bits', () => {
    assert.equal(written((w) => w.string('0')).toString('hex'), 'c000');
    assert.equal(written((w) => w.string('-128')).toString('hex'), 'c080');
    assert.equal(written((w) => w.string('128')).toString('hex'), 'c18000');
    assert.equal(written((w) => w.string('-32769')).toString('hex'), 'c2ff7fffff');
    assert.equal(written((w) => w.string('2147483647')).toString('hex'), 'c2ffffff7f');
    // Not canonical, or too big: plain strings.
    for (const s of ['2147483648', '007', '+1', '-0', '1 ', '', '12345678901']) {
      const b = written((w) => w.string(s));
      assert.equal(b[0], s.length, s);
    }
    assert.equal(int32Of('-2147483648'), -2147483648);
    assert.equal(int32Of('-2147483649'), null);
    assert.equal(int64Of('9223372036854775807'), 9223372036854775807n);
    assert.equal(int64Of('9223372036854775808'), null);
    assert.equal(int64Of('-9223372036854775808'), -9223372036854775808n);
  });

  it('compresses long strings only when LZF saves room, and only with rdbcompression', () => {
    const s = 'abcabcabcabcabcabcabcabcabcabcabcabcabc';
    assert.equal(written((w) => w.string(s)).toString('hex'), 'c30b270361626361e01802016263');
    assert.equal(written((w) => w.string(s), false)[0], s.length);
    const short = 'aaaaaaaaaaaaaaaaaaaa'; // 20 bytes: never tried
    assert.equal(written((w) => w.string(short))[0], 20);
  });

  it('reads every string form back', () => {
    const r = rng(5);
    const strings = ['', 'x', '0', '-1', '300', '70000', '-2147483648', '9999999999', 'a'.repeat(100), 'Z'.repeat(20000)];
    for (let k = 0; k < 50; k++) {
      let s = '';
      const n = Math.floor(r() * 300);
      for (let i = 0; i < n; i++) s += String.fromCharCode(r() < 0.5 ? 97 + Math.floor(r() * 3) : Math.floor(r() * 256));
      strings.push(s);
    }
    const b = written((w) => {
      for (const s of strings) w.string(s);
      w.binaryDouble(-0.5);
      w.millis(1700000000123);
      w.millis(-1n);
    });
    const rd = new RdbReader(b);
    for (const s of strings) assert.equal(rd.string(), s);
    assert.equal(rd.binaryDouble(), -0.5);
    assert.equal(rd.millis(), 1700000000123);
    assert.equal(rd.millis(), -1);
    assert.ok(rd.atEnd());
  });

  it('reads through a refilling source (files)', () => {
    const strings = Array.from({ length: 300 }, (_, i) => 'v'.repeat(i * 37) + i);
    const b = written((w) => strings.forEach((s) => w.string(s)));
    let pos = 0;
    const r = new RdbReader(Buffer.alloc(64), 0, 0, (buf, at, max) => {
      const n = Math.min(max, 100, b.length - pos);
      b.copy(buf, at, pos, pos + n);
      pos += n;
      return n;
    });
    for (const s of strings) assert.equal(r.string(), s);
    assert.ok(r.atEnd());
  });

  it('throws RdbError on truncation and bad encodings', () => {
    assert.throws(() => new RdbReader(Buffer.from([0x05, 0x61])).string(), RdbError);
    assert.throws(() => new RdbReader(Buffer.from([0xc4])).string(), RdbError);
    assert.throws(() => new RdbReader(Buffer.from([0x82])).len(), RdbError);
    assert.throws(() => new RdbReader(Buffer.from([0xc3, 0x02, 0x05, 0x00, 0x61])).string(), RdbError);
  });
});

describe('listpack', () => {
  it('chooses integer encodings exactly at the boundaries', () => {
    const cases: [string, number][] = [
      ['0', 2], ['127', 2], ['128', 3], ['-1', 3], ['-4096', 3], ['4095', 3], ['4096', 4], ['-4097', 4],
      ['32767', 4], ['32768', 5], ['-8388608', 5], ['8388608', 6], ['2147483647', 6], ['2147483648', 10],
      ['9223372036854775807', 10], ['9223372036854775808', 21], ['-0', 4], ['01', 4], ['', 2],
    ];
    for (const [s, bytes] of cases) {
      const lp = new ListpackBuilder();
      lp.append(s);
      const buf = lp.finish();
      assert.equal(buf.length - 7, bytes, s);
      assert.equal(lpEntryBytes(s), bytes, s);
      assert.deepEqual(decodeListpack(buf).map(String), [s]);
    }
  });

  it('round-trips long strings with multi-byte back lengths', () => {
    const items = ['a'.repeat(63), 'b'.repeat(64), 'c'.repeat(126), 'd'.repeat(4095), 'e'.repeat(4096), 'f'.repeat(20000), '-9223372036854775808'];
    const lp = new ListpackBuilder();
    for (const s of items) lp.append(s);
    assert.deepEqual(decodeListpack(lp.finish()).map(String), items);
  });

  it('knows the Redis header (7 bytes empty)', () => {
    assert.equal(new ListpackBuilder().finish().toString('hex'), '0700000000' + '00' + 'ff');
  });

  it('rejects corrupt listpacks', () => {
    const lp = new ListpackBuilder();
    for (const s of ['a', 'bb', '12', 'x'.repeat(200)]) lp.append(s);
    const good = Buffer.from(lp.finish());
    assert.equal(decodeListpack(good).length, 4);
    const r = rng(9);
    for (let k = 0; k < 2000; k++) {
      const b = Buffer.from(good);
      const i = Math.floor(r() * b.length);
      b[i] = Math.floor(r() * 256);
      try {
        decodeListpack(b);
      } catch (e) {
        assert.ok(e instanceof RdbError, String(e));
      }
    }
    assert.throws(() => decodeListpack(good.subarray(0, 10)), RdbError);
  });
});

describe('intset', () => {
  it('round-trips with the width given', () => {
    for (const [members, width] of [
      [['-100', '1', '2', '3'], 2],
      [['1', '2', '100000'], 4],
      [['-9223372036854775808', '1', '9223372036854775807'], 8],
      [['1', '2'], 8],
    ] as [string[], number][]) {
      const b = encodeIntset(members, width);
      assert.equal(b.length, 8 + width * members.length);
      assert.deepEqual(decodeIntset(b), { members, width });
    }
    assert.equal(intsetWidthFor(['1', '-32769']), 4);
    assert.equal(intsetWidthFor(['2147483648']), 8);
  });

  it('rejects unsorted, duplicated or malformed intsets', () => {
    assert.throws(() => decodeIntset(encodeIntset(['2', '1'], 2)), RdbError);
    assert.throws(() => decodeIntset(encodeIntset(['1', '1'], 2)), RdbError);
    const b = encodeIntset(['1', '2'], 2);
    b.writeUInt32LE(3, 0);
    assert.throws(() => decodeIntset(b), RdbError);
    assert.throws(() => decodeIntset(encodeIntset(['1', '2'], 2).subarray(0, 10)), RdbError);
  });
});

describe('ziplist and zipmap (older files)', () => {
  it('decodes every ziplist entry encoding', () => {
    const items = ['', 'a', 'x'.repeat(63), 'y'.repeat(64), 'z'.repeat(20000), '0', '12', '13', '-1', '127', '-129', '32767', '8388607', '-8388609', '2147483648', '-9223372036854775808'];
    const zl = encodeZiplist(items);
    assert.deepEqual(decodeZiplist(zl).map(String), items);
    assert.deepEqual(decodeZiplist(encodeZiplist([])), []);
  });

  it('rejects corrupt ziplists', () => {
    const zl = encodeZiplist(['aaa', 'bbb', '1234']);
    const r = rng(21);
    for (let k = 0; k < 1000; k++) {
      const b = Buffer.from(zl);
      b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
      try {
        decodeZiplist(b);
      } catch (e) {
        assert.ok(e instanceof RdbError);
      }
    }
  });

  it('decodes zipmaps', () => {
    // zmlen 2, "f1" -> "v1" (free 0), "field2" -> "value2" (free 1), end.
    const zm = Buffer.concat([
      Buffer.from([2, 2]), Buffer.from('f1'), Buffer.from([2, 0]), Buffer.from('v1'),
      Buffer.from([6]), Buffer.from('field2'), Buffer.from([6, 1]), Buffer.from('value2'), Buffer.from([0]),
      Buffer.from([0xff]),
    ]);
    assert.deepEqual(decodeZipmap(zm), ['f1', 'v1', 'field2', 'value2']);
    assert.throws(() => decodeZipmap(zm.subarray(0, 8)), RdbError);
  });
});
