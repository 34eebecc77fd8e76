/**
 * Per-type value codecs: what follows the type byte of a key in an RDB file
 * or a DUMP payload (rdbSaveObject / rdbLoadObject of Redis 7.0).
 *
 * Saving chooses the RDB type Redis 7.0 writes for the same value and
 * encoding:
 *   string                 RDB_TYPE_STRING
 *   list                   RDB_TYPE_LIST_QUICKLIST_2 (listpack nodes, split as quicklist splits them)
 *   set    intset/ht       RDB_TYPE_SET_INTSET / RDB_TYPE_SET
 *   zset   listpack/skip   RDB_TYPE_ZSET_LISTPACK / RDB_TYPE_ZSET_2 (tail to head, binary doubles)
 *   hash   listpack/ht     RDB_TYPE_HASH_LISTPACK / RDB_TYPE_HASH
 *   stream                 RDB_TYPE_STREAM_LISTPACKS_2
 *
 * Container encoders are generators that yield every few hundred elements,
 * so a snapshot can spread one huge value over several event-loop slices;
 * saveObjectSync() runs one to completion.
 *
 * Loading accepts every type Redis 7.0 reads, including the older ziplist,
 * zipmap, quicklist v1 and stream v1 forms, validates everything (a corrupt
 * payload is an RdbError, never a crash), and builds values through the data
 * structures' constructors with the encoding Redis would choose on load.
 */
import { ByteString } from '../data/bytestring';
import { writeLatin1 } from '../protocol/latin1';
import { ListValue } from '../data/list';
import { SetValue } from '../data/set';
import { HashValue } from '../data/hash';
import { ZSetValue, listpackScoreString } from '../data/zset';
import {
  Stream,
  StreamEntry,
  type StreamID,
  type StreamNode,
  type U64,
  type I64,
  type ConsumerGroup,
  cmpID,
  INVALID_ENTRIES_READ,
} from '../data/stream';
import { storeString, strOf, type EncodingLimits, type Value } from '../db/values';
import {
  RdbError,
  RdbReader,
  RdbWriter,
  RDB_TYPE_STRING,
  RDB_TYPE_LIST,
  RDB_TYPE_SET,
  RDB_TYPE_ZSET,
  RDB_TYPE_HASH,
  RDB_TYPE_ZSET_2,
  RDB_TYPE_MODULE_PRE_GA,
  RDB_TYPE_MODULE_2,
  RDB_TYPE_HASH_ZIPMAP,
  RDB_TYPE_LIST_ZIPLIST,
  RDB_TYPE_SET_INTSET,
  RDB_TYPE_ZSET_ZIPLIST,
  RDB_TYPE_HASH_ZIPLIST,
  RDB_TYPE_LIST_QUICKLIST,
  RDB_TYPE_STREAM_LISTPACKS,
  RDB_TYPE_HASH_LISTPACK,
  RDB_TYPE_ZSET_LISTPACK,
  RDB_TYPE_LIST_QUICKLIST_2,
  RDB_TYPE_STREAM_LISTPACKS_2,
  QUICKLIST_NODE_CONTAINER_PLAIN,
  QUICKLIST_NODE_CONTAINER_PACKED,
  strtod,
  latin1Of,
} from './rdb-encoding';
import { ListpackBuilder, decodeListpack, lpEntryBytes, lpString, type LpValue } from './listpack';
import { decodeIntset, encodeIntset } from './intset';
import { decodeZiplist, decodeZipmap } from './ziplist';
import { lzfCompress, LzfCompressor } from './lzf';

// ---- saving ------------------------------------------------------------------------------------

/** What value encoding depends on besides the value itself. */
export interface SaveOptions {
  /** list-compress-depth: inner quicklist nodes are stored LZF-compressed. */
  compressDepth: number;
  /** Elements at least this large get a plain quicklist node (DEBUG QUICKLIST-PACKED-THRESHOLD). */
  packedThreshold: number;
}

export const DEFAULT_SAVE_OPTIONS: SaveOptions = { compressDepth: 0, packedThreshold: 1 << 30 };

/** Elements between yields of a container encoder. */
const YIELD_EVERY = 512;

/** rdbSaveObjectType: the RDB type byte for a value. */
export function objectType(v: Value): number {
  if (typeof v === 'string' || typeof v === 'number' || v instanceof ByteString) return RDB_TYPE_STRING;
  switch (v.type) {
    case 'list':
      return RDB_TYPE_LIST_QUICKLIST_2;
    case 'set':
      return (v as SetValue).isIntset ? RDB_TYPE_SET_INTSET : RDB_TYPE_SET;
    case 'zset':
      return (v as ZSetValue).isListpack ? RDB_TYPE_ZSET_LISTPACK : RDB_TYPE_ZSET_2;
    case 'hash':
      return (v as HashValue).isListpack ? RDB_TYPE_HASH_LISTPACK : RDB_TYPE_HASH;
    case 'stream':
      return RDB_TYPE_STREAM_LISTPACKS_2;
  }
}

