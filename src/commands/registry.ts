/**
 * The command table. Each command's metadata (arity, flags, key specs, ACL
 * categories, docs) is data captured from Redis 7.0 in meta/redis-commands.json,
 * as Redis keeps it in src/commands/*.json; command families bind handlers to
 * those names. One entry then drives dispatch, arity errors, COMMAND, key
 * extraction, and later ACL and cluster slot checks. Only commands with a
 * handler are registered: COMMAND never advertises what Cinnabar cannot do.
 */
import metaJson from './meta/redis-commands.json';
import extraJson from './meta/extra-commands.json';
import type { Client } from '../server/client';

export interface KeySpecMeta {
  notes?: string;
  flags: string[];
  beginSearch: { type: 'index' | 'keyword' | 'unknown'; spec: { index?: number; keyword?: string; startfrom?: number } };
  findKeys: { type: 'range' | 'keynum' | 'unknown'; spec: { lastkey?: number; keystep?: number; limit?: number; keynumidx?: number; firstkey?: number } };
}

export interface CommandMeta {
  arity: number;
  flags: string[];
  firstKey: number;
  lastKey: number;
  step: number;
  aclCategories: string[];
  tips: string[];
  keySpecs: KeySpecMeta[];
  subcommands?: Record<string, CommandMeta>;
  docs: Record<string, unknown>;
}

export type Handler = (c: Client, argv: string[]) => void;

/**
 * Key positions for commands whose key specs cannot say (SORT ... STORE). A bare
 * position gets the first key spec's flags; a KeyRef carries its own.
 */
export type KeysProc = (argv: string[]) => (number | KeyRef)[];

/** What a command family declares: the handler for a Redis command name. */
export interface CommandDef {
  /** lowercase; subcommands as "config|get" */
  name: string;
  handler: Handler;
  keys?: KeysProc;
}

// Flag bits used on the hot path.
export const CMD_WRITE = 1 << 0;
export const CMD_READONLY = 1 << 1;
export const CMD_DENYOOM = 1 << 2;
export const CMD_ADMIN = 1 << 3;
export const CMD_PUBSUB = 1 << 4;
export const CMD_NOSCRIPT = 1 << 5;
export const CMD_BLOCKING = 1 << 6;
export const CMD_LOADING = 1 << 7;
export const CMD_STALE = 1 << 8;
export const CMD_SKIP_MONITOR = 1 << 9;
export const CMD_SKIP_SLOWLOG = 1 << 10;
export const CMD_FAST = 1 << 11;
export const CMD_NO_AUTH = 1 << 12;
export const CMD_MAY_REPLICATE = 1 << 13;
export const CMD_NO_MULTI = 1 << 14;
export const CMD_MOVABLE_KEYS = 1 << 15;
export const CMD_ALLOW_BUSY = 1 << 16;
export const CMD_PROTECTED = 1 << 17;

const FLAG_BITS: Record<string, number> = {
  write: CMD_WRITE,
  readonly: CMD_READONLY,
  denyoom: CMD_DENYOOM,
  admin: CMD_ADMIN,
  pubsub: CMD_PUBSUB,
  noscript: CMD_NOSCRIPT,
  blocking: CMD_BLOCKING,
  loading: CMD_LOADING,
  stale: CMD_STALE,
  skip_monitor: CMD_SKIP_MONITOR,
  skip_slowlog: CMD_SKIP_SLOWLOG,
  fast: CMD_FAST,
  no_auth: CMD_NO_AUTH,
  may_replicate: CMD_MAY_REPLICATE,
  no_multi: CMD_NO_MULTI,
  movablekeys: CMD_MOVABLE_KEYS,
  allow_busy: CMD_ALLOW_BUSY,
};

/** Per-command statistics (INFO commandstats). */
export class CommandStats {
  calls = 0;
  usec = 0;
  rejectedCalls = 0;
  failedCalls = 0;
}

