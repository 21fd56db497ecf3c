// A collector of your own: declare the metric once, as data; collect() runs it like a built-in
// one, the store makes its table, and readSeries turns its counters into rates.
//   DATABASE_URL=postgres://monitor@localhost/app npx tsx examples/scripts/custom-collector.ts
import pg from 'pg'
import type { Collector, MetricDefinition } from '@pggraph/core'
import { collect } from '@pggraph/collector'

/** Sequential scans and live rows per schema: one row per schema. */
export const schemaActivity = {
  name: 'my_schema_activity',
  area: 'tables',
  description: 'Sequential scans and live rows summed per schema',
  scope: 'database',
  labels: { schemaname: 'text' },
  values: {
    seq_scan: { kind: 'counter', unit: 'count' },
    n_live_tup: { kind: 'gauge', unit: 'tuples' },
  },
  queries: [
    {
      since: 12,
      sql: `SELECT schemaname::text, sum(seq_scan)::float8 AS seq_scan, sum(n_live_tup)::float8 AS n_live_tup
            FROM pg_stat_user_tables GROUP BY schemaname`,
    },
  ],
} as const satisfies MetricDefinition

/** The collector factory: a plain object, passed in explicitly. */
export const schemaCollector = (): Collector<readonly [typeof schemaActivity]> => ({
  name: 'schema-activity',
  metrics: [schemaActivity],
})

const db = new pg.Client({
  connectionString: process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres',
})
await db.connect()
try {
  const snap = await collect(db, { collectors: [schemaCollector()] })
  for (const row of snap.metrics.my_schema_activity) {
    console.log(`${row.schemaname}: ${row.seq_scan} sequential scans, ${row.n_live_tup} live rows`)
  }
} finally {
  await db.end()
}
