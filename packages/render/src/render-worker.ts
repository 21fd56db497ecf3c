// A worker thread of WorkerPool: Vega-Lite spec in, raw SVG out.
import { parentPort } from 'node:worker_threads'
import { rawSvg } from './vega-raw.js'

parentPort?.on('message', (msg: { id: number; spec: object }) => {
  rawSvg(msg.spec).then(
    (svg) => parentPort?.postMessage({ id: msg.id, svg }),
    (err: unknown) => parentPort?.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) }),
  )
})
