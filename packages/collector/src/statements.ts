import type { Collector, MetricDefinition, VersionedQuery } from '@pggraph/core'
import { PggraphError } from '@pggraph/core'
import { topOption, withParams } from './params.js'
import { counter, gauge } from './sql.js'
import { topNQuery } from './top-n.js'

const values = {
  calls: counter('count', 'Executions'),
  total_exec_time: counter('ms', 'Execution time (before 13: total_time)'),
  total_plan_time: counter('ms', 'Planning time (pg_stat_statements.track_planning)', 13),
  rows: counter('tuples', 'Rows returned or affected'),
  shared_blks_hit: counter('blocks', 'Shared blocks hit'),
  shared_blks_read: counter('blocks', 'Shared blocks read'),
  shared_blks_dirtied: counter('blocks', 'Shared blocks dirtied'),
  shared_blks_written: counter('blocks', 'Shared blocks written'),
  local_blks_hit: counter('blocks', 'Local blocks hit'),
  local_blks_read: counter('blocks', 'Local blocks read'),
  local_blks_dirtied: counter('blocks', 'Local blocks dirtied'),
  local_blks_written: counter('blocks', 'Local blocks written'),
  temp_blks_read: counter('blocks', 'Temporary blocks read'),
  temp_blks_written: counter('blocks', 'Temporary blocks written'),
  shared_blk_read_time: counter('ms', 'Time reading blocks (before 17: blk_read_time, shared and local together)'),
  shared_blk_write_time: counter('ms', 'Time writing blocks (before 17: blk_write_time, shared and local together)'),
  local_blk_read_time: counter('ms', 'Time reading local blocks', 17),
  local_blk_write_time: counter('ms', 'Time writing local blocks', 17),
  temp_blk_read_time: counter('ms', 'Time reading temporary blocks', 15),
  temp_blk_write_time: counter('ms', 'Time writing temporary blocks', 15),
  wal_records: counter('count', 'WAL records generated', 13),
  wal_fpi: counter('count', 'WAL full page images generated', 13),
  wal_bytes: counter('bytes', 'WAL bytes generated', 13),
  wal_buffers_full: counter('count', 'Times the WAL buffers were full (extension 1.12)', 18),
  plans: counter('count', 'Times planned (pg_stat_statements.track_planning; extension 1.8)', 13),
  parallel_workers_to_launch: counter('count', 'Parallel workers planned (extension 1.12)', 18),
  parallel_workers_launched: counter('count', 'Parallel workers launched (extension 1.12)', 18),
  jit_functions: counter('count', 'Functions JIT-compiled (extension 1.10)', 15),
  jit_generation_time: counter('ms', 'Time generating JIT code (extension 1.10)', 15),
  jit_inlining_count: counter('count', 'Times functions were JIT-inlined (extension 1.10)', 15),
  jit_inlining_time: counter('ms', 'Time JIT-inlining (extension 1.10)', 15),
  jit_optimization_count: counter('count', 'Times JIT-optimized (extension 1.10)', 15),
  jit_optimization_time: counter('ms', 'Time JIT-optimizing (extension 1.10)', 15),
  jit_emission_count: counter('count', 'Times JIT code was emitted (extension 1.10)', 15),
  jit_emission_time: counter('ms', 'Time emitting JIT code (extension 1.10)', 15),
  jit_deform_count: counter('count', 'Tuple deforming functions JIT-compiled (extension 1.11)', 17),
  jit_deform_time: counter('ms', 'Time JIT-compiling tuple deforming functions (extension 1.11)', 17),
  stats_since: gauge(
    'timestamp',
    'Since when the statement is tracked, the oldest of its entries (extension 1.11): counters restart from here',
    17,
  ),
  minmax_stats_since: gauge(
    'timestamp',
    'Since when the min/max times are tracked, the oldest of its entries (extension 1.11)',
    17,
  ),
} as const

// How the entries of one queryid (roles, nesting levels) combine: counters add up, the times
// since when they are tracked take the oldest.
const aggregate = (col: string, expr: string): string =>
  values[col as keyof typeof values].unit === 'timestamp' ? `extract(epoch FROM min(${expr}))::float8` : `sum(${expr})`

