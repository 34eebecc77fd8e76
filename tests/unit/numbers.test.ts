/**
 * Redis's number rules: string2ll, strtod with Redis's checks, %.17g.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatG17, parseDouble, parseInt64 } from '../../src/protocol/numbers';
import { globMatch } from '../../src/util/glob';

describe('parseInt64 (string2ll)', () => {
  it('accepts canonical int64 only', () => {
    assert.equal(parseInt64('0'), 0);
    assert.equal(parseInt64('-12'), -12);
    assert.equal(parseInt64('9223372036854775807'), 9223372036854775807);
    for (const bad of ['', '-', '+1', '01', '-0', ' 1', '1 ', '1.0', '9223372036854775808', '-9223372036854775809', '0x10']) {
      assert.equal(parseInt64(bad), null, bad);
    }
  });
});

describe('parseDouble (strtod as Redis uses it)', () => {
  it('accepts what strtod accepts over the whole string', () => {
    assert.equal(parseDouble('1.5'), 1.5);
    assert.equal(parseDouble('-1e3'), -1000);
    assert.equal(parseDouble('.5'), 0.5);
    assert.equal(parseDouble('5.'), 5);
    assert.equal(parseDouble('inf'), Infinity);
    assert.equal(parseDouble('-Infinity'), -Infinity);
    assert.equal(parseDouble('0x10'), 16);
    for (const bad of ['', ' 1', '1 ', 'nan', 'abc', '1e', '1e400', '1e-400']) assert.equal(parseDouble(bad), null, bad);
  });
});

describe('formatG17 (printf %.17g)', () => {
  it('matches glibc output', () => {
    const cases: [number, string][] = [
      [1.1, '1.1000000000000001'],
      [0, '0'],
      [-0, '-0'],
      [1e300, '1.0000000000000001e+300'],
      [0.0001, '0.0001'],
      [0.00001, '1.0000000000000001e-05'],
      [100, '100'],
      [1e17, '1e+17'],
      [12345678901234567, '12345678901234568'],
      [1.5, '1.5'],
      [-2.25, '-2.25'],
      // An exact tie at the 18th digit rounds half to even, as glibc does.
      [1 + 2 ** -17, '1.0000076293945312'],
    ];
    for (const [d, s] of cases) assert.equal(formatG17(d), s, String(d));
  });
});

describe('globMatch (stringmatchlen)', () => {
  it('matches like Redis', () => {
    assert.ok(globMatch('cache:*', 'cache:a'));
    assert.ok(globMatch('h?llo', 'hello'));
    assert.ok(globMatch('h[ae]llo', 'hallo'));
    assert.ok(!globMatch('h[^e]llo', 'hello'));
    assert.ok(globMatch('h[a-c]llo', 'hbllo'));
    assert.ok(globMatch('a\\*b', 'a*b'));
    assert.ok(!globMatch('a\\*b', 'axb'));
    assert.ok(globMatch('MAX*', 'maxmemory', true));
    assert.ok(!globMatch('MAX*', 'maxmemory'));
    // stringmatchlen('*', '') is false; KEYS and SCAN special-case the lone '*'.
    assert.ok(!globMatch('*', ''));
    assert.ok(!globMatch('a*a*a*a*a*a*a*a*b', 'a'.repeat(50)));
  });
});
