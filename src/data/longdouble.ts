/**
 * The x87 80-bit "long double" that Redis's INCRBYFLOAT computes with on
 * x86-64 Linux, emulated exactly with BigInt:
 *
 *  - a finite value is sign * m * 2^e with a 64-bit significand m (explicit
 *    integer bit) and 15-bit exponent: normal values have 2^63 <= m < 2^64,
 *    subnormals sit at the lowest exponent (e = EMIN, smallest 2^-16445);
 *  - parse() is glibc's strtold (decimal, hexadecimal, inf/nan), correctly
 *    rounded to nearest, ties to even, reporting overflow and underflow as
 *    ERANGE does;
 *  - add() is one x87 addition rounded to 64 bits, ties to even;
 *  - formatFixed17() is printf("%.17Lf"), rounded exactly (ties to even).
 */

/** Exponent of the lowest bit of the smallest subnormal: 2^-16445. */
const EMIN = -16445;
/** Largest exponent e of m * 2^e for a finite value (max = (2^64-1) * 2^16320). */
const EMAX = 16320;
const TWO64 = 1n << 64n;
const TWO63 = 1n << 63n;

export const enum LdKind {
  Finite,
  Inf,
  NaN,
}

export interface LongDouble {
  kind: LdKind;
  neg: boolean;
  /** Significand, < 2^64 (0 for zero). */
  m: bigint;
  /** Exponent of the significand's lowest bit. */
  e: number;
}

export function ldZero(neg = false): LongDouble {
  return { kind: LdKind.Finite, neg, m: 0n, e: EMIN };
}

function inf(neg: boolean): LongDouble {
  return { kind: LdKind.Inf, neg, m: 0n, e: 0 };
}

const NAN: LongDouble = { kind: LdKind.NaN, neg: false, m: 0n, e: 0 };

/** Number of bits of a positive bigint. */
export function bitLength(n: bigint): number {
  if (n === 0n) return 0;
  // toString(16) is linear and cheap compared with the arithmetic around it.
  const h = n.toString(16);
  const top = parseInt(h[0], 16);
  return (h.length - 1) * 4 + (32 - Math.clz32(top));
}

/**
 * Round the exact value (-1)^neg * n * 2^exp to a long double, nearest with
 * ties to even. `sticky` says there are nonzero bits below n (an inexact n
 * carrying at least two bits below the rounding position).
 */
export function roundToLd(neg: boolean, n: bigint, exp: number): LongDouble {
  if (n === 0n) return ldZero(neg);
  const len = bitLength(n);
  // Top bit's exponent beyond the largest finite: certain overflow.
  if (len + exp - 1 > EMAX + 63) return inf(neg);
  let shift = Math.max(len - 64, EMIN - exp);
  let m: bigint;
  let e: number;
  if (shift <= 0) {
    // Exact: normalise upward as far as the exponent range allows.
    const left = Math.min(64 - len, exp - EMIN);
    m = n << BigInt(left);
    e = exp - left;
  } else {
    if (shift > len + 1) return ldZero(neg); // below half the smallest subnormal
    const bs = BigInt(shift);
    let q = n >> bs;
    const r = n - (q << bs);
    const half = 1n << (bs - 1n);
    if (r > half || (r === half && (q & 1n) === 1n)) q += 1n;
    e = exp + shift;
    if (q === TWO64) {
      q >>= 1n;
      e += 1;
    }
    m = q;
    if (m === 0n) return ldZero(neg);
  }
  if (e > EMAX) return inf(neg);
  return { kind: LdKind.Finite, neg, m, e };
}

export function ldFromInt(v: number | bigint): LongDouble {
  const b = typeof v === 'bigint' ? v : BigInt(v);
  return b < 0n ? roundToLd(true, -b, 0) : roundToLd(false, b, 0);
}

export function isFiniteLd(x: LongDouble): boolean {
  return x.kind === LdKind.Finite;
}

/** x + y as one x87 addition. */
export function ldAdd(x: LongDouble, y: LongDouble): LongDouble {
  if (x.kind === LdKind.NaN || y.kind === LdKind.NaN) return NAN;
  if (x.kind === LdKind.Inf) {
    if (y.kind === LdKind.Inf && y.neg !== x.neg) return NAN;
    return x;
  }
  if (y.kind === LdKind.Inf) return y;
  if (x.m === 0n && y.m === 0n) return ldZero(x.neg && y.neg);
  if (x.m === 0n) return y;
  if (y.m === 0n) return x;
  const e = Math.min(x.e, y.e);
  const a = x.m << BigInt(x.e - e);
  const b = y.m << BigInt(y.e - e);
  let s = (x.neg ? -a : a) + (y.neg ? -b : b);
  if (s === 0n) return ldZero(false);
  const neg = s < 0n;
  if (neg) s = -s;
  return roundToLd(neg, s, e);
}

// ---- strtold --------------------------------------------------------------------

