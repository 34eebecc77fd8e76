/**
 * Redis's GEO arithmetic (geohash.c, geohash_helper.c, geo.c), pure.
 *
 * A position is stored as a sorted set score: the 52-bit interleave of
 * 26-bit latitude and longitude cells (latitude on the even bits) over
 * Redis's WGS84 ranges, longitude [-180, 180] and latitude
 * [-85.05112878, 85.05112878]. Everything here repeats Redis's double
 * arithmetic operation by operation (same order, same constants), so
 * encoding, decoding, the search boxes and the distances come out the same
 * bits as Redis's; 64-bit integer steps use BigInt where a double could
 * not hold them.
 *
 * Distances use the haversine formula with Redis's earth radius
 * (6372797.560856 m), as Redis 7.0 computes them (7.2's shortcuts for
 * equal longitudes and box tests are not in 7.0). The only libm functions involved are sin, cos, asin
 * and sqrt: sqrt is exact everywhere, the others are V8's, which may differ
 * from glibc's in the last bit on rare inputs.
 */
import { exactDecimal } from '../protocol/numbers';

export const GEO_STEP_MAX = 26;
export const GEO_LAT_MIN = -85.05112878;
export const GEO_LAT_MAX = 85.05112878;
export const GEO_LONG_MIN = -180;
export const GEO_LONG_MAX = 180;
export const EARTH_RADIUS_IN_METERS = 6372797.560856;
const MERCATOR_MAX = 20037726.37;
const D_R = Math.PI / 180.0;

const degRad = (ang: number): number => ang * D_R;
const radDeg = (ang: number): number => ang / D_R;

export interface Range {
  min: number;
  max: number;
}

/** A geohash cell: bits and step (bits per coordinate); step 0 with bits 0 is "zero" (GZERO). */
export interface HashBits {
  bits: bigint;
  step: number;
}

export interface Area {
  hash: HashBits;
  longitude: Range;
  latitude: Range;
}

const WGS_LONG: Range = { min: GEO_LONG_MIN, max: GEO_LONG_MAX };
const WGS_LAT: Range = { min: GEO_LAT_MIN, max: GEO_LAT_MAX };

// ---- bit interleaving -------------------------------------------------------------

/** interleave64(xlo, ylo): x (latitude) bits on the even positions, y (longitude) on the odd. */
export function interleave64(xlo: number, ylo: number): bigint {
  if (xlo < 0x4000000 && ylo < 0x4000000) {
    // Both fit 26 bits: the 52-bit result is exact in a double.
    return BigInt(spread(xlo & 0x1fff) + 2 * spread(ylo & 0x1fff) + (spread(xlo >>> 13) + 2 * spread(ylo >>> 13)) * 0x4000000);
  }
  let r = 0n;
  for (let i = 0; i < 32; i++) {
    if ((xlo >>> i) & 1) r |= 1n << BigInt(2 * i);
    if ((ylo >>> i) & 1) r |= 1n << BigInt(2 * i + 1);
  }
  return r;
}

/** The bits of a 13-bit value moved to the even positions of 26. */
function spread(v: number): number {
  let r = 0;
  for (let i = 0; i < 13; i++) if ((v >>> i) & 1) r += 2 ** (2 * i);
  return r;
}

/** The even bits of a 26-bit value packed into 13. */
function squash(v: number): number {
  let r = 0;
  for (let i = 0; i < 13; i++) if ((v >>> (2 * i)) & 1) r |= 1 << i;
  return r;
}

/** deinterleave64: [latitude cell (even bits), longitude cell (odd bits)], 32 bits each. */
export function deinterleave64(bits: bigint): [number, number] {
  if (bits < 0x10000000000000n) {
    const n = Number(bits);
    const lo = n % 0x4000000;
    const hi = Math.floor(n / 0x4000000);
    const lat = squash(lo) | (squash(hi) << 13);
    const lon = squash(lo >>> 1) | (squash(hi >>> 1) << 13);
    return [lat >>> 0, lon >>> 0];
  }
  let lat = 0;
  let lon = 0;
  for (let i = 0; i < 32; i++) {
    if ((bits >> BigInt(2 * i)) & 1n) lat += 2 ** i;
    if ((bits >> BigInt(2 * i + 1)) & 1n) lon += 2 ** i;
  }
  return [lat, lon];
}

