// The step of the ingest function that stores metric rows: one CASE branch per metric table,
// reading rows from the JSON (`json_to_recordset`) or, in the columnar form node-postgres uses,
// from `unnest` of slices of the two arrays. Runs after the checks, so every count is bounded.
import { quoteIdent } from '@pggraph/core'
import { metricColumns, type StoredMetric } from './metric-tables.js'
import { prefixedTable, type Namespace } from './names.js'
import type { PlpgsqlPart } from './plpgsql.js'

/** The rows of one metric from the columnar form: each column a slice of `_ctext` or `_cnum`. */
function columnarInsert(ns: Namespace, m: StoredMetric, cols: readonly string[], onConflict: boolean): string {
  const { labels, values, statsReset } = metricColumns(m)
  // Each column is a slice of _ctext (strings) or _cnum (numbers), found by name in the metric's
  // "t" or "f" list; a column the writer did not send is NULL.
  const lit = (c: string): string => `'${c}'` // validated identifier: no quotes possible
  const tpos = (c: string): string => `array_position(_tn, ${lit(c)})`
  const fpos = (c: string): string => `array_position(_fn, ${lit(c)})`
  const tslice = (c: string): string => `_ctext[_to + (${tpos(c)} - 1) * _r + 1 : _to + ${tpos(c)} * _r]`
  const fslice = (c: string): string => `_cnum[_fo + (${fpos(c)} - 1) * _r + 1 : _fo + ${fpos(c)} * _r]`
  const pick = (c: string, fromText: string, fromNum: string): string =>
    `CASE WHEN ${tpos(c)} IS NOT NULL THEN ${fromText} ELSE ${fromNum} END`
  const args = [
    ...labels.map((l) => pick(l, tslice(l), `${fslice(l)}::text[]`)),
    ...values.map((v) => pick(v, `${tslice(v)}::double precision[]`, fslice(v))),
    ...(statsReset
      ? [
          pick(
            'stats_reset',
            `${tslice('stats_reset')}::timestamptz[]`,
            `${fslice('stats_reset')}::text[]::timestamptz[]`,
          ),
        ]
      : []),
  ]
  const ucols = cols.slice(1).map((_, i) => `c${i + 1}`)
  const usel = ['_t', ...ucols.map((c, i) => (i < labels.length ? `coalesce(u.${c}, '')` : `u.${c}`))]
  return `INSERT INTO ${prefixedTable(ns, m.name)} (${cols.join(', ')})
              SELECT ${usel.join(', ')}
                FROM unnest(${args.join(', ')}) AS u(${ucols.join(', ')})${onConflict ? '\n              ON CONFLICT DO NOTHING' : ''};`
}

/** The rows of one metric from the JSON: an array of row objects. */
function jsonInsert(ns: Namespace, m: StoredMetric, cols: readonly string[], onConflict: boolean): string {
  const { labels, values, statsReset } = metricColumns(m)
  const q = (c: string): string => quoteIdent(c, 'column')
  const sel = [
    '_t',
    ...labels.map((l) => `coalesce(r.${q(l)}, '')`),
    ...values.map((v) => `r.${q(v)}`),
    ...(statsReset ? ['r."stats_reset"'] : []),
  ]
  const rec = [
    ...labels.map((l) => `${q(l)} text`),
    ...values.map((v) => `${q(v)} double precision`),
    ...(statsReset ? ['"stats_reset" timestamptz'] : []),
  ]
  return `INSERT INTO ${prefixedTable(ns, m.name)} (${cols.join(', ')})
              SELECT ${sel.join(', ')} FROM json_to_recordset(_v) AS r(${rec.join(', ')})${onConflict ? '\n              ON CONFLICT DO NOTHING' : ''};`
}

