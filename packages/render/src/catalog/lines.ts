import type { Series, SeriesPoint, SeriesSet } from '@pggraph/core'
import type { GraphQuery } from '../graph.js'
import type { Line } from '../spec.js'

/** Builds a graph's lines from the sets its queries returned (`sets[i]` answers `queries[i]`). */
export type LineBuilder = (sets: readonly SeriesSet[], queries: readonly GraphQuery[]) => Line[]

/** The series of query `i` for `column` (filtered by metric, so one merged set works too). */
export function seriesOf(
  sets: readonly SeriesSet[],
  queries: readonly GraphQuery[],
  i: number,
  column: string,
): Series[] {
  const q = queries[i]
  const set = sets[i]
  if (!q || !set) return []
  return set.series.filter((s) => s.metric === q.metric && s.column === column && labelsMatch(s.labels, q.labels))
}

function labelsMatch(
  have: Readonly<Record<string, string>>,
  want: Readonly<Record<string, string>> | undefined,
): boolean {
  if (!want) return true
  return Object.entries(want).every(([k, v]) => have[k] === undefined || have[k] === v)
}

/**
 * Combine point lists point-wise by time: `sum` or `max` of the non-null values at each time;
 * `null` where every value is `null` (a gap stays a gap).
 */
export function combine(lists: readonly (readonly SeriesPoint[])[], op: 'sum' | 'max' = 'sum'): SeriesPoint[] {
  if (lists.length === 1) return lists[0]!.slice()
  const acc = new Map<number, number | null>()
  for (const pts of lists) {
    for (const p of pts) {
      const cur = acc.get(p.t)
      if (p.v === null) {
        if (cur === undefined) acc.set(p.t, null)
      } else if (cur === undefined || cur === null) acc.set(p.t, p.v)
      else acc.set(p.t, op === 'sum' ? cur + p.v : Math.max(cur, p.v))
    }
  }
  return [...acc.entries()].sort((a, b) => a[0] - b[0]).map(([t, v]) => ({ t, v }))
}

/** Multiply every value by `k` (per second → per minute, seconds → days, ...). */
export function scale(points: readonly SeriesPoint[], k: number): SeriesPoint[] {
  return k === 1 ? points.slice() : points.map((p) => ({ t: p.t, v: p.v === null ? null : p.v * k }))
}

/** A readable name for a label set: the values of `keys` (all labels when omitted) joined. */
export function labelText(labels: Readonly<Record<string, string>>, keys?: readonly string[]): string {
  const ks = keys ?? Object.keys(labels).sort()
  const parts = ks.map((k) => labels[k] ?? '').filter((v) => v !== '')
  return parts.length > 0 ? parts.join('.') : '(all)'
}

/** Options of {@link columnLines}. */
export interface ColumnLineOptions {
  /** Add up all label sets of a column into one line (e.g. all databases). */
  readonly sum?: boolean
  /** Multiply values, e.g. 60 for per minute. */
  readonly scale?: number
  /** Label keys naming a line when a column has several label sets. */
  readonly labelKeys?: readonly string[]
  /** Query index (default 0). */
  readonly query?: number
}

/** One line per column (display names in `names` order), summed over labels when asked. */
export function columnLines(names: Readonly<Record<string, string>>, o: ColumnLineOptions = {}): LineBuilder {
  return (sets, queries) => {
    const out: Line[] = []
    for (const [column, display] of Object.entries(names)) {
      const found = seriesOf(sets, queries, o.query ?? 0, column)
      if (found.length === 0) continue
      if (o.sum || found.length === 1) {
        out.push({ name: display, points: scale(combine(found.map((s) => s.points)), o.scale ?? 1) })
      } else {
        for (const s of found)
          out.push({ name: `${display} ${labelText(s.labels, o.labelKeys)}`, points: scale(s.points, o.scale ?? 1) })
      }
    }
    return out
  }
}

/** Options of {@link labelLines}. */
export interface LabelLineOptions {
  readonly query?: number
  readonly scale?: number
  /** How series with the same name are combined (default `sum`). */
  readonly op?: 'sum' | 'max'
  /** Name of lines whose label values are empty. */
  readonly empty?: string
  /** Name a line from its labels (default: the values of the label keys joined). */
  readonly nameOf?: (labels: Readonly<Record<string, string>>) => string
  /** Leave out the collector's `(other)` row (the sum of everything outside its top N). */
  readonly skipOther?: boolean
  /** Keep at most this many lines, those with the largest average. */
  readonly limit?: number
  /** Prefix or rename a line name. */
  readonly rename?: (name: string) => string
}

/** One line per distinct value of the label keys (e.g. per `state`), combining the rest. */
export function labelLines(columns: readonly string[], keys: readonly string[], o: LabelLineOptions = {}): LineBuilder {
  return (sets, queries) => {
    const groups = new Map<string, SeriesPoint[][]>()
    for (const column of columns) {
      for (const s of seriesOf(sets, queries, o.query ?? 0, column)) {
        if (o.skipOther && isOther(s.labels)) continue
        const text = o.nameOf ? o.nameOf(s.labels) : labelText(s.labels, keys)
        const name = text === '(all)' && o.empty ? o.empty : text
        const full = o.rename ? o.rename(name) : name
        const g = groups.get(full) ?? []
        g.push(s.points.slice())
        groups.set(full, g)
      }
    }
    const lines = [...groups.keys()]
      .sort()
      .map((name) => ({ name, points: scale(combine(groups.get(name)!, o.op ?? 'sum'), o.scale ?? 1) }))
    if (o.limit === undefined || lines.length <= o.limit) return lines
    const avg = new Map(lines.map((l) => [l.name, mean(l.points)]))
    const keep = new Set(
      lines
        .slice()
        .sort((a, b) => avg.get(b.name)! - avg.get(a.name)! || (a.name < b.name ? -1 : 1))
        .slice(0, o.limit)
        .map((l) => l.name),
    )
    return lines.filter((l) => keep.has(l.name))
  }
}

function mean(points: readonly SeriesPoint[]): number {
  let sum = 0
  let n = 0
  for (const p of points) {
    if (p.v === null) continue
    sum += p.v
    n++
  }
  return n === 0 ? 0 : sum / n
}

/** Whether a label set is the collector's `(other)` row: everything outside its top N, summed. */
export function isOther(labels: Readonly<Record<string, string>>): boolean {
  return Object.values(labels).includes('(other)')
}

/** `part / (part + rest)` point-wise over the sums of both columns: a hit ratio. */
export function ratioLine(name: string, part: string, rest: string, query = 0): LineBuilder {
  return (sets, queries) => {
    const hit = seriesOf(sets, queries, query, part)
    const miss = seriesOf(sets, queries, query, rest)
    if (hit.length === 0 || miss.length === 0) return []
    const h = combine(hit.map((s) => s.points))
    const m = new Map(combine(miss.map((s) => s.points)).map((p) => [p.t, p.v]))
    const points = h.map((p) => {
      const r = m.get(p.t)
      const total = p.v === null || r === null || r === undefined ? null : p.v + r
      return { t: p.t, v: total === null || total === 0 || p.v === null ? null : p.v / total }
    })
    return [{ name, points }]
  }
}

/** Concatenate the lines of several builders (e.g. one per query). */
export function allLines(...builders: LineBuilder[]): LineBuilder {
  return (sets, queries) => builders.flatMap((b) => b(sets, queries))
}
