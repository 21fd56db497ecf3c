import type {
  Collector,
  MetricDefinition,
  MetricRow,
  MetricsOf,
  Queryable,
  QueryablePool,
  SkippedMetric,
  Snapshot,
  StatsResetMark,
} from '@pggraph/core'
import { PggraphError, checkDefinition, withOneConnection } from '@pggraph/core'
import { runSession, type SessionResult } from './session.js'

/** Options of {@link collect}. */
export interface CollectOptions<C extends readonly Collector[] = readonly Collector[]> {
  /** What to collect: built-in collectors ({@link defaultCollectors}, `database()`, ...) and your own. */
  readonly collectors: C
  /**
   * Per-database metrics (tables, indexes, functions, statements, progress) for these databases,
   * or `'all'` = every database with `datallowconn` that is not a template. Default: only the
   * database `db` is connected to.
   */
  readonly databases?: readonly string[] | 'all'
  /**
   * Opens a connection to another database on the same server (needed when `databases` lists
   * others); collect() closes it with `end()`.
   */
  readonly connect?: (database: string) => Promise<Queryable & { end(): Promise<void> }>
  /** `statement_timeout` of the snapshot transaction, in ms. Default 5000. */
  readonly statementTimeoutMs?: number
  /** `lock_timeout` of the snapshot transaction, in ms (sizes take a brief lock per relation). Default 1000. */
  readonly lockTimeoutMs?: number
}

/** How many other databases are read at the same time when `databases` lists several. */
const PARALLEL_DATABASES = 4

function checkDefinitions(collectors: readonly Collector[]): MetricDefinition[] {
  if (!Array.isArray(collectors) || collectors.length === 0) {
    throw new PggraphError(
      'CONFIG',
      'collect() needs collectors: pass { collectors: defaultCollectors() } or a list of collectors.',
    )
  }
  const seen = new Map<string, string>()
  const out: MetricDefinition[] = []
  for (const c of collectors) {
    for (const d of c.metrics) {
      checkDefinition(d)
      const other = seen.get(d.name)
      if (other)
        throw new PggraphError(
          'CONFIG',
          `Metric ${d.name} is defined by both collector ${other} and ${c.name}: pass each once.`,
        )
      seen.set(d.name, c.name)
      out.push(d)
    }
  }
  return out
}

function timeout(v: number | undefined, fallback: number, name: string): number {
  if (v === undefined) return fallback
  if (!Number.isInteger(v) || v < 1)
    throw new PggraphError('CONFIG', `${name} must be a positive whole number of milliseconds (got ${String(v)}).`)
  return v
}

/**
 * Take one consistent snapshot of a PostgreSQL server's statistics with the given collectors.
 *
 * Per connection: one read-only repeatable-read transaction with `statement_timeout`,
 * `lock_timeout`, `stats_fetch_consistency = snapshot` (15+) and `application_name = pggraph`,
 * in four round trips (BEGIN, probe, all metrics in one statement, COMMIT). Cluster-wide
 * metrics are read once, on `db`; per-database metrics on `db` and, when `databases` lists
 * others, on connections opened with `connect`. A {@link QueryablePool} (a `pg.Pool`) lends one
 * connection for the whole snapshot. A metric the server version, the role's
 * privileges or the database's extensions do not allow is skipped and listed in
 * `snapshot.skipped`, never an error. Use a connection that is not inside a transaction.
 *
 * @throws PggraphError `UNSUPPORTED_SERVER` below PostgreSQL 12, `CONFIG` for bad options,
 *   `QUERY` when the server cannot be read at all.
 * @example
 * ```ts
 * const db = new pg.Client(process.env.DATABASE_URL); await db.connect()
 * const snap = await collect(db, { collectors: defaultCollectors() })
 * snap.metrics.pg_stat_database[0]?.xact_commit
 * ```
 */
