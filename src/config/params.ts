/**
 * Every configuration parameter of Redis 7.0: name, alias, type, default,
 * bounds and flags. CONFIG GET/SET, the config file and the command line all
 * go through this table. Parameters whose effect Cinnabar does not have (TLS,
 * io-threads, jemalloc tuning) are still accepted and reported, as Redis does
 * for options that do nothing on a given build.
 */

export type ParamType = 'bool' | 'int' | 'enum' | 'string' | 'special';

export interface ParamFlags {
  /** Cannot be changed at runtime (CONFIG SET refuses). */
  immutable?: boolean;
  /** Refused by CONFIG SET unless enable-protected-configs allows it. */
  protected?: boolean;
  /** Value hidden from logs (passwords). */
  sensitive?: boolean;
  /** Not listed by CONFIG GET * (Redis's HIDDEN_CONFIG, debugging knobs). */
  hidden?: boolean;
  /** Takes several arguments on a config file line (save 900 1, bind a b). */
  multiArg?: boolean;
}

export interface Param extends ParamFlags {
  name: string;
  alias?: string;
  type: ParamType;
  /** Default as it would be written in redis.conf. */
  default: string;
  min?: number;
  max?: number;
  /** int only: accepts memory units (2gb, 256mb) */
  memory?: boolean;
  /** int only: accepts a percentage too, stored as a negative number (maxmemory-clients) */
  percent?: boolean;
  /** int only: printed in octal (unixsocketperm) */
  octal?: boolean;
  /** enum only */
  values?: string[];
  /** enum only: several values may be combined, space separated */
  flagsEnum?: boolean;
}

const INT_MAX = 2147483647;
const INT_MIN = -2147483648;
const UINT_MAX = 4294967295;
/** LLONG_MAX and friends as JS numbers: used for range checks and messages. */
export const LLONG_MAX = 9223372036854775807;
const LONG_MAX = LLONG_MAX;
const ULLONG_MAX = 18446744073709551615;

function bool(name: string, def: boolean, f: ParamFlags & { alias?: string } = {}): Param {
  return { name, type: 'bool', default: def ? 'yes' : 'no', ...f };
}
function int(name: string, def: number | string, min: number, max: number, f: Partial<Param> = {}): Param {
  return { name, type: 'int', default: String(def), min, max, ...f };
}
function mem(name: string, def: string, min: number, max: number, f: Partial<Param> = {}): Param {
  return { name, type: 'int', default: def, min, max, memory: true, ...f };
}
function enm(name: string, values: string[], def: string, f: Partial<Param> = {}): Param {
  return { name, type: 'enum', values, default: def, ...f };
}
function str(name: string, def: string, f: Partial<Param> = {}): Param {
  return { name, type: 'string', default: def, ...f };
}
function special(name: string, def: string, f: Partial<Param> = {}): Param {
  return { name, type: 'special', default: def, ...f };
}

const IMM = { immutable: true };

