import type { ValueColumn } from '@pggraph/core'
import { existsOn } from './sql.js'

/** @internal */
export interface TopNSpec {
  /** SQL returning every row: the label columns, the cheap value columns, and any helper columns. */
  readonly source: string
  readonly labels: readonly string[]
  /** SQL literals for the labels of the row that sums the rest, e.g. `{ relname: "'(other)'" }`; others get `''`. */
  readonly other: Readonly<Record<string, string>>
  readonly values: Readonly<Record<string, ValueColumn>>
  readonly major: number
  /** Rankings (SQL over the source columns, larger first); a row is kept if it is in the top `$1` of any. */
  readonly rankBy: readonly string[]
  /**
   * Select items computed for kept rows only (expensive ones, like sizes), e.g.
   * `pg_table_size(relid) AS table_bytes`; they may use the source's helper columns.
   */
  readonly enrich?: string
  /** Final expressions of value columns for kept rows, over source and `enrich` columns. */
  readonly finalExprs?: Readonly<Record<string, string>>
  /** Aggregates of value columns for the `(other)` row, when not `sum(column)` (e.g. from estimates). */
  readonly otherExprs?: Readonly<Record<string, string>>
}

/**
 * A query keeping the top `$1` rows by any of several rankings and summing the rest into one
 * row labelled `(other)`: counters and gauges are summed, timestamps take the latest. So a
 * database with 100,000 tables yields at most 2 × N + 1 rows, and expensive columns (`enrich`)
 * are computed for at most 2 × N rows.
 *
 * @internal
 */
export function topNQuery(spec: TopNSpec): string {
  const cols = Object.entries(spec.values).filter(([, c]) => existsOn(c, spec.major))
  const labels = spec.labels.join(', ')
  const kept = cols.map(([n]) => (spec.finalExprs?.[n] ? `${spec.finalExprs[n]} AS ${n}` : n)).join(', ')
  const ranks = spec.rankBy.map(
    (r, i) => `row_number() OVER (ORDER BY ${r} DESC NULLS LAST, ${labels}) AS pggraph_r${i}`,
  )
  const keep = spec.rankBy.map((_, i) => `pggraph_r${i} <= $1`).join(' OR ')
  const otherLabels = spec.labels.map((l) => `${spec.other[l] ?? "''"} AS ${l}`).join(', ')
  const otherValues = cols
    .map(([n, c]) => `${spec.otherExprs?.[n] ?? `${c.unit === 'timestamp' ? 'max' : 'sum'}(${n})`} AS ${n}`)
    .join(', ')
  return `WITH pggraph_s AS (${spec.source}),
pggraph_k AS (SELECT pggraph_s.*, ${ranks.join(', ')} FROM pggraph_s)
SELECT ${labels}, ${kept} FROM (SELECT pggraph_k.*${spec.enrich ? `, ${spec.enrich}` : ''} FROM pggraph_k WHERE ${keep} OFFSET 0) pggraph_e
UNION ALL
SELECT ${otherLabels}, ${otherValues} FROM pggraph_k WHERE NOT (${keep}) HAVING count(*) > 0`
}
