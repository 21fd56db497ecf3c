import {
  PggraphError,
  parseSnapshot,
  sqlStateOf,
  toPggraphError,
  type BridgeHealth,
  type MetricDefinition,
  type Queryable,
  type Snapshot,
} from '@pggraph/core'
import { encodeColumns, splitLarge, type LargeMetrics } from './columns-write.js'
import { driverOf } from './connection.js'
import { prefixedTable, validateNamespace, type Namespace } from './names.js'

/** What {@link writeSnapshot} did. */
export interface WriteResult {
  /** False when the snapshot was already stored (a retry): nothing changed. */
  readonly written: boolean
  /** Metric rows inserted. */
  readonly rows: number
  readonly durationMs: number
  /** Metrics in the snapshot that have no table in this prefix (install them to keep them). */
  readonly ignored: readonly string[]
}

/** Options of {@link writeSnapshot}. */
export interface WriteOptions {
  /** When given, each metric's rows are checked against its definition before sending. */
  readonly metrics?: readonly MetricDefinition[]
  /** The writer's clock for the early future-date check (the store checks again with its own). Default: now. */
  readonly now?: Date
  /** Host name of the monitored server, shown in `sources`. */
  readonly host?: string
}

const FUTURE_MS = 5 * 60_000

/**
 * Store one snapshot for `ns` in one round trip and one transaction: the prefix's ingest
 * function inserts every metric's rows, keyed by snapshot time and labels, so a retried write
 * changes nothing. On node-postgres (a `pg.Client`, a `pg.Pool`, or `openStore` on a
 * PostgreSQL URL) the rows of large metrics are sent as two binary arrays (strings and
 * numbers, column by column), which is faster to decode than JSON; elsewhere (PGlite) every row
 * travels in the JSON. A snapshot dated more
 * than 5 minutes in the future is refused with `PggraphError('INVALID_SNAPSHOT')` and recorded
 * in `sources.last_error`. Works as the prefix's writer role, which may do nothing else.
 *
 * @example
 * ```ts
 * const { written, rows } = await writeSnapshot(db, { schema: 'acme', prefix: 'db1' }, snapshot)
 * ```
 */
export async function writeSnapshot(
  db: Queryable,
  ns: Namespace,
  snapshot: Snapshot,
  options: WriteOptions = {},
): Promise<WriteResult> {
  const started = performance.now()
  validateNamespace(ns)
  // Where the driver sends binary parameters the rows of large metrics are checked while
  // splitting them off (columnar).
  const binary = driverOf(db).capabilities.binaryParams
  const { rest, large } = binary ? splitLarge(snapshot) : { rest: snapshot, large: new Map() as LargeMetrics }
  const checked = parseSnapshot(rest)
  const snap: Snapshot = large.size ? { ...checked, metrics: snapshot.metrics } : checked
  const now = (options.now ?? new Date()).getTime()
  if (Date.parse(snap.takenAt) > now + FUTURE_MS) {
    const message = `Snapshot rejected: it is dated ${snap.takenAt}, more than 5 minutes ahead of ${new Date(now).toISOString()}. Fix the clock of the monitored server (NTP).`
    // The refusal is what the caller must hear; a failure to record it is said with it, not hidden.
    const unrecorded = await recordSourceError(db, ns, message).then(
      () => '',
      (err: unknown) => ` (It could not be recorded in sources.last_error either: ${(err as Error).message})`,
    )
    throw new PggraphError('INVALID_SNAPSHOT', `${message}${unrecorded}`)
  }
  if (options.metrics) checkRows(snap, options.metrics)
  const payload = options.host ? { ...snap, source: { host: options.host } } : snap
  let out: { written: boolean; rows: number; ignored?: string[]; error?: string }
  try {
    const ingest = prefixedTable(ns, 'ingest')
    const viaJson = async (): Promise<typeof out> =>
      (await db.query<{ r: typeof out }>(`SELECT ${ingest}($1::json) AS r`, [JSON.stringify(payload)])).rows[0]!.r
    if (large.size) {
      const { entries, text, num } = encodeColumns(large)
      const columnar = { ...payload, metrics: { ...(rest as Snapshot).metrics, ...entries } }
      try {
        const { rows } = await db.query<{ r: typeof out }>(
          `SELECT ${ingest}($1::json, $2::text[], $3::double precision[]) AS r`,
          [JSON.stringify(columnar), text, num],
        )
        out = rows[0]!.r
      } catch (err) {
        // A store installed before the columnar form: the JSON form is all it has.
        if (sqlStateOf(err) !== '42883' || !/text\[\]/.test((err as Error).message)) throw err
        out = await viaJson()
      }
    } else {
      out = await viaJson()
    }
  } catch (err) {
    throw storeError(err, ns, 'write the snapshot')
  }
  if (out.error) throw new PggraphError('INVALID_SNAPSHOT', out.error)
  return {
    written: out.written,
    rows: Number(out.rows),
    durationMs: performance.now() - started,
    ignored: out.ignored ?? [],
  }
}

function checkRows(snap: Snapshot, metrics: readonly MetricDefinition[]): void {
  const defs = new Map(metrics.map((m) => [m.name, m]))
  for (const [name, rows] of Object.entries(snap.metrics)) {
    const d = defs.get(name)
    if (!d) continue
    for (const row of rows) {
      for (const l of Object.keys(d.labels)) {
        const v = row[l]
        if (v !== undefined && v !== null && typeof v !== 'string') {
          throw new PggraphError(
            'INVALID_SNAPSHOT',
            `Invalid snapshot: label ${name}.${l} must be a string, got ${JSON.stringify(v)}.`,
          )
        }
      }
      for (const c of Object.keys(d.values)) {
        const v = row[c]
        if (v !== undefined && v !== null && (typeof v !== 'number' || !Number.isFinite(v))) {
          throw new PggraphError(
            'INVALID_SNAPSHOT',
            `Invalid snapshot: value ${name}.${c} must be a finite number or null, got ${JSON.stringify(v)}.`,
          )
        }
      }
    }
  }
}

/**
 * Record that a bridge cycle failed (the monitored server was down, the collector failed), so
 * the viewer shows why a graph has a hole. Allowed to the prefix's writer for its own prefix only.
 *
 * @example
 * ```ts
 * await recordSourceError(db, ns, 'target unreachable: connection refused', health)
 * ```
 */
export async function recordSourceError(
  db: Queryable,
  ns: Namespace,
  message: string,
  bridge?: BridgeHealth,
): Promise<void> {
  validateNamespace(ns)
  try {
    await db.query(`SELECT ${prefixedTable(ns, 'report_error')}($1, $2::jsonb)`, [
      String(message),
      bridge ? JSON.stringify(bridge) : null,
    ])
  } catch (err) {
    throw storeError(err, ns, 'record the error')
  }
}

/** Turn a driver error into a PggraphError that says what to do (core's {@link toPggraphError}). @internal */
export function storeError(err: unknown, ns: Namespace, what: string): PggraphError {
  return toPggraphError(err, {
    action: what,
    subject: `${ns.schema}.${ns.prefix}`,
    hints: {
      missing: 'Run "pggraph-bridge install" for it first.',
      permission: 'Use the writer role made for this prefix.',
    },
    codes: { 'invalid-value': 'INVALID_SNAPSHOT' },
  })
}