// The columns depend on the *extension* version, which may lag the server after pg_upgrade. For
// the versions we know, the columns are read directly (fast); for any other, each row is read
// as jsonb and every canonical column takes the first name that exists (5-7× slower, but it
// cannot break on a renamed column). OFFSET 0 keeps that subquery from being flattened, which
// would build the jsonb once per column.
const aliases: Readonly<Record<string, readonly string[]>> = {
  total_exec_time: ['total_exec_time', 'total_time'],
  shared_blk_read_time: ['shared_blk_read_time', 'blk_read_time'],
  shared_blk_write_time: ['shared_blk_write_time', 'blk_write_time'],
}
const THIS_DB = 'p.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())'
/**
 * The longest `query` label, in characters: the statement text is a legend, not the statement.
 * Whitespace runs become one space, then a longer text keeps its first
 * `STATEMENT_TEXT_CHARS - 1` characters and an ellipsis (`…`). PostgreSQL's `left` counts
 * characters, so a multi-byte character is never cut; at most 4 bytes each, the label stays
 * under 800 bytes, inside the store's bound on a label value. `queryid` stays a label, so two
 * statements whose texts share their first characters remain two series.
 */
export const STATEMENT_TEXT_CHARS = 200
const QUERY_TEXT = `btrim(regexp_replace(min(query), '\\s+', ' ', 'g'))`
const LABELS = `current_database()::text AS datname, coalesce(queryid::text, '') AS queryid,
  CASE WHEN NOT $2::boolean OR min(query) IS NULL THEN ''
    WHEN char_length(${QUERY_TEXT}) <= ${STATEMENT_TEXT_CHARS} THEN ${QUERY_TEXT}
    ELSE left(${QUERY_TEXT}, ${STATEMENT_TEXT_CHARS - 1}) || '…' END AS query`

// `columns`: the value columns the source returns (the others are null in the snapshot).
const top = (source: string, columns: readonly string[] = Object.keys(values)): string =>
  topNQuery({
    source,
    labels: ['datname', 'queryid', 'query'],
    other: { datname: 'current_database()::text', queryid: "'(other)'" },
    values: Object.fromEntries(columns.map((k) => [k, { ...values[k as keyof typeof values], since: 12 }])),
    major: 12,
    rankBy: ['total_exec_time'],
  })

const anyVersion = top(`SELECT ${LABELS},
  ${Object.keys(values)
    .map((col) => {
      const cast = values[col as keyof typeof values].unit === 'timestamp' ? 'timestamptz' : 'float8'
      return `${aggregate(col, `coalesce(${(aliases[col] ?? [col]).map((n) => `(j->>'${n}')::${cast}`).join(', ')})`)} AS ${col}`
    })
    .join(',\n  ')}
FROM (SELECT p.queryid, p.query, to_jsonb(p) AS j FROM pg_stat_statements($2::boolean) p WHERE ${THIS_DB} OFFSET 0) pggraph_p
GROUP BY queryid`)

/** The column of each canonical name in one extension version, `null` if it has none. */
function direct(
  minVersion: string,
  maxVersion: string,
  names: Readonly<Record<string, string | null>>,
): VersionedQuery {
  const present = Object.keys(values).filter((col) => names[col] !== null)
  const cols = present.map((col) => `${aggregate(col, names[col] ?? col)} AS ${col}`)
  return {
    since: 12,
    requires: [{ extension: 'pg_stat_statements', minVersion, maxVersion }],
    sql: top(
      `SELECT ${LABELS},
  ${cols.join(', ')}
FROM pg_stat_statements($2::boolean) p WHERE ${THIS_DB}
GROUP BY queryid`,
      present,
    ),
  }
}
const noLocalTimes = { local_blk_read_time: null, local_blk_write_time: null }
const oldBlockTimes = { shared_blk_read_time: 'blk_read_time', shared_blk_write_time: 'blk_write_time' }
const noTempTimes = { temp_blk_read_time: null, temp_blk_write_time: null }
const before13 = { total_plan_time: null, plans: null, wal_records: null, wal_fpi: null, wal_bytes: null }
const no112 = { wal_buffers_full: null, parallel_workers_to_launch: null, parallel_workers_launched: null }
const no111 = { jit_deform_count: null, jit_deform_time: null, stats_since: null, minmax_stats_since: null }
const noJit = {
  jit_functions: null,
  jit_generation_time: null,
  jit_inlining_count: null,
  jit_inlining_time: null,
  jit_optimization_count: null,
  jit_optimization_time: null,
  jit_emission_count: null,
  jit_emission_time: null,
}

/** The default number of statements kept by {@link statements}. */
export const DEFAULT_TOP_STATEMENTS = 100