/** True for values whose encoding is worth spreading over several slices. */
export function isBigValue(v: Value): boolean {
  if (typeof v === 'number') return false;
  if (typeof v === 'string' || v instanceof ByteString) return v.length > BIG_STRING;
  switch (v.type) {
    case 'list':
      return (v as ListValue).length > YIELD_EVERY;
    case 'set':
      return (v as SetValue).size > YIELD_EVERY;
    case 'zset':
      return (v as ZSetValue).size > YIELD_EVERY;
    case 'hash':
      return (v as HashValue).size > YIELD_EVERY;
    case 'stream':
      return (v as Stream).nodes.size > 8;
  }
}

/** rdbSaveObject for one value (the type byte is written by the caller). */
export function* saveObject(w: RdbWriter, v: Value, opts: SaveOptions): Generator<void, void, void> {
  if (typeof v === 'string') return v.length > BIG_STRING ? yield* saveBigString(w, v) : w.string(v);
  if (typeof v === 'number') return w.intString(v);
  if (v instanceof ByteString) {
    if (v.length > BIG_STRING) return yield* saveBigString(w, v.buf.subarray(0, v.length));
    return w.string(v.toString());
  }
  switch (v.type) {
    case 'list':
      return yield* saveList(w, v as ListValue, opts);
    case 'set':
      return yield* saveSet(w, v as SetValue);
    case 'zset':
      return yield* saveZset(w, v as ZSetValue);
    case 'hash':
      return yield* saveHash(w, v as HashValue);
    case 'stream':
      return yield* saveStream(w, v as Stream);
  }
}

/** saveObject run to completion. */
export function saveObjectSync(w: RdbWriter, v: Value, opts: SaveOptions): void {
  const g = saveObject(w, v, opts);
  while (!g.next().done);
}

/** Strings longer than this are compressed a slice at a time. */
const BIG_STRING = 1 << 20;
/** Bytes of a big string copied per slice. */
const COPY_SLICE = 1 << 20;
/** Input bytes LZF-compressed per slice of a big string. */
const LZF_SLICE = 128 << 10;

/** rdbSaveRawString of a long string: copied, then compressed, a slice at a time. */
function* saveBigString(w: RdbWriter, src: string | Buffer): Generator<void, void, void> {
  const n = src.length;
  const data = Buffer.allocUnsafe(n);
  for (let p = 0; p < n; p += COPY_SLICE) {
    const end = Math.min(n, p + COPY_SLICE);
    if (typeof src === 'string') writeLatin1(data, src.substring(p, end), p);
    else src.copy(data, p, p, end);
    if (end < n) yield;
  }
  if (w.compress) {
    const out = Buffer.allocUnsafe(n - 4 + 1);
    const z = new LzfCompressor(data, out, n - 4, 0, n, true);
    while (!z.run(z.ip + LZF_SLICE)) yield;
    if (z.result > 0) {
      w.lzfBlob(out, z.result, n);
      return;
    }
  }
  w.len(n);
  w.bytes(data);
}

// ---- lists: quicklist node layout --------------------------------------------------------------

const SIZE_SAFETY_LIMIT = 8192;
const OPTIMIZATION_LEVEL = [4096, 8192, 16384, 32768, 65536];
/** Quicklist fill is clamped to this range (quicklistSetFill). */
const FILL_MAX = (1 << 15) - 1;
const MIN_COMPRESS_BYTES = 48;
const MIN_COMPRESS_IMPROVE = 8;

/** _quicklistNodeAllowInsert's test for a packed node of sz bytes and count elements. */
function allowInsert(nodeSz: number, count: number, fill: number, elemLen: number): boolean {
  // SIZE_ESTIMATE_OVERHEAD: quicklist's allowance for a listpack entry's header and back length.
  const newSz = nodeSz + elemLen + 8;
  if (fill < 0) {
    const off = -fill - 1;
    if (off < OPTIMIZATION_LEVEL.length && newSz <= OPTIMIZATION_LEVEL[off]) return true;
  }
  if (newSz > SIZE_SAFETY_LIMIT) return false;
  return count < fill;
}

/** A node of the simulated quicklist: elements [start, end) of the list, packed or plain. */
interface QlNode {
  start: number;
  end: number;
  plain: boolean;
}

/**
 * The quicklist nodes Redis would hold for this list, assuming it was built
 * by pushes at one end (at the head when its last push was at the head): the
 * node boundaries depend on the list's history, which Cinnabar does not
 * keep; a list built by RPUSH (or LPUSH) alone, and any list fitting one
 * node, is split exactly as Redis splits it.
 */
