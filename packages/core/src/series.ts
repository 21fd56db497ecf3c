import type { Unit } from './metric.js'

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
}

/** The series of one graph and the events in its time range. */
export interface SeriesSet {
  readonly from: number
  readonly to: number
  readonly series: readonly Series[]
  readonly events: readonly SeriesEvent[]
}
