/**
 * Number parsing and formatting exactly as Redis does it: string2ll's strict
 * integers, strtod's doubles with Redis's extra checks, and printf("%.17g")
 * (with its round-half-even on exact ties) for doubles in replies.
 */

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
export const LLONG_MAX = INT64_MAX;
export const LLONG_MIN = INT64_MIN;

/**
 * string2ll: an optional '-', digits, no leading zeros, no '+' or spaces,
 * within int64. Returns a JS number (exact up to 2^53, nearest beyond) or null.
 */
export function parseInt64(s: string): number | null {
  const n = s.length;
  if (n === 0 || n > 20) return null;
  let i = 0;
  let neg = false;
  let c = s.charCodeAt(0);
  if (n === 1 && c === 48) return 0;
  if (c === 45) {
    neg = true;
    i = 1;
    if (n === 1) return null;
    c = s.charCodeAt(1);
  }
  // First digit 1-9.
  if (c < 49 || c > 57) return null;
  let v = 0;
  for (; i < n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return null;
    v = v * 10 + d;
  }
  if (v >= 9007199254740992) {
    // Past 2^53 the float is inexact: settle the int64 range exactly.
    const b = BigInt(s);
    if (b > INT64_MAX || b < INT64_MIN) return null;
    return Number(s); // correctly rounded, unlike the digit loop
  }
  return neg ? -v : v;
}

/** string2ll, exact: a bigint or null. */
export function parseInt64Big(s: string): bigint | null {
  const v = parseInt64(s);
  if (v === null) return null;
  if (Number.isSafeInteger(v)) return BigInt(v);
  return BigInt(s);
}

/** True when s is the canonical form of an int64 (what Redis stores as the "int" encoding). */
export function isCanonicalInt(s: string): boolean {
  return s.length <= 20 && parseInt64(s) !== null;
}

const DECIMAL_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL_RE = /^([+-]?)(inf|infinity|nan)$/i;
const HEX_RE = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;

/**
 * strtod over the whole string, as Redis's getDoubleFromObject uses it:
 * rejects empty input, leading space, trailing garbage, NaN, and overflow
 * or underflow to zero. Returns null when Redis would reject.
 */
export function parseDouble(s: string): number | null {
  if (s.length === 0) return null;
  const c0 = s.charCodeAt(0);
  if (c0 === 32 || (c0 >= 9 && c0 <= 13)) return null;
  let v: number;
  if (DECIMAL_RE.test(s)) {
    v = Number(s);
    if (!Number.isFinite(v)) return null; // ERANGE overflow
    if (v === 0 && /[1-9]/.test(s.replace(/[eE].*$/, ''))) return null; // underflow to zero
    return v;
  }
  const sp = SPECIAL_RE.exec(s);
  if (sp !== null) {
    if (sp[2].toLowerCase() === 'nan') return null;
    return sp[1] === '-' ? -Infinity : Infinity;
  }
  const hx = HEX_RE.exec(s);
  if (hx !== null && (hx[2].length > 0 || (hx[3] ?? '').length > 0)) {
    const frac = hx[3] ?? '';
    const m = parseInt((hx[2] || '0') + frac, 16);
    v = m * Math.pow(2, Number(hx[4] ?? '0') - 4 * frac.length);
    if (hx[1] === '-') v = -v;
    return Number.isFinite(v) ? v : null;
  }
  return null;
}

/**
 * printf("%.17g", d). JS's toPrecision breaks exact ties upward where glibc
 * rounds half to even, so ties are settled on the exact binary value.
 */
export function formatG17(d: number): string {
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  if (!Number.isFinite(d)) return Number.isNaN(d) ? 'nan' : d > 0 ? 'inf' : '-inf';
  // Integers up to 2^53 print exactly as themselves.
  if (Number.isSafeInteger(d)) return String(d);
  const [digits, exp] = decimalDigits(d, 17);
  const neg = d < 0 ? '-' : '';
  if (exp < -4 || exp >= 17) {
    let mant = digits[0];
    const rest = digits.slice(1).replace(/0+$/, '');
    if (rest.length) mant += '.' + rest;
    const e = Math.abs(exp);
    return `${neg}${mant}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' + e : e}`;
  }
  let s: string;
  if (exp >= 0) {
    const int = digits.slice(0, exp + 1);
    const frac = digits.slice(exp + 1).replace(/0+$/, '');
    s = frac.length ? `${int}.${frac}` : int;
  } else {
    s = ('0.' + '0'.repeat(-exp - 1) + digits).replace(/0+$/, '');
  }
  return neg + s;
}

/**
 * The first `prec` significant decimal digits of |d| rounded half-to-even on
 * the exact value, and the decimal exponent of the first digit.
 */
function decimalDigits(d: number, prec: number): [string, number] {
  const a = Math.abs(d);
  const e = a.toExponential(prec - 1); // "d.ddddde+x"
  const ei = e.indexOf('e');
  let digits = e.charCodeAt(1) === 46 ? e[0] + e.slice(2, ei) : e.slice(0, ei);
  let exp = Number(e.slice(ei + 1));
  // JS breaks exact ties upward; glibc rounds them to even. A tie shows as a
  // final 5 when one more digit is printed; only then is the exact value needed.
  const wide = a.toExponential(prec);
  if (wide.charCodeAt(wide.indexOf('e') - 1) !== 53 /* '5' */) return [digits, exp];
  const exact = exactDecimal(a);
  if (exact.digits.length === prec + 1 && exact.digits[prec] === '5') {
    exp = exact.exp;
    const kept = exact.digits.slice(0, prec);
    if ((Number(kept[prec - 1]) & 1) === 0) {
      digits = kept; // even: round down
    } else {
      const up = (BigInt(kept) + 1n).toString();
      if (up.length > prec) {
        digits = up.slice(0, prec);
        exp += 1;
      } else digits = up.padStart(prec, '0');
    }
  }
  return [digits, exp];
}

/** All significant decimal digits of a finite positive double, exactly. */
export function exactDecimal(a: number): { digits: string; exp: number } {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, a);
  const hi = buf.getUint32(0), lo = buf.getUint32(4);
  const bexp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e2: number;
  if (bexp === 0) e2 = -1074;
  else {
    mant |= 1n << 52n;
    e2 = bexp - 1075;
  }
  // value = mant * 2^e2 = mant * 5^-e2 / 10^-e2 when e2 < 0.
  let num: bigint, scale: number;
  if (e2 >= 0) {
    num = mant << BigInt(e2);
    scale = 0;
  } else {
    num = mant * 5n ** BigInt(-e2);
    scale = -e2;
  }
  let s = num.toString();
  const exp = s.length - 1 - scale;
  s = s.replace(/0+$/, '');
  return { digits: s, exp };
}

/** A double in a reply: "inf"/"-inf" spelled out, else %.17g. */
export function formatDouble(d: number, _resp3: boolean): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  return formatG17(d);
}
