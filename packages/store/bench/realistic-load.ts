// Realistic snapshots for the store benchmarks: one real collect() of a 1,000-table database on
// the benchmark server (every default collector), then evolved minute by minute the way a
// database under load changes — most tables and indexes idle, some busy, a few growing, the
// cluster-wide statistics always moving, backends and locks coming and going.
import { collect, defaultCollectors } from '@pggraph/collector'
import { hashString, prng, type MetricDefinition, type MetricRow, type Snapshot } from '@pggraph/core'
import { builtinMetrics } from '@pggraph/collector/definitions'
import { scratchDatabase } from './bench-support.js'

/** Tables in the source database (each with a primary key index and one more index). */
export const SOURCE_TABLES = 1000

/**
 * Create a database of {@link SOURCE_TABLES} tables with a little data, collect one snapshot of
 * it with the default collectors, drop it, and return the snapshot.
 */
export async function collectRealSnapshot(name: string): Promise<Snapshot> {
  // No tenant is installed there: the scratch database's drop finds no roles to drop.
  const { db, drop } = await scratchDatabase(name, name)
  try {
    const ddl: string[] = []
    for (let i = 0; i < SOURCE_TABLES; i++) {
      ddl.push(
        `CREATE TABLE t${i} (id bigint PRIMARY KEY, v text, n int); CREATE INDEX ON t${i} (n);` +
          `INSERT INTO t${i} SELECT g, md5(g::text), g % 7 FROM generate_series(1, ${1 + (i % 50)}) g;`,
      )
      if (ddl.length === 100) await db.query(ddl.splice(0).join('\n'))
    }
    if (ddl.length) await db.query(ddl.join('\n'))
    // Some activity, so the statistics are not all zero.
    for (let i = 0; i < SOURCE_TABLES; i += 7) await db.query(`SELECT count(*) FROM t${i} WHERE n = 3`)
    await db.query('ANALYZE')
    await new Promise((r) => setTimeout(r, 800)) // let the cumulative statistics be flushed
    return await collect(db, { collectors: defaultCollectors() })
  } finally {
    await drop()
  }
}

type Activity = 'idle' | 'busy' | 'growing'
/** Rows of metrics with more rows than this are per-object (tables, indexes…): mostly idle. */
const PER_OBJECT = 30
/** Metrics whose rows come and go from one minute to the next. */
const TRANSIENT = new Set(['pg_stat_activity', 'pg_locks', 'pg_stat_progress_vacuum', 'pg_stat_progress_analyze'])

/**
 * Evolves a real snapshot minute by minute: {@link next} returns the snapshot taken `minutes`
 * after the previous one. Per-object rows (tables, indexes, functions, statements) are 85% idle
 * (nothing changes), 12% busy (counters grow, gauges move) and 3% growing (also their sizes
 * grow); cluster-wide rows are always busy; rows of transient metrics (backends, locks,
 * progress) are present with probability 0.7 each minute.
 */
export class LoadModel {
  private readonly rows: Map<string, MetricRow[]>
  private readonly defs: Map<string, MetricDefinition>
  private readonly random = prng(42)
  private readonly activity = new Map<string, Activity>()

  constructor(private readonly base: Snapshot) {
    this.defs = new Map(builtinMetrics.map((d) => [d.name, d]))
    this.rows = new Map(
      Object.entries(base.metrics)
        .filter(([name]) => this.defs.has(name))
        .map(([name, rows]) => [name, rows.map((r) => ({ ...r }))]),
    )
  }

  /** Rows in the base snapshot, and how many non-null values they hold. */
  get size(): { rows: number; metrics: number } {
    let rows = 0
    for (const r of this.rows.values()) rows += r.length
    return { rows, metrics: this.rows.size }
  }

  private activityOf(metric: string, count: number, key: string): Activity {
    const k = `${metric}\u0000${key}`
    let a = this.activity.get(k)
    if (!a) {
      const h = hashString(k) / 4294967296
      a = count <= PER_OBJECT ? 'busy' : h < 0.85 ? 'idle' : h < 0.97 ? 'busy' : 'growing'
      this.activity.set(k, a)
    }
    return a
  }

  /** The snapshot at `takenAt` (ms), one minute of load after the previous one. */
  next(takenAt: number): Snapshot {
    const metrics: Record<string, MetricRow[]> = {}
    for (const [name, rows] of this.rows) {
      const def = this.defs.get(name)!
      const labels = Object.keys(def.labels)
      const out: MetricRow[] = []
      for (const row of rows) {
        const key = labels.map((l) => String(row[l])).join('\u0000')
        const a = this.activityOf(name, rows.length, key)
        const r = row as Record<string, string | number | null>
        if (a !== 'idle') {
          for (const [col, v] of Object.entries(def.values)) {
            const x = r[col]
            if (typeof x !== 'number') continue
            if (v.kind === 'counter') {
              // Whole numbers stay whole (counts); times in ms get fractions.
              const step = this.random() * (a === 'busy' ? 50 : 500)
              r[col] = x + (v.unit === 'ms' ? Math.round(step * 1000) / 1000 : Math.round(step))
            } else if (v.unit === 'bytes') {
              if (a === 'growing') r[col] = x + 8192 * Math.round(this.random() * 4)
            } else if (this.random() < 0.3) {
              r[col] = Math.max(0, x + Math.round((this.random() - 0.5) * 4))
            }
          }
        }
        if (TRANSIENT.has(name) && this.random() > 0.7) continue
        out.push({ ...r })
      }
      metrics[name] = out
    }
    return { ...this.base, takenAt: new Date(takenAt).toISOString(), metrics, resets: [], skipped: [] }
  }
}

/** Non-null value cells of `s` (the values a store keeps), over metrics the store knows. */
export function valuesIn(s: Snapshot): number {
  let n = 0
  for (const d of builtinMetrics) {
    for (const row of s.metrics[d.name] ?? []) {
      for (const col of Object.keys(d.values)) if (row[col] !== null && row[col] !== undefined) n++
      if (d.statsReset && row['stats_reset'] != null) n++
    }
  }
  return n
}
