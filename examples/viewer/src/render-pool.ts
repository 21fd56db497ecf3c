import { createRenderPool, renderDashboard, type GraphData, type GraphName, type RenderPool } from '@pggraph/render'
import { ConcurrencyBudget } from './budget.js'
import type { ImageOptions } from './graphs.js'

/**
 * The viewer's render threads: Vega's work (the expensive part of a graph) runs on a pool of
 * worker threads, so the request thread stays free to answer `/healthz`, logins and cached
 * graphs while graphs render. Jobs wait in one queue per tenant and are handed to the workers
 * tenant by tenant in turn, never more than there are workers: a tenant with 30 graphs queued
 * delays another tenant's graph by one render at most. The threads start at the first render.
 *
 * @example
 * ```ts
 * const renders = new GraphRenderPool(2)
 * const svg = await renders.render('acme', 'database.transactions', data, { width: 800, height: 260, theme: 'light', format: 'svg' })
 * await renders.close()
 * ```
 */
export class GraphRenderPool {
  readonly #workers: number
  readonly #turns: ConcurrencyBudget
  #pool: RenderPool | undefined
  #closed = false

  constructor(workers: number) {
    this.#workers = Math.max(1, Math.floor(workers))
    this.#turns = new ConcurrencyBudget({
      tenant: { running: Infinity, waiting: Infinity },
      total: { running: this.#workers, waiting: Infinity },
    })
  }

  /** Number of worker threads (started or not). */
  get workers(): number {
    return this.#workers
  }

  /** Render one catalog graph of `tenant` to SVG on a worker thread (same bytes as `renderGraph`). */
  render(tenant: string, name: string, data: GraphData, options: ImageOptions): Promise<string> {
    return this.#turns.run({ tenant }, async () => {
      if (this.#closed) throw new Error('the viewer is shutting down')
      this.#pool ??= createRenderPool({ workers: this.#workers })
      const graph = name as GraphName
      const out = await renderDashboard([graph], new Map([[graph, data]]), {
        width: options.width,
        height: options.height,
        theme: options.theme,
        pool: this.#pool,
      })
      return out.get(graph)!
    })
  }

  /** Stop the worker threads; renders still running fail. */
  async close(): Promise<void> {
    this.#closed = true
    await this.#pool?.close()
  }
}
