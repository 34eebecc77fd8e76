/**
 * Point-in-time snapshots without fork().
 *
 * Redis saves in the background by forking: the child sees the dataset as it
 * was at fork time while the parent keeps serving writes (copy-on-write).
 * Node cannot fork, so a Snapshot walks the keyspace itself, a slice of a few
 * milliseconds at a time, and makes sure every key is written with the value
 * (and TTL) it had when the snapshot started:
 *
 * - Each non-empty database's Dict gets a DictState: a cursor over the dense
 *   entry arrays (entries below it are written) and a set `done` of keys at
 *   or past the cursor that must not be written again (already written out
 *   of turn, or created after the start).
 * - While a snapshot runs, every Database has it as `observer`. Before any
 *   command reads or changes a key the snapshot has not written yet
 *   (Database.findLive, set, deleteExpired — every write path goes through
 *   one of them), the key is written first ("saved early"), so later writes
 *   cannot leak in. New keys (Database.add) are marked done.
 * - Deleting a key moves the table's last entry into the hole (Dict.onMove):
 *   an unwritten entry moved below the cursor is written at that moment.
 * - FLUSHDB/FLUSHALL hand the old Dict to the snapshot (the database gets a
 *   fresh one), which keeps walking it; SWAPDB needs nothing, since states
 *   follow Dict objects, not database numbers.
 * - Big containers are not written inside a write hook: they are cloned and
 *   queued; values are encoded by generators that yield every few hundred
 *   elements, into a private buffer appended to the file when complete, so
 *   a huge key never stalls the event loop in one piece and records never
 *   interleave. A write to the key being encoded finishes its encoding first.
 *
 * Records of different databases may interleave in the file (each switch
 * writes a SELECTDB), which every RDB reader accepts.
 */
import type { Database, WriteObserver } from '../db/database';
import { Dict } from '../db/dict';
import type { Value } from '../db/values';
import { RdbWriter } from './rdb-encoding';
import { isBigValue, saveObject, type SaveOptions } from './rdb-values';
import { writeFooter, writeHeader, writeKeyHeader, writeKeySync, writeSelectDb, type AuxInfo, type KeyMeta } from './rdb-file';

/** Bytes of a big record copied into the file per step. */
const APPEND_SLICE = 1 << 20;

class DictState {
  cursor = 0;
  /** Keys at or past the cursor that need no writing (written early, or new). */
  readonly done = new Set<string>();
  resizeWritten = false;
  /** The Dict no longer belongs to a database (flushed during the snapshot). */
  detached = false;

  constructor(
    readonly dict: Dict<Value>,
    readonly dbid: number,
    readonly size0: number,
    readonly expires0: number,
  ) {}
}

/** A value being encoded over several slices. */
interface Job {
  dbid: number;
  value: Value;
  w: RdbWriter;
  /** What w produced so far (its big blobs included as they are). */
  chunks: Buffer[];
  gen: Generator<void, void, void>;
}

interface Pending {
  dbid: number;
  key: string;
  value: Value;
  meta: KeyMeta;
}

export interface SnapshotOptions {
  compress: boolean;
  checksum: boolean;
  aux: AuxInfo;
  save: SaveOptions;
  /** Access metadata of an entry (expiry, IDLE or FREQ per maxmemory-policy). */
  meta(dict: Dict<Value>, e: number): KeyMeta;
  /** Only functions (no data): REPLCONF rdb-filter-only. */
  excludeData: boolean;
  /** Records in another format than RDB (an AOF base of commands); RDB when absent. */
  format?: RecordFormat;
}

/** What a snapshot writes for its header, database switches, keys and end, when not RDB. */
export interface RecordFormat {
  header(w: RdbWriter): void;
  select(w: RdbWriter, dbid: number, resize: [number, number] | null): void;
  /** One key; the generator yields between slices of a big value. */
  key(w: RdbWriter, key: string, v: Value, meta: KeyMeta): Generator<void, void, void>;
  footer(w: RdbWriter): void;
}

export class Snapshot implements WriteObserver {
  readonly w: RdbWriter;
  private states: DictState[] = [];
  private byDict = new Map<Dict<Value>, DictState>();
  private si = 0;
  private curDb = -1;
  private job: Job | null = null;
  private deferred: Pending[] = [];
  private installed: Database[] = [];
  keysTotal = 0;
  keysProcessed = 0;
  finished = false;
  /** A finished big record being copied into the file a slice at a time. */
  private appending: { chunks: Buffer[]; ci: number; pos: number } | null = null;
  /** Records written out of turn while `appending` runs, in order. */
  private side: { dbid: number; data: Buffer }[] = [];
  /** What the write hooks did (tests check that each path ran). */
  readonly counters = { early: 0, cloned: 0, drained: 0, moved: 0, detached: 0, jobs: 0 };

