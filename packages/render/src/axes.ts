import type { AxisFormat } from './units.js'

/**
 * Width every y axis takes (ticks, labels and their padding), whatever its labels: graphs of a
 * dashboard then start their plots at the same pixel, and one time lines up across them.
 */
export const Y_AXIS_EXTENT = 52

/**
 * The Vega expression of a y axis's tick labels for a d3 `format`. `~s` (SI) uses prefixes only
 * from k up: below 1,000 a value is written as a decimal (0.4, not `400m`, which reads as 400
 * million), and zero is `0` (not `0k`).
 */
export function numberLabelExpr(format: string): string {
  const f = JSON.stringify(format).replace(/"/g, "'")
  if (format !== '~s') return `datum.value === 0 ? '0' : format(datum.value, ${f})`
  return "datum.value === 0 ? '0' : abs(datum.value) >= 1000 ? format(datum.value, '.3~s') : format(datum.value, ',.3~r')"
}

/** The Vega-Lite `axis` of a quantitative axis showing `axis`'s unit. */
export function valueAxis(axis: AxisFormat, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { title: axis.title, tickCount: 5, labelExpr: numberLabelExpr(axis.format), ...extra }
}

/** d3's tick step: a power of ten times 1, 2 or 5, giving about `count` ticks over `span`. */
export function tickStep(span: number, count: number): number {
  const raw = span / Math.max(1, count)
  const power = 10 ** Math.floor(Math.log10(raw))
  const error = raw / power
  return power * (error >= Math.sqrt(50) ? 10 : error >= Math.sqrt(10) ? 5 : error >= Math.sqrt(2) ? 2 : 1)
}

/** The domain, ticks and label format of a ratio axis (0–1, shown in %). */
export interface RatioAxis {
  readonly domain: readonly [number, number]
  readonly ticks: readonly number[]
  /** d3 format with as many decimals as the tick step needs (`.2%` for 99.90%, 99.95%). */
  readonly format: string
}

/**
 * A ratio axis fitted to the data: ticks a nice step apart over the values' range (clamped to
 * 0–100%), with just enough decimals that no two ticks read the same (a hit ratio between
 * 99.91% and 99.98% gets 99.90%, 99.92%, … not `100%` five times).
 *
 * @example
 * ```ts
 * ratioAxis([0.9991, 0.9998]) // { domain: [0.999, 1], ticks: [0.999, 0.9992, …, 1], format: '.2%' }
 * ```
 */
export function ratioAxis(values: readonly number[]): RatioAxis {
  let lo = Infinity
  let hi = -Infinity
  for (const v of values) {
    if (!Number.isFinite(v)) continue
    lo = Math.min(lo, Math.max(0, Math.min(1, v)))
    hi = Math.max(hi, Math.max(0, Math.min(1, v)))
  }
  if (lo > hi) return { domain: [0, 1], ticks: [0, 0.25, 0.5, 0.75, 1], format: '.0%' }
  if (hi - lo < 1e-5) {
    lo -= 5e-5
    hi += 5e-5
  }
  const step = tickStep(hi - lo, 4)
  // Round away from the data, then clamp: ticks are multiples of the step inside 0–1.
  const first = Math.max(0, Math.floor(lo / step + 1e-9))
  const last = Math.min(Math.round(1 / step), Math.ceil(hi / step - 1e-9))
  const decimals = Math.max(0, -Math.floor(Math.log10(step * 100) + 1e-9))
  const ticks: number[] = []
  for (let k = first; k <= last; k++) ticks.push(Number((k * step).toFixed(decimals + 2)))
  return { domain: [ticks[0]!, ticks[ticks.length - 1]!], ticks, format: `.${decimals}%` }
}

/** A time interval Vega can place ticks on, with its length in ms. */
interface Interval {
  readonly interval: 'seconds' | 'minutes' | 'hours' | 'day' | 'week' | 'month' | 'year'
  readonly step: number
  readonly ms: number
}

const S = 1000
const M = 60 * S
const H = 60 * M
const D = 24 * H
const INTERVALS: readonly Interval[] = [
  ...[1, 5, 15, 30].map((step) => ({ interval: 'seconds' as const, step, ms: step * S })),
  ...[1, 2, 5, 10, 15, 30].map((step) => ({ interval: 'minutes' as const, step, ms: step * M })),
  ...[1, 2, 3, 6, 12].map((step) => ({ interval: 'hours' as const, step, ms: step * H })),
  ...[1, 2].map((step) => ({ interval: 'day' as const, step, ms: step * D })),
  { interval: 'week', step: 1, ms: 7 * D },
  ...[1, 3].map((step) => ({ interval: 'month' as const, step, ms: step * 30 * D })),
  ...[1, 2, 5, 10].map((step) => ({ interval: 'year' as const, step, ms: step * 365 * D })),
]

/** The time axis of a graph: where ticks go, their one format, and the title naming the zone. */
export interface TimeAxis {
  readonly tickCount: { readonly interval: Interval['interval']; readonly step: number }
  /** One d3 UTC format for every tick (never `05:55, 06 AM`). */
  readonly format: string
  readonly title: string
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const day = (t: number): string => {
  const d = new Date(t)
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]!} ${d.getUTCFullYear()}`
}

/**
 * The name of the time zone graphs are drawn in, as the viewer's range picker names it too:
 * graphs are rendered on the server, the same bytes for every reader, so they are in UTC.
 */
export const TIME_ZONE_NAME = 'UTC'

/**
 * One tick interval and one label format for a time axis from `from` to `to` drawn `plotWidth`
 * pixels wide: ticks at least about 90 px apart (a label with a date needs 110), every label
 * the same format, and distinct. Hours and minutes alone leave out the date, so the title says
 * it (`time (UTC), 1 Nov 2026`).
 *
 * @example
 * ```ts
 * timeAxis(from, from + 6 * 3_600_000, 650) // { tickCount: { interval: 'hours', step: 1 }, format: '%H:%M', ... }
 * ```
 */
export function timeAxis(from: number, to: number, plotWidth: number): TimeAxis {
  const span = Math.max(1, to - from)
  const pick = (px: number): Interval =>
    INTERVALS.find((i) => (span / i.ms) * px <= plotWidth) ?? INTERVALS[INTERVALS.length - 1]!
  let chosen = pick(90)
  let format: string
  const zone = `time (${TIME_ZONE_NAME})`
  const sameDay = day(from) === day(to - 1)
  if (chosen.ms < D && span > D) {
    // Several days at sub-day ticks: every label carries its day, so they need more room.
    chosen = pick(110)
    format = chosen.ms < D ? '%-d %b %H:%M' : '%-d %b'
  } else if (chosen.ms < M) format = '%H:%M:%S'
  else if (chosen.ms < D) format = '%H:%M'
  else if (chosen.interval === 'month') format = '%b %Y'
  else if (chosen.interval === 'year') format = '%Y'
  else format = '%-d %b'
  const title =
    format.startsWith('%H') || format === '%-d %b'
      ? `${zone}, ${sameDay ? day(from) : `${day(from)} – ${day(to - 1)}`}`
      : zone
  return { tickCount: { interval: chosen.interval, step: chosen.step }, format, title }
}
