// The bounds of what one writer may send in one snapshot: the one owner of their names and
// defaults. The ingest function enforces them (a writer may call it directly, so the store is
// the line that holds), and writeSnapshot checks the same numbers before sending so a bridge
// hears a clear, permanent refusal without shipping the payload.
import { PggraphError, type Queryable } from '@pggraph/core'
import { storeFunction, type StoreFunction } from './plpgsql.js'
import { prefixedTable, schemaTable, type Namespace } from './names.js'

/**
 * What one snapshot may hold, per monitored system (prefix). Over any bound the store refuses
 * the whole snapshot, writes nothing, and records why in `sources.last_error`.
 */
export interface IngestLimits {
  /** Bytes of the call: the snapshot JSON plus, in the columnar form, its two arrays. */
  readonly maxPayloadBytes: number
  /** Metrics (keys of `metrics`) in one snapshot, stored or not. */
  readonly maxMetrics: number
  /** Rows of one metric; also the longest `databases` and `skipped` lists. */
  readonly maxRowsPerMetric: number
  /** Rows of all metrics together. */
  readonly maxRowsPerSnapshot: number
  /** Entries of `resets` (stats reset times). */
  readonly maxResets: number
  /** How old a snapshot may be, in days of the store's clock: match it to your retention. */
  readonly maxAgeDays: number
}

/**
 * The default {@link IngestLimits}, sized from a measured default snapshot of a database with
 * 10,000 tables (PostgreSQL 15, `collect()` with the default collectors): 27 metrics, 1,075 rows
 * (the top 500 tables and indexes plus one row for the rest), 550 kB of JSON, 12 resets; with
 * every table and index collected (`top: 10000`) 20,084 rows and 10.7 MB. Each default leaves
 * at least 5× headroom over the fully collected case; see docs/store.md.
 */
export const DEFAULT_INGEST_LIMITS: IngestLimits = {
  maxPayloadBytes: 64 * 1024 * 1024,
  maxMetrics: 200,
  maxRowsPerMetric: 50_000,
  maxRowsPerSnapshot: 100_000,
  maxResets: 10_000,
  maxAgeDays: 90,
}

/** The names of the limits, in a fixed order (SQL, docs and messages follow it). */
export const INGEST_LIMIT_NAMES = Object.keys(DEFAULT_INGEST_LIMITS) as readonly (keyof IngestLimits)[]

/** The largest value a limit may be set to: what a PostgreSQL `integer` holds (and under 1 GB for bytes). */
const LIMIT_CEILING: IngestLimits = {
  maxPayloadBytes: 1024 * 1024 * 1024 - 1,
  maxMetrics: 2_147_483_647,
  maxRowsPerMetric: 2_147_483_647,
  maxRowsPerSnapshot: 2_147_483_647,
  maxResets: 2_147_483_647,
  maxAgeDays: 36_500,
}

/**
 * The most bytes (UTF-8) the label values of one row may have together, in every metric (so one
 * label value too): the labels are part of their table's primary key, whose btree entries
 * PostgreSQL caps at 2,704 bytes for the time, every label and their headers together, so longer
 * labels would fail the whole write with SQLSTATE 54000. 2,048 leaves room for the time and the
 * headers, and keeps every label a collector makes from a catalog name (a function's signature of
 * many arguments reaches 1.3 kB on the test servers). Not a per-prefix limit: the writer and the
 * ingest function refuse a snapshot holding a longer row, naming the metric and the labels, and
 * record why in `sources.last_error`. Collectors keep labels far shorter (statement text: 200
 * characters).
 */
export const MAX_LABEL_BYTES = 2048

/** A refusal of a label value over {@link MAX_LABEL_BYTES}, the same words in SQL and TypeScript. */
export function labelTooLongMessage(metric: string, label: string, bytes: number | string): string {
  return `Snapshot rejected: label ${label} of metric ${metric} has a value of ${bytes} bytes, more than ${MAX_LABEL_BYTES} (a label is part of the primary key). Nothing was written; shorten the label in the collector.`
}

/**
 * A refusal of one row whose labels, each under {@link MAX_LABEL_BYTES}, are over it together;
 * `labels` lists them (`"a, b"`). The same words in SQL and TypeScript.
 */
export function rowLabelsTooLongMessage(metric: string, labels: string, bytes: number | string): string {
  return `Snapshot rejected: labels ${labels} of one row of metric ${metric} have ${bytes} bytes together, more than ${MAX_LABEL_BYTES} (the labels of a row are its primary key). Nothing was written; shorten the labels in the collector.`
}

/**
 * The largest magnitude of a stored value (1e100). No statistic comes near it (a bigint counter
 * ends at 9.2e18), and below it no sum, difference or rate the store computes can overflow
 * float8 (sums of 1e308 failed with "value out of range: overflow", stopping a tenant's rollups
 * and every read of the metric). `writeSnapshot` refuses a value beyond it; a value that reaches
 * the tables past the writer (a direct call of the ingest function with a stolen writer
 * password), and NaN or ±Infinity, is read as missing by series and rollups.
 */