  constructor(
    private readonly dbs: Database[],
    private readonly opts: SnapshotOptions,
    sink: ((chunk: Buffer) => void) | null,
  ) {
    this.w = new RdbWriter(opts.compress, opts.checksum, sink);
    if (opts.format !== undefined) opts.format.header(this.w);
    else writeHeader(this.w, opts.aux);
    if (!opts.excludeData) {
      for (const db of dbs) {
        const d = db.dict;
        if (d.size === 0) continue;
        const st = new DictState(d, db.id, d.size, d.volatileSize);
        this.states.push(st);
        this.byDict.set(d, st);
        this.keysTotal += d.size;
      }
    }
  }

  /** Start watching writes (a background snapshot; a synchronous one needs no hooks). */
  install(): void {
    for (const db of this.dbs) {
      db.observer = this;
      this.installed.push(db);
    }
    for (const st of this.states) {
      st.dict.onMove = (from, to) => this.moved(st, from, to);
    }
  }

  /** Stop watching writes. */
  uninstall(): void {
    for (const db of this.installed) if (db.observer === this) db.observer = null;
    this.installed = [];
    for (const st of this.states) if (st.dict.onMove !== null) st.dict.onMove = null;
  }

  // ---- hooks (WriteObserver) ------------------------------------------------------------------

  beforeAccess(db: Database, e: number): void {
    const d = db.dict;
    if (this.job !== null && this.job.value === d.valueAt(e)) {
      this.counters.drained++;
      this.finishJob();
    }
    const st = this.byDict.get(d);
    if (st === undefined || e < st.cursor) return;
    const key = d.keyAt(e);
    if (st.done.has(key)) return;
    st.done.add(key);
    this.saveOutOfTurn(st, e);
  }

  added(db: Database, e: number): void {
    const st = this.byDict.get(db.dict);
    if (st === undefined || e < st.cursor) return;
    st.done.add(db.dict.keyAt(e));
  }

  beforeFlush(db: Database): void {
    const st = this.byDict.get(db.dict);
    if (st === undefined || st.detached) return;
    // The snapshot keeps the old table; the database starts over with a new one.
    st.detached = true;
    this.counters.detached++;
    st.dict.onMove = null;
    db.dict = new Dict<Value>();
  }

  private moved(st: DictState, from: number, to: number): void {
    if (to >= st.cursor || from < st.cursor) return;
    const key = st.dict.keyAt(to);
    // Below the cursor now: counted as written from here on.
    if (st.done.delete(key)) return;
    this.counters.moved++;
    this.saveOutOfTurn(st, to);
  }

  /** Write entry e now, before a command touches it. */
  private saveOutOfTurn(st: DictState, e: number): void {
    const d = st.dict;
    const v = d.valueAt(e);
    const meta = this.opts.meta(d, e);
    this.keysProcessed++;
    this.counters.early++;
    if (isBigValue(v)) {
      // Copy now, encode later in slices.
      this.counters.cloned++;
      // (JS strings are immutable: no copy needed.)
      const copy = typeof v === 'string' ? v : (v as { clone(): Value }).clone();
      this.deferred.push({ dbid: st.dbid, key: d.keyAt(e), value: copy, meta });
      return;
    }
    if (this.appending !== null) {
      // The file is taking a big record: this one waits its turn.
      const w = new RdbWriter(this.opts.compress, false);
      this.writeKey(w, d.keyAt(e), v, meta);
      this.side.push({ dbid: st.dbid, data: Buffer.from(w.take()) });
      return;
    }
    this.select(st.dbid);
    this.writeKey(this.w, d.keyAt(e), v, meta);
    this.w.maybeFlush();
  }

  /** A whole key record, written at once. */
  private writeKey(w: RdbWriter, key: string, v: Value, meta: KeyMeta): void {
    const f = this.opts.format;
    if (f === undefined) writeKeySync(w, key, v, meta, this.opts.save);
    else {
      const g = f.key(w, key, v, meta);
      while (!g.next().done);
    }
  }

  // ---- the walk -------------------------------------------------------------------------------------

