import type { MetricDefinition, MetricRow, Queryable, SkippedMetric, StatsResetMark } from '@pggraph/core'
import { PggraphError, assertSupportedServer, sqlStateOf } from '@pggraph/core'
import { jsonValue, probe, type Probe } from './probe.js'
import { combine, normalise, plan, type PlannedMetric } from './plan.js'

/** What one connection contributed to a snapshot. @internal */
export interface SessionResult {
  readonly probe: Probe
  readonly rows: Map<string, MetricRow[]>
  readonly resets: StatsResetMark[]
  readonly skipped: SkippedMetric[]
  readonly identity?: { readonly systemIdentifier: string; readonly timeline: number | null }
}

/** @internal */
export interface SessionOptions {
  readonly statementTimeoutMs: number
  readonly lockTimeoutMs: number
  /** Cluster-wide metrics, run on the first connection only. */
  readonly cluster: readonly MetricDefinition[]
  /** Per-database metrics, or none when this connection's database is not collected. */
  readonly perDatabase: (p: Probe) => readonly MetricDefinition[]
  /** Read the server identity (first connection). */
  readonly identity: boolean
  /** Count a round trip. */
  readonly count: () => void
}

const BEGIN = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY'
const IDENTITY_SQL =
  "json_build_object('system_identifier', (SELECT system_identifier::text FROM pg_control_system()), 'timeline', (SELECT timeline_id FROM pg_control_checkpoint()))"

function describe(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err)
  const state = sqlStateOf(err)
  return state ? `${msg} (SQLSTATE ${state})` : msg
}

function readIdentity(v: unknown): { systemIdentifier: string; timeline: number | null } {
  const o = (jsonValue(v) ?? {}) as Record<string, unknown>
  const t = o['timeline']
  return {
    systemIdentifier: o['system_identifier'] == null ? '' : String(o['system_identifier']),
    timeline: t == null ? null : Number(t),
  }
}

/**
 * Take this connection's part of a snapshot in one read-only repeatable-read transaction:
 * BEGIN, the probe (which sets the timeouts), one statement with every metric, COMMIT — four
 * round trips. If that statement fails (a permission revoked, a timeout), the transaction is
 * retried metric by metric behind a savepoint, so one failing metric is skipped with its error
 * and the others are still collected.
 *
 * @internal
 */
export async function runSession(db: Queryable, o: SessionOptions): Promise<SessionResult> {
  const q = async <R extends object>(sql: string, params?: readonly unknown[]): Promise<{ rows: R[] }> => {
    o.count()
    return params === undefined ? db.query<R>(sql) : db.query<R>(sql, params)
  }
  const start = async (): Promise<Probe> => {
    await q(BEGIN)
    return probe({ query: q }, o.statementTimeoutMs, o.lockTimeoutMs)
  }
  let p: Probe
  try {
    p = await start()
    assertSupportedServer(p.versionNum)
  } catch (err) {
    await q('ROLLBACK').catch(() => undefined)
    if (err instanceof PggraphError) throw err
    throw new PggraphError('QUERY', `Could not start a snapshot: ${describe(err)}.`, { cause: err })
  }
  const chosen = plan([...(o.identity ? o.cluster : []), ...o.perDatabase(p)], p)
  const identitySql = o.identity && p.control ? IDENTITY_SQL : undefined
  const result: SessionResult = { probe: p, rows: new Map(), resets: [], skipped: [...chosen.skipped] }
  const take = (m: PlannedMetric, raw: unknown) => {
    const n = normalise(m.definition, jsonValue(raw))
    result.rows.set(m.definition.name, n.rows)
    result.resets.push(...n.resets)
  }
  try {
    const all = combine(chosen.run, identitySql)
    try {
      const r = chosen.run.length || identitySql ? await q<Record<string, unknown>>(all.sql, all.params) : { rows: [] }
      const row = r.rows[0] ?? {}
      chosen.run.forEach((m, i) => take(m, row[`m${i}`]))
      if (identitySql) Object.assign(result, { identity: readIdentity(row['pggraph_extra']) })
    } catch (err) {
      if (!sqlStateOf(err)) throw err
      await q('ROLLBACK')
      // a new transaction: the snapshot's time is now this one's
      Object.assign(result, { probe: await start() })
      await q('SAVEPOINT pggraph')
      const one = async (sql: string, params: unknown[]): Promise<Record<string, unknown> | Error> => {
        try {
          return (await q<Record<string, unknown>>(sql, params)).rows[0] ?? {}
        } catch (e) {
          if (!sqlStateOf(e)) throw e
          await q('ROLLBACK TO SAVEPOINT pggraph')
          return e instanceof Error ? e : new Error(String(e))
        }
      }
      for (const m of chosen.run) {
        const single = combine([m])
        const r = await one(single.sql, single.params)
        if (r instanceof Error) {
          const where = m.definition.scope === 'database' ? { database: p.database } : {}
          result.skipped.push({ metric: m.definition.name, ...where, reason: `query failed: ${describe(r)}` })
        } else take(m, r['m0'])
      }
      if (identitySql) {
        const r = await one(`SELECT ${identitySql} AS pggraph_extra`, [])
        if (!(r instanceof Error)) Object.assign(result, { identity: readIdentity(r['pggraph_extra']) })
      }
    }
    await q('COMMIT')
  } catch (err) {
    await q('ROLLBACK').catch(() => undefined)
    if (err instanceof PggraphError) throw err
    throw new PggraphError('QUERY', `Taking the snapshot failed: ${describe(err)}.`, { cause: err })
  }
  return result
}
