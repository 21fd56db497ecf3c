import { quoteIdent } from '@pggraph/core'
import type { StoredMetric, StoredValue } from './metric-tables.js'
import { prefixedTable, type Namespace } from './names.js'

/**
 * The packed form of a closed hour (see docs/store.md, "Storage design"): {@link maintainStore}
 * replaces the raw rows of one label set in one UTC hour by a single row of the same metric
 * table, keyed by the time of its first reading, whose value columns are NULL and whose internal
 * columns hold every reading of the hour:
 *
 * - `_packed_times bigint[]`: the readings' times, as microseconds since the one before (0 for the first,
 *   the row's own `time`); a label set absent from a snapshot has no entry (gone, not unchanged);
 * - `_packed_bases float8[]`: per value column (in the definition's stored order), the base its readings
 *   are stored relative to, or NULL where they are stored as they are (a column whose readings
 *   `base + (x - base)` would not give back bit for bit);
 * - `_packed_values float8[][]`: per value column, the readings minus the base (an idle counter is a run of
 *   zeros, which TOAST compression reduces to almost nothing);
 * - `_packed_resets timestamptz[]`: the readings' `stats_reset`, for metrics that have one.
 *
 * Internal column names start with `_`, which a validated label or value name never does.
 */
export const PACKED = {
  times: '_packed_times',
  bases: '_packed_bases',
  values: '_packed_values',
  resets: '_packed_resets',
} as const

/** Quote an internal column name (a constant of this file: not a user identifier, so not validated). */
export function internalColumn(c: (typeof PACKED)[keyof typeof PACKED]): string {
  return `"${c}"`
}

/** The internal columns of a metric table and their types. */
export function packedColumns(statsReset: boolean): (readonly [(typeof PACKED)[keyof typeof PACKED], string])[] {
  return [
    [PACKED.times, 'bigint[]'],
    [PACKED.bases, 'double precision[]'],
    [PACKED.values, 'double precision[]'],
    ...(statsReset ? [[PACKED.resets, 'timestamptz[]'] as const] : []),
  ]
}

/**
 * Storage of the internal columns of `table`: the bases stay inline and uncompressed (read once
 * per value, so never decompressed again and again); the arrays are compressed (lz4 where the
 * server has it, PostgreSQL 14+ built with lz4; pglz otherwise) and kept in the row (`MAIN`):
 * with `EXTENDED`, the low `toast_tuple_target` that makes small rows compress also moved their
 * arrays out of line, to the TOAST table (an 18-byte pointer, a chunk row and a TOAST index entry
 * per array, and an index lookup per read). Recurses to partitions, and new partitions inherit it.
 */
export function packedStorageSql(table: string, statsReset: boolean, lz4: boolean): string[] {
  const q = internalColumn
  const arrays = [PACKED.times, PACKED.values, ...(statsReset ? [PACKED.resets] : [])]
  return [
    `ALTER TABLE ${table} ALTER COLUMN ${q(PACKED.bases)} SET STORAGE PLAIN`,
    ...arrays.map((c) => `ALTER TABLE ${table} ALTER COLUMN ${q(c)} SET STORAGE MAIN`),
    ...(lz4 ? arrays.map((c) => `ALTER TABLE ${table} ALTER COLUMN ${q(c)} SET COMPRESSION lz4`) : []),
  ]
}

const id = (c: string): string => quoteIdent(c, 'column')
const P = internalColumn
/** 2^1022: two readings below it in magnitude have a finite difference. */
const SAFE = `'${2 ** 1022}'::double precision`

/** The UTC hour of a timestamptz expression (independent of the session's TimeZone). */
export function utcHour(expr: string): string {
  return `(date_trunc('hour', (${expr}) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')`
}

/**
 * A query over the metric table of `m` (alias `m`) giving one row per reading in
 * [`lower`, `upper`] — packed hours unpacked — with columns `time`, the labels, `_v<i>` for each
 * of `columns` and, with `withReset`, `_sr` (the reading's stats_reset). `filters` are
 * conditions on the labels of `m`; `upperInclusive` false makes the range half-open.
 */
