/**
 * The live configuration: typed values for every parameter in params.ts,
 * Redis's validation and error texts, CONFIG GET formatting, and the
 * redis.conf / command-line readers.
 *
 * Values are kept typed (numbers, booleans, strings) so hot paths read them
 * without parsing. Subsystems that must react to a change (maxmemory, hz,
 * appendonly...) register an apply hook; a CONFIG SET of several parameters
 * is validated whole, applied in order, and rolled back if a hook fails.
 */
import * as fs from 'fs';
import * as path from 'path';
import { splitArgs } from '../protocol/parser';
import { globMatch } from '../util/glob';
import { LLONG_MAX, PARAMS, type Param } from './params';

export type ConfigValue = number | boolean | string;

export class ConfigError extends Error {}

/** Called after a value changes; returns an error message to refuse it. */
export type ApplyHook = (value: ConfigValue, old: ConfigValue) => string | void;

const byName = new Map<string, Param>();
for (const p of PARAMS) {
  byName.set(p.name, p);
  if (p.alias) byName.set(p.alias, p);
}

export function lookupParam(name: string): Param | undefined {
  return byName.get(name.toLowerCase());
}

/** memtoull: digits with an optional b/k/kb/m/mb/g/gb unit; null when invalid. */
export function parseMemory(s: string): number | null {
  const m = /^(\d+)(b|k|kb|m|mb|g|gb)?$/i.exec(s);
  if (m === null) return null;
  const mul: Record<string, number> = { b: 1, k: 1000, kb: 1024, m: 1e6, mb: 1 << 20, g: 1e9, gb: 1 << 30 };
  return Number(m[1]) * (m[2] ? mul[m[2].toLowerCase()] : 1);
}

function fmtBound(n: number): string {
  // Bounds past 2^53 print as Redis prints them (the exact C constants).
  if (n === LLONG_MAX) return '9223372036854775807';
  if (n === 18446744073709551615) return '18446744073709551615';
  return String(n);
}

const KEYSPACE_CLASSES = 'Ag$lshzxeKEtmdn';

/** notify-keyspace-events letters to flags; null on a bad letter. */
export function keyspaceEventsFromString(s: string): number | null {
  let flags = 0;
  for (const ch of s) {
    switch (ch) {
      case 'A': flags |= 0x27fc; break; // NOTIFY_ALL
      case 'g': flags |= 1 << 2; break;
      case '$': flags |= 1 << 3; break;
      case 'l': flags |= 1 << 4; break;
      case 's': flags |= 1 << 5; break;
      case 'h': flags |= 1 << 6; break;
      case 'z': flags |= 1 << 7; break;
      case 'x': flags |= 1 << 8; break;
      case 'e': flags |= 1 << 9; break;
      case 'K': flags |= 1 << 0; break;
      case 'E': flags |= 1 << 1; break;
      case 't': flags |= 1 << 10; break;
      case 'm': flags |= 1 << 11; break;
      case 'd': flags |= 1 << 13; break;
      case 'n': flags |= 1 << 14; break;
      default: return null;
    }
  }
  return flags;
}

/** Flags back to letters, in Redis's order (keyspaceEventsFlagsToString). */
export function keyspaceEventsToString(flags: number): string {
  let res = '';
  if ((flags & 0x27fc) === 0x27fc) res += 'A';
  else {
    if (flags & (1 << 2)) res += 'g';
    if (flags & (1 << 3)) res += '$';
    if (flags & (1 << 4)) res += 'l';
    if (flags & (1 << 5)) res += 's';
    if (flags & (1 << 6)) res += 'h';
    if (flags & (1 << 7)) res += 'z';
    if (flags & (1 << 8)) res += 'x';
    if (flags & (1 << 9)) res += 'e';
    if (flags & (1 << 10)) res += 't';
    if (flags & (1 << 13)) res += 'd';
    if (flags & (1 << 14)) res += 'n';
  }
  if (flags & (1 << 0)) res += 'K';
  if (flags & (1 << 1)) res += 'E';
  if (flags & (1 << 11)) res += 'm';
  return res;
}

const U64 = 1n << 64n;

