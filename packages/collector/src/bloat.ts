import type { Collector, MetricDefinition } from '@pggraph/core'
import { PggraphError } from '@pggraph/core'
import { LOCKED_TABLES, gauge } from './sql.js'
import { topOption, withParams } from './params.js'

/** The default number of tables and of indexes kept by {@link bloat} (the most wasted bytes). */
export const DEFAULT_TOP_BLOAT = 20

/** Tables larger than this are never read by `pgstattuple_approx` in {@link bloat} (the estimate is used). */
export const DEFAULT_APPROX_MAX_BYTES = 128 * 1024 * 1024

// The statistical estimate (the approach of the well-known ioguix / pgexperts queries, written
// anew): from pg_stats' average width and null fraction of each column, the size a tuple takes
// (header aligned to 8 bytes, data aligned to 8 bytes, a 4-byte line pointer), so the pages
// reltuples rows need at the relation's fillfactor; what relpages holds beyond that is waste.
// relpages and reltuples are as of the last VACUUM / ANALYZE, and a relation whose columns lack
// statistics (never analyzed, or columns the role may not read: pg_stats shows only those) has
// no estimate, so no row. Alignment padding between columns is ignored: an estimate, as its name
// says, good for ranking and trends, not for exact bytes.
const BS = `current_setting('block_size')::int`
const FILLFACTOR = (c: string, fallback: number) =>
  `coalesce((SELECT substring(o FROM '^fillfactor=(\\d+)$')::int FROM unnest(${c}.reloptions) o WHERE o LIKE 'fillfactor=%'), ${fallback})`
const ALIGN = (x: string) => `(ceil((${x})::numeric / 8) * 8)`
const USER_SCHEMA = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'`

// pg_stats is read once per query (a MATERIALIZED CTE, so the planner cannot turn it into a
// lookup per relation) and joined by name.
const STATS = `SELECT s.schemaname, s.tablename, s.attname, s.null_frac, s.avg_width FROM pg_stats s
  WHERE NOT s.inherited AND s.schemaname NOT IN ('pg_catalog', 'information_schema')`

const TABLE_ESTIMATE = `WITH pggraph_w AS MATERIALIZED (SELECT schemaname, tablename, sum((1 - null_frac) * avg_width) AS width,
    bool_or(null_frac > 0) AS hasnull, count(*) AS nstats FROM (${STATS}) s GROUP BY 1, 2)
  SELECT c.oid AS pggraph_oid, n.nspname::text AS schemaname, c.relname::text AS relname,
    c.relpages::bigint * ${BS} AS table_bytes,
    greatest(c.relpages - ceil(c.reltuples * (${ALIGN('23 + CASE WHEN w.hasnull THEN ceil(c.relnatts / 8.0) ELSE 0 END')} + ${ALIGN('w.width')} + 4)
      * 100 / ((${BS} - 24) * ${FILLFACTOR('c', 100)})), 0)::bigint * ${BS} AS wasted_bytes
  FROM pggraph_w w JOIN pg_namespace n ON n.nspname = w.schemaname JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = w.tablename
  WHERE c.relkind IN ('r', 'm') AND c.relpages > 0 AND c.reltuples >= 0 AND ${USER_SCHEMA}
    AND w.nstats = (SELECT count(*) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)`

const tableQuery = (approx: boolean) => `WITH pggraph_e AS (SELECT * FROM (${TABLE_ESTIMATE}) t
  ORDER BY wasted_bytes DESC, schemaname, relname LIMIT $1),
pggraph_a AS (SELECT e.*, CASE WHEN ${
  approx ? `$2 AND e.table_bytes <= $3 AND e.pggraph_oid <> ALL (${LOCKED_TABLES})` : '$2::boolean AND $3::bigint < 0' // never: both parameters are typed all the same
} THEN ${
  approx
    ? '(SELECT ARRAY[a.table_len, a.approx_free_space + a.dead_tuple_len] FROM pgstattuple_approx(e.pggraph_oid) a)'
    : 'NULL::bigint[]'
} END AS pggraph_x FROM pggraph_e e OFFSET 0)
SELECT current_database()::text AS datname, schemaname, relname,
  CASE WHEN pggraph_x IS NULL THEN 'estimate' ELSE 'pgstattuple_approx' END AS method,
  coalesce(pggraph_x[1], table_bytes) AS table_bytes, coalesce(pggraph_x[2], wasted_bytes) AS wasted_bytes,
  coalesce(pggraph_x[2], wasted_bytes)::float8 / nullif(coalesce(pggraph_x[1], table_bytes), 0) AS wasted_ratio
FROM pggraph_a ORDER BY 6 DESC, 2, 3`

