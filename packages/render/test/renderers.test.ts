// The built-in renderers pass the renderer conformance suite of @pggraph/render/testing.
import { createRenderPool, pngRenderer, vegaLiteRenderer, vegaSvgRenderer, type RenderPool } from '../src/index.js'
import { testRenderer } from '../src/testing.js'

testRenderer(() => vegaSvgRenderer())
testRenderer(() => vegaLiteRenderer())
testRenderer(() => pngRenderer())
testRenderer(() => pngRenderer({ scale: 2 }), {
  title: 'png, scale 2',
  graphs: ['database.transactions', 'activity.connections', 'indexes.unused'],
})
testRenderer(() => createRenderPool({ workers: 2 }), {
  title: 'vega-svg on a pool of 2 workers',
  close: (pool) => (pool as RenderPool).close(),
})
