import { availableParallelism } from 'node:os'
import { PggraphError, type RenderOptions, type Renderer, type SeriesSet } from '@pggraph/core'
import type { GraphName } from './catalog/index.js'
import type { GraphSpecOptions } from './graph.js'
import type { GraphData } from './load.js'
import { graphSpec } from './render.js'
import { vegaSvgRenderer } from './vega-svg.js'
import { WorkerPool } from './worker-pool.js'

/**
 * A renderer that renders many graphs at once, on worker threads kept warm between calls (a
 * worker costs a fraction of a second to start, about what ten graphs cost to render).
 * {@link createRenderPool} makes one for the Vega SVG renderer; any object with these members
 * works with {@link renderDashboard}.
 */
export interface RenderPool<Out = string> extends Renderer<Out> {
  /** Number of live workers. */
  readonly size: number
  /** Stop the workers; pending renders fail. */
  close(): Promise<void>
}

/**
 * Start `workers` render threads (default: one per core, at most 4) for {@link renderDashboard}:
 * the Vega SVG renderer (same bytes as {@link vegaSvgRenderer}) on other threads. Keep the pool
 * for the life of a server and close it on shutdown.
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
export interface DashboardOptions<Out = string> extends GraphSpecOptions {
  /** Render with this renderer, one graph after the other. Default {@link vegaSvgRenderer}. */
  readonly renderer?: Renderer<Out>
  /** Render on this pool, every graph at once (see {@link createRenderPool}). */
  readonly pool?: RenderPool<Out>
  /**
   * Without a pool or a renderer: start this many Vega SVG workers for this call only and stop
   * them after. Default 0, render in this thread: for one dashboard, starting workers costs
   * more than it saves.
   */
  readonly workers?: number
}

/**
 * Render many graphs of one system with one renderer (SVG by default), in parallel on a pool
 * when it pays off. Graphs without data in `dataByName` render their "no data" panel. Output
 * is the same bytes as {@link renderGraph} gives for each graph with that renderer, whatever
 * the number of workers.
 *
 * @example
 * ```ts
 * const svgs = await renderDashboard(graphNames(), dataByName, { width: 640, height: 220 })
 * svgs.get('database.transactions') // '<svg ...'
 * ```
 */
export async function renderDashboard<Out = string>(
  names: readonly GraphName[],
  dataByName: ReadonlyMap<GraphName, SeriesSet | GraphData> | Partial<Record<GraphName, SeriesSet | GraphData>>,
  options: DashboardOptions<Out>,
): Promise<Map<GraphName, Out>> {
  if (options.pool && options.renderer)
    throw new PggraphError('CONFIG', 'renderDashboard takes a pool or a renderer, not both: a pool is its renderer.')
  const workers = options.workers ?? 0
  if (workers > 1 && (options.pool || options.renderer))
    throw new PggraphError(
      'CONFIG',
      'renderDashboard: workers start Vega SVG render threads; with your own pool or renderer, leave workers out.',
    )
  const get = (n: GraphName): SeriesSet | GraphData | undefined =>
    dataByName instanceof Map ? dataByName.get(n) : (dataByName as Partial<Record<GraphName, SeriesSet | GraphData>>)[n]
  const size: RenderOptions = {
    width: options.width,
    height: options.height,
    ...(options.theme ? { theme: options.theme } : {}),
  }
  const specs = names.map((n) =>
    graphSpec(
      n,
      get(n) ?? { graph: n, from: 0, to: 1, sets: [], reason: 'This graph was not loaded for the dashboard.' },
      options,
    ),
  )
  let rendered: Out[]
  if (options.pool) {
    const pool = options.pool
    rendered = await Promise.all(specs.map((spec) => pool.render(spec, size)))
  } else if (workers > 1) {
    const pool = new WorkerPool(Math.min(workers, specs.length))
    try {
      rendered = (await Promise.all(specs.map((spec) => pool.render(spec, size)))) as Out[]
    } finally {
      await pool.close()
    }
  } else {
    const renderer = options.renderer ?? (vegaSvgRenderer() as Renderer<unknown> as Renderer<Out>)
    rendered = []
    for (const spec of specs) rendered.push(await renderer.render(spec, size))
  }
  return new Map(names.map((n, i) => [n, rendered[i]!]))
}