/** A bound of params.ts as the exact C constant (LLONG_MAX and ULLONG_MAX are not exact as numbers). */
function exactBound(n: number): bigint {
  if (n === LLONG_MAX) return 9223372036854775807n;
  if (n === 18446744073709551615) return 18446744073709551615n;
  return BigInt(n);
}

/** string2ll: canonical decimal within 64 bits, or null. */
function string2ll(s: string): bigint | null {
  if (!/^(0|-?[1-9]\d*)$/.test(s)) return null;
  const v = BigInt(s);
  if (v > 9223372036854775807n || v < -9223372036854775808n) return null;
  return v;
}

/** memtoull: digits and an optional unit, wrapping like the C arithmetic; null when invalid. */
function memtoull(s: string): bigint | null {
  const m = /^(\d*)(b|k|kb|m|mb|g|gb)?$/i.exec(s);
  if (m === null) return null;
  const mul: Record<string, bigint> = { b: 1n, k: 1000n, kb: 1024n, m: 1000000n, mb: 1048576n, g: 1000000000n, gb: 1073741824n };
  let v = m[1] === '' ? 0n : BigInt(m[1]);
  if (v >= U64) v = U64 - 1n; // strtoull saturates
  return (v * (m[2] ? mul[m[2].toLowerCase()] : 1n)) % U64;
}

/** Numeric parameters: Redis's numericParseString and numericBoundaryCheck. */
function parseNumeric(p: Param, raw: string): number {
  let ll: bigint | null = null;
  if (p.memory) {
    const u = memtoull(raw);
    if (u !== null) ll = BigInt.asIntN(64, u);
  }
  if (ll === null && p.percent && raw.length > 1 && raw.endsWith('%')) {
    const v = string2ll(raw.slice(0, -1));
    if (v !== null && v >= 0n) ll = -v;
  }
  if (ll === null && p.octal) {
    if (/^[0-7]+$/.test(raw)) ll = BigInt('0o' + raw);
  }
  if (ll === null && !p.memory && !p.percent && !p.octal) ll = string2ll(raw);
  if (ll === null) {
    if (p.memory && p.percent) throw new ConfigError('argument must be a memory or percent value');
    if (p.memory) throw new ConfigError('argument must be a memory value');
    throw new ConfigError("argument couldn't be parsed into an integer");
  }
  const min = exactBound(p.min!), max = exactBound(p.max!);
  if (p.max === 18446744073709551615) {
    // Unsigned long long parameters compare the value as unsigned.
    const ull = BigInt.asUintN(64, ll);
    if (ull > max || ull < min) throw new ConfigError(`argument must be between ${min} and ${max} inclusive`);
    return Number(ull);
  }
  if (p.percent && ll < 0n) {
    if (ll < min) throw new ConfigError(`percentage argument must be less or equal to ${-min}`);
  } else if (ll > max || ll < min) {
    if (p.octal) throw new ConfigError(`argument must be between ${min.toString(8)} and ${max.toString(8)} inclusive`);
    throw new ConfigError(`argument must be between ${min} and ${max} inclusive`);
  }
  return Number(ll);
}

/** proc-title-template: sdstemplate's syntax over the known variables, expanding to something. */
function validProcTitle(t: string): boolean {
  const vars: Record<string, string> = { title: '', 'listen-addr': '*:0', 'server-mode': '', port: '0', 'tls-port': '0', unixsocket: '', 'config-file': '' };
  let out = '';
  let p = 0;
  while (p < t.length) {
    const sv = t.indexOf('{', p);
    if (sv < 0) {
      out += t.slice(p);
      break;
    }
    out += t.slice(p, sv);
    if (sv + 1 >= t.length) return false;
    if (t[sv + 1] === '{') {
      out += '{';
      p = sv + 2;
      continue;
    }
    const ev = t.indexOf('}', sv + 1);
    if (ev < 0) return false;
    const name = t.slice(sv + 1, ev);
    if (!(name in vars)) return false;
    out += vars[name];
    p = ev + 1;
  }
  return out.length > 0;
}

