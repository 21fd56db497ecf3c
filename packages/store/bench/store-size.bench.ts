// Store size and realistic ingest: bytes per stored value after 1 hour, 24 hours and 7 days of
// 1-minute snapshots of a 1,000-table database under load (a real collect, evolved: see
// realistic-load.ts), and the ingest of those snapshots against COPY of the same rows into naive
// wide tables (one plain table per metric: time, labels, values, its primary key), in one run.
//   node --conditions=development --import tsx packages/store/bench/store-size.bench.ts
// PGGRAPH_BENCH_URL (default postgres://postgres@127.0.0.1:5432/postgres) must be a superuser.
// PGGRAPH_BENCH_HOURS (default 168 = 7 days) shortens the size run; the checkpoints it passes
// (1 h, 24 h, 7 d) are printed. PGGRAPH_BENCH_NO_MAINTAIN=1 measures the store without packing.
import { quoteIdent, type Queryable, type Snapshot } from '@pggraph/core'
import { builtinMetrics } from '@pggraph/collector/definitions'
import { installStore, maintainStore, writeSnapshot } from '../src/index.js'
import { scratchDatabase } from './bench-support.js'
import { copyFrom } from './copy-in.js'
import { collectRealSnapshot, LoadModel, valuesIn } from './realistic-load.js'

const SCHEMA = `bench${process.pid}`
const HOURS = Number(process.env['PGGRAPH_BENCH_HOURS'] ?? 168)
const CHECKPOINTS = [...new Set([1, 24, 168, HOURS])].filter((h) => h <= HOURS)
const INGEST_SNAPSHOTS = Number(process.env['PGGRAPH_BENCH_SNAPSHOTS'] ?? 40)
const MINUTE = 60_000
const HOUR = 3_600_000

async function schemaBytes(db: Queryable, schema: string): Promise<number> {
  const { rows } = await db.query<{ b: string }>(
    `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::text AS b FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'm')`,
    [schema],
  )
  return Number(rows[0]!.b)
}

/**
 * Where the bytes of the tenant schema are: metric partitions (heap split into raw rows, packed
 * rows and the rest — dead or free space and page overhead —, TOAST, indexes), rollup tables,
 * and everything else (snapshot records, epochs, catalogs of the store).
 */
async function breakdown(db: Queryable, schema: string, prefix: string): Promise<Record<string, number>> {
  const { rows: rels } = await db.query<{ oid: number; name: string; kind: string; heap: string; toast: string }>(
    `SELECT c.oid::int AS oid, c.relname AS name, c.relkind AS kind, pg_relation_size(c.oid)::text AS heap,
            coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0)::text AS toast
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'i')`,
    [schema],
  )
  const out: Record<string, number> = {}
  const add = (k: string, b: number): void => {
    out[k] = (out[k] ?? 0) + b
  }
  const partition = new RegExp(`^${prefix}_.+_\\d{8}$`)
  for (const r of rels) {
    const heap = Number(r.heap)
    const toast = Number(r.toast)
    const rollup = r.name.endsWith('_hourly') || r.name.includes('_hourly_')
    const part = partition.test(r.name) || (r.kind === 'i' && /_\d{8}_pkey$/.test(r.name))
    const group = rollup ? 'rollups' : part ? 'metric partitions' : 'other tables'
    if (r.kind === 'i') {
      add(`${group}: indexes`, heap)
      continue
    }
    add(`${group}: TOAST`, toast)
    if (group !== 'metric partitions') {
      add(`${group}: heap`, heap)
      continue
    }
    const t = `${quoteIdent(schema, 'schema')}.${quoteIdent(r.name, 'table')}`
    const { rows } = await db.query<{ raw: string; packed: string; n: string; fields: string }>(
      `SELECT coalesce(sum(pg_column_size(t.*)) FILTER (WHERE t."_packed_times" IS NULL), 0)::text AS raw,
              coalesce(sum(pg_column_size(t.*)) FILTER (WHERE t."_packed_times" IS NOT NULL), 0)::text AS packed,
              count(*)::text AS n,
              coalesce(sum(coalesce(pg_column_size(t."_packed_times"), 0) + coalesce(pg_column_size(t."_packed_deltas"), 0)), 0)::text AS fields
         FROM ${t} t`,
    )
    const raw = Number(rows[0]!.raw)
    const packed = Number(rows[0]!.packed)
    add('metric partitions: raw rows (heap)', raw)
    add('metric partitions: packed rows (heap)', packed)
    add('  of which packed arrays', Number(rows[0]!.fields))
    add('metric partitions: line pointers', 4 * Number(rows[0]!.n))
    add('metric partitions: dead/free/page overhead', heap - raw - packed - 4 * Number(rows[0]!.n))
  }
  return out
}

const base = await collectRealSnapshot(`bench_src_${process.pid}`)
const scratch = await scratchDatabase(`bench_${process.pid}`, SCHEMA, ['sys1', 'sys2'])
const { db } = scratch
const f = (x: number, d = 0): string =>
  x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })
