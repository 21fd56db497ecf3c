// Kept free of @pggraph/core imports at run time: render workers load this file directly.
import * as vega from 'vega'
import { compile, type TopLevelSpec } from 'vega-lite'
import { vegaTextWidth } from './text-width.js'

/**
 * Vega-Lite spec → Vega → headless view → raw SVG (ids not yet normalised). Text is measured
 * with DejaVu Sans metrics, never a canvas, so layout does not depend on the machine.
 * @internal
 */
export async function rawSvg(spec: object): Promise<string> {
  const metrics = (vega as unknown as { textMetrics: { width: unknown } }).textMetrics
  metrics.width = vegaTextWidth
  const vg = compile(spec as unknown as TopLevelSpec).spec
  const view = new vega.View(vega.parse(vg), { renderer: 'none' })
  try {
    return await view.toSVG()
  } finally {
    view.finalize()
  }
}
