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
 *   the row's own `time`), run-length encoded as (step, count) pairs: `{0,1,60000000,59}` is an
 *   hour of 1-minute snapshots; a label set absent from a snapshot has no entry (gone, not unchanged);
 * - `_packed_deltas text[]`: per value column (in the definition's stored order), its readings as
 *   comma-separated float8 text (the shortest text that reads back bit for bit; an empty item is
 *   NULL; `x*n` is n items x in a row): the first reading, then each one minus the reading before
 *   it, so that the running sum gives them back (an idle counter is `v,0*59`, a busy one small
 *   whole numbers); or, after a leading `=`, the readings as they are, for a column whose running
 *   sum would not give them back bit for bit or whose readings reach ±2^1022 (where a difference
 *   could overflow). Text, not float8 arrays, because PostgreSQL compresses a row only from
 *   about 2 kB (`toast_tuple_target` sets the size compression aims for, not the one that starts
 *   it), which most packed rows are under: the run-length text is small without compression;
 * - `_packed_resets timestamptz[]`: the readings' `stats_reset`, for metrics that have one;
 * - `_packed_bases float8[]`, `_packed_values float8[][]`: the layout before `_packed_deltas`
 *   (each reading minus the column's smallest one of the hour, as float8, and plain time steps in
 *   `_packed_times`), NULL in rows packed since; migration `0010_packed_deltas` repacks the rows
 *   a store held in it.
 *
 * Internal column names start with `_`, which a validated label or value name never does.
 */
export const PACKED = {
  times: '_packed_times',
  bases: '_packed_bases',
  values: '_packed_values',
  deltas: '_packed_deltas',
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
    [PACKED.deltas, 'text[]'],
    ...(statsReset ? [[PACKED.resets, 'timestamptz[]'] as const] : []),
  ]
}

/**
 * Storage of the internal columns of `table`: the bases (of rows packed before `_packed_deltas`)
 * stay inline and uncompressed; the arrays are compressed (lz4 where the
 * server has it, PostgreSQL 14+ built with lz4; pglz otherwise) and kept in the row (`MAIN`):
 * with `EXTENDED`, the low `toast_tuple_target` that makes small rows compress also moved their
 * arrays out of line, to the TOAST table (an 18-byte pointer, a chunk row and a TOAST index entry
 * per array, and an index lookup per read). Recurses to partitions, and new partitions inherit it.
 */
