import type { SeriesPoint } from '@pggraph/core'

/** One row of a stacked band: its value and the band's bottom and top at time `t`. */
export interface StackRow {
  readonly t: number
  readonly s: string
  /** The band's own value (`null` in a gap). */
  readonly v: number | null
  readonly y0: number | null
  readonly y1: number | null
}

/**
 * Stack `bands` (the first at the bottom) on the union of their times. A band without a reading
 * at a time another band has one is 0 there (a lock mode nobody held in that snapshot), so no
 * band floats or crosses another; a step between two times longer than `max` ms is a gap in
 * every band (a `null` row each, which breaks every area). A band whose reading is `null` where
 * others have one is 0 there too.
 *
 * `collectedAt` (a series set's `collectedAt`) are the times the metric was collected: at one
 * where no band has a point (a snapshot with no row: no lock held at all), every band is 0, and
 * the time counts as a reading when gaps are judged. Without it, or at a time where the bands'
 * only points are `null` (a rate not known across a restart), only a time with a reading is
 * drawn and a time without any is a gap.
 *
 * @example
 * ```ts
 * stackBands([{ name: 'idle', points }, { name: 'active', points: other }], 150_000, set.collectedAt)
 * ```
 */
export function stackBands(
  bands: readonly { readonly name: string; readonly points: readonly SeriesPoint[] }[],
  max: number,
  collectedAt: readonly number[] = [],
): StackRow[] {
  const unknown = new Set<number>()
  const byBand = bands.map((b) => {
    const m = new Map<number, number>()
    for (const p of b.points) {
      if (p.v !== null) m.set(p.t, p.v)
      else unknown.add(p.t)
    }
    return m
  })
  const read = new Set(byBand.flatMap((m) => [...m.keys()]))
  // A collected time with no point at all is a snapshot without rows: 0 in every band.
  const empty = collectedAt.filter((t) => !read.has(t) && !unknown.has(t))
  const times = [...new Set([...read, ...empty])].sort((a, b) => a - b)
  const rows: StackRow[] = []
  let prev: number | undefined
  for (const t of times) {
    if (prev !== undefined && t - prev > max) {
      const mid = prev + Math.round((t - prev) / 2)
      for (const b of bands) rows.push({ t: mid, s: b.name, v: null, y0: null, y1: null })
    }
    let base = 0
    bands.forEach((b, i) => {
      const v = byBand[i]!.get(t) ?? 0
      // Negative values cannot stack meaningfully; a band is never drawn below its floor.
      const top = base + Math.max(0, v)
      rows.push({ t, s: b.name, v, y0: base, y1: top })
      base = top
    })
    prev = t
  }
  return rows
}