/**
 * (uint64_t)d as x86-64 code compiled by GCC does it: truncation in range,
 * the wrap-around of negative values, and the "integer indefinite"
 * results out of range.
 */
export function doubleToUint64(d: number): bigint {
  const TWO63 = 9223372036854775808;
  const INDEF = 0x8000000000000000n;
  const cvt = (x: number): bigint => {
    // cvttsd2si: int64 truncation, or 0x8000000000000000 when out of range / NaN.
    if (!(x > -TWO63 - 1025 && x < TWO63)) return INDEF;
    const t = BigInt(Math.trunc(x));
    return t < 0n ? (t + (1n << 64n)) & 0xffffffffffffffffn : t;
  };
  if (d < TWO63) return cvt(d);
  return cvt(d - TWO63) ^ INDEF;
}

// ---- encode / decode ----------------------------------------------------------------

/** geohashEncode; null where Redis returns 0 (outside the WGS84 limits or the ranges). */
export function encode(longRange: Range, latRange: Range, longitude: number, latitude: number, step: number): HashBits | null {
  if (step > 32 || step === 0) return null;
  if (longitude > GEO_LONG_MAX || longitude < GEO_LONG_MIN || latitude > GEO_LAT_MAX || latitude < GEO_LAT_MIN) return null;
  if (latitude < latRange.min || latitude > latRange.max || longitude < longRange.min || longitude > longRange.max) return null;
  let latOffset = (latitude - latRange.min) / (latRange.max - latRange.min);
  let longOffset = (longitude - longRange.min) / (longRange.max - longRange.min);
  latOffset *= 2 ** step;
  longOffset *= 2 ** step;
  return { bits: interleave64(toUint32(latOffset), toUint32(longOffset)), step };
}

/** A double passed as uint32_t (truncation; values here are within [0, 2^32)). */
function toUint32(d: number): number {
  return Math.trunc(d) >>> 0;
}

export function encodeWGS84(longitude: number, latitude: number, step: number): HashBits | null {
  return encode(WGS_LONG, WGS_LAT, longitude, latitude, step);
}

/** The score GEOADD stores for a position: geohashAlign52Bits of the step-26 hash. */
export function geoScoreBits(longitude: number, latitude: number): bigint {
  const h = encodeWGS84(longitude, latitude, GEO_STEP_MAX)!;
  return align52(h);
}

export function align52(h: HashBits): bigint {
  return h.bits << BigInt(52 - h.step * 2);
}

function isZero(h: HashBits): boolean {
  return h.bits === 0n && h.step === 0;
}

/** geohashDecode: the cell's bounds. */
export function decode(longRange: Range, latRange: Range, hash: HashBits): Area {
  const step = hash.step;
  const [ilato, ilono] = deinterleave64(hash.bits);
  const latScale = latRange.max - latRange.min;
  const longScale = longRange.max - longRange.min;
  const div = 2 ** step;
  return {
    hash,
    latitude: {
      min: latRange.min + ((ilato * 1.0) / div) * latScale,
      max: latRange.min + (((ilato + 1) * 1.0) / div) * latScale,
    },
    longitude: {
      min: longRange.min + ((ilono * 1.0) / div) * longScale,
      max: longRange.min + (((ilono + 1) * 1.0) / div) * longScale,
    },
  };
}

/** geohashDecodeAreaToLongLat: the cell's centre, clamped to the limits. */
function areaToLongLat(area: Area): [number, number] {
  let x = (area.longitude.min + area.longitude.max) / 2;
  if (x > GEO_LONG_MAX) x = GEO_LONG_MAX;
  if (x < GEO_LONG_MIN) x = GEO_LONG_MIN;
  let y = (area.latitude.min + area.latitude.max) / 2;
  if (y > GEO_LAT_MAX) y = GEO_LAT_MAX;
  if (y < GEO_LAT_MIN) y = GEO_LAT_MIN;
  return [x, y];
}

/** decodeGeohash: [longitude, latitude] of a sorted set score. */
export function decodeScore(score: number): [number, number] {
  const bits = doubleToUint64(score);
  return areaToLongLat(decode(WGS_LONG, WGS_LAT, { bits, step: GEO_STEP_MAX }));
}

const ALPHABET = '0123456789bcdefghjkmnpqrstuvwxyz';

