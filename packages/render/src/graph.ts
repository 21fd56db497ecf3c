import type { GraphSpec, RenderOptions, Requirement, SeriesQuery, SeriesSet, Unit } from '@pggraph/core'
import type { DownsampleMethod } from './downsample.js'

/** The sections of the catalog, in dashboard order. */
export const GRAPH_GROUPS = ['overview', 'activity', 'io', 'wal', 'tables', 'indexes', 'statements'] as const

/** A section of the catalog (a dashboard row). */
export type GraphGroup = (typeof GRAPH_GROUPS)[number]

/** The heading of each section of the catalog, as dashboards and docs show it. */
export const GRAPH_GROUP_TITLES: Readonly<Record<GraphGroup, string>> = {
  overview: 'Overview',
  activity: 'Activity',
  io: 'I/O & checkpoints',
  wal: 'WAL & replication',
  tables: 'Tables',
  indexes: 'Indexes',
  statements: 'Statements',
}

/**
 * What a graph reads: a {@link SeriesQuery} without its time range and resolution, which
 * {@link loadGraphData} adds. `C` narrows the column names when the metric's definition is known.
 */
export type GraphQuery<C extends string = string> = Omit<SeriesQuery, 'from' | 'to' | 'points' | 'columns'> & {
  readonly columns: readonly C[]
}

/** Options for turning series into a spec: the render size and theme, plus data handling. */
export interface GraphSpecOptions extends RenderOptions {
  /**
   * How series are reduced to the pixel width before Vega sees them (default `minmax`, which
   * keeps every peak); `false` hands Vega every point (slow on long ranges; for comparisons).
   */
  readonly downsample?: DownsampleMethod | false
  /** Explains an empty graph, e.g. from {@link loadGraphData}; replaces the default reason. */
  readonly noDataReason?: string
  /**
   * The one table or index the data was narrowed to (a drill-down), e.g. `app: public.orders`:
   * a graph with {@link GraphDefinition.single} words is then titled and described for it.
   */
  readonly object?: string
}

/** How a graph of many objects (the top tables) reads when drawn for one of them. */
export interface SingleObjectWords {
  /** The title without the object, e.g. `Sequential scans`; the object's name is appended. */
  readonly title: string
  readonly description: string
  /** For a bar graph: what an empty result means for this one object. */
  readonly emptyReason?: string
}

/**
 * One graph of the catalog: what it reads, how it is titled and labelled, and the function
 * from the series it read to a Vega-Lite spec.
 */
export interface GraphDefinition<N extends string = string> {
  /** Catalog key, `<area>.<what>`, e.g. `database.transactions`. */
  readonly name: N
  readonly title: string
  readonly group: GraphGroup
  /** One or two sentences: what the graph shows and when to look at it. */
  readonly description: string
  /** The series to read, in order; {@link GraphDefinition.toSpec} receives one set per query. */
  readonly queries: readonly GraphQuery[]
  /** Its title and description when drawn for one table or index (see {@link GraphSpecOptions.object}). */
  readonly single?: SingleObjectWords
  /** Unit of the y axis (after any rate or ratio the graph computes). */
  readonly unit: Unit
  /** Per-time unit of the y axis, when the graph shows rates. */
  readonly per?: 'second' | 'minute' | 'hour'
  /** The y axis title, e.g. `transactions/s`. */
  readonly axisTitle: string
  /** How values are drawn: lines, stacked areas, or horizontal bars (not over time). */
  readonly mark: 'line' | 'area' | 'bar'
  /** Lowest PostgreSQL major version that has this graph's statistics. */
  readonly minServerVersion?: number
  /** What the monitored server needs for this graph (an extension). */
  readonly requires?: readonly Requirement[]
  /**
   * The Vega-Lite spec for these series; `data[i]` answers `queries[i]`. A graph with no
   * points renders a "no data" panel that says why, never an empty axis.
   */
  toSpec(data: readonly SeriesSet[], options: GraphSpecOptions): GraphSpec
}
