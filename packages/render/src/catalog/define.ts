import type { MetricDefinition, RatePer, Requirement, SeriesEvent, SeriesSet, Unit, ValueOf } from '@pggraph/core'
import { MIN_SERVER_VERSION } from '@pggraph/core'
import type { GraphDefinition, GraphGroup, GraphQuery, GraphSpecOptions, SingleObjectWords } from '../graph.js'
import { barSpec, noDataSpec, timeseriesSpec, type Limit } from '../spec.js'
import { axisFormat } from '../units.js'
import type { LineBuilder } from './lines.js'
import { graphQuery } from './query.js'
import { columnShape, deriveShape, sinceOf, type LineSource } from './source.js'

/** What every graph declares for people: its name, words, and where it sits. */
interface Display<N extends string> {
  readonly name: N
  readonly title: string
  readonly group: GraphGroup
  readonly description: string
  /** The y axis title, when the unit's own words read worse (default: the unit, e.g. `bytes/s`). */
  readonly axisTitle?: string
  /** When rows are expected at all, said in the "no data" panel (e.g. "only with standbys"). */
  readonly noDataHint?: string
  /** Title and description when drawn for one table or index (a drill-down). */
  readonly single?: SingleObjectWords
}

/** The title and description of `c` for these options: of the one object when one is drawn. */
function wordsFor(c: Display<string>, options: GraphSpecOptions): { title: string; description: string } {
  if (options.object === undefined || !c.single) return { title: c.title, description: c.description }
  return { title: `${c.single.title} — ${options.object}`, description: c.single.description }
}

/**
 * What a graph reads and its unit, stated by hand: for series that do not come from a metric
 * definition. Graphs of definitions use line sources ({@link columns}, {@link byLabel},
 * {@link ratio}), which derive all of it.
 */
interface Stated {
  readonly queries: readonly GraphQuery[]
  readonly unit: Unit
  readonly per?: RatePer
  readonly minServerVersion?: number
  readonly requires?: readonly Requirement[]
}

/** How a time-series graph is drawn. */
interface Drawing {
  readonly mark?: 'line' | 'area'
  readonly limits?: readonly Limit[]
}

/**
 * A graph of lines or stacked areas over time. Either `lines` are line sources of metric
 * definitions (the graph then takes its queries, unit, rate, server version and requirements
 * from the definitions, and may only set display words), or a {@link LineBuilder} with the
 * queries and unit stated by hand.
 */
export type TimeseriesConfig<N extends string> =
  | (Display<N> & Drawing & { readonly lines: readonly LineSource[] })
  | (Display<N> & Drawing & Stated & { readonly lines: LineBuilder })

/** The ranked list a bar graph draws. */
export type BarsFunction = (
  sets: readonly SeriesSet[],
  queries: readonly GraphQuery[],
) => { name: string; value: number }[]

/**
 * A graph of horizontal bars computed from the series (not over time). Either it reads columns
 * of a metric definition and its bars carry the unit of `value`, or queries and unit are stated
 * by hand.
 */
export type BarsConfig<N extends string, D extends MetricDefinition = MetricDefinition> = Display<N> & {
  readonly bars: BarsFunction
  /** What an empty result means (e.g. "every index was used"). */
  readonly emptyReason: string
} & (
    | {
        readonly metric: D
        readonly columns: readonly ValueOf<D>[]
        /** The column whose values the bars show (its unit is the axis's). */
        readonly value: ValueOf<D>
      }
    | Stated
  )

/**
 * The default "no data: why" text of a graph, from what it declares: the server version it
 * needs, the extension it needs, and the metric it reads.
 */
export function noDataReason(
  def: Pick<GraphDefinition, 'queries' | 'minServerVersion' | 'requires'> & { readonly noDataHint?: string },
): string {
  const metrics = [...new Set(def.queries.map((q) => q.metric))].join(', ')
  const why: string[] = [`No ${metrics} rows were collected in this time range.`]
  if (def.noDataHint) why.push(def.noDataHint)
  if (def.minServerVersion) why.push(`This graph needs PostgreSQL ${def.minServerVersion} or newer.`)
  for (const r of def.requires ?? []) {
    if ('extension' in r) {
      why.push(
        `It needs the ${r.extension} extension: add it to shared_preload_libraries and run CREATE EXTENSION ${r.extension}.`,
      )
    } else why.push(`The collector's role needs ${r.privilege} (pg_monitor includes it).`)
  }
  if (!def.minServerVersion && !def.requires?.some((r) => 'extension' in r)) {
    why.push('Check that the collector ran during this range' + (def.requires?.length ? ' with that privilege.' : '.'))
  }
  return why.join(' ')
}

function rangeOf(sets: readonly SeriesSet[]): { from: number; to: number } | undefined {
  if (sets.length === 0) return undefined
  return { from: Math.min(...sets.map((s) => s.from)), to: Math.max(...sets.map((s) => s.to)) }
}

/** The times any of `sets` was collected (for stacked areas), or `undefined` when none says. */
function collectedOf(sets: readonly SeriesSet[]): number[] | undefined {
  const told = sets.filter((s) => s.collectedAt !== undefined)
  if (told.length === 0) return undefined
  return [...new Set(told.flatMap((s) => s.collectedAt!))].sort((a, b) => a - b)
}

