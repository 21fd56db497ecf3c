import { PggraphError, quoteIdent, type Queryable, type Series, type SeriesEvent, type SeriesPoint, type SeriesQuery, type SeriesSet } from '@pggraph/core'
import { loadMetrics, type StoredMetric, type StoredValue } from './metric-tables.js'
import { prefixedTable, validateNamespace, type Namespace } from './names.js'
import { storeError } from './write.js'

/** How far before `from` counters look for the reading that the first rate needs. */
const LOOKBACK = '1 hour'
/** Most buckets a query may ask for. */
const MAX_POINTS = 100_000

interface Plan {
  readonly sql: string
  readonly params: unknown[]
  readonly labels: string[]
  readonly columns: StoredValue[]
}

function fail(message: string): never {
  throw new PggraphError('CONFIG', message)
}

/** Build the series SQL: rates with window functions, top-N, sum, downsampling, all in the database. */
export function buildSeriesSql(ns: Namespace, m: StoredMetric, q: SeriesQuery): Plan {
  const byName = new Map(m.values.map((v) => [v.name, v]))
  const available = m.values.map((v) => v.name).join(', ')
  if (!Array.isArray(q.columns) || q.columns.length === 0) fail(`Name at least one column of ${m.name} to read (one of: ${available}).`)
  const columns = q.columns.map((c) => byName.get(c) ?? fail(`"${c}" is not a value column of ${m.name}; use one of: ${available}.`))
  if (!Number.isFinite(q.from) || !Number.isFinite(q.to) || q.from >= q.to) fail(`The time range is empty or invalid (from ${q.from} to ${q.to}): from must be before to.`)
  const points = q.points
  if (points !== undefined && (!Number.isInteger(points) || points < 1 || points > MAX_POINTS)) fail(`points must be an integer from 1 to ${MAX_POINTS} (got ${points}).`)
  const top = q.top
  let topCol: StoredValue | undefined
  if (top) {
    if (!Number.isInteger(top.n) || top.n < 1) fail(`top.n must be a positive integer (got ${top.n}).`)
    topCol = byName.get(top.by) ?? fail(`top.by "${top.by}" is not a value column of ${m.name}; use one of: ${available}.`)
  }
  const computed = topCol && !columns.includes(topCol) ? [...columns, topCol] : columns
  const hasCounter = computed.some((c) => c.kind === 'counter')
  const params: unknown[] = [new Date(q.from).toISOString(), new Date(q.to).toISOString()]
  const p = (v: unknown): string => {
    params.push(v)
    return `$${params.length}`
  }
  const id = (c: string): string => quoteIdent(c, 'column')
  const labels = [...m.labels]
  const labelList = labels.map(id)
  const filters: string[] = []
  for (const [k, v] of Object.entries(q.labels ?? {})) {
    if (!labels.includes(k)) fail(`"${k}" is not a label of ${m.name}; its labels are: ${labels.join(', ') || '(none)'}.`)
    filters.push(`m.${id(k)} = ${p(String(v))}`)
  }
  const v = (i: number): string => `"_v${i}"`
  const srcCols = [
    'm."time"',
    ...labelList.map((l) => `m.${l}`),
    ...computed.map((c, i) => `m.${id(c.name)} AS ${v(i)}`),
    ...(hasCounter && m.statsReset ? ['m."stats_reset" AS "_sr"'] : []),
    ...(hasCounter ? ['sn.start_time AS "_st"'] : []),
  ]
  const from = hasCounter ? `$1::timestamptz - interval '${LOOKBACK}'` : '$1::timestamptz'
  const src = `SELECT ${srcCols.join(', ')} FROM ${prefixedTable(ns, m.name)} m${
    hasCounter ? ` LEFT JOIN ${prefixedTable(ns, 'snapshots')} sn ON sn."time" = m."time"` : ''
  } WHERE m."time" >= ${from} AND m."time" <= $2::timestamptz${filters.map((f) => ` AND ${f}`).join('')}`

  const ctes: string[] = [`src AS (${src})`]
  let last = 'src'
  if (hasCounter) {
    const part = labelList.length ? `PARTITION BY ${labelList.join(', ')} ` : ''
    const lags = ['lag("time") OVER w AS "_pt"', ...(m.statsReset ? ['lag("_sr") OVER w AS "_psr"'] : [])]
    computed.forEach((c, i) => c.kind === 'counter' && lags.push(`lag(${v(i)}) OVER w AS "_p${i}"`))
    ctes.push(`lagged AS (SELECT *, ${lags.join(', ')} FROM src WINDOW w AS (${part}ORDER BY "time"))`)
    const reset = `"_pt" IS NULL OR "_pt" < "_st"${m.statsReset ? ' OR "_psr" IS DISTINCT FROM "_sr"' : ''}`
    const vals = computed.map((c, i) =>
      c.kind === 'counter'
        ? `CASE WHEN ${reset} OR ${v(i)} < "_p${i}" THEN NULL ELSE (${v(i)} - "_p${i}") / extract(epoch FROM "time" - "_pt")::double precision END AS ${v(i)}`
        : v(i),
    )
    ctes.push(`rated AS (SELECT "time"${labelList.map((l) => `, ${l}`).join('')}, ${vals.join(', ')} FROM lagged WHERE "time" >= $1::timestamptz)`)
    last = 'rated'
  }
  if (top && topCol && labelList.length) {
    const by = v(computed.indexOf(topCol))
    ctes.push(
      `keep AS (SELECT ${labelList.join(', ')} FROM ${last} GROUP BY ${labelList.join(', ')} ORDER BY avg(${by}) DESC NULLS LAST, ${labelList.join(', ')} LIMIT ${p(top.n)})`,
    )
    ctes.push(`picked AS (SELECT x.* FROM ${last} x JOIN keep USING (${labelList.join(', ')}))`)
    last = 'picked'
  }
  let outLabels = labelList
  if (q.aggregate === 'sum') {
    ctes.push(`summed AS (SELECT "time", ${columns.map((_, i) => `sum(${v(i)}) AS ${v(i)}`).join(', ')} FROM ${last} GROUP BY "time")`)
    last = 'summed'
    outLabels = []
  }
  const lsel = outLabels.map((l) => `${l}, `).join('')
  const order = [...outLabels, '"_t"'].join(', ')
  let final: string
  if (points !== undefined) {
    const fromMs = p(q.from)
    const width = p((q.to - q.from) / points)
    const bucket = `least(floor((extract(epoch FROM "time")::double precision * 1000 - ${fromMs}::double precision) / ${width}::double precision), ${p(points - 1)}::double precision)`
    ctes.push(`bucketed AS (SELECT *, ${bucket} AS "_b" FROM ${last})`)
    final = `SELECT ${lsel}("_b" * ${width}::double precision + ${fromMs}::double precision) AS "_t", ${columns
      .map((_, i) => `avg(${v(i)}) AS ${v(i)}`)
      .join(', ')} FROM bucketed GROUP BY ${[...outLabels, '"_b"'].join(', ')} ORDER BY ${order}`
  } else {
    final = `SELECT ${lsel}extract(epoch FROM "time")::double precision * 1000 AS "_t", ${columns.map((_, i) => v(i)).join(', ')} FROM ${last} ORDER BY ${order}`
  }
  return { sql: `WITH ${ctes.join(',\n')}\n${final}`, params, labels: outLabels.length ? labels : [], columns }
}

