import { Worker } from 'node:worker_threads'
import { PggraphError, type GraphSpec } from '@pggraph/core'

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
 * part), so dashboards use every core. Keep one for the life of a server: a worker costs a
 * fraction of a second to start and warm up. @internal
 */
export class WorkerPool {
  readonly #idle: Worker[] = []
  readonly #all: Worker[] = []
  readonly #queue: Job[] = []
  readonly #running = new Map<Worker, Job>()
  #next = 0

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      const w = startWorker()
      w.on('message', (msg: { id: number; svg?: string; error?: string }) => {
        const job = this.#running.get(w)
        this.#running.delete(w)
        if (job) {
          if (msg.svg !== undefined) job.resolve(msg.svg)
          else job.reject(new PggraphError('RENDER', msg.error ?? 'A render worker failed.'))
        }
        this.#idle.push(w)
        this.#pump()
      })
      w.on('error', (err) => {
        const job = this.#running.get(w)
        this.#running.delete(w)
        job?.reject(new PggraphError('RENDER', `A render worker crashed: ${err.message}`, { cause: err }))
      })
      this.#all.push(w)
      this.#idle.push(w)
    }
  }

  /** Render one spec on the next free worker. */
  run(spec: GraphSpec): Promise<string> {
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

  /** Number of worker threads. */
  get size(): number {
    return this.#all.length
  }

  /** Stop every worker. */
  async close(): Promise<void> {
    await Promise.all(this.#all.map((w) => w.terminate()))
  }
}