export function quicklistLayout(list: ListValue, packedThreshold: number): QlNode[] {
  const atHead = (list as unknown as { grewAtHead?: boolean }).grewAtHead === true;
  return layoutOf((i) => list.get(i), list.length, list.fill, atHead, packedThreshold);
}

/** Node layout of n elements pushed one by one at the tail (or at the head). */
function layoutOf(get: (i: number) => string, n: number, fill: number, atHead: boolean, packedThreshold: number): QlNode[] {
  const nodes: QlNode[] = [];
  const g = layoutSteps(get, n, fill, atHead, packedThreshold, nodes);
  while (!g.next().done);
  return nodes;
}

/** layoutOf, filling `nodes` and yielding every few thousand elements. */
function* layoutSteps(get: (i: number) => string, n: number, fill: number, atHead: boolean, packedThreshold: number, nodes: QlNode[]): Generator<void, void, void> {
  if (fill > FILL_MAX) fill = FILL_MAX;
  else if (fill < -5) fill = -5;
  let curSz = 0;
  let curCount = 0;
  let curOpen = false;
  let curEdge = 0;
  const close = (edge: number) => {
    if (!curOpen) return;
    nodes.push(atHead ? { start: edge + 1, end: curEdge + 1, plain: false } : { start: curEdge, end: edge, plain: false });
    curOpen = false;
  };
  for (let k = 0; k < n; k++) {
    if ((k & 16383) === 16383) yield;
    const i = atHead ? n - 1 - k : k;
    const s = get(i);
    const len = s.length;
    if (len >= packedThreshold) {
      close(i);
      nodes.push({ start: i, end: i + 1, plain: true });
      continue;
    }
    if (curOpen && allowInsert(curSz, curCount, fill, len)) {
      curSz += lpEntryBytes(s);
      curCount++;
    } else {
      close(i);
      curOpen = true;
      curEdge = i;
      curSz = 7 + lpEntryBytes(s);
      curCount = 1;
    }
  }
  close(atHead ? -1 : n);
  if (atHead) nodes.reverse();
}

/**
 * Whether nodes loaded from a file look like head pushes (LPUSH) rather
 * than tail pushes: the list then remembers it, so a later DUMP splits its
 * nodes the same way again.
 */
function builtAtHead(items: string[], counts: number[], fill: number): boolean {
  if (counts.length < 2) return false;
  const same = (layout: QlNode[]) => layout.length === counts.length && layout.every((nd, k) => nd.end - nd.start === counts[k]);
  const get = (i: number) => items[i];
  if (same(layoutOf(get, items.length, fill, false, 1 << 30))) return false;
  return same(layoutOf(get, items.length, fill, true, 1 << 30));
}

let nodeScratch = Buffer.allocUnsafe(8192);

function* saveList(w: RdbWriter, list: ListValue, opts: SaveOptions): Generator<void, void, void> {
  const nodes: QlNode[] = [];
  const atHead = (list as unknown as { grewAtHead?: boolean }).grewAtHead === true;
  yield* layoutSteps((i) => list.get(i), list.length, list.fill, atHead, opts.packedThreshold, nodes);
  w.len(nodes.length);
  const depth = opts.compressDepth;
  const lp = new ListpackBuilder(8192);
  let done = 0;
  for (let k = 0; k < nodes.length; k++) {
    const node = nodes[k];
    const inner = depth > 0 && nodes.length >= depth * 2 && k >= depth && k < nodes.length - depth;
    if (node.plain) {
      w.len(QUICKLIST_NODE_CONTAINER_PLAIN);
      const s = list.get(node.start);
      if (inner) {
        const data = Buffer.from(s, 'latin1');
        if (saveCompressedNode(w, data)) continue;
      }
      w.string(s);
      continue;
    }
    w.len(QUICKLIST_NODE_CONTAINER_PACKED);
    lp.reset();
    for (let i = node.start; i < node.end; i++) lp.append(list.get(i));
    const data = lp.finish();
    if (!(inner && saveCompressedNode(w, data))) w.blob(data);
    done += node.end - node.start;
    if (done >= YIELD_EVERY) {
      done = 0;
      w.maybeFlush();
      yield;
    }
  }
}

/** __quicklistCompressNode + rdbSaveLzfBlob: false when the node would stay uncompressed. */
function saveCompressedNode(w: RdbWriter, data: Buffer): boolean {
  const sz = data.length;
  if (sz < MIN_COMPRESS_BYTES) return false;
  if (nodeScratch.length < sz) nodeScratch = Buffer.allocUnsafe(sz * 2);
  const clen = lzfCompress(data, nodeScratch, sz);
  if (clen === 0 || clen + MIN_COMPRESS_IMPROVE >= sz) return false;
  w.lzfBlob(nodeScratch, clen, sz);
  return true;
}