/**
 * Read columns of one metric of `ns` as series: counters as per-second rates computed in SQL
 * (window functions over each label set), where a drop, a changed `stats_reset` or a server
 * restart in between gives `null` (a gap, never a negative value or a spike); gauges as they
 * are. With `points`, averaged into at most that many time buckets in SQL. Also returns the
 * restarts and statistics resets in the range so graphs can mark them.
 *
 * @example
 * ```ts
 * const set = await readSeries(db, { schema: 'acme', prefix: 'db1' }, {
 *   metric: 'pg_stat_database', columns: ['xact_commit'], from: Date.now() - 86_400_000, to: Date.now(), points: 800,
 * })
 * ```
 */
export async function readSeries(db: Queryable, ns: Namespace, query: SeriesQuery): Promise<SeriesSet> {
  validateNamespace(ns)
  let metrics: Map<string, StoredMetric>
  try {
    metrics = await loadMetrics(db, ns)
  } catch (err) {
    throw storeError(err, ns, 'read series')
  }
  const m = metrics.get(query.metric)
  if (!m) {
    throw new PggraphError('NOT_FOUND', `Metric "${query.metric}" is not stored for ${ns.schema}.${ns.prefix} (stored: ${[...metrics.keys()].sort().join(', ') || 'none'}).`)
  }
  const plan = buildSeriesSql(ns, m, query)
  let rows: Record<string, unknown>[]
  let events: SeriesEvent[]
  try {
    rows = (await db.query<Record<string, unknown>>(plan.sql, plan.params)).rows
    events = await readEvents(db, ns, query)
  } catch (err) {
    throw storeError(err, ns, 'read series')
  }
  const groups = new Map<string, { labels: Record<string, string>; points: SeriesPoint[][] }>()
  const fixed = query.aggregate === 'sum' ? { ...(query.labels ?? {}) } : undefined
  for (const row of rows) {
    const labels: Record<string, string> = fixed ?? Object.fromEntries(plan.labels.map((l) => [l, String(row[l])]))
    const key = fixed ? '' : JSON.stringify(plan.labels.map((l) => row[l]))
    let g = groups.get(key)
    if (!g) groups.set(key, (g = { labels, points: plan.columns.map(() => []) }))
    const t = Number(row['_t'])
    plan.columns.forEach((_, i) => {
      const x = row[`_v${i}`]
      g.points[i]!.push({ t, v: x === null || x === undefined ? null : Number(x) })
    })
  }
  const series: Series[] = []
  for (const g of groups.values()) {
    plan.columns.forEach((c, i) =>
      series.push({ metric: m.name, column: c.name, labels: g.labels, kind: c.kind === 'counter' ? 'rate' : 'gauge', unit: c.unit, points: g.points[i]! }),
    )
  }
  return { from: query.from, to: query.to, series, events }
}