  private select(dbid: number): void {
    if (this.curDb === dbid) return;
    let resize: [number, number] | null = null;
    const st = this.states.find((s) => s.dbid === dbid && !s.resizeWritten);
    if (st !== undefined) {
      st.resizeWritten = true;
      resize = [st.size0, st.expires0];
    }
    if (this.opts.format !== undefined) this.opts.format.select(this.w, dbid, resize);
    else writeSelectDb(this.w, dbid, resize);
    this.curDb = dbid;
  }

  private startJob(dbid: number, key: string, v: Value, meta: KeyMeta): void {
    const chunks: Buffer[] = [];
    const w = new RdbWriter(this.opts.compress, false, (chunk) => chunks.push(chunk), APPEND_SLICE, true);
    this.counters.jobs++;
    const f = this.opts.format;
    if (f !== undefined) {
      this.job = { dbid, value: v, w, chunks, gen: f.key(w, key, v, meta) };
      return;
    }
    writeKeyHeader(w, key, v, meta);
    this.job = { dbid, value: v, w, chunks, gen: saveObject(w, v, this.opts.save) };
  }

  /** Run the current job until the deadline; true when it completed. */
  private runJob(deadline: number): boolean {
    const job = this.job!;
    for (;;) {
      if (job.gen.next().done) {
        this.completeJob(job);
        return true;
      }
      if (performance.now() >= deadline) return false;
    }
  }

  private finishJob(): void {
    const job = this.job!;
    while (!job.gen.next().done);
    this.completeJob(job);
  }

  private completeJob(job: Job): void {
    this.job = null;
    this.select(job.dbid);
    job.w.flush();
    const chunks = job.chunks;
    if (chunks.length === 1 && chunks[0].length <= APPEND_SLICE) {
      this.w.bytes(chunks[0]);
      this.w.maybeFlush();
    } else this.appending = { chunks, ci: 0, pos: 0 };
  }

  /** Copy the big record into the file until the deadline; true when it is all in. */
  private runAppend(deadline: number): boolean {
    const a = this.appending!;
    while (a.ci < a.chunks.length) {
      const data = a.chunks[a.ci];
      const end = Math.min(a.pos + APPEND_SLICE, data.length);
      this.w.bytes(data, a.pos, end);
      a.pos = end;
      if (a.pos >= data.length) {
        a.ci++;
        a.pos = 0;
      }
      this.w.maybeFlush();
      if (a.ci < a.chunks.length && performance.now() >= deadline) return false;
    }
    this.appending = null;
    for (const r of this.side) {
      this.select(r.dbid);
      this.w.bytes(r.data);
      this.w.maybeFlush();
    }
    this.side = [];
    return true;
  }

  /**
   * Do work until `deadline` (performance.now() ms) or `maxKeys` keys. Returns true when
   * every key is written (then call end()).
   */
  step(deadline: number, maxKeys = Infinity): boolean {
    let n = 0;
    for (;;) {
      if (this.appending !== null && !this.runAppend(deadline)) return false;
      if (this.job !== null && !this.runJob(deadline)) return false;
      if (this.appending !== null) continue;
      if (this.deferred.length > 0) {
        const p = this.deferred.shift()!;
        this.startJob(p.dbid, p.key, p.value, p.meta);
        continue;
      }
      const st = this.states[this.si];
      if (st === undefined) return true;
      const d = st.dict;
      if (st.cursor >= d.size) {
        this.si++;
        continue;
      }
      const e = st.cursor++;
      const key = d.keyAt(e);
      if (st.done.size !== 0 && st.done.delete(key)) continue;
      const v = d.valueAt(e);
      const meta = this.opts.meta(d, e);
      this.keysProcessed++;
      if (isBigValue(v)) this.startJob(st.dbid, key, v, meta);
      else {
        this.select(st.dbid);
        this.writeKey(this.w, key, v, meta);
        this.w.maybeFlush();
      }
      if (++n >= maxKeys) return false;
      if ((n & 31) === 0 && performance.now() >= deadline) return false;
    }
  }

  /** Write everything left, synchronously (SAVE, shutdown). */
  runToEnd(): void {
    while (!this.step(Infinity));
  }

  /** EOF, checksum, and the final flush. Uninstalls the hooks. */
  end(): void {
    this.uninstall();
    if (this.opts.format !== undefined) this.opts.format.footer(this.w);
    else writeFooter(this.w);
    this.w.flush();
    this.finished = true;
  }

  /** Stop without finishing (shutdown, errors). */
  abort(): void {
    this.uninstall();
    this.job = null;
    this.deferred = [];
    this.appending = null;
    this.side = [];
    this.finished = true;
  }
}
