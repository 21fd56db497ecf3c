import { PggraphError, quoteIdent, type Queryable } from '@pggraph/core'
import { withTransaction } from './connection.js'
import { loadMetrics } from './metric-tables.js'
import { prefixedTable, ROLLUP_SUFFIX, schemaTable, validateNamespace, type Namespace } from './names.js'
import { PACK_SETTINGS, packSql, utcHour } from './packed.js'
import { rollupStore, type RollupResult } from './rollup.js'
import { storeError } from './write.js'

const HOUR = 3_600_000
const DAY = 86_400_000
/** Row size from which the partitions that hold packed rows compress them (the least PostgreSQL allows). */
const TOAST_TARGET = 128
/** Hours packed per transaction: a store upgraded with months of raw rows commits as it goes. */
const CHUNK_HOURS = 24
/**
 * How long an ingest may have been running when the last packing began: its snapshot, received
 * before that moment, may have committed after it and been missed.
 */
const LATE_MARGIN = '5 minutes'

/** What {@link maintainStore} did. */
export interface MaintainResult {
  /** UTC hours packed (or packed again after a late snapshot), oldest first. */
  readonly hoursPacked: number
  /** Rows replaced (raw readings and earlier packed rows of those hours). */
  readonly rowsPacked: number
  /** Packed rows written: one per label set and hour. */
  readonly rowsWritten: number
  /**
   * Daily partitions whose space was reclaimed, each as `<partition> (full)`: rewritten by
   * `VACUUM FULL` to their live rows (the packed hours and the raw rows of the open hour), so the
   * space of the raw rows just packed and of their index entries goes back to the file system.
   * (After packing, the rollup tables get a plain `VACUUM` too; they are not listed here.)
   */
  readonly vacuumed: readonly string[]
  /** The hourly rollups brought up to date afterwards. */
  readonly rollup: RollupResult
  readonly durationMs: number
}

/** Options of {@link maintainStore}. */
export interface MaintainOptions {
  /** Pack at most this many hours in this run (the rest is left for the next). Default: all closed hours. */
  readonly maxHours?: number
}

/**
 * Maintain the store of `ns`: pack every closed UTC hour (every hour before the one of the
 * newest snapshot) into one row per label set whose readings are delta-encoded, TOAST-compressed
 * arrays (see docs/store.md, "Storage design"), pack again the hours a late snapshot added raw
 * rows to, then bring the hourly rollups up to date ({@link rollupStore}). Reads return exactly
 * the same readings before and after. The space of the packed rows is reclaimed (`VACUUM FULL`
 * of the day's partitions), so a store holds at most one hour of raw rows per system. Idempotent, and safe while bridges write (a snapshot
 * arriving during the run stays raw until the next one); commits every 24 hours packed, so an
 * upgraded store with months of raw rows is packed in steps. Run it hourly (a timer or cron job
 * calling it), as the schema owner or a superuser.
 *
 * @example
 * ```ts
 * const r = await maintainStore(db, { schema: 'acme', prefix: 'db1' })
 * console.log(`${r.hoursPacked} hours packed`)
 * ```
 */
export async function maintainStore(
  db: Queryable,
  ns: Namespace,
  options: MaintainOptions = {},
): Promise<MaintainResult> {
  const started = performance.now()
  validateNamespace(ns)
  const max = options.maxHours ?? Infinity
  if (!(max >= 0)) throw new PggraphError('CONFIG', `maxHours must be a number of hours, 0 or more (got ${max}).`)
  let hoursPacked = 0
  let rowsPacked = 0
  let rowsWritten = 0
  try {
    // Snapshots received from this moment on are looked at by the next run.
    const began = (await db.query<{ t: string }>(`SELECT now()::text AS t`)).rows[0]!.t
    const list = await hoursToPack(db, ns)
    const todo = Number.isFinite(max) ? list.slice(0, Math.floor(max)) : list
    const all = todo.length === list.length
    for (let i = 0; i < todo.length; i += CHUNK_HOURS) {
      const hours = todo.slice(i, i + CHUNK_HOURS)
      const step = await withTransaction(db, async (tx) => {
        await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`pggraph:maintain:${ns.schema}.${ns.prefix}`])
        await tx.query(PACK_SETTINGS)
        const metrics = [...(await loadMetrics(tx, ns)).values()].sort((a, b) => a.name.localeCompare(b.name))
        await compressSmallRows(
          tx,
          ns,
          metrics.map((m) => m.name),
          hours,
        )
        let deleted = 0
        let written = 0
        for (const [from, to] of ranges(hours)) {
          for (const m of metrics) {
            const r = await tx.query<{ deleted: number; written: number }>(packSql(ns, m), [
              new Date(from).toISOString(),
              new Date(to).toISOString(),
            ])
            deleted += r.rows[0]?.deleted ?? 0
            written += r.rows[0]?.written ?? 0
          }
        }
        await tx.query(
          `UPDATE ${schemaTable(ns.schema, 'sources')} SET packed_until = GREATEST(packed_until, $2::timestamptz) WHERE prefix = $1`,
          [ns.prefix, new Date(hours[hours.length - 1]! + HOUR).toISOString()],
        )
        return { deleted, written }
      })
      hoursPacked += hours.length
      rowsPacked += step.deleted
      rowsWritten += step.written
    }
    if (all) {
      await db.query(`UPDATE ${schemaTable(ns.schema, 'sources')} SET packed_at = $2::timestamptz WHERE prefix = $1`, [
        ns.prefix,
        began,
      ])
    }
    const names = todo.length ? [...(await loadMetrics(db, ns)).keys()].sort() : []
    const vacuumed = todo.length ? await reclaim(db, ns, names, todo) : []
    const rollup = await rollupStore(db, ns)
    if (todo.length && rollup.rows > 0) await vacuumRollups(db, ns, names)
    return { hoursPacked, rowsPacked, rowsWritten, vacuumed, rollup, durationMs: performance.now() - started }
  } catch (err) {
    throw storeError(err, ns, 'maintain the store')
  }
}

