/**
 * Unit tests of the x87 long double emulation (src/data/longdouble.ts) that
 * INCRBYFLOAT uses. The expected outputs were produced by a C program doing
 * exactly what Redis does on x86-64 glibc: string2ld (strtold with Redis's
 * checks), one long double addition, and ld2string's %.17Lf form.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { bitLength, formatFixed17, isFiniteLd, ldAdd, ldFromInt, ldToHuman, ldToNumber, roundToLd, string2ld, strtold } from '../../src/data/longdouble';

/** [value, increment, what INCRBYFLOAT stores: a number, ERR (not a float) or NANINF]. */
const VECTORS: [string, string, string][] = [
  ['10.5', '0.1', '10.6'],
  ['0', '0', '0'],
  ['-0', '-0', '0'],
  ['1.1', '2.2', '3.3'],
  ['0.1', '0.2', '0.3'],
  ['1.18973149535723176502e+4932', '1e4931', 'NANINF'],
  ['1e5000', '1', 'ERR'],
  ['1e-5000', '1', 'ERR'],
  ['3.6e-4951', '0', '0'],
  ['1e-4940', '1e-4940', '0'],
  ['0x1p-18', '0', '0.00000381469726562'],
  ['0x1p-16445', '0', '0'],
  ['0x1.8', '0x.8p1', '2.5'],
  ['inf', '1', 'NANINF'],
  ['-inf', 'inf', 'NANINF'],
  ['nan', '1', 'ERR'],
  ['1e', '1', 'ERR'],
  [' 1', '1', 'ERR'],
  ['1 ', '1', 'ERR'],
  ['+.5', '5.', '5.5'],
  ['9223372036854775807', '1', '9223372036854775808'],
  ['-9223372036854775808', '-1', '-9223372036854775809'],
  ['18446744073709551615', '1', '18446744073709551616'],
  ['18446744073709551617', '0', '18446744073709551616'],
  ['123456789.123456789', '0.000000001', '123456789.12345678999554366'],
  ['5e-18', '0', '0'],
  ['1.5e-17', '0', '0.00000000000000002'],
  ['-0.000000000000000004', '0', '0'],
  ['3.00000000000000000005', '0', '3'],
  ['0.1', '-0.1', '0'],
  ['1e300', '-1e300', '0'],
  ['7', '0x', 'ERR'],
  ['0x', '7', 'ERR'],
];

function incrbyfloat(a: string, b: string): string {
  const x = string2ld(a);
  const y = string2ld(b);
  if (x === null || y === null) return 'ERR';
  const s = ldAdd(x, y);
  if (!isFiniteLd(s)) return 'NANINF';
  return ldToHuman(s);
}

describe('long double', () => {
  it('matches glibc on reference vectors', () => {
    for (const [a, b, want] of VECTORS) assert.equal(incrbyfloat(a, b), want, `${a} + ${b}`);
  });

  it('adds huge values exactly', () => {
    const s = incrbyfloat('1e4000', '1e4000');
    assert.equal(s.length, 4001);
    assert.ok(s.startsWith('1999999999999999999993092774619924756986'));
  });

  it('keeps 64 bits of mantissa: integers up to 2^64 are exact', () => {
    assert.equal(ldToHuman(ldFromInt(2n ** 64n - 1n)), '18446744073709551615');
    assert.equal(ldToHuman(ldFromInt(2n ** 64n + 1n)), '18446744073709551616');
    assert.equal(ldToHuman(ldFromInt(-(2n ** 63n))), '-9223372036854775808');
  });

  it('rounds to nearest, ties to even', () => {
    // 2^64 + 2 is exact; 2^65 + 2 lies halfway between 2^65 and 2^65 + 4.
    assert.equal(ldToHuman(roundToLd(false, 2n ** 65n + 2n, 0)), String(2n ** 65n));
    assert.equal(ldToHuman(roundToLd(false, 2n ** 65n + 6n, 0)), String(2n ** 65n + 8n));
    assert.equal(ldToHuman(roundToLd(false, 2n ** 65n + 3n, 0)), String(2n ** 65n + 4n));
  });

  it('formats %.17Lf with exact ties to even', () => {
    // 2^-18 = 0.000003814697265625: the 18th decimal is a 5 with nothing after.
    assert.equal(formatFixed17(roundToLd(false, 1n, -18)), '0.00000381469726562');
    // 3 * 2^-18 = 0.000011444091796875 rounds up (7 is odd).
    assert.equal(formatFixed17(roundToLd(false, 3n, -18)), '0.00001144409179688');
    assert.equal(formatFixed17(ldFromInt(0)), '0.00000000000000000');
    assert.equal(formatFixed17(string2ld('-0')!), '-0.00000000000000000');
  });

  it('parses like strtold: forms, stops and range errors', () => {
    assert.equal(strtold('1.5e3xyz').end, 5);
    assert.equal(strtold('0x').end, 1);
    assert.equal(strtold('0x1p').end, 3);
    assert.equal(strtold('infinityx').end, 8);
    assert.equal(strtold('nan(abc)').end, 8);
    assert.equal(strtold('  7').end, 3);
    assert.equal(strtold('1e99999').erange, true);
    assert.equal(strtold('1e-99999').erange, true);
    assert.equal(strtold('0e-99999').erange, false);
    assert.equal(ldToNumber(string2ld('0x1.8p1')!), 3);
    assert.equal(ldToNumber(string2ld('-.25')!), -0.25);
    assert.equal(string2ld(''), null);
    assert.equal(string2ld('0'.repeat(5119) + '1'), null);
    assert.equal(ldToNumber(string2ld('0'.repeat(5118) + '1')!), 1);
    // A subnormal result is accepted (ERANGE, but not zero).
    assert.notEqual(string2ld('1e-4945'), null);
  });

  it('counts bits', () => {
    assert.equal(bitLength(0n), 0);
    assert.equal(bitLength(1n), 1);
    assert.equal(bitLength(255n), 8);
    assert.equal(bitLength(256n), 9);
    assert.equal(bitLength(2n ** 1000n), 1001);
  });
});