/** Parse a value for param p (as given to CONFIG SET or in a config file). */
export function parseValue(p: Param, raw: string): ConfigValue {
  switch (p.type) {
    case 'bool': {
      const v = raw.toLowerCase();
      if (v === 'yes') return true;
      if (v === 'no') return false;
      throw new ConfigError("argument must be 'yes' or 'no'");
    }
    case 'int':
      return parseNumeric(p, raw);
    case 'enum': {
      const parts = p.flagsEnum ? raw.toLowerCase().split(/\s+/).filter(Boolean) : [raw.toLowerCase()];
      if (parts.length === 0 || parts.some((x) => !p.values!.includes(x)) || (!p.flagsEnum && parts.length !== 1)) {
        throw new ConfigError(`argument(s) must be one of the following: ${p.values!.join(', ')}`);
      }
      if (p.flagsEnum && parts.includes('save') && parts.includes('nosave')) {
        throw new ConfigError("shutdown options SAVE and NOSAVE can't be used simultaneously");
      }
      if (p.flagsEnum) {
        // A bit set printed in declaration order; "default" is the empty set.
        const set = p.values!.filter((x) => x !== 'default' && parts.includes(x));
        return set.length === 0 ? 'default' : set.join(' ');
      }
      return parts.join(' ');
    }
    case 'string':
      if (p.name === 'proc-title-template' && !validProcTitle(raw)) throw new ConfigError('template format is invalid or contains unknown variables');
      if (p.name === 'cluster-announce-hostname' && !/^[A-Za-z0-9.-]*$/.test(raw)) {
        throw new ConfigError('Hostnames may only contain alphanumeric characters, hyphens or dots');
      }
      return raw;
    case 'special':
      return parseSpecial(p.name, raw);
  }
}

function parseSpecial(name: string, raw: string): ConfigValue {
  switch (name) {
    case 'save': {
      const parts = raw.split(' ').filter((x) => x !== '');
      if (raw !== '' && (parts.length === 0 || parts.length % 2 !== 0)) throw new ConfigError('Invalid save parameters');
      for (const x of parts) if (!/^\d+$/.test(x)) throw new ConfigError('Invalid save parameters');
      return parts.join(' ');
    }
    case 'notify-keyspace-events': {
      const f = keyspaceEventsFromString(raw);
      if (f === null) throw new ConfigError(`Invalid event class character. Use '${KEYSPACE_CLASSES}'.`);
      // Kept as flags: the letters CONFIG GET shows drop some ("KEAn" shows as "AKE").
      return f;
    }
    case 'client-output-buffer-limit': {
      const parts = raw.split(/\s+/).filter(Boolean);
      if (parts.length % 4 !== 0) throw new ConfigError('Wrong number of arguments in buffer limit configuration.');
      const cur = new Map<string, string>();
      for (let i = 0; i < parts.length; i += 4) {
        let cls = parts[i].toLowerCase();
        if (cls === 'replica') cls = 'slave';
        if (!['normal', 'slave', 'pubsub'].includes(cls)) throw new ConfigError('Invalid client class specified in buffer limit configuration.');
        const hard = parseMemory(parts[i + 1]), soft = parseMemory(parts[i + 2]);
        const secs = /^\d+$/.test(parts[i + 3]) ? Number(parts[i + 3]) : null;
        if (hard === null || soft === null || secs === null) throw new ConfigError('Error in hard, soft or soft_seconds setting in buffer limit configuration.');
        cur.set(cls, `${hard} ${soft} ${secs}`);
      }
      return [...cur].map(([k, v]) => `${k} ${v}`).join(' ');
    }
    case 'oom-score-adj-values': {
      const parts = raw.split(/\s+/).filter(Boolean);
      if (parts.length !== 3) throw new ConfigError('wrong number of arguments');
      for (const x of parts) {
        if (!/^-?\d+$/.test(x) || Math.abs(Number(x)) > 2000) throw new ConfigError('Invalid oom-score-adj-values, elements must be between -2000 and 2000.');
      }
      return parts.map(Number).join(' ');
    }
    case 'latency-tracking-info-percentiles': {
      // Split on single spaces: empty tokens are invalid, an empty value is an empty list.
      const parts = raw === '' ? [] : raw.split(' ');
      const out: string[] = [];
      for (const x of parts) {
        const v = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(x) ? Number(x) : NaN;
        if (!Number.isFinite(v)) throw new ConfigError('Invalid latency-tracking-info-percentiles parameters');
        if (v < 0 || v > 100) throw new ConfigError('latency-tracking-info-percentiles parameters should sit between [0.0,100.0]');
        let f = v.toFixed(6);
        if (f.includes('.')) f = f.replace(/0+$/, '').replace(/\.$/, '');
        out.push(f);
      }
      return out.join(' ');
    }
    case 'bind': {
      const parts = raw.split(/\s+/).filter(Boolean);
      if (parts.length > 16) throw new ConfigError('Too many bind addresses specified.');
      return parts.join(' ');
    }
    case 'replicaof': {
      const parts = raw.split(/\s+/).filter(Boolean);
      if (parts.length === 0) return '';
      if (parts.length !== 2) throw new ConfigError('wrong number of arguments');
      if (parts[0].toLowerCase() === 'no' && parts[1].toLowerCase() === 'one') return '';
      if (!/^\d+$/.test(parts[1])) throw new ConfigError('Invalid master port');
      return parts.join(' ');
    }
    default:
      return raw;
  }
}

