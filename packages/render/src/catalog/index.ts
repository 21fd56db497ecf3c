import type { GraphDefinition, GraphGroup } from '../graph.js'
import { GRAPH_GROUPS } from '../graph.js'
import { activityGraphs } from './activity.js'
import { databaseGraphs } from './database.js'
import { healthGraphs } from './health.js'
import { ioGraphs } from './io.js'
import { tableGraphs } from './tables.js'
import { statementGraphs } from './statements.js'
import { walGraphs } from './wal.js'

/** Every built-in graph definition, in declaration order (see {@link graphCatalog} by name). */
export const catalogGraphs = [
  ...databaseGraphs,
  ...activityGraphs,
  ...ioGraphs,
  ...walGraphs,
  ...tableGraphs,
  ...statementGraphs,
  ...healthGraphs,
] as const
const all = catalogGraphs

/** The name of a catalog graph, e.g. `'database.transactions'`. */
export type GraphName = (typeof catalogGraphs)[number]['name']

/**
 * Every built-in graph by name: what it reads, its title and axis, and its spec function.
 * Pass a name to {@link renderGraph}; read `queries` to know what a store must hold.
 *
 * @example
 * ```ts
 * const g = graphCatalog['database.transactions']
 * g.title    // 'Transactions per second'
 * g.queries  // [{ metric: 'pg_stat_database', columns: ['xact_commit', 'xact_rollback'], aggregate: 'sum' }]
 * ```
 */
export const graphCatalog: Readonly<Record<GraphName, GraphDefinition<GraphName>>> = Object.freeze(
  Object.fromEntries(all.map((g) => [g.name, g])) as Record<GraphName, GraphDefinition<GraphName>>,
)

/** Whether `name` is a catalog graph; narrows a user's string (a CLI flag) to {@link GraphName}. */
export function isGraphName(name: string): name is GraphName {
  return Object.hasOwn(graphCatalog, name)
}

/**
 * Catalog graph names in dashboard order (by group, then as declared), optionally of one group.
 *
 * @example
 * ```ts
 * graphNames('wal')  // ['wal.bytes', 'wal.replication_lag', 'wal.retained']
 * ```
 */
export function graphNames(group?: GraphGroup): GraphName[] {
  const names: GraphName[] = []
  for (const g of GRAPH_GROUPS) {
    if (group !== undefined && g !== group) continue
    for (const def of all) if (def.group === g) names.push(def.name)
  }
  return names
}
