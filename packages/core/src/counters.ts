import type { SeriesPoint } from './series.js'

/**
 * One reading of a cumulative counter. `epoch` identifies the counter's life: anything that
 * changes when the counter restarts from zero (the postmaster start time joined with the
 * row's `stats_reset`). Readings with different epochs are never subtracted.
 */
export interface CounterSample {
  /** Time in milliseconds since the epoch. */
  readonly t: number
  readonly v: number | null
  readonly epoch?: string | number | null
}

/**
 * The change of a counter between two readings, or `null` when there is no honest answer:
 * a missing value, a new epoch (restart or `stats_reset`), or a drop (a reset we were not told
 * about). Never negative.
 */
export function counterDelta(prev: CounterSample, cur: CounterSample): number | null {
  if (prev.v === null || cur.v === null) return null
  if ((prev.epoch ?? null) !== (cur.epoch ?? null)) return null
  if (cur.v < prev.v) return null
  return cur.v - prev.v
}

/**
 * The per-second rate of a counter between two readings, or `null` under the same conditions
 * as {@link counterDelta}, and when time did not move forward.
 *
 * @example
 * ```ts
 * counterRate({ t: 0, v: 100 }, { t: 60_000, v: 160 })  // 1
 * counterRate({ t: 0, v: 100 }, { t: 60_000, v: 5 })    // null: the counter was reset
 * ```
 */
export function counterRate(prev: CounterSample, cur: CounterSample): number | null {
  const dt = (cur.t - prev.t) / 1000
  if (!(dt > 0)) return null
  const d = counterDelta(prev, cur)
  return d === null ? null : d / dt
}

/**
 * Turn readings of one counter (sorted by time) into per-second rates, one point per reading
 * after the first, stamped at the later reading. Resets give a `null` point (a gap).
 */
export function counterRates(samples: readonly CounterSample[]): SeriesPoint[] {
  const out: SeriesPoint[] = []
  for (let i = 1; i < samples.length; i++) {
    const prev = samples[i - 1]!
    const cur = samples[i]!
    out.push({ t: cur.t, v: counterRate(prev, cur) })
  }
  return out
}
