/**
 * Stream commands (Redis 7.0's t_stream.c): XADD, XRANGE, XREAD, consumer
 * groups, XINFO, XSETID ...
 *
 * Handlers keep Redis 7.0.15's order of checks (argument parsing, key lookup,
 * type check, group lookup) so the first error is the same one, its
 * notifications (xadd, xtrim, xdel, xgroup-*, xsetid), and its propagation:
 * XADD with the generated ID and exact trim arguments, XREADGROUP / XCLAIM /
 * XAUTOCLAIM as XCLAIM ... FORCE JUSTID LASTID and XGROUP SETID effects.
 *
 * Blocking (XREAD / XREADGROUP BLOCK) follows 7.0's serveClientsBlockedOnStreamKey
 * rather than re-running the command: at block time the IDs are resolved
 * ("$" becomes the stream's last ID) and kept with the client's wait; when a
 * key is signalled (XADD, key creation, deletion) the waiter is served from
 * that key only if its last ID is past the waited ID (for a group: the group's
 * last delivered ID at that moment), with COUNT or 1000 entries. A waiting
 * XREADGROUP learns with an error when its group or its stream is gone.
 */
import type { Client, BlockState } from '../server/client';
import type { CommandDef } from './registry';
import { WRONGTYPE, type Value } from '../db/values';
import { NOTIFY_STREAM } from '../db/database';
import { ERR_NOT_INT, ERR_SYNTAX, is, replyHelp, timeoutArg } from './args';
import { parseInt64 } from '../protocol/numbers';
import {
  Stream,
  StreamEntry,
  StreamNACK,
  type ConsumerGroup,
  type StreamConsumer,
  type StreamID,
  type I64,
  type TrimSpec,
  ZERO_ID,
  MAX_ID,
  U64_MAX,
  INVALID_ENTRIES_READ,
  cmpID,
  idString,
  incrID,
  decrID,
  isMaxID,
  isZeroID,
  parseID,
  addI64,
  errnoModel,
} from '../data/stream';

const ERR_INVALID_ID = 'ERR Invalid stream ID specified as stream command argument';
const ERR_ID_TOO_SMALL = 'ERR The ID specified in XADD is equal or smaller than the target stream top item';

// ---- helpers ------------------------------------------------------------------------

/** The stream at key: undefined when missing, null after a WRONGTYPE reply. */
function streamOf(c: Client, v: Value | undefined): Stream | undefined | null {
  if (v === undefined) return undefined;
  if (!(v instanceof Stream)) {
    c.error(WRONGTYPE);
    return null;
  }
  return v;
}

function readStream(c: Client, key: string): Stream | undefined | null {
  return streamOf(c, c.db.lookupRead(key));
}

function writeStream(c: Client, key: string): Stream | undefined | null {
  return streamOf(c, c.db.lookupWrite(key));
}

/** A strict ID argument (streamParseStrictIDOrReply): null after the error reply. */
function strictIdArg(c: Client, s: string, missingSeq: bigint | number = 0): StreamID | null {
  const p = parseID(s, missingSeq, true);
  if (p === null) {
    c.error(ERR_INVALID_ID);
    return null;
  }
  return p.id;
}

/** A non-strict ID argument ("-" and "+" allowed). */
function idArg(c: Client, s: string, missingSeq: bigint | number = 0): StreamID | null {
  const p = parseID(s, missingSeq, false);
  if (p === null) {
    c.error(ERR_INVALID_ID);
    return null;
  }
  return p.id;
}

/**
 * streamParseIntervalIDOrReply plus the exclusive "(" adjustment of XRANGE,
 * XPENDING and XAUTOCLAIM. null after an error reply.
 */
function intervalArg(c: Client, s: string, start: boolean): StreamID | null {
  const exclusive = s.length > 1 && s[0] === '(';
  const id = exclusive ? strictIdArg(c, s.slice(1), start ? 0 : U64_MAX) : idArg(c, s, start ? 0 : U64_MAX);
  if (id === null) return null;
  if (!exclusive) return id;
  const adj = start ? incrID(id) : decrID(id);
  if (adj === null) {
    c.error(start ? 'ERR invalid start ID for the interval' : 'ERR invalid end ID for the interval');
    return null;
  }
  return adj;
}

function int64Arg(c: Client, s: string, msg = ERR_NOT_INT): I64 | null {
  const v = parseInt64(s);
  if (v === null) {
    c.error(msg);
    return null;
  }
  if (!Number.isSafeInteger(v)) return BigInt(s);
  return v;
}

function replyId(c: Client, id: StreamID): void {
  c.w.bulk(idString(id));
}

function replyEntry(c: Client, e: StreamEntry): void {
  const w = c.w;
  w.arr(2);
  w.bulk(`${e.ms}-${e.seq}`);
  const fv = e.fv;
  w.arr(fv.length);
  for (let i = 0; i < fv.length; i++) w.bulk(fv[i]);
}

/** An item of a group read: the entry, or its ID with no fields when it was deleted. */
interface Item {
  id: StreamID;
  entry: StreamEntry | null;
}

function replyItems(c: Client, items: Item[]): void {
  c.w.arr(items.length);
  for (const it of items) {
    if (it.entry !== null) replyEntry(c, it.entry);
    else {
      c.w.arr(2);
      replyId(c, it.id);
      c.w.nilArray();
    }
  }
}

function replyEntries(c: Client, entries: StreamEntry[]): void {
  c.w.arr(entries.length);
  for (const e of entries) replyEntry(c, e);
}

function limitsOf(c: Client): { maxBytes: number; maxEntries: number } {
  const l = c.server.limits;
  return { maxBytes: l.streamNodeMaxBytes, maxEntries: l.streamNodeMaxEntries };
}

function notify(c: Client, event: string, key: string): void {
  c.server.notify(NOTIFY_STREAM, event, key, c.db.id);
}

function xclaimEffect(key: string, group: ConsumerGroup, groupName: string, id: string, nack: StreamNACK): string[] {
  return [
    'XCLAIM', key, groupName, nack.consumer!.name, '0', id, 'TIME', String(nack.deliveryTime),
    'RETRYCOUNT', String(nack.deliveryCount), 'FORCE', 'JUSTID', 'LASTID', idString(group.lastId),
  ];
}

function setIdEffect(key: string, group: ConsumerGroup, groupName: string): string[] {
  return ['XGROUP', 'SETID', key, groupName, idString(group.lastId), 'ENTRIESREAD', String(group.entriesRead)];
}

// ---- XADD / XTRIM arguments ---------------------------------------------------------------

interface AddTrimArgs {
  /** Position of the ID (XADD) or past the options. */
  idx: number;
  trim: TrimSpec | null;
  /** Position of the MAXLEN/MINID value. */
  trimArgIdx: number;
  noMkstream: boolean;
  idGiven: boolean;
  seqGiven: boolean;
  id: StreamID;
}

