import type { Collector, MetricDefinition } from '@pggraph/core'
import { topOption, withParams } from './params.js'
import { counter } from './sql.js'
import { topNQuery } from './top-n.js'

const values = {
  calls: counter('count', 'Calls'),
  total_time: counter('ms', 'Time in the function and everything it called'),
  self_time: counter('ms', 'Time in the function itself'),
} as const

/** The default number of functions kept by {@link functions}. */
export const DEFAULT_TOP_FUNCTIONS = 100

/**
 * `pg_stat_user_functions` (needs `track_functions`): calls and time per function, in the database
 * collected. `funcname` carries the argument types, so overloads stay apart. Top N by total time
 * (`$1`, default {@link DEFAULT_TOP_FUNCTIONS}), the rest in one `(other)` row.
 */
export const pgStatUserFunctions = {
  name: 'pg_stat_user_functions',
  area: 'functions',
  scope: 'database',
  description: 'Functions: calls, total and self time (track_functions; top N)',
  labels: { datname: 'text', schemaname: 'text', funcname: 'text' },
  values,
  params: [DEFAULT_TOP_FUNCTIONS],
  queries: [
    {
      since: 12,
      sql: topNQuery({
        source: `SELECT current_database()::text AS datname, schemaname::text AS schemaname,
  funcname || '(' || pg_get_function_identity_arguments(funcid) || ')' AS funcname, calls, total_time, self_time
FROM pg_stat_user_functions`,
        labels: ['datname', 'schemaname', 'funcname'],
        other: { datname: 'current_database()::text', funcname: "'(other)'" },
        values,
        major: 12,
        rankBy: ['total_time'],
      }),
    },
  ],
} as const satisfies MetricDefinition

/** Options of {@link functions}. */
export interface FunctionsOptions {
  /** Keep this many functions by total time; the rest become one `(other)` row. Default 100. */
  readonly top?: number
}

/**
 * The functions collector: {@link pgStatUserFunctions} for each database collected.
 *
 * @example
 * ```ts
 * const snap = await collect(db, { collectors: [functions({ top: 20 })] })
 * snap.metrics.pg_stat_user_functions.map((f) => [f.funcname, f.calls])
 * ```
 */
export function functions(options: FunctionsOptions = {}): Collector<readonly [typeof pgStatUserFunctions]> {
  return {
    name: 'functions',
    metrics: [withParams(pgStatUserFunctions, [topOption(options.top, DEFAULT_TOP_FUNCTIONS, 'functions')])],
  }
}
