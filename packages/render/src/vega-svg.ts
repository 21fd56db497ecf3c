import { PggraphError, type GraphSpec, type RenderOptions, type Renderer } from '@pggraph/core'
import { finishSvg } from './svg-finish.js'
import { rawSvg } from './vega-raw.js'

/** Title and description of a spec, for the SVG's `<title>` and `<desc>`. */
export function specText(spec: GraphSpec): { title: string; desc: string } {
  const t = spec['title']
  const title =
    typeof t === 'string'
      ? t
      : t && typeof t === 'object' && 'text' in t
        ? String((t as { text: unknown }).text)
        : 'pggraph graph'
  const d = spec['description']
  return { title, desc: typeof d === 'string' ? d : title }
}

/** Size the spec to the requested pixels (the whole image, axes and legend included). */
export function sizedSpec(spec: GraphSpec, options: RenderOptions): GraphSpec {
  return { ...spec, width: options.width, height: options.height, autosize: { type: 'fit', contains: 'padding' } }
}

/**
 * Vega-Lite spec → Vega → headless view → raw SVG (ids not yet normalised), as a
 * {@link PggraphError} `RENDER` when the spec does not compile. @internal
 */
export async function vegaLiteToSvg(spec: GraphSpec): Promise<string> {
  try {
    return await rawSvg(spec)
  } catch (err) {
    throw new PggraphError(
      'RENDER',
      `The graph could not be rendered: ${(err as Error).message}. Check the graph's toSpec.`,
      { cause: err },
    )
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
