import { availableParallelism } from 'node:os'
import type { GraphSpec, RenderOptions, SeriesSet } from '@pggraph/core'
import type { GraphName } from './catalog/index.js'
import type { GraphSpecOptions } from './graph.js'
import type { GraphData } from './load.js'
import { graphSpec } from './render.js'
import { finishSvg } from './svg-finish.js'
import { sizedSpec, specText, vegaLiteToSvg } from './vega-svg.js'
import { WorkerPool } from './worker-pool.js'

/**
 * Worker threads that render dashboards in parallel, kept warm between calls (a worker costs a
 * fraction of a second to start, about what ten graphs cost to render).
 */
export interface RenderPool {
  readonly size: number
  /** Stop the workers; pending renders fail. */
  close(): Promise<void>
}

/**
 * Start `workers` render threads (default: one per core, at most 4) for {@link renderDashboard}.
 * Keep the pool for the life of a server and close it on shutdown.
 *
 * @example
 * ```ts
 * const pool = createRenderPool()
 * const svgs = await renderDashboard(graphNames(), dataByName, { width: 640, height: 220, pool })
 * await pool.close()
 * ```
 */
export function createRenderPool(options: { workers?: number } = {}): RenderPool {
  return new WorkerPool(Math.max(1, options.workers ?? Math.min(4, availableParallelism())))
}

/** Options of {@link renderDashboard}. */
export interface DashboardOptions extends GraphSpecOptions {
  /** Render on these warm worker threads (see {@link createRenderPool}). */
  readonly pool?: RenderPool
  /**
   * Without a pool: start this many workers for this call only and stop them after. Default 0,
   * render in this thread: for one dashboard, starting workers costs more than it saves.
   */
  readonly workers?: number
}

/**
 * Render many graphs of one system to SVG, in parallel on worker threads when it pays off.
 * Graphs without data in `dataByName` render their "no data" panel. Output is the same bytes
 * as {@link renderGraph} gives for each graph, whatever the number of workers.
 *
 * @example
 * ```ts
 * const svgs = await renderDashboard(graphNames(), dataByName, { width: 640, height: 220 })
 * svgs.get('database.transactions') // '<svg ...'
 * ```
 */
export async function renderDashboard(
  names: readonly GraphName[],
  dataByName: ReadonlyMap<GraphName, SeriesSet | GraphData> | Partial<Record<GraphName, SeriesSet | GraphData>>,
  options: DashboardOptions,
): Promise<Map<GraphName, string>> {
  const get = (n: GraphName): SeriesSet | GraphData | undefined =>
    dataByName instanceof Map ? dataByName.get(n) : (dataByName as Partial<Record<GraphName, SeriesSet | GraphData>>)[n]
  const size: RenderOptions = {
    width: options.width,
    height: options.height,
    ...(options.theme ? { theme: options.theme } : {}),
  }
  const specs: GraphSpec[] = names.map((n) => {
    const data = get(n) ?? {
      graph: n,
      from: 0,
      to: 1,
      sets: [],
      reason: 'This graph was not loaded for the dashboard.',
    }
    return sizedSpec(graphSpec(n, data, options), size)
  })
  let raw: string[]
  const workers = options.workers ?? 0
  if (options.pool instanceof WorkerPool) {
    const pool = options.pool
    raw = await Promise.all(specs.map((spec) => pool.run(spec)))
  } else if (workers > 1) {
    const pool = new WorkerPool(Math.min(workers, specs.length))
    try {
      raw = await Promise.all(specs.map((spec) => pool.run(spec)))
    } finally {
      await pool.close()
    }
  } else {
    raw = []
    for (const spec of specs) raw.push(await vegaLiteToSvg(spec))
  }
  const out = new Map<GraphName, string>()
  names.forEach((n, i) => {
    const { title, desc } = specText(specs[i]!)
    out.set(n, finishSvg(raw[i]!, title, desc))
  })
  return out
}
