import { Worker } from 'node:worker_threads'
import { PggraphError, type GraphSpec, type RenderOptions } from '@pggraph/core'
import type { RenderPool } from './dashboard.js'
import { renderSvg, SVG_MEDIA_TYPE, VEGA_SVG } from './vega-svg.js'

const WARM_UP: GraphSpec = {
  width: 100,
  height: 40,
  data: {
    values: [
      { t: 0, v: 1 },
      { t: 60_000, v: 2 },
    ],
  },
  mark: 'line',
  encoding: { x: { field: 't', type: 'temporal', scale: { type: 'utc' } }, y: { field: 'v', type: 'quantitative' } },
}

interface Job {
  readonly id: number
  readonly spec: GraphSpec
  resolve(svg: string): void
  reject(err: Error): void
}

/**
 * Start the worker script next to this module: `render-worker.js` when built; from source
 * (tests, benchmarks) `render-worker.ts`, through tsx's loader registered inside the worker.
 */
function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./render-worker.js', import.meta.url))
  const file = new URL('./render-worker.ts', import.meta.url).href
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(file)}) })`
  return new Worker(boot, { eval: true })
}

/**
 * A pool of worker threads turning Vega-Lite specs into raw SVG (Vega's work, the expensive
 * part), so dashboards use every core: the Vega SVG renderer, same bytes, on other threads.
 * Keep one for the life of a server: a worker costs a fraction of a second to start and warm
 * up. @internal
 */
export class WorkerPool implements RenderPool {
  readonly name = VEGA_SVG
  readonly mediaType = SVG_MEDIA_TYPE
  readonly #idle: Worker[] = []
  readonly #all: Worker[] = []
  readonly #queue: Job[] = []
  readonly #running = new Map<Worker, Job>()
  #next = 0
  #closed = false

  constructor(size: number) {
    for (let i = 0; i < size; i++) this.#add(startWorker())
    // Each worker renders a tiny chart right away, in the background: loading Vega and
    // compiling its hot paths then happens before the first real dashboard asks.
    for (let i = 0; i < size; i++) this.run(WARM_UP).catch(() => undefined)
  }

  #add(w: Worker): void {
    w.on('message', (msg: { id: number; svg?: string; error?: string }) => {
      const job = this.#running.get(w)
      this.#running.delete(w)
      if (job) {
        if (msg.svg !== undefined) job.resolve(msg.svg)
        else job.reject(new PggraphError('RENDER', `The graph could not be rendered: ${msg.error ?? 'unknown error'}.`))
      }
      this.#idle.push(w)
      this.#pump()
    })
    // A worker that crashes is dropped: its job fails, the others carry on; with none left,
    // everything queued fails instead of waiting forever.
    w.on('error', (err) => {
      const job = this.#running.get(w)
      this.#running.delete(w)
      this.#drop(w)
      job?.reject(new PggraphError('RENDER', `A render worker crashed: ${err.message}`, { cause: err }))
      if (this.#all.length === 0) this.#failQueued(`every render worker crashed (last: ${err.message})`)
    })
    this.#all.push(w)
    this.#idle.push(w)
  }

  #drop(w: Worker): void {
    const i = this.#all.indexOf(w)
    if (i >= 0) this.#all.splice(i, 1)
    const j = this.#idle.indexOf(w)
    if (j >= 0) this.#idle.splice(j, 1)
  }

  #failQueued(why: string): void {
    for (const job of this.#queue.splice(0))
      job.reject(new PggraphError('RENDER', `The graph was not rendered: ${why}.`))
  }

  /** Render `spec` to SVG on the next free worker, exactly as `vegaSvgRenderer` does in this thread. */
  render(spec: GraphSpec, options: RenderOptions): Promise<string> {
    return renderSvg(spec, options, (sized) => this.run(sized))
  }

  /** Vega's raw SVG of a sized spec, on the next free worker. */
  run(spec: GraphSpec): Promise<string> {
    if (this.#closed || this.#all.length === 0) {
      return Promise.reject(
        new PggraphError(
          'RENDER',
          'The render pool is closed or has no workers left: create a new one with createRenderPool().',
        ),
      )
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ id: this.#next++, spec, resolve, reject })
      this.#pump()
    })
  }

  #pump(): void {
    while (this.#idle.length > 0 && this.#queue.length > 0) {
      const w = this.#idle.pop()!
      const job = this.#queue.shift()!
      this.#running.set(w, job)
      w.postMessage({ id: job.id, spec: job.spec })
    }
  }

  /** Number of live worker threads. */
  get size(): number {
    return this.#all.length
  }

  /** Stop every worker; renders still queued or running fail. */
  async close(): Promise<void> {
    this.#closed = true
    this.#failQueued('the render pool was closed')
    for (const job of this.#running.values())
      job.reject(new PggraphError('RENDER', 'The graph was not rendered: the render pool was closed.'))
    this.#running.clear()
    await Promise.all(this.#all.splice(0).map((w) => w.terminate()))
    this.#idle.splice(0)
  }
}
