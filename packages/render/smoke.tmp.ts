import { compile } from 'vega-lite'
import * as vega from 'vega'
import { graphSpec } from './src/index.js'
import { finishSvg } from './src/svg-finish.js'
import { vegaTextWidth } from './src/text-width.js'
import { syntheticSet, T0, DAY, MINUTE } from './test/fixtures.js'
;(vega as any).textMetrics.width = vegaTextWidth
const month = syntheticSet('database.transactions', { from: T0, to: T0 + 30 * DAY, step: MINUTE })
const floor = syntheticSet('database.transactions', { from: T0, to: T0 + 30 * DAY, step: 30 * DAY / 249 })
for (const [name, set] of [['month', month], ['floor', floor]] as const) {
  const acc = { spec: 0, compile: 0, view: 0, svg: 0, finish: 0 }
  for (let i = 0; i < 40; i++) { if (i === 20) for (const k in acc) (acc as any)[k] = 0
    let t = performance.now()
    const spec = graphSpec('database.transactions', set, { width: 800, height: 260 })
    acc.spec += performance.now() - t; t = performance.now()
    const vg = compile(spec as any).spec
    acc.compile += performance.now() - t; t = performance.now()
    const view = new vega.View(vega.parse(vg), { renderer: 'none' })
    await view.runAsync()
    acc.view += performance.now() - t; t = performance.now()
    const svg = await view.toSVG()
    acc.svg += performance.now() - t; t = performance.now()
    finishSvg(svg, 'x', 'y')
    acc.finish += performance.now() - t
    view.finalize()
  }
  console.log(name, Object.fromEntries(Object.entries(acc).map(([k, v]) => [k, (v / 20).toFixed(2)])))
}
