// The bridge health a writer stores in its `sources` row (with a snapshot or an error report):
// the one definition of what is accepted. The store's SQL check and the TypeScript check are
// generated from the same numbers, so the writer is refused early for what the store refuses.
import { ISO_TIME_PATTERN, PggraphError, quoteIdent, type BridgeHealth } from '@pggraph/core'
import { storeFunction, type StoreFunction } from './plpgsql.js'
import { prefixedTable, schemaTable, type Namespace } from './names.js'

/** The bounds of a bridge health report; the viewer shows nothing outside them. */
export const BRIDGE_HEALTH_LIMITS = {
  /** Bytes of the whole health JSON as sent; a larger one is refused before it is read. */
  maxBytes: 16_384,
  /** Counts (`spoolFiles`, `spoolBytes`, `dropped`, `retries`) are whole numbers from 0 to this. */
  maxCount: Number.MAX_SAFE_INTEGER,
  /** `lastError` is cut to this many characters. */
  maxErrorChars: 500,
  /** `lastSuccess` is an ISO 8601 time of at most this many characters. */
  maxTimeChars: 64,
} as const

const COUNTS = ['spoolFiles', 'spoolBytes', 'dropped', 'retries'] as const

function refuse(what: string): never {
  throw new PggraphError('INVALID_SNAPSHOT', `Invalid bridge health: ${what}.`)
}

/**
 * Check a bridge health report as the store will: an object with whole non-negative counts,
 * `lastSuccess` null or an ISO time, `lastError` null or a string. Returns what to send and what
 * the store keeps: the known keys only, `lastError` cut to its length, at most
 * {@link BRIDGE_HEALTH_LIMITS}.maxBytes of JSON. Throws `PggraphError('INVALID_SNAPSHOT')`
 * naming the first problem.
 */
export function checkBridgeHealth(health: unknown): BridgeHealth {
  if (!health || typeof health !== 'object' || Array.isArray(health)) refuse('it must be an object')
  const h = health as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const k of COUNTS) {
    const v = h[k]
    if (v === undefined || v === null) continue
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > BRIDGE_HEALTH_LIMITS.maxCount)
      refuse(`${k} must be a whole number from 0 to ${BRIDGE_HEALTH_LIMITS.maxCount}`)
    out[k] = v
  }
  const ok = h['lastSuccess']
  if (ok !== undefined && ok !== null) {
    if (
      typeof ok !== 'string' ||
      ok.length > BRIDGE_HEALTH_LIMITS.maxTimeChars ||
      !new RegExp(ISO_TIME_PATTERN).test(ok) ||
      Number.isNaN(Date.parse(ok))
    )
      refuse('lastSuccess must be null or an ISO 8601 time')
    out['lastSuccess'] = ok
  } else if (ok === null) out['lastSuccess'] = null
  const err = h['lastError']
  if (err !== undefined && err !== null && typeof err !== 'string') refuse('lastError must be null or a string')
  if (err !== undefined) out['lastError'] = err === null ? null : err.slice(0, BRIDGE_HEALTH_LIMITS.maxErrorChars)
  // Measured on what is sent: the known keys, the error already cut.
  const bytes = Buffer.byteLength(JSON.stringify(out))
  if (bytes > BRIDGE_HEALTH_LIMITS.maxBytes)
    refuse(`it is ${bytes} bytes of JSON, more than ${BRIDGE_HEALTH_LIMITS.maxBytes}`)
  return out as unknown as BridgeHealth
}

/**
 * `<schema>.pggraph_check_health(jsonb)`: the same check in the store. Returns
 * `{"health": <kept object>}` or `{"error": <reason>}`; never raises on bad input. Not granted to
 * anyone: the ingest and report_error functions (running as the owner) call it.
 */
