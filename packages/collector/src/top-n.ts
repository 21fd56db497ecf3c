import type { ValueColumn } from '@pggraph/core'

/** @internal */
export interface TopNSpec {
  /** SQL returning every row, with the label columns and every value column existing on `major`. */
  readonly source: string
  readonly labels: readonly string[]
  /** SQL literals for the labels of the row that sums the rest, e.g. `{ relname: "'(other)'" }`; others get `''`. */
  readonly other: Readonly<Record<string, string>>
  readonly values: Readonly<Record<string, ValueColumn>>
  readonly major: number
  /** Rankings (SQL over the source columns, larger first); a row is kept if it is in the top `$1` of any. */
  readonly rankBy: readonly string[]
}

/**
 * A query keeping the top `$1` rows by any of several rankings and summing the rest into one
 * row labelled `(other)`: counters and gauges are summed, timestamps take the latest. So a
 * database with 100,000 tables yields at most 2 × N + 1 rows.
 *
 * @internal
 */
export function topNQuery(spec: TopNSpec): string {
  const cols = Object.entries(spec.values).filter(([, c]) => c.since === undefined || c.since <= spec.major)
  const labels = spec.labels.join(', ')
  const values = cols.map(([n]) => n).join(', ')
  const ranks = spec.rankBy.map(
    (r, i) => `row_number() OVER (ORDER BY ${r} DESC NULLS LAST, ${labels}) AS pggraph_r${i}`,
  )
  const keep = spec.rankBy.map((_, i) => `pggraph_r${i} <= $1`).join(' OR ')
  const otherLabels = spec.labels.map((l) => `${spec.other[l] ?? "''"} AS ${l}`).join(', ')
  const otherValues = cols.map(([n, c]) => `${c.unit === 'timestamp' ? 'max' : 'sum'}(${n}) AS ${n}`).join(', ')
  return `WITH pggraph_s AS (${spec.source}),
pggraph_k AS (SELECT pggraph_s.*, ${ranks.join(', ')} FROM pggraph_s)
SELECT ${labels}, ${values} FROM pggraph_k WHERE ${keep}
UNION ALL
SELECT ${otherLabels}, ${otherValues} FROM pggraph_k WHERE NOT (${keep}) HAVING count(*) > 0`
}
