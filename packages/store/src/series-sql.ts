import { PggraphError, quoteIdent, type SeriesQuery } from '@pggraph/core'
import type { StoredMetric, StoredValue } from './metric-tables.js'
import { MAX_ABS_VALUE } from './ingest-limits.js'
import { prefixedTable, ROLLUP_SUFFIX, type Namespace } from './names.js'
import { readingsSql, utcHour } from './packed.js'

/** How far before the range counters look for the reading that the first rate needs. */
export const LOOKBACK = '1 hour'
/** Most buckets a query may ask for. */
export const MAX_POINTS = 100_000
/** Rollups are used when a bucket is at least this wide (they hold one row per hour). */
export const ROLLUP_MIN_BUCKET_MS = 30 * 60_000

function fail(message: string): never {
  throw new PggraphError('CONFIG', message)
}

export { utcHour }

/** A parameter list that hands out `$n` placeholders. */
export class Params {
  readonly values: unknown[] = []
  add(v: unknown): string {
    this.values.push(v)
    return `$${this.values.length}`
  }
}

const id = (c: string): string => quoteIdent(c, 'column')
/** {@link MAX_ABS_VALUE} as a float8 constant (a bare 1e+100 would be numeric, cast per row). */
const MAX_ABS = `'${MAX_ABS_VALUE}'::double precision`
/** Internal column names start with `_`, which a validated label or value name never does. */
export const S = (i: number): string => `"_s${i}"`
export const N = (i: number): string => `"_n${i}"`

/**
 * The CTEs `starts`, `src`, `lagged`, `rated`: one row per stored reading in [`from`, `to`] with,
 * for each column i, `_s<i>`/`_n<i>`: a counter's delta and the seconds it spans (both NULL
 * across a restart, a changed `stats_reset`, a drop, or for the first reading), a gauge's value
 * and 1. Shared by series queries and rollups, so both treat resets the same way.
 */
export function ratedCtes(
  ns: Namespace,
  m: StoredMetric,
  columns: readonly StoredValue[],
  from: string,
  to: string,
  filters: readonly string[],
  toInclusive = true,
): string[] {
  const labels = m.labels.map(id)
  const hasCounter = columns.some((c) => c.kind === 'counter')
  // A stored value beyond ±MAX_ABS_VALUE, NaN or ±Infinity (written past writeSnapshot) is read
  // as missing: no sum, difference or rate below can overflow.
  const v = (i: number): string => `(CASE WHEN abs("_v${i}") <= ${MAX_ABS} THEN "_v${i}" END)`
  const lower = hasCounter ? `${from} - interval '${LOOKBACK}'` : from
  const readings = readingsSql(ns, m, columns, lower, to, filters, toInclusive, hasCounter && m.statsReset)
  const ctes = [`src AS (${readings})`]
  if (!hasCounter) {
    const vals = columns.map(
      (_, i) => `${v(i)} AS ${S(i)}, CASE WHEN ${v(i)} IS NOT NULL THEN 1::double precision END AS ${N(i)}`,
    )
    ctes.push(`rated AS (SELECT "time"${labels.map((l) => `, ${l}`).join('')}, ${vals.join(', ')} FROM src)`)
    return ctes
  }
  // A counter's life ends when the server start time changes between snapshots: a restart, a
  // failover to another server (whose start time may be older), or a switch back.
  ctes.unshift(
    `starts AS (SELECT coalesce(array_agg(first_seen ORDER BY first_seen), '{}') AS a FROM ${prefixedTable(ns, 'epochs')})`,
  )
  const part = labels.length ? `PARTITION BY ${labels.join(', ')} ` : ''
  const lags = ['lag("time") OVER w AS "_pt"', ...(m.statsReset ? ['lag("_sr") OVER w AS "_psr"'] : [])]
  columns.forEach((c, i) => c.kind === 'counter' && lags.push(`lag(${v(i)}) OVER w AS "_p${i}"`))
  ctes.push(`lagged AS (SELECT *, ${lags.join(', ')} FROM src WINDOW w AS (${part}ORDER BY "time"))`)
  const epochChanged = `width_bucket("_pt", starts.a) <> width_bucket("time", starts.a)`
  const reset = `"_pt" IS NULL OR ${epochChanged}${m.statsReset ? ' OR "_psr" IS DISTINCT FROM "_sr"' : ''}`
  const vals = columns.map((c, i) => {
    if (c.kind === 'gauge')
      return `${v(i)} AS ${S(i)}, CASE WHEN ${v(i)} IS NOT NULL THEN 1::double precision END AS ${N(i)}`
    const bad = `${reset} OR ${v(i)} < "_p${i}"`
    return `CASE WHEN ${bad} THEN NULL ELSE ${v(i)} - "_p${i}" END AS ${S(i)}, CASE WHEN ${bad} OR ${v(i)} IS NULL OR "_p${i}" IS NULL THEN NULL ELSE date_part('epoch', "time" - "_pt") END AS ${N(i)}`
  })
  ctes.push(
    `rated AS (SELECT "time"${labels.map((l) => `, ${l}`).join('')}, ${vals.join(', ')} FROM lagged, starts WHERE "time" >= ${from})`,
  )
  return ctes
}

