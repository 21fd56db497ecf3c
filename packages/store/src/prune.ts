import { PggraphError, quoteIdent, type Queryable } from '@pggraph/core'
import { withTransaction } from './connection.js'
import { loadMetrics } from './metric-tables.js'
import { prefixedTable, ROLLUP_SUFFIX, validateNamespace, type Namespace } from './names.js'
import { internalColumn, PACKED, utcHour } from './packed.js'
import { storeError } from './write.js'

/** What {@link pruneStore} removed. */
export interface PruneResult {
  /** Whole daily partitions dropped (cheap: no row is read). */
  readonly partitionsDropped: readonly string[]
  /** Rows deleted one by one from partitions that straddle `olderThan`, and from the snapshot tables. */
  readonly rowsDeleted: number
  readonly durationMs: number
}

const DAY_MS = 86_400_000

/** Options of {@link pruneStore}. */
export interface PruneOptions {
  /** Raw data (metric rows, snapshots, resets) older than this is removed (a packed hour that straddles it is kept whole). */
  readonly olderThan: Date
  /** Hourly rollups older than this are removed. Default: rollups are kept. */
  readonly rollupsOlderThan?: Date
}

/**
 * Remove the data of `ns` older than `olderThan`: every daily partition that ends at or before
 * it is dropped whole; rows of the one day that straddles it, and older snapshot and reset
 * records, are deleted. One transaction. Run as the schema owner or a superuser (not the writer).
 *
 * @example
 * ```ts
 * await pruneStore(db, ns, { olderThan: new Date(Date.now() - 90 * 86_400_000) })
 * ```
 */
export async function pruneStore(db: Queryable, ns: Namespace, options: PruneOptions): Promise<PruneResult> {
  const started = performance.now()
  validateNamespace(ns)
  const cutoff = options.olderThan?.getTime?.()
  if (typeof cutoff !== 'number' || !Number.isFinite(cutoff))
    throw new PggraphError('CONFIG', 'pruneStore needs olderThan: a valid Date.')
  try {
    return await withTransaction(db, async (tx) => {
      const metrics = await loadMetrics(tx, ns)
      const dropped: string[] = []
      let deleted = 0
      const cutoffIso = new Date(cutoff).toISOString()
      for (const name of [...metrics.keys()].sort()) {
        const parent = `${ns.prefix}_${name}`
        const { rows } = await tx.query<{ relname: string }>(
          `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = to_regclass($1) ORDER BY c.relname`,
          [`${quoteIdent(ns.schema, 'schema')}.${quoteIdent(parent, 'table')}`],
        )
        for (const { relname } of rows) {
          const day = /_(\d{4})(\d{2})(\d{2})$/.exec(relname)
          if (!day || relname !== `${parent}_${day[1]}${day[2]}${day[3]}`) continue
          const end = Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3])) + DAY_MS
          if (end <= cutoff) {
            await tx.query(`DROP TABLE ${quoteIdent(ns.schema, 'schema')}.${quoteIdent(relname, 'table')}`)
            dropped.push(relname)
          }
        }
        const del = await tx.query<{ n: number }>(
          // A packed hour that straddles the cutoff is kept whole (its readings after it stay).
          `WITH d AS (DELETE FROM ${prefixedTable(ns, name)} WHERE "time" < $1::timestamptz
             AND (${internalColumn(PACKED.times)} IS NULL OR "time" < ${utcHour('$1::timestamptz')}) RETURNING 1)
           SELECT count(*)::int AS n FROM d`,
          [cutoffIso],
        )
        deleted += del.rows[0]?.n ?? 0
      }
      const rollupCutoff = options.rollupsOlderThan?.getTime()
      if (rollupCutoff !== undefined && Number.isFinite(rollupCutoff)) {
        for (const name of metrics.keys()) {
          const del = await tx.query<{ n: number }>(
            `WITH d AS (DELETE FROM ${prefixedTable(ns, `${name}${ROLLUP_SUFFIX}`)} WHERE "time" < $1::timestamptz RETURNING 1) SELECT count(*)::int AS n FROM d`,
            [new Date(rollupCutoff).toISOString()],
          )
          deleted += del.rows[0]?.n ?? 0
        }
      }
      for (const [table, col] of [
        ['snapshots', '"time"'],
        ['resets', 'at'],
      ] as const) {
        const del = await tx.query<{ n: number }>(
          `WITH d AS (DELETE FROM ${prefixedTable(ns, table)} WHERE ${col} < $1::timestamptz RETURNING 1) SELECT count(*)::int AS n FROM d`,
          [cutoffIso],
        )
        deleted += del.rows[0]?.n ?? 0
      }
      await tx.query(
        `UPDATE ${quoteIdent(ns.schema, 'schema')}."sources" SET first_seen = (SELECT min("time") FROM ${prefixedTable(ns, 'snapshots')}) WHERE prefix = $1`,
        [ns.prefix],
      )
      return { partitionsDropped: dropped, rowsDeleted: deleted, durationMs: performance.now() - started }
    })
  } catch (err) {
    throw storeError(err, ns, 'prune the store')
  }
}
