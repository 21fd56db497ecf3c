import type { Renderer } from '@pggraph/core'
import { sizedSpec } from './vega-svg.js'

/**
 * A renderer that returns the Vega-Lite spec itself as JSON, sized to the request, for a
 * browser to draw with vega-embed (interactive tooltips, its own fonts). Same input, same bytes.
 *
 * @example
 * ```ts
 * const json = await vegaLiteRenderer().render(graphSpec('wal.bytes', data, size), size)
 * // in the page: vegaEmbed('#wal', JSON.parse(json), { renderer: 'svg', actions: false })
 * ```
 */
export function vegaLiteRenderer(): Renderer<string> {
  return {
    name: 'vega-lite-json',
    mediaType: 'application/vnd.vegalite.v6+json',
    async render(spec, options) {
      return JSON.stringify(sizedSpec(spec, options))
    },
  }
}