/** SQL text and its parameters. */
export interface SeriesSqlText {
  readonly sql: string
  readonly params: unknown[]
}

/**
 * The bucket number (0 … `last`) of time `at` for buckets of `w` ms from `f0` (placeholders).
 * Series rows and collected times use this one expression, so their bucket times are equal.
 */
function bucketOf(at: string, f0: string, w: string, last: string): string {
  return `least(floor((date_part('epoch', ${at}) * 1000 - ${f0}::double precision) / ${w}::double precision), ${last}::double precision)`
}

/** A planned series query. */
export interface SeriesPlan extends SeriesSqlText {
  /** Label columns present in each result row (none when summed). */
  readonly labels: string[]
  readonly columns: StoredValue[]
  readonly usesRollup: boolean
  /** With rollups: where the raw rows take over from them (ms); hours before come from the rollups. */
  readonly rollupUntil?: number
}

/**
 * Build the SQL of a series query: rates by window functions, then top-N, sum and downsampling
 * in the database. With `points` and buckets of at least 30 minutes, hours before
 * `rollupWatermark` come from the hourly rollup table instead of the raw rows.
 */
export function buildSeriesSql(
  ns: Namespace,
  m: StoredMetric,
  q: SeriesQuery,
  rollupWatermark: number | null = null,
): SeriesPlan {
  const byName = new Map(m.values.map((x) => [x.name, x]))
  const available = m.values.map((x) => x.name).join(', ')
  if (!Array.isArray(q.columns) || q.columns.length === 0)
    fail(`Name at least one column of ${m.name} to read (one of: ${available}).`)
  const columns = q.columns.map(
    (c) => byName.get(c) ?? fail(`"${c}" is not a value column of ${m.name}; use one of: ${available}.`),
  )
  if (!Number.isFinite(q.from) || !Number.isFinite(q.to) || q.from >= q.to)
    fail(`The time range is empty or invalid (from ${q.from} to ${q.to}): from must be before to.`)
  const points = q.points
  if (points !== undefined && (!Number.isInteger(points) || points < 1 || points > MAX_POINTS))
    fail(`points must be an integer from 1 to ${MAX_POINTS} (got ${points}).`)
  let topCol: StoredValue | undefined
  if (q.top) {
    if (!Number.isInteger(q.top.n) || q.top.n < 1) fail(`top.n must be a positive integer (got ${q.top.n}).`)
    topCol =
      byName.get(q.top.by) ?? fail(`top.by "${q.top.by}" is not a value column of ${m.name}; use one of: ${available}.`)
  }
  const computed = topCol && !columns.includes(topCol) ? [...columns, topCol] : columns
  const p = new Params()
  const from = `${p.add(new Date(q.from).toISOString())}::timestamptz`
  const to = `${p.add(new Date(q.to).toISOString())}::timestamptz`
  const labels = m.labels.map(id)
  const filters: string[] = []
  const rollFilters: string[] = []
  for (const [k, val] of Object.entries(q.labels ?? {})) {
    if (!m.labels.includes(k))
      fail(`"${k}" is not a label of ${m.name}; its labels are: ${m.labels.join(', ') || '(none)'}.`)
    const ph = p.add(String(val))
    filters.push(`m.${id(k)} = ${ph}`)
    rollFilters.push(`r.${id(k)} = ${ph}`)
  }
  const width = points === undefined ? 0 : (q.to - q.from) / points
  const usesRollup =
    points !== undefined && width >= ROLLUP_MIN_BUCKET_MS && rollupWatermark !== null && rollupWatermark > q.from
  const rawFrom = usesRollup ? `${p.add(new Date(Math.min(rollupWatermark, q.to)).toISOString())}::timestamptz` : from
  const ctes = ratedCtes(ns, m, computed, rawFrom, to, filters)
  let last = 'rated'
  if (usesRollup) {
    const cols = computed.map((c, i) => `r.${id(`${c.name}_s`)} AS ${S(i)}, r.${id(`${c.name}_n`)} AS ${N(i)}`)
    const where = [`r."time" >= ${utcHour(from)}`, `r."time" < ${rawFrom}`, ...rollFilters]
    ctes.push(
      `parts AS (SELECT * FROM rated UNION ALL SELECT r."time"${labels.map((l) => `, r.${l}`).join('')}, ${cols.join(', ')} FROM ${prefixedTable(ns, `${m.name}${ROLLUP_SUFFIX}`)} r WHERE ${where.join(' AND ')})`,
    )
    last = 'parts'
  }
  const value = (i: number, agg: boolean): string =>
    agg ? `sum(${S(i)}) / nullif(sum(${N(i)}), 0)` : `${S(i)} / nullif(${N(i)}, 0)`
  if (topCol && labels.length) {
    const by = computed.indexOf(topCol)
    ctes.push(
      `keep AS (SELECT ${labels.join(', ')} FROM ${last} GROUP BY ${labels.join(', ')} ORDER BY ${value(by, true)} DESC NULLS LAST, ${labels.join(', ')} LIMIT ${p.add(q.top!.n)})`,
    )
    ctes.push(`picked AS (SELECT x.* FROM ${last} x JOIN keep USING (${labels.join(', ')}))`)
    last = 'picked'
  }
  const sum = q.aggregate === 'sum'
  const outLabels = sum ? [] : labels
  let final: string
  if (points !== undefined) {
    const f0 = p.add(q.from)
    const w = p.add(width)
    const bucket = bucketOf('"time"', f0, w, p.add(points - 1))
    // For a stacked graph (collectedAt), a gauge's bucket also carries the sum of its readings
    // and their count, so that readSeries can average it over every snapshot of the bucket that
    // collected the metric (a category absent from a snapshot is 0 there), not only over those
    // that had a row of it.
    const gauges = q.collectedAt ? columns.flatMap((c, i) => (c.kind === 'gauge' ? [i] : [])) : []
    const raw = gauges.map((i) => `sum(${S(i)}) AS "_gs${i}", sum(${N(i)}) AS "_gn${i}"`)
    ctes.push(
      `bucketed AS (SELECT ${labels.map((l) => `${l}, `).join('')}${bucket} AS "_b", ${[...columns.map((_, i) => `${value(i, true)} AS "_v${i}"`), ...raw].join(', ')} FROM ${last} GROUP BY ${[...labels, '"_b"'].join(', ')})`,
    )
    const vals = [
      ...columns.map((_, i) => (sum ? `sum("_v${i}") AS "_v${i}"` : `"_v${i}"`)),
      ...gauges.map((i) => (sum ? `sum("_gs${i}") AS "_gs${i}", max("_gn${i}") AS "_gn${i}"` : `"_gs${i}", "_gn${i}"`)),
    ]
    const t = `("_b" * ${w}::double precision + ${f0}::double precision) AS "_t"`
    final = `SELECT ${outLabels.map((l) => `${l}, `).join('')}${t}, ${vals.join(', ')} FROM bucketed${sum ? ' GROUP BY "_b"' : ''} ORDER BY ${[...outLabels, '"_t"'].join(', ')}`
  } else {
    const t = `date_part('epoch', "time") * 1000 AS "_t"`
    const vals = columns.map((_, i) => (sum ? `sum(${value(i, false)}) AS "_v${i}"` : `${value(i, false)} AS "_v${i}"`))
    final = `SELECT ${outLabels.map((l) => `${l}, `).join('')}${t}, ${vals.join(', ')} FROM ${last}${sum ? ' GROUP BY "time"' : ''} ORDER BY ${[...outLabels, '"_t"'].join(', ')}`
  }
  return {
    sql: `WITH ${ctes.join(',\n')}\n${final}`,
    params: p.values,
    labels: sum ? [] : [...m.labels],
    columns,
    usesRollup,
    ...(usesRollup ? { rollupUntil: Math.min(rollupWatermark, q.to) } : {}),
  }
}

