/**
 * GEO commands (Redis 7.0's geo.c): positions live in sorted sets as
 * 52-bit geohash scores (data/geohash.ts), so GEO and sorted set commands
 * work on the same values. GEOADD runs ZADD (and propagates as ZADD);
 * every search goes through georadiusGeneric's one parser and search, as
 * in Redis.
 */
import type { Client } from '../server/client';
import type { CommandDef } from './registry';
import { WRONGTYPE } from '../db/values';
import { NOTIFY_GENERIC, NOTIFY_ZSET } from '../db/database';
import { ZSetValue } from '../data/zset';
import {
  GEO_LAT_MAX,
  GEO_LAT_MIN,
  GEO_LONG_MAX,
  GEO_LONG_MIN,
  cellIsZero,
  cellScoreRange,
  decodeScore,
  distance,
  formatFixed,
  formatHuman,
  geoScoreBits,
  geohashString,
  pqsort,
  sameCell,
  searchCells,
  withinShape,
  type Shape,
} from '../data/geohash';
import { ERR_SYNTAX, is } from './args';
import { parseDouble, parseInt64 } from '../protocol/numbers';
import { readZset, zaddGeneric } from './zsets';

/** Two doubles as extractLongLatOrReply reads them; null after an error reply. */
function longLatArg(c: Client, lon: string, lat: string): [number, number] | null {
  const x = parseDouble(lon);
  if (x === null) {
    c.error('ERR value is not a valid float');
    return null;
  }
  const y = parseDouble(lat);
  if (y === null) {
    c.error('ERR value is not a valid float');
    return null;
  }
  if (x < GEO_LONG_MIN || x > GEO_LONG_MAX || y < GEO_LAT_MIN || y > GEO_LAT_MAX) {
    c.error(`ERR invalid longitude,latitude pair ${formatFixed(x, 6)},${formatFixed(y, 6)}`);
    return null;
  }
  return [x, y];
}

/** extractUnitOrReply: meters per unit, or -1 after an error reply. */
function unitArg(c: Client, u: string): number {
  if (is(u, 'm')) return 1;
  if (is(u, 'km')) return 1000;
  if (is(u, 'ft')) return 0.3048;
  if (is(u, 'mi')) return 1609.34;
  c.error('ERR unsupported unit provided. please use M, KM, FT, MI');
  return -1;
}

/** A non-negative double with its own "not a number" message; null after an error reply. */
function distanceArg(c: Client, s: string, msg: string): number | null {
  const v = parseDouble(s);
  if (v === null) {
    c.error(msg);
    return null;
  }
  return v;
}

/** GEOADD key [NX|XX] [CH] lon lat member ...: ZADD with geohash scores. */
function geoadd(c: Client, argv: string[]): void {
  let xx = false;
  let nx = false;
  let longidx = 2;
  while (longidx < argv.length) {
    const o = argv[longidx];
    if (is(o, 'nx')) nx = true;
    else if (is(o, 'xx')) xx = true;
    else if (!is(o, 'ch')) break;
    longidx++;
  }
  if ((argv.length - longidx) % 3 !== 0 || (xx && nx)) {
    c.error(ERR_SYNTAX);
    return;
  }
  const elements = (argv.length - longidx) / 3;
  const zargv = ['zadd', ...argv.slice(1, longidx)];
  for (let i = 0; i < elements; i++) {
    const p = longidx + i * 3;
    const xy = longLatArg(c, argv[p], argv[p + 1]);
    if (xy === null) return;
    zargv.push(geoScoreBits(xy[0], xy[1]).toString(), argv[p + 2]);
  }
  if (zaddGeneric(c, zargv, 0)) c.propagateAs = [zargv];
}

function geopos(c: Client, argv: string[]): void {
  const z = readZset(c, argv[1]);
  if (z === null) return;
  c.w.arr(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const s = z === undefined ? undefined : z.score(argv[j]);
    if (s === undefined) {
      c.w.nilArray();
      continue;
    }
    const [x, y] = decodeScore(s);
    c.w.arr(2);
    replyHuman(c, x);
    replyHuman(c, y);
  }
}

/** addReplyHumanLongDouble. */
function replyHuman(c: Client, d: number): void {
  const s = formatHuman(d);
  if (c.resp === 2) c.w.bulk(s);
  else c.w.raw(',' + s + '\r\n');
}

