import {
  PggraphError,
  type LabelOf,
  type MetricDefinition,
  type Queryable,
  type Series,
  type SeriesEvent,
  type SeriesPoint,
  type SeriesQuery,
  type SeriesQueryOf,
  type SeriesSet,
} from '@pggraph/core'
import type { BuiltinMetricName, BuiltinMetricNamed } from '@pggraph/collector/definitions'
import { loadMetrics, type StoredMetric } from './metric-tables.js'
import { prefixedTable, schemaTable, validateNamespace, type Namespace } from './names.js'
import { buildCollectedSql, buildSeriesSql, ROLLUP_MIN_BUCKET_MS } from './series-sql.js'
import { storeError } from './write.js'

/** A label filter may only name labels of the metric (an intersection alone lets extra keys by). */
type KnownLabels<Q extends SeriesQuery, D extends MetricDefinition> = Q extends { readonly labels: infer L }
  ? { readonly labels: { readonly [K in keyof L]: K extends LabelOf<D> ? string : never } }
  : unknown

/**
 * What {@link readSeries} checks at compile time. A query of a built-in metric named by a literal:
 * its columns, labels and `top.by` must be the definition's. A literal name that is not built in
 * is refused (a typo; build the query of your own metric with core's `seriesQuery(definition,
 * columns, range)`, which checks it against your definition). A query whose metric is a plain
 * `string` (built at run time, e.g. from a graph) is checked by the store when it runs.
 */
export type CheckedSeriesQuery<Q extends SeriesQuery> = string extends Q['metric']
  ? unknown
  : Q['metric'] extends BuiltinMetricName
    ? SeriesQueryOf<BuiltinMetricNamed<Q['metric']>> & KnownLabels<Q, BuiltinMetricNamed<Q['metric']>>
    : {
        readonly 'not a built-in metric: build the query of your own metric with seriesQuery(definition, columns, range)': never
      }

/**
 * Read columns of one metric of `ns` as series: counters as per-second rates computed in SQL
 * (window functions over each label set), where a drop, a changed `stats_reset` or a server
 * restart in between gives `null` (a gap, never a negative value or a spike); gauges as they
 * are. With `points`, averaged into at most that many time buckets in SQL. Also returns the
 * restarts and statistics resets in the range so graphs can mark them. With `collectedAt: true`,
 * also the times the metric was collected (`SeriesSet.collectedAt`: snapshots that did not skip
 * it, with rows or without, bucketed like the points), which stacked areas draw as 0 where no
 * category had a row. For a built-in metric the
 * metric and column names are typed ({@link CheckedSeriesQuery}): a misspelt one does not compile.
 *
 * @example
 * ```ts
 * const set = await readSeries(db, { schema: 'acme', prefix: 'db1' }, {
 *   metric: 'pg_stat_database', columns: ['xact_commit'], from: Date.now() - 86_400_000, to: Date.now(), points: 800,
 * })
 * ```
 */
export async function readSeries<const Q extends SeriesQuery>(
  db: Queryable,
  ns: Namespace,
  query: Q & CheckedSeriesQuery<Q>,
): Promise<SeriesSet> {
  validateNamespace(ns)
  let rows: Record<string, unknown>[]
  let events: SeriesEvent[]
  let collectedAt: number[] | undefined
  let snapshotsAt: Map<number, number> | undefined
  let plan: ReturnType<typeof buildSeriesSql>
  let m: StoredMetric
  try {
    // One round trip for the definition and the rollup watermark, one for the series, one for
    // the events: on a busy store every round trip waits for a scheduler slot.
    const found = await loadMetric(db, ns, query.metric)
    m = found.metric
    const width = query.points ? (query.to - query.from) / query.points : 0
    plan = buildSeriesSql(ns, m, query, width >= ROLLUP_MIN_BUCKET_MS ? found.watermark : null)
    rows = (await db.query<Record<string, unknown>>(plan.sql, plan.params)).rows
    events = await readEvents(db, ns, query)
    if (query.collectedAt) {
      const c = buildCollectedSql(ns, m, query, plan)
      const got = (await db.query<{ _t: number | string; _k: number | string }>(c.sql, c.params)).rows
      snapshotsAt = new Map(got.map((r) => [Number(r._t), Number(r._k)]))
      collectedAt = [...snapshotsAt.keys()]
    }
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
      g.points[i]!.push({ t, v: x === null || x === undefined ? null : zeroFilled(row, i, snapshotsAt?.get(t), x) })
    })
  }
  const series: Series[] = []
  for (const g of groups.values()) {
    plan.columns.forEach((c, i) =>
      series.push({
        metric: m.name,
        column: c.name,
        labels: g.labels,
        kind: c.kind === 'counter' ? 'rate' : 'gauge',
        unit: c.unit,
        points: g.points[i]!,
      }),
    )
  }
  return { from: query.from, to: query.to, series, events, ...(collectedAt ? { collectedAt } : {}) }
}

/**
 * A gauge's bucket value `x` averaged over all `k` snapshots of the bucket that collected the
 * metric, absent readings counting as 0: the sum `_gs<i>` of its readings over `k`, where the
 * row carries them (stacked graphs: `collectedAt`). `_gn<i>` is the number of readings (summed
 * over label sets: the most any of them had), never more than `k` unless snapshots that skipped
 * the metric hold rows of it; then `x` stays as it is.
 */