/**
 * Whether snapshot `s` collected metric `metric` (a placeholder): it did, unless its `skipped`
 * list names the metric for the whole server, or — for a per-database metric — for the database
 * the query is narrowed to (`datname`), or for every database the snapshot read. The containment
 * test skips the per-entry look for the common snapshot that skipped nothing of this metric.
 */
function collectedBy(metric: string, datname: string | undefined): string {
  const arr = (col: string): string => `CASE WHEN jsonb_typeof(s.${col}) = 'array' THEN s.${col} ELSE '[]'::jsonb END`
  const dbs = datname
    ? `NOT (${datname} = ANY (x.dbs))`
    : `EXISTS (SELECT 1 FROM jsonb_array_elements_text(${arr('databases')}) d WHERE NOT (d = ANY (x.dbs)))`
  return `CASE WHEN NOT coalesce(s.skipped @> jsonb_build_array(jsonb_build_object('metric', ${metric}::text)), false) THEN true
    ELSE (SELECT NOT x.whole AND (x.dbs IS NULL OR ${dbs})
            FROM (SELECT coalesce(bool_or(k->>'database' IS NULL), false) AS whole,
                         array_agg(k->>'database') FILTER (WHERE k->>'database' IS NOT NULL) AS dbs
                    FROM jsonb_array_elements(${arr('skipped')}) k WHERE k->>'metric' = ${metric}::text) x) END`
}