export const PARAMS: Param[] = [
  // ---- booleans
  bool('rdbchecksum', true, IMM),
  bool('daemonize', false, IMM),
  bool('io-threads-do-reads', false, IMM),
  bool('always-show-logo', false, IMM),
  bool('protected-mode', true),
  bool('rdbcompression', true),
  bool('rdb-del-sync-files', false),
  bool('activerehashing', true),
  bool('stop-writes-on-bgsave-error', true),
  bool('set-proc-title', true, IMM),
  bool('dynamic-hz', true),
  bool('lazyfree-lazy-eviction', false),
  bool('lazyfree-lazy-expire', false),
  bool('lazyfree-lazy-server-del', false),
  bool('lazyfree-lazy-user-del', false),
  bool('lazyfree-lazy-user-flush', false),
  bool('repl-disable-tcp-nodelay', false),
  bool('repl-diskless-sync', true),
  bool('aof-rewrite-incremental-fsync', true),
  bool('no-appendfsync-on-rewrite', false),
  bool('cluster-require-full-coverage', true),
  bool('rdb-save-incremental-fsync', true),
  bool('aof-load-truncated', true),
  bool('aof-use-rdb-preamble', true),
  bool('aof-timestamp-enabled', false),
  bool('cluster-replica-no-failover', false, { alias: 'cluster-slave-no-failover' }),
  bool('replica-lazy-flush', false, { alias: 'slave-lazy-flush' }),
  bool('replica-serve-stale-data', true, { alias: 'slave-serve-stale-data' }),
  bool('replica-read-only', true, { alias: 'slave-read-only' }),
  bool('replica-ignore-maxmemory', true, { alias: 'slave-ignore-maxmemory' }),
  bool('jemalloc-bg-thread', true),
  bool('activedefrag', false),
  bool('syslog-enabled', false, IMM),
  bool('cluster-enabled', false, IMM),
  bool('appendonly', false),
  bool('cluster-allow-reads-when-down', false),
  bool('cluster-allow-pubsubshard-when-down', true),
  bool('crash-log-enabled', true),
  bool('crash-memcheck-enabled', true),
  bool('use-exit-on-panic', false, { hidden: true }),
  bool('lua-enable-deprecated-api', false, { hidden: true, immutable: true }),
  bool('disable-thp', true, IMM),
  bool('cluster-allow-replica-migration', true),
  bool('replica-announced', true),
  bool('latency-tracking', true),
  bool('aof-disable-auto-gc', false),
  bool('replica-ignore-disk-write-errors', false),
  bool('tls-cluster', false),
  bool('tls-replication', false),
  bool('tls-prefer-server-ciphers', false),
  bool('tls-session-caching', true),

  // ---- strings
  str('aclfile', '', IMM),
  str('unixsocket', '', IMM),
  str('pidfile', '', IMM),
  str('replica-announce-ip', '', { alias: 'slave-announce-ip' }),
  str('masteruser', '', { sensitive: true }),
  str('cluster-announce-ip', ''),
  str('cluster-config-file', 'nodes.conf', IMM),
  str('cluster-announce-hostname', ''),
  str('syslog-ident', 'redis', IMM),
  str('dbfilename', 'dump.rdb', { protected: true }),
  str('appendfilename', 'appendonly.aof', IMM),
  str('appenddirname', 'appendonlydir', IMM),
  str('server_cpulist', '', IMM),
  str('bio_cpulist', '', IMM),
  str('aof_rewrite_cpulist', '', IMM),
  str('bgsave_cpulist', '', IMM),
  str('ignore-warnings', ''),
  str('proc-title-template', '{title} {listen-addr} {server-mode}'),
  str('bind-source-addr', ''),
  str('logfile', '', IMM),
  str('masterauth', '', { sensitive: true }),
  str('tls-cert-file', ''),
  str('tls-key-file', ''),
  str('tls-key-file-pass', '', { sensitive: true }),
  str('tls-client-cert-file', ''),
  str('tls-client-key-file', ''),
  str('tls-client-key-file-pass', '', { sensitive: true }),
  str('tls-dh-params-file', ''),
  str('tls-ca-cert-file', ''),
  str('tls-ca-cert-dir', ''),
  str('tls-protocols', ''),
  str('tls-ciphers', ''),
  str('tls-ciphersuites', ''),

  // ---- enums
  enm('supervised', ['upstart', 'systemd', 'auto', 'no'], 'no', IMM),
  enm('syslog-facility', ['user', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'], 'local0', IMM),
  enm('repl-diskless-load', ['disabled', 'on-empty-db', 'swapdb'], 'disabled'),
  enm('loglevel', ['debug', 'verbose', 'notice', 'warning'], 'notice'),
  enm('maxmemory-policy', ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction'], 'noeviction'),
  enm('appendfsync', ['everysec', 'always', 'no'], 'everysec'),
  enm('oom-score-adj', ['no', 'yes', 'relative', 'absolute'], 'no'),
  enm('acl-pubsub-default', ['allchannels', 'resetchannels'], 'resetchannels'),
  enm('sanitize-dump-payload', ['no', 'yes', 'clients'], 'no'),
  enm('cluster-preferred-endpoint-type', ['ip', 'hostname', 'unknown-endpoint'], 'ip'),
  enm('propagation-error-behavior', ['ignore', 'panic', 'panic-on-replicas'], 'ignore'),
  enm('shutdown-on-sigint', ['default', 'save', 'nosave', 'now', 'force'], 'default', { flagsEnum: true, multiArg: true }),
  enm('shutdown-on-sigterm', ['default', 'save', 'nosave', 'now', 'force'], 'default', { flagsEnum: true, multiArg: true }),
  enm('enable-protected-configs', ['no', 'yes', 'local'], 'no', IMM),
  enm('enable-debug-command', ['no', 'yes', 'local'], 'no', IMM),
  enm('enable-module-command', ['no', 'yes', 'local'], 'no', IMM),
  enm('tls-auth-clients', ['no', 'yes', 'optional'], 'yes'),

  // ---- integers
  int('databases', 16, 1, INT_MAX, IMM),
  int('port', 6379, 0, 65535),
  int('io-threads', 1, 1, 128, IMM),
  int('auto-aof-rewrite-percentage', 100, 0, INT_MAX),
  int('cluster-replica-validity-factor', 10, 0, INT_MAX, { alias: 'cluster-slave-validity-factor' }),
  int('list-max-listpack-size', -2, INT_MIN, INT_MAX, { alias: 'list-max-ziplist-size' }),
  int('tcp-keepalive', 300, 0, INT_MAX),
  int('cluster-migration-barrier', 1, 0, INT_MAX),
  int('active-defrag-cycle-min', 1, 1, 99),
  int('active-defrag-cycle-max', 25, 1, 99),
  int('active-defrag-threshold-lower', 10, 0, 1000),
  int('active-defrag-threshold-upper', 100, 0, 1000),
  int('lfu-log-factor', 10, 0, INT_MAX),
  int('lfu-decay-time', 1, 0, INT_MAX),
  int('replica-priority', 100, 0, INT_MAX, { alias: 'slave-priority' }),
  int('repl-diskless-sync-delay', 5, 0, INT_MAX),
  int('maxmemory-samples', 5, 1, INT_MAX),
  int('maxmemory-eviction-tenacity', 10, 0, 100),
  int('timeout', 0, 0, INT_MAX),
  int('repl-timeout', 60, 1, INT_MAX),
  int('repl-ping-replica-period', 10, 1, INT_MAX, { alias: 'repl-ping-slave-period' }),
  int('list-compress-depth', 0, 0, INT_MAX),
  int('rdb-key-save-delay', 0, INT_MIN, INT_MAX, { hidden: true }),
  int('key-load-delay', 0, INT_MIN, INT_MAX, { hidden: true }),
  int('active-expire-effort', 1, 1, 10),
  int('hz', 10, 0, INT_MAX),
  int('min-replicas-to-write', 0, 0, INT_MAX, { alias: 'min-slaves-to-write' }),
  int('min-replicas-max-lag', 10, 0, INT_MAX, { alias: 'min-slaves-max-lag' }),
  int('watchdog-period', 0, 0, INT_MAX, { hidden: true }),
  int('loading-process-events-interval-bytes', 1024 * 1024 * 2, 1024, INT_MAX, { hidden: true }),
  int('shutdown-timeout', 10, 0, INT_MAX),
  int('repl-diskless-sync-max-replicas', 0, 0, INT_MAX),
  int('maxclients', 10000, 1, UINT_MAX),
  int('unixsocketperm', 0, 0, 0o777, { immutable: true, octal: true }),
  int('socket-mark-id', 0, 0, UINT_MAX, IMM),
  int('active-defrag-max-scan-fields', 1000, 1, LONG_MAX),
  int('slowlog-log-slower-than', 10000, -1, LLONG_MAX),
  int('slowlog-max-len', 128, 0, LONG_MAX),
  int('latency-monitor-threshold', 0, 0, LLONG_MAX),
  mem('proto-max-bulk-len', '536870912', 1024 * 1024, LLONG_MAX),
  int('stream-node-max-entries', 100, 0, LLONG_MAX),
  mem('repl-backlog-size', '1048576', 1, LLONG_MAX),
  mem('maxmemory', '0', 0, ULLONG_MAX),
  mem('cluster-link-sendbuf-limit', '0', 0, ULLONG_MAX),
  int('hash-max-listpack-entries', 512, 0, LONG_MAX, { alias: 'hash-max-ziplist-entries' }),
  int('set-max-intset-entries', 512, 0, LONG_MAX),
  int('zset-max-listpack-entries', 128, 0, LONG_MAX, { alias: 'zset-max-ziplist-entries' }),
  mem('active-defrag-ignore-bytes', '104857600', 1, LLONG_MAX),
  mem('hash-max-listpack-value', '64', 0, LONG_MAX, { alias: 'hash-max-ziplist-value' }),
  mem('stream-node-max-bytes', '4096', 0, LONG_MAX),
  mem('zset-max-listpack-value', '64', 0, LONG_MAX, { alias: 'zset-max-ziplist-value' }),
  mem('hll-sparse-max-bytes', '3000', 0, LONG_MAX),
  int('tracking-table-max-keys', 1000000, 0, LONG_MAX),
  mem('client-query-buffer-limit', '1073741824', 1024 * 1024, LONG_MAX),
  mem('maxmemory-clients', '0', -100, LLONG_MAX, { percent: true }),
  int('repl-backlog-ttl', 3600, 0, LONG_MAX),
  mem('auto-aof-rewrite-min-size', '67108864', 0, LLONG_MAX),
  int('busy-reply-threshold', 5000, 0, LONG_MAX, { alias: 'lua-time-limit' }),
  int('tls-port', 0, 0, 65535),
  int('tls-session-cache-size', 20480, 0, INT_MAX),
  int('tls-session-cache-timeout', 300, 0, INT_MAX),
  int('cluster-port', 0, 0, 65535, IMM),
  int('cluster-announce-bus-port', 0, 0, 65535),
  int('cluster-announce-port', 0, 0, 65535),
  int('cluster-announce-tls-port', 0, 0, 65535),
  int('replica-announce-port', 0, 0, 65535, { alias: 'slave-announce-port' }),
  int('cluster-node-timeout', 15000, 0, LLONG_MAX),
  int('acllog-max-len', 128, 0, LONG_MAX),
  int('tcp-backlog', 511, 0, INT_MAX, IMM),

  // ---- special forms, each validated in config.ts
  special('save', '3600 1 300 100 60 10000', { multiArg: true }),
  special('bind', '* -::*', { multiArg: true }),
  special('dir', '.', { protected: true }),
  special('requirepass', '', { sensitive: true }),
  special('client-output-buffer-limit', 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60', { multiArg: true }),
  special('notify-keyspace-events', ''),
  special('oom-score-adj-values', '0 200 800', { multiArg: true }),
  special('latency-tracking-info-percentiles', '50 99 99.9', { multiArg: true }),
  special('replicaof', '', { alias: 'slaveof', immutable: true, multiArg: true }),
];