/** GEOHASH's 11-character standard geohash of a score (re-encoded over [-180,180] x [-90,90]). */
export function geohashString(score: number): string {
  const [lon, lat] = decodeScore(score);
  const h = encode({ min: -180, max: 180 }, { min: -90, max: 90 }, lon, lat, 26);
  const bits = h === null ? 0n : h.bits;
  let s = '';
  for (let i = 0; i < 11; i++) {
    const idx = i === 10 ? 0 : Number((bits >> BigInt(52 - (i + 1) * 5)) & 0x1fn);
    s += ALPHABET[idx];
  }
  return s;
}

// ---- distances ------------------------------------------------------------------------

/** geohashGetDistance: the haversine great circle distance in meters. */
export function distance(lon1d: number, lat1d: number, lon2d: number, lat2d: number): number {
  const lat1r = degRad(lat1d);
  const lon1r = degRad(lon1d);
  const lat2r = degRad(lat2d);
  const lon2r = degRad(lon2d);
  const u = Math.sin((lat2r - lat1r) / 2);
  const v = Math.sin((lon2r - lon1r) / 2);
  return 2.0 * EARTH_RADIUS_IN_METERS * Math.asin(Math.sqrt(u * u + Math.cos(lat1r) * Math.cos(lat2r) * v * v));
}

// ---- search shapes --------------------------------------------------------------------

export interface Shape {
  /** centre: longitude, latitude */
  xy: [number, number];
  /** unit to meters */
  conversion: number;
  circular: boolean;
  radius: number;
  width: number;
  height: number;
}

/** The distance from the centre when the point is within the shape, else null. */
export function withinShape(shape: Shape, lon: number, lat: number): number | null {
  if (shape.circular) {
    const d = distance(shape.xy[0], shape.xy[1], lon, lat);
    return d > shape.radius * shape.conversion ? null : d;
  }
  // geohashGetDistanceIfInRectangle: east-west distance along the point's
  // parallel, north-south distance along its meridian.
  const widthM = shape.width * shape.conversion;
  const heightM = shape.height * shape.conversion;
  const x1 = shape.xy[0];
  const y1 = shape.xy[1];
  const lonDistance = distance(lon, lat, x1, lat);
  const latDistance = distance(lon, lat, lon, y1);
  if (lonDistance > widthM / 2 || latDistance > heightM / 2) return null;
  return distance(x1, y1, lon, lat);
}

/** geohashBoundingBox: [min lon, min lat, max lon, max lat]. */
function boundingBox(shape: Shape): [number, number, number, number] {
  const longitude = shape.xy[0];
  const latitude = shape.xy[1];
  const height = shape.conversion * (shape.circular ? shape.radius : shape.height / 2);
  const width = shape.conversion * (shape.circular ? shape.radius : shape.width / 2);
  const latDelta = radDeg(height / EARTH_RADIUS_IN_METERS);
  const longDeltaTop = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(latitude + latDelta)));
  const longDeltaBottom = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(latitude - latDelta)));
  const southern = latitude < 0;
  return [
    southern ? longitude - longDeltaBottom : longitude - longDeltaTop,
    latitude - latDelta,
    southern ? longitude + longDeltaBottom : longitude + longDeltaTop,
    latitude + latDelta,
  ];
}

/** geohashEstimateStepsByRadius. */
export function estimateSteps(rangeMeters: number, lat: number): number {
  if (rangeMeters === 0) return 26;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2;
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return step;
}

const MASK64 = 0xffffffffffffffffn;
const EVEN = 0x5555555555555555n;
const ODD = 0xaaaaaaaaaaaaaaaan;

function moveX(h: HashBits, d: number): HashBits {
  if (d === 0) return h;
  let x = h.bits & ODD;
  const y = h.bits & EVEN;
  const zz = EVEN >> BigInt(64 - h.step * 2);
  if (d > 0) x = (x + (zz + 1n)) & MASK64;
  else {
    x = x | zz;
    x = (x - (zz + 1n)) & MASK64;
  }
  x &= ODD >> BigInt(64 - h.step * 2);
  return { bits: x | y, step: h.step };
}

