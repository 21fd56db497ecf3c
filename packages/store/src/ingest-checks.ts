// The checking steps of the ingest function, in the order they run: every bound is tested on
// sizes and counts the server gets without expanding the JSON (its length, array lengths), so an
// oversized snapshot costs one pass over its text and writes nothing. Each step sets `_msg` to
// the reason it refuses; later steps run only while `_msg` is NULL, and the last one records the
// refusal in `sources` and returns it.
import { ISO_TIME_PATTERN, quoteIdent } from '@pggraph/core'
import { BRIDGE_HEALTH_LIMITS } from './bridge-health.js'
import {
  FUTURE_WINDOW_MINUTES,
  labelTooLongMessage,
  MAX_LABEL_BYTES,
  NOT_A_LABEL,
  rowLabelsTooLongMessage,
  overLimitMessage,
  type IngestLimits,
} from './ingest-limits.js'
import { prefixedTable, schemaTable, type Namespace } from './names.js'
import type { PlpgsqlPart } from './plpgsql.js'

/** Bytes of the JSON of `server`, `stats` or `source`: small objects whatever the snapshot's size. */
export const MAX_OBJECT_BYTES = 4096

/** A SQL string literal (for the fixed messages below: quotes doubled). */
function lit(s: string): string {
  return `'${s.replace(/'/g, "''")}'`
}

/** `_msg := format(<overLimitMessage with %s>, args…)` for limit `name`. */
function over(what: string, count: string, name: keyof IngestLimits, ...whatArgs: string[]): string {
  const limit = `(_lim->>'${name}')::bigint`
  return `_msg := format(${lit(overLimitMessage(what, '%s', name, '%s'))}, ${[...whatArgs, count, limit].join(', ')});`
}

const limit = (name: keyof IngestLimits): string => `(_lim->>'${name}')::bigint`

/** The prefix's effective limits (`<prefix>_limits()`), then the size of the whole call. */
export function payloadPart(ns: Namespace): PlpgsqlPart {
  return {
    declare: { _lim: 'jsonb', _msg: 'text', _bytes: 'bigint' },
    body: `
  _lim := ${prefixedTable(ns, 'limits')}();
  _bytes := coalesce(octet_length(_snap::text), 0) + coalesce(pg_column_size(_ctext), 0) + coalesce(pg_column_size(_cnum), 0);
  IF _bytes > ${limit('maxPayloadBytes')} THEN
    ${over('payload bytes', '_bytes', 'maxPayloadBytes')}
  ELSIF coalesce(array_ndims(_ctext), 1) <> 1 OR coalesce(array_ndims(_cnum), 1) <> 1 THEN
    _msg := 'Invalid snapshot: the columnar arrays must have one dimension.';
  END IF;`,
  }
}

/**
 * One pass over the top level (the json type re-parses on every access, so it is split once);
 * `server`, `stats`, `source` and `bridge` are bounded in bytes before they become jsonb.
 */
export function splitPart(): PlpgsqlPart {
  return {
    declare: {
      _k: 'text',
      _v: 'json',
      _fmt: 'text',
      _taken: 'text',
      _server: 'jsonb',
      _metrics: 'json',
      _resets: 'json',
      _skipped: 'json',
      _databases: 'json',
      _stats: 'jsonb',
      _bridge: 'jsonb',
      _source: 'jsonb',
    },
    body: `
  IF _msg IS NULL AND _snap IS NOT NULL AND json_typeof(_snap) = 'object' THEN
    FOR _k, _v IN SELECT key, value FROM json_each(_snap) LOOP
      IF _k IN ('server', 'stats', 'source', 'bridge')
         AND octet_length(_v::text) > (CASE WHEN _k = 'bridge' THEN ${BRIDGE_HEALTH_LIMITS.maxBytes} ELSE ${MAX_OBJECT_BYTES} END) THEN
        _msg := format('Invalid snapshot: %s is %s bytes of JSON, more than %s.', _k, octet_length(_v::text),
          CASE WHEN _k = 'bridge' THEN ${BRIDGE_HEALTH_LIMITS.maxBytes} ELSE ${MAX_OBJECT_BYTES} END);
        EXIT;
      END IF;
      CASE _k
        WHEN 'format' THEN _fmt := _v::text;
        WHEN 'takenAt' THEN _taken := _v #>> '{}';
        WHEN 'server' THEN _server := _v::jsonb;
        WHEN 'metrics' THEN _metrics := _v;
        WHEN 'resets' THEN _resets := _v;
        WHEN 'skipped' THEN _skipped := _v;
        WHEN 'databases' THEN _databases := _v;
        WHEN 'stats' THEN _stats := _v::jsonb;
        WHEN 'bridge' THEN _bridge := _v::jsonb;
        WHEN 'source' THEN _source := _v::jsonb;
        ELSE NULL;
      END CASE;
    END LOOP;
  END IF;`,
  }
}

/**
 * Format and time: a snapshot of format 1 with server and metrics objects, `takenAt` an ISO time
 * no more than {@link FUTURE_WINDOW_MINUTES} ahead of the store's clock and no more than
 * `maxAgeDays` behind it (so no partition is ever made for a day outside that window).
 */