export async function collect<const C extends readonly Collector[]>(
  db: Queryable | QueryablePool,
  options: CollectOptions<C>,
): Promise<Snapshot<MetricsOf<C>>> {
  const started = performance.now()
  const definitions = checkDefinitions(options.collectors)
  const statementTimeoutMs = timeout(options.statementTimeoutMs, 5000, 'statementTimeoutMs')
  const lockTimeoutMs = timeout(options.lockTimeoutMs, 1000, 'lockTimeoutMs')
  const cluster = definitions.filter((d) => d.scope === 'cluster')
  const perDb = definitions.filter((d) => d.scope === 'database')
  const wanted = options.databases
  if (
    wanted !== undefined &&
    wanted !== 'all' &&
    (!Array.isArray(wanted) || wanted.some((d) => typeof d !== 'string' || d === ''))
  ) {
    throw new PggraphError(
      'CONFIG',
      `databases must be 'all' or a list of database names (got ${JSON.stringify(wanted)}).`,
    )
  }
  let roundTrips = 0
  const count = () => void roundTrips++
  let targets: string[] = []
  // A pool would run each statement on any connection; the snapshot needs one transaction on
  // one connection, so a QueryablePool lends one for the duration.
  const first = await withOneConnection(db, (c) =>
    runSession(c, {
      statementTimeoutMs,
      lockTimeoutMs,
      cluster,
      identity: true,
      count,
      perDatabase: (p) => {
        targets = [...new Set(wanted === undefined ? [p.database] : wanted === 'all' ? p.databases : wanted)]
        return targets.includes(p.database) ? perDb : []
      },
    }),
  )
  const others = perDb.length ? targets.filter((d) => d !== first.probe.database) : []
  if (others.length && !options.connect) {
    throw new PggraphError(
      'CONFIG',
      `databases includes ${others.map((d) => JSON.stringify(d)).join(', ')}: pass connect(database) so collect() can open a connection to each.`,
    )
  }
  const results = new Map<string, SessionResult | SkippedMetric[]>()
  if (targets.includes(first.probe.database)) results.set(first.probe.database, first)
  for (let i = 0; i < others.length; i += PARALLEL_DATABASES) {
    await Promise.all(
      others.slice(i, i + PARALLEL_DATABASES).map(async (name) => {
        results.set(name, await collectDatabase(name, perDb, options, { statementTimeoutMs, lockTimeoutMs, count }))
      }),
    )
  }
  const metrics: Record<string, MetricRow[]> = {}
  for (const d of definitions) metrics[d.name] = [...(first.rows.get(d.name) ?? [])]
  const resets: StatsResetMark[] = [...first.resets]
  const skipped: SkippedMetric[] = [...first.skipped]
  const databases: string[] = []
  for (const name of targets) {
    const r = results.get(name)
    if (!r) continue
    if (Array.isArray(r)) {
      skipped.push(...r)
      continue
    }
    databases.push(name)
    if (r === first) continue
    for (const d of perDb) metrics[d.name]!.push(...(r.rows.get(d.name) ?? []))
    resets.push(...r.resets)
    skipped.push(...r.skipped)
  }
  const p = first.probe
  const snapshot: Snapshot = {
    format: 1,
    takenAt: p.takenAt,
    server: {
      versionNum: p.versionNum,
      version: p.version,
      startTime: p.startTime,
      systemIdentifier: first.identity?.systemIdentifier ?? '',
      timeline: first.identity?.timeline ?? null,
      inRecovery: p.inRecovery,
    },
    databases,
    resets,
    metrics,
    skipped,
    stats: { durationMs: Math.round((performance.now() - started) * 10) / 10, roundTrips },
  }
  return snapshot as Snapshot<MetricsOf<C>>
}

async function collectDatabase(
  name: string,
  perDb: readonly MetricDefinition[],
  options: CollectOptions,
  o: { statementTimeoutMs: number; lockTimeoutMs: number; count: () => void },
): Promise<SessionResult | SkippedMetric[]> {
  let conn: (Queryable & { end(): Promise<void> }) | undefined
  try {
    conn = await options.connect!(name)
    return await runSession(conn, { ...o, cluster: [], identity: false, perDatabase: () => perDb })
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err)
    if (err instanceof PggraphError && err.code === 'CONFIG') throw err
    return perDb.map((d) => ({ metric: d.name, database: name, reason: `cannot read database ${name}: ${msg}` }))
  } finally {
    await conn?.end().catch(() => undefined)
  }
}