function moveY(h: HashBits, d: number): HashBits {
  if (d === 0) return h;
  const x = h.bits & ODD;
  let y = h.bits & EVEN;
  const zz = ODD >> BigInt(64 - h.step * 2);
  if (d > 0) y = (y + (zz + 1n)) & MASK64;
  else {
    y = y | zz;
    y = (y - (zz + 1n)) & MASK64;
  }
  y &= EVEN >> BigInt(64 - h.step * 2);
  return { bits: x | y, step: h.step };
}

const ZERO: HashBits = { bits: 0n, step: 0 };

/**
 * geohashCalculateAreasByShapeWGS84 + membersOfAllNeighbors' list: the
 * cells to search, in Redis's order (centre, N, S, E, W, NE, NW, SE, SW),
 * useless ones zeroed.
 */
export function searchCells(shape: Shape): HashBits[] {
  const [minLon, minLat, maxLon, maxLat] = boundingBox(shape);
  const longitude = shape.xy[0];
  const latitude = shape.xy[1];
  let radiusMeters = shape.circular ? shape.radius : Math.sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2));
  radiusMeters *= shape.conversion;
  let steps = estimateSteps(radiusMeters, latitude);
  const cells = (st: number) => {
    const hash = encode(WGS_LONG, WGS_LAT, longitude, latitude, st) ?? { bits: 0n, step: st };
    const n = {
      north: moveY(moveX(hash, 0), 1),
      south: moveY(moveX(hash, 0), -1),
      east: moveY(moveX(hash, 1), 0),
      west: moveY(moveX(hash, -1), 0),
      northEast: moveY(moveX(hash, 1), 1),
      northWest: moveY(moveX(hash, -1), 1),
      southEast: moveY(moveX(hash, 1), -1),
      southWest: moveY(moveX(hash, -1), -1),
    };
    return { hash, n, area: decode(WGS_LONG, WGS_LAT, hash) };
  };
  let c = cells(steps);
  let decreaseStep = false;
  {
    const north = decode(WGS_LONG, WGS_LAT, c.n.north);
    const south = decode(WGS_LONG, WGS_LAT, c.n.south);
    const east = decode(WGS_LONG, WGS_LAT, c.n.east);
    const west = decode(WGS_LONG, WGS_LAT, c.n.west);
    if (north.latitude.max < maxLat) decreaseStep = true;
    if (south.latitude.min > minLat) decreaseStep = true;
    if (east.longitude.max < maxLon) decreaseStep = true;
    if (west.longitude.min > minLon) decreaseStep = true;
  }
  if (steps > 1 && decreaseStep) {
    steps--;
    c = cells(steps);
  }
  const n = c.n;
  const area = c.area;
  if (steps >= 2) {
    if (area.latitude.min < minLat) {
      n.south = n.southWest = n.southEast = ZERO;
    }
    if (area.latitude.max > maxLat) {
      n.north = n.northEast = n.northWest = ZERO;
    }
    if (area.longitude.min < minLon) {
      n.west = n.southWest = n.northWest = ZERO;
    }
    if (area.longitude.max > maxLon) {
      n.east = n.southEast = n.northEast = ZERO;
    }
  }
  return [c.hash, n.north, n.south, n.east, n.west, n.northEast, n.northWest, n.southEast, n.southWest];
}

/** Score range [min, max) of a cell (scoresOfGeoHashBox). */
export function cellScoreRange(h: HashBits): [number, number] {
  const min = align52(h);
  const max = align52({ bits: h.bits + 1n, step: h.step });
  return [Number(min), Number(max)];
}

export function sameCell(a: HashBits, b: HashBits): boolean {
  return a.bits === b.bits && a.step === b.step;
}

export function cellIsZero(h: HashBits): boolean {
  return isZero(h);
}

// ---- sorting --------------------------------------------------------------------------

/**
 * Redis's pqsort: the BSD quicksort (median-of-three, ninther above 40
 * elements, three-way partition, insertion sort below 7) that only
 * recurses into partitions overlapping [lrange, rrange], so that part of
 * the array ends up sorted as Redis leaves it (equal keys in the same
 * order). Sorts a in place by cmp.
 */
export function pqsort<T>(a: T[], cmp: (x: T, y: T) => number, lrange: number, rrange: number): void {
  partialSort(a, 0, a.length, cmp, lrange, rrange);
}

