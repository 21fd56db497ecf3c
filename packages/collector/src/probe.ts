import type { Queryable } from '@pggraph/core'

/** What collect() learns about a connection before choosing the SQL to run. @internal */
export interface Probe {
  readonly versionNum: number
  readonly version: string
  readonly startTime: string
  readonly takenAt: string
  readonly inRecovery: boolean
  readonly database: string
  readonly user: string
  readonly superuser: boolean
  readonly roles: Readonly<Record<'pg_monitor' | 'pg_read_all_stats' | 'pg_read_all_settings', boolean>>
  /** Extensions installed in this database, and whether their schema is on the search_path. */
  readonly extensions: Readonly<Record<string, { readonly version: string; readonly onPath: boolean }>>
  /** Databases that accept connections and are not templates. */
  readonly databases: readonly string[]
  /** `shared_preload_libraries`, or `null` when the role may not read it. */
  readonly preload: readonly string[] | null
  /** Whether pg_control_system() / pg_control_checkpoint() may be called. */
  readonly control: boolean
}

// One statement that both reads what the plan depends on and applies the transaction's settings
// (set_config(..., true) is SET LOCAL). Everything that could fail on an old server is guarded
// by the version, so a 9.x or 11 server gets a clear UNSUPPORTED_SERVER instead of an SQL error.
const NEW = "current_setting('server_version_num')::int >= 120000"
/** @internal */
export const PROBE_SQL = `SELECT json_build_object(
  'version_num', current_setting('server_version_num')::int,
  'version', current_setting('server_version'),
  'st', set_config('statement_timeout', $1, true),
  'lt', set_config('lock_timeout', $2, true),
  'tz', set_config('TimeZone', 'UTC', true),
  'app', set_config('application_name', 'pggraph', false),
  'sfc', CASE WHEN current_setting('server_version_num')::int >= 150000 THEN set_config('stats_fetch_consistency', 'snapshot', true) END,
  'start_time', extract(epoch FROM pg_postmaster_start_time())::float8,
  'now', extract(epoch FROM now())::float8,
  'in_recovery', pg_is_in_recovery(),
  'database', current_database(),
  'user', current_user,
  'superuser', current_setting('is_superuser') = 'on',
  'pg_monitor', CASE WHEN ${NEW} THEN pg_has_role('pg_monitor', 'USAGE') END,
  'pg_read_all_stats', CASE WHEN ${NEW} THEN pg_has_role('pg_read_all_stats', 'USAGE') END,
  'pg_read_all_settings', CASE WHEN ${NEW} THEN pg_has_role('pg_read_all_settings', 'USAGE') END,
  'extensions', (SELECT coalesce(json_object_agg(extname, json_build_object('version', extversion,
      'on_path', extnamespace IN (SELECT oid FROM pg_namespace WHERE nspname = ANY (current_schemas(true))))), '{}')
    FROM pg_extension),
  'databases', (SELECT coalesce(json_agg(datname::text ORDER BY datname), '[]') FROM pg_database WHERE datallowconn AND NOT datistemplate),
  'preload', (SELECT setting FROM pg_settings WHERE name = 'shared_preload_libraries'),
  'control', CASE WHEN ${NEW} THEN has_function_privilege('pg_control_system()', 'EXECUTE') AND has_function_privilege('pg_control_checkpoint()', 'EXECUTE') END
) AS probe`

/** A json column as an object, whether the driver parsed it (pg, PGlite) or not. @internal */
export function jsonValue(v: unknown): unknown {
  return typeof v === 'string' ? JSON.parse(v) : v
}

/** Epoch seconds to ISO 8601 UTC. @internal */
export function isoFromEpoch(seconds: unknown): string {
  return new Date(Number(seconds) * 1000).toISOString()
}

/** Run the probe (which also applies the session settings) and read it. @internal */
export async function probe(db: Queryable, statementTimeoutMs: number, lockTimeoutMs: number): Promise<Probe> {
  const r = await db.query<{ probe: unknown }>(PROBE_SQL, [String(statementTimeoutMs), String(lockTimeoutMs)])
  const p = jsonValue(r.rows[0]?.probe) as Record<string, unknown>
  const ext = (p['extensions'] ?? {}) as Record<string, { version: string; on_path: boolean }>
  const preload = p['preload']
  return {
    versionNum: Number(p['version_num']),
    version: String(p['version']),
    startTime: isoFromEpoch(p['start_time']),
    takenAt: isoFromEpoch(p['now']),
    inRecovery: p['in_recovery'] === true,
    database: String(p['database']),
    user: String(p['user']),
    superuser: p['superuser'] === true,
    roles: {
      pg_monitor: p['pg_monitor'] === true,
      pg_read_all_stats: p['pg_read_all_stats'] === true,
      pg_read_all_settings: p['pg_read_all_settings'] === true,
    },
    extensions: Object.fromEntries(Object.entries(ext).map(([k, v]) => [k, { version: v.version, onPath: v.on_path }])),
    databases: (p['databases'] ?? []) as string[],
    preload:
      typeof preload === 'string'
        ? preload
            .split(',')
            .map((s) => s.trim().replace(/^"|"$/g, ''))
            .filter(Boolean)
        : null,
    control: p['control'] === true,
  }
}