export const MAX_ABS_VALUE = 1e100

/** The one text field of a metric row that is not a label: it is not part of the key. */
export const NOT_A_LABEL = 'stats_reset'

/** How far ahead of the store's clock a snapshot may be dated (clock skew allowance), in minutes. */
export const FUTURE_WINDOW_MINUTES = 5

/** The same as {@link FUTURE_WINDOW_MINUTES}, in milliseconds. */
export const FUTURE_WINDOW_MS = FUTURE_WINDOW_MINUTES * 60_000

/**
 * Check limits given to install: each a whole number from 1 to its ceiling. Throws
 * `PggraphError('CONFIG')` naming the first bad one; returns only the limits given.
 */
export function checkIngestLimits(limits: Partial<IngestLimits>): Partial<IngestLimits> {
  if (!limits || typeof limits !== 'object' || Array.isArray(limits))
    throw new PggraphError('CONFIG', 'limits must be an object such as { maxRowsPerMetric: 100000 }.')
  const out: Partial<Record<keyof IngestLimits, number>> = {}
  for (const [name, value] of Object.entries(limits)) {
    if (value === undefined) continue
    if (!(INGEST_LIMIT_NAMES as readonly string[]).includes(name))
      throw new PggraphError('CONFIG', `Unknown ingest limit ${name}: use ${INGEST_LIMIT_NAMES.join(', ')}.`)
    const key = name as keyof IngestLimits
    const max = LIMIT_CEILING[key]
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max)
      throw new PggraphError(
        'CONFIG',
        `Ingest limit ${name} must be a whole number from 1 to ${max} (got ${JSON.stringify(value)}).`,
      )
    out[key] = value
  }
  return out
}

/** A refusal message, the same words in SQL and TypeScript: what is over which bound, and the fix. */
export function overLimitMessage(
  what: string,
  count: number | string,
  name: keyof IngestLimits,
  limit: number | string,
): string {
  return `Snapshot rejected: ${what} ${count}, more than ${name} (${limit}). Nothing was written; raise the limit with install (${name}) if this system really sends that much.`
}

/**
 * `<schema>.<prefix>_limits()`: the effective limits of the prefix as JSON, the defaults
 * (fixed in the body at install) overridden by `sources.ingest_limits`. The ingest function reads
 * them from here; the writer may call it so its client checks the same numbers.
 */
export function limitsFunction(ns: Namespace): StoreFunction {
  const fields = INGEST_LIMIT_NAMES.map(
    (n) => `'${n}', coalesce((l->>'${n}')::bigint, ${DEFAULT_INGEST_LIMITS[n]})`,
  ).join(',\n    ')
  const body = `
  SELECT jsonb_build_object(
    ${fields})
    FROM (SELECT (SELECT ingest_limits FROM ${schemaTable(ns.schema, 'sources')} WHERE prefix = '${ns.prefix}') AS l) x
`
  return storeFunction(
    `${prefixedTable(ns, 'limits')}()`,
    `() RETURNS jsonb LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp`,
    body,
  )
}

/** Effective limits from the JSON of {@link limitsFunction}; missing or bad fields take the defaults. */
export function limitsFromJson(json: unknown): IngestLimits {
  const o = json && typeof json === 'object' ? (json as Record<string, unknown>) : {}
  const out = { ...DEFAULT_INGEST_LIMITS } as Record<keyof IngestLimits, number>
  for (const n of INGEST_LIMIT_NAMES) {
    const v = Number(o[n])
    if (Number.isFinite(v) && v > 0) out[n] = v
  }
  return out
}

/**
 * Store `limits` as the overrides of `ns` (install): merged with those already stored, a limit
 * equal to its default dropped (so it follows the defaults of later versions). Returns the
 * effective limits and whether anything changed. Runs as the schema owner.
 */
export async function setIngestLimits(
  db: Queryable,
  ns: Namespace,
  limits: Partial<IngestLimits> | undefined,
): Promise<{ limits: IngestLimits; changed: boolean }> {
  const sources = schemaTable(ns.schema, 'sources')
  const { rows } = await db.query<{ l: Record<string, number> | null }>(
    `SELECT ingest_limits AS l FROM ${sources} WHERE prefix = $1`,
    [ns.prefix],
  )
  const before = rows[0]?.l ?? {}
  const merged: Record<string, number> = { ...before, ...checkIngestLimits(limits ?? {}) }
  for (const n of INGEST_LIMIT_NAMES) if (merged[n] === DEFAULT_INGEST_LIMITS[n]) delete merged[n]
  const canonical = (o: Record<string, number>): string =>
    JSON.stringify(INGEST_LIMIT_NAMES.filter((n) => o[n] !== undefined).map((n) => [n, o[n]]))
  const changed = canonical(before) !== canonical(merged)
  if (changed) {
    await db.query(`UPDATE ${sources} SET ingest_limits = $2::jsonb WHERE prefix = $1`, [
      ns.prefix,
      Object.keys(merged).length ? JSON.stringify(merged) : null,
    ])
  }
  return { limits: limitsFromJson(merged), changed }
}
