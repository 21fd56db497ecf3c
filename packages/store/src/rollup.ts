import { PggraphError, type Queryable } from '@pggraph/core'
import { withTransaction } from './connection.js'
import { prefixedTable, schemaTable, validateNamespace, type Namespace } from './names.js'
import { storeError } from './write.js'

/** What {@link rollupStore} did. */
export interface RollupResult {
  /** Start and end (exclusive) of the hours recomputed, or null when there was nothing to do. */
  readonly from: Date | null
  readonly to: Date | null
  /** Rollup rows written over all metrics. */
  readonly rows: number
  readonly durationMs: number
}

const HOUR = 3_600_000
/** Hours rolled up per transaction. */
const CHUNK_HOURS = 24

/**
 * Compute the hourly rollups of `ns`: for every metric, per hour and label set, the sum of valid
 * counter deltas and the seconds they span (resets excluded exactly as in series queries), and
 * the sum and count of gauges. Series queries with buckets of 30 minutes or more read these
 * instead of the raw rows, and {@link pruneStore} can keep them longer than the raw data.
 *
 * Recomputes whole hours from `from` (default: one hour before the last rollup or the oldest
 * hour a late snapshot changed, whichever is earlier; the first snapshot on the first run) up
 * to `to` (default: the hour of the newest snapshot, which is not complete yet). The ingest
 * never rolls up: {@link maintainStore} calls this after packing, and reads take the hours not
 * rolled up yet from the stored readings. Idempotent; run it hourly (`pggraph-store maintain`
 * from cron), as the schema owner or a superuser.
 *
 * @example
 * ```ts
 * await rollupStore(db, { schema: 'acme', prefix: 'db1' })
 * ```
 */
export async function rollupStore(
  db: Queryable,
  ns: Namespace,
  options: { from?: Date; to?: Date } = {},
): Promise<RollupResult> {
  const started = performance.now()
  validateNamespace(ns)
  try {
    const range = await withTransaction(db, async (tx) => {
      const bounds = await tx.query<{ first: number | null; last: number | null }>(
        `SELECT date_part('epoch', min("time")) * 1000 AS first, date_part('epoch', max("time")) * 1000 AS last FROM ${prefixedTable(ns, 'snapshots')}`,
      )
      const first = bounds.rows[0]?.first
      const last = bounds.rows[0]?.last
      if (first === null || first === undefined || last === null || last === undefined) return null
      const to = floorHour(options.to?.getTime() ?? Number(last))
      // One watermark for the prefix (sources.rollup_until); the last hour before it is
      // recomputed to pick up late snapshots, and so is every hour from the oldest one a late
      // snapshot changed (sources.rollup_dirty_from).
      let start = options.from?.getTime()
      if (start === undefined) {
        const wm = await tx.query<{ w: number | null }>(
          `SELECT date_part('epoch', LEAST(rollup_until - interval '1 hour', rollup_dirty_from)) * 1000 AS w FROM ${schemaTable(ns.schema, 'sources')} WHERE prefix = $1`,
          [ns.prefix],
        )
        const w = wm.rows[0]?.w
        start = w === null || w === undefined ? Number(first) : Math.max(Number(w), Number(first))
      }
      start = floorHour(start)
      return start < to ? { start, to } : null
    })
    if (!range) return { from: null, to: null, rows: 0, durationMs: performance.now() - started }
    // One transaction per CHUNK_HOURS: the rollup holds the prefix's sources row (an ingest of
    // the prefix waits for it), so a backfill of months lets ingests through as it goes.
    let rows = 0
    for (let from = range.start; from < range.to; from += CHUNK_HOURS * HOUR) {
      const to = Math.min(from + CHUNK_HOURS * HOUR, range.to)
      rows += await withTransaction(db, async (tx) => {
        await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`pggraph:rollup:${ns.schema}.${ns.prefix}`])
        const res = await tx.query<{ n: number }>(
          `SELECT ${prefixedTable(ns, 'rollup')}($1::timestamptz, $2::timestamptz)::int AS n`,
          [new Date(from).toISOString(), new Date(to).toISOString()],
        )
        return res.rows[0]?.n ?? 0
      })
    }
    return { from: new Date(range.start), to: new Date(range.to), rows, durationMs: performance.now() - started }
  } catch (err) {
    throw storeError(err, ns, 'compute the rollups')
  }
}

function floorHour(ms: number): number {
  if (!Number.isFinite(ms)) throw new PggraphError('CONFIG', 'rollupStore: from and to must be valid Dates.')
  return Math.floor(ms / HOUR) * HOUR
}