// ---- sets, sorted sets, hashes --------------------------------------------------------------------

function* saveSet(w: RdbWriter, set: SetValue): Generator<void, void, void> {
  const n = set.size;
  if (set.isIntset) {
    const members = new Array<string>(n);
    for (let i = 0; i < n; i++) members[i] = set.memberAt(i);
    w.blob(encodeIntset(members, set.intsetWidth));
    return;
  }
  w.len(n);
  for (let i = 0; i < n; i++) {
    w.string(set.memberAt(i));
    if ((i + 1) % YIELD_EVERY === 0) {
      w.maybeFlush();
      yield;
    }
  }
}

function* saveZset(w: RdbWriter, z: ZSetValue): Generator<void, void, void> {
  const n = z.size;
  if (z.isListpack) {
    const lp = new ListpackBuilder(256);
    z.forEach((m, s) => {
      lp.append(m);
      lp.append(listpackScoreString(s));
    });
    w.blob(lp.finish());
    return;
  }
  // Skiplist: from the tail to the head, so loading inserts at the head.
  w.len(n);
  if (n === 0) return;
  const cur = z.cursor(n - 1);
  let k = 0;
  while (cur.valid) {
    w.string(cur.member);
    w.binaryDouble(cur.score);
    cur.prev();
    if (++k % YIELD_EVERY === 0) {
      w.maybeFlush();
      yield;
    }
  }
}

function* saveHash(w: RdbWriter, h: HashValue): Generator<void, void, void> {
  const n = h.size;
  if (h.isListpack) {
    const lp = new ListpackBuilder(256);
    for (let i = 0; i < n; i++) {
      lp.append(h.fieldAt(i));
      lp.append(h.valueAt(i));
    }
    w.blob(lp.finish());
    return;
  }
  w.len(n);
  for (let i = 0; i < n; i++) {
    w.string(h.fieldAt(i));
    w.string(h.valueAt(i));
    if ((i + 1) % YIELD_EVERY === 0) {
      w.maybeFlush();
      yield;
    }
  }
}

// ---- streams ----------------------------------------------------------------------------------------

const STREAM_ITEM_FLAG_DELETED = 1;
const STREAM_ITEM_FLAG_SAMEFIELDS = 2;

/** The 16-byte big-endian form of an ID (rax keys, PEL entries). */
export function streamIdBytes(ms: U64, seq: U64): Buffer {
  const b = Buffer.allocUnsafe(16);
  b.writeBigUInt64BE(BigInt(ms), 0);
  b.writeBigUInt64BE(BigInt(seq), 8);
  return b;
}

function u64Of(b: bigint): U64 {
  return b < 9007199254740992n ? Number(b) : b;
}

/** a - b as int64 (stream ID deltas). */
function delta(a: U64, b: U64): number | bigint {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return BigInt.asIntN(64, BigInt(a) - BigInt(b));
}

/** The listpack of a stream node, as streamAppendItem built it. */
export function streamNodeListpack(node: StreamNode, lp = new ListpackBuilder(1024)): Buffer {
  lp.reset();
  lp.appendInt(node.live);
  lp.appendInt(node.deleted);
  lp.appendInt(node.masterFields.length);
  for (const f of node.masterFields) lp.append(f);
  lp.appendInt(0);
  for (const e of node.entries) {
    const same = node.sameFields(e);
    const nf = e.fv.length >> 1;
    lp.appendInt((e.deleted ? STREAM_ITEM_FLAG_DELETED : 0) | (same ? STREAM_ITEM_FLAG_SAMEFIELDS : 0));
    lp.appendInt(delta(e.ms, node.ms));
    lp.appendInt(delta(e.seq, node.seq));
    if (same) {
      for (let i = 1; i < e.fv.length; i += 2) lp.append(e.fv[i]);
      lp.appendInt(nf + 3);
    } else {
      lp.appendInt(nf);
      for (let i = 0; i < e.fv.length; i++) lp.append(e.fv[i]);
      lp.appendInt(nf * 2 + 4);
    }
  }
  return lp.finish();
}

function i64AsU64(v: I64): number | bigint {
  if (typeof v === 'number' && v >= 0) return v;
  return BigInt.asUintN(64, BigInt(v));
}

