// Ingest into the embedded store: writeSnapshot of 1,000-row snapshots into PGlite in a
// folder, against one INSERT per row in one transaction, in one run. Run:
//   node --conditions=development --import tsx packages/store/bench/ingest-pglite.bench.ts
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { MetricDefinition, MetricRow, Snapshot } from '@pggraph/core'
import { installStore, openStore, writeSnapshot } from '../src/index.js'
import { benchSnapshot } from './bench-support.js'

const ROWS = 1000
const SNAPSHOTS = 30
const VALUES = Array.from({ length: 20 }, (_, k) => `v${k}`)
const metric: MetricDefinition = {
  name: 'bench_tables',
  area: 'tables',
  scope: 'database',
  description: 'tables',
  labels: { datname: 'text', schemaname: 'text', relname: 'text' },
  values: Object.fromEntries(VALUES.map((v) => [v, { kind: 'counter', unit: 'count' }])),
  queries: [{ since: 12, sql: 'SELECT 1' }],
}
const rows = (i: number): MetricRow[] =>
  Array.from({ length: ROWS }, (_, r) => ({
    datname: 'app',
    schemaname: 'public',
    relname: `table_${r}`,
    ...Object.fromEntries(VALUES.map((v, k) => [v, i * 1000 + r * 7 + k])),
  }))
const snap = (t: number, i: number): Snapshot => benchSnapshot(t, { bench_tables: rows(i) })

const dir = mkdtempSync(join(tmpdir(), 'pggraph-ingest-'))
const db = await openStore(`pglite:${dir}`)
try {
  const ns = { schema: 'bench', prefix: 'sys1' }
  await installStore(db, { ...ns, metrics: [metric] })
  const day = Date.now() - (Date.now() % 86_400_000) - 86_400_000
  await writeSnapshot(db, ns, snap(day, 0))
  const ours: number[] = []
  const single: number[] = []
  const cols = ['time', 'datname', 'schemaname', 'relname', ...VALUES]
  const insert = `INSERT INTO bench.sys1_bench_tables (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map((_, k) => `$${k + 1}`).join(', ')}) ON CONFLICT DO NOTHING`
  for (let i = 1; i <= SNAPSHOTS; i++) {
    let t = performance.now()
    await writeSnapshot(db, ns, snap(day + i * 1000, i))
    ours.push(performance.now() - t)
    if (i % 10 === 0) {
      t = performance.now()
      const ts = new Date(day + 50_000_000 + i * 1000).toISOString()
      await db.transaction(async (tx) => {
        for (const r of rows(i)) await tx.query(insert, [ts, ...cols.slice(1).map((c) => r[c])])
      })
      single.push(performance.now() - t)
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  const rate = (xs: number[]) => Math.round(ROWS / (median(xs) / 1000)).toLocaleString('en-US')
  console.log(`PGlite (folder), ${SNAPSHOTS} snapshots of ${ROWS} rows x ${VALUES.length} values`)
  console.log('| writeSnapshot rows/s | INSERT/row, 1 tx rows/s | ratio |')
  console.log('| --- | --- | --- |')
  console.log(`| ${rate(ours)} | ${rate(single)} | ${(median(single) / median(ours)).toFixed(1)}x |`)
} finally {
  await db.end()
  rmSync(dir, { recursive: true, force: true })
}