function swap<T>(a: T[], i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

function vecswap<T>(a: T[], i: number, j: number, n: number): void {
  for (let k = 0; k < n; k++) swap(a, i + k, j + k);
}

function med3<T>(a: T[], i: number, j: number, k: number, cmp: (x: T, y: T) => number): number {
  return cmp(a[i], a[j]) < 0 ? (cmp(a[j], a[k]) < 0 ? j : cmp(a[i], a[k]) < 0 ? k : i) : cmp(a[j], a[k]) > 0 ? j : cmp(a[i], a[k]) < 0 ? i : k;
}

function partialSort<T>(a: T[], base: number, n: number, cmp: (x: T, y: T) => number, lrange: number, rrange: number): void {
  for (;;) {
    if (n < 7) {
      for (let pm = base + 1; pm < base + n; pm++) for (let pl = pm; pl > base && cmp(a[pl - 1], a[pl]) > 0; pl--) swap(a, pl, pl - 1);
      return;
    }
    let pm = base + (n >> 1);
    if (n > 7) {
      let pl = base;
      let pn = base + n - 1;
      if (n > 40) {
        const d = n >> 3;
        pl = med3(a, pl, pl + d, pl + 2 * d, cmp);
        pm = med3(a, pm - d, pm, pm + d, cmp);
        pn = med3(a, pn - 2 * d, pn - d, pn, cmp);
      }
      pm = med3(a, pl, pm, pn, cmp);
    }
    swap(a, base, pm);
    let pa = base + 1;
    let pb = pa;
    let pc = base + n - 1;
    let pd = pc;
    for (;;) {
      let r: number;
      while (pb <= pc && (r = cmp(a[pb], a[base])) <= 0) {
        if (r === 0) {
          swap(a, pa, pb);
          pa++;
        }
        pb++;
      }
      while (pb <= pc && (r = cmp(a[pc], a[base])) >= 0) {
        if (r === 0) {
          swap(a, pc, pd);
          pd--;
        }
        pc--;
      }
      if (pb > pc) break;
      swap(a, pb, pc);
      pb++;
      pc--;
    }
    const pn = base + n;
    let r = Math.min(pa - base, pb - pa);
    vecswap(a, base, pb - r, r);
    r = Math.min(pd - pc, pn - pd - 1);
    vecswap(a, pb, pn - r, r);
    // Element ranges [l, r] of the two unsorted parts; recurse where they meet [lrange, rrange].
    if ((r = pb - pa) > 1) {
      const l = base;
      const rr = base + r - 1;
      if (!((lrange < l && rrange < l) || (lrange > rr && rrange > rr))) partialSort(a, base, r, cmp, lrange, rrange);
    }
    if ((r = pd - pc) > 1) {
      base = pn - r;
      n = r;
      const l = base;
      const rr = base + r - 1;
      if (!((lrange < l && rrange < l) || (lrange > rr && rrange > rr))) continue;
    }
    return;
  }
}

// ---- number formatting ---------------------------------------------------------------

/**
 * printf("%.<prec>f", d), rounded on the exact binary value (half to even,
 * as glibc).
 */
export function formatFixed(d: number, prec: number): string {
  if (d !== d) return 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  const neg = d < 0 || Object.is(d, -0);
  const a = Math.abs(d);
  let q: bigint;
  if (a === 0) q = 0n;
  else {
    const { digits, exp } = exactDecimal(a);
    const shift = exp + 1 + prec - digits.length;
    const D = BigInt(digits);
    if (shift >= 0) q = D * 10n ** BigInt(shift);
    else {
      const div = 10n ** BigInt(-shift);
      q = D / div;
      const twice = (D % div) * 2n;
      if (twice > div || (twice === div && (q & 1n) === 1n)) q += 1n;
    }
  }
  const s = q.toString().padStart(prec + 1, '0');
  const body = prec > 0 ? s.slice(0, s.length - prec) + '.' + s.slice(s.length - prec) : s;
  return (neg ? '-' : '') + body;
}

/** ld2string(LD_STR_HUMAN): "%.17Lf" with trailing zeros (and a bare point) dropped, "-0" as "0". */
export function formatHuman(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  let s = formatFixed(d, 17);
  if (s.indexOf('.') >= 0) {
    s = s.replace(/0+$/, '');
    if (s.endsWith('.')) s = s.slice(0, -1);
  }
  if (s === '-0') s = '0';
  return s;
}