function* saveStream(w: RdbWriter, s: Stream): Generator<void, void, void> {
  w.len(s.nodes.size);
  const lp = new ListpackBuilder(4096);
  let k = 0;
  for (const node of s.nodes) {
    w.blob(streamIdBytes(node.ms, node.seq));
    w.blob(streamNodeListpack(node, lp));
    if (++k % 16 === 0) {
      w.maybeFlush();
      yield;
    }
  }
  w.len(s.length);
  w.len(s.lastId.ms);
  w.len(s.lastId.seq);
  w.len(s.firstId.ms);
  w.len(s.firstId.seq);
  w.len(s.maxDeletedId.ms);
  w.len(s.maxDeletedId.seq);
  w.len(i64AsU64(s.entriesAdded));
  const groups = s.sortedGroups();
  w.len(groups.length);
  for (const g of groups) {
    w.string(g.name);
    w.len(g.lastId.ms);
    w.len(g.lastId.seq);
    w.len(i64AsU64(g.entriesRead));
    w.len(g.pel.size);
    for (const nack of g.pel) {
      w.bytes(streamIdBytes(nack.ms, nack.seq));
      w.millis(nack.deliveryTime);
      w.len(i64AsU64(nack.deliveryCount));
    }
    const consumers = g.sortedConsumers();
    w.len(consumers.length);
    for (const c of consumers) {
      w.string(c.name);
      w.millis(c.seenTime);
      w.len(c.pel.size);
      for (const nack of c.pel) w.bytes(streamIdBytes(nack.ms, nack.seq));
    }
    if (g.pel.size > YIELD_EVERY) {
      w.maybeFlush();
      yield;
    }
  }
}

// ---- loading -----------------------------------------------------------------------------------------

/** What loading needs from the server. */
export interface LoadContext {
  /** Encoding thresholds (the *-max-listpack-* configs) deciding loaded encodings. */
  limits: EncodingLimits;
  /** Current time (ms), for consumer creation. */
  now: number;
}

/** True for the type bytes rdbLoadObjectType accepts. */
export function isObjectType(t: number): boolean {
  return (t >= 0 && t <= 7) || (t >= 9 && t <= 19);
}

/** rdbLoadObject: the value of the given type. Throws RdbError on corrupt or unsupported data. */
export function loadObject(r: RdbReader, type: number, ctx: LoadContext): Value {
  switch (type) {
    case RDB_TYPE_STRING:
      return loadString(r);
    case RDB_TYPE_LIST:
      return loadPlainList(r, ctx);
    case RDB_TYPE_SET:
      return loadPlainSet(r, ctx);
    case RDB_TYPE_ZSET:
    case RDB_TYPE_ZSET_2:
      return loadPlainZset(r, ctx, type === RDB_TYPE_ZSET_2);
    case RDB_TYPE_HASH:
      return loadPlainHash(r, ctx);
    case RDB_TYPE_LIST_QUICKLIST:
    case RDB_TYPE_LIST_QUICKLIST_2:
      return loadQuicklist(r, ctx, type === RDB_TYPE_LIST_QUICKLIST_2);
    case RDB_TYPE_HASH_ZIPMAP: {
      const fv = decodeZipmap(r.blob());
      if (fv.length === 0) throw new RdbError('Empty keys skipped');
      return hashFromPairs(fv, ctx, 'Hash zipmap with dup elements');
    }
    case RDB_TYPE_LIST_ZIPLIST: {
      const items = decodeZiplist(r.blob()).map(lpString);
      if (items.length === 0) throw new RdbError('Empty keys skipped');
      return ListValue.adopt(items, ctx.limits.listMaxListpackSize);
    }
    case RDB_TYPE_SET_INTSET: {
      const { members, width } = decodeIntset(r.blob());
      if (members.length === 0) throw new RdbError('Empty keys skipped');
      return SetValue.fromMembers(members, ctx.limits, false, width);
    }
    case RDB_TYPE_ZSET_ZIPLIST:
    case RDB_TYPE_ZSET_LISTPACK: {
      const blob = r.blob();
      const items = type === RDB_TYPE_ZSET_LISTPACK ? decodeListpack(blob) : decodeZiplist(blob);
      return zsetFromCompact(items, ctx);
    }
    case RDB_TYPE_HASH_ZIPLIST:
    case RDB_TYPE_HASH_LISTPACK: {
      const blob = r.blob();
      const items = type === RDB_TYPE_HASH_LISTPACK ? decodeListpack(blob) : decodeZiplist(blob);
      return hashFromCompact(items, ctx);
    }
    case RDB_TYPE_STREAM_LISTPACKS:
    case RDB_TYPE_STREAM_LISTPACKS_2:
      return loadStream(r, ctx, type === RDB_TYPE_STREAM_LISTPACKS_2);
    case RDB_TYPE_MODULE_PRE_GA:
    case RDB_TYPE_MODULE_2:
      throw new RdbError('The RDB file contains module data I can\'t load: no matching module');
    default:
      throw new RdbError(`Unknown RDB encoding type ${type}`);
  }
}

/** A string value as Redis stores it after loading (tryObjectEncoding: canonical integers become "int"). */
function loadString(r: RdbReader): Value {
  return storeString(r.string());
}

