import { PggraphError, type GraphSpec, type RenderOptions, type Renderer } from '@pggraph/core'
import * as vega from 'vega'
import { compile, type TopLevelSpec } from 'vega-lite'
import { finishSvg } from './svg-finish.js'
import { vegaTextWidth } from './text-width.js'

/** Title and description of a spec, for the SVG's `<title>` and `<desc>`. */
export function specText(spec: GraphSpec): { title: string; desc: string } {
  const t = spec['title']
  const title = typeof t === 'string' ? t : t && typeof t === 'object' && 'text' in t ? String((t as { text: unknown }).text) : 'pggraph graph'
  const d = spec['description']
  return { title, desc: typeof d === 'string' ? d : title }
}

/** Size the spec to the requested pixels (the whole image, axes and legend included). */
export function sizedSpec(spec: GraphSpec, options: RenderOptions): GraphSpec {
  return { ...spec, width: options.width, height: options.height, autosize: { type: 'fit', contains: 'padding' } }
}

/**
 * Vega-Lite spec → Vega → headless view → raw SVG (ids not yet normalised). Text is measured
 * with DejaVu Sans metrics, never a canvas, so layout does not depend on the machine.
 * @internal
 */
export async function vegaLiteToSvg(spec: GraphSpec): Promise<string> {
  const metrics = (vega as unknown as { textMetrics: { width: unknown } }).textMetrics
  metrics.width = vegaTextWidth
  let vg
  try {
    vg = compile(spec as unknown as TopLevelSpec).spec
  } catch (err) {
    throw new PggraphError('RENDER', `The Vega-Lite spec does not compile: ${(err as Error).message}. Check the graph's toSpec.`, { cause: err })
  }
  const view = new vega.View(vega.parse(vg), { renderer: 'none' })
  try {
    return await view.toSVG()
  } finally {
    view.finalize()
  }
}

/**
 * The default renderer: a Vega-Lite spec to a deterministic, accessible SVG string (UTC
 * times, DejaVu Sans, stable ids, `<title>` and `<desc>`).
 *
 * @example
 * ```ts
 * const svg = await vegaSvgRenderer().render(graphSpec('database.transactions', set, opts), opts)
 * ```
 */
export function vegaSvgRenderer(): Renderer<string> {
  return {
    name: 'vega-svg',
    mediaType: 'image/svg+xml',
    async render(spec, options) {
      const sized = sizedSpec(spec, options)
      const { title, desc } = specText(sized)
      return finishSvg(await vegaLiteToSvg(sized), title, desc)
    },
  }
}