export function packedStorageSql(table: string, statsReset: boolean, lz4: boolean): string[] {
  const q = internalColumn
  const arrays = [PACKED.times, PACKED.values, PACKED.deltas, ...(statsReset ? [PACKED.resets] : [])]
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
 * Packing writes readings as float8 text: the shortest text that reads back bit for bit needs
 * `extra_float_digits` above 0 (the default, 1); a session with 0 or less would round them.
 * {@link maintainStore} sets it for its transactions (each reading is also checked to read back
 * exactly: a rounded column would be kept as it is, not changed).
 */
export const PACK_SETTINGS = `SET LOCAL extra_float_digits = 1`

/**
 * A query over the metric table of `m` (alias `m`) giving one row per reading in
 * [`lower`, `upper`] — packed hours unpacked — with columns `time`, the labels, `_v<i>` for each
 * of `columns` and, with `withReset`, `_sr` (the reading's stats_reset). `filters` are
 * conditions on the labels of `m`; `upperInclusive` false makes the range half-open. With
 * `legacy`, rows packed in the layout before `_packed_deltas` are read too (for their repacking).
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
  legacy = false,
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
  const text = (i: number): string => `m.${P(PACKED.deltas)}[${k[i]}]`
  const asIs = (i: number): string => `left(${text(i)}, 1) = '='`
  const parsed = k.map((_, i) => expandItems(`ltrim(${text(i)}, '=')`))
  const names = ['"_d"', ...columns.map((_, i) => `"_c${i}"`), ...(withReset ? ['"_r"'] : []), '"_o"']
  const unnest = `unnest(${expandRuns(`m.${P(PACKED.times)}`)}, ${parsed.join(', ')}${withReset ? `, m.${P(PACKED.resets)}` : ''}) WITH ORDINALITY AS u(${names.join(', ')})`
  // A reading is the running sum of its column's items (none for a column kept as it is, whose
  // sum could overflow); a NULL item is a NULL reading.
  const value = (i: number): string =>
    `CASE WHEN u."_c${i}" IS NULL THEN NULL WHEN ${asIs(i)} THEN u."_c${i}" ELSE sum(CASE WHEN ${asIs(i)} THEN NULL ELSE u."_c${i}" END) OVER w END AS "_v${i}"`
  const lateral = `(SELECT m."time" + (sum(u."_d") OVER w)::double precision * interval '1 microsecond' AS "_t", ${[
    ...columns.map((_, i) => value(i)),
    ...(withReset ? ['u."_r"'] : []),
  ].join(', ')} FROM ${unnest} WINDOW w AS (ORDER BY u."_o")) x`
  const packed = [
    'x."_t" AS "time"',
    ...labels,
    ...columns.map((_, i) => `x."_v${i}"`),
    ...(withReset ? ['x."_r" AS "_sr"'] : []),
  ]
  const packedWhere = (c: (typeof PACKED)[keyof typeof PACKED]): string[] => [
    `m.${P(c)} IS NOT NULL`,
    `m."time" >= ${utcHour(lower)}`,
    `m."time" ${lt} ${upper}`,
    ...filters,
    `x."_t" >= ${lower}`,
    `x."_t" ${lt} ${upper}`,
  ]
  const branches = [
    `SELECT ${raw.join(', ')} FROM ${table} m WHERE ${rawWhere.join(' AND ')}`,
    `SELECT ${packed.join(', ')} FROM ${table} m CROSS JOIN LATERAL ${lateral} WHERE ${packedWhere(PACKED.deltas).join(' AND ')}`,
    ...(legacy
      ? [
          `${legacySelect(columns, k, labels, withReset)} FROM ${table} m CROSS JOIN LATERAL ${legacyLateral(columns, k, withReset)} WHERE ${packedWhere(PACKED.values).join(' AND ')}`,
        ]
      : []),
  ]
  return branches.join('\nUNION ALL\n')
}

/** The select list of rows packed before `_packed_deltas` (base + offset per column). */
function legacySelect(
  columns: readonly StoredValue[],
  k: readonly number[],
  labels: readonly string[],
  withReset: boolean,
): string {
  const base = (i: number): string => `m.${P(PACKED.bases)}[${k[i]}]`
  return `SELECT ${[
    'x."_t" AS "time"',
    ...labels,
    ...columns.map(
      (_, i) => `CASE WHEN ${base(i)} IS NULL THEN x."_c${i}" ELSE ${base(i)} + x."_c${i}" END AS "_v${i}"`,
    ),
    ...(withReset ? ['x."_r" AS "_sr"'] : []),
  ].join(', ')}`
}

/** The readings of a row packed before `_packed_deltas`, unnested (`_t`, `_c<i>`, `_r`). */
function legacyLateral(columns: readonly StoredValue[], k: readonly number[], withReset: boolean): string {
  const slices = k.map((pos) => `m.${P(PACKED.values)}[${pos}:${pos}]`)
  const names = ['"_d"', ...columns.map((_, i) => `"_c${i}"`), ...(withReset ? ['"_r"'] : []), '"_o"']
  const unnest = `unnest(m.${P(PACKED.times)}, ${slices.join(', ')}${withReset ? `, m.${P(PACKED.resets)}` : ''}) WITH ORDINALITY AS u(${names.join(', ')})`
  return `(SELECT m."time" + (sum(u."_d") OVER (ORDER BY u."_o"))::double precision * interval '1 microsecond' AS "_t", u.* FROM ${unnest}) x`
}

// Repeats are unnest(array_fill(...)), not generate_series: the planner takes a generate_series
// with non-constant bounds for 1,000 rows, so a read of a few packed rows was estimated at
// millions, over jit_above_cost, and JIT compiling took seconds to a minute per query (a 30-day
// series read 33 s instead of 0.1 s); an unnest of an array it takes for 10.

/** The float8 array of the items of a `_packed_deltas` column text `t` (`x*n`: n times x). */
function expandItems(t: string): string {
  return `ARRAY(SELECT r.v FROM unnest(string_to_array(${t}, ',')) WITH ORDINALITY AS a(tok, o) CROSS JOIN LATERAL unnest(array_fill(nullif(split_part(a.tok, '*', 1), '')::double precision, ARRAY[coalesce(nullif(split_part(a.tok, '*', 2), '')::int, 1)])) AS r(v) ORDER BY a.o)`
}

/** The values of a (value, count) pairs array `a`, each repeated count times. */
function expandRuns(a: string): string {
  return `ARRAY(SELECT r.v FROM unnest(${a}) WITH ORDINALITY AS p(v, k) CROSS JOIN LATERAL unnest(array_fill(p.v, ARRAY[${a}[p.k + 1]::int])) AS r(v) WHERE p.k % 2 = 1 ORDER BY p.k)`
}

/**
 * Runs of equal items of the array `items` (a subquery with columns `tok`, `o`: the item and
 * its position) as (item, first position, count) rows `r`.
 */
function runs(items: string): string {
  return `(SELECT s.tok, min(s.o) AS f, count(*) AS n FROM (SELECT q.tok, q.o, q.o - row_number() OVER (PARTITION BY q.tok ORDER BY q.o) AS g FROM ${items} q) s GROUP BY s.tok, s.g) r`
}

/** Text items (`''` for NULL) as one `_packed_deltas` text, runs of equal items as `x*n`. */
function joinItems(items: string): string {
  return `(SELECT string_agg(CASE WHEN r.n = 1 THEN r.tok ELSE r.tok || '*' || r.n END, ',' ORDER BY r.f) FROM ${runs(`(SELECT * FROM unnest(${items}) WITH ORDINALITY AS z(tok, o))`)})`
}

/**
 * The `_packed_deltas` item of one column whose readings of the hour, in time order, are the
 * float8 array `a`: the running-sum form where it gives every reading back bit for bit (checked
 * here with the parsing and running sum {@link readingsSql} reads it with), else `=` and the
 * readings as they are.
 */
function deltasItem(a: string): string {
  // Each reading minus the non-NULL one before it (the first as it is); a reading at or beyond
  // ±2^1022 gives an empty item, which fails the check below (PostgreSQL raises an error on an
  // overflowing difference instead of returning Infinity).
  const delta = `ARRAY(SELECT coalesce(y.d::text, '') FROM (SELECT z.o, CASE WHEN z.x IS NULL THEN NULL WHEN z.p IS NULL THEN z.x WHEN abs(z.x) < ${SAFE} AND abs(z.p) < ${SAFE} THEN z.x - z.p END AS d FROM (SELECT u.x, u.o, lag(u.x) OVER (PARTITION BY u.x IS NULL ORDER BY u.o) AS p FROM unnest(${a}) WITH ORDINALITY AS u(x, o)) z) y ORDER BY y.o)`
  const exact = `coalesce((SELECT bool_and(CASE WHEN v.x IS NULL THEN v.c IS NULL ELSE v.c IS NOT NULL AND float8send(v.s) = float8send(v.x) END) FROM (SELECT w.x, w.c, sum(w.c) OVER (ORDER BY w.o) AS s FROM unnest(${a}, ${expandItems(`array_to_string(t.d, ',')`)}) WITH ORDINALITY AS w(x, c, o)) v), false)`
  const asIs = `ARRAY(SELECT coalesce(x::text, '') FROM unnest(${a}) WITH ORDINALITY AS u(x, o) ORDER BY o)`
  return `(SELECT CASE WHEN ${exact} THEN ${joinItems('t.d')} ELSE '=' || ${joinItems(asIs)} END FROM (SELECT ${delta} AS d) t)`
}

/**
 * One statement that packs the readings of `m` in the hours of [`$1`, `$2`) (closed hours, whole
 * UTC hours): it deletes their rows, raw and packed (a late snapshot adds raw rows to a packed
 * hour), and inserts one packed row per label set and hour holding all of them. Idempotent:
 * packing a packed hour again writes the same row. Returns the rows deleted and written. Run it
 * after {@link PACK_SETTINGS}; `legacy` also repacks rows of the layout before `_packed_deltas`.
 */
export function packSql(ns: Namespace, m: StoredMetric, legacy = false): string {
  const table = prefixedTable(ns, m.name)
  const labels = m.labels.map(id)
  const sr = m.statsReset
  const readings = readingsSql(ns, m, m.values, '$1::timestamptz', '$2::timestamptz', [], false, sr, legacy).replaceAll(
    `FROM ${table} m`,
    'FROM moved m',
  )
  const aggs = m.values.map((_, i) => `array_agg("_v${i}" ORDER BY "time") AS "_a${i}"`)
  const steps = `(SELECT y.o, coalesce(round(extract(epoch FROM y.t - lag(y.t) OVER (ORDER BY y.o)) * 1000000)::bigint, 0) AS tok FROM unnest(g."_ts") WITH ORDINALITY AS y(t, o))`
  const times = `ARRAY(SELECT v.x FROM ${runs(steps)} CROSS JOIN LATERAL (VALUES (1, r.tok), (2, r.n)) AS v(k, x) ORDER BY r.f, v.k)`
  const cols = ['"time"', ...labels, P(PACKED.times), P(PACKED.deltas), ...(sr ? [P(PACKED.resets)] : [])]
  const vals = [
    'g."_ts"[1]',
    ...labels.map((l) => `g.${l}`),
    times,
    `ARRAY[${m.values.map((_, i) => deltasItem(`g."_a${i}"`)).join(', ')}]::text[]`,
    ...(sr ? ['g."_rs"'] : []),
  ]
  const key = [utcHour('"time"'), ...labels]
  return `WITH moved AS (DELETE FROM ${table} m WHERE m."time" >= $1::timestamptz AND m."time" < $2::timestamptz RETURNING m.*),
readings AS (${readings}),
g AS (SELECT ${labels.map((l) => `${l}, `).join('')}array_agg("time" ORDER BY "time") AS "_ts", ${aggs.join(', ')}${sr ? ', array_agg("_sr" ORDER BY "time") AS "_rs"' : ''}
        FROM readings GROUP BY ${key.join(', ')}),
ins AS (INSERT INTO ${table} (${cols.join(', ')}) SELECT ${vals.join(', ')} FROM g RETURNING 1)
SELECT (SELECT count(*) FROM moved)::int AS deleted, (SELECT count(*) FROM ins)::int AS written`
}
