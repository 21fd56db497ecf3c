// Collect one snapshot and print a summary: no store, no graphs.
//   DATABASE_URL=postgres://monitor@localhost/app npx tsx examples/scripts/collect-only.ts
import pg from 'pg'
import { collect, defaultCollectors } from '@pggraph/collector'

const db = new pg.Client({
  connectionString: process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres',
})
await db.connect()
try {
  const snap = await collect(db, { collectors: defaultCollectors() })
  const commits = snap.metrics.pg_stat_database.reduce((sum, row) => sum + (row.xact_commit ?? 0), 0)
  console.log(`PostgreSQL ${snap.server.version} at ${snap.takenAt}`)
  console.log(`${Object.keys(snap.metrics).length} metrics, ${commits} commits so far, ${snap.skipped.length} skipped`)
  for (const s of snap.skipped) console.log(`  skipped ${s.metric}: ${s.reason}`)
} finally {
  await db.end()
}
