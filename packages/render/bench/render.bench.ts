// Render benchmarks, one run, ours against the baselines. Run from the repository root:
//   node --conditions=development --import tsx packages/render/bench/render.bench.ts
// 1. A 30-day, 1-minute, two-series chart (86,400 points): downsampled (ours) vs the same chart
//    with 500 points (the floor: Vega's fixed cost) vs naive Vega-Lite of every raw point.
// 2. A dashboard of every catalog graph: total time, growth with the number of graphs, 1 vs N workers.
import { availableParallelism } from 'node:os'
import { createRenderPool, graphNames, graphSpec, renderDashboard, renderGraph, type GraphName } from '../src/index.js'
import { DAY, MINUTE, syntheticSet, T0 } from '../test/fixtures.js'

const opts = { width: 800, height: 260 } as const

async function timeIt(runs: number, fn: () => Promise<unknown>): Promise<{ ms: number; result: unknown }> {
  let result: unknown
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    result = await fn()
    times.push(performance.now() - t0)
  }
  times.sort((a, b) => a - b)
  return { ms: times[Math.floor(times.length / 2)]!, result }
}

const kb = (s: unknown): string => `${((typeof s === 'string' ? s.length : 0) / 1024).toFixed(1)} KB`

// 1. The month chart.
const month = syntheticSet('database.transactions', { from: T0, to: T0 + 30 * DAY, step: MINUTE })
const rawPoints = month.series.reduce((n, s) => n + s.points.length, 0)
const floorStep = (30 * DAY) / 249
const floor = syntheticSet('database.transactions', { from: T0, to: T0 + 30 * DAY, step: floorStep })
const floorPoints = floor.series.reduce((n, s) => n + s.points.length, 0)

for (let i = 0; i < 5; i++) {
  await renderGraph('database.transactions', month, opts)
  await renderGraph('database.transactions', floor, opts)
}
// Interleaved, so the load of a shared machine hits both alike.
const oursTimes: number[] = []
const baseTimes: number[] = []
let oursSvg: unknown
let baseSvg: unknown
for (let i = 0; i < 21; i++) {
  let t0 = performance.now()
  oursSvg = await renderGraph('database.transactions', month, opts)
  oursTimes.push(performance.now() - t0)
  t0 = performance.now()
  baseSvg = await renderGraph('database.transactions', floor, opts)
  baseTimes.push(performance.now() - t0)
}
const median = (xs: number[]): number => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const ours = { ms: median(oursTimes), result: oursSvg }
const base = { ms: median(baseTimes), result: baseSvg }
const naive = await timeIt(3, () => renderGraph('database.transactions', month, { ...opts, downsample: false }))

const drawn = (graphSpec('database.transactions', month, opts)['layer'] as { data: { values: unknown[] } }[])[0]!.data
  .values.length
console.log(`\n### 30-day 1-minute chart, ${rawPoints.toLocaleString('en')} points, ${opts.width}×${opts.height}\n`)
console.log('| variant | points in | points drawn | median render | SVG size | vs floor | naive / ours |')
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |')
console.log(
  `| ours (min/max per pixel column) | ${rawPoints} | ${drawn} | ${ours.ms.toFixed(1)} ms | ${kb(ours.result)} | ${(ours.ms / base.ms).toFixed(2)}× | ${(naive.ms / ours.ms).toFixed(1)}× |`,
)
console.log(
  `| floor (${floorPoints} points) | ${floorPoints} | ${floorPoints} | ${base.ms.toFixed(1)} ms | ${kb(base.result)} | 1.00× | |`,
)
console.log(
  `| naive Vega-Lite, raw points | ${rawPoints} | ${rawPoints} | ${naive.ms.toFixed(1)} ms | ${kb(naive.result)} | ${(naive.ms / base.ms).toFixed(1)}× | 1.0× |`,
)

// 2. Dashboards.
const all = graphNames()
const dataByName = new Map(all.map((n) => [n, syntheticSet(n)]))
const dash = { width: 640, height: 220 } as const
const cores = availableParallelism()
const pick = (n: number): GraphName[] => Array.from({ length: n }, (_, i) => all[i % all.length]!)
const sizes = [all.length / 5, (2 * all.length) / 5, all.length, 2 * all.length].map(Math.round)
await renderDashboard(pick(10), dataByName, { ...dash, workers: 0 })
const pool = createRenderPool({ workers: 2 })
let t0 = performance.now()
await renderDashboard(pick(all.length), dataByName, { ...dash, pool })
const coldPool = performance.now() - t0
await renderDashboard(pick(2 * all.length), dataByName, { ...dash, pool })

console.log(`\n### Dashboard, one day of 1-minute data per graph, ${dash.width}×${dash.height}, ${cores} cores\n`)
console.log('| graphs | 1 thread | per graph | warm pool of 2 workers | per graph | speed-up |')
console.log('| ---: | ---: | ---: | ---: | ---: | ---: |')
for (const n of sizes) {
  const names = pick(n)
  // Interleaved runs, median of 5: the machine is shared, so both variants see the same load.
  const one: number[] = []
  const two: number[] = []
  for (let i = 0; i < 5; i++) {
    let t = performance.now()
    await renderDashboard(names, dataByName, { ...dash, workers: 0 })
    one.push(performance.now() - t)
    t = performance.now()
    await renderDashboard(names, dataByName, { ...dash, pool })
    two.push(performance.now() - t)
  }
  const a = median(one)
  const b = median(two)
  console.log(
    `| ${n} | ${a.toFixed(0)} ms | ${(a / n).toFixed(1)} ms | ${b.toFixed(0)} ms | ${(b / n).toFixed(1)} ms | ${(a / b).toFixed(2)}× |`,
  )
}
t0 = performance.now()
await renderDashboard(pick(all.length), dataByName, { ...dash, workers: 2 })
const oneOff = performance.now() - t0
await pool.close()
console.log(
  `\nFirst dashboard on a new pool (workers starting and warming up): ${coldPool.toFixed(0)} ms; one-off workers for one ${all.length}-graph dashboard: ${oneOff.toFixed(0)} ms.`,
)
