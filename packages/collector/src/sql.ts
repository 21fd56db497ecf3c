import type { RatePer, ValueColumn, ValueKind, VersionedQuery } from '@pggraph/core'
import { MIN_SERVER_VERSION } from '@pggraph/core'

/**
 * How a value column is read on one major version: an SQL expression, or `null` when that
 * version does not have it (the collector then reports `null`). A plain string applies to all.
 *
 * @internal
 */
export type ColumnExpr = string | null | ((major: number) => string | null)

/**
 * The select list of `values` for server `major`: each column that exists on that version
 * (its `since` is not newer), as `expr AS name`. Default expressions: the column itself, or
 * `extract(epoch FROM name)` for unit `timestamp` (timestamps are stored as epoch seconds).
 *
 * @internal
 */
export function selectList(
  values: Readonly<Record<string, ValueColumn>>,
  major: number,
  exprs: Readonly<Record<string, ColumnExpr>> = {},
  qualifier = '',
): string {
  const parts: string[] = []
  for (const [name, col] of Object.entries(values)) {
    if (!existsOn(col, major)) continue
    const e = exprs[name]
    const expr = typeof e === 'function' ? e(major) : e
    if (expr === null) continue
    if (expr !== undefined) parts.push(`${expr} AS ${name}`)
    else if (col.unit === 'timestamp') parts.push(`extract(epoch FROM ${qualifier}${name})::float8 AS ${name}`)
    else parts.push(`${qualifier}${name}`)
  }
  return parts.join(', ')
}

/** Whether a column exists on server `major`: from its `since`, before its `until`. @internal */
export function existsOn(col: ValueColumn, major: number): boolean {
  return (col.since === undefined || col.since <= major) && (col.until === undefined || major < col.until)
}

/**
 * One query per version range where the available columns change: the ranges start at
 * {@link MIN_SERVER_VERSION}, at every column's `since` and `until` and at `extraBreaks`, newest first.
 *
 * @internal
 */
export function versioned(
  values: Readonly<Record<string, ValueColumn>>,
  build: (major: number) => string,
  extraBreaks: readonly number[] = [],
  since: number = MIN_SERVER_VERSION,
): VersionedQuery[] {
  const breaks = new Set<number>([since, ...extraBreaks])
  for (const col of Object.values(values))
    for (const b of [col.since, col.until]) if (b !== undefined && b > since) breaks.add(b)
  const sorted = [...breaks].filter((b) => b >= since).sort((a, b) => a - b)
  return sorted
    .map((b, i): VersionedQuery => {
      const until = sorted[i + 1]
      return until === undefined ? { since: b, sql: build(b) } : { since: b, until, sql: build(b) }
    })
    .reverse()
}

/** The WAL position of this server: the insert position on a primary, the received position on a standby. @internal */
export const CURRENT_LSN = 'CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn() ELSE pg_current_wal_lsn() END'

/**
 * Seconds from `expr` (a timestamptz) to the moment the row is read, never negative; `null`
 * stays `null`. The clock is `clock_timestamp()`: `now()` is frozen when the collector's own
 * transaction began, so a transaction that another backend opened after that (but before the
 * statistics were read) would have a negative age. The floor at 0 absorbs clock skew of times
 * reported by another host (a standby's `reply_time`).
 *
 * @internal
 */
export function ageOf(expr: string): string {
  return `CASE WHEN ${expr} IS NOT NULL THEN greatest(0, extract(epoch FROM clock_timestamp() - ${expr}))::float8 END`
}

/**
 * When a column exists (from `since`, before `until`: major versions) and, for a counter, per
 * what its rate is shown. @internal
 */
export type ColumnOptions = number | { readonly since?: number; readonly until?: number; readonly per?: RatePer }

function column<K extends ValueKind>(
  kind: K,
  unit: string,
  description: string,
  o: ColumnOptions | undefined,
): {
  readonly kind: K
  readonly unit: string
  readonly description: string
  readonly since?: number
  readonly until?: number
  readonly per?: RatePer
} {
  const { since, until, per } = typeof o === 'number' ? { since: o, until: undefined, per: undefined } : (o ?? {})
  return {
    kind,
    unit,
    description,
    ...(since === undefined ? {} : { since }),
    ...(until === undefined ? {} : { until }),
    ...(per === undefined ? {} : { per }),
  }
}

/** A counter column (cumulative; graphs show its rate, per second unless `per` says otherwise). @internal */
export function counter(unit: string, description: string, options?: ColumnOptions) {
  return column('counter', unit, description, options)
}

/** A gauge column (a level at the snapshot time). @internal */
export function gauge(
  unit: string,
  description: string,
  options?: number | { readonly since?: number; readonly until?: number },
) {
  return column('gauge', unit, description, options)
}

/** Names of the columns of `values` that exist on server `major`. @internal */
export function present(values: Readonly<Record<string, ValueColumn>>, major: number): string[] {
  return Object.entries(values)
    .filter(([, c]) => existsOn(c, major))
    .map(([n]) => n)
}

/**
 * Oids of the tables of this database that are locked ACCESS EXCLUSIVE (granted or awaited) on
 * themselves, their TOAST table or an index: the size functions would wait for such a lock
 * (until lock_timeout fails the whole statement), so their sizes are reported as null instead.
 * An array, so the planner reads pg_locks once (an InitPlan), not once per table.
 *
 * @internal
 */
export const LOCKED_TABLES = `ARRAY(SELECT coalesce(i.indrelid, t.oid, l.relation) FROM pg_locks l
  LEFT JOIN pg_index i ON i.indexrelid = l.relation LEFT JOIN pg_class t ON t.reltoastrelid = l.relation
  WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock' AND l.relation IS NOT NULL
    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))`
