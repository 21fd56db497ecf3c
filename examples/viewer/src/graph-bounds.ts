import type { Series, SeriesSet } from '@pggraph/core'
import { downsample, type GraphData } from '@pggraph/render'
import { esc } from './html.js'

/** How much one graph may draw, whatever the tenant's data holds. */
export interface GraphBounds {
  /**
   * Series kept per metric column of a graph query, the largest by peak; a monitored server with
   * thousands of databases (or a writer inventing labels) gets its largest ones and a note.
   */
  readonly maxSeries: number
  /** Points of a graph in total; beyond it every series is downsampled (min and max kept). */
  readonly maxPoints: number
  /** A rendered SVG larger than this is refused (an error image instead). */
  readonly maxSvgBytes: number
}

/**
 * Default {@link GraphBounds}: 200 series (a busy `pg_stat_io` has ~60 rows, a table graph 10),
 * 25,000 points (an 800 px graph of one line draws ~1,500), 4 MB of SVG (a normal one is 20-60 kB).
 */
export const DEFAULT_GRAPH_BOUNDS: GraphBounds = { maxSeries: 200, maxPoints: 25_000, maxSvgBytes: 4 * 1024 * 1024 }

/** A graph's data cut to its bounds, and how many series were left out. */
export interface BoundedGraph {
  readonly data: GraphData
  /** Series left out (0 when everything is drawn). */
  readonly dropped: number
  /** Series read in total. */
  readonly total: number
}

function peak(s: Series): number {
  let m = -Infinity
  for (const p of s.points) if (p.v !== null && Math.abs(p.v) > m) m = Math.abs(p.v)
  return m
}

function boundSet(set: SeriesSet, maxSeries: number): { set: SeriesSet; dropped: number } {
  const groups = new Map<string, Series[]>()
  for (const s of set.series) {
    const k = `${s.metric}\u0000${s.column}`
    const g = groups.get(k)
    if (g) g.push(s)
    else groups.set(k, [s])
  }
  if ([...groups.values()].every((g) => g.length <= maxSeries)) return { set, dropped: 0 }
  let dropped = 0
  const keep = new Set<Series>()
  for (const g of groups.values()) {
    if (g.length <= maxSeries) {
      for (const s of g) keep.add(s)
      continue
    }
    const ranked = g.map((s) => ({ s, p: peak(s) })).sort((a, b) => b.p - a.p)
    for (const r of ranked.slice(0, maxSeries)) keep.add(r.s)
    dropped += g.length - maxSeries
  }
  return { set: { ...set, series: set.series.filter((s) => keep.has(s)) }, dropped }
}

/**
 * Cut a graph's data to `bounds` before it is rendered: at most `maxSeries` series per metric
 * column (the largest by peak value), then every series downsampled (min and max per bucket)
 * so the graph holds at most `maxPoints` points. Data within the bounds is returned as is.
 */
export function boundGraphData(data: GraphData, bounds: GraphBounds = DEFAULT_GRAPH_BOUNDS): BoundedGraph {
  let dropped = 0
  let sets = data.sets.map((set) => {
    const b = boundSet(set, bounds.maxSeries)
    dropped += b.dropped
    return b.set
  })
  const total = data.sets.reduce((n, s) => n + s.series.length, 0)
  const kept = sets.reduce((n, s) => n + s.series.length, 0)
  const points = sets.reduce((n, s) => n + s.series.reduce((m, x) => m + x.points.length, 0), 0)
  if (points > bounds.maxPoints && kept > 0) {
    // minmax keeps up to two points per bucket.
    const buckets = Math.max(2, Math.floor(bounds.maxPoints / kept / 2))
    sets = sets.map((set) => ({
      ...set,
      series: set.series.map((s) =>
        s.points.length > 2 * buckets ? { ...s, points: downsample(s.points, buckets, 'minmax') } : s,
      ),
    }))
  }
  if (dropped === 0 && points <= bounds.maxPoints) return { data, dropped: 0, total }
  return { data: { ...data, sets }, dropped, total }
}

/**
 * Say on the image that series were left out: a short note at the top right, so nobody takes
 * a cut graph for the whole picture.
 */
export function noteDroppedSeries(svg: string, bounded: BoundedGraph, width: number): string {
  if (bounded.dropped === 0) return svg
  const kept = bounded.total - bounded.dropped
  const text = `Showing the ${kept.toLocaleString('en-US')} largest of ${bounded.total.toLocaleString('en-US')} series.`
  const note = `<text x="${width - 6}" y="12" text-anchor="end" font-family="DejaVu Sans, sans-serif" font-size="10" fill="#8a5a00">${esc(text)}</text>`
  const end = svg.lastIndexOf('</svg>')
  return end < 0 ? svg : `${svg.slice(0, end)}${note}${svg.slice(end)}`
}
