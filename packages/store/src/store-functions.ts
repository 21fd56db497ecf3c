import { quoteIdent, type Queryable } from '@pggraph/core'
import { metricColumns, type StoredMetric } from './metric-tables.js'
import { N, Params, ratedCtes, S, utcHour } from './series-sql.js'
import { prefixedTable, ROLLUP_SUFFIX, schemaTable, type Namespace } from './names.js'

/** A function of the store: its qualified signature and the full CREATE statement. */
export interface StoreFunction {
  /** `"schema"."name"(argtypes)`, for `to_regprocedure`, GRANT and REVOKE. */
  readonly signature: string
  /** The body between the dollar quotes, compared with `pg_proc.prosrc` to skip no-op replaces. */
  readonly body: string
  readonly create: string
}

/** How far in the future a snapshot may be dated (clock skew allowance). */
export const FUTURE_TOLERANCE = '5 minutes'

const Q = '$pggraph$'

function fn(signature: string, header: string, body: string): StoreFunction {
  return {
    signature,
    body,
    create: `CREATE OR REPLACE FUNCTION ${signature.replace(/\(.*\)$/, '')}${header} AS ${Q}${body}${Q}`,
  }
}

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
  return fn(
    `${s}."pggraph_add_partition"(text, date)`,
    `(tbl text, day date) RETURNS boolean LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET datestyle = 'ISO, YMD'`,
    body,
  )
}

/**
 * `<schema>.<prefix>_ingest(json, text[], float8[])`: the only way a writer adds data (with
 * {@link ingestJsonFunction}, its JSON-only form). SECURITY DEFINER with a fixed `search_path`;
 * every name in it is schema-qualified and fixed at install time, so the caller controls values
 * only. Validates the snapshot, refuses (and records) one dated more than
 * {@link FUTURE_TOLERANCE} ahead, inserts every known metric (rows from `json_to_recordset`, or
 * in the columnar form node-postgres uses, `unnest` of slices of the two arrays; redone with
 * `ON CONFLICT DO NOTHING` on a duplicate), and updates the prefix's `sources` row. A columnar
 * metric none of whose columns were sent stores no rows.
 */