function geohash(c: Client, argv: string[]): void {
  const z = readZset(c, argv[1]);
  if (z === null) return;
  c.w.arr(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const s = z === undefined ? undefined : z.score(argv[j]);
    if (s === undefined) c.w.nil();
    else c.w.bulk(geohashString(s));
  }
}

function geodist(c: Client, argv: string[]): void {
  let toMeter = 1;
  if (argv.length === 5) {
    toMeter = unitArg(c, argv[4]);
    if (toMeter < 0) return;
  } else if (argv.length > 5) {
    c.error(ERR_SYNTAX);
    return;
  }
  const z = readZset(c, argv[1]);
  if (z === null) return;
  if (z === undefined) {
    c.w.nil();
    return;
  }
  const s1 = z.score(argv[2]);
  const s2 = s1 === undefined ? undefined : z.score(argv[3]);
  if (s1 === undefined || s2 === undefined) {
    c.w.nil();
    return;
  }
  const a = decodeScore(s1);
  const b = decodeScore(s2);
  c.w.bulk(formatFixed(distance(a[0], a[1], b[0], b[1]) / toMeter, 4));
}

// ---- searches -------------------------------------------------------------------------

const RADIUS_COORDS = 1;
const RADIUS_MEMBER = 2;
const RADIUS_NOSTORE = 4;
const GEOSEARCH = 8;
const GEOSEARCHSTORE = 16;

const SORT_NONE = 0;
const SORT_ASC = 1;
const SORT_DESC = 2;

interface GeoPoint {
  longitude: number;
  latitude: number;
  dist: number;
  score: number;
  member: string;
}

