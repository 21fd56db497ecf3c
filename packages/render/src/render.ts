import { PggraphError, type GraphSpec, type RenderOptions, type Renderer, type SeriesSet } from '@pggraph/core'
import type { GraphName } from './catalog/index.js'
import type { GraphDefinition, GraphSpecOptions } from './graph.js'
import { resolveGraph, type GraphData } from './load.js'
import { pngRenderer } from './png.js'
import { vegaSvgRenderer } from './vega-svg.js'

function isGraphData(data: SeriesSet | GraphData): data is GraphData {
  return 'sets' in data
}

/**
 * The Vega-Lite spec of a graph for these series, for a browser to embed with vega-embed or
 * for a custom renderer. `data` is a {@link GraphData} from {@link loadGraphData}, or a
 * {@link SeriesSet} holding the graph's series (matched by metric and column).
 */
export function graphSpec(
  graph: GraphName | GraphDefinition,
  data: SeriesSet | GraphData,
  options: GraphSpecOptions,
): GraphSpec {
  const def = resolveGraph(graph)
  const sets = isGraphData(data) ? data.sets : def.queries.map(() => data)
  const reason = options.noDataReason ?? (isGraphData(data) ? data.reason : undefined)
  const object = options.object ?? (isGraphData(data) ? data.object : undefined)
  return def.toSpec(sets, {
    ...options,
    ...(reason === undefined ? {} : { noDataReason: reason }),
    ...(object === undefined ? {} : { object }),
  })
}

/** Options of {@link renderGraph}: size, theme, output format or renderer, and data handling. */
export interface RenderGraphOptions extends GraphSpecOptions {
  /** `svg` (default) returns a string, `png` returns bytes. */
  readonly format?: 'svg' | 'png'
  /** PNG only: multiply the pixel size (2 for high-density screens). */
  readonly scale?: number
}

const svgRenderer = vegaSvgRenderer()

/**
 * Render a catalog graph (or your own {@link GraphDefinition}) to SVG or PNG, or with any
 * {@link Renderer} (`options.renderer`, in place of `format`). Same input, same bytes: times in
 * UTC, DejaVu Sans, stable ids, no clock reads.
 *
 * @example
 * ```ts
 * const svg = await renderGraph('database.transactions', set, { width: 800, height: 240, theme: 'light' })
 * const png = await renderGraph('database.transactions', set, { width: 800, height: 240, format: 'png' })
 * const json = await renderGraph('database.transactions', set, { width: 800, height: 240, renderer: vegaLiteRenderer() })
 * ```
 */
export function renderGraph<Out>(
  graph: GraphName | GraphDefinition,
  data: SeriesSet | GraphData,
  options: RenderGraphOptions & { renderer: Renderer<Out> },
): Promise<Out>
export function renderGraph(
  graph: GraphName | GraphDefinition,
  data: SeriesSet | GraphData,
  options: RenderGraphOptions & { format?: 'svg' },
): Promise<string>
export function renderGraph(
  graph: GraphName | GraphDefinition,
  data: SeriesSet | GraphData,
  options: RenderGraphOptions & { format: 'png' },
): Promise<Uint8Array>
export function renderGraph(
  graph: GraphName | GraphDefinition,
  data: SeriesSet | GraphData,
  options: RenderGraphOptions,
): Promise<string | Uint8Array>
export async function renderGraph(
  graph: GraphName | GraphDefinition,
  data: SeriesSet | GraphData,
  options: RenderGraphOptions & { renderer?: Renderer<unknown> },
): Promise<unknown> {
  if (options.renderer && (options.format !== undefined || options.scale !== undefined))
    throw new PggraphError(
      'CONFIG',
      'renderGraph takes a renderer or a format (and scale), not both: pass pngRenderer({ scale }) as the renderer.',
    )
  const spec = graphSpec(graph, data, options)
  const size: RenderOptions = {
    width: options.width,
    height: options.height,
    ...(options.theme ? { theme: options.theme } : {}),
  }
  const renderer =
    options.renderer ??
    (options.format === 'png' ? pngRenderer(options.scale === undefined ? {} : { scale: options.scale }) : svgRenderer)
  return renderer.render(spec, size)
}