export function ingestFunction(ns: Namespace, metrics: readonly StoredMetric[]): StoreFunction {
  const prefixLit = `'${ns.prefix}'` // validated identifier: no quotes possible
  const sources = schemaTable(ns.schema, 'sources')
  const snapshots = prefixedTable(ns, 'snapshots')
  const addPartition = `${quoteIdent(ns.schema, 'schema')}."pggraph_add_partition"`
  const inserts = (onConflict: boolean): string => {
    const branches = metrics.map((m) => {
      const { labels, values, statsReset } = metricColumns(m)
      const q = (c: string): string => quoteIdent(c, 'column')
      const cols = ['"time"', ...labels.map(q), ...values.map(q), ...(statsReset ? ['"stats_reset"'] : [])]
      const sel = [
        '_t',
        ...labels.map((l) => `coalesce(r.${q(l)}, '')`),
        ...values.map((v) => `r.${q(v)}`),
        ...(statsReset ? ['r."stats_reset"'] : []),
      ]
      // Columnar form: each column is a slice of _ctext (strings) or _cnum (numbers), found by
      // name in the metric's "t" or "f" list; a column the writer did not send is NULL.
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
      const rec = [
        ...labels.map((l) => `${q(l)} text`),
        ...values.map((v) => `${q(v)} double precision`),
        ...(statsReset ? ['"stats_reset" timestamptz'] : []),
      ]
      const table = `${ns.prefix}_${m.name}`
      return `
        WHEN '${m.name}' THEN
          IF to_regclass('${quoteIdent(ns.schema, 'schema')}."${table}_' || _d || '"') IS NULL THEN
            PERFORM ${addPartition}('${table}', _day);
          END IF;
          IF _columnar THEN
            _r := (_v->>'n')::integer;
            _to := coalesce((_v->>'to')::integer, 0);
            _fo := coalesce((_v->>'fo')::integer, 0);
            _tn := ARRAY(SELECT json_array_elements_text(_v->'t'));
            _fn := ARRAY(SELECT json_array_elements_text(_v->'f'));
            INSERT INTO ${prefixedTable(ns, m.name)} (${cols.join(', ')})
              SELECT ${usel.join(', ')}
                FROM unnest(${args.join(', ')}) AS u(${ucols.join(', ')})${onConflict ? '\n              ON CONFLICT DO NOTHING' : ''};
          ELSE
            INSERT INTO ${prefixedTable(ns, m.name)} (${cols.join(', ')})
              SELECT ${sel.join(', ')} FROM json_to_recordset(_v) AS r(${rec.join(', ')})${onConflict ? '\n              ON CONFLICT DO NOTHING' : ''};
          END IF;
          ${
            onConflict
              ? // Citus counts the rows an INSERT … SELECT … ON CONFLICT offered, not those it
                // stored; the snapshot's time is new, so its rows are the ones it stored.
                `SELECT count(*) INTO _c FROM ${prefixedTable(ns, m.name)} WHERE "time" = _t;`
              : 'GET DIAGNOSTICS _c = ROW_COUNT;'
          }
          _n := _n + _c;`
    })
    return `
    _n := 0;
    _ignored := '{}';
    FOR _k, _v IN SELECT key, value FROM json_each(_metrics) LOOP
      -- A metric is an array of row objects, or (columnar) {n, t, f, to, fo}: n rows whose
      -- columns named in t are consecutive slices of _ctext from offset "to", those in f of _cnum.
      _columnar := json_typeof(_v) = 'object';
      CONTINUE WHEN NOT _columnar AND json_typeof(_v) IS DISTINCT FROM 'array';
      CASE _k${branches.join('')}
        ELSE _ignored := _ignored || _k;
      END CASE;
    END LOOP;`
  }
  const newest = `(last_seen IS NULL OR _t >= last_seen)`
  const body = `
DECLARE
  _k text;
  _v json;
  _fmt text;
  _taken text;
  _server jsonb;
  _metrics json;
  _resets jsonb;
  _skipped jsonb;
  _databases jsonb;
  _stats jsonb;
  _bridge jsonb;
  _source jsonb;
  _t timestamptz;
  _day date;
  _d text;
  _n bigint := 0;
  _c bigint;
  _ignored text[] := '{}';
  _columnar boolean;
  _r integer;
  _to integer;
  _fo integer;
  _tn text[];
  _fn text[];
  _msg text;
  _ru timestamptz;
  _dirty timestamptz;
  _hour timestamptz;
  _start timestamptz;
  _dbs text;
BEGIN
  -- One pass over the top level: the json type re-parses on every access, so split it once.
  IF _snap IS NOT NULL AND json_typeof(_snap) = 'object' THEN
    FOR _k, _v IN SELECT key, value FROM json_each(_snap) LOOP
      CASE _k
        WHEN 'format' THEN _fmt := _v::text;
        WHEN 'takenAt' THEN _taken := _v #>> '{}';
        WHEN 'server' THEN _server := _v::jsonb;
        WHEN 'metrics' THEN _metrics := _v;
        WHEN 'resets' THEN _resets := _v::jsonb;
        WHEN 'skipped' THEN _skipped := _v::jsonb;
        WHEN 'databases' THEN _databases := _v::jsonb;
        WHEN 'stats' THEN _stats := _v::jsonb;
        WHEN 'bridge' THEN _bridge := _v::jsonb;
        WHEN 'source' THEN _source := _v::jsonb;
        ELSE NULL;
      END CASE;
    END LOOP;
  END IF;
  IF _fmt IS DISTINCT FROM '1' OR jsonb_typeof(_server) IS DISTINCT FROM 'object' OR json_typeof(_metrics) IS DISTINCT FROM 'object' THEN
    _msg := 'Invalid snapshot: not a pggraph snapshot of format 1 (server and metrics objects are required).';
  ELSIF coalesce(_taken, '') !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$' THEN
    _msg := 'Invalid snapshot: takenAt must be an ISO 8601 time.';
  ELSE
    _t := _taken::timestamptz;
    IF _t > now() + interval '${FUTURE_TOLERANCE}' THEN
      _msg := format('Snapshot rejected: it is dated %s, more than ${FUTURE_TOLERANCE} ahead of the store clock (%s). Fix the clock of the monitored server (NTP).',
        to_char(_t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'));
    END IF;
  END IF;
  IF _msg IS NOT NULL THEN
    UPDATE ${sources} SET last_error = _msg, last_error_at = now() WHERE prefix = ${prefixLit};
    RETURN jsonb_build_object('written', false, 'rows', 0, 'error', _msg);
  END IF;

  INSERT INTO ${snapshots} ("time", server_version_num, server_version, start_time, system_identifier, timeline, in_recovery,
                           databases, resets, skipped, bridge, collect_ms, round_trips)
  VALUES (_t, (_server->>'versionNum')::integer, _server->>'version', (_server->>'startTime')::timestamptz,
          _server->>'systemIdentifier', (_server->>'timeline')::integer, (_server->>'inRecovery')::boolean,
          _databases, _resets, _skipped, _bridge, (_stats->>'durationMs')::double precision, (_stats->>'roundTrips')::integer)
  ON CONFLICT ("time") DO NOTHING;
  GET DIAGNOSTICS _c = ROW_COUNT;
  IF _c = 0 THEN
    RETURN jsonb_build_object('written', false, 'rows', 0); -- already stored: a retried write changes nothing
  END IF;

  _day := (_t AT TIME ZONE 'UTC')::date;
  _d := to_char(_day, 'YYYYMMDD');
  -- The snapshot row was new, so no metric row of this time exists: plain INSERTs (faster than
  -- ON CONFLICT). Should one collide anyway (a metric listing one label set twice, rows written
  -- by hand), the block is rolled back and redone with ON CONFLICT DO NOTHING. Citus reports
  -- the collision from its COPY into a shard as an internal error with the same message.
  BEGIN${inserts(false)}
  EXCEPTION WHEN unique_violation OR internal_error THEN
    IF SQLSTATE = 'XX000' AND SQLERRM NOT LIKE 'duplicate key value violates unique constraint %' THEN
      RAISE;
    END IF;${inserts(true)}
  END;

  IF jsonb_typeof(_resets) = 'array' THEN
    INSERT INTO ${prefixedTable(ns, 'resets')} (metric, key, at, seen)
      SELECT r.metric, coalesce(r.key, ''), r.at, _t FROM jsonb_to_recordset(_resets) AS r(metric text, key text, at timestamptz)
      WHERE r.metric IS NOT NULL AND r.at IS NOT NULL
      ON CONFLICT DO NOTHING;
  END IF;
  -- A new epoch when the start time differs from the snapshot before this one in time.
  _start := (_server->>'startTime')::timestamptz;
  IF (SELECT start_time FROM ${snapshots} WHERE "time" < _t ORDER BY "time" DESC LIMIT 1) IS DISTINCT FROM _start THEN
    INSERT INTO ${prefixedTable(ns, 'epochs')} (first_seen, start_time) VALUES (_t, _start) ON CONFLICT DO NOTHING;
  END IF;
  INSERT INTO ${prefixedTable(ns, 'starts')} (start_time, first_seen) VALUES ((_server->>'startTime')::timestamptz, _t)
    ON CONFLICT (start_time) DO NOTHING;
  UPDATE ${snapshots} SET rows = _n WHERE "time" = _t;

  -- Hourly rollups: the first snapshot of a new hour rolls up the hours before it; a late
  -- snapshot of an hour already rolled up marks it for the next run.
  SELECT rollup_until, rollup_dirty_from INTO _ru, _dirty FROM ${sources} WHERE prefix = ${prefixLit};
  _hour := ${utcHour('_t')};
  IF _ru IS NOT NULL AND _t < _ru THEN
    UPDATE ${sources} SET rollup_dirty_from = LEAST(rollup_dirty_from, _hour) WHERE prefix = ${prefixLit};
  ELSIF _ru IS NULL OR _hour > _ru THEN
    PERFORM ${prefixedTable(ns, 'rollup')}(
      LEAST(_dirty, coalesce(_ru, (SELECT ${utcHour('min("time")')} FROM ${snapshots}))), _hour);
  END IF;
  -- Values computed here, not inside the UPDATE: a distributed table (Citus) takes only
  -- IMMUTABLE expressions in CASE and COALESCE, and the text to timestamptz cast is STABLE.
  IF jsonb_typeof(_databases) = 'array' THEN
    _dbs := (SELECT string_agg(x, ', ') FROM jsonb_array_elements_text(_databases) x);
  END IF;
  UPDATE ${sources} SET
    first_seen = LEAST(first_seen, _t),
    last_seen = GREATEST(last_seen, _t),
    last_received = now(),
    snapshots = snapshots + 1,
    interval_seconds = CASE
      WHEN last_seen IS NULL OR _t <= last_seen THEN interval_seconds
      WHEN interval_seconds IS NULL THEN extract(epoch FROM _t - last_seen)::double precision
      ELSE 0.8 * interval_seconds + 0.2 * extract(epoch FROM _t - last_seen)::double precision END,
    server_version = CASE WHEN ${newest} THEN _server->>'version' ELSE server_version END,
    server_version_num = CASE WHEN ${newest} THEN (_server->>'versionNum')::integer ELSE server_version_num END,
    system_identifier = CASE WHEN ${newest} THEN _server->>'systemIdentifier' ELSE system_identifier END,
    start_time = CASE WHEN ${newest} THEN _start ELSE start_time END,
    in_recovery = CASE WHEN ${newest} THEN (_server->>'inRecovery')::boolean ELSE in_recovery END,
    database = CASE WHEN ${newest} AND _dbs IS NOT NULL THEN _dbs ELSE database END,
    host = coalesce(_source->>'host', host),
    bridge = CASE WHEN ${newest} AND jsonb_typeof(_bridge) = 'object' THEN _bridge ELSE bridge END
  WHERE prefix = ${prefixLit};
  RETURN jsonb_build_object('written', true, 'rows', _n, 'ignored', to_jsonb(_ignored));
END`
  return fn(
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
  return fn(
    `${prefixedTable(ns, 'ingest')}(json)`,
    `(_snap json) RETURNS jsonb LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp`,
    body,
  )
}

/**
 * `<schema>.<prefix>_rollup(from, to)`: recompute the hourly rollups of every metric for the
 * hours in [from, to) and move `sources.rollup_until` forward. The ingest function calls it when
 * a snapshot opens a new hour; {@link rollupStore} calls it to backfill. Not granted to anyone.
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
  const body = `
DECLARE
  _c bigint;
  _n bigint := 0;
BEGIN
  IF _from IS NOT NULL AND _to IS NOT NULL AND _from < _to THEN${steps.join('')}
  END IF;
  UPDATE ${schemaTable(ns.schema, 'sources')}
     SET rollup_until = GREATEST(rollup_until, _to),
         rollup_dirty_from = CASE WHEN rollup_dirty_from >= _from AND rollup_dirty_from < _to THEN NULL ELSE rollup_dirty_from END
   WHERE prefix = '${ns.prefix}';
  RETURN _n;
END`
  return fn(
    `${prefixedTable(ns, 'rollup')}(timestamptz, timestamptz)`,
    `(_from timestamptz, _to timestamptz) RETURNS bigint LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp`,
    body,
  )
}

/**
 * `<schema>.<prefix>_report_error(text, jsonb)`: lets the writer record a failed cycle (target
 * down) and its bridge health in its own `sources` row, and nowhere else.
 */
export function reportErrorFunction(ns: Namespace): StoreFunction {
  const body = `
  UPDATE ${schemaTable(ns.schema, 'sources')}
     SET last_error = left(coalesce($1, 'unknown error'), 2000), last_error_at = now(),
         bridge = CASE WHEN jsonb_typeof($2) = 'object' THEN $2 ELSE bridge END
   WHERE prefix = '${ns.prefix}'
`
  return fn(
    `${prefixedTable(ns, 'report_error')}(text, jsonb)`,
    `(message text, health jsonb DEFAULT NULL) RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp`,
    body,
  )
}

/** Create or replace `f` unless the server already has exactly this body; true when it changed. */
export async function ensureFunction(db: Queryable, f: StoreFunction): Promise<boolean> {
  const { rows } = await db.query<{ src: string | null }>(
    `SELECT (SELECT prosrc FROM pg_proc WHERE oid = to_regprocedure($1)) AS src`,
    [f.signature],
  )
  if (rows[0]?.src === f.body) return false
  await db.query(f.create)
  await db.query(`REVOKE ALL ON FUNCTION ${f.signature} FROM PUBLIC`)
  return true
}
