import { PggraphError, type SeriesReader, type SeriesSet } from '@pggraph/core'
import { graphCatalog, isGraphName, type GraphName } from './catalog/index.js'
import type { GraphDefinition } from './graph.js'

/**
 * The series of one graph over one time range, as read by {@link loadGraphData}: one set per
 * query of the graph, plus why there is nothing when that is known.
 */
export interface GraphData {
  readonly graph: string
  readonly from: number
  readonly to: number
  /** `sets[i]` answers the graph's `queries[i]`. */
  readonly sets: readonly SeriesSet[]
  /** Why the graph is empty, when known (server too old, metric never collected). */
  readonly reason?: string
  /**
   * The one table or index the reads were narrowed to, when they were (a drill-down): the
   * graph is then titled for it (see `GraphSpecOptions.object`).
   */
  readonly object?: string
}

/** The time range and resolution to read, and what is known about the monitored server. */
export interface GraphRange {
  readonly from: number
  readonly to: number
  /**
   * Ask the store for at most this many time buckets per series. The store averages each bucket,
   * which flattens short peaks: leave it unset, or ask for a few times the pixel width, and let
   * rendering reduce to the pixel width keeping every minimum and maximum.
   */
  readonly points?: number
  /** `server_version_num` or major of the monitored server: skips graphs it cannot have. */
  readonly serverVersion?: number
}

/** A catalog graph by name, or a user's own definition as is. */
export function resolveGraph(graph: GraphName | GraphDefinition): GraphDefinition {
  if (typeof graph !== 'string') return graph
  if (!isGraphName(graph)) {
    throw new PggraphError(
      'NOT_FOUND',
      `There is no graph named "${String(graph)}". Known graphs: ${Object.keys(graphCatalog).join(', ')}.`,
    )
  }
  return graphCatalog[graph]
}

/**
 * Read the series of a graph through `read` (the store's `readSeries`, bound), one call per
 * query, in parallel. A metric the store does not have, or a server too old for the graph,
 * gives empty sets and a `reason` the "no data" panel shows.
 *
 * @example
 * ```ts
 * const data = await loadGraphData('database.transactions', (q) => readSeries(db, ns, q), { from, to, points: 800 })
 * const svg = await renderGraph('database.transactions', data, { width: 800, height: 240 })
 * ```
 */
export async function loadGraphData(
  graph: GraphName | GraphDefinition,
  read: SeriesReader,
  range: GraphRange,
): Promise<GraphData> {
  const def = resolveGraph(graph)
  const empty = (): SeriesSet => ({ from: range.from, to: range.to, series: [], events: [] })
  const major =
    range.serverVersion === undefined
      ? undefined
      : range.serverVersion >= 10_000
        ? Math.floor(range.serverVersion / 10_000)
        : range.serverVersion
  if (def.minServerVersion !== undefined && major !== undefined && major < def.minServerVersion) {
    return {
      graph: def.name,
      from: range.from,
      to: range.to,
      sets: def.queries.map(empty),
      reason: `This graph needs PostgreSQL ${def.minServerVersion} or newer; the monitored server runs PostgreSQL ${major}.`,
    }
  }
  const missing: string[] = []
  const sets = await Promise.all(
    def.queries.map(async (q) => {
      try {
        return await read({
          ...q,
          from: range.from,
          to: range.to,
          ...(range.points === undefined ? {} : { points: range.points }),
        })
      } catch (err) {
        if (err instanceof PggraphError && err.code === 'NOT_FOUND') {
          missing.push(q.metric)
          return empty()
        }
        throw err
      }
    }),
  )
  const base = { graph: def.name, from: range.from, to: range.to, sets }
  if (missing.length === 0) return base
  const what =
    def.requires?.map((r) => ('extension' in r ? ` (it needs the ${r.extension} extension)` : '')).join('') ?? ''
  const version = def.minServerVersion ? ` (it needs PostgreSQL ${def.minServerVersion} or newer)` : ''
  return {
    ...base,
    reason: `${[...new Set(missing)].join(', ')} was never collected into this store${what}${version}.`,
  }
}