function loadPlainList(r: RdbReader, ctx: LoadContext): Value {
  const n = r.len();
  if (n === 0) throw new RdbError('Empty keys skipped');
  const items: string[] = []; // counts come from the file: no preallocation
  for (let i = 0; i < n; i++) items.push(r.string());
  return ListValue.adopt(items, ctx.limits.listMaxListpackSize);
}

function loadQuicklist(r: RdbReader, ctx: LoadContext, v2: boolean): Value {
  const nodes = r.len();
  const items: string[] = [];
  const counts: number[] = [];
  for (let k = 0; k < nodes; k++) {
    let container = QUICKLIST_NODE_CONTAINER_PACKED;
    if (v2) {
      container = r.len();
      if (container !== QUICKLIST_NODE_CONTAINER_PACKED && container !== QUICKLIST_NODE_CONTAINER_PLAIN) {
        throw new RdbError('Quicklist integrity check failed.');
      }
    }
    const blob = r.blob();
    if (container === QUICKLIST_NODE_CONTAINER_PLAIN) {
      items.push(latin1Of(blob, 0, blob.length));
      counts.push(1);
      continue;
    }
    const els = v2 ? decodeListpack(blob) : decodeZiplist(blob);
    // Empty nodes are skipped silently, as Redis does.
    for (const e of els) items.push(lpString(e));
    if (els.length > 0) counts.push(els.length);
  }
  if (items.length === 0) throw new RdbError('Empty keys skipped');
  const fill = ctx.limits.listMaxListpackSize;
  return ListValue.adopt(items, fill, v2 && builtAtHead(items, counts, fill));
}

function loadPlainSet(r: RdbReader, ctx: LoadContext): Value {
  const n = r.len();
  if (n === 0) throw new RdbError('Empty keys skipped');
  const members: string[] = []; // counts come from the file: no preallocation
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const m = r.string();
    if (seen.has(m)) throw new RdbError('Duplicate set members detected');
    seen.add(m);
    members.push(m);
  }
  return SetValue.fromMembers(members, ctx.limits);
}

function loadPlainZset(r: RdbReader, ctx: LoadContext, binary: boolean): Value {
  const n = r.len();
  if (n === 0) throw new RdbError('Empty keys skipped');
  const members: string[] = []; // counts come from the file: no preallocation
  const scores: number[] = []; // counts come from the file: no preallocation
  const seen = new Set<string>();
  let maxLen = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const m = r.string();
    const s = binary ? r.binaryDouble() : r.textDouble();
    if (Number.isNaN(s)) throw new RdbError('Zset with NAN score detected');
    if (seen.has(m)) throw new RdbError('Duplicate zset fields detected');
    seen.add(m);
    members.push(m);
    scores.push(s);
    if (m.length > maxLen) maxLen = m.length;
    total += m.length;
  }
  // Converted to listpack after loading when small enough (and lpSafeToAdd).
  const lim = ctx.limits;
  const listpack = n <= lim.zsetMaxListpackEntries && maxLen <= lim.zsetMaxListpackValue && total < 1 << 30;
  return ZSetValue.fromPairs(members, scores, listpack);
}

function loadPlainHash(r: RdbReader, ctx: LoadContext): Value {
  const n = r.len();
  if (n === 0) throw new RdbError('Empty keys skipped');
  const fv: string[] = []; // counts come from the file: no preallocation
  for (let i = 0; i < n; i++) fv.push(r.string(), r.string());
  const lim = ctx.limits;
  let listpack = n <= lim.hashMaxListpackEntries;
  if (listpack) {
    for (let i = 0; i < fv.length && listpack; i++) if (fv[i].length > lim.hashMaxListpackValue) listpack = false;
  }
  return buildHash(fv, ctx, listpack ? 'Hash with dup elements' : 'Duplicate hash fields detected', listpack);
}

function hashFromPairs(fv: string[], ctx: LoadContext, dupError: string): Value {
  const lim = ctx.limits;
  let listpack = fv.length / 2 <= lim.hashMaxListpackEntries;
  if (listpack) {
    for (let i = 0; i < fv.length && listpack; i++) if (fv[i].length > lim.hashMaxListpackValue) listpack = false;
  }
  return buildHash(fv, ctx, dupError, listpack);
}

/** A hash of these pairs, listpack or hashtable as decided; duplicates are corruption. */
function buildHash(fv: string[], ctx: LoadContext, dupError: string, listpack: boolean): Value {
  const n = fv.length >> 1;
  const fields = new Array<string>(n);
  const values = new Array<string>(n);
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const f = fv[i * 2];
    if (seen.has(f)) throw new RdbError(dupError);
    seen.add(f);
    fields[i] = f;
    values[i] = fv[i * 2 + 1];
  }
  if (!listpack) return HashValue.fromEntries(fields, values, ctx.limits, true);
  // A listpack keeps long values it was loaded with, as Redis only checks the entry count here.
  const limits = { ...ctx.limits, hashMaxListpackValue: Number.MAX_SAFE_INTEGER };
  return HashValue.fromEntries(fields, values, limits);
}