export function timePart(): PlpgsqlPart {
  const utc = (x: string): string => `to_char(${x} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`
  return {
    declare: { _t: 'timestamptz' },
    body: `
  IF _msg IS NOT NULL THEN
    NULL;
  ELSIF _fmt IS DISTINCT FROM '1' OR jsonb_typeof(_server) IS DISTINCT FROM 'object' OR json_typeof(_metrics) IS DISTINCT FROM 'object' THEN
    _msg := 'Invalid snapshot: not a pggraph snapshot of format 1 (server and metrics objects are required).';
  ELSIF coalesce(_taken, '') !~ ${lit(ISO_TIME_PATTERN)} THEN
    _msg := 'Invalid snapshot: takenAt must be an ISO 8601 time.';
  ELSE
    BEGIN
      _t := _taken::timestamptz;
    EXCEPTION WHEN data_exception THEN
      _msg := 'Invalid snapshot: takenAt must be an ISO 8601 time.';
    END;
    IF _t > now() + interval '${FUTURE_WINDOW_MINUTES} minutes' THEN
      _msg := format('Snapshot rejected: it is dated %s, more than ${FUTURE_WINDOW_MINUTES} minutes ahead of the store clock (%s). Fix the clock of the monitored server (NTP).',
        ${utc('_t')}, ${utc('now()')});
    ELSIF _t < now() - make_interval(days => ${limit('maxAgeDays')}::integer) THEN
      _msg := format('Snapshot rejected: it is dated %s, more than maxAgeDays (%s days) before the store clock (%s). Nothing was written; raise maxAgeDays with install to store older snapshots.',
        ${utc('_t')}, ${limit('maxAgeDays')}, ${utc('now()')});
    END IF;
  END IF;`,
  }
}

/**
 * Counts, without expanding anything: `resets` (maxResets), `databases` and `skipped`
 * (maxRowsPerMetric each), the number of metrics, the rows of each metric (`json_array_length`,
 * or a columnar entry's `n`, which must fit the arrays sent) and of all of them.
 */
export function countsPart(): PlpgsqlPart {
  const list = (v: string, name: string, bound: keyof IngestLimits): string => `
    ELSIF ${v} IS NULL OR json_typeof(${v}) <> 'array' THEN
      _msg := 'Invalid snapshot: ${name} must be an array.';
    ELSIF json_array_length(${v}) > ${limit(bound)} THEN
      ${over(`${name} entries`, `json_array_length(${v})`, bound)}`
  const whole = (x: string): string => `coalesce(${x}, '0') ~ '^[0-9]{1,10}$'`
  return {
    declare: { _nm: 'bigint', _rows: 'bigint', _total: 'bigint' },
    body: `
  IF _msg IS NOT NULL THEN
    NULL;${list('_resets', 'resets', 'maxResets')}${list('_databases', 'databases', 'maxRowsPerMetric')}${list('_skipped', 'skipped', 'maxRowsPerMetric')}
  ELSE
    _nm := 0;
    _total := 0;
    FOR _k, _v IN SELECT key, value FROM json_each(_metrics) LOOP
      _nm := _nm + 1;
      IF _nm > ${limit('maxMetrics')} THEN
        ${over('metrics', `(SELECT count(*) FROM json_object_keys(_metrics))`, 'maxMetrics')}
        EXIT;
      END IF;
      _rows := 0;
      IF json_typeof(_v) = 'array' THEN
        _rows := json_array_length(_v);
      ELSIF json_typeof(_v) = 'object' THEN
        IF json_typeof(_v->'n') IS DISTINCT FROM 'number' OR NOT ${whole(`_v->>'n'`)} OR NOT ${whole(`_v->>'to'`)} OR NOT ${whole(`_v->>'fo'`)}
           OR json_typeof(coalesce(_v->'t', '[]')) <> 'array' OR json_typeof(coalesce(_v->'f', '[]')) <> 'array' THEN
          _msg := format('Invalid snapshot: metrics.%s is neither an array of rows nor a columnar entry {n, t, f, to, fo}.', _k);
          EXIT;
        END IF;
        _rows := (_v->>'n')::bigint;
        IF coalesce((_v->>'to')::bigint, 0) + json_array_length(coalesce(_v->'t', '[]')) * _rows > coalesce(array_length(_ctext, 1), 0)
           OR coalesce((_v->>'fo')::bigint, 0) + json_array_length(coalesce(_v->'f', '[]')) * _rows > coalesce(array_length(_cnum, 1), 0) THEN
          _msg := format('Invalid snapshot: the columnar entry of metrics.%s (%s rows) does not fit the arrays sent (%s strings, %s numbers).',
            _k, _rows, coalesce(array_length(_ctext, 1), 0), coalesce(array_length(_cnum, 1), 0));
          EXIT;
        END IF;
      END IF;
      IF _rows > ${limit('maxRowsPerMetric')} THEN
        ${over('rows of metric %s', '_rows', 'maxRowsPerMetric', '_k')}
        EXIT;
      END IF;
      _total := _total + _rows;
      IF _total > ${limit('maxRowsPerSnapshot')} THEN
        ${over('rows', `_total`, 'maxRowsPerSnapshot')}
        EXIT;
      END IF;
    END LOOP;
  END IF;`,
  }
}

