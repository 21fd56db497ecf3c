import type { Requirement, SeriesEvent, SeriesSet, Unit } from '@pggraph/core'
import type { GraphDefinition, GraphGroup, GraphQuery } from '../graph.js'
import { barSpec, noDataSpec, timeseriesSpec, type Limit } from '../spec.js'
import { axisFormat } from '../units.js'
import type { LineBuilder } from './lines.js'

/** What every catalog graph declares. */
interface Common<N extends string> {
  readonly name: N
  readonly title: string
  readonly group: GraphGroup
  readonly description: string
  readonly queries: readonly GraphQuery[]
  readonly unit: Unit
  readonly per?: 'second' | 'minute' | 'hour'
  readonly axisTitle?: string
  readonly minServerVersion?: number
  readonly requires?: readonly Requirement[]
  /** When rows are expected at all, said in the "no data" panel (e.g. "only with standbys"). */
  readonly noDataHint?: string
}

/** A graph of lines or stacked areas over time. */
export interface TimeseriesConfig<N extends string> extends Common<N> {
  readonly mark?: 'line' | 'area'
  readonly lines: LineBuilder
  readonly limits?: readonly Limit[]
  /** y scale bounds, e.g. `{ zero: false, domainMax: 1 }` for a ratio near 100%. */
  readonly yScale?: { readonly zero?: boolean; readonly domainMax?: number }
}

/** A graph of horizontal bars computed from the series (not over time). */
export interface BarsConfig<N extends string> extends Common<N> {
  readonly bars: (sets: readonly SeriesSet[], queries: readonly GraphQuery[]) => { name: string; value: number }[]
  /** What an empty result means (e.g. "every index was used"). */
  readonly emptyReason: string
}

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

function common<N extends string>(c: Common<N>): Omit<GraphDefinition<N>, 'toSpec' | 'mark'> {
  return {
    name: c.name,
    title: c.title,
    group: c.group,
    description: c.description,
    queries: c.queries,
    unit: c.unit,
    ...(c.per ? { per: c.per } : {}),
    axisTitle: c.axisTitle ?? axisFormat(c.unit, c.per).title,
    ...(c.minServerVersion ? { minServerVersion: c.minServerVersion } : {}),
    ...(c.requires ? { requires: c.requires } : {}),
  }
}

/** Declare a time-series graph of the catalog (lines, or stacked areas with `mark: 'area'`). */
export function timeseries<const N extends string>(c: TimeseriesConfig<N>): GraphDefinition<N> {
  const base = common(c)
  const def: GraphDefinition<N> = {
    ...base,
    mark: c.mark ?? 'line',
    toSpec(data, options) {
      const range = rangeOf(data)
      const lines = c.lines(data, c.queries).filter((l) => l.points.some((p) => p.v !== null))
      if (!range || lines.length === 0) return noDataSpec(c.title, options.noDataReason ?? noDataReason(c), options)
      const fmt = axisFormat(c.unit, c.per)
      return timeseriesSpec(
        {
          title: c.title,
          description: c.description,
          ...range,
          lines,
          events: eventsOf(data),
          axis: { format: fmt.format, title: base.axisTitle },
          mark: c.mark ?? 'line',
          ...(c.limits ? { limits: c.limits } : {}),
          ...(c.yScale ? { yScale: c.yScale } : {}),
        },
        options,
      )
    },
  }
  return def
}

/** Declare a bar graph of the catalog (a ranked list computed over the whole range). */
export function bars<const N extends string>(c: BarsConfig<N>): GraphDefinition<N> {
  const base = common(c)
  return {
    ...base,
    mark: 'bar',
    toSpec(data, options) {
      const hasRows = data.some((s) => s.series.length > 0)
      const list = hasRows ? c.bars(data, c.queries) : []
      if (list.length === 0) {
        return noDataSpec(c.title, options.noDataReason ?? (hasRows ? c.emptyReason : noDataReason(c)), options)
      }
      const fmt = axisFormat(c.unit, c.per)
      return barSpec(
        { title: c.title, description: c.description, bars: list, axis: { format: fmt.format, title: base.axisTitle } },
        options,
      )
    },
  }
}
