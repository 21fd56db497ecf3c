import { PggraphError } from './errors.js'
import type { MetricRow } from './metric.js'

/** Who the monitored server is, and what tells a restart or a failover apart from activity. */
export interface ServerIdentity {
  /** `server_version_num`, e.g. `170004`. */
  readonly versionNum: number
  /** `server_version`, e.g. `17.4 (Debian 17.4-1)`. */
  readonly version: string
  /** `pg_postmaster_start_time()` as ISO 8601; a new value means the server restarted. */
  readonly startTime: string
  /** `pg_control_system().system_identifier`; a new value means another cluster. */
  readonly systemIdentifier: string
  /** Current timeline (`pg_control_checkpoint().timeline_id`); `null` when not readable. */
  readonly timeline: number | null
  readonly inRecovery: boolean
}

/**
 * A `stats_reset` time seen in the snapshot: the metric, which row (its label values joined by
 * `/`, `''` for cluster-wide views) and when. Used to mark resets on graphs.
 */
export interface StatsResetMark {
  readonly metric: string
  readonly key: string
  readonly at: string
}

/** A metric that was not collected, and why (missing privilege or extension, old server, timeout). */
export interface SkippedMetric {
  readonly metric: string
  readonly database?: string
  readonly reason: string
}

/** How the snapshot was taken, for health and benchmark reporting. */
export interface CollectStats {
  readonly durationMs: number
  /** SQL statements sent to the monitored server (round trips). */
  readonly roundTrips: number
}

/**
 * How the bridge that pushed a snapshot is doing, reported with each snapshot so a viewer can
 * show a stale or struggling bridge.
 */
export interface BridgeHealth {
  /** Last time a snapshot was committed to the store, ISO 8601, or `null` if never. */
  readonly lastSuccess: string | null
  /** Snapshots waiting in the local spool, and their size. */
  readonly spoolFiles: number
  readonly spoolBytes: number
  /** Snapshots dropped because the spool was full, since the bridge was installed. */
  readonly dropped: number
  /** Write retries in the last cycle. */
  readonly retries: number
  /** The last error, one line, or `null`. */
  readonly lastError: string | null
}

/**
 * One consistent reading of a server's statistics: every metric's rows at one moment of the
 * monitored server's clock, with the facts needed to tell resets apart from activity.
 *
 * `M` maps metric names to their row arrays; {@link MetricsOf} derives it from the collectors.
 * Snapshots are plain JSON (numbers, strings, `null`), so they can be spooled and sent as they are.
 */
export interface Snapshot<
  M extends { readonly [metric: string]: readonly MetricRow[] } = Record<string, readonly MetricRow[]>,
> {
  /** Format version of this object; bumped on an incompatible change. */
  readonly format: 1
  /** When the snapshot was taken, ISO 8601 in UTC, from the monitored server's clock. */
  readonly takenAt: string
  readonly server: ServerIdentity
  /** Databases whose per-database metrics are in this snapshot. */
  readonly databases: readonly string[]
  readonly resets: readonly StatsResetMark[]
  readonly metrics: M
  readonly skipped: readonly SkippedMetric[]
  readonly stats: CollectStats
  /** Set by the bridge when it pushes the snapshot. */
  readonly bridge?: BridgeHealth
}

/**
 * An ISO 8601 time as snapshots carry it (`2026-11-28T06:00:00.000Z`, or with an offset), written
 * so that JavaScript and PostgreSQL read the same pattern: the store's ingest function checks
 * `takenAt` with it too.
 */
export const ISO_TIME_PATTERN =
  '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$'

const ISO = new RegExp(ISO_TIME_PATTERN)

function fail(what: string): never {
  throw new PggraphError('INVALID_SNAPSHOT', `Invalid snapshot: ${what}.`)
}

/**
 * Check that an untrusted value (a spooled file, a request body) is a well-formed
 * {@link Snapshot}; return it typed, or throw `PggraphError('INVALID_SNAPSHOT')` naming the
 * first problem. Cheap: it checks structure and types, not the contents of every row's columns
 * against a definition (the store does that when it writes).
 */
export function parseSnapshot(value: unknown): Snapshot {
  if (!value || typeof value !== 'object') fail('not an object')
  const s = value as Record<string, unknown>
  if (s['format'] !== 1) fail(`unknown format ${JSON.stringify(s['format'])} (expected 1)`)
  if (typeof s['takenAt'] !== 'string' || !ISO.test(s['takenAt']) || Number.isNaN(Date.parse(s['takenAt']))) {
    fail('takenAt must be an ISO 8601 time')
  }
  const server = s['server'] as Record<string, unknown> | undefined
  if (!server || typeof server !== 'object') fail('server is missing')
  if (typeof server['versionNum'] !== 'number') fail('server.versionNum must be a number')
  if (typeof server['startTime'] !== 'string' || Number.isNaN(Date.parse(server['startTime']))) {
    fail('server.startTime must be an ISO 8601 time')
  }
  if (typeof server['systemIdentifier'] !== 'string') fail('server.systemIdentifier must be a string')
  if (!Array.isArray(s['databases'])) fail('databases must be an array')
  if (!Array.isArray(s['resets'])) fail('resets must be an array')
  if (!Array.isArray(s['skipped'])) fail('skipped must be an array')
  const metrics = s['metrics']
  if (!metrics || typeof metrics !== 'object' || Array.isArray(metrics)) fail('metrics must be an object')
  for (const [name, rows] of Object.entries(metrics)) {
    if (!Array.isArray(rows)) fail(`metrics.${name} must be an array of rows`)
    for (const row of rows as unknown[]) {
      if (!row || typeof row !== 'object' || Array.isArray(row)) fail(`metrics.${name} has a row that is not an object`)
      for (const [col, v] of Object.entries(row)) {
        if (v !== null && typeof v !== 'string' && typeof v !== 'number') {
          fail(`metrics.${name}.${col} must be a string, a number or null`)
        }
      }
    }
  }
  return value as Snapshot
}