export interface ParseResult {
  value: LongDouble;
  /** errno == ERANGE: overflow to infinity or underflow. */
  erange: boolean;
  /** Characters consumed (eptr - buf). */
  end: number;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

function matchWord(s: string, i: number, w: string): boolean {
  if (i + w.length > s.length) return false;
  return s.slice(i, i + w.length).toLowerCase() === w;
}

const POW10_CACHE = new Map<number, bigint>();
function pow10(k: number): bigint {
  let p = POW10_CACHE.get(k);
  if (p === undefined) {
    p = 10n ** BigInt(k);
    if (POW10_CACHE.size < 64) POW10_CACHE.set(k, p);
  }
  return p;
}

/** Parse an optionally signed decimal exponent at i; returns [value clamped, end] or null. */
function parseExp(s: string, i: number): [number, number] | null {
  let j = i;
  let neg = false;
  if (j < s.length && (s.charCodeAt(j) === 43 || s.charCodeAt(j) === 45)) {
    neg = s.charCodeAt(j) === 45;
    j++;
  }
  if (j >= s.length || !isDigit(s.charCodeAt(j))) return null;
  let v = 0;
  while (j < s.length && isDigit(s.charCodeAt(j))) {
    if (v < 1e9) v = v * 10 + (s.charCodeAt(j) - 48);
    j++;
  }
  return [neg ? -v : v, j];
}

/**
 * glibc strtold from position 0 (leading whitespace is skipped as strtold
 * does; callers that must refuse it check themselves).
 */
export function strtold(s: string): ParseResult {
  let i = 0;
  const n = s.length;
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  let neg = false;
  if (i < n && (s.charCodeAt(i) === 43 || s.charCodeAt(i) === 45)) {
    neg = s.charCodeAt(i) === 45;
    i++;
  }
  const none: ParseResult = { value: ldZero(false), erange: false, end: 0 };
  if (i >= n) return none;
  const c = s.charCodeAt(i);
  if (c === 105 || c === 73) {
    if (matchWord(s, i, 'infinity')) return { value: inf(neg), erange: false, end: i + 8 };
    if (matchWord(s, i, 'inf')) return { value: inf(neg), erange: false, end: i + 3 };
    return none;
  }
  if (c === 110 || c === 78) {
    if (!matchWord(s, i, 'nan')) return none;
    let j = i + 3;
    if (j < n && s.charCodeAt(j) === 40) {
      let k = j + 1;
      while (k < n) {
        const ch = s.charCodeAt(k);
        if (isDigit(ch) || (ch >= 65 && ch <= 90) || (ch >= 97 && ch <= 122) || ch === 95) k++;
        else break;
      }
      if (k < n && s.charCodeAt(k) === 41) j = k + 1;
    }
    return { value: NAN, erange: false, end: j };
  }
  if (c === 48 && i + 1 < n && (s.charCodeAt(i + 1) === 120 || s.charCodeAt(i + 1) === 88)) {
    const r = parseHex(s, i + 2, neg);
    if (r !== null) return r;
    // "0x" without hex digits: only the "0" is a number.
    return { value: ldZero(neg), erange: false, end: i + 1 };
  }
  return parseDecimal(s, i, neg) ?? none;
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function parseDecimal(s: string, i: number, neg: boolean): ParseResult | null {
  const n = s.length;
  let j = i;
  let digits = '';
  let fracDigits = 0;
  let any = false;
  while (j < n && isDigit(s.charCodeAt(j))) {
    digits += s[j];
    j++;
    any = true;
  }
  if (j < n && s.charCodeAt(j) === 46) {
    j++;
    while (j < n && isDigit(s.charCodeAt(j))) {
      digits += s[j];
      fracDigits++;
      j++;
      any = true;
    }
  }
  if (!any) return null;
  let exp = 0;
  if (j < n && (s.charCodeAt(j) === 101 || s.charCodeAt(j) === 69)) {
    const pe = parseExp(s, j + 1);
    if (pe !== null) {
      exp = pe[0];
      j = pe[1];
    }
  }
  // Strip leading zeros; value = D * 10^(exp - fracDigits).
  let k = 0;
  while (k < digits.length && digits.charCodeAt(k) === 48) k++;
  digits = digits.slice(k);
  if (digits.length === 0) return { value: ldZero(neg), erange: false, end: j };
  // Trailing zeros only scale.
  let t = digits.length;
  while (t > 1 && digits.charCodeAt(t - 1) === 48) t--;
  let x = exp - fracDigits + (digits.length - t);
  digits = digits.slice(0, t);
  const mag = digits.length + x; // value is in [10^(mag-1), 10^mag)
  if (mag > 4934) return { value: inf(neg), erange: true, end: j };
  if (mag < -4952) return { value: ldZero(neg), erange: true, end: j };
  const d = BigInt(digits);
  let r: LongDouble;
  if (x >= 0) r = roundToLd(neg, d * pow10(x), 0);
  else {
    const den = pow10(-x);
    const s2 = Math.max(0, 68 + bitLength(den) - bitLength(d));
    const num = d << BigInt(s2);
    const q = num / den;
    const rem = num - q * den;
    // One extra sticky bit below q keeps rounding exact.
    r = roundToLd(neg, (q << 1n) | (rem === 0n ? 0n : 1n), -s2 - 1);
    x = 0;
  }
  return { value: r, erange: rangeError(r, true), end: j };
}

/** ERANGE: overflow to infinity, or a nonzero input that rounded to zero or a subnormal. */
function rangeError(r: LongDouble, nonzeroInput: boolean): boolean {
  if (r.kind === LdKind.Inf) return true;
  if (r.kind !== LdKind.Finite) return false;
  if (r.m === 0n) return nonzeroInput;
  return r.e === EMIN && r.m < TWO63;
}

function parseHex(s: string, i: number, neg: boolean): ParseResult | null {
  const n = s.length;
  let j = i;
  let h = 0n;
  let any = false;
  let fracDigits = 0;
  let hexs = '';
  while (j < n && hexVal(s.charCodeAt(j)) >= 0) {
    hexs += s[j];
    j++;
    any = true;
  }
  if (j < n && s.charCodeAt(j) === 46) {
    let k = j + 1;
    let fr = '';
    while (k < n && hexVal(s.charCodeAt(k)) >= 0) {
      fr += s[k];
      k++;
    }
    if (any || fr.length > 0) {
      hexs += fr;
      fracDigits = fr.length;
      any = true;
      j = k;
    }
  }
  if (!any) return null;
  let exp = 0;
  if (j < n && (s.charCodeAt(j) === 112 || s.charCodeAt(j) === 80)) {
    const pe = parseExp(s, j + 1);
    if (pe !== null) {
      exp = pe[0];
      j = pe[1];
    }
  }
  h = hexs.length > 0 ? BigInt('0x' + hexs) : 0n;
  if (h === 0n) return { value: ldZero(neg), erange: false, end: j };
  const e2 = exp - 4 * fracDigits;
  const len = bitLength(h);
  if (len + e2 > 16384 + 2) return { value: inf(neg), erange: true, end: j };
  if (len + e2 < EMIN - 2) return { value: ldZero(neg), erange: true, end: j };
  const r = roundToLd(neg, h, e2);
  return { value: r, erange: rangeError(r, true), end: j };
}

/**
 * Redis's string2ld: the whole string must parse, no leading space, at most
 * 5119 bytes, no NaN, and no overflow or underflow to zero. Null when refused.
 */
export function string2ld(s: string): LongDouble | null {
  const n = s.length;
  if (n === 0 || n >= 5 * 1024) return null;
  if (isSpace(s.charCodeAt(0))) return null;
  const r = strtold(s);
  if (r.end !== n) return null;
  const v = r.value;
  if (v.kind === LdKind.NaN) return null;
  if (r.erange && (v.kind === LdKind.Inf || v.m === 0n)) return null;
  return v;
}

// ---- printf --------------------------------------------------------------------

/** printf("%.17Lf", x) for a finite x. */
export function formatFixed17(x: LongDouble): string {
  const P = 17;
  let scaled: bigint;
  const mul = pow10(P);
  if (x.e >= 0) scaled = (x.m << BigInt(x.e)) * mul;
  else {
    const sh = BigInt(-x.e);
    const num = x.m * mul;
    let q = num >> sh;
    const r = num - (q << sh);
    const half = 1n << (sh - 1n);
    if (r > half || (r === half && (q & 1n) === 1n)) q += 1n;
    scaled = q;
  }
  let d = scaled.toString();
  if (d.length < P + 1) d = '0'.repeat(P + 1 - d.length) + d;
  return (x.neg ? '-' : '') + d.slice(0, d.length - P) + '.' + d.slice(d.length - P);
}

/**
 * ld2string(..., LD_STR_HUMAN): "inf"/"-inf", else %.17Lf with trailing
 * zeros (and a bare '.') removed, and "-0" turned into "0".
 */
export function ldToHuman(x: LongDouble): string {
  if (x.kind === LdKind.Inf) return x.neg ? '-inf' : 'inf';
  if (x.kind === LdKind.NaN) return x.neg ? '-nan' : 'nan';
  let s = formatFixed17(x);
  let l = s.length;
  while (s.charCodeAt(l - 1) === 48) l--;
  if (s.charCodeAt(l - 1) === 46) l--;
  s = s.slice(0, l);
  if (s === '-0') s = '0';
  return s;
}

/** The long double as a JS number (nearest double), for tests and diagnostics. */
export function ldToNumber(x: LongDouble): number {
  if (x.kind === LdKind.NaN) return NaN;
  if (x.kind === LdKind.Inf) return x.neg ? -Infinity : Infinity;
  const v = Number(x.m) * Math.pow(2, x.e);
  return x.neg ? -v : v;
}