/** The CASE branch of one metric: its day partition, its rows, and the count added to `_n`. */
function metricBranch(ns: Namespace, m: StoredMetric, onConflict: boolean): string {
  const { labels, values, statsReset } = metricColumns(m)
  const q = (c: string): string => quoteIdent(c, 'column')
  const cols = ['"time"', ...labels.map(q), ...values.map(q), ...(statsReset ? ['"stats_reset"'] : [])]
  const table = `${ns.prefix}_${m.name}`
  const count = onConflict
    ? // Citus counts the rows an INSERT … SELECT … ON CONFLICT offered, not those it stored; the
      // snapshot's time is new, so its rows are the ones it stored.
      `SELECT count(*) INTO _c FROM ${prefixedTable(ns, m.name)} WHERE "time" = _t;`
    : 'GET DIAGNOSTICS _c = ROW_COUNT;'
  return `
        WHEN '${m.name}' THEN
          IF to_regclass('${quoteIdent(ns.schema, 'schema')}."${table}_' || _d || '"') IS NULL THEN
            PERFORM ${quoteIdent(ns.schema, 'schema')}."pggraph_add_partition"('${table}', _day);
          END IF;
          IF _columnar THEN
            _r := (_v->>'n')::integer;
            _to := coalesce((_v->>'to')::integer, 0);
            _fo := coalesce((_v->>'fo')::integer, 0);
            _tn := ARRAY(SELECT json_array_elements_text(_v->'t'));
            _fn := ARRAY(SELECT json_array_elements_text(_v->'f'));
            ${columnarInsert(ns, m, cols, onConflict)}
          ELSE
            ${jsonInsert(ns, m, cols, onConflict)}
          END IF;
          ${count}
          _n := _n + _c;`
}

/** The loop over `_metrics` storing every known metric; unknown names go to `_ignored`. */
function insertLoop(ns: Namespace, metrics: readonly StoredMetric[], onConflict: boolean): string {
  return `
    _n := 0;
    _ignored := '{}';
    FOR _k, _v IN SELECT key, value FROM json_each(_metrics) LOOP
      -- A metric is an array of row objects, or (columnar) {n, t, f, to, fo}: n rows whose
      -- columns named in t are consecutive slices of _ctext from offset "to", those in f of _cnum.
      _columnar := json_typeof(_v) = 'object';
      CONTINUE WHEN NOT _columnar AND json_typeof(_v) IS DISTINCT FROM 'array';
      CASE _k${metrics.map((m) => metricBranch(ns, m, onConflict)).join('')}
        ELSE _ignored := _ignored || _k;
      END CASE;
    END LOOP;`
}

/**
 * Store the rows of every known metric for snapshot time `_t` (day `_day`, `_d` = YYYYMMDD),
 * counting them in `_n`. The snapshot row was new, so no metric row of this time exists: plain
 * INSERTs (faster than ON CONFLICT). Should one collide anyway (a metric listing one label set
 * twice, rows written by hand), the block is rolled back and redone with ON CONFLICT DO NOTHING.
 * Citus reports the collision from its COPY into a shard as an internal error with the same message.
 */
export function rowsPart(ns: Namespace, metrics: readonly StoredMetric[]): PlpgsqlPart {
  return {
    declare: {
      _n: 'bigint := 0',
      _c: 'bigint',
      _ignored: "text[] := '{}'",
      _columnar: 'boolean',
      _r: 'integer',
      _to: 'integer',
      _fo: 'integer',
      _tn: 'text[]',
      _fn: 'text[]',
      _day: 'date',
      _d: 'text',
    },
    body: `
  _day := (_t AT TIME ZONE 'UTC')::date;
  _d := to_char(_day, 'YYYYMMDD');
  BEGIN${insertLoop(ns, metrics, false)}
  EXCEPTION WHEN unique_violation OR internal_error THEN
    IF SQLSTATE = 'XX000' AND SQLERRM NOT LIKE 'duplicate key value violates unique constraint %' THEN
      RAISE;
    END IF;${insertLoop(ns, metrics, true)}
  END;`,
  }
}