/** streamParseAddOrTrimArgsOrReply. */
function parseAddTrim(c: Client, argv: string[], xadd: boolean): AddTrimArgs | null {
  let strategy: 'maxlen' | 'minid' | null = null;
  let maxlen = 0;
  let minid: StreamID = ZERO_ID;
  let approx = false;
  let limit = 0;
  let limitGiven = false;
  let trimArgIdx = 0;
  let noMkstream = false;
  let idGiven = false;
  let seqGiven = true;
  let id: StreamID = ZERO_ID;
  const argc = argv.length;
  let i = 2;
  for (; i < argc; i++) {
    const moreargs = argc - 1 - i;
    const opt = argv[i];
    if (xadd && opt === '*') break;
    if ((is(opt, 'maxlen') || is(opt, 'minid')) && moreargs) {
      if (strategy !== null) {
        c.error('ERR syntax error, MAXLEN and MINID options at the same time are not compatible');
        return null;
      }
      approx = false;
      const next = argv[i + 1];
      if (moreargs >= 2 && next === '~') {
        approx = true;
        i++;
      } else if (moreargs >= 2 && next === '=') i++;
      if (is(opt, 'maxlen')) {
        const v = parseInt64(argv[i + 1]);
        if (v === null) {
          c.error(ERR_NOT_INT);
          return null;
        }
        if (v < 0) {
          c.error('ERR The MAXLEN argument must be >= 0.');
          return null;
        }
        maxlen = v;
        strategy = 'maxlen';
      } else {
        const m = strictIdArg(c, argv[i + 1]);
        if (m === null) return null;
        minid = m;
        strategy = 'minid';
      }
      i++;
      trimArgIdx = i;
    } else if (is(opt, 'limit') && moreargs) {
      const v = parseInt64(argv[i + 1]);
      if (v === null) {
        c.error(ERR_NOT_INT);
        return null;
      }
      if (v < 0) {
        c.error('ERR The LIMIT argument must be >= 0.');
        return null;
      }
      limit = v;
      limitGiven = true;
      i++;
    } else if (xadd && is(opt, 'nomkstream')) {
      noMkstream = true;
    } else if (xadd) {
      const p = parseID(opt, 0, true, true);
      if (p === null) {
        c.error(ERR_INVALID_ID);
        return null;
      }
      id = p.id;
      seqGiven = p.seqGiven;
      idGiven = true;
      break;
    } else {
      c.error(ERR_SYNTAX);
      return null;
    }
  }
  if (limit !== 0 && strategy === null) {
    c.error('ERR syntax error, LIMIT cannot be used without specifying a trimming strategy');
    return null;
  }
  if (!xadd && strategy === null) {
    c.error('ERR syntax error, XTRIM must be called with a trimming strategy');
    return null;
  }
  if (limitGiven) {
    if (!approx) {
      c.error('ERR syntax error, LIMIT cannot be used without the special ~ option');
      return null;
    }
  } else if (approx) {
    limit = 100 * c.server.limits.streamNodeMaxEntries;
    if (limit <= 0) limit = 10000;
    if (limit > 1000000) limit = 1000000;
  } else limit = 0;
  const trim = strategy === null ? null : { strategy, maxlen, minid, approx, limit };
  return { idx: i, trim, trimArgIdx, noMkstream, idGiven, seqGiven, id };
}

/** The argv to propagate after an approximate trim: "=" and the exact resulting limit. */
function rewriteTrim(argv: string[], s: Stream, a: AddTrimArgs): void {
  argv[a.trimArgIdx - 1] = '=';
  argv[a.trimArgIdx] = a.trim!.strategy === 'maxlen' ? String(s.length) : idString(s.edgeId(true, false));
}

// ---- XADD -----------------------------------------------------------------------------

function xadd(c: Client, argv: string[]): void {
  const a = parseAddTrim(c, argv, true);
  if (a === null) return;
  const fieldPos = a.idx + 1;
  const nf = argv.length - fieldPos;
  if (nf < 2 || nf % 2 === 1) {
    c.error("ERR wrong number of arguments for 'xadd' command");
    return;
  }
  if (a.idGiven && a.seqGiven && isZeroID(a.id)) {
    c.error('ERR The ID specified in XADD must be greater than 0-0');
    return;
  }
  const key = argv[1];
  let s = writeStream(c, key);
  if (s === null) return;
  if (s === undefined) {
    if (a.noMkstream) {
      c.w.nil();
      return;
    }
    s = new Stream();
    c.db.add(key, s);
    c.db.lookupWrite(key);
  }
  const last = s.lastId;
  if (isMaxID(last)) {
    c.error('ERR The stream has exhausted the last possible ID, unable to add more items');
    return;
  }
  let id: StreamID;
  if (!a.idGiven) {
    const now = c.server.now();
    if (now > last.ms) id = { ms: now, seq: 0 };
    else id = incrID(last)!;
  } else if (!a.seqGiven) {
    if (a.id.ms === last.ms) {
      if (last.seq === U64_MAX) {
        // 7.0.15 fails here without setting errno: the message depends on its last value.
        c.error(errnoModel.edom ? ERR_ID_TOO_SMALL : 'ERR Elements are too large to be stored');
        return;
      }
      id = incrID(last)!;
    } else id = a.id;
  } else id = a.id;
  if (cmpID(id, last) <= 0) {
    errnoModel.edom = true;
    c.error(ERR_ID_TOO_SMALL);
    return;
  }
  const fv = argv.slice(fieldPos);
  let total = 0;
  for (let i = 0; i < fv.length; i++) total += fv[i].length;
  if (total > 1 << 30) {
    errnoModel.edom = false;
    c.error('ERR Elements are too large to be stored');
    return;
  }
  s.append(id, fv, limitsOf(c));
  const idStr = idString(id);
  c.w.bulk(idStr);
  c.db.changed(key);
  notify(c, 'xadd', key);
  let prop: string[] | null = null;
  if (a.trim !== null) {
    if (s.trim(a.trim) > 0) notify(c, 'xtrim', key);
    if (a.trim.approx) {
      prop = argv.slice();
      rewriteTrim(prop, s, a);
    }
  }
  if (!a.idGiven || !a.seqGiven) {
    prop ??= argv.slice();
    prop[a.idx] = idStr;
  }
  if (prop !== null) c.propagateAs = [prop];
  c.server.blocking.signalReady(c.db, key);
}

// ---- XLEN, XRANGE, XREVRANGE ----------------------------------------------------------------

function xlen(c: Client, argv: string[]): void {
  const s = readStream(c, argv[1]);
  if (s === null) return;
  c.w.int(s === undefined ? 0 : s.length);
}

