import type { LabelOf, MetricDefinition, RatePer, Requirement, SeriesSet, Unit, ValueOf } from '@pggraph/core'
import { MIN_SERVER_VERSION, PggraphError, definitionMinVersion } from '@pggraph/core'
import type { GraphQuery } from '../graph.js'
import type { Line } from '../spec.js'
import { columnLines, labelLines, ratioLine, type LabelLineOptions } from './lines.js'
import { graphQuery } from './query.js'

/**
 * What a graph draws from one query of one metric definition: the query, the lines built from
 * its series, and what the definition says about them (unit, rate, first server version,
 * requirements). Made by {@link columns}, {@link byLabel} or {@link ratio}, which take typed
 * columns of a definition: the graph never restates a unit, a counter/gauge kind or a version.
 */
export interface LineSource {
  readonly query: GraphQuery
  /** The metric definition the lines come from. */
  readonly definition: MetricDefinition
  /** The unit of the lines: the columns' unit, or `ratio` for a ratio of two columns. */
  readonly unit: Unit
  /** Counters are drawn as rates per this time unit (the columns' `per`, default second); gauges have none. */
  readonly per?: RatePer
  /** Lowest server major version where the lines exist (the metric's, or its newest-needed column's). */
  readonly since: number
  /** What the monitored server needs for these lines (the metric's requirements). */
  readonly requires: readonly Requirement[]
  /** The lines, from the set this source's query returned. */
  lines(set: SeriesSet): Line[]
}

const SCALE: Record<RatePer, number> = { second: 1, minute: 60, hour: 3600 }

function valueColumns(def: MetricDefinition, columns: readonly string[]) {
  if (columns.length === 0) throw new PggraphError('CONFIG', `A graph of ${def.name} needs at least one column.`)
  return columns.map((c) => {
    const v = def.values[c]
    if (!v) throw new PggraphError('CONFIG', `Metric ${def.name} has no value column "${c}".`)
    return { name: c, ...v }
  })
}

/** Lowest server major version where any of `columns` of `def` exists. */
export function sinceOf(def: MetricDefinition, columns: readonly string[]): number {
  const cols = valueColumns(def, columns)
  return Math.max(definitionMinVersion(def), Math.min(...cols.map((c) => c.since ?? MIN_SERVER_VERSION)))
}

/**
 * The common unit and rate of `columns` of `def`, and where they exist; columns of different
 * units, kinds or rates cannot share an axis (a definition error, thrown when the graph is declared).
 */
export function columnShape(
  def: MetricDefinition,
  columns: readonly string[],
): { unit: Unit; per?: RatePer; since: number } {
  const cols = valueColumns(def, columns)
  const first = cols[0]!
  for (const c of cols) {
    if (c.unit !== first.unit || c.kind !== first.kind || (c.per ?? 'second') !== (first.per ?? 'second')) {
      throw new PggraphError(
        'CONFIG',
        `Columns ${first.name} (${first.kind}, ${first.unit}) and ${c.name} (${c.kind}, ${c.unit}) of ${def.name} cannot share an axis: draw them in separate graphs.`,
      )
    }
  }
  const since = sinceOf(def, columns)
  return first.kind === 'counter'
    ? { unit: first.unit, per: first.per ?? 'second', since }
    : { unit: first.unit, since }
}

function source(
  def: MetricDefinition,
  query: GraphQuery,
  shape: { unit: Unit; per?: RatePer; since: number },
  lines: (set: SeriesSet, query: GraphQuery) => Line[],
): LineSource {
  return {
    query,
    definition: def,
    unit: shape.unit,
    ...(shape.per ? { per: shape.per } : {}),
    since: shape.since,
    requires: def.requires ?? [],
    lines: (set) => lines(set, query),
  }
}

/** Options of {@link columns}. */
export interface ColumnsOptions<D extends MetricDefinition> {
  /** Add up every label set of a column into one line (e.g. all databases), in the store. */
  readonly sum?: boolean
  /** Only rows with these label values. */
  readonly where?: Partial<Record<LabelOf<D>, string>>
  /** Without `sum`, label keys naming each line after the column's label (e.g. the standby's name). */
  readonly labelKeys?: readonly LabelOf<D>[]
}

/**
 * One line per column of `def`, named by `names` (a display label per column; a misspelt
 * column does not compile). The unit, the rate and the server version come from the columns.
 *
 * @example
 * ```ts
 * columns(pgStatDatabase, { xact_commit: 'commit', xact_rollback: 'rollback' }, { sum: true })
 * ```
 */
