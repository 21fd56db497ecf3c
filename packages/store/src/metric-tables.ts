import { PggraphError, quoteIdent, type MetricDefinition, type Queryable, type ValueColumn } from '@pggraph/core'
import { prefixedTable, ROLLUP_SUFFIX, schemaTable, validateMetricNames, type Namespace } from './names.js'
import { citusNode } from './citus.js'
import { internalColumn, packedColumns, packedStorageSql } from './packed.js'

/**
 * What the store keeps of a metric definition: its columns with kinds and units (the SQL
 * queries are the collector's business). Stored in `<schema>.pggraph_metrics` so that series
 * queries know counters from gauges without the caller passing definitions.
 */
export interface StoredMetric {
  readonly name: string
  readonly area: string
  readonly description: string
  /** Label columns in key order (arrays, because jsonb does not keep object key order). */
  readonly labels: readonly string[]
  readonly values: readonly StoredValue[]
  readonly statsReset: boolean
}

/** A value column as stored: its name plus the definition's {@link ValueColumn}. */
export interface StoredValue extends ValueColumn {
  readonly name: string
}

/** JSON with object keys sorted, to compare values read back from jsonb. */
export function canonicalJson(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(canonicalJson).join(',')}]`
  if (x && typeof x === 'object') {
    const o = x as Record<string, unknown>
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(x)
}

/** The stored form of a definition. */
export function toStoredMetric(d: MetricDefinition): StoredMetric {
  validateMetricNames(d)
  const values = Object.entries(d.values).map(([name, v]) => ({
    name,
    kind: v.kind,
    unit: v.unit,
    ...(v.since !== undefined ? { since: v.since } : {}),
    ...(v.description ? { description: v.description } : {}),
  }))
  return {
    name: d.name,
    area: d.area,
    description: d.description,
    labels: Object.keys(d.labels),
    values,
    statsReset: d.statsReset === true,
  }
}

/**
 * Merge a new definition into what is installed: value columns are only ever added (a column a
 * newer definition dropped keeps its data), labels must stay the same (they are the key). The
 * order of the installed columns is kept and new ones come after them: packed hours store each
 * column at its place in this order.
 */
export function mergeMetric(old: StoredMetric | undefined, next: StoredMetric): StoredMetric {
  if (!old) return next
  const a = old.labels.join(',')
  const b = next.labels.join(',')
  if (a !== b) {
    throw new PggraphError(
      'CONFIG',
      `Metric "${next.name}" changed its label columns from (${a}) to (${b}); labels are the table's key and cannot change. Give the new definition another name.`,
    )
  }
  const byName = new Map(next.values.map((v) => [v.name, v]))
  const values = [
    ...old.values.map((v) => byName.get(v.name) ?? v),
    ...next.values.filter((v) => !old.values.some((o) => o.name === v.name)),
  ]
  return { ...next, values, statsReset: old.statsReset || next.statsReset }
}

/** Column names of a metric table in order: time, labels, values, stats_reset. */
export function metricColumns(m: StoredMetric): { labels: string[]; values: string[]; statsReset: boolean } {
  return { labels: [...m.labels], values: m.values.map((v) => v.name), statsReset: m.statsReset }
}

/**
 * `CREATE TABLE IF NOT EXISTS` of a metric table, partitioned by day on `time`: the key, the
 * labels, the values, and the internal columns of packed hours ({@link packedColumns}).
 */
export function createMetricTableSql(ns: Namespace, m: StoredMetric): string {
  const { labels, values, statsReset } = metricColumns(m)
  const cols = [
    '"time" timestamptz NOT NULL',
    ...labels.map((l) => `${quoteIdent(l, 'column')} text NOT NULL`),
    ...values.map((v) => `${quoteIdent(v, 'column')} double precision`),
    ...(statsReset ? ['"stats_reset" timestamptz'] : []),
    ...packedColumns(statsReset).map(([c, type]) => `${internalColumn(c)} ${type}`),
  ]
  const key = ['"time"', ...labels.map((l) => quoteIdent(l, 'column'))].join(', ')
  return `CREATE TABLE IF NOT EXISTS ${prefixedTable(ns, m.name)} (${cols.join(', ')}, PRIMARY KEY (${key})) PARTITION BY RANGE ("time")`
}

/**
 * `CREATE TABLE IF NOT EXISTS` of a metric's hourly rollup: per hour and label set, for each
 * value column `<v>_s` and `<v>_n` so that any bucket's value is `sum(s) / sum(n)`: for a
 * counter the sum of valid deltas and of the seconds they span (a rate), for a gauge the sum of
 * values and their count (an average).
 */
export function createRollupTableSql(ns: Namespace, m: StoredMetric): string {
  const { labels, values } = metricColumns(m)
  const cols = [
    '"time" timestamptz NOT NULL',
    ...labels.map((l) => `${quoteIdent(l, 'column')} text NOT NULL`),
    ...values.flatMap((v) => [
      `${quoteIdent(`${v}_s`, 'column')} double precision`,
      `${quoteIdent(`${v}_n`, 'column')} double precision`,
    ]),
  ]
  const key = ['"time"', ...labels.map((l) => quoteIdent(l, 'column'))].join(', ')
  return `CREATE TABLE IF NOT EXISTS ${prefixedTable(ns, `${m.name}${ROLLUP_SUFFIX}`)} (${cols.join(', ')}, PRIMARY KEY (${key}))`
}

/** What {@link syncMetricTables} changed. */
export interface MetricSyncResult {
  readonly tablesCreated: string[]
  readonly columnsAdded: string[]
  readonly metrics: StoredMetric[]
}