/**
 * The SQL of a series set's `collectedAt`: the times of the snapshots in the range of `plan`
 * that collected the metric, one row `_t` each with their number `_k`, ascending. With `points` they are bucketed exactly
 * like the series rows: a snapshot read from the raw rows by its time, one in the hours the
 * rollups answer for by its hour (the time a rollup row carries).
 */
export function buildCollectedSql(ns: Namespace, m: StoredMetric, q: SeriesQuery, plan: SeriesPlan): SeriesSqlText {
  const p = new Params()
  const from = `${p.add(new Date(q.from).toISOString())}::timestamptz`
  const to = `${p.add(new Date(q.to).toISOString())}::timestamptz`
  const metric = p.add(m.name)
  const datname = q.labels && 'datname' in q.labels ? p.add(String(q.labels['datname'])) : undefined
  const collected = collectedBy(metric, datname)
  // Where the series read rollups, it read them for the hours from `from`'s hour up to `rawFrom`.
  const rawFrom =
    plan.rollupUntil === undefined ? from : `${p.add(new Date(plan.rollupUntil).toISOString())}::timestamptz`
  const lower = plan.rollupUntil === undefined ? from : utcHour(from)
  const at =
    plan.rollupUntil === undefined
      ? 's."time"'
      : `CASE WHEN s."time" < ${rawFrom} THEN ${utcHour('s."time"')} ELSE s."time" END`
  const where = `s."time" >= ${lower} AND s."time" <= ${to} AND ${collected}`
  let t: string
  if (q.points !== undefined) {
    const f0 = p.add(q.from)
    const w = p.add((q.to - q.from) / q.points)
    t = `(${bucketOf(at, f0, w, p.add(q.points - 1))} * ${w}::double precision + ${f0}::double precision)`
  } else t = `date_part('epoch', ${at}) * 1000`
  return {
    sql: `SELECT ${t} AS "_t", count(*) AS "_k" FROM ${prefixedTable(ns, 'snapshots')} s WHERE ${where} GROUP BY 1 ORDER BY 1`,
    params: p.values,
  }
}
