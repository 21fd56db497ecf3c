// The store's small helper functions: daily partitions and hourly rollups. The ingest function
// is in ingest-function.ts, the bridge health check and report_error in bridge-health.ts.
import { quoteIdent } from '@pggraph/core'
import { storeFunction, type StoreFunction } from './plpgsql.js'
import type { StoredMetric } from './metric-tables.js'
import { N, Params, ratedCtes, S, utcHour } from './series-sql.js'
import { prefixedTable, ROLLUP_SUFFIX, schemaTable, type Namespace } from './names.js'

/**
 * `<schema>.pggraph_add_partition(table, day)`: create the daily partition of a table if
 * missing. Not granted to anyone; the ingest function (running as the schema owner) calls it.
 */
export function addPartitionFunction(schema: string): StoreFunction {
  const s = quoteIdent(schema, 'schema')
  const lit = `'${schema}'` // validated: [a-z0-9_] only, safe as a literal
  const body = `
DECLARE
  part text := tbl || '_' || to_char(day, 'YYYYMMDD');
BEGIN
  IF to_regclass(format('%I.%I', ${lit}, part)) IS NOT NULL THEN
    RETURN false;
  END IF;
  BEGIN
    EXECUTE format('CREATE TABLE IF NOT EXISTS %I.%I PARTITION OF %I.%I FOR VALUES FROM (%L) TO (%L)',
      ${lit}, part, ${lit}, tbl, day::timestamp AT TIME ZONE 'UTC', (day + 1)::timestamp AT TIME ZONE 'UTC');
  EXCEPTION WHEN duplicate_table OR unique_violation THEN
    RETURN false; -- a concurrent ingest created it
  END;
  RETURN true;
END`
  return storeFunction(
    `${s}."pggraph_add_partition"(text, date)`,
    `(tbl text, day date) RETURNS boolean LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET datestyle = 'ISO, YMD'`,
    body,
  )
}

/**
 * `<schema>.<prefix>_rollup(from, to)`: recompute the hourly rollups of every metric for the
 * hours in [from, to) and move `sources.rollup_until` forward. Maintenance calls it
 * ({@link rollupStore}, from `maintainStore`); the ingest function never does (it only marks an
 * hour already rolled up that a late snapshot changed, `sources.rollup_dirty_from`). Not granted
 * to anyone.
 */
export function rollupFunction(ns: Namespace, metrics: readonly StoredMetric[]): StoreFunction {
  const steps = metrics.map((m) => {
    const p = new Params()
    const f = `${p.add(null)}::timestamptz`
    const t = `${p.add(null)}::timestamptz`
    const labels = m.labels.map((l) => quoteIdent(l, 'column'))
    const cols = m.values.flatMap((v) => [quoteIdent(`${v.name}_s`, 'column'), quoteIdent(`${v.name}_n`, 'column')])
    const sums = m.values.flatMap((_, i) => [`sum(${S(i)})`, `sum(${N(i)})`])
    const key = [utcHour('"time"'), ...labels]
    const insert = `WITH ${ratedCtes(ns, m, m.values, f, t, [], false).join(',\n')}
INSERT INTO ${prefixedTable(ns, `${m.name}${ROLLUP_SUFFIX}`)} ("time"${labels.map((l) => `, ${l}`).join('')}, ${cols.join(', ')})
SELECT ${key.join(', ')}, ${sums.join(', ')} FROM rated GROUP BY ${key.join(', ')}`
    if (insert.includes('$rollup$')) throw new Error('unexpected dollar quote in rollup SQL')
    return `
    DELETE FROM ${prefixedTable(ns, `${m.name}${ROLLUP_SUFFIX}`)} WHERE "time" >= _from AND "time" < _to;
    EXECUTE $rollup$${insert}$rollup$ USING _from, _to;
    GET DIAGNOSTICS _c = ROW_COUNT;
    _n := _n + _c;`
  })
  const sources = schemaTable(ns.schema, 'sources')
  const prefixLit = `'${ns.prefix}'` // validated identifier: no quotes possible
  const body = `
DECLARE
  _c bigint;
  _n bigint := 0;
BEGIN
  -- The prefix's sources row is locked before any hour is read: an ingest that already
  -- updated it commits before we go on (so we read its rows); one that updates it later waits
  -- for our commit, then sees the new rollup_until and marks its hour if we rolled it up.
  PERFORM 1 FROM ${sources} WHERE prefix = ${prefixLit} FOR UPDATE;
  IF _from IS NOT NULL AND _to IS NOT NULL AND _from < _to THEN${steps.join('')}
  END IF;
  UPDATE ${sources}
     SET rollup_until = GREATEST(rollup_until, _to),
         rollup_dirty_from = CASE WHEN rollup_dirty_from >= _from AND rollup_dirty_from < _to THEN NULL ELSE rollup_dirty_from END
   WHERE prefix = ${prefixLit};
  RETURN _n;
END`
  return storeFunction(
    `${prefixedTable(ns, 'rollup')}(timestamptz, timestamptz)`,
    `(_from timestamptz, _to timestamptz) RETURNS bigint LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp`,
    body,
  )
}
