import { pgStatUserIndexes, pgStatUserTables } from '@pggraph/collector/definitions'
import { seriesQuery, type SeriesQuery } from '@pggraph/core'
import { readSeries } from '@pggraph/store'
import type { ObjectRef } from './pages.js'
import type { TimeRange } from './ranges.js'
import type { StoreAccess } from './store-access.js'
import type { SystemInfo } from './systems.js'

/** A drill-down kind. */
export type ObjectKind = 'table' | 'index'

/** At most this many objects are listed (the collector keeps a top N anyway). */
export const MAX_OBJECTS = 1000

const listCache = new Map<string, { at: number; objects: ObjectRef[] }>()
const LIST_TTL_MS = 60_000

/**
 * The tables (or indexes) of a system that have rows in `range`, read as the tenant's reader
 * role; cached for a minute per (schema, prefix, kind, range) because drill-down images check
 * their object against it.
 */
export async function listObjects(
  store: StoreAccess,
  role: string,
  sys: SystemInfo,
  kind: ObjectKind,
  range: TimeRange,
): Promise<ObjectRef[]> {
  const key = `${sys.schema}|${sys.prefix}|${kind}|${range.key}`
  const now = Date.now()
  const hit = listCache.get(key)
  if (hit && now - hit.at < LIST_TTL_MS) return hit.objects
  // What lists the objects: a metric with one row per table / index and a column to rank by.
  const query = (r: TimeRange): SeriesQuery => {
    const window = { from: r.from, to: r.to, points: 1 }
    return kind === 'table'
      ? seriesQuery(pgStatUserTables, ['n_live_tup'], { ...window, top: { n: MAX_OBJECTS, by: 'n_live_tup' } })
      : seriesQuery(pgStatUserIndexes, ['idx_scan'], { ...window, top: { n: MAX_OBJECTS, by: 'idx_scan' } })
  }
  const set = await store.asRole(role, (db) => readSeries(db, { schema: sys.schema, prefix: sys.prefix }, query(range)))
  const seen = new Map<string, ObjectRef>()
  for (const s of set.series) {
    const l = s.labels
    const o: ObjectRef = {
      db: l['datname'] ?? '',
      ns: l['schemaname'] ?? '',
      rel: l['relname'] ?? '',
      ...(kind === 'index' ? { idx: l['indexrelname'] ?? '' } : {}),
    }
    if (!o.rel) continue
    seen.set(JSON.stringify(o), o)
  }
  const objects = [...seen.values()].sort(
    (a, b) =>
      a.db.localeCompare(b.db) ||
      a.ns.localeCompare(b.ns) ||
      a.rel.localeCompare(b.rel) ||
      (a.idx ?? '').localeCompare(b.idx ?? ''),
  )
  if (listCache.size > 500) listCache.clear()
  listCache.set(key, { at: now, objects })
  return objects
}

/**
 * Narrow a graph's queries to one object: its label values become the query's label filter
 * (for the table and index metrics only), so a "top tables" graph shows just that table.
 */
export function objectFilter(kind: ObjectKind, o: ObjectRef): (q: SeriesQuery) => SeriesQuery {
  const labels: Record<string, string> = { schemaname: o.ns, relname: o.rel }
  if (o.db) labels['datname'] = o.db
  if (kind === 'index' && o.idx) labels['indexrelname'] = o.idx
  const tableMetrics = new Set([
    'pg_stat_user_tables',
    'pg_statio_user_tables',
    'pg_table_size',
    'pg_stat_user_indexes',
    'pg_statio_user_indexes',
  ])
  return (q) => {
    if (!tableMetrics.has(q.metric)) return q
    // An index metric filtered by a table keeps that table's indexes; a table metric ignores idx.
    const own = q.metric.includes('indexes')
      ? labels
      : { schemaname: labels['schemaname']!, relname: labels['relname']!, ...(o.db ? { datname: o.db } : {}) }
    return { ...q, labels: { ...q.labels, ...own } }
  }
}