/**
 * Table bloat (heap, matviews): the top N (`$1`, default {@link DEFAULT_TOP_BLOAT}) by wasted
 * bytes, from the statistical estimate over `pg_stats` (no extension needed). Where the
 * `pgstattuple` extension (1.5+) is installed and the role is a superuser or has `pg_monitor` (so
 * `pg_stat_scan_tables`, which may execute `pgstattuple_approx`), those top tables up to `$3` bytes (default
 * {@link DEFAULT_APPROX_MAX_BYTES}) are measured with it instead (free space plus dead tuples,
 * reading only the pages not all-visible); the `method` label says which.
 */
export const pgTableBloat = {
  name: 'pg_table_bloat',
  area: 'bloat',
  scope: 'database',
  description: 'Table bloat, top N by wasted bytes: the pg_stats estimate, or pgstattuple_approx where allowed',
  labels: { datname: 'text', schemaname: 'text', relname: 'text', method: 'text' },
  values: {
    table_bytes: gauge('bytes', 'Heap size (relpages as of the last VACUUM/ANALYZE; pgstattuple_approx: table_len)'),
    wasted_bytes: gauge(
      'bytes',
      'Bytes beyond what the live rows need (estimate) or free space + dead tuples (pgstattuple_approx)',
    ),
    wasted_ratio: gauge('ratio', 'wasted_bytes / table_bytes (0–1)'),
  },
  params: [DEFAULT_TOP_BLOAT, true, DEFAULT_APPROX_MAX_BYTES],
  queries: [
    // PostgreSQL checks EXECUTE on pgstattuple_approx when it starts the query, even where the
    // CASE never calls it: so this query only for pg_monitor (member of pg_stat_scan_tables, to
    // which pgstattuple 1.5 grants it) or a superuser; any other role gets the estimate.
    {
      since: 12,
      requires: [{ extension: 'pgstattuple', minVersion: '1.5' }, { privilege: 'pg_monitor' }],
      sql: tableQuery(true),
    },
    { since: 12, sql: tableQuery(false) },
  ],
} as const satisfies MetricDefinition

// B-tree indexes of plain columns only (an expression's statistics live under the index's name;
// other access methods have other layouts): index tuple header 8 bytes (+4 for a null bitmap),
// data, both aligned to 8, a 4-byte line pointer; pages of 8192 - 24 (header) - 16 (btree special)
// at the index's fillfactor (default 90), plus the metapage.
const INDEX_ESTIMATE = `WITH pggraph_s AS MATERIALIZED (${STATS}),
  pggraph_w AS (SELECT k.indexrelid, sum((1 - s.null_frac) * s.avg_width) AS width, bool_or(s.null_frac > 0) AS hasnull,
      count(s.attname) AS nstats, count(*) AS nkeys
    FROM (SELECT i.indexrelid, i.indrelid, unnest(i.indkey::int2[]) AS attnum FROM pg_index i
      JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
      WHERE am.amname = 'btree' AND i.indisvalid AND ic.relpages > 1 AND ic.reltuples >= 0) k
    JOIN pg_class t ON t.oid = k.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
    LEFT JOIN pg_attribute a ON a.attrelid = k.indrelid AND a.attnum = k.attnum
    LEFT JOIN pggraph_s s ON s.schemaname = n.nspname AND s.tablename = t.relname AND s.attname = a.attname
    WHERE ${USER_SCHEMA} GROUP BY k.indexrelid)
  SELECT n.nspname::text AS schemaname, t.relname::text AS relname, c.relname::text AS indexrelname,
    c.relpages::bigint * ${BS} AS index_bytes,
    greatest(c.relpages - 1 - ceil(c.reltuples * (4 + ${ALIGN('8 + CASE WHEN w.hasnull THEN 4 ELSE 0 END')} + ${ALIGN('w.width')})
      * 100 / ((${BS} - 40) * ${FILLFACTOR('c', 90)})), 0)::bigint * ${BS} AS wasted_bytes
  FROM pggraph_w w JOIN pg_class c ON c.oid = w.indexrelid JOIN pg_index i ON i.indexrelid = c.oid
    JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE w.nstats = w.nkeys`