export class Command {
  readonly flags: number;
  readonly arity: number;
  readonly stats = new CommandStats();
  /** Subcommands by lowercase name ("get" for config|get). */
  subcommands: Map<string, Command> | null = null;
  handler: Handler | null = null;
  keysProc: KeysProc | null = null;

  constructor(
    /** "get", or "config|get" */
    readonly fullName: string,
    readonly meta: CommandMeta,
    readonly parent: Command | null,
  ) {
    let f = 0;
    for (const fl of meta.flags) f |= FLAG_BITS[fl] ?? 0;
    // DEBUG and MODULE are gated by enable-debug-command / enable-module-command.
    if (fullName === 'debug' || fullName === 'module') f |= CMD_PROTECTED;
    this.flags = f;
    this.arity = meta.arity;
  }

  /** The name a reply shows: "get", or "get" of "config|get". */
  get name(): string {
    const i = this.fullName.indexOf('|');
    return i < 0 ? this.fullName : this.fullName.slice(i + 1);
  }

  is(flag: number): boolean {
    return (this.flags & flag) !== 0;
  }

  /**
   * Key arguments of argv with their key-spec flags, as COMMAND GETKEYSANDFLAGS
   * reports them (getKeysFromCommandWithSpecs): the family's own keys procedure
   * when it has one (commands whose specs cannot say, like SORT ... STORE),
   * else the key specs. null when argv does not fit the specs.
   */
  keys(argv: string[]): KeyRef[] | null {
    if (this.keysProc) return this.keysProc(argv).map((k) => (typeof k === 'number' ? { pos: k, flags: this.meta.keySpecs[0]?.flags ?? [] } : k));
    const out: KeyRef[] = [];
    const argc = argv.length;
    for (const ks of this.meta.keySpecs) {
      if (ks.flags.includes('not_key')) continue;
      let first = 0;
      const bs = ks.beginSearch;
      if (bs.type === 'index') {
        first = bs.spec.index!;
      } else if (bs.type === 'keyword') {
        const kw = bs.spec.keyword!.toLowerCase();
        const from = bs.spec.startfrom!;
        const start = from > 0 ? from : argc + from;
        const end = from > 0 ? argc - 1 : 1;
        for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
          if (i >= argc || i < 1) break;
          if (argv[i].toLowerCase() === kw) {
            first = i + 1;
            break;
          }
        }
        if (first === 0) continue; // keyword not found
      } else return null; // unknown: needs a keys procedure
      const fk = ks.findKeys;
      let last: number, step: number;
      if (fk.type === 'range') {
        step = fk.spec.keystep!;
        const lastkey = fk.spec.lastkey!, limit = fk.spec.limit!;
        if (lastkey >= 0) last = first + lastkey;
        else if (!limit) last = argc + lastkey;
        else last = first + (Math.trunc((argc - first) / limit) + lastkey);
      } else if (fk.type === 'keynum') {
        step = fk.spec.keystep!;
        const numIdx = first + fk.spec.keynumidx!;
        if (numIdx >= argc) return null;
        const n = /^(0|-?[1-9]\d*)$/.test(argv[numIdx]) ? Number(argv[numIdx]) : -1;
        if (n < 0) return null;
        first += fk.spec.firstkey!;
        last = first + n - 1;
        if (n === 0) continue;
      } else return null;
      if (last >= argc || last < first || first >= argc) return null;
      for (let i = first; i <= last; i += step) {
        if (i >= argc) continue;
        out.push({ pos: i, flags: ks.flags });
      }
    }
    return out;
  }

  /** Key argument positions only. */
  keyPositions(argv: string[]): number[] {
    return (this.keys(argv) ?? []).map((k) => k.pos);
  }
}

export interface KeyRef {
  pos: number;
  flags: string[];
}

export class Registry {
  /** Top-level commands by lowercase name. */
  private commands = new Map<string, Command>();
  readonly redisVersion: string;
  /** Metadata of every Redis command, implemented or not (COMMAND DOCS on unknowns stays empty). */
  readonly allMeta: Record<string, CommandMeta>;