/** A value as CONFIG GET prints it. */
export function formatValue(p: Param, v: ConfigValue): string {
  switch (p.type) {
    case 'bool':
      return v ? 'yes' : 'no';
    case 'int':
      if (p.percent && (v as number) < 0) return `${-(v as number)}%`;
      if (p.octal) return (v as number).toString(8);
      if ((v as number) >= 2 ** 63) return (v as number) >= 2 ** 64 ? '18446744073709551615' : (v as number) === 2 ** 63 ? '9223372036854775807' : BigInt(v as number).toString();
      return String(v);
    default:
      if (p.name === 'notify-keyspace-events') return keyspaceEventsToString(v as number);
      return String(v);
  }
}

export class Config {
  private values = new Map<string, ConfigValue>();
  private hooks = new Map<string, ApplyHook[]>();
  /** Commands renamed or disabled by rename-command lines. */
  readonly renames = new Map<string, string>();
  /** Path of the config file the server started with, if any (CONFIG REWRITE, INFO). */
  file = '';
  /** Source lines for CONFIG REWRITE. */
  fileLines: string[] = [];
  /** Directives the embedding API or command line set explicitly. */
  readonly explicit = new Set<string>();

  constructor() {
    for (const p of PARAMS) this.values.set(p.name, parseValue(p, p.default));
  }

  get(name: string): ConfigValue {
    // Internal callers use canonical names: one Map lookup on the hot path.
    const fast = this.values.get(name);
    if (fast !== undefined) return fast;
    const p = lookupParam(name);
    if (!p) throw new Error(`unknown config ${name}`);
    return this.values.get(p.name)!;
  }

  num(name: string): number {
    return this.get(name) as number;
  }

  bool(name: string): boolean {
    return this.get(name) as boolean;
  }

  str(name: string): string {
    return this.get(name) as string;
  }

  onChange(name: string, hook: ApplyHook): void {
    const p = lookupParam(name)!;
    const list = this.hooks.get(p.name) ?? [];
    list.push(hook);
    this.hooks.set(p.name, list);
  }

  /** Set a value without validation hooks (startup, config file). */
  setRaw(name: string, raw: string): void {
    const p = lookupParam(name);
    if (!p) throw new ConfigError('Bad directive or wrong number of arguments');
    const old = this.values.get(p.name)!;
    const v = this.merged(p, parseValue(p, raw));
    this.values.set(p.name, v);
    this.explicit.add(p.name);
    // Subsystems caching a value (eviction policy, slowlog threshold) must see it too.
    for (const hook of this.hooks.get(p.name) ?? []) hook(v, old);
  }