async function readEvents(db: Queryable, ns: Namespace, q: SeriesQuery): Promise<SeriesEvent[]> {
  const range = [new Date(q.from).toISOString(), new Date(q.to).toISOString()]
  const restarts = await db.query<{ t: number }>(
    `SELECT DISTINCT extract(epoch FROM start_time)::double precision * 1000 AS t FROM ${prefixedTable(ns, 'snapshots')}
      WHERE "time" >= $1::timestamptz AND "time" <= $2::timestamptz AND start_time >= $1::timestamptz AND start_time <= $2::timestamptz`,
    range,
  )
  const resets = await db.query<{ t: number; key: string }>(
    `SELECT extract(epoch FROM at)::double precision * 1000 AS t, key FROM ${prefixedTable(ns, 'resets')}
      WHERE metric = $3 AND at >= $1::timestamptz AND at <= $2::timestamptz`,
    [...range, q.metric],
  )
  const events: SeriesEvent[] = [
    ...restarts.rows.map((r) => ({ t: Number(r.t), kind: 'restart' as const, label: 'server restarted' })),
    ...resets.rows.map((r) => ({ t: Number(r.t), kind: 'stats_reset' as const, label: `${q.metric} reset${r.key ? ` (${r.key})` : ''}` })),
  ]
  return events.sort((a, b) => a.t - b.t || a.kind.localeCompare(b.kind) || a.label.localeCompare(b.label))
}