export function columns<const D extends MetricDefinition, const K extends ValueOf<D>>(
  def: D,
  names: { readonly [C in K]: string },
  options: ColumnsOptions<D> = {},
): LineSource {
  const cols = Object.keys(names) as K[]
  const shape = columnShape(def, cols)
  const query = graphQuery(def, cols, {
    ...(options.where ? { labels: options.where } : {}),
    ...(options.sum ? { aggregate: 'sum' as const } : {}),
  })
  const build = columnLines(names as Readonly<Record<string, string>>, {
    scale: SCALE[shape.per ?? 'second'],
    ...(options.sum ? { sum: true } : {}),
    ...(options.labelKeys ? { labelKeys: options.labelKeys } : {}),
  })
  return source(def, query, shape, (set, q) => build([set], [q]))
}

/** Options of {@link byLabel}. */
export interface ByLabelOptions<D extends MetricDefinition> extends Pick<LabelLineOptions, 'op' | 'empty' | 'nameOf'> {
  /** Only rows with these label values. */
  readonly where?: Partial<Record<LabelOf<D>, string>>
  /**
   * Keep the `top` label sets by the average of the first column (the store ranks them), leaving
   * out the collector's `(other)` row.
   */
  readonly top?: number
}

/**
 * One line per distinct value of the label `keys` of `def` (e.g. per `state`, per table),
 * combining the rest; the unit, rate and version come from the columns.
 *
 * @example
 * ```ts
 * byLabel(pgStatActivity, ['backends'], ['state'], { where: { backend_type: 'client backend' } })
 * byLabel(pgStatUserTables, ['seq_scan'], ['datname', 'schemaname', 'relname'], { top: 10 })
 * ```
 */
export function byLabel<const D extends MetricDefinition, const C extends ValueOf<D>>(
  def: D,
  cols: readonly [C, ...C[]],
  keys: readonly LabelOf<D>[],
  options: ByLabelOptions<D> = {},
): LineSource {
  const shape = columnShape(def, cols)
  const query = graphQuery(def, cols, {
    ...(options.where ? { labels: options.where } : {}),
    ...(options.top !== undefined ? { top: { n: options.top + 1, by: cols[0] } } : {}),
  })
  const build = labelLines(cols, keys, {
    scale: SCALE[shape.per ?? 'second'],
    ...(options.op ? { op: options.op } : {}),
    ...(options.empty ? { empty: options.empty } : {}),
    ...(options.nameOf ? { nameOf: options.nameOf } : {}),
    ...(options.top !== undefined ? { skipOther: true, limit: options.top } : {}),
  })
  return source(def, query, shape, (set, q) => build([set], [q]))
}

/**
 * One line, `part / (part + rest)` of two columns of `def` summed over every label set (a hit
 * ratio), named `name`; its unit is `ratio`.
 *
 * @example
 * ```ts
 * ratio(pgStatDatabase, 'blks_hit', 'blks_read', 'hit ratio')
 * ```
 */
export function ratio<const D extends MetricDefinition, const C extends ValueOf<D>>(
  def: D,
  part: C,
  rest: C,
  name: string,
): LineSource {
  const { since } = columnShape(def, [part, rest])
  const query = graphQuery(def, [part, rest], { aggregate: 'sum' })
  const build = ratioLine(name, part, rest)
  return source(def, query, { unit: 'ratio', since }, (set, q) => build([set], [q]))
}

/** What a graph derives from its line sources: queries, unit, rate, first version, requirements. */
export interface DerivedShape {
  readonly queries: readonly GraphQuery[]
  readonly unit: Unit
  readonly per?: RatePer
  readonly minServerVersion?: number
  readonly requires?: readonly Requirement[]
}

/**
 * The queries, unit, rate, lowest server version and requirements of a graph drawing `sources`:
 * all of it from the definitions. Sources of different units or rates cannot share an axis.
 */
export function deriveShape(graph: string, sources: readonly LineSource[]): DerivedShape {
  const first = sources[0]
  if (!first) throw new PggraphError('CONFIG', `Graph ${graph} draws no lines.`)
  for (const s of sources) {
    if (s.unit !== first.unit || s.per !== first.per) {
      throw new PggraphError(
        'CONFIG',
        `Graph ${graph} mixes ${first.unit}${first.per ? `/${first.per}` : ''} (${first.definition.name}) and ${s.unit}${s.per ? `/${s.per}` : ''} (${s.definition.name}) on one axis.`,
      )
    }
  }
  const since = Math.min(...sources.map((s) => s.since))
  const seen = new Set<string>()
  const requires: Requirement[] = []
  for (const r of sources.flatMap((s) => s.requires)) {
    const key = JSON.stringify(r)
    if (!seen.has(key)) requires.push(r)
    seen.add(key)
  }
  return {
    queries: sources.map((s) => s.query),
    unit: first.unit,
    ...(first.per ? { per: first.per } : {}),
    ...(since > MIN_SERVER_VERSION ? { minServerVersion: since } : {}),
    ...(requires.length ? { requires } : {}),
  }
}