/**
 * `pg_stat_statements` of the database collected, one row per `queryid` (summed over roles and
 * nesting levels), top N by total execution time (`$1`, default {@link DEFAULT_TOP_STATEMENTS}),
 * the rest in one `(other)` row. The `query` label is empty unless `$2` (`queryText`) is true:
 * statement text can hold secrets, so it is never read by default (`pg_stat_statements(false)`
 * does not even load it). Canonical names on every version: `total_exec_time`, `shared_blk_*_time`.
 * Columns the installed extension version lacks are `null` (JIT from 1.10, `stats_since` and
 * `minmax_stats_since` from 1.11, `wal_buffers_full` and parallel workers from 1.12).
 */
export const pgStatStatements = {
  name: 'pg_stat_statements',
  area: 'statements',
  scope: 'database',
  description:
    'Statements: calls, plans, time, rows, blocks, WAL, JIT, parallel workers per queryid (top N by total time)',
  labels: { datname: 'text', queryid: 'text', query: 'text' },
  values,
  params: [DEFAULT_TOP_STATEMENTS, false],
  requires: [{ extension: 'pg_stat_statements' }, { privilege: 'pg_read_all_stats' }],
  queries: [
    // extension version 1.12 (PG 18)
    direct('1.12', '1.13', {}),
    // 1.11 (PG 17)
    direct('1.11', '1.12', no112),
    // 1.10 (PG 15, 16)
    direct('1.10', '1.11', { ...no112, ...no111, ...noLocalTimes, ...oldBlockTimes }),
    // 1.8 (PG 13), 1.9 (PG 14)
    direct('1.8', '1.10', { ...no112, ...no111, ...noJit, ...noLocalTimes, ...oldBlockTimes, ...noTempTimes }),
    // 1.7 (PG 12)
    direct('1.7', '1.8', {
      ...no112,
      ...no111,
      ...noJit,
      ...noLocalTimes,
      ...oldBlockTimes,
      ...noTempTimes,
      ...before13,
      total_exec_time: 'total_time',
    }),
    // any other version, e.g. a newer one with renamed columns: by name, through jsonb
    { since: 12, sql: anyVersion },
  ],
} as const satisfies MetricDefinition

/**
 * `pg_stat_statements_info` (14+, extension 1.9+): deallocations (statements evicted) and the
 * reset time. The view comes with extension version 1.9: a server upgraded with `pg_upgrade` but
 * not `ALTER EXTENSION pg_stat_statements UPDATE` has an older one, so the metric is skipped
 * with that reason (selecting it would fail the whole combined statement).
 */
export const pgStatStatementsInfo = {
  name: 'pg_stat_statements_info',
  area: 'statements',
  scope: 'database',
  description: 'pg_stat_statements: entries deallocated, last reset',
  labels: { datname: 'text' },
  values: { dealloc: counter('count', 'Entries evicted because pg_stat_statements.max was reached', 14) },
  statsReset: true,
  minServerVersion: 14,
  requires: [{ extension: 'pg_stat_statements', minVersion: '1.9' }, { privilege: 'pg_read_all_stats' }],
  queries: [
    { since: 14, sql: 'SELECT current_database()::text AS datname, dealloc, stats_reset FROM pg_stat_statements_info' },
  ],
} as const satisfies MetricDefinition

/** Options of {@link statements}. */
export interface StatementsOptions {
  /** Keep this many statements by total time; the rest become one `(other)` row. Default 100. */
  readonly top?: number
  /** Put the statement text in the `query` label. Default false: text can hold secrets. */
  readonly queryText?: boolean
}

/**
 * The statements collector: {@link pgStatStatements} and {@link pgStatStatementsInfo}, for each
 * database collected where the extension is installed (skipped where it is not).
 *
 * @example
 * ```ts
 * const snap = await collect(db, { collectors: [statements({ top: 50 })] })
 * snap.metrics.pg_stat_statements.map((s) => [s.queryid, s.total_exec_time])
 * ```
 */
export function statements(
  options: StatementsOptions = {},
): Collector<readonly [typeof pgStatStatements, typeof pgStatStatementsInfo]> {
  if (options.queryText !== undefined && typeof options.queryText !== 'boolean') {
    throw new PggraphError(
      'CONFIG',
      `statements({ queryText }) must be true or false (got ${String(options.queryText)}).`,
    )
  }
  const top = topOption(options.top, DEFAULT_TOP_STATEMENTS, 'statements')
  return {
    name: 'statements',
    metrics: [withParams(pgStatStatements, [top, options.queryText ?? false]), pgStatStatementsInfo],
  }
}
