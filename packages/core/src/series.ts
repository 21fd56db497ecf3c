import type { LabelOf, MetricDefinition, Unit, ValueOf } from './metric.js'

/** One point of a series: `t` in milliseconds since the epoch, `v` the value or `null` (a gap). */
export interface SeriesPoint {
  readonly t: number
  readonly v: number | null
}

/**
 * One line on a graph: a column of a metric for one set of labels, as a per-second `rate`
 * (counters) or as a `gauge` (levels). `null` values are gaps: a reset, a restart, or no data.
 */
export interface Series {
  readonly metric: string
  readonly column: string
  readonly labels: Readonly<Record<string, string>>
  readonly kind: 'rate' | 'gauge'
  /** The column's unit; a `rate` is that unit per second. */
  readonly unit: Unit
  readonly points: readonly SeriesPoint[]
}

/** Something that explains a gap or a jump: a server restart or a statistics reset. */
export interface SeriesEvent {
  readonly t: number
  readonly kind: 'restart' | 'stats_reset'
  /** Human-readable detail, e.g. `server restarted` or `pg_stat_database reset (app)`. */
  readonly label: string
  /**
   * How many events this one stands for (default 1): a store asked for a range holding more
   * events than a graph can mark sends them grouped, with their count.
   */
  readonly count?: number
}

/** The series of one graph and the events in its time range. */
export interface SeriesSet {
  readonly from: number
  readonly to: number
  readonly series: readonly Series[]
  readonly events: readonly SeriesEvent[]
  /**
   * When the metric was collected, ascending (ms since the epoch): the times of the snapshots
   * in the range that did not skip it, bucketed exactly like the points when the query had
   * `points`. Only there when the query asked for it ({@link SeriesQuery.collectedAt}).
   *
   * A snapshot with no row of the metric (no lock held, no session waiting) is a collected time
   * with no point: every category was 0 then, which a stacked graph draws as 0. A time that is
   * not here had no snapshot (or one that skipped the metric): a gap.
   */
  readonly collectedAt?: readonly number[]
}

/**
 * What to read for a graph: columns of one metric over a time range. Counters come back as
 * per-second rates, gauges as they are (see the store's `readSeries`).
 *
 * @example
 * ```ts
 * const q: SeriesQuery = { metric: 'pg_stat_database', columns: ['xact_commit', 'xact_rollback'],
 *   from: Date.now() - 86_400_000, to: Date.now(), points: 800, aggregate: 'sum' }
 * ```
 */
export interface SeriesQuery {
  readonly metric: string
  readonly columns: readonly string[]
  /** Only rows whose labels equal these values. */
  readonly labels?: Readonly<Record<string, string>>
  /** Start of the range, milliseconds since the epoch. */
  readonly from: number
  /** End of the range, milliseconds since the epoch. */
  readonly to: number
  /** Downsample to at most this many time buckets (average per bucket, peaks kept by `max`). */
  readonly points?: number
  /** `sum`: add up all label sets into one series per column (e.g. all databases). */
  readonly aggregate?: 'sum'
  /** Keep only the `n` label sets with the largest average of column `by` in the range. */
  readonly top?: { readonly n: number; readonly by: string }
  /**
   * Also return {@link SeriesSet.collectedAt}: the times the metric was collected, including
   * snapshots where it had no row at all. Stacked areas need it to tell "no category had a
   * row" (0 in every band) from "no snapshot" (a gap); it costs one more small query. With
   * `points`, a gauge's bucket is then averaged over every snapshot of the bucket that collected
   * the metric, a snapshot without a row of its label set counting as 0 (a lock mode held in one
   * snapshot of ten is a tenth of its value there, not all of it).
   */
  readonly collectedAt?: boolean
}

/** Reads series; the store's `readSeries` bound to a connection and namespace is one. */
export type SeriesReader = (query: SeriesQuery) => Promise<SeriesSet>

/**
 * A {@link SeriesQuery} typed by a metric definition: the metric is the definition's name, the
 * columns and `top.by` its value columns, the label filter its labels; a misspelt one does not
 * compile.
 */
export type SeriesQueryOf<D extends MetricDefinition> = D extends MetricDefinition
  ? Omit<SeriesQuery, 'metric' | 'columns' | 'labels' | 'top'> & {
      readonly metric: D['name']
      readonly columns: readonly ValueOf<D>[]
      readonly labels?: Partial<Record<LabelOf<D>, string>>
      readonly top?: { readonly n: number; readonly by: ValueOf<D> }
    }
  : never

/**
 * Build a {@link SeriesQuery} of columns of a metric definition, checked against it: for your own
 * metrics, which the store's typed `readSeries` cannot know by name.
 *
 * @example
 * ```ts
 * const q = seriesQuery(myMetric, ['waiting'], { from, to, points: 800 })
 * const set = await readSeries(db, ns, q)
 * ```
 */
export function seriesQuery<const D extends MetricDefinition, const C extends ValueOf<D>>(
  definition: D,
  columns: readonly C[],
  rest: Omit<SeriesQueryOf<D>, 'metric' | 'columns'>,
): SeriesQuery {
  return { ...rest, metric: definition.name, columns } as SeriesQuery
}
