import type { SeriesPoint } from '@pggraph/core'

/**
 * A step between two readings longer than this many typical steps is a gap: the collector did
 * not run (or the server was down), and a graph must show it as empty, never as a line drawn
 * across. 2.5 tolerates a late or skipped run without breaking the line at every hiccup.
 */
export const GAP_FACTOR = 2.5

/**
 * The median of the steps between consecutive non-null readings, or `undefined` under two.
 * Steps are counted by value (a month of 1-minute readings has a handful of distinct steps), so
 * this is linear in the readings, not a sort of every step.
 */
function medianStep(points: readonly SeriesPoint[]): number | undefined {
  const counts = new Map<number, number>()
  let n = 0
  let last: number | undefined
  for (const p of points) {
    if (p.v === null) continue
    if (last !== undefined && p.t > last) {
      const step = p.t - last
      counts.set(step, (counts.get(step) ?? 0) + 1)
      n++
    }
    last = p.t
  }
  if (n === 0) return undefined
  const rank = Math.floor((n - 1) / 2)
  let seen = 0
  for (const step of [...counts.keys()].sort((a, b) => a - b)) {
    seen += counts.get(step)!
    if (seen > rank) return step
  }
  return undefined
}

/**
 * The longest step between two readings of a graph that is not a gap: {@link GAP_FACTOR} times
 * the typical interval of its most regular series (the smallest median step), so a series read
 * only at every other snapshot does not set the pace. `Infinity` when no series has two readings.
 *
 * @example
 * ```ts
 * maxStep([[{ t: 0, v: 1 }, { t: 60_000, v: 2 }, { t: 120_000, v: 3 }]]) // 150_000
 * ```
 */
export function maxStep(series: readonly (readonly SeriesPoint[])[]): number {
  let best = Infinity
  for (const points of series) {
    const m = medianStep(points)
    if (m !== undefined && m < best) best = m
  }
  return best * GAP_FACTOR
}

/**
 * `points` with a `null` reading in the middle of every step longer than `max` ms, so a line
 * breaks there instead of joining the readings on both sides of a gap.
 */
export function breakGaps(points: readonly SeriesPoint[], max: number): SeriesPoint[] {
  if (!Number.isFinite(max)) return points.slice()
  const out: SeriesPoint[] = []
  let from = 0
  for (let i = 1; i < points.length; i++) {
    const last = points[i - 1]!
    const p = points[i]!
    if (last.v === null || p.v === null || p.t - last.t <= max) continue
    // Copy the run before the gap at once: most series have no gap or a few.
    for (let j = from; j < i; j++) out.push(points[j]!)
    out.push({ t: last.t + Math.round((p.t - last.t) / 2), v: null })
    from = i
  }
  if (from === 0) return points.slice()
  for (let j = from; j < points.length; j++) out.push(points[j]!)
  return out
}