/** The daily partitions of `metrics` holding `hours`, quoted. */
function partitions(
  ns: Namespace,
  metrics: readonly string[],
  hours: readonly number[],
): { name: string; sql: string }[] {
  const days = [...new Set(hours.map((h) => h - (h % DAY)))]
  return days.flatMap((day) =>
    metrics.map((m) => {
      const name = `${ns.prefix}_${m}_${new Date(day).toISOString().slice(0, 10).replace(/-/g, '')}`
      return { name, sql: `${quoteIdent(ns.schema, 'schema')}.${quoteIdent(name, 'table')}` }
    }),
  )
}

/**
 * PostgreSQL compresses a row's arrays only when the row is over 2 kB; a packed row is often
 * smaller, so the partitions it goes to compress from {@link TOAST_TARGET} bytes (set once per
 * partition; it applies to rows written afterwards).
 */
async function compressSmallRows(
  db: Queryable,
  ns: Namespace,
  metrics: readonly string[],
  hours: readonly number[],
): Promise<void> {
  const parts = partitions(ns, metrics, hours)
  const { rows } = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = ANY ($2::text[]) AND NOT coalesce(c.reloptions @> ARRAY[$3], false)`,
    [ns.schema, parts.map((p) => p.name), `toast_tuple_target=${TOAST_TARGET}`],
  )
  const todo = new Set(rows.map((r) => r.name))
  for (const p of parts)
    if (todo.has(p.name)) await db.query(`ALTER TABLE ${p.sql} SET (toast_tuple_target = ${TOAST_TARGET})`)
}

/**
 * Reclaim the space of the rows packed in `hours` (see {@link MaintainResult.vacuumed}): a
 * `VACUUM FULL` of each daily partition they were in, also of the open day. A plain `VACUUM`
 * only let the next hour's raw rows reuse the space, so a day's partition kept two hours of raw
 * rows (one live, one free) and its primary key the entries of about three; rewriting it keeps
 * one hour. It holds the partition's lock while it copies the live rows (the packed hours of
 * the day and the raw rows of the open hour): an ingest waits for it.
 */
async function reclaim(
  db: Queryable,
  ns: Namespace,
  metrics: readonly string[],
  hours: readonly number[],
): Promise<string[]> {
  const parts = partitions(ns, metrics, hours)
  const present = await existing(
    db,
    parts.map((p) => p.sql),
  )
  const done: string[] = []
  for (const p of parts) {
    if (!present.has(p.sql)) continue
    // Outside a transaction (VACUUM cannot run in one): each statement commits by itself.
    await db.query(`VACUUM (FULL) ${p.sql}`)
    done.push(`${p.name} (full)`)
  }
  return done
}

/**
 * `VACUUM` of the rollup tables of `ns`: each run replaces the rollups of the last hour it
 * computed before (to pick up late snapshots), which left half of a rollup table dead until
 * autovacuum came by; vacuumed here, the next run's rows take their space.
 */
async function vacuumRollups(db: Queryable, ns: Namespace, metrics: readonly string[]): Promise<void> {
  const tables = metrics.map(
    (m) => `${quoteIdent(ns.schema, 'schema')}.${quoteIdent(`${ns.prefix}_${m}${ROLLUP_SUFFIX}`, 'table')}`,
  )
  const present = await existing(db, tables)
  for (const sql of tables) if (present.has(sql)) await db.query(`VACUUM ${sql}`)
}

/** Which of the quoted table names `sqls` exist, in one round trip. */
async function existing(db: Queryable, sqls: readonly string[]): Promise<Set<string>> {
  if (sqls.length === 0) return new Set()
  const r = await db.query<{ t: string }>(`SELECT t FROM unnest($1::text[]) AS t WHERE to_regclass(t) IS NOT NULL`, [
    [...sqls],
  ])
  return new Set(r.rows.map((x) => x.t))
}

/**
 * The closed hours (ms, ascending) that hold raw rows: the hours from the end of the
 * packed ones to the hour of the newest snapshot, and hours before that end which received a
 * snapshot since the last packing (late or re-sent snapshots of a gap).
 */
async function hoursToPack(db: Queryable, ns: Namespace): Promise<number[]> {
  const snapshots = prefixedTable(ns, 'snapshots')
  const { rows } = await db.query<{ h: number }>(
    `WITH s AS (SELECT packed_until AS pu, packed_at AS pa FROM ${schemaTable(ns.schema, 'sources')} WHERE prefix = $1),
          newest AS (SELECT ${utcHour('max("time")')} AS h FROM ${snapshots})
     SELECT DISTINCT date_part('epoch', ${utcHour('x."time"')}) * 1000 AS h
       FROM ${snapshots} x, s, newest
      WHERE x."time" < newest.h
        AND (s.pu IS NULL OR x."time" >= s.pu OR x.received_at >= s.pa - interval '${LATE_MARGIN}')
      ORDER BY 1`,
    [ns.prefix],
  )
  return rows.map((r) => Number(r.h))
}

/** Consecutive hours as [from, to) ranges. */
function ranges(hours: readonly number[]): [number, number][] {
  const out: [number, number][] = []
  for (const h of hours) {
    const last = out[out.length - 1]
    if (last && last[1] === h) last[1] = h + HOUR
    else out.push([h, h + HOUR])
  }
  return out
}
