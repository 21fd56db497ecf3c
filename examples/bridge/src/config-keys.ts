/**
 * Every key of the bridge configuration, once: its type, flag, environment variable, default
 * and meaning. The loader, the `--help` text and the docs all read this table, so a key cannot
 * exist in one place and be missing in another.
 */

/** How a key's value is written: `duration` is `"60s"`, `bytes` is `"100MB"`. */
export type ConfigKeyType =
  'string' | 'url' | 'identifier' | 'duration' | 'bytes' | 'boolean' | 'integer' | 'databases' | 'path' | 'collectors'

/** One configuration key. */
export interface ConfigKey {
  /** The key in the TOML file, snake_case. */
  readonly key: string
  readonly type: ConfigKeyType
  /** The command-line flag, without `--`. */
  readonly flag: string
  /** The environment variable. */
  readonly env: string
  /** The default as written in a file, or `undefined` when there is none. */
  readonly default?: string | number | boolean
  /** One line for `--help` and the docs. */
  readonly doc: string
}

const k = (key: string, type: ConfigKeyType, doc: string, extra: Partial<ConfigKey> = {}): ConfigKey => ({
  key,
  type,
  doc,
  flag: key.replace(/_/g, '-'),
  env: `PGGRAPH_${key.toUpperCase()}`,
  ...extra,
})

/** The configuration keys, in the order the docs and the example file list them. */
export const CONFIG_KEYS = [
  k('target_url', 'url', 'The monitored server: a postgres:// URL of a role with pg_monitor (not a superuser).', {
    flag: 'target',
  }),
  k(
    'databases',
    'databases',
    'Databases whose per-database metrics (tables, indexes, functions) are collected: "all", or a list. Default: the target URL\'s database only.',
  ),
  k(
    'statement_text',
    'boolean',
    "Collect pg_stat_statements' normalised statement text, so statement graphs name each statement by its text instead of its queryid. Off by default: a statement's text can hold secrets (the literals of utility statements such as ALTER ROLE … PASSWORD).",
    { default: false },
  ),
  k(
    'opt_in',
    'collectors',
    'Opt-in collectors to run besides the defaults: "bloat" (table and index bloat, top 20; ~+0.3 s a snapshot of 1,000 tables), "buffercache_view" (pg_buffercache from its view on PostgreSQL 12–15, a scan of shared_buffers). Default: none.',
  ),
  k(
    'store_url',
    'url',
    'The store: a postgres:// URL of the writer role made by `pggraph-bridge install` (or pglite:./dir).',
    { flag: 'store' },
  ),
  k('schema', 'identifier', 'The tenant schema in the store.'),
  k('prefix', 'identifier', "This monitored system's prefix inside the schema."),
  k('ca_file', 'path', "PEM file of the CA that signed the store's certificate. Default: the system's trusted CAs."),
  k(
    'tls_server_name',
    'string',
    "Host name to verify the store's certificate against, when store_url uses an IP or an alias. Default: the host of store_url.",
  ),
  k(
    'insecure',
    'boolean',
    'Send to the store in plain text, without TLS. Only for a store on the same host or a private network; `check` warns about it, `run` stays quiet.',
    { default: false },
  ),
  k(
    'interval',
    'duration',
    'Time between cycles with `run --loop` (cycles are aligned to it), and the expected cadence reported to `check`.',
    { default: '60s' },
  ),
  k(
    'spool_dir',
    'path',
    'Folder where snapshots wait until the store has committed them. Default: $STATE_DIRECTORY (systemd), else ~/.local/state/pggraph-bridge/<schema>.<prefix>.',
  ),
  k(
    'spool_max_bytes',
    'bytes',
    'The spool never grows beyond this; the oldest whole snapshots are dropped first (and counted).',
    { default: '100MB' },
  ),
  k('spool_max_age', 'duration', 'Snapshots older than this are dropped from the spool (and counted).', {
    default: '7d',
  }),
  k(
    'quarantine_dir',
    'path',
    'Folder for snapshots the store refused permanently (permission, bad data). Default: <spool_dir>/quarantine.',
  ),
  k('connect_timeout', 'duration', 'How long to wait for a connection to the target or the store.', { default: '10s' }),
  k('statement_timeout', 'duration', 'statement_timeout for each query on the target.', { default: '5s' }),
  k(
    'retry_attempts',
    'integer',
    'Write attempts per snapshot for transient store errors (connection lost, serialization, too many connections, shutdown).',
    { default: 4 },
  ),
  k('retry_max_delay', 'duration', 'Cap of the jittered exponential backoff between attempts.', { default: '10s' }),
] as const satisfies readonly ConfigKey[]

/** A key name of {@link CONFIG_KEYS}. */
export type ConfigKeyName = (typeof CONFIG_KEYS)[number]['key']

/** The key named `name`. */
export function configKey(name: ConfigKeyName): ConfigKey {
  return CONFIG_KEYS.find((x) => x.key === name)!
}