function xrangeGeneric(c: Client, argv: string[], rev: boolean): void {
  const start = intervalArg(c, rev ? argv[3] : argv[2], true);
  if (start === null) return;
  const end = intervalArg(c, rev ? argv[2] : argv[3], false);
  if (end === null) return;
  let count = -1;
  for (let j = 4; j < argv.length; j++) {
    const additional = argv.length - j - 1;
    if (is(argv[j], 'count') && additional >= 1) {
      const v = parseInt64(argv[j + 1]);
      if (v === null) {
        c.error(ERR_NOT_INT);
        return;
      }
      count = v < 0 ? 0 : v;
      j++;
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  const s = readStream(c, argv[1]);
  if (s === null) return;
  if (s === undefined) {
    c.w.arr(0);
    return;
  }
  if (count === 0) {
    c.w.nilArray();
    return;
  }
  replyEntries(c, s.range(start, end, rev, count === -1 ? 0 : count));
}

function xrange(c: Client, argv: string[]): void {
  xrangeGeneric(c, argv, false);
}

function xrevrange(c: Client, argv: string[]): void {
  xrangeGeneric(c, argv, true);
}

// ---- XDEL, XTRIM, XSETID ---------------------------------------------------------------------

function xdel(c: Client, argv: string[]): void {
  const key = argv[1];
  const s = writeStream(c, key);
  if (s === null) return;
  if (s === undefined) {
    c.w.int(0);
    return;
  }
  const ids: StreamID[] = [];
  for (let j = 2; j < argv.length; j++) {
    const id = strictIdArg(c, argv[j]);
    if (id === null) return;
    ids.push(id);
  }
  const deleted = s.deleteIds(ids);
  if (deleted > 0) {
    c.db.changed(key);
    notify(c, 'xdel', key);
    c.server.dirty += deleted - 1;
  }
  c.w.int(deleted);
}

function xtrim(c: Client, argv: string[]): void {
  const a = parseAddTrim(c, argv, false);
  if (a === null) return;
  const key = argv[1];
  const s = writeStream(c, key);
  if (s === null) return;
  if (s === undefined) {
    c.w.int(0);
    return;
  }
  const deleted = s.trim(a.trim!);
  if (deleted > 0) {
    notify(c, 'xtrim', key);
    if (a.trim!.approx) {
      const prop = argv.slice();
      rewriteTrim(prop, s, a);
      c.propagateAs = [prop];
    }
    c.db.changed(key);
    c.server.dirty += deleted - 1;
  }
  c.w.int(deleted);
}

function xsetid(c: Client, argv: string[]): void {
  const id = strictIdArg(c, argv[2]);
  if (id === null) return;
  let entriesAdded: I64 = -1;
  let maxDel: StreamID = ZERO_ID;
  for (let i = 3; i < argv.length; ) {
    const moreargs = argv.length - 1 - i;
    const opt = argv[i];
    if (is(opt, 'entriesadded') && moreargs) {
      const v = int64Arg(c, argv[i + 1]);
      if (v === null) return;
      if (v < 0) {
        c.error('ERR entries_added must be positive');
        return;
      }
      entriesAdded = v;
      i += 2;
    } else if (is(opt, 'maxdeletedid') && moreargs) {
      const m = strictIdArg(c, argv[i + 1]);
      if (m === null) return;
      if (cmpID(id, m) < 0) {
        c.error('ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id');
        return;
      }
      maxDel = m;
      i += 2;
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  const key = argv[1];
  const s = writeStream(c, key);
  if (s === null) return;
  if (s === undefined) {
    c.error('ERR no such key');
    return;
  }
  if (s.length > 0) {
    if (cmpID(id, s.lastValidId()) < 0) {
      c.error('ERR The ID specified in XSETID is smaller than the target stream top item');
      return;
    }
    if (entriesAdded !== -1 && s.length > entriesAdded) {
      c.error('ERR The entries_added specified in XSETID is smaller than the target stream length');
      return;
    }
  }
  s.lastId = id;
  if (entriesAdded !== -1) s.entriesAdded = entriesAdded;
  if (!isZeroID(maxDel)) s.maxDeletedId = maxDel;
  c.w.ok();
  notify(c, 'xsetid', key);
  c.server.dirty++;
}

// ---- reading for groups ----------------------------------------------------------------------

interface ReadCtx {
  key: string;
  groupName: string;
  noack: boolean;
  /** Effects to propagate (XREADGROUP). */
  effects: string[][];
}

/**
 * streamReplyWithRange for a group reading new entries: entries after start,
 * the group's last ID and read counter advanced, NACKs created or moved to
 * the consumer (unless NOACK).
 */
function groupRead(c: Client, s: Stream, g: ConsumerGroup, consumer: StreamConsumer, start: StreamID, count: number, ctx: ReadCtx): Item[] {
  const entries = s.range(start, MAX_ID, false, count);
  const now = c.server.now();
  let propagateLastId = false;
  const items: Item[] = [];
  for (const e of entries) {
    const id: StreamID = { ms: e.ms, seq: e.seq };
    if (cmpID(id, g.lastId) > 0) {
      s.groupDelivered(g, id);
      if (ctx.noack) propagateLastId = true;
    }
    items.push({ id, entry: e });
    if (!ctx.noack) {
      let nack = g.pel.get(e.ms, e.seq);
      if (nack === undefined) {
        nack = new StreamNACK(e.ms, e.seq, now, 1, consumer);
        g.pel.insert(nack);
        consumer.pel.insert(nack);
      } else {
        g.assign(nack, consumer);
        nack.deliveryTime = now;
        nack.deliveryCount = 1;
      }
      ctx.effects.push(xclaimEffect(ctx.key, g, ctx.groupName, idString(id), nack));
    }
  }
  if (propagateLastId) ctx.effects.push(setIdEffect(ctx.key, g, ctx.groupName));
  return items;
}

/** streamReplyWithRangeFromConsumerPEL: the consumer's own pending entries after start. */
function historyRead(c: Client, s: Stream, consumer: StreamConsumer, start: StreamID, count: number): Item[] {
  const items: Item[] = [];
  const pel = consumer.pel;
  const cur = pel.seekGE(start.ms, start.seq);
  if (cur === null) return items;
  const now = c.server.now();
  do {
    if (count !== 0 && items.length >= count) break;
    const nack = pel.at(cur);
    const id: StreamID = { ms: nack.ms, seq: nack.seq };
    const e = s.getEntry(id);
    if (e !== undefined) {
      nack.deliveryTime = now;
      nack.deliveryCount = addI64(nack.deliveryCount, 1);
    }
    items.push({ id, entry: e ?? null });
  } while (pel.next(cur));
  return items;
}

/** The consumer of a reading group member, created (and announced) on first use. */
function readConsumer(c: Client, g: ConsumerGroup, name: string, ctx: ReadCtx): StreamConsumer {
  const now = c.server.now();
  let consumer = g.getConsumer(name);
  if (consumer === undefined) {
    consumer = g.createConsumer(name, now)!;
    c.server.dirty++;
    notify(c, 'xgroup-createconsumer', ctx.key);
    if (ctx.noack) ctx.effects.push(['XGROUP', 'CREATECONSUMER', ctx.key, ctx.groupName, name]);
  } else consumer.seenTime = now;
  return consumer;
}

// ---- XREAD / XREADGROUP ----------------------------------------------------------------------

/** What a blocked XREAD / XREADGROUP waits for. */
interface StreamWait {
  keys: string[];
  /** Key -> the ID entries must be greater than (first occurrence of the key). */
  ids: Map<string, StreamID>;
  group: string | null;
  consumer: string;
  noack: boolean;
  count: number;
}

const waits = new WeakMap<BlockState, StreamWait>();

/** Default COUNT of a blocked read (XREAD_BLOCKED_DEFAULT_COUNT). */
const BLOCKED_DEFAULT_COUNT = 1000;

const replyNilArray = (c: Client): void => c.w.nilArray();

function xreadGeneric(c: Client, argv: string[], xreadgroup: boolean): void {
  if (c.reprocessing && c.blocked !== null) {
    const w = waits.get(c.blocked);
    if (w !== undefined) {
      serveBlocked(c, w);
      return;
    }
  }
  const argc = argv.length;
  let deadline = -1;
  let count = 0;
  let streamsArg = 0;
  let streamsCount = 0;
  let noack = false;
  let groupName: string | null = null;
  let consumerName = '';
  for (let i = 1; i < argc; i++) {
    const moreargs = argc - i - 1;
    const o = argv[i];
    if (is(o, 'block') && moreargs) {
      i++;
      const d = timeoutArg(c, argv[i], c.server.now(), 'ms');
      if (d === null) return;
      deadline = d;
    } else if (is(o, 'count') && moreargs) {
      i++;
      const v = parseInt64(argv[i]);
      if (v === null) {
        c.error(ERR_NOT_INT);
        return;
      }
      count = v < 0 ? 0 : v;
    } else if (is(o, 'streams') && moreargs) {
      streamsArg = i + 1;
      streamsCount = argc - streamsArg;
      if (streamsCount % 2 !== 0) {
        c.error("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
        return;
      }
      streamsCount /= 2;
      break;
    } else if (is(o, 'group') && moreargs >= 2) {
      if (!xreadgroup) {
        c.error('ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.');
        return;
      }
      groupName = argv[i + 1];
      consumerName = argv[i + 2];
      i += 2;
    } else if (is(o, 'noack')) {
      if (!xreadgroup) {
        c.error('ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.');
        return;
      }
      noack = true;
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  if (streamsArg === 0) {
    c.error(ERR_SYNTAX);
    return;
  }
  if (xreadgroup && groupName === null) {
    c.error('ERR Missing GROUP option for XREADGROUP');
    return;
  }

  // Resolve the IDs (and the groups).
  const ids: StreamID[] = new Array(streamsCount);
  const groups: ConsumerGroup[] = [];
  for (let i = streamsArg + streamsCount; i < argc; i++) {
    const idx = i - streamsArg - streamsCount;
    const key = argv[i - streamsCount];
    const s = readStream(c, key);
    if (s === null) return;
    if (groupName !== null) {
      const g = s?.getGroup(groupName);
      if (g === undefined) {
        c.error(`NOGROUP No such key '${key}' or consumer group '${groupName}' in XREADGROUP with GROUP option`);
        return;
      }
      groups[idx] = g;
    }
    const arg = argv[i];
    if (arg === '$') {
      if (xreadgroup) {
        c.error(
          'ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.',
        );
        return;
      }
      ids[idx] = s !== undefined ? s.lastId : ZERO_ID;
      continue;
    }
    if (arg === '>') {
      if (!xreadgroup) {
        c.error('ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.');
        return;
      }
      ids[idx] = MAX_ID;
      continue;
    }
    const id = strictIdArg(c, arg);
    if (id === null) return;
    ids[idx] = id;
  }

  // Serve synchronously what can be served.
  const effects: string[][] = [];
  const served: { key: string; items: Item[] }[] = [];
  for (let i = 0; i < streamsCount; i++) {
    const key = argv[streamsArg + i];
    const v = c.db.lookupRead(key);
    if (v === undefined) continue;
    const s = v as Stream;
    let gt = ids[i];
    let sync = false;
    let history = false;
    const g = groupName !== null ? groups[i] : undefined;
    if (g !== undefined) {
      if (!isMaxID(gt)) {
        sync = true;
        history = true;
      } else if (s.length > 0 && cmpID(s.lastValidId(), g.lastId) > 0) {
        sync = true;
        gt = g.lastId;
      }
    } else if (s.length > 0 && cmpID(s.lastValidId(), gt) > 0) sync = true;
    if (!sync) continue;
    const start = incrID(gt) ?? ZERO_ID;
    if (g !== undefined) {
      c.db.lookupWrite(key);
      const ctx: ReadCtx = { key, groupName: groupName!, noack, effects };
      const consumer = readConsumer(c, g, consumerName, ctx);
      const items = history ? historyRead(c, s, consumer, start, count) : groupRead(c, s, g, consumer, start, count, ctx);
      served.push({ key, items });
      c.server.dirty++;
    } else {
      const entries = s.range(start, MAX_ID, false, count);
      served.push({ key, items: entries.map((e) => ({ id: e, entry: e })) });
    }
  }
  if (xreadgroup) c.propagateAs = effects;
  if (served.length > 0) {
    if (c.resp === 2) {
      c.w.arr(served.length);
      for (const r of served) {
        c.w.arr(2);
        c.w.bulk(r.key);
        replyItems(c, r.items);
      }
    } else {
      c.w.map(served.length);
      for (const r of served) {
        c.w.bulk(r.key);
        replyItems(c, r.items);
      }
    }
    return;
  }
  if (deadline === -1) {
    c.w.nilArray();
    return;
  }
  const keys = argv.slice(streamsArg, streamsArg + streamsCount);
  c.server.blocking.block(c, keys, deadline, replyNilArray);
  if (c.blocked !== null && c.justBlocked) {
    const m = new Map<string, StreamID>();
    for (let i = 0; i < streamsCount; i++) if (!m.has(keys[i])) m.set(keys[i], ids[i]);
    waits.set(c.blocked, { keys, ids: m, group: groupName, consumer: consumerName, noack, count: count || BLOCKED_DEFAULT_COUNT });
  }
}

/** serveClientsBlockedOnStreamKey for one waiter and the key that became ready. */
function serveBlocked(c: Client, w: StreamWait): void {
  const key = c.server.blocking.readyKey;
  const reblock = () => c.server.blocking.block(c, w.keys, 0, replyNilArray);
  if (key === null) {
    reblock();
    return;
  }
  const v = c.db.peek(key);
  if (!(v instanceof Stream)) {
    if (w.group !== null) c.error('UNBLOCKED the stream key no longer exists');
    else reblock();
    return;
  }
  const s = v;
  let gt: StreamID;
  let g: ConsumerGroup | undefined;
  if (w.group !== null) {
    g = s.getGroup(w.group);
    if (g === undefined) {
      c.error('NOGROUP the consumer group this client was blocked on no longer exists');
      return;
    }
    gt = g.lastId;
  } else gt = w.ids.get(key) ?? ZERO_ID;
  if (cmpID(s.lastId, gt) <= 0) {
    reblock();
    return;
  }
  const start = incrID(gt) ?? ZERO_ID;
  let items: Item[];
  if (g !== undefined) {
    c.db.lookupWrite(key);
    const ctx: ReadCtx = { key, groupName: w.group!, noack: w.noack, effects: [] };
    const consumer = readConsumer(c, g, w.consumer, ctx);
    items = groupRead(c, s, g, consumer, start, w.count, ctx);
    c.propagateAs = ctx.effects;
    c.server.dirty++;
  } else {
    items = s.range(start, MAX_ID, false, w.count).map((e) => ({ id: e, entry: e }));
  }
  if (c.resp === 2) {
    c.w.arr(1);
    c.w.arr(2);
  } else c.w.map(1);
  c.w.bulk(key);
  replyItems(c, items);
}

function xread(c: Client, argv: string[]): void {
  xreadGeneric(c, argv, false);
}

function xreadgroup(c: Client, argv: string[]): void {
  xreadGeneric(c, argv, true);
}

// ---- XGROUP -------------------------------------------------------------------------------------

const XGROUP_HELP = [
  'CREATE <key> <groupname> <id|$> [option]',
  '    Create a new consumer group. Options are:',
  '    * MKSTREAM',
  '      Create the empty stream if it does not exist.',
  '    * ENTRIESREAD entries_read',
  "      Set the group's entries_read counter (internal use).",
  'CREATECONSUMER <key> <groupname> <consumer>',
  '    Create a new consumer in the specified group.',
  'DELCONSUMER <key> <groupname> <consumer>',
  '    Remove the specified consumer.',
  'DESTROY <key> <groupname>',
  '    Remove the specified group.',
  'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
  '    Set the current group ID and entries_read counter.',
];

function subcommandSyntaxError(c: Client, argv: string[]): void {
  c.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1].slice(0, 128)}'. Try ${argv[0].toUpperCase()} HELP.`);
}

/** An ENTRIESREAD value: >= 0 or -1. */
function entriesReadArg(c: Client, s: string): I64 | null {
  const v = int64Arg(c, s);
  if (v === null) return null;
  if (v < 0 && v !== INVALID_ENTRIES_READ) {
    c.error('ERR value for ENTRIESREAD must be positive or -1');
    return null;
  }
  return v;
}

/**
 * The checks xgroupCommand runs before any subcommand: key lookup and type,
 * the key must exist (unless CREATE ... MKSTREAM), the group must exist for
 * SETID / CREATECONSUMER / DELCONSUMER.
 */
function xgroupTarget(c: Client, argv: string[], needGroup: boolean, mkstream = false): { s: Stream | undefined; g: ConsumerGroup | undefined } | null {
  const s = writeStream(c, argv[2]);
  if (s === null) return null;
  const g = s?.getGroup(argv[3]);
  if (!mkstream) {
    if (s === undefined) {
      c.error(
        'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.',
      );
      return null;
    }
    if (needGroup && g === undefined) {
      c.error(`NOGROUP No such consumer group '${argv[3]}' for key name '${argv[2]}'`);
      return null;
    }
  }
  return { s, g };
}

function xgroupCreate(c: Client, argv: string[]): void {
  let mkstream = false;
  let entriesRead: I64 = INVALID_ENTRIES_READ;
  for (let i = 5; i < argv.length; ) {
    if (is(argv[i], 'mkstream')) {
      mkstream = true;
      i++;
    } else if (is(argv[i], 'entriesread') && i + 1 < argv.length) {
      const v = entriesReadArg(c, argv[i + 1]);
      if (v === null) return;
      entriesRead = v;
      i += 2;
    } else {
      subcommandSyntaxError(c, argv);
      return;
    }
  }
  const t = xgroupTarget(c, argv, false, mkstream);
  if (t === null) return;
  if (argv.length > 8) {
    subcommandSyntaxError(c, argv);
    return;
  }
  const key = argv[2];
  let s = t.s;
  let id: StreamID;
  if (argv[4] === '$') id = s !== undefined ? s.lastId : ZERO_ID;
  else {
    const p = strictIdArg(c, argv[4]);
    if (p === null) return;
    id = p;
  }
  if (s === undefined) {
    s = new Stream();
    c.db.add(key, s);
  }
  c.db.lookupWrite(key);
  if (s.createGroup(argv[3], id, entriesRead) !== null) {
    c.w.ok();
    c.server.dirty++;
    notify(c, 'xgroup-create', key);
  } else c.error('BUSYGROUP Consumer Group name already exists');
}

function xgroupSetid(c: Client, argv: string[]): void {
  const t = xgroupTarget(c, argv, true);
  if (t === null) return;
  if (argv.length !== 5 && argv.length !== 7) {
    subcommandSyntaxError(c, argv);
    return;
  }
  const s = t.s!;
  const g = t.g!;
  let id: StreamID;
  if (argv[4] === '$') id = s.lastId;
  else {
    const p = idArg(c, argv[4]);
    if (p === null) return;
    id = p;
  }
  let entriesRead: I64 = INVALID_ENTRIES_READ;
  if (argv.length === 7) {
    if (!is(argv[5], 'entriesread')) {
      subcommandSyntaxError(c, argv);
      return;
    }
    const v = entriesReadArg(c, argv[6]);
    if (v === null) return;
    entriesRead = v;
  }
  g.lastId = id;
  g.entriesRead = entriesRead;
  c.w.ok();
  c.server.dirty++;
  notify(c, 'xgroup-setid', argv[2]);
}

function xgroupDestroy(c: Client, argv: string[]): void {
  const t = xgroupTarget(c, argv, false);
  if (t === null) return;
  const key = argv[2];
  if (t.g !== undefined) {
    t.s!.destroyGroup(argv[3]);
    c.w.int(1);
    c.server.dirty++;
    notify(c, 'xgroup-destroy', key);
    // Clients blocked in XREADGROUP on this group get a NOGROUP error.
    c.server.blocking.signalReady(c.db, key);
  } else c.w.int(0);
}

function xgroupCreateConsumer(c: Client, argv: string[]): void {
  const t = xgroupTarget(c, argv, true);
  if (t === null) return;
  const created = t.g!.createConsumer(argv[4], c.server.now());
  if (created !== null) {
    c.server.dirty++;
    notify(c, 'xgroup-createconsumer', argv[2]);
  }
  c.w.int(created !== null ? 1 : 0);
}

function xgroupDelConsumer(c: Client, argv: string[]): void {
  const t = xgroupTarget(c, argv, true);
  if (t === null) return;
  const g = t.g!;
  const consumer = g.getConsumer(argv[4]);
  let pending = 0;
  if (consumer !== undefined) {
    pending = consumer.pel.size;
    g.deleteConsumer(consumer);
    c.server.dirty++;
    notify(c, 'xgroup-delconsumer', argv[2]);
  }
  c.w.int(pending);
}

function xgroupHelp(c: Client): void {
  replyHelp(c, 'XGROUP', XGROUP_HELP);
}

// ---- XACK, XPENDING ----------------------------------------------------------------------------

function xack(c: Client, argv: string[]): void {
  const key = argv[1];
  const s = readStream(c, key);
  if (s === null) return;
  const g = s?.getGroup(argv[2]);
  if (s === undefined || g === undefined) {
    c.w.int(0);
    return;
  }
  const ids: StreamID[] = [];
  for (let j = 3; j < argv.length; j++) {
    const id = strictIdArg(c, argv[j]);
    if (id === null) return;
    ids.push(id);
  }
  let acked = 0;
  for (const id of ids) {
    const nack = g.pel.get(id.ms, id.seq);
    if (nack === undefined) continue;
    if (acked === 0) c.db.lookupWrite(key);
    g.removeNack(nack);
    acked++;
    c.server.dirty++;
  }
  c.w.int(acked);
}

function xpending(c: Client, argv: string[]): void {
  const argc = argv.length;
  const justinfo = argc === 3;
  const key = argv[1];
  const groupName = argv[2];
  let start: StreamID = ZERO_ID;
  let end: StreamID = MAX_ID;
  let count = 0;
  let minidle = 0;
  let consumerName: string | null = null;
  if (argc !== 3 && (argc < 6 || argc > 9)) {
    c.error(ERR_SYNTAX);
    return;
  }
  if (argc >= 6) {
    let startidx = 3;
    if (is(argv[3], 'idle')) {
      const v = parseInt64(argv[4]);
      if (v === null) {
        c.error(ERR_NOT_INT);
        return;
      }
      minidle = v;
      if (argc < 8) {
        c.error(ERR_SYNTAX);
        return;
      }
      startidx += 2;
    }
    const cnt = parseInt64(argv[startidx + 2]);
    if (cnt === null) {
      c.error(ERR_NOT_INT);
      return;
    }
    count = cnt < 0 ? 0 : cnt;
    const st = intervalArg(c, argv[startidx], true);
    if (st === null) return;
    start = st;
    const en = intervalArg(c, argv[startidx + 1], false);
    if (en === null) return;
    end = en;
    if (startidx + 3 < argc) consumerName = argv[startidx + 3];
  }
  const s = readStream(c, key);
  if (s === null) return;
  const g = s?.getGroup(groupName);
  if (s === undefined || g === undefined) {
    c.error(`NOGROUP No such key '${key}' or consumer group '${groupName}'`);
    return;
  }
  if (justinfo) {
    c.w.arr(4);
    const pel = g.pel;
    c.w.int(pel.size);
    if (pel.size === 0) {
      c.w.nil();
      c.w.nil();
      c.w.nilArray();
      return;
    }
    replyId(c, pel.first()!);
    replyId(c, pel.last()!);
    const owners = g.sortedConsumers().filter((x) => x.pel.size > 0);
    c.w.arr(owners.length);
    for (const o of owners) {
      c.w.arr(2);
      c.w.bulk(o.name);
      c.w.bulk(String(o.pel.size));
    }
    return;
  }
  let pel = g.pel;
  if (consumerName !== null) {
    const consumer = g.getConsumer(consumerName);
    if (consumer === undefined) {
      c.w.arr(0);
      return;
    }
    pel = consumer.pel;
  }
  const now = c.server.now();
  const out: StreamNACK[] = [];
  const cur = pel.seekGE(start.ms, start.seq);
  if (cur !== null && count > 0) {
    do {
      const nack = pel.at(cur);
      if (cmpID(nack, end) > 0) break;
      if (minidle !== 0 && now - nack.deliveryTime < minidle) continue;
      out.push(nack);
      if (--count === 0) break;
    } while (pel.next(cur));
  }
  c.w.arr(out.length);
  for (const nack of out) {
    c.w.arr(4);
    replyId(c, nack);
    c.w.bulk(nack.consumer!.name);
    const elapsed = now - nack.deliveryTime;
    c.w.int(elapsed < 0 ? 0 : elapsed);
    c.w.int(nack.deliveryCount);
  }
}

// ---- XCLAIM, XAUTOCLAIM ----------------------------------------------------------------------------

function xclaim(c: Client, argv: string[]): void {
  const key = argv[1];
  const s = readStream(c, key);
  if (s === null) return;
  const g = s?.getGroup(argv[2]);
  if (s === undefined || g === undefined) {
    c.error(`NOGROUP No such key '${key}' or consumer group '${argv[2]}'`);
    return;
  }
  const mi = parseInt64(argv[4]);
  if (mi === null) {
    c.error('ERR Invalid min-idle-time argument for XCLAIM');
    return;
  }
  const minidle = mi < 0 ? 0 : mi;
  const ids: StreamID[] = [];
  let j = 5;
  for (; j < argv.length; j++) {
    const p = parseID(argv[j], 0, true);
    if (p === null) break;
    ids.push(p.id);
  }
  const lastIdArg = j - 1;
  const now = c.server.now();
  let force = false;
  let justid = false;
  let deliveryTime = -1;
  let retryCount: I64 = -1;
  let lastId: StreamID = ZERO_ID;
  for (; j < argv.length; j++) {
    const moreargs = argv.length - 1 - j;
    const opt = argv[j];
    if (is(opt, 'force')) force = true;
    else if (is(opt, 'justid')) justid = true;
    else if (is(opt, 'idle') && moreargs) {
      j++;
      const v = parseInt64(argv[j]);
      if (v === null) {
        c.error('ERR Invalid IDLE option argument for XCLAIM');
        return;
      }
      deliveryTime = now - v;
    } else if (is(opt, 'time') && moreargs) {
      j++;
      const v = parseInt64(argv[j]);
      if (v === null) {
        c.error('ERR Invalid TIME option argument for XCLAIM');
        return;
      }
      deliveryTime = v;
    } else if (is(opt, 'retrycount') && moreargs) {
      j++;
      const v = int64Arg(c, argv[j], 'ERR Invalid RETRYCOUNT option argument for XCLAIM');
      if (v === null) return;
      retryCount = v;
    } else if (is(opt, 'lastid') && moreargs) {
      j++;
      const id = strictIdArg(c, argv[j]);
      if (id === null) return;
      lastId = id;
    } else {
      c.error(`ERR Unrecognized XCLAIM option '${opt}'`);
      return;
    }
  }
  c.db.lookupWrite(key);
  const effects: string[][] = [];
  let propagateLastId = false;
  if (cmpID(lastId, g.lastId) > 0) {
    g.lastId = lastId;
    propagateLastId = true;
  }
  if (deliveryTime !== -1) {
    if (deliveryTime < 0 || deliveryTime > now) deliveryTime = now;
  } else deliveryTime = now;

  let consumer: StreamConsumer | undefined;
  const replies: (StreamID | StreamEntry | null)[] = [];
  for (let k = 5; k <= lastIdArg; k++) {
    const id = ids[k - 5];
    let nack = g.pel.get(id.ms, id.seq);
    const entry = s.getEntry(id);
    if (entry === undefined) {
      // The entry is gone: drop it from the PEL.
      if (nack !== undefined) {
        if (nack.consumer !== null) effects.push(xclaimEffect(key, g, argv[2], argv[k], nack));
        propagateLastId = false;
        c.server.dirty++;
        g.removeNack(nack);
      }
      continue;
    }
    if (force && nack === undefined) {
      nack = new StreamNACK(id.ms, id.seq, now, 1, null);
      g.pel.insert(nack);
    }
    if (nack === undefined) continue;
    if (nack.consumer !== null && minidle !== 0 && now - nack.deliveryTime < minidle) continue;
    if (consumer === undefined) {
      consumer = g.getConsumer(argv[3]);
      if (consumer === undefined) {
        consumer = g.createConsumer(argv[3], now)!;
        c.server.dirty++;
        notify(c, 'xgroup-createconsumer', key);
      } else consumer.seenTime = now;
    }
    if (nack.consumer !== consumer) {
      nack.consumer?.pel.remove(nack.ms, nack.seq);
    }
    nack.deliveryTime = deliveryTime;
    if (retryCount >= 0) nack.deliveryCount = retryCount;
    else if (!justid) nack.deliveryCount = addI64(nack.deliveryCount, 1);
    if (nack.consumer !== consumer) {
      consumer.pel.insert(nack);
      nack.consumer = consumer;
    }
    replies.push(justid ? id : entry);
    effects.push(xclaimEffect(key, g, argv[2], argv[k], nack));
    propagateLastId = false;
    c.server.dirty++;
  }
  if (propagateLastId) {
    effects.push(setIdEffect(key, g, argv[2]));
    c.server.dirty++;
  }
  c.w.arr(replies.length);
  for (const r of replies) {
    if (r instanceof StreamEntry) replyEntry(c, r);
    else replyId(c, r!);
  }
  c.propagateAs = effects;
}

function xautoclaim(c: Client, argv: string[]): void {
  const key = argv[1];
  const mi = parseInt64(argv[4]);
  if (mi === null) {
    c.error('ERR Invalid min-idle-time argument for XAUTOCLAIM');
    return;
  }
  const minidle = mi < 0 ? 0 : mi;
  const start = intervalArg(c, argv[5], true);
  if (start === null) return;
  let count = 100;
  let justid = false;
  const maxCount = 576460752303423487; // LONG_MAX / 16 (as a double)
  for (let j = 6; j < argv.length; j++) {
    const moreargs = argv.length - 1 - j;
    if (is(argv[j], 'count') && moreargs) {
      const v = parseInt64(argv[j + 1]);
      if (v === null || v < 1 || (v >= maxCount && BigInt(argv[j + 1]) > 576460752303423487n)) {
        c.error('ERR COUNT must be > 0');
        return;
      }
      count = v;
      j++;
    } else if (is(argv[j], 'justid')) justid = true;
    else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  const s = readStream(c, key);
  if (s === null) return;
  const g = s?.getGroup(argv[2]);
  if (s === undefined || g === undefined) {
    c.error(`NOGROUP No such key '${key}' or consumer group '${argv[2]}'`);
    return;
  }
  // Redis allocates count IDs for the deleted ones up front: past the address space that fails.
  if (count > 2 ** 43) {
    c.error('ERR Insufficient memory, failed allocating transient memory, COUNT too high.');
    return;
  }
  c.db.lookupWrite(key);
  let attempts = count * 10;
  const now = c.server.now();
  const effects: string[][] = [];
  const replies: (StreamID | StreamEntry)[] = [];
  const deletedIds: StreamID[] = [];
  let consumer: StreamConsumer | undefined;
  const pel = g.pel;
  // The cursor walks the PEL from start; removals re-seek past the removed ID.
  let next: StreamNACK | undefined = pel.ceil(start);
  while (attempts-- > 0 && count > 0 && next !== undefined) {
    const nack: StreamNACK = next;
    const id: StreamID = { ms: nack.ms, seq: nack.seq };
    const entry = s.getEntry(id);
    if (entry === undefined) {
      effects.push(xclaimEffect(key, g, argv[2], idString(id), nack));
      c.server.dirty++;
      g.removeNack(nack);
      deletedIds.push(id);
      count--;
      next = pel.ceil(id);
      continue;
    }
    next = pel.above(id);
    if (minidle !== 0 && now - nack.deliveryTime < minidle) continue;
    if (consumer === undefined) {
      consumer = g.getConsumer(argv[3]);
      if (consumer === undefined) {
        consumer = g.createConsumer(argv[3], now)!;
        c.server.dirty++;
        notify(c, 'xgroup-createconsumer', key);
      } else consumer.seenTime = now;
    }
    g.assign(nack, consumer);
    nack.deliveryTime = now;
    if (!justid) nack.deliveryCount = addI64(nack.deliveryCount, 1);
    replies.push(justid ? id : entry);
    count--;
    effects.push(xclaimEffect(key, g, argv[2], idString(id), nack));
    c.server.dirty++;
  }
  const cursor = next === undefined ? ZERO_ID : next;
  c.w.arr(3);
  replyId(c, cursor);
  c.w.arr(replies.length);
  for (const r of replies) {
    if (r instanceof StreamEntry) replyEntry(c, r);
    else replyId(c, r);
  }
  c.w.arr(deletedIds.length);
  for (const id of deletedIds) replyId(c, id);
  c.propagateAs = effects;
}

// ---- XINFO ---------------------------------------------------------------------------------------

const XINFO_HELP = [
  'CONSUMERS <key> <groupname>',
  '    Show consumers of <groupname>.',
  'GROUPS <key>',
  '    Show the stream consumer groups.',
  'STREAM <key> [FULL [COUNT <count>]',
  '    Show information about the stream.',
];

function xinfoHelp(c: Client): void {
  replyHelp(c, 'XINFO', XINFO_HELP);
}

function xinfoStreamOf(c: Client, key: string): Stream | null {
  const s = readStream(c, key);
  if (s === null) return null;
  if (s === undefined) {
    c.error('ERR no such key');
    return null;
  }
  return s;
}

function replyNullableInt(c: Client, v: I64 | null): void {
  if (v === null) c.w.nil();
  else c.w.int(v);
}

function xinfoConsumers(c: Client, argv: string[]): void {
  const s = xinfoStreamOf(c, argv[2]);
  if (s === null) return;
  const g = s.getGroup(argv[3]);
  if (g === undefined) {
    c.error(`NOGROUP No such consumer group '${argv[3]}' for key name '${argv[2]}'`);
    return;
  }
  const now = Date.now();
  const list = g.sortedConsumers();
  c.w.arr(list.length);
  for (const consumer of list) {
    const idle = now - consumer.seenTime;
    c.w.map(3);
    c.w.bulk('name');
    c.w.bulk(consumer.name);
    c.w.bulk('pending');
    c.w.int(consumer.pel.size);
    c.w.bulk('idle');
    c.w.int(idle < 0 ? 0 : idle);
  }
}

function xinfoGroups(c: Client, argv: string[]): void {
  const s = xinfoStreamOf(c, argv[2]);
  if (s === null) return;
  const groups = s.sortedGroups();
  c.w.arr(groups.length);
  for (const g of groups) {
    c.w.map(6);
    c.w.bulk('name');
    c.w.bulk(g.name);
    c.w.bulk('consumers');
    c.w.int(g.consumers.size);
    c.w.bulk('pending');
    c.w.int(g.pel.size);
    c.w.bulk('last-delivered-id');
    replyId(c, g.lastId);
    c.w.bulk('entries-read');
    replyNullableInt(c, g.entriesRead === INVALID_ENTRIES_READ ? null : g.entriesRead);
    c.w.bulk('lag');
    replyNullableInt(c, s.groupLag(g));
  }
}

function xinfoStream(c: Client, argv: string[]): void {
  const s = xinfoStreamOf(c, argv[2]);
  if (s === null) return;
  let full = false;
  let count = 10;
  const optc = argv.length - 3;
  if (optc !== 0) {
    if ((optc !== 1 && optc !== 3) || !is(argv[3], 'full') || (optc === 3 && !is(argv[4], 'count'))) {
      subcommandSyntaxError(c, argv);
      return;
    }
    full = true;
    if (optc === 3) {
      const v = parseInt64(argv[5]);
      if (v === null) {
        c.error(ERR_NOT_INT);
        return;
      }
      count = v < 0 ? 10 : v;
    }
  }
  const w = c.w;
  w.map(full ? 9 : 10);
  w.bulk('length');
  w.int(s.length);
  w.bulk('radix-tree-keys');
  w.int(s.nodes.size);
  w.bulk('radix-tree-nodes');
  w.int(s.nodes.raxNodes);
  w.bulk('last-generated-id');
  replyId(c, s.lastId);
  w.bulk('max-deleted-entry-id');
  replyId(c, s.maxDeletedId);
  w.bulk('entries-added');
  w.int(s.entriesAdded);
  w.bulk('recorded-first-entry-id');
  replyId(c, s.firstId);
  if (!full) {
    w.bulk('groups');
    w.int(s.groupCount);
    w.bulk('first-entry');
    const first = s.firstEntry();
    if (first !== undefined) replyEntry(c, first);
    else w.nil();
    w.bulk('last-entry');
    const last = s.lastEntry();
    if (last !== undefined) replyEntry(c, last);
    else w.nil();
    return;
  }
  w.bulk('entries');
  replyEntries(c, s.range(ZERO_ID, MAX_ID, false, count));
  w.bulk('groups');
  const groups = s.sortedGroups();
  w.arr(groups.length);
  for (const g of groups) {
    w.map(7);
    w.bulk('name');
    w.bulk(g.name);
    w.bulk('last-delivered-id');
    replyId(c, g.lastId);
    w.bulk('entries-read');
    replyNullableInt(c, g.entriesRead === INVALID_ENTRIES_READ ? null : g.entriesRead);
    w.bulk('lag');
    replyNullableInt(c, s.groupLag(g));
    w.bulk('pel-count');
    w.int(g.pel.size);
    w.bulk('pending');
    const pending = firstN(g.pel, count);
    w.arr(pending.length);
    for (const nack of pending) {
      w.arr(4);
      replyId(c, nack);
      w.bulk(nack.consumer!.name);
      w.int(nack.deliveryTime);
      w.int(nack.deliveryCount);
    }
    w.bulk('consumers');
    const consumers = g.sortedConsumers();
    w.arr(consumers.length);
    for (const consumer of consumers) {
      w.map(4);
      w.bulk('name');
      w.bulk(consumer.name);
      w.bulk('seen-time');
      w.int(consumer.seenTime);
      w.bulk('pel-count');
      w.int(consumer.pel.size);
      w.bulk('pending');
      const cp = firstN(consumer.pel, count);
      w.arr(cp.length);
      for (const nack of cp) {
        w.arr(3);
        replyId(c, nack);
        w.int(nack.deliveryTime);
        w.int(nack.deliveryCount);
      }
    }
  }
}

/** The first n items of a PEL (all when n is 0). */
function firstN(pel: Iterable<StreamNACK>, n: number): StreamNACK[] {
  const out: StreamNACK[] = [];
  for (const nack of pel) {
    if (n !== 0 && out.length >= n) break;
    out.push(nack);
  }
  return out;
}

export const streamCommands: CommandDef[] = [
  { name: 'xadd', handler: xadd },
  { name: 'xlen', handler: xlen },
  { name: 'xrange', handler: xrange },
  { name: 'xrevrange', handler: xrevrange },
  { name: 'xdel', handler: xdel },
  { name: 'xtrim', handler: xtrim },
  { name: 'xsetid', handler: xsetid },
  { name: 'xread', handler: xread },
  { name: 'xreadgroup', handler: xreadgroup },
  { name: 'xack', handler: xack },
  { name: 'xpending', handler: xpending },
  { name: 'xclaim', handler: xclaim },
  { name: 'xautoclaim', handler: xautoclaim },
  { name: 'xgroup|create', handler: xgroupCreate },
  { name: 'xgroup|setid', handler: xgroupSetid },
  { name: 'xgroup|destroy', handler: xgroupDestroy },
  { name: 'xgroup|createconsumer', handler: xgroupCreateConsumer },
  { name: 'xgroup|delconsumer', handler: xgroupDelConsumer },
  { name: 'xgroup|help', handler: xgroupHelp },
  { name: 'xinfo|consumers', handler: xinfoConsumers },
  { name: 'xinfo|groups', handler: xinfoGroups },
  { name: 'xinfo|stream', handler: xinfoStream },
  { name: 'xinfo|help', handler: xinfoHelp },
];

export { Stream };