  constructor(defs: CommandDef[]) {
    const meta = metaJson as unknown as { redisVersion: string; commands: Record<string, CommandMeta> };
    const extra = extraJson as unknown as { commands: Record<string, CommandMeta> };
    this.redisVersion = meta.redisVersion;
    this.allMeta = { ...meta.commands };
    // Commands newer than 7.0 that an issue asked for (CLIENT SETINFO, NO-TOUCH).
    for (const [name, m] of Object.entries(extra.commands)) {
      const [top] = name.split('|');
      if (name.includes('|')) {
        const parent = this.allMeta[top];
        parent.subcommands = { ...(parent.subcommands ?? {}), [name]: m };
      } else this.allMeta[name] = m;
    }
    for (const def of defs) this.add(def);
  }

  private add(def: CommandDef): void {
    const [top, sub] = def.name.split('|');
    const topMeta = this.allMeta[top];
    if (!topMeta) throw new Error(`no Redis metadata for command '${def.name}'`);
    let cmd = this.commands.get(top);
    if (!cmd) {
      cmd = new Command(top, topMeta, null);
      this.commands.set(top, cmd);
    }
    if (sub === undefined) {
      if (cmd.handler) throw new Error(`command '${def.name}' declared twice`);
      cmd.handler = def.handler;
      cmd.keysProc = def.keys ?? null;
      return;
    }
    const subMeta = topMeta.subcommands?.[def.name];
    if (!subMeta) throw new Error(`no Redis metadata for subcommand '${def.name}'`);
    cmd.subcommands ??= new Map();
    if (cmd.subcommands.has(sub)) throw new Error(`command '${def.name}' declared twice`);
    const sc = new Command(def.name, subMeta, cmd);
    sc.handler = def.handler;
    sc.keysProc = def.keys ?? null;
    cmd.subcommands.set(sub, sc);
  }

  /** Top-level command by name (any case). */
  get(name: string): Command | undefined {
    const hit = this.commands.get(name);
    if (hit !== undefined) return hit;
    // Clients send "GET" or "get"; remember the spellings seen so the common
    // case is one Map lookup with no lowercase copy (bounded against abuse).
    const cmd = this.commands.get(name.toLowerCase());
    if (cmd !== undefined && this.spellings < 4096) {
      this.spellings++;
      this.commands.set(name, cmd);
      this.aliases.add(name);
    }
    return cmd;
  }

  /** Case variants added by get(), kept apart from real names. */
  private aliases = new Set<string>();
  private spellings = 0;

  /**
   * The command argv names: the subcommand of a container when argv has one,
   * the container itself when argv has only its name, undefined otherwise.
   */
  lookup(argv: string[]): Command | undefined {
    const cmd = this.get(argv[0]);
    if (!cmd || cmd.subcommands === null || argv.length === 1) return cmd;
    return cmd.subcommands.get(argv[1].toLowerCase());
  }

  /** Apply rename-command: the command answers to a new name, or to none when "". */
  rename(from: string, to: string): boolean {
    const cmd = this.commands.get(from.toLowerCase());
    if (!cmd) return false;
    for (const a of this.aliases) this.commands.delete(a);
    this.aliases.clear();
    this.commands.delete(from.toLowerCase());
    if (to !== '') this.commands.set(to.toLowerCase(), cmd);
    return true;
  }

  all(): Command[] {
    const out: Command[] = [];
    for (const [name, c] of this.commands) if (!this.aliases.has(name)) out.push(c);
    return out;
  }

  /** Every command and subcommand. */
  *everyCommand(): Iterable<Command> {
    for (const c of this.all()) {
      yield c;
      if (c.subcommands) yield* c.subcommands.values();
    }
  }

  get size(): number {
    return this.commands.size - this.aliases.size;
  }
}
