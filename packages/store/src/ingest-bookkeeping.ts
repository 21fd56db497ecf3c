// The bookkeeping steps of the ingest function around the metric rows: the snapshot's own row
// (which makes a retried write a no-op), then resets, server epochs and start times, and the
// prefix's `sources` row (which marks a late snapshot's hour for the next rollup).
import { prefixedTable, schemaTable, type Namespace } from './names.js'
import type { PlpgsqlPart } from './plpgsql.js'
import { utcHour } from './series-sql.js'

/** Bytes of `sources.database` (the databases of the last snapshot, comma-separated), for display. */
const MAX_DATABASES_TEXT = 2000

/**
 * The `_snapshots` row, with `ON CONFLICT DO NOTHING`: when it already exists the snapshot was
 * stored before, and the call returns `written: false` having changed nothing.
 */
export function snapshotRowPart(ns: Namespace): PlpgsqlPart {
  return {
    declare: { _c: 'bigint' },
    body: `
  INSERT INTO ${prefixedTable(ns, 'snapshots')} ("time", server_version_num, server_version, start_time, system_identifier, timeline, in_recovery,
                           databases, resets, skipped, bridge, collect_ms, round_trips)
  VALUES (_t, (_server->>'versionNum')::integer, _server->>'version', (_server->>'startTime')::timestamptz,
          _server->>'systemIdentifier', (_server->>'timeline')::integer, (_server->>'inRecovery')::boolean,
          _databases::jsonb, _resets::jsonb, _skipped::jsonb, _bridge, (_stats->>'durationMs')::double precision, (_stats->>'roundTrips')::integer)
  ON CONFLICT ("time") DO NOTHING;
  GET DIAGNOSTICS _c = ROW_COUNT;
  IF _c = 0 THEN
    RETURN jsonb_build_object('written', false, 'rows', 0); -- already stored: a retried write changes nothing
  END IF;`,
  }
}

/** Resets, epochs and start times, the snapshot's row count, and `sources` (with the late-hour mark). */
export function afterRowsPart(ns: Namespace): PlpgsqlPart {
  const sources = schemaTable(ns.schema, 'sources')
  const snapshots = prefixedTable(ns, 'snapshots')
  const prefixLit = `'${ns.prefix}'` // validated identifier: no quotes possible
  const newest = `(last_seen IS NULL OR _t >= last_seen)`
  return {
    declare: { _hour: 'timestamptz', _start: 'timestamptz', _dbs: 'text' },
    body: `
  INSERT INTO ${prefixedTable(ns, 'resets')} (metric, key, at, seen)
    SELECT r.metric, coalesce(r.key, ''), r.at, _t FROM json_to_recordset(_resets) AS r(metric text, key text, at timestamptz)
    WHERE r.metric IS NOT NULL AND r.at IS NOT NULL
    ON CONFLICT DO NOTHING;
  -- A new epoch when the start time differs from the snapshot before this one in time.
  _start := (_server->>'startTime')::timestamptz;
  IF (SELECT start_time FROM ${snapshots} WHERE "time" < _t ORDER BY "time" DESC LIMIT 1) IS DISTINCT FROM _start THEN
    INSERT INTO ${prefixedTable(ns, 'epochs')} (first_seen, start_time) VALUES (_t, _start) ON CONFLICT DO NOTHING;
  END IF;
  UPDATE ${snapshots} SET rows = _n WHERE "time" = _t;

  -- Hourly rollups are computed by maintenance (maintainStore, rollupStore), never here: a
  -- snapshot of an hour already rolled up only marks that hour (in the UPDATE below, whose
  -- condition is checked again on the row a concurrent rollup committed).
  _hour := ${utcHour('_t')};
  -- Values computed here, not inside the UPDATE: a distributed table (Citus) takes only
  -- IMMUTABLE expressions in CASE and COALESCE, and the text to timestamptz cast is STABLE.
  _dbs := left((SELECT string_agg(x, ', ') FROM json_array_elements_text(_databases) x), ${MAX_DATABASES_TEXT});
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
    bridge = CASE WHEN ${newest} AND jsonb_typeof(_bridge) = 'object' THEN _bridge ELSE bridge END,
    rollup_dirty_from = CASE WHEN rollup_until > _t THEN LEAST(rollup_dirty_from, _hour) ELSE rollup_dirty_from END
  WHERE prefix = ${prefixLit};
  RETURN jsonb_build_object('written', true, 'rows', _n, 'ignored', to_jsonb(_ignored));`,
  }
}
