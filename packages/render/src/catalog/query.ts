import type { LabelOf, MetricDefinition, ValueOf } from '@pggraph/core'
import type { GraphQuery } from '../graph.js'

/** What {@link graphQuery} adds to a query besides the metric and columns, typed by the definition. */
export interface GraphQueryOptions<D extends MetricDefinition> {
  readonly labels?: Partial<Record<LabelOf<D>, string>>
  readonly aggregate?: 'sum'
  readonly top?: { readonly n: number; readonly by: ValueOf<D> }
}

/**
 * A graph query typed by the collector's metric definition: a misspelt column, label or
 * `top.by` fails to compile, and the metric name is the definition's own.
 *
 * @example
 * ```ts
 * graphQuery(pgStatDatabase, ['xact_commit', 'xact_rollback'], { aggregate: 'sum' })
 * graphQuery(pgStatDatabase, ['xact_comit'])  // compile error
 * ```
 */
export function graphQuery<const D extends MetricDefinition, const C extends ValueOf<D>>(
  def: D,
  columns: readonly C[],
  options: GraphQueryOptions<D> = {},
): GraphQuery<C> {
  return {
    metric: def.name,
    columns,
    ...(options.labels ? { labels: options.labels as Readonly<Record<string, string>> } : {}),
    ...(options.aggregate ? { aggregate: options.aggregate } : {}),
    ...(options.top ? { top: options.top } : {}),
  }
}