/**
 * Label values, after the counts (so every scan is bounded): the labels of no metric row over
 * {@link MAX_LABEL_BYTES} bytes together (so no one label either). In the JSON form only rows
 * whose whole text is over the bound are expanded; in the columnar form a metric's rows are summed
 * only when one of its text slices holds a string over the bound shared by its text columns. The
 * reason names the metric and the label over the bound alone, else every label of the row.
 */
export function labelsPart(): PlpgsqlPart {
  const b = MAX_LABEL_BYTES
  const notLabel = lit(NOT_A_LABEL)
  return {
    declare: { _lk: 'text', _lb: 'bigint', _lone: 'boolean', _lt: 'bigint', _ln: 'bigint', _lo: 'bigint' },
    body: `
  IF _msg IS NULL THEN
    FOR _k, _v IN SELECT key, value FROM json_each(_metrics) LOOP
      _lk := NULL;
      IF json_typeof(_v) = 'array' THEN
        SELECT f.keys, f.bytes, f.top > ${b} INTO _lk, _lb, _lone
          FROM (SELECT e FROM json_array_elements(_v) e
                 WHERE json_typeof(e) = 'object' AND octet_length(e::text) > ${b} OFFSET 0) r,
               LATERAL (SELECT ${rowLabels('key', "octet_length(value #>> '{}')", 'o')}
                          FROM json_each(r.e) WITH ORDINALITY j(key, value, o)
                         WHERE json_typeof(value) = 'string' AND key <> ${notLabel}) f
         WHERE f.bytes > ${b}
         LIMIT 1;
      ELSIF json_typeof(_v) = 'object' THEN
        _lt := json_array_length(coalesce(_v->'t', '[]'));
        _ln := (_v->>'n')::bigint;
        _lo := coalesce((_v->>'to')::bigint, 0);
        IF _lt > 0 AND EXISTS (SELECT 1 FROM unnest(_ctext[_lo + 1 : _lo + _lt * _ln]) x
                                WHERE octet_length(x) > ${b} / _lt) THEN
          SELECT f.keys, f.bytes, f.top > ${b} INTO _lk, _lb, _lone
            FROM (SELECT ${rowLabels('c.name', 'octet_length(x)', 'c.ci')}
                    FROM json_array_elements_text(_v->'t') WITH ORDINALITY c(name, ci),
                         unnest(_ctext[_lo + (c.ci - 1) * _ln + 1 : _lo + c.ci * _ln]) WITH ORDINALITY r(x, i)
                   WHERE c.name <> ${notLabel}
                   GROUP BY r.i) f
           WHERE f.bytes > ${b}
           LIMIT 1;
        END IF;
      END IF;
      IF _lk IS NOT NULL THEN
        IF _lone THEN
          _msg := format(${lit(labelTooLongMessage('%s', '%s', '%s'))}, _lk, _k, _lb);
        ELSE
          _msg := format(${lit(rowLabelsTooLongMessage('%s', '%s', '%s'))}, _lk, _k, _lb);
        END IF;
        EXIT;
      END IF;
    END LOOP;
  END IF;`,
  }
}

/**
 * The select list summing one row's labels: `keys` (the label over the bound alone, else all of
 * them in `order`), `bytes` (that label's bytes, else their sum) and `top` (the largest).
 */
function rowLabels(key: string, bytes: string, order: string): string {
  const b = MAX_LABEL_BYTES
  return `CASE WHEN max(${bytes}) > ${b} THEN (array_agg(${key} ORDER BY ${bytes} DESC, ${order}))[1] ELSE string_agg(${key}, ', ' ORDER BY ${order}) END AS keys,
                 CASE WHEN max(${bytes}) > ${b} THEN max(${bytes}) ELSE sum(${bytes}) END AS bytes,
                 max(${bytes}) AS top`
}

/** The bridge health sent with the snapshot, checked (and cleaned) by `pggraph_check_health`. */
export function healthPart(schema: string): PlpgsqlPart {
  return {
    declare: { _h: 'jsonb' },
    body: `
  IF _msg IS NULL AND _bridge IS NOT NULL THEN
    _h := ${quoteIdent(schema, 'schema')}."pggraph_check_health"(_bridge);
    IF _h ? 'error' THEN
      _msg := 'Snapshot rejected: ' || (_h ->> 'error');
    ELSE
      _bridge := _h -> 'health';
    END IF;
  END IF;`,
  }
}

/** A refusal is recorded in the prefix's `sources` row and returned (not raised, so the record stays). */
export function refusePart(ns: Namespace): PlpgsqlPart {
  return {
    body: `
  IF _msg IS NOT NULL THEN
    UPDATE ${schemaTable(ns.schema, 'sources')} SET last_error = _msg, last_error_at = now() WHERE prefix = '${ns.prefix}';
    RETURN jsonb_build_object('written', false, 'rows', 0, 'error', _msg);
  END IF;`,
  }
}