/**
 * Bring the metric tables of a prefix in line with `definitions` (merged with what is
 * installed): create missing tables, add missing columns (`ADD COLUMN IF NOT EXISTS`, never a
 * drop), and record the merged definitions in `pggraph_metrics`. Runs as the schema owner.
 */
export async function syncMetricTables(
  db: Queryable,
  ns: Namespace,
  definitions: readonly MetricDefinition[],
): Promise<MetricSyncResult> {
  const catalog = schemaTable(ns.schema, 'pggraph_metrics')
  const installed = await loadMetrics(db, ns)
  const wanted = new Map<string, StoredMetric>()
  for (const d of definitions) {
    if (wanted.has(d.name))
      throw new PggraphError('CONFIG', `Metric "${d.name}" is defined twice: metric names must be unique.`)
    wanted.set(d.name, mergeMetric(installed.get(d.name), toStoredMetric(d)))
  }
  for (const [name, m] of installed) if (!wanted.has(name)) wanted.set(name, m)

  const tablesCreated: string[] = []
  const columnsAdded: string[] = []
  const tables = [...wanted.values()].flatMap((m) => [
    `${ns.prefix}_${m.name}`,
    `${ns.prefix}_${m.name}${ROLLUP_SUFFIX}`,
  ])
  const columns = await tableColumns(db, ns.schema, tables)
  // Citus refuses ALTER COLUMN … SET STORAGE / COMPRESSION on distributed tables: the defaults stay.
  const storage = (await citusNode(db)) === 'none'
  const lz4 = storage && (await hasLz4(db))
  for (const m of wanted.values()) {
    const tableName = `${ns.prefix}_${m.name}`
    const rollup = columns.get(`${tableName}${ROLLUP_SUFFIX}`)
    if (!rollup) {
      await db.query(createRollupTableSql(ns, m))
      tablesCreated.push(`${tableName}${ROLLUP_SUFFIX}`)
    } else {
      for (const v of metricColumns(m)
        .values.flatMap((x) => [`${x}_s`, `${x}_n`])
        .filter((c) => !rollup.has(c))) {
        await db.query(
          `ALTER TABLE ${prefixedTable(ns, `${m.name}${ROLLUP_SUFFIX}`)} ADD COLUMN IF NOT EXISTS ${quoteIdent(v, 'column')} double precision`,
        )
        columnsAdded.push(`${tableName}${ROLLUP_SUFFIX}.${v}`)
      }
    }
    const have = columns.get(tableName)
    if (!have) {
      await db.query(createMetricTableSql(ns, m))
      if (storage) for (const sql of packedStorageSql(prefixedTable(ns, m.name), m.statsReset, lz4)) await db.query(sql)
      tablesCreated.push(tableName)
    } else {
      const { values, statsReset } = metricColumns(m)
      const missing = [
        ...values.map((v) => [quoteIdent(v, 'column'), v, 'double precision'] as const),
        ...(statsReset ? [['"stats_reset"', 'stats_reset', 'timestamptz'] as const] : []),
        ...packedColumns(statsReset).map(([c, type]) => [internalColumn(c), c, type] as const),
      ].filter(([, c]) => !have.has(c))
      for (const [quoted, col, type] of missing) {
        await db.query(`ALTER TABLE ${prefixedTable(ns, m.name)} ADD COLUMN IF NOT EXISTS ${quoted} ${type}`)
        columnsAdded.push(`${tableName}.${col}`)
      }
      // A store from before packed hours gets their columns here (adding a NULL column rewrites nothing).
      if (storage && missing.some(([, c]) => c.startsWith('_')))
        for (const sql of packedStorageSql(prefixedTable(ns, m.name), statsReset, lz4)) await db.query(sql)
    }
    const before = installed.get(m.name)
    if (!before || canonicalJson(before) !== canonicalJson(m)) {
      await db.query(
        `INSERT INTO ${catalog} (prefix, name, definition, updated_at) VALUES ($1, $2, $3::jsonb, now())
         ON CONFLICT (prefix, name) DO UPDATE SET definition = EXCLUDED.definition, updated_at = EXCLUDED.updated_at`,
        [ns.prefix, m.name, JSON.stringify(m)],
      )
    }
  }
  return { tablesCreated, columnsAdded, metrics: [...wanted.values()].sort((a, b) => a.name.localeCompare(b.name)) }
}

/** The columns of each of `tables` (in `schema`) that exists, in one catalog query. */
async function tableColumns(
  db: Queryable,
  schema: string,
  tables: readonly string[],
): Promise<Map<string, Set<string>>> {
  const { rows } = await db.query<{ rel: string; col: string }>(
    `SELECT c.relname AS rel, a.attname AS col FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = ANY($2::text[]) AND a.attnum > 0 AND NOT a.attisdropped`,
    [schema, tables],
  )
  const out = new Map<string, Set<string>>()
  for (const r of rows) {
    const cols = out.get(r.rel) ?? new Set<string>()
    cols.add(r.col)
    out.set(r.rel, cols)
  }
  return out
}

/** Whether the server compresses TOAST with lz4 (PostgreSQL 14+ built with it); pglz otherwise. */
export async function hasLz4(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>(
    `SELECT coalesce((SELECT 'lz4' = ANY (enumvals) FROM pg_settings WHERE name = 'default_toast_compression'), false) AS ok`,
  )
  return rows[0]?.ok === true
}

/** The stored definitions of a prefix (what series queries use). */
export async function loadMetrics(db: Queryable, ns: Namespace): Promise<Map<string, StoredMetric>> {
  const { rows } = await db.query<{ name: string; definition: StoredMetric }>(
    `SELECT name, definition FROM ${schemaTable(ns.schema, 'pggraph_metrics')} WHERE prefix = $1`,
    [ns.prefix],
  )
  return new Map(rows.map((r) => [r.name, r.definition]))
}