/** RDB_TYPE_HASH_LISTPACK / HASH_ZIPLIST: only the entry count decides the encoding. */
function hashFromCompact(items: LpValue[], ctx: LoadContext): Value {
  if (items.length === 0) throw new RdbError('Empty keys skipped');
  if (items.length % 2 !== 0) throw new RdbError('Hash listpack with odd number of elements');
  const fv = items.map(lpString);
  return buildHash(fv, ctx, 'Hash listpack with dup elements', fv.length / 2 <= ctx.limits.hashMaxListpackEntries);
}

/** RDB_TYPE_ZSET_LISTPACK / ZSET_ZIPLIST: only the entry count decides the encoding. */
function zsetFromCompact(items: LpValue[], ctx: LoadContext): Value {
  if (items.length === 0) throw new RdbError('Empty keys skipped');
  if (items.length % 2 !== 0) throw new RdbError('Zset listpack with odd number of elements');
  const n = items.length >> 1;
  const members = new Array<string>(n);
  const scores = new Array<number>(n);
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const m = lpString(items[i * 2]);
    if (seen.has(m)) throw new RdbError('Zset listpack with dup elements');
    seen.add(m);
    const sv = items[i * 2 + 1];
    const s = typeof sv === 'string' ? strtod(sv) : Number(sv);
    if (Number.isNaN(s)) throw new RdbError('Zset listpack with a NaN score');
    members[i] = m;
    scores[i] = s;
  }
  return ZSetValue.fromPairs(members, scores, n <= ctx.limits.zsetMaxListpackEntries);
}

// ---- streams ---------------------------------------------------------------------------------------

function asInt(v: LpValue | undefined, what: string): number | bigint {
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  if (typeof v === 'string') {
    // lpGetInteger also reads integers stored as strings.
    if (/^-?(0|[1-9]\d*)$/.test(v)) {
      const b = BigInt(v);
      if (b >= -9223372036854775808n && b <= 9223372036854775807n) return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
    }
  }
  throw new RdbError(`Stream listpack: bad ${what}`);
}

function smallInt(v: LpValue | undefined, what: string): number {
  const x = asInt(v, what);
  if (typeof x === 'bigint' || x < 0) throw new RdbError(`Stream listpack: bad ${what}`);
  return x;
}

function addDelta(base: U64, d: number | bigint): U64 {
  if (typeof base === 'number' && typeof d === 'number') {
    const r = base + d;
    if (r >= 0 && Number.isSafeInteger(r)) return r;
  }
  return u64Of(BigInt.asUintN(64, BigInt(base) + BigInt(d)));
}

/** Decode one stream node's listpack (streamValidateListpackIntegrity, deep). */
function decodeStreamNode(master: StreamID, lp: Buffer): { fields: string[]; entries: StreamEntry[] } {
  const items = decodeListpack(lp);
  if (items.length === 0) throw new RdbError('Empty listpack inside stream');
  let p = 0;
  const next = (): LpValue => {
    if (p >= items.length) throw new RdbError('Stream listpack truncated');
    return items[p++];
  };
  const count = smallInt(next(), 'count');
  const deleted = smallInt(next(), 'deleted count');
  const nf = smallInt(next(), 'master field count');
  const fields: string[] = [];
  for (let i = 0; i < nf; i++) fields.push(lpString(next()));
  if (asInt(next(), 'master terminator') !== 0) throw new RdbError('Stream listpack: bad master terminator');
  const entries: StreamEntry[] = [];
  let live = 0;
  let dead = 0;
  let prev: StreamID | null = null;
  while (p < items.length) {
    const flags = smallInt(next(), 'flags');
    const ms = addDelta(master.ms, asInt(next(), 'ID'));
    const seq = addDelta(master.seq, asInt(next(), 'ID'));
    const fv: string[] = [];
    let lpCount: number;
    if (flags & STREAM_ITEM_FLAG_SAMEFIELDS) {
      for (let i = 0; i < nf; i++) fv.push(fields[i], lpString(next()));
      lpCount = nf + 3;
    } else {
      const n = smallInt(next(), 'field count');
      for (let i = 0; i < n * 2; i++) fv.push(lpString(next()));
      lpCount = n * 2 + 4;
    }
    if (smallInt(next(), 'lp-count') !== lpCount) throw new RdbError('Stream listpack: lp-count mismatch');
    const id = { ms, seq };
    if (prev !== null && cmpID(prev, id) >= 0) throw new RdbError('Stream listpack: IDs out of order');
    if (cmpID(id, master) < 0) throw new RdbError('Stream listpack: ID below the master ID');
    prev = id;
    const del = (flags & STREAM_ITEM_FLAG_DELETED) !== 0;
    if (del) dead++;
    else live++;
    entries.push(new StreamEntry(ms, seq, fv, del));
  }
  if (live !== count || dead !== deleted) throw new RdbError('Stream listpack: master counts mismatch');
  if (entries.length === 0) throw new RdbError('Stream listpack without entries');
  return { fields, entries };
}

