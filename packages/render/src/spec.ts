import type { GraphSpec, SeriesEvent, SeriesPoint } from '@pggraph/core'
import { ratioAxis, timeAxis, valueAxis, Y_AXIS_EXTENT } from './axes.js'
import { downsample, downsampleToGrid } from './downsample.js'
import { breakGaps, GAP_FACTOR, maxStep } from './gaps.js'
import type { GraphSpecOptions } from './graph.js'
import { budgetMarkers, eventLayers, markerDescription, mergeEvents } from './markers.js'
import { dejavuWidth } from './text-width.js'
import { stackBands } from './stack.js'
import { themes, vegaConfig, type Theme } from './theme.js'
import type { AxisFormat } from './units.js'
import { utcMinute } from './utc-minute.js'

/** One named line of a graph, before downsampling. */
export interface Line {
  readonly name: string
  readonly points: readonly SeriesPoint[]
}

/** A horizontal line drawn across a graph, e.g. the transaction ID wraparound limit. */
export interface Limit {
  readonly value: number
  readonly label: string
}

/** Everything {@link timeseriesSpec} needs besides the render options. */
export interface TimeseriesLayout {
  readonly title: string
  readonly description: string
  readonly from: number
  readonly to: number
  readonly lines: readonly Line[]
  readonly events: readonly SeriesEvent[]
  readonly axis: AxisFormat
  readonly mark: 'line' | 'area'
  readonly limits?: readonly Limit[]
  /**
   * A ratio (0–1, shown in %): the y axis is fitted to the data's range, with ticks and decimals
   * from it (99.90%, 99.95%) and values clamped to the plot (see {@link ratioAxis}).
   */
  readonly ratio?: boolean
  /**
   * Stacked areas: when the metric was collected (a series set's `collectedAt`). At such a time
   * with no band reading (a snapshot with no row: no lock held) every band is drawn at 0, not
   * left out; times not listed keep the gap rule. See {@link stackBands}.
   */
  readonly collectedAt?: readonly number[]
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json'
/** Room the y axis and padding take from the width, so buckets match plot pixels closely. */
const AXIS_ALLOWANCE = 70

/**
 * Pixel-column buckets per line. A graph gets a budget of about two points per pixel column in
 * total: one line gets min and max of every column; two lines get min and max of every second
 * column each (still every peak, placed within a pixel); more lines or stacked areas (whose paths
 * carry two edges) get fewer, never below a quarter of the width. Vega's cost grows with the
 * points it draws, and so does the SVG, so this keeps both near the fixed cost of a graph.
 */
export function bucketsPerLine(plotWidth: number, lines: number, mark: 'line' | 'area'): number {
  const share = plotWidth / Math.max(1, lines) / (mark === 'area' ? 2 : 1)
  return Math.round(Math.min(plotWidth, Math.max(plotWidth / 4, share)))
}

/** Legend columns that fit the width, from the widest name measured in DejaVu Sans. */
function legendLayout(names: readonly string[], width: number): { columns: number; labelLimit: number } {
  const labelLimit = Math.max(80, Math.floor(width - 60))
  const widest = Math.min(labelLimit, Math.max(0, ...names.map((n) => dejavuWidth(n, 11))))
  const columns = Math.max(1, Math.min(names.length, Math.floor((width - 16) / (widest + 36))))
  return { columns, labelLimit }
}

function themeOf(options: GraphSpecOptions): Theme {
  return themes[options.theme ?? 'light']
}

function frame(title: string, description: string, options: GraphSpecOptions): Record<string, unknown> {
  return {
    $schema: SCHEMA,
    title: { text: title },
    description,
    width: options.width,
    height: options.height,
    autosize: { type: 'fit', contains: 'padding' },
    config: vegaConfig(themeOf(options)),
  }
}

function limitLayers(limits: readonly Limit[], theme: Theme): Record<string, unknown>[] {
  if (limits.length === 0) return []
  const y = { field: 'value', type: 'quantitative' }
  return [
    { data: { values: limits }, mark: { type: 'rule', color: theme.limit, strokeWidth: 1.5 }, encoding: { y } },
    {
      data: { values: limits },
      mark: { type: 'text', align: 'right', baseline: 'bottom', dy: -2, fontSize: 10, color: theme.limit },
      encoding: { y, x: { value: { expr: 'width' } }, text: { field: 'label' } },
    },
  ]
}

/**
 * A Vega-Lite spec of lines (or stacked areas) over time in UTC, with restart and stats-reset
 * markers, optional limit lines, and every series downsampled to the pixel width first.
 */
export function timeseriesSpec(layout: TimeseriesLayout, options: GraphSpecOptions): GraphSpec {
  const theme = themeOf(options)
  const method = options.downsample ?? 'minmax'
  const plotWidth = Math.max(50, options.width - AXIS_ALLOWANCE)
  const buckets = bucketsPerLine(plotWidth, layout.lines.length, layout.mark)
  const names = layout.lines.map((l) => l.name)
  // Snapshots without a row of a stacked metric are readings of 0 in every band.
  const collected = layout.mark === 'area' ? (layout.collectedAt ?? []) : []
  // Gaps are judged on the readings as collected, before downsampling merges them.
  const max = maxStep([...layout.lines.map((l) => l.points), collected.map((t) => ({ t, v: 0 }))])
  const rows: { t: number; v: number | null; s: string }[] = []
  const lonely: { t: number; v: number; s: string }[] = []
  if (layout.mark === 'area') {
    // Stacked areas share one time grid (see downsampleToGrid), unless every series is already small.
    const grid = method !== false && (collected.length > buckets || layout.lines.some((l) => l.points.length > buckets))
    const bands = layout.lines.map((l) => ({
      name: l.name,
      points: grid ? downsampleToGrid(l.points, layout.from, layout.to, buckets) : l.points,
    }))
    // On the grid, a gap is judged in grid columns: a column without readings is empty, not a gap.
    const gridMax = grid ? Math.max(max, ((layout.to - layout.from) / buckets) * GAP_FACTOR) : max
    const times = grid
      ? downsampleToGrid(
          collected.map((t) => ({ t, v: 0 })),
          layout.from,
          layout.to,
          buckets,
        ).map((p) => p.t)
      : collected
    rows.push(...stackBands(bands, gridMax, times))
  } else {
    for (const line of layout.lines) {
      const broken = breakGaps(line.points, max)
      const pts = method === false ? broken : downsample(broken, buckets, method)
      for (const p of pts) rows.push({ t: p.t, v: p.v, s: line.name })
      for (const p of isolated(pts)) lonely.push({ t: p.t, v: p.v, s: line.name })
    }
  }
  const time = timeAxis(layout.from, layout.to, plotWidth)
  const ratio = layout.ratio ? ratioAxis(rows.map((r) => r.v).filter((v): v is number => v !== null)) : undefined
  const { markers, band } = budgetMarkers(
    mergeEvents(layout.events, layout.from, layout.to, ((layout.to - layout.from) / plotWidth) * 40),
  )
  const main = {
    // Times are epoch milliseconds already: no per-row date parsing (a utc scale takes numbers).
    data: { values: rows, format: { parse: null } },
    mark:
      layout.mark === 'area'
        ? { type: 'area', opacity: 0.85, invalid: 'break-paths-show-path-domains' }
        : { type: 'line', strokeWidth: 1.5, invalid: 'break-paths-show-path-domains' },
    encoding: {
      x: {
        field: 't',
        type: 'temporal',
        scale: { type: 'utc', domain: [layout.from, layout.to] },
        axis: { title: time.title, format: time.format, tickCount: time.tickCount, labelOverlap: true, grid: false },
      },
      y: {
        // Stacked areas are stacked here (stackBands), not by Vega: a band missing from a
        // snapshot is 0 there, and a gap is a gap in every band.
        field: layout.mark === 'area' ? 'y1' : 'v',
        type: 'quantitative',
        axis: valueAxis(ratio ? { ...layout.axis, format: ratio.format } : layout.axis, {
          minExtent: Y_AXIS_EXTENT,
          maxExtent: Y_AXIS_EXTENT,
          ...(ratio ? { values: ratio.ticks } : {}),
        }),
        ...(ratio ? { scale: { domain: ratio.domain, clamp: true, zero: false, nice: false } } : {}),
        stack: null,
      },
      ...(layout.mark === 'area' ? { y2: { field: 'y0' } } : {}),
      color: {
        field: 's',
        type: 'nominal',
        // A scale domain orders the legend without a per-row sort formula.
        scale: { domain: names },
        legend: {
          title: null,
          symbolType: layout.mark === 'area' ? 'square' : 'stroke',
          ...legendLayout(names, options.width),
        },
      },
    },
  }
  const description =
    `${layout.description} From ${utcMinute(layout.from)} to ${utcMinute(layout.to)}. ` +
    `Series: ${names.join(', ')}.` +
    markerDescription(markers, band)
  return {
    ...frame(layout.title, description, options),
    layer: [
      main,
      ...(lonely.length > 0 && layout.mark === 'line' ? [pointLayer(lonely)] : []),
      ...limitLayers(layout.limits ?? [], theme),
      ...eventLayers(markers, band, layout.from, layout.to, plotWidth, theme),
    ],
  }
}

/**
 * Points with no neighbour to draw a line to (a series with one reading, or one reading between
 * two gaps): a line mark would draw nothing for them.
 */
function isolated(points: readonly SeriesPoint[]): { t: number; v: number }[] {
  const out: { t: number; v: number }[] = []
  points.forEach((p, i) => {
    if (p.v === null) return
    const before = points[i - 1]
    const after = points[i + 1]
    if ((!before || before.v === null) && (!after || after.v === null)) out.push({ t: p.t, v: p.v })
  })
  return out
}

function pointLayer(values: { t: number; v: number; s: string }[]): Record<string, unknown> {
  return {
    data: { values, format: { parse: null } },
    mark: { type: 'point', filled: true, size: 18, opacity: 1 },
    encoding: {
      x: { field: 't', type: 'temporal' },
      y: { field: 'v', type: 'quantitative' },
      color: { field: 's', type: 'nominal' },
    },
  }
}

/** Everything {@link barSpec} needs: named values drawn as horizontal bars. */
export interface BarLayout {
  readonly title: string
  readonly description: string
  readonly bars: readonly { readonly name: string; readonly value: number }[]
  readonly axis: AxisFormat
}

/** A Vega-Lite spec of horizontal bars (largest first), for lists such as unused indexes. */
export function barSpec(layout: BarLayout, options: GraphSpecOptions): GraphSpec {
  const theme = themeOf(options)
  const description = `${layout.description} ${layout.bars.map((b) => b.name).join(', ')}.`
  return {
    ...frame(layout.title, description, options),
    data: { values: layout.bars.map((b) => ({ s: b.name, v: b.value })) },
    mark: {
      type: 'bar',
      color: theme.palette[0],
      height: Math.max(2, Math.min(18, Math.floor((0.7 * (options.height - 60)) / Math.max(1, layout.bars.length)))),
    },
    encoding: {
      y: {
        field: 's',
        type: 'nominal',
        sort: '-x',
        axis: { title: null, labelLimit: Math.round(options.width * 0.4) },
      },
      x: {
        field: 'v',
        type: 'quantitative',
        axis: valueAxis(layout.axis),
      },
    },
  }
}

/** Split `text` into lines of at most `max` characters at spaces. */
function wrap(text: string, max: number): string[] {
  const lines: string[] = []
  let cur = ''
  for (const word of text.split(/\s+/)) {
    if (cur && cur.length + 1 + word.length > max) {
      lines.push(cur)
      cur = word
    } else cur = cur ? `${cur} ${word}` : word
  }
  if (cur) lines.push(cur)
  return lines
}

/**
 * The "no data" panel: the graph's title and a plain sentence saying why there is nothing to
 * draw (older server, missing extension, no rows in the range), instead of an empty axis.
 */
export function noDataSpec(title: string, reason: string, options: GraphSpecOptions): GraphSpec {
  const theme = themeOf(options)
  const config = vegaConfig(theme)
  const lines = wrap(reason, Math.max(20, Math.floor(options.width / 7)))
  return {
    ...frame(title, `No data: ${reason}`, options),
    config: { ...config, view: { stroke: theme.grid, strokeDash: [4, 4] } },
    data: { values: [{}] },
    layer: [
      {
        mark: { type: 'text', fontSize: 14, fontWeight: 'bold', color: theme.foreground, baseline: 'bottom' },
        encoding: {
          text: { value: 'No data' },
          x: { value: { expr: 'width / 2' } },
          y: { value: { expr: 'height / 2 - 4' } },
        },
      },
      {
        mark: { type: 'text', fontSize: 11, color: theme.muted, baseline: 'top', lineHeight: 15 },
        encoding: {
          text: { value: lines },
          x: { value: { expr: 'width / 2' } },
          y: { value: { expr: 'height / 2 + 4' } },
        },
      },
    ],
  }
}
