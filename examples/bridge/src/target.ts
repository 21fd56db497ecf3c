import { collect } from '@pggraph/collector'
import { PggraphError, type Queryable, type Snapshot } from '@pggraph/core'
import pg from 'pg'
import { oneLine } from './retry.js'
import { bridgeCollectors, type OptInName } from './opt-in.js'

/** A URL with its password replaced by `***`, safe for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@')
  }
}

/** `host:port/db` of a URL, for short messages. */
export function shortUrl(url: string): string {
  try {
    const u = new URL(url)
    return `${u.hostname}:${u.port || 5432}${u.pathname}`
  } catch {
    return redactUrl(url)
  }
}

/** Options for connecting to the monitored server. */
export interface TargetOptions {
  readonly connectTimeoutMs?: number
  /** Another database on the same server (per-database metrics). */
  readonly database?: string
}

/**
 * Open one connection to the monitored server as the bridge (`application_name=pggraph`),
 * failing with `PggraphError('CONNECT')` and a message naming the server when it cannot.
 */
export async function connectTarget(url: string, options: TargetOptions = {}): Promise<pg.Client> {
  const u = new URL(url)
  if (options.database) u.pathname = `/${encodeURIComponent(options.database)}`
  const client = new pg.Client({
    connectionString: u.toString(),
    application_name: 'pggraph',
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
  })
  // A connection lost between queries is reported by the next query; without a listener the
  // client's 'error' event would end the process.
  client.on('error', () => {})
  try {
    await client.connect()
  } catch (err) {
    await client.end().catch(() => {})
    throw new PggraphError('CONNECT', `Cannot connect to the target ${shortUrl(u.toString())}: ${oneLine(err)}`, {
      cause: err,
    })
  }
  return client
}

/** What {@link collectFromTarget} needs from the configuration. */
export interface CollectConfig {
  readonly targetUrl: string
  readonly databases?: readonly string[] | 'all' | undefined
  /** Read pg_stat_statements' statement text (default false: text can hold secrets). */
  readonly statementText?: boolean
  /** Opt-in collectors to run besides the defaults (`opt_in`, default none). */
  readonly optIn?: readonly OptInName[]
  readonly connectTimeoutMs?: number
  readonly statementTimeoutMs?: number
}

/**
 * Take one snapshot of the monitored server with the default collectors (and the opt-in ones asked for), on a connection opened
 * and closed here (plus one per extra database when `databases` asks for them).
 *
 * @example
 * ```ts
 * const snapshot = await collectFromTarget({ targetUrl: 'postgres://pggraph@localhost/postgres' })
 * ```
 */
export async function collectFromTarget(config: CollectConfig): Promise<Snapshot> {
  const timeout = config.connectTimeoutMs !== undefined ? { connectTimeoutMs: config.connectTimeoutMs } : {}
  const db = await connectTarget(config.targetUrl, timeout)
  try {
    return await collect(db, {
      collectors: bridgeCollectors(config),
      ...(config.databases !== undefined ? { databases: config.databases as string[] | 'all' } : {}),
      connect: (database: string) => connectTarget(config.targetUrl, { ...timeout, database }),
      ...(config.statementTimeoutMs !== undefined ? { statementTimeoutMs: config.statementTimeoutMs } : {}),
    })
  } finally {
    await db.end().catch(() => {})
  }
}

/** A query on the target for `check`: the role's facts. */
export async function targetFacts(
  db: Queryable,
): Promise<{ user: string; version: string; superuser: boolean; pgMonitor: boolean; now: string }> {
  const r = await db.query<{ user: string; version: string; superuser: boolean; pg_monitor: boolean; now: string }>(
    `SELECT current_user AS user, current_setting('server_version') AS version,
            (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
            pg_has_role(current_user, 'pg_monitor', 'USAGE') AS pg_monitor,
            to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS now`,
  )
  const row = r.rows[0]!
  return { user: row.user, version: row.version, superuser: row.superuser, pgMonitor: row.pg_monitor, now: row.now }
}
