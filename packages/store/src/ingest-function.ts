// The ingest function, assembled from its steps (each built and tested on its own): checks
// (ingest-checks.ts), the snapshot row and bookkeeping (ingest-bookkeeping.ts), the metric rows
// (ingest-rows.ts).
import { afterRowsPart, snapshotRowPart } from './ingest-bookkeeping.js'
import { countsPart, healthPart, labelsPart, payloadPart, refusePart, splitPart, timePart } from './ingest-checks.js'
import { rowsPart } from './ingest-rows.js'
import type { StoredMetric } from './metric-tables.js'
import { prefixedTable, type Namespace } from './names.js'
import { plpgsqlBody, storeFunction, type PlpgsqlPart, type StoreFunction } from './plpgsql.js'

/**
 * The checking steps of the ingest function, in order: limits and payload size, the top-level
 * split, format and time window, counts, label bytes, bridge health, and the refusal record. Exported so a
 * test can run them alone.
 */
export function ingestCheckParts(ns: Namespace): PlpgsqlPart[] {
  return [payloadPart(ns), splitPart(), timePart(), countsPart(), labelsPart(), healthPart(ns.schema), refusePart(ns)]
}

/**
 * `<schema>.<prefix>_ingest(json, text[], float8[])`: the only way a writer adds data (with
 * {@link ingestJsonFunction}, its JSON-only form). SECURITY DEFINER with a fixed `search_path`;
 * every name in it is schema-qualified and fixed at install time, so the caller controls values
 * only. Checks the snapshot against the prefix's limits (`<prefix>_limits()`: payload bytes,
 * metrics, rows per metric and per snapshot, resets, age) and the future window before anything
 * is written, refusing (and recording in `sources.last_error`) what is over; then inserts every
 * known metric (rows from `json_to_recordset`, or in the columnar form node-postgres uses,
 * `unnest` of slices of the two arrays; redone with `ON CONFLICT DO NOTHING` on a duplicate), and
 * updates the prefix's `sources` row. A columnar metric none of whose columns were sent stores no rows.
 */
export function ingestFunction(ns: Namespace, metrics: readonly StoredMetric[]): StoreFunction {
  const body = plpgsqlBody([...ingestCheckParts(ns), snapshotRowPart(ns), rowsPart(ns, metrics), afterRowsPart(ns)])
  return storeFunction(
    `${prefixedTable(ns, 'ingest')}(json, text[], double precision[])`,
    `(_snap json, _ctext text[], _cnum double precision[]) RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp`,
    body,
  )
}

/**
 * `<schema>.<prefix>_ingest(json)`: the same ingest with every row inside the JSON (PGlite, and
 * drivers that cannot send binary arrays). Calls the columnar form with no columns.
 */
export function ingestJsonFunction(ns: Namespace): StoreFunction {
  const body = `
  SELECT ${prefixedTable(ns, 'ingest')}($1, NULL::text[], NULL::double precision[])
`
  return storeFunction(
    `${prefixedTable(ns, 'ingest')}(json)`,
    `(_snap json) RETURNS jsonb LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp`,
    body,
  )
}
