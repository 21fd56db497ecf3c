import { quoteIdent, validateIdentifier, type BridgeHealth, type Queryable } from '@pggraph/core'
import { schemaTable } from './names.js'
import { listTenantSchemas } from './tenants.js'
import { storeError } from './write.js'

/** One monitored system of a schema, as the `sources` registry knows it. */
export interface SourceInfo {
  readonly prefix: string
  readonly host: string | null
  /** Databases of the last snapshot, comma-separated (or what install was told). */
  readonly database: string | null
  readonly description: string | null
  readonly serverVersion: string | null
  readonly serverVersionNum: number | null
  readonly systemIdentifier: string | null
  /** The monitored server's start time in the last snapshot. */
  readonly startTime: Date | null
  readonly inRecovery: boolean | null
  /** Oldest and newest snapshot time stored (monitored server's clock). */
  readonly firstSeen: Date | null
  readonly lastSeen: Date | null
  /** When the store last received a snapshot (store's clock). */
  readonly lastReceived: Date | null
  readonly snapshots: number
  /** Smoothed time between snapshots, in seconds. */
  readonly intervalSeconds: number | null
  /** Health the bridge reported with its last snapshot or error. */
  readonly bridge: BridgeHealth | null
  readonly lastError: string | null
  readonly lastErrorAt: Date | null
  /** True when the last thing heard from the bridge is an error (newer than the last snapshot). */
  readonly failing: boolean
  readonly installedAt: Date | null
}

function date(x: unknown): Date | null {
  if (x === null || x === undefined) return null
  return x instanceof Date ? x : new Date(String(x))
}

/**
 * The monitored systems (prefixes) of `schema` with their server, first/last snapshot, interval
 * estimate, last error and bridge health. Readable by the schema's reader role.
 *
 * @example
 * ```ts
 * for (const s of await listSources(db, 'acme')) console.log(s.prefix, s.lastSeen, s.failing)
 * ```
 */
export async function listSources(db: Queryable, schema: string): Promise<SourceInfo[]> {
  validateIdentifier(schema, 'schema')
  let rows: Record<string, unknown>[]
  try {
    rows = (
      await db.query<Record<string, unknown>>(
        `SELECT prefix, host, database, description, server_version, server_version_num, system_identifier, start_time, in_recovery,
                first_seen, last_seen, last_received, snapshots::double precision AS snapshots, interval_seconds, bridge,
                last_error, last_error_at, installed_at
           FROM ${schemaTable(schema, 'sources')} ORDER BY prefix`,
      )
    ).rows
  } catch (err) {
    throw storeError(err, { schema, prefix: 'sources' }, 'list the sources')
  }
  return rows.map((r) => {
    const lastReceived = date(r['last_received'])
    const lastErrorAt = date(r['last_error_at'])
    return {
      prefix: String(r['prefix']),
      host: (r['host'] as string | null) ?? null,
      database: (r['database'] as string | null) ?? null,
      description: (r['description'] as string | null) ?? null,
      serverVersion: (r['server_version'] as string | null) ?? null,
      serverVersionNum: r['server_version_num'] === null ? null : Number(r['server_version_num']),
      systemIdentifier: (r['system_identifier'] as string | null) ?? null,
      startTime: date(r['start_time']),
      inRecovery: (r['in_recovery'] as boolean | null) ?? null,
      firstSeen: date(r['first_seen']),
      lastSeen: date(r['last_seen']),
      lastReceived,
      snapshots: Number(r['snapshots']),
      intervalSeconds: r['interval_seconds'] === null ? null : Number(r['interval_seconds']),
      bridge: (r['bridge'] as BridgeHealth | null) ?? null,
      lastError: (r['last_error'] as string | null) ?? null,
      lastErrorAt,
      failing: lastErrorAt !== null && (lastReceived === null || lastErrorAt > lastReceived),
      installedAt: date(r['installed_at']),
    }
  })
}

/**
 * The pggraph schemas (tenants) of the store that the current role may use: the tenant schemas
 * of {@link listTenantSchemas} on which it has USAGE.
 */
export async function listSchemas(db: Queryable): Promise<string[]> {
  return listTenantSchemas(db, { usable: true })
}

/** The prefixes (monitored systems) installed in `schema`. */
export async function listPrefixes(db: Queryable, schema: string): Promise<string[]> {
  const { rows } = await db.query<{ prefix: string }>(
    `SELECT prefix FROM ${quoteIdent(schema, 'schema')}."sources" ORDER BY prefix`,
  )
  return rows.map((r) => r.prefix)
}
