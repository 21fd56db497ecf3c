/**
 * How a value column behaves over time.
 *
 * - `counter`: cumulative, only grows until a reset (a server restart or `pg_stat_reset*`);
 *   graphs show it as a per-second rate.
 * - `gauge`: a level at the moment of the snapshot (connections, sizes, ages); shown as is.
 */
export type ValueKind = 'counter' | 'gauge'

/**
 * The unit of a value column. Known units get axis titles and formatting in graphs;
 * any other string is allowed for third-party metrics.
 */
export type Unit =
  | 'bytes'
  | 'blocks'
  | 'buffers'
  | 'ms'
  | 'seconds'
  | 'count'
  | 'connections'
  | 'sessions'
  | 'locks'
  | 'scans'
  | 'operations'
  | 'files'
  | 'checkpoints'
  | 'transactions'
  | 'tuples'
  | 'xids'
  | 'ratio'
  | 'percent'
  | 'timestamp'
  | 'bool'
  | (string & {})

/** The time unit a counter's rate is shown per. */
export type RatePer = 'second' | 'minute' | 'hour'

/** One value column of a metric: counter or gauge, with a unit. */
export interface ValueColumn {
  readonly kind: ValueKind
  readonly unit: Unit
  /** First major version that has this column; on older servers it is `null`. */
  readonly since?: number
  /**
   * First major version that no longer has this column (the server removed it, e.g.
   * `pg_stat_bgwriter.buffers_backend`: `until: 17`); on that version and newer it is `null`.
   */
  readonly until?: number
  /**
   * For a counter: the time unit graphs show its rate per (default `second`). Rare events read
   * better per minute (temporary files, deadlocks) or per hour (checkpoints).
   */
  readonly per?: RatePer
  /** Short description for docs and graph tooltips. */
  readonly description?: string
}

/**
 * The SQL that reads a metric from servers of major version `since` up to (not including)
 * `until`. It must return every label column and every value column that exists on that
 * version, with the canonical names of the definition (alias columns the server renamed).
 */
export interface VersionedQuery {
  readonly since: number
  readonly until?: number
  readonly sql: string
  /**
   * Conditions of this query beyond the version range (e.g. an extension at a minimum version,
   * whose columns it reads directly). When they are not met, the next query of the list whose
   * range contains the server's major is tried; so list such queries before an unconditional one.
   */
  readonly requires?: readonly Requirement[]
}

/**
 * What a metric needs beyond `pg_monitor`: an extension installed in the database, or a
 * function/relation that must be readable. A missing requirement skips the metric (reported in
 * {@link Snapshot.skipped}) instead of failing the snapshot.
 */
export type Requirement =
  | {
      readonly extension: string
      /** Lowest extension version (`pg_extension.extversion`, compared part by part, e.g. `1.10` > `1.9`). */
      readonly minVersion?: string
      /** Extension versions from this one on do not qualify (exclusive). */
      readonly maxVersion?: string
    }
  | { readonly privilege: 'superuser' | 'pg_monitor' | 'pg_read_all_stats' | 'pg_read_all_settings' }

/** Whether a metric is read once per server or once per database. */
export type MetricScope = 'cluster' | 'database'

/**
 * One statistic, declared once as data: the collector runs it, the store derives its table from
 * it, series queries use `kind` to know what to turn into a rate, and graphs refer to its
 * columns by typed name.
 *
 * Label values are strings (the SQL casts them to `text`; `NULL` becomes `''`). Value columns
 * are numbers or `null` (a column the server version does not have, or a `NULL` the server
 * reported). Declare definitions `as const satisfies MetricDefinition` so {@link RowOf}
 * can derive the row type.
 *
 * @example
 * ```ts
 * export const deadlocks = {
 *   name: 'my_deadlocks', area: 'database', scope: 'database',
 *   description: 'Deadlocks per database',
 *   labels: { datname: 'text' },
 *   values: { deadlocks: { kind: 'counter', unit: 'count' } },
 *   queries: [{ since: 12, sql: 'SELECT datname, deadlocks FROM pg_stat_database WHERE datname IS NOT NULL' }],
 * } as const satisfies MetricDefinition
 * ```
 */
export interface MetricDefinition {
  /** Unique name, `[a-z][a-z0-9_]*`; also the store's table suffix. */
  readonly name: string
  /** The statistics area for grouping (database, tables, wal, replication, ...). */
  readonly area: string
  readonly description: string
  readonly scope: MetricScope
  /** Columns that identify a row (`datname`, `schemaname` + `relname`, ...). */
  readonly labels: Readonly<Record<string, 'text'>>
  /** Columns that carry numbers. */
  readonly values: Readonly<Record<string, ValueColumn>>
  /**
   * True when every row carries a `stats_reset` timestamp column; a change of it marks a
   * statistics reset for that row, so no rate is computed across it.
   */
  readonly statsReset?: boolean
  /** SQL per server-version range; the first whose range contains the server's major runs. */
  readonly queries: readonly VersionedQuery[]
  /** Parameters bound to `$1`, `$2`, ... of the query (for example a top-N limit). */
  readonly params?: readonly (string | number | boolean | null)[]
  readonly requires?: readonly Requirement[]
  /** Lowest major version this metric exists on (defaults to the lowest query's `since`). */
  readonly minServerVersion?: number
}

/** Flattens an intersection into one object type, so editors show `RowOf` rows readably. */
export type Simplify<T> = { [K in keyof T]: T[K] } & {}

/**
 * The row type of a metric definition: labels are strings, values `number | null`, plus
 * `stats_reset` when the definition declares it. A misspelt column fails to compile.
 *
 * @example
 * ```ts
 * type DatabaseRow = RowOf<typeof pgStatDatabase>
 * declare const row: DatabaseRow
 * row.xact_commit  // number | null
 * ```
 */
export type RowOf<D extends MetricDefinition> = Simplify<
  { readonly [K in keyof D['labels']]: string } & {
    readonly [K in keyof D['values']]: number | null
  } & (D['statsReset'] extends true ? { readonly stats_reset: string | null } : unknown)
>

/** A row of any metric, when the definition is not known statically. */
export type MetricRow = Readonly<Record<string, string | number | null>>

/** Label column names of a definition. */
export type LabelOf<D extends MetricDefinition> = Extract<keyof D['labels'], string>
/** Value column names of a definition. */
export type ValueOf<D extends MetricDefinition> = Extract<keyof D['values'], string>
/** Counter column names of a definition. */
export type CounterOf<D extends MetricDefinition> = {
  [K in ValueOf<D>]: D['values'][K]['kind'] extends 'counter' ? K : never
}[ValueOf<D>]