  /**
   * CONFIG SET name value [name value ...]: all or nothing.
   * Throws ConfigError carrying the full Redis error text.
   */
  setMany(pairs: [string, string][], allowProtected: boolean): void {
    // First pass, as configSetCommand: the first unknown name, immutable or
    // protected parameter, or repeated entry fails the whole command. An alias
    // is its own entry, so "name" and its alias together are not duplicates.
    const seen = new Set<string>();
    let unknown: string | null = null;
    let failure: ConfigError | null = null;
    for (const [name] of pairs) {
      const p = lookupParam(name);
      if (!p) {
        if (unknown === null && failure === null) unknown = name;
        continue;
      }
      if (unknown !== null || failure !== null) continue;
      const fail = (why: string) => new ConfigError(`ERR CONFIG SET failed (possibly related to argument '${name}') - ${why}`);
      if (p.immutable) failure = fail("can't set immutable config");
      else if (p.protected && !allowProtected) failure = fail("can't set protected config");
      else {
        const entry = name.toLowerCase();
        if (seen.has(entry)) failure = fail('duplicate parameter');
        seen.add(entry);
      }
    }
    if (unknown !== null) throw new ConfigError(`ERR Unknown option or number of arguments for CONFIG SET - '${unknown}'`);
    if (failure !== null) throw failure;
    const parsed: [Param, ConfigValue][] = [];
    for (const [name, raw] of pairs) {
      const p = lookupParam(name)!;
      try {
        parsed.push([p, this.merged(p, parseValue(p, raw), parsed)]);
      } catch (e) {
        if (e instanceof ConfigError) throw new ConfigError(`ERR CONFIG SET failed (possibly related to argument '${name.toLowerCase()}') - ${e.message}`);
        throw e;
      }
    }
    const old = parsed.map(([p]) => this.values.get(p.name)!);
    const applied: number[] = [];
    for (let i = 0; i < parsed.length; i++) {
      const [p, v] = parsed[i];
      this.values.set(p.name, v);
      applied.push(i);
      for (const hook of this.hooks.get(p.name) ?? []) {
        const err = hook(v, old[i]);
        if (typeof err === 'string') {
          // Roll back everything set so far, re-applying the old values.
          for (const j of applied.reverse()) {
            const [pj] = parsed[j];
            this.values.set(pj.name, old[j]);
            for (const h of this.hooks.get(pj.name) ?? []) h(old[j], parsed[j][1]);
          }
          throw new ConfigError(`ERR CONFIG SET failed (possibly related to argument '${pairs[i][0].toLowerCase()}') - ${err}`);
        }
      }
      // A hook may adjust the value (hz clamps, repl-backlog-size minimum).
    }
  }

  /**
   * client-output-buffer-limit only changes the classes it names: merge with
   * the current value (or the one set earlier in the same CONFIG SET).
   */
  private merged(p: Param, v: ConfigValue, earlier: [Param, ConfigValue][] = []): ConfigValue {
    if (p.name !== 'client-output-buffer-limit') return v;
    let cur = this.values.get(p.name) as string;
    for (const [q, w] of earlier) if (q.name === p.name) cur = w as string;
    const classes = new Map<string, string>();
    const put = (text: string) => {
      const parts = text.split(' ').filter(Boolean);
      for (let i = 0; i + 3 < parts.length; i += 4) classes.set(parts[i], parts.slice(i + 1, i + 4).join(' '));
    };
    put(cur);
    put(v as string);
    return ['normal', 'slave', 'pubsub'].map((c) => `${c} ${classes.get(c) ?? '0 0 0'}`).join(' ');
  }

  /** Store a value a hook corrected (e.g. hz clamped to 500). */
  correct(name: string, v: ConfigValue): void {
    this.values.set(lookupParam(name)!.name, v);
  }