function zeroFilled(row: Record<string, unknown>, i: number, k: number | undefined, x: unknown): number {
  const s = row[`_gs${i}`]
  const n = Number(row[`_gn${i}`])
  return k !== undefined && s !== null && s !== undefined && k >= n ? Number(s) / k : Number(x)
}

/**
 * The stored definition of one metric and the end of the hours its rollups hold exactly (ms, or
 * null): `rollup_until`, or the oldest hour a late snapshot changed since, if earlier. Hours
 * after it are read from the stored readings.
 */
async function loadMetric(
  db: Queryable,
  ns: Namespace,
  name: string,
): Promise<{ metric: StoredMetric; watermark: number | null }> {
  const { rows } = await db.query<{ definition: StoredMetric; w: number | null }>(
    `SELECT m.definition, date_part('epoch', LEAST(s.rollup_until, s.rollup_dirty_from)) * 1000 AS w
       FROM ${schemaTable(ns.schema, 'pggraph_metrics')} m LEFT JOIN ${schemaTable(ns.schema, 'sources')} s ON s.prefix = m.prefix
      WHERE m.prefix = $1 AND m.name = $2`,
    [ns.prefix, name],
  )
  const row = rows[0]
  if (!row) {
    const metrics = await loadMetrics(db, ns)
    throw new PggraphError(
      'NOT_FOUND',
      `Metric "${name}" is not stored for ${ns.schema}.${ns.prefix} (stored: ${[...metrics.keys()].sort().join(', ') || 'none'}).`,
    )
  }
  return { metric: row.definition, watermark: row.w === null || row.w === undefined ? null : Number(row.w) }
}

/**
 * At most this many events are returned one by one for a read; a range holding more (a writer
 * that reported a million resets) comes back grouped into {@link EVENT_BUCKETS} time buckets
 * per kind, each with its count, so neither the store, the wire nor the graph carries them all.
 * A group holds one kind of event: resets, restarts and failovers are never counted together.
 */
export const MAX_EVENTS = 1000
/** The number of time buckets events are grouped into beyond {@link MAX_EVENTS}. */
export const EVENT_BUCKETS = 400

async function readEvents(db: Queryable, ns: Namespace, q: SeriesQuery): Promise<SeriesEvent[]> {
  const range = [new Date(q.from).toISOString(), new Date(q.to).toISOString()]
  const bucketMs = Math.max(1, (q.to - q.from) / EVENT_BUCKETS)
  const { rows } = await db.query<{ t: number; kind: 'restart' | 'stats_reset'; key: string; n: number | string }>(
    // An epoch whose server started after the last snapshot before it is a restart (marked at
    // the start time); otherwise another server took over (marked when first seen). The first
    // epoch is the server's start: marked when it falls in the range (a server that started
    // while monitored, or just before its first snapshot, begins its counters there).
    `WITH ev AS (
       SELECT date_part('epoch', CASE WHEN restart THEN start_time ELSE first_seen END) * 1000 AS t, 'restart' AS kind,
              CASE WHEN restart THEN '' ELSE 'failover' END AS key
         FROM (SELECT first_seen, start_time,
                      coalesce(start_time > (SELECT max(s."time") FROM ${prefixedTable(ns, 'snapshots')} s WHERE s."time" < e.first_seen), true) AS restart
                 FROM ${prefixedTable(ns, 'epochs')} e) x
        WHERE CASE WHEN restart THEN start_time ELSE first_seen END BETWEEN $1::timestamptz AND $2::timestamptz
       UNION ALL
       SELECT date_part('epoch', at) * 1000, 'stats_reset', key FROM ${prefixedTable(ns, 'resets')}
        WHERE metric = $3 AND at >= $1::timestamptz AND at <= $2::timestamptz),
     total AS (SELECT count(*) AS n FROM ev)
     SELECT t, kind, key, 1 AS n FROM ev, total WHERE total.n <= $4
     UNION ALL
     SELECT min(t), kind, min(key), count(*) FROM ev, total WHERE total.n > $4
      GROUP BY kind, CASE WHEN kind = 'restart' THEN key END, floor((t - $5::float8) / $6::float8)`,
    [...range, q.metric, MAX_EVENTS, q.from, bucketMs],
  )
  const events: SeriesEvent[] = rows.map((r) => {
    const n = Number(r.n)
    const key = r.key ? ` (${r.key}${n > 1 ? ', …' : ''})` : ''
    const label =
      r.kind === 'stats_reset'
        ? n > 1
          ? `${q.metric} reset ×${n}${key}`
          : `${q.metric} reset${key}`
        : r.key === 'failover'
          ? 'another server (failover)'
          : n > 1
            ? `server restarted ×${n}`
            : 'server restarted'
    return { t: Number(r.t), kind: r.kind, label, ...(n > 1 ? { count: n } : {}) }
  })
  return events.sort((a, b) => a.t - b.t || a.kind.localeCompare(b.kind) || a.label.localeCompare(b.label))
}