/** georadiusGeneric. srcKeyIndex: argv index of the source key. */
function georadiusGeneric(c: Client, argv: string[], srcKeyIndex: number, flags: number): void {
  let storeKey: string | null = null;
  let storeDist = false;
  const v = c.db.lookupRead(argv[srcKeyIndex]);
  if (v !== undefined && !(v instanceof ZSetValue)) {
    c.error(WRONGTYPE);
    return;
  }
  const z = v;
  const shape: Shape = { xy: [0, 0], conversion: 0, circular: true, radius: 0, width: 0, height: 0 };
  let baseArgs: number;
  const fromMember = (member: string): boolean => {
    const s = z!.score(member);
    if (s === undefined) {
      c.error('ERR could not decode requested zset member');
      return false;
    }
    shape.xy = decodeScore(s);
    return true;
  };
  const radiusArgs = (i: number): boolean => {
    const r = distanceArg(c, argv[i], 'ERR need numeric radius');
    if (r === null) return false;
    if (r < 0) {
      c.error('ERR radius cannot be negative');
      return false;
    }
    shape.radius = r;
    const u = unitArg(c, argv[i + 1]);
    if (u < 0) return false;
    shape.conversion = u;
    return true;
  };
  if (flags & RADIUS_COORDS) {
    baseArgs = 6;
    shape.circular = true;
    const xy = longLatArg(c, argv[2], argv[3]);
    if (xy === null) return;
    shape.xy = xy;
    if (!radiusArgs(baseArgs - 2)) return;
  } else if (flags & RADIUS_MEMBER && z === undefined) {
    baseArgs = 5;
  } else if (flags & RADIUS_MEMBER) {
    baseArgs = 5;
    shape.circular = true;
    if (!fromMember(argv[2])) return;
    if (!radiusArgs(baseArgs - 2)) return;
  } else {
    baseArgs = 2;
    if (flags & GEOSEARCHSTORE) {
      baseArgs = 3;
      storeKey = argv[1];
    }
  }
  let withDist = false;
  let withHash = false;
  let withCoords = false;
  let frommember = false;
  let fromloc = false;
  let byradius = false;
  let bybox = false;
  let sort = SORT_NONE;
  let any = false;
  let count = 0;
  const argc = argv.length;
  if (argc > baseArgs) {
    const remaining = argc - baseArgs;
    for (let i = 0; i < remaining; i++) {
      const arg = argv[baseArgs + i];
      if (is(arg, 'withdist')) withDist = true;
      else if (is(arg, 'withhash')) withHash = true;
      else if (is(arg, 'withcoord')) withCoords = true;
      else if (is(arg, 'any')) any = true;
      else if (is(arg, 'asc')) sort = SORT_ASC;
      else if (is(arg, 'desc')) sort = SORT_DESC;
      else if (is(arg, 'count') && i + 1 < remaining) {
        const n = parseInt64(argv[baseArgs + i + 1]);
        if (n === null) {
          c.error('ERR value is not an integer or out of range');
          return;
        }
        if (n <= 0) {
          c.error('ERR COUNT must be > 0');
          return;
        }
        count = n;
        i++;
      } else if (is(arg, 'store') && i + 1 < remaining && !(flags & RADIUS_NOSTORE) && !(flags & GEOSEARCH)) {
        storeKey = argv[baseArgs + i + 1];
        storeDist = false;
        i++;
      } else if (is(arg, 'storedist') && i + 1 < remaining && !(flags & RADIUS_NOSTORE) && !(flags & GEOSEARCH)) {
        storeKey = argv[baseArgs + i + 1];
        storeDist = true;
        i++;
      } else if (is(arg, 'storedist') && flags & GEOSEARCH && flags & GEOSEARCHSTORE) {
        storeDist = true;
      } else if (is(arg, 'frommember') && i + 1 < remaining && flags & GEOSEARCH && !fromloc) {
        if (z === undefined) {
          frommember = true;
          i++;
          continue;
        }
        if (!fromMember(argv[baseArgs + i + 1])) return;
        frommember = true;
        i++;
      } else if (is(arg, 'fromlonlat') && i + 2 < remaining && flags & GEOSEARCH && !frommember) {
        const xy = longLatArg(c, argv[baseArgs + i + 1], argv[baseArgs + i + 2]);
        if (xy === null) return;
        shape.xy = xy;
        fromloc = true;
        i += 2;
      } else if (is(arg, 'byradius') && i + 2 < remaining && flags & GEOSEARCH && !bybox) {
        if (!radiusArgs(baseArgs + i + 1)) return;
        shape.circular = true;
        byradius = true;
        i += 2;
      } else if (is(arg, 'bybox') && i + 3 < remaining && flags & GEOSEARCH && !byradius) {
        const w = distanceArg(c, argv[baseArgs + i + 1], 'ERR need numeric width');
        if (w === null) return;
        const h = distanceArg(c, argv[baseArgs + i + 2], 'ERR need numeric height');
        if (h === null) return;
        if (h < 0 || w < 0) {
          c.error('ERR height or width cannot be negative');
          return;
        }
        const u = unitArg(c, argv[baseArgs + i + 3]);
        if (u < 0) return;
        shape.width = w;
        shape.height = h;
        shape.conversion = u;
        shape.circular = false;
        bybox = true;
        i += 3;
      } else {
        c.error(ERR_SYNTAX);
        return;
      }
    }
  }
  if (storeKey !== null && (withDist || withHash || withCoords)) {
    c.error(`ERR ${flags & GEOSEARCHSTORE ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS'} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`);
    return;
  }
  if (flags & GEOSEARCH && !(frommember || fromloc)) {
    c.error(`ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${argv[0]}`);
    return;
  }
  if (flags & GEOSEARCH && !(byradius || bybox)) {
    c.error(`ERR exactly one of BYRADIUS and BYBOX can be specified for ${argv[0]}`);
    return;
  }
  if (any && !count) {
    c.error('ERR the ANY argument requires COUNT argument');
    return;
  }
  if (z === undefined) {
    if (storeKey !== null) {
      const base = c.server.dirty;
      if (c.db.delete(storeKey)) {
        c.server.notify(NOTIFY_GENERIC, 'del', storeKey, c.db.id);
        c.server.dirty = base + 1;
      }
      c.w.int(0);
    } else c.w.arr(0);
    return;
  }
  if (count !== 0 && sort === SORT_NONE && !any) sort = SORT_ASC;

  const points = searchPoints(z, shape, any ? count : 0);
  if (points.length === 0 && storeKey === null) {
    c.w.arr(0);
    return;
  }
  const resultLength = points.length;
  const returned = count === 0 || resultLength < count ? resultLength : count;
  if (sort !== SORT_NONE) {
    const cmp = sort === SORT_ASC ? (a: GeoPoint, b: GeoPoint) => (a.dist > b.dist ? 1 : a.dist === b.dist ? 0 : -1) : (a: GeoPoint, b: GeoPoint) => (a.dist < b.dist ? 1 : a.dist === b.dist ? 0 : -1);
    // qsort (glibc's merge sort: stable) for everything, pqsort for the first `returned`.
    if (returned === resultLength) points.sort(cmp);
    else pqsort(points, cmp, 0, returned - 1);
  }
  if (storeKey === null) {
    let options = 0;
    if (withDist) options++;
    if (withCoords) options++;
    if (withHash) options++;
    const w = c.w;
    w.arr(returned);
    for (let i = 0; i < returned; i++) {
      const gp = points[i];
      gp.dist /= shape.conversion;
      if (options) w.arr(options + 1);
      w.bulk(gp.member);
      if (withDist) w.bulk(formatFixed(gp.dist, 4));
      if (withHash) w.int(scoreAsLongLong(gp.score));
      if (withCoords) {
        w.arr(2);
        replyHuman(c, gp.longitude);
        replyHuman(c, gp.latitude);
      }
    }
    return;
  }
  const base = c.server.dirty;
  if (returned > 0) {
    const members: string[] = [];
    const scores: number[] = [];
    let maxlen = 0;
    for (let i = 0; i < returned; i++) {
      const gp = points[i];
      gp.dist /= shape.conversion;
      members.push(gp.member);
      scores.push(storeDist ? gp.dist : gp.score);
      if (gp.member.length > maxlen) maxlen = gp.member.length;
    }
    const lim = c.server.limits;
    const result = ZSetValue.fromPairs(members, scores, returned <= lim.zsetMaxListpackEntries && maxlen <= lim.zsetMaxListpackValue);
    c.db.set(storeKey, result);
    c.server.notify(NOTIFY_ZSET, flags & GEOSEARCH ? 'geosearchstore' : 'georadiusstore', storeKey, c.db.id);
    c.server.dirty = base + returned;
  } else if (c.db.delete(storeKey)) {
    c.server.notify(NOTIFY_GENERIC, 'del', storeKey, c.db.id);
    c.server.dirty = base + 1;
  }
  c.w.int(returned);
}