export function checkHealthFunction(schema: string): StoreFunction {
  const L = BRIDGE_HEALTH_LIMITS
  const body = `
DECLARE
  _k text;
  _v jsonb;
  _n numeric;
  _t timestamptz;
  _out jsonb := '{}';
BEGIN
  IF h IS NULL THEN
    RETURN jsonb_build_object('health', NULL);
  END IF;
  IF octet_length(h::text) > ${L.maxBytes} THEN
    RETURN jsonb_build_object('error', format('Invalid bridge health: it is %s bytes of JSON, more than ${L.maxBytes}.', octet_length(h::text)));
  END IF;
  IF jsonb_typeof(h) <> 'object' THEN
    RETURN jsonb_build_object('error', 'Invalid bridge health: it must be an object.');
  END IF;
  FOREACH _k IN ARRAY ARRAY[${COUNTS.map((c) => `'${c}'`).join(', ')}] LOOP
    _v := h -> _k;
    CONTINUE WHEN _v IS NULL OR jsonb_typeof(_v) = 'null';
    IF jsonb_typeof(_v) = 'number' THEN
      _n := _v::text::numeric;
    END IF;
    IF _n IS NULL OR _n < 0 OR _n > ${L.maxCount} OR _n <> trunc(_n) THEN
      RETURN jsonb_build_object('error', format('Invalid bridge health: %s must be a whole number from 0 to ${L.maxCount}.', _k));
    END IF;
    _out := _out || jsonb_build_object(_k, _v);
    _n := NULL;
  END LOOP;
  _v := h -> 'lastSuccess';
  IF _v IS NOT NULL AND jsonb_typeof(_v) <> 'null' THEN
    IF jsonb_typeof(_v) = 'string' AND length(_v #>> '{}') <= ${L.maxTimeChars} AND (_v #>> '{}') ~ '${ISO_TIME_PATTERN}' THEN
      BEGIN
        _t := (_v #>> '{}')::timestamptz;
      EXCEPTION WHEN data_exception THEN
        _t := NULL;
      END;
    END IF;
    IF _t IS NULL THEN
      RETURN jsonb_build_object('error', 'Invalid bridge health: lastSuccess must be null or an ISO 8601 time.');
    END IF;
  END IF;
  IF _v IS NOT NULL THEN
    _out := _out || jsonb_build_object('lastSuccess', _v);
  END IF;
  _v := h -> 'lastError';
  IF _v IS NOT NULL AND jsonb_typeof(_v) NOT IN ('null', 'string') THEN
    RETURN jsonb_build_object('error', 'Invalid bridge health: lastError must be null or a string.');
  END IF;
  IF _v IS NOT NULL THEN
    _out := _out || jsonb_build_object('lastError', CASE WHEN jsonb_typeof(_v) = 'string' THEN to_jsonb(left(_v #>> '{}', ${L.maxErrorChars})) ELSE _v END);
  END IF;
  RETURN jsonb_build_object('health', _out);
END`
  return storeFunction(
    `${quoteIdent(schema, 'schema')}."pggraph_check_health"(jsonb)`,
    `(h jsonb) RETURNS jsonb LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp`,
    body,
  )
}

/**
 * `<schema>.<prefix>_report_error(text, jsonb)`: lets the writer record a failed cycle (target
 * down) and its bridge health in its own `sources` row, and nowhere else. The message is cut to
 * 2,000 characters; a health report that {@link checkHealthFunction} refuses makes the call fail
 * (SQLSTATE 22023, the reason as the message) and changes nothing.
 */
export function reportErrorFunction(ns: Namespace): StoreFunction {
  const body = `
DECLARE
  _h jsonb;
BEGIN
  IF health IS NOT NULL THEN
    _h := ${quoteIdent(ns.schema, 'schema')}."pggraph_check_health"(health);
    IF _h ? 'error' THEN
      RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = _h ->> 'error',
        HINT = 'Send the bridge health as pggraph-bridge does: whole non-negative counts, lastSuccess and lastError null or strings.';
    END IF;
    _h := _h -> 'health';
  END IF;
  UPDATE ${schemaTable(ns.schema, 'sources')}
     SET last_error = left(coalesce(message, 'unknown error'), 2000), last_error_at = now(),
         bridge = coalesce(_h, bridge)
   WHERE prefix = '${ns.prefix}';
END`
  return storeFunction(
    `${prefixedTable(ns, 'report_error')}(text, jsonb)`,
    `(message text, health jsonb DEFAULT NULL) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp`,
    body,
  )
}