try {
  const { rows: v } = await db.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)
  const model = new LoadModel(base)
  console.log(
    `PostgreSQL ${v[0]!.v}; a real collect of a ${f(1000)}-table database: ${f(model.size.rows)} rows over ${model.size.metrics} metrics, evolved minute by minute (85% of tables and indexes idle, 12% busy, 3% growing).`,
  )

  // --- Bytes per value -------------------------------------------------------------------------
  const ns = { schema: SCHEMA, prefix: 'sys1' }
  await installStore(db, ns)
  const empty = await schemaBytes(db, SCHEMA)
  const start = Math.floor((Date.now() - (HOURS + 2) * HOUR) / HOUR) * HOUR
  let values = 0
  let rows = 0
  let writeMs = 0
  const results: { hours: number; bytes: number; values: number; rows: number }[] = []
  const wall = performance.now()
  for (let i = 0; i < HOURS * 60; i++) {
    const t = start + i * MINUTE
    const s = model.next(t)
    values += valuesIn(s)
    const w0 = performance.now()
    const r = await writeSnapshot(db, ns, s)
    writeMs += performance.now() - w0
    rows += r.rows
    if ((i + 1) % 60 === 0) {
      // Hourly maintenance from cron, as docs/store.md says: pack the hour that just closed.
      if (process.env['PGGRAPH_BENCH_NO_MAINTAIN'] !== '1') await maintainStore(db, ns)
      const hours = (i + 1) / 60
      if (CHECKPOINTS.includes(hours)) {
        await db.query('CHECKPOINT')
        results.push({ hours, bytes: (await schemaBytes(db, SCHEMA)) - empty, values, rows })
        const parts = await breakdown(db, SCHEMA, ns.prefix)
        console.log(`\nAfter ${hours} h (${f(values)} values):`)
        for (const [k, b] of Object.entries(parts))
          console.log(`  ${k.padEnd(48)} ${f(b / 1048576, 2).padStart(9)} MB ${f(b / values, 3).padStart(7)} B/value`)
      }
    }
  }
  console.log(
    `\n${f(HOURS * 60)} snapshots written in ${f((performance.now() - wall) / 1000)} s (${f(writeMs / (HOURS * 60), 1)} ms per snapshot on average, maintenance included in the wall time).`,
  )
  console.log('| simulated | stored values (non-null) | rows | schema growth | bytes per value | bytes per row |')
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |')
  for (const r of results) {
    const label =
      r.hours < 24 ? `${r.hours} h` : r.hours % 24 === 0 && r.hours > 24 ? `${r.hours / 24} d` : `${r.hours} h`
    console.log(
      `| ${label} | ${f(r.values)} | ${f(r.rows)} | ${f(r.bytes / 1048576, 1)} MB | ${f(r.bytes / r.values, 2)} | ${f(r.bytes / r.rows, 0)} |`,
    )
  }

  // --- Realistic ingest against COPY ------------------------------------------------------------
  // Naive wide tables: one per metric, the same rows with the same key, no partitions, no function.
  await db.query('CREATE SCHEMA naive')
  const naive = new Map<string, { table: string; cols: string[] }>()
  for (const d of builtinMetrics) {
    const labels = Object.keys(d.labels)
    const vals = Object.keys(d.values)
    const cols = ['time', ...labels, ...vals, ...(d.statsReset ? ['stats_reset'] : [])]
    const table = `naive.${quoteIdent(d.name, 'table')}`
    const types = [
      '"time" timestamptz NOT NULL',
      ...labels.map((l) => `${quoteIdent(l, 'column')} text NOT NULL`),
      ...vals.map((c) => `${quoteIdent(c, 'column')} double precision`),
      ...(d.statsReset ? ['"stats_reset" timestamptz'] : []),
    ]
    const key = ['"time"', ...labels.map((l) => quoteIdent(l, 'column'))].join(', ')
    await db.query(`CREATE TABLE ${table} (${types.join(', ')}, PRIMARY KEY (${key}))`)
    naive.set(d.name, { table, cols })
  }
  const copyAll = async (s: Snapshot): Promise<number> => {
    let n = 0
    await db.query('BEGIN')
    for (const [name, list] of Object.entries(s.metrics)) {
      const t = naive.get(name)
      if (!t || list.length === 0) continue
      const text =
        list
          .map((r) =>
            [
              s.takenAt,
              ...t.cols.slice(1).map((c) => {
                const x = r[c]
                return x === null || x === undefined ? '\\N' : String(x).replace(/[\\\t\n\r]/g, (ch) => `\\${ch}`)
              }),
            ].join('\t'),
          )
          .join('\n') + '\n'
      n += await copyFrom(db, `${t.table} (${t.cols.map((c) => quoteIdent(c, 'column')).join(', ')})`, text)
    }
    await db.query('COMMIT')
    return n
  }
  const ns2 = { schema: SCHEMA, prefix: 'sys2' }
  await installStore(db, ns2)
  const hour = Math.floor((Date.now() - 3 * HOUR) / HOUR) * HOUR // one hour: no rollup in the timings
  const times = { ours: [] as number[], copy: [] as number[] }
  let copied = 0
  let written = 0
  for (let i = -3; i < INGEST_SNAPSHOTS; i++) {
    const s = model.next(hour + (i + 3) * MINUTE)
    const t0 = performance.now()
    const w = await writeSnapshot(db, ns2, s)
    const t1 = performance.now()
    const c = await copyAll(s)
    const t2 = performance.now()
    if (i < 0) continue // warm-up
    times.ours.push(t1 - t0)
    times.copy.push(t2 - t1)
    written += w.rows
    copied += c
  }
  if (written !== copied) throw new Error(`writeSnapshot stored ${written} rows, COPY ${copied}`)
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  const perSnap = written / INGEST_SNAPSHOTS
  const ours = perSnap / (median(times.ours) / 1000)
  const copy = perSnap / (median(times.copy) / 1000)
  console.log(
    `\nRealistic ingest: ${INGEST_SNAPSHOTS} snapshots of ${f(perSnap)} rows over ${Object.keys(base.metrics).length} metrics, writeSnapshot and COPY taking turns (median per snapshot):`,
  )
  console.log('| writeSnapshot rows/s | COPY into naive wide tables rows/s | writeSnapshot vs COPY |')
  console.log('| ---: | ---: | ---: |')
  console.log(`| ${f(ours)} | ${f(copy)} | ${f((100 * ours) / copy)}% |`)
} finally {
  await scratch.drop()
}
