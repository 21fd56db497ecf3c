// Metric definitions and snapshot builders for the store tests. Deliberately not the
// collector's built-ins: the store must work with any definitions, including a user's own.
import type { MetricDefinition, MetricRow, Snapshot } from '@pggraph/core'
import type { InstallResult } from '../install.js'

export const tDatabase = {
  name: 'test_database',
  area: 'database',
  scope: 'cluster',
  description: 'Per-database counters',
  labels: { datname: 'text' },
  values: {
    xact_commit: { kind: 'counter', unit: 'transactions' },
    blks_read: { kind: 'counter', unit: 'blocks' },
    numbackends: { kind: 'gauge', unit: 'connections' },
  },
  statsReset: true,
  queries: [{ since: 12, sql: 'SELECT 1' }],
} as const satisfies MetricDefinition

export const tTables = {
  name: 'test_tables',
  area: 'tables',
  scope: 'database',
  description: 'Per-table counters',
  labels: { datname: 'text', schemaname: 'text', relname: 'text' },
  values: {
    seq_scan: { kind: 'counter', unit: 'count' },
    n_live_tup: { kind: 'gauge', unit: 'tuples' },
  },
  queries: [{ since: 12, sql: 'SELECT 1' }],
} as const satisfies MetricDefinition

/** A user-defined metric with one cluster-wide row (no labels). */
export const myWal = {
  name: 'my_wal',
  area: 'wal',
  scope: 'cluster',
  description: 'A user-defined cluster-wide counter',
  labels: {},
  values: { wal_bytes: { kind: 'counter', unit: 'bytes' } },
  statsReset: true,
  queries: [{ since: 12, sql: 'SELECT 1' }],
} as const satisfies MetricDefinition

export const testMetrics: readonly MetricDefinition[] = [tDatabase, tTables, myWal]

const DAY = 86_400_000
/**
 * Test data starts at midnight UTC 60 days ago: in the past whatever the clock says (the store
 * refuses snapshots dated in the future) and recent enough for every server.
 */
export const T0 = Math.floor((Date.now() - 60 * DAY) / DAY) * DAY
/** The monitored server's start time in most test snapshots: 30 days before {@link T0}. */
export const START = new Date(T0 - 30 * DAY).toISOString()
/** An older start time (a server started long before), 200 days before {@link T0}. */
export const OLD_START = new Date(T0 - 200 * DAY).toISOString()
/** `<table>_YYYYMMDD`: the daily partition of `table` holding time `ms`. */
export function partitionName(table: string, ms: number): string {
  return `${table}_${new Date(ms).toISOString().slice(0, 10).replace(/-/g, '')}`
}

/** A snapshot at `takenAt` with the given metric rows. */
export function snapshot(
  takenAt: string | number,
  metrics: Record<string, readonly MetricRow[]>,
  extra: { startTime?: string; resets?: Snapshot['resets']; bridge?: Snapshot['bridge'] } = {},
): Snapshot {
  return {
    format: 1,
    takenAt: new Date(takenAt).toISOString(),
    server: {
      versionNum: 170004,
      version: '17.4',
      startTime: extra.startTime ?? START,
      systemIdentifier: '7300000000000000001',
      timeline: 1,
      inRecovery: false,
    },
    databases: ['app'],
    resets: extra.resets ?? [],
    metrics,
    skipped: [],
    stats: { durationMs: 12.5, roundTrips: 3 },
    ...(extra.bridge ? { bridge: extra.bridge } : {}),
  }
}

/** `n` table rows for {@link tTables} whose counters grow with `step`. */
export function tableRows(n: number, step: number): MetricRow[] {
  return Array.from({ length: n }, (_, i) => ({
    datname: 'app',
    schemaname: 'public',
    relname: `t${i}`,
    seq_scan: step * (i + 1),
    n_live_tup: 1000 + i,
  }))
}

/** The password install generated for the writer role of `installed`, to log in as the writer. */
export function writerPassword(installed: InstallResult): string {
  const password = installed.roles.find((r) => r.kind === 'writer')?.generatedPassword
  if (!password) throw new Error(`installing ${installed.writerRole} generated no password`)
  return password
}
