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
import { checkBridgeHealth } from './bridge-health.js'
import { encodeColumns, splitLarge, type LargeMetrics } from './columns-write.js'
import { driverOf } from './connection.js'
import { DEFAULT_INGEST_LIMITS, limitsFromJson, MAX_ABS_VALUE, type IngestLimits } from './ingest-limits.js'
import { prefixedTable, validateNamespace, type Namespace } from './names.js'
import { futureProblem, payloadProblem, snapshotBoundsProblem } from './snapshot-bounds.js'

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
  /**
   * The prefix's ingest limits, when the caller knows them. Default: a snapshot within
   * {@link DEFAULT_INGEST_LIMITS} is sent as it is; one over them makes the writer ask the store
   * for the prefix's own limits (`<prefix>_limits()`) and refuse it early if it is over those too.
   */
  readonly limits?: IngestLimits
}

/**
 * Store one snapshot for `ns` in one round trip and one transaction: the prefix's ingest
 * function inserts every metric's rows, keyed by snapshot time and labels, so a retried write
 * changes nothing. On node-postgres (a `pg.Client`, a `pg.Pool`, or `openStore` on a
 * PostgreSQL URL) the rows of large metrics are sent as two binary arrays (strings and
 * numbers, column by column), which is faster to decode than JSON; elsewhere (PGlite) every row
 * travels in the JSON. A snapshot the store would refuse — dated more than 5 minutes in the
 * future, older than `maxAgeDays`, over a bound of the prefix's {@link IngestLimits}, or with a bad
 * bridge health — is refused before it is sent, with `PggraphError('INVALID_SNAPSHOT')` (which
 * core's `classify` calls permanent: set it aside, do not retry), and recorded in
 * `sources.last_error`; the store checks all of it again. Works as the prefix's writer role,
 * which may do nothing else.
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
  const now = (options.now ?? new Date()).getTime()
  const limits = new WriterLimits(db, ns, options.limits)
  // Time and counts first: they read only lengths, before any row is looked at.
  const bounds = futureProblem(snapshot, now) ?? (await limits.problem((l) => snapshotBoundsProblem(snapshot, l, now)))
  if (bounds) await refuse(db, ns, bounds)
  // Where the driver sends binary parameters the rows of large metrics are checked while
  // splitting them off (columnar).
  const binary = driverOf(db).capabilities.binaryParams
  const { rest, large } = binary ? splitLarge(snapshot) : { rest: snapshot, large: new Map() as LargeMetrics }
  const checked = parseSnapshot(rest)
  let snap: Snapshot = large.size ? { ...checked, metrics: snapshot.metrics } : checked
  if (snap.bridge !== undefined) {
    let bridge: BridgeHealth
    try {
      bridge = checkBridgeHealth(snap.bridge)
    } catch (err) {
      return refuse(db, ns, `Snapshot rejected: ${(err as Error).message}`)
    }
    snap = { ...snap, bridge }
  }
  if (options.metrics) checkRows(snap, options.metrics)
  const payload = options.host ? { ...snap, source: { host: options.host } } : snap
  let out: { written: boolean; rows: number; ignored?: string[]; error?: string }
  try {
    const ingest = prefixedTable(ns, 'ingest')
    const viaJson = async (): Promise<typeof out> => {
      const json = JSON.stringify(payload)
      await sizeCheck(Buffer.byteLength(json))
      return (await db.query<{ r: typeof out }>(`SELECT ${ingest}($1::json) AS r`, [json])).rows[0]!.r
    }
    if (large.size) {
      const { entries, text, num } = encodeColumns(large)
      const json = JSON.stringify({ ...payload, metrics: { ...(rest as Snapshot).metrics, ...entries } })
      await sizeCheck(Buffer.byteLength(json) + arrayDataBytes(text) + arrayDataBytes(num))
      try {
        const { rows } = await db.query<{ r: typeof out }>(
          `SELECT ${ingest}($1::json, $2::text[], $3::double precision[]) AS r`,
          [json, text, num],
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
    if (err instanceof PggraphError && err.code === 'INVALID_SNAPSHOT') throw err
    throw storeError(err, ns, 'write the snapshot')
  }
  if (out.error) throw new PggraphError('INVALID_SNAPSHOT', out.error)
  return {
    written: out.written,
    rows: Number(out.rows),
    durationMs: performance.now() - started,
    ignored: out.ignored ?? [],
  }

  async function sizeCheck(bytes: number): Promise<void> {
    const problem = await limits.problem((l) => payloadProblem(bytes, l))
    if (problem) await refuse(db, ns, problem)
  }
}

/** The data bytes of an array in PostgreSQL's binary format (its length less the header and the element lengths). */
function arrayDataBytes(buf: Buffer | null): number {
  return buf ? buf.length - 20 - 4 * buf.readInt32BE(12) : 0
}

/**
 * The limits a write is checked against before sending: those given, else the defaults; a
 * snapshot over a default is checked again against the prefix's own limits, asked of the store
 * once (a store installed before limits has none: the store decides).
 */
class WriterLimits {
  private stored: IngestLimits | null | undefined

  constructor(
    private readonly db: Queryable,
    private readonly ns: Namespace,
    private readonly given: IngestLimits | undefined,
  ) {}

  async problem(check: (limits: IngestLimits) => string | undefined): Promise<string | undefined> {
    if (this.given) return check(this.given)
    if (!check(DEFAULT_INGEST_LIMITS)) return undefined
    this.stored ??= await this.fetch()
    return this.stored ? check(this.stored) : undefined
  }

  private async fetch(): Promise<IngestLimits | null> {
    try {
      const { rows } = await this.db.query<{ l: unknown }>(`SELECT ${prefixedTable(this.ns, 'limits')}() AS l`)
      return limitsFromJson(rows[0]?.l)
    } catch (err) {
      if (sqlStateOf(err) === '42883') return null
      throw storeError(err, this.ns, 'read the ingest limits')
    }
  }
}

/**
 * Refuse a snapshot before sending it: record why in `sources.last_error` and throw
 * `INVALID_SNAPSHOT`. The refusal is what the caller must hear; a failure to record it is said
 * with it, not hidden.
 */
async function refuse(db: Queryable, ns: Namespace, message: string): Promise<never> {
  const unrecorded = await recordSourceError(db, ns, message).then(
    () => '',
    (err: unknown) => ` (It could not be recorded in sources.last_error either: ${(err as Error).message})`,
  )
  throw new PggraphError('INVALID_SNAPSHOT', `${message}${unrecorded}`)
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
        if (typeof v === 'number' && Math.abs(v) > MAX_ABS_VALUE) {
          throw new PggraphError(
            'INVALID_SNAPSHOT',
            `Invalid snapshot: value ${name}.${c} is ${v}, beyond ±1e100 (no statistic comes near; check the collector that made it). Nothing was written.`,
          )
        }
      }
    }
  }
}

/**
 * Record that a bridge cycle failed (the monitored server was down, the collector failed), so
 * the viewer shows why a graph has a hole. Allowed to the prefix's writer for its own prefix only.
 * The bridge health is checked first as the store checks it (`INVALID_SNAPSHOT` for a bad one;
 * `lastError` is cut to 500 characters).
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
  const health = bridge ? JSON.stringify(checkBridgeHealth(bridge)) : null
  try {
    await db.query(`SELECT ${prefixedTable(ns, 'report_error')}($1, $2::jsonb)`, [String(message), health])
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
