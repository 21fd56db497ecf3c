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
    name: VEGA_SVG,
    mediaType: SVG_MEDIA_TYPE,
    render: (spec, options) => renderSvg(spec, options, vegaLiteToSvg),
  }
}

/** Name and media type of the Vega SVG renderer, wherever Vega runs (this thread or a worker). @internal */
export const VEGA_SVG = 'vega-svg'
/** @internal */
export const SVG_MEDIA_TYPE = 'image/svg+xml'

/**
 * The Vega SVG renderer's steps around Vega itself: size the spec, have `raw` turn it into
 * Vega's SVG (in this thread or on a worker), and finish that (stable ids, `<title>`, `<desc>`).
 * @internal
 */
export async function renderSvg(
  spec: GraphSpec,
  options: RenderOptions,
  raw: (sized: GraphSpec) => Promise<string>,
): Promise<string> {
  const sized = sizedSpec(spec, options)
  const { title, desc } = specText(sized)
  return finishSvg(await raw(sized), title, desc)
}
