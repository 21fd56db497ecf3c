/**
 * The graph catalog of pggraph and its renderers: series → downsampled to the pixel width →
 * Vega-Lite spec → deterministic, accessible SVG (or PNG).
 *
 * @packageDocumentation
 */
export { catalogGraphs, graphCatalog, graphNames, isGraphName, type GraphName } from './catalog/index.js'
export { WRAPAROUND_LIMIT } from './catalog/database.js'
export {
  timeseries,
  bars,
  noDataReason,
  type TimeseriesConfig,
  type BarsConfig,
  type BarsFunction,
} from './catalog/define.js'
export {
  byLabel,
  columns,
  ratio,
  deriveShape,
  type ByLabelOptions,
  type ColumnsOptions,
  type DerivedShape,
  type LineSource,
} from './catalog/source.js'
export { graphQuery, type GraphQueryOptions } from './catalog/query.js'
export {
  allLines,
  columnLines,
  combine,
  labelLines,
  labelText,
  ratioLine,
  scale,
  seriesOf,
  type ColumnLineOptions,
  type LabelLineOptions,
  type LineBuilder,
} from './catalog/lines.js'
export {
  GRAPH_GROUPS,
  GRAPH_GROUP_TITLES,
  type GraphDefinition,
  type GraphGroup,
  type GraphQuery,
  type GraphSpecOptions,
  type SingleObjectWords,
} from './graph.js'
export { downsample, type DownsampleMethod } from './downsample.js'
export {
  barSpec,
  noDataSpec,
  timeseriesSpec,
  type BarLayout,
  type Limit,
  type Line,
  type TimeseriesLayout,
} from './spec.js'
export { MARKER_BUDGET, budgetMarkers, mergeEvents, type Marker, type MarkerBand } from './markers.js'
export { FONT_FAMILY, FONT_STACK, themes, vegaConfig, type Theme, type ThemeName } from './theme.js'
export { axisFormat, type AxisFormat } from './units.js'
export { TIME_ZONE_NAME, Y_AXIS_EXTENT, ratioAxis, timeAxis, type RatioAxis, type TimeAxis } from './axes.js'
export { GAP_FACTOR, breakGaps, maxStep } from './gaps.js'
export { stackBands, type StackRow } from './stack.js'
export { dejavuWidth } from './text-width.js'
export { vegaSvgRenderer } from './vega-svg.js'
export { vegaLiteRenderer } from './vega-lite-renderer.js'
export { bundledFontFiles, pngRenderer, svgToPng } from './png.js'
export { loadGraphData, resolveGraph, type GraphData, type GraphRange } from './load.js'
export { graphSpec, renderGraph, type RenderGraphOptions } from './render.js'
export { createRenderPool, renderDashboard, type DashboardOptions, type RenderPool } from './dashboard.js'