function eventsOf(sets: readonly SeriesSet[]): SeriesEvent[] {
  const seen = new Set<string>()
  const out: SeriesEvent[] = []
  for (const set of sets) {
    for (const e of set.events) {
      const key = `${e.t}|${e.kind}|${e.label}`
      if (seen.has(key)) continue
      seen.add(key)
      out.push(e)
    }
  }
  return out
}

type Shape = Omit<GraphDefinition, 'name' | 'title' | 'group' | 'description' | 'toSpec' | 'mark' | 'axisTitle'>

function common<N extends string>(c: Display<N>, shape: Shape): Omit<GraphDefinition<N>, 'toSpec' | 'mark'> {
  return {
    name: c.name,
    title: c.title,
    group: c.group,
    description: c.description,
    ...(c.single ? { single: c.single } : {}),
    queries: shape.queries,
    unit: shape.unit,
    ...(shape.per ? { per: shape.per } : {}),
    axisTitle: c.axisTitle ?? axisFormat(shape.unit, shape.per).title,
    ...(shape.minServerVersion ? { minServerVersion: shape.minServerVersion } : {}),
    ...(shape.requires?.length ? { requires: shape.requires } : {}),
  }
}

function stated(c: Partial<Stated>): Shape {
  return {
    queries: c.queries ?? [],
    unit: c.unit ?? 'count',
    ...(c.per ? { per: c.per } : {}),
    ...(c.minServerVersion ? { minServerVersion: c.minServerVersion } : {}),
    ...(c.requires ? { requires: c.requires } : {}),
  }
}

/**
 * Declare a time-series graph of the catalog (lines, or stacked areas with `mark: 'area'`).
 *
 * @example
 * ```ts
 * timeseries({
 *   name: 'database.transactions', title: 'Transactions per second', group: 'overview',
 *   description: 'Committed and rolled back transactions per second.',
 *   lines: [columns(pgStatDatabase, { xact_commit: 'commit', xact_rollback: 'rollback' }, { sum: true })],
 * })
 * ```
 */
export function timeseries<const N extends string>(c: TimeseriesConfig<N>): GraphDefinition<N> {
  const sources = typeof c.lines === 'function' ? undefined : c.lines
  const shape = sources ? deriveShape(c.name, sources) : stated(c as Stated)
  const build: LineBuilder = sources
    ? (data) => sources.flatMap((s, i) => s.lines(data[i] ?? { from: 0, to: 0, series: [], events: [] }))
    : (c.lines as LineBuilder)
  const mark = c.mark ?? 'line'
  // A stacked graph asks when its metric was collected: a snapshot without rows is 0, not a gap.
  const read: Shape =
    mark === 'area' ? { ...shape, queries: shape.queries.map((q) => ({ ...q, collectedAt: true })) } : shape
  const base = common(c, read)
  const why = { ...shape, ...(c.noDataHint ? { noDataHint: c.noDataHint } : {}) }
  const def: GraphDefinition<N> = {
    ...base,
    mark,
    toSpec(data, options) {
      const range = rangeOf(data)
      const lines = build(data, read.queries).filter((l) => l.points.some((p) => p.v !== null))
      const words = wordsFor(c, options)
      if (!range || lines.length === 0)
        return noDataSpec(words.title, options.noDataReason ?? noDataReason(why), options)
      const fmt = axisFormat(shape.unit, shape.per)
      const collected = mark === 'area' ? collectedOf(data) : undefined
      return timeseriesSpec(
        {
          ...words,
          ...range,
          lines,
          events: eventsOf(data),
          axis: { format: fmt.format, title: base.axisTitle },
          mark,
          ...(c.limits ? { limits: c.limits } : {}),
          ...(collected ? { collectedAt: collected } : {}),
          ...(shape.unit === 'ratio' ? { ratio: true } : {}),
        },
        options,
      )
    },
  }
  return def
}

function barsShape(c: BarsConfig<string>): Shape {
  if (!('metric' in c)) return stated(c)
  const value = columnShape(c.metric, [c.value])
  const since = sinceOf(c.metric, c.columns)
  return {
    queries: [graphQuery(c.metric, c.columns)],
    unit: value.unit,
    ...(value.per ? { per: value.per } : {}),
    ...(since > MIN_SERVER_VERSION ? { minServerVersion: since } : {}),
    ...(c.metric.requires?.length ? { requires: c.metric.requires } : {}),
  }
}

/** Declare a bar graph of the catalog (a ranked list computed over the whole range). */
export function bars<const N extends string, const D extends MetricDefinition = MetricDefinition>(
  c: BarsConfig<N, D>,
): GraphDefinition<N> {
  const shape = barsShape(c as BarsConfig<string>)
  const base = common(c, shape)
  const why = { ...shape, ...(c.noDataHint ? { noDataHint: c.noDataHint } : {}) }
  return {
    ...base,
    mark: 'bar',
    toSpec(data, options) {
      const hasRows = data.some((s) => s.series.length > 0)
      const list = hasRows ? c.bars(data, shape.queries) : []
      const words = wordsFor(c, options)
      if (list.length === 0) {
        return noDataSpec(
          words.title,
          options.noDataReason ??
            (hasRows ? (options.object !== undefined && c.single?.emptyReason) || c.emptyReason : noDataReason(why)),
          options,
        )
      }
      const fmt = axisFormat(shape.unit, shape.per)
      return barSpec({ ...words, bars: list, axis: { format: fmt.format, title: base.axisTitle } }, options)
    },
  }
}