/**
 * B-tree index bloat: the top N (`$1`, default {@link DEFAULT_TOP_BLOAT}) by wasted bytes, from the
 * statistical estimate over `pg_stats` (indexes of plain columns; expression indexes and other
 * access methods have no row). `method` is always `estimate` (`pgstatindex` reads the whole index).
 */
export const pgIndexBloat = {
  name: 'pg_index_bloat',
  area: 'bloat',
  scope: 'database',
  description: 'B-tree index bloat, top N by estimated wasted bytes (pg_stats estimate)',
  labels: { datname: 'text', schemaname: 'text', relname: 'text', indexrelname: 'text', method: 'text' },
  values: {
    index_bytes: gauge('bytes', 'Index size (relpages as of the last VACUUM/ANALYZE/CREATE INDEX)'),
    wasted_bytes: gauge('bytes', 'Bytes beyond what the entries need at the fillfactor (estimate)'),
    wasted_ratio: gauge('ratio', 'wasted_bytes / index_bytes (0–1)'),
  },
  params: [DEFAULT_TOP_BLOAT],
  queries: [
    {
      since: 12,
      sql: `SELECT current_database()::text AS datname, schemaname, relname, indexrelname, 'estimate' AS method,
  index_bytes, wasted_bytes, wasted_bytes::float8 / nullif(index_bytes, 0) AS wasted_ratio
FROM (${INDEX_ESTIMATE}) e ORDER BY wasted_bytes DESC, schemaname, indexrelname LIMIT $1`,
    },
  ],
} as const satisfies MetricDefinition

/** Options of {@link bloat}. */
export interface BloatOptions {
  /** Keep this many tables and this many indexes, the most wasted bytes first. Default 20. */
  readonly top?: number
  /**
   * Measure the top tables with `pgstattuple_approx` where the extension is installed and the
   * role is a superuser or has `pg_monitor` (default true); `false` always uses the estimate.
   */
  readonly pgstattuple?: boolean
  /** Tables larger than this (bytes) use the estimate even with `pgstattuple`. Default 128 MiB. */
  readonly approxMaxBytes?: number
}

/**
 * The bloat collector: {@link pgTableBloat} and {@link pgIndexBloat} for each database collected.
 *
 * @example
 * ```ts
 * const snap = await collect(db, { collectors: [bloat({ top: 10 })] })
 * snap.metrics.pg_table_bloat.map((t) => [t.relname, t.method, t.wasted_bytes])
 * ```
 */
export function bloat(options: BloatOptions = {}): Collector<readonly [typeof pgTableBloat, typeof pgIndexBloat]> {
  const top = topOption(options.top, DEFAULT_TOP_BLOAT, 'bloat')
  const max = options.approxMaxBytes ?? DEFAULT_APPROX_MAX_BYTES
  if (!Number.isSafeInteger(max) || max < 0) {
    throw new PggraphError('CONFIG', `bloat({ approxMaxBytes }) must be a whole number of bytes (got ${String(max)}).`)
  }
  return {
    name: 'bloat',
    metrics: [withParams(pgTableBloat, [top, options.pgstattuple ?? true, max]), withParams(pgIndexBloat, [top])],
  }
}