/** (long long)score, as addReplyLongLong receives it (x86-64: out of range gives LLONG_MIN). */
function scoreAsLongLong(d: number): number | bigint {
  const t = Math.trunc(d);
  if (Number.isSafeInteger(t)) return t;
  if (!(t >= -9223372036854775808 && t < 9223372036854775808)) return -9223372036854775808n;
  return BigInt(t);
}

/** membersOfAllNeighbors: the points within the shape, cell by cell; limit > 0 stops early (ANY). */
function searchPoints(z: ZSetValue, shape: Shape, limit: number): GeoPoint[] {
  const cells = searchCells(shape);
  const out: GeoPoint[] = [];
  let lastProcessed = 0;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i];
    if (cellIsZero(cell)) continue;
    if (lastProcessed && sameCell(cell, cells[lastProcessed])) continue;
    if (out.length && limit && out.length >= limit) break;
    const [min, max] = cellScoreRange(cell);
    const [a, b] = z.scoreRange({ min, minex: false, max, maxex: true });
    if (b > a) {
      const cur = z.cursor(a);
      for (let r = a; r < b; r++, cur.next()) {
        const score = cur.score;
        const [lon, lat] = decodeScore(score);
        const d = withinShape(shape, lon, lat);
        if (d !== null) {
          out.push({ longitude: lon, latitude: lat, dist: d, score, member: cur.member });
          if (limit && out.length >= limit) break;
        }
      }
    }
    lastProcessed = i;
  }
  return out;
}

export const geoCommands: CommandDef[] = [
  { name: 'geoadd', handler: geoadd },
  { name: 'geopos', handler: geopos },
  { name: 'geohash', handler: geohash },
  { name: 'geodist', handler: geodist },
  { name: 'georadius', handler: (c, argv) => georadiusGeneric(c, argv, 1, RADIUS_COORDS) },
  { name: 'georadiusbymember', handler: (c, argv) => georadiusGeneric(c, argv, 1, RADIUS_MEMBER) },
  { name: 'georadius_ro', handler: (c, argv) => georadiusGeneric(c, argv, 1, RADIUS_COORDS | RADIUS_NOSTORE) },
  { name: 'georadiusbymember_ro', handler: (c, argv) => georadiusGeneric(c, argv, 1, RADIUS_MEMBER | RADIUS_NOSTORE) },
  { name: 'geosearch', handler: (c, argv) => georadiusGeneric(c, argv, 1, GEOSEARCH) },
  { name: 'geosearchstore', handler: (c, argv) => georadiusGeneric(c, argv, 2, GEOSEARCH | GEOSEARCHSTORE) },
];