function readStreamId(r: RdbReader): StreamID {
  const b = r.view(16);
  return { ms: u64Of(b.readBigUInt64BE(0)), seq: u64Of(b.readBigUInt64BE(8)) };
}

function idKey(id: StreamID): string {
  return `${id.ms}-${id.seq}`;
}

function asI64(v: number | bigint): I64 {
  if (typeof v === 'number') return v;
  const s = BigInt.asIntN(64, v);
  return s >= -9007199254740991n && s <= 9007199254740991n ? Number(s) : s;
}

function loadStream(r: RdbReader, ctx: LoadContext, v2: boolean): Value {
  const s = new Stream();
  const nodes = r.len();
  let live = 0;
  let prevMaster: StreamID | null = null;
  for (let k = 0; k < nodes; k++) {
    const key = r.blob();
    if (key.length !== 16) throw new RdbError('Stream node key entry is not the size of a stream ID');
    const master = { ms: u64Of(key.readBigUInt64BE(0)), seq: u64Of(key.readBigUInt64BE(8)) };
    const lp = r.blob();
    const { fields, entries } = decodeStreamNode(master, lp);
    if (prevMaster !== null && cmpID(prevMaster, master) >= 0) throw new RdbError('Stream nodes out of order');
    prevMaster = master;
    s.restoreNode(master, fields, entries);
    for (const e of entries) if (!e.deleted) live++;
  }
  s.length = r.len();
  if (s.length !== live) throw new RdbError('Stream length does not match its entries');
  s.lastId = { ms: r.lenU64(), seq: r.lenU64() };
  if (v2) {
    s.firstId = { ms: r.lenU64(), seq: r.lenU64() };
    s.maxDeletedId = { ms: r.lenU64(), seq: r.lenU64() };
    s.entriesAdded = asI64(r.lenU64());
  } else {
    s.maxDeletedId = { ms: 0, seq: 0 };
    s.entriesAdded = s.length;
    s.firstId = s.edgeId(true, true);
  }
  if (s.length > 0 && cmpID(s.edgeId(false, false), s.lastId) > 0) throw new RdbError('Stream last ID is below its entries');
  const groups = r.len();
  for (let gi = 0; gi < groups; gi++) {
    const name = r.string();
    const lastId = { ms: r.lenU64(), seq: r.lenU64() };
    let entriesRead: I64;
    if (v2) entriesRead = asI64(r.lenU64());
    else entriesRead = s.estimateDistance(lastId);
    const g = s.createGroup(name, lastId, entriesRead < 0 ? INVALID_ENTRIES_READ : entriesRead);
    if (g === null) throw new RdbError('Duplicated consumer group name');
    loadGroupPel(r, g, ctx);
  }
  return s;
}

function loadGroupPel(r: RdbReader, g: ConsumerGroup, ctx: LoadContext): void {
  const pelSize = r.len();
  const pending = new Map<string, { id: StreamID; time: number; count: I64; owned: boolean }>();
  for (let i = 0; i < pelSize; i++) {
    const id = readStreamId(r);
    const t = r.millis();
    const count = asI64(r.lenU64());
    const k = idKey(id);
    if (pending.has(k)) throw new RdbError('Duplicated global PEL entry loading stream consumer group');
    pending.set(k, { id, time: Number(t), count, owned: false });
  }
  const consumers = r.len();
  for (let ci = 0; ci < consumers; ci++) {
    const cname = r.string();
    const seen = Number(r.millis());
    const c = g.createConsumer(cname, ctx.now);
    if (c === null) throw new RdbError('Duplicate stream consumer detected.');
    c.seenTime = seen;
    const n = r.len();
    for (let i = 0; i < n; i++) {
      const id = readStreamId(r);
      const p = pending.get(idKey(id));
      if (p === undefined) throw new RdbError('Consumer entry not found in group global PEL');
      if (p.owned) throw new RdbError('Duplicated consumer PEL entry loading a stream consumer group');
      p.owned = true;
      g.restoreNack(id, p.time, p.count, c);
    }
  }
  for (const p of pending.values()) {
    if (!p.owned) throw new RdbError('Stream CG PEL entry without consumer');
  }
}

/** Values as text (tests, diagnostics). */
export function describeValue(v: Value): string {
  if (typeof v === 'string' || typeof v === 'number' || v instanceof ByteString) return JSON.stringify(strOf(v));
  return `<${v.type} ${v.encoding()}>`;
}