  /**
   * CONFIG GET: [name, value] for each parameter matching any pattern. An
   * exact name is echoed as typed; globs match case-insensitively.
   */
  getMatching(patterns: string[]): [string, string][] {
    const out = new Map<string, string>();
    for (const pat of patterns) {
      if (!/[*?[]/.test(pat)) {
        const p = lookupParam(pat);
        if (p) out.set(pat, formatValue(p, this.values.get(p.name)!));
        continue;
      }
      for (const p of PARAMS) {
        if (p.hidden) continue;
        for (const n of p.alias ? [p.name, p.alias] : [p.name]) {
          if (globMatch(pat, n, true)) out.set(n, formatValue(p, this.values.get(p.name)!));
        }
      }
    }
    return [...out];
  }

  /** Every parameter as a config-file line value (CONFIG REWRITE). */
  formatted(name: string): string {
    const p = lookupParam(name)!;
    return formatValue(p, this.values.get(p.name)!);
  }
}

export interface LoadedConfig {
  /** name -> raw value, in order; multi-arg directives joined with spaces. */
  directives: [string, string][];
  renames: [string, string][];
  lines: string[];
}

/**
 * Read redis.conf text (plus `include`d files) into directives. Throws an
 * Error with Redis's "FATAL CONFIG FILE ERROR" text on a bad line.
 */
export function parseConfigText(text: string, baseDir: string, depth = 0, source = ''): LoadedConfig {
  const out: LoadedConfig = { directives: [], renames: [], lines: text.split('\n') };
  const lines = text.split('\n');
  // `save` lines accumulate within one read; the first one replaces the default.
  let saveParts: string[] | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    const argv = splitArgs(line);
    const fail = (why: string): never => {
      throw new Error(
        `\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n` +
          `Reading the configuration file${source ? ` ${source}` : ''}, at line ${i + 1}\n>>> '${line}'\n${why}`,
      );
    };
    if (argv === null) fail('Unbalanced quotes in configuration line');
    if (argv!.length === 0) continue;
    const name = argv![0].toLowerCase();
    const args = argv!.slice(1);
    if (name === 'include') {
      if (args.length !== 1) fail('Bad directive or wrong number of arguments');
      const file = path.resolve(baseDir, args[0]);
      if (depth > 10) fail('Include depth exceeded');
      let sub: string;
      try {
        sub = fs.readFileSync(file, 'latin1');
      } catch (e) {
        return fail(`Fatal error, can't open config file '${file}': ${(e as Error).message}`);
      }
      const inner = parseConfigText(sub, path.dirname(file), depth + 1, file);
      out.directives.push(...inner.directives);
      out.renames.push(...inner.renames);
      continue;
    }
    if (name === 'rename-command') {
      if (args.length !== 2) fail('Bad directive or wrong number of arguments');
      out.renames.push([args[0].toLowerCase(), args[1]]);
      continue;
    }
    const p = lookupParam(name);
    if (!p) {
      // Directives of features Cinnabar has no parameter for (modules, ACL users) are fatal in
      // Redis only when unknown to it; these are known to Redis, so accept and ignore them.
      if (['loadmodule', 'user', 'sentinel'].includes(name)) continue;
      fail('Bad directive or wrong number of arguments');
    }
    if (!p!.multiArg && args.length !== 1) fail('wrong number of arguments');
    if (name === 'save') {
      if (args.length === 1 && args[0] === '') saveParts = [];
      else {
        saveParts = saveParts ?? [];
        saveParts.push(...args);
      }
      continue;
    }
    const raw = p!.multiArg ? args.join(' ') : args[0];
    try {
      parseValue(p!, raw);
    } catch (e) {
      fail((e as Error).message);
    }
    out.directives.push([p!.name, raw]);
  }
  if (saveParts !== null) out.directives.push(['save', saveParts.join(' ')]);
  return out;
}

/**
 * Turn redis-server style arguments into config text: an optional config file
 * path first, then `--name value...` groups (`--save ""` included).
 */
export function argsToConfig(args: string[]): { file: string | null; text: string } {
  let file: string | null = null;
  let i = 0;
  if (args.length > 0 && !args[0].startsWith('--')) {
    file = args[0];
    i = 1;
  }
  const lines: string[] = [];
  let cur: string[] | null = null;
  for (; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith('--') && a.length > 2) {
      if (cur) lines.push(cur.join(' '));
      cur = [a.slice(2)];
    } else {
      if (!cur) throw new Error(`Invalid argument '${a}'`);
      cur.push(quote(a));
    }
  }
  if (cur) lines.push(cur.join(' '));
  return { file, text: lines.join('\n') };
}

function quote(s: string): string {
  if (s !== '' && !/[\s"'\\]/.test(s)) return s;
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r') + '"';
}