export function readingsSql(
  ns: Namespace,
  m: StoredMetric,
  columns: readonly StoredValue[],
  lower: string,
  upper: string,
  filters: readonly string[],
  upperInclusive: boolean,
  withReset: boolean,
): string {
  const table = prefixedTable(ns, m.name)
  const labels = m.labels.map((l) => `m.${id(l)}`)
  const lt = upperInclusive ? '<=' : '<'
  const raw = [
    'm."time"',
    ...labels,
    ...columns.map((c, i) => `m.${id(c.name)} AS "_v${i}"`),
    ...(withReset ? ['m."stats_reset" AS "_sr"'] : []),
  ]
  const rawWhere = [`m.${P(PACKED.times)} IS NULL`, `m."time" >= ${lower}`, `m."time" ${lt} ${upper}`, ...filters]
  // The position of each column in the packed arrays: its place in the stored definition.
  const k = columns.map((c) => m.values.findIndex((v) => v.name === c.name) + 1)
  const slices = k.map((pos) => `m.${P(PACKED.values)}[${pos}:${pos}]`)
  const names = ['"_d"', ...columns.map((_, i) => `"_c${i}"`), ...(withReset ? ['"_r"'] : []), '"_o"']
  const unnest = `unnest(m.${P(PACKED.times)}, ${slices.join(', ')}${withReset ? `, m.${P(PACKED.resets)}` : ''}) WITH ORDINALITY AS u(${names.join(', ')})`
  const base = (i: number): string => `m.${P(PACKED.bases)}[${k[i]}]`
  const packed = [
    'x."_t" AS "time"',
    ...labels,
    ...columns.map(
      (_, i) => `CASE WHEN ${base(i)} IS NULL THEN x."_c${i}" ELSE ${base(i)} + x."_c${i}" END AS "_v${i}"`,
    ),
    ...(withReset ? ['x."_r" AS "_sr"'] : []),
  ]
  const packedWhere = [
    `m.${P(PACKED.times)} IS NOT NULL`,
    `m."time" >= ${utcHour(lower)}`,
    `m."time" ${lt} ${upper}`,
    ...filters,
    `x."_t" >= ${lower}`,
    `x."_t" ${lt} ${upper}`,
  ]
  const lateral = `(SELECT m."time" + (sum(u."_d") OVER (ORDER BY u."_o"))::double precision * interval '1 microsecond' AS "_t", u.* FROM ${unnest}) x`
  return `SELECT ${raw.join(', ')} FROM ${table} m WHERE ${rawWhere.join(' AND ')}
UNION ALL
SELECT ${packed.join(', ')} FROM ${table} m CROSS JOIN LATERAL ${lateral} WHERE ${packedWhere.join(' AND ')}`
}

/**
 * One statement that packs the readings of `m` in the hours of [`$1`, `$2`) (closed hours, whole
 * UTC hours): it deletes their rows, raw and packed (a late snapshot adds raw rows to a packed
 * hour), and inserts one packed row per label set and hour holding all of them. Idempotent:
 * packing a packed hour again writes the same row. Returns the rows deleted and written.
 */
export function packSql(ns: Namespace, m: StoredMetric): string {
  const table = prefixedTable(ns, m.name)
  const labels = m.labels.map(id)
  const sr = m.statsReset
  const readings = readingsSql(ns, m, m.values, '$1::timestamptz', '$2::timestamptz', [], false, sr).replaceAll(
    `FROM ${table} m`,
    'FROM moved m',
  )
  const aggs = m.values.flatMap((_, i) => [
    `array_agg("_v${i}" ORDER BY "time") AS "_a${i}"`,
    `min("_v${i}") AS "_b${i}"`,
  ])
  // PostgreSQL raises "value out of range: overflow" where x - base would be infinite, so only
  // readings within ±2^1022 (whose difference is finite) are tried; the others are stored as they are.
  const exact = m.values.map(
    (_, i) =>
      `coalesce((SELECT bool_and(CASE WHEN abs(x) < ${SAFE} AND abs(g."_b${i}") < ${SAFE} THEN float8send(g."_b${i}" + (x - g."_b${i}")) = float8send(x) ELSE false END) FROM unnest(g."_a${i}") x), false) AS "_e${i}"`,
  )
  const enc = (i: number): string =>
    `CASE WHEN e."_e${i}" THEN ARRAY(SELECT x - e."_b${i}" FROM unnest(e."_a${i}") WITH ORDINALITY AS y(x, o) ORDER BY o) ELSE e."_a${i}" END`
  const times = `ARRAY(SELECT coalesce(round(extract(epoch FROM y.t - lag(y.t) OVER (ORDER BY y.o)) * 1000000)::bigint, 0) FROM unnest(e."_ts") WITH ORDINALITY AS y(t, o) ORDER BY y.o)`
  const cols = ['"time"', ...labels, ...packedColumns(sr).map(([c]) => P(c))]
  const vals = [
    'e."_ts"[1]',
    ...labels.map((l) => `e.${l}`),
    times,
    `ARRAY[${m.values.map((_, i) => `CASE WHEN e."_e${i}" THEN e."_b${i}" END`).join(', ')}]::double precision[]`,
    `ARRAY[${m.values.map((_, i) => enc(i)).join(', ')}]::double precision[]`,
    ...(sr ? ['e."_rs"'] : []),
  ]
  const key = [utcHour('"time"'), ...labels]
  return `WITH moved AS (DELETE FROM ${table} m WHERE m."time" >= $1::timestamptz AND m."time" < $2::timestamptz RETURNING m.*),
readings AS (${readings}),
g AS (SELECT ${labels.map((l) => `${l}, `).join('')}array_agg("time" ORDER BY "time") AS "_ts", ${aggs.join(', ')}${sr ? ', array_agg("_sr" ORDER BY "time") AS "_rs"' : ''}
        FROM readings GROUP BY ${key.join(', ')}),
e AS (SELECT g.*, ${exact.join(', ')} FROM g),
ins AS (INSERT INTO ${table} (${cols.join(', ')}) SELECT ${vals.join(', ')} FROM e RETURNING 1)
SELECT (SELECT count(*) FROM moved)::int AS deleted, (SELECT count(*) FROM ins)::int AS written`
}
