import type { MetricDefinition, MetricRow, Requirement, SkippedMetric, StatsResetMark } from '@pggraph/core'
import { PggraphError, definitionMinVersion, majorOf, queryFor } from '@pggraph/core'
import type { Probe } from './probe.js'

/** A metric chosen to run on one connection: its SQL for this server and its parameters. @internal */
export interface PlannedMetric {
  readonly definition: MetricDefinition
  readonly sql: string
  readonly params: readonly unknown[]
}

// Extensions that only work when loaded at server start.
const NEEDS_PRELOAD = new Set(['pg_stat_statements', 'pg_stat_kcache', 'pg_wait_sampling', 'pg_qualstats'])

/** Compare extension versions part by part (`1.10` > `1.9`); negative when a < b. @internal */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.')
  const pb = b.split('.')
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '0'
    const y = pb[i] ?? '0'
    const d = /^\d+$/.test(x) && /^\d+$/.test(y) ? Number(x) - Number(y) : x.localeCompare(y)
    if (d !== 0) return d
  }
  return 0
}

function missingRequirement(req: Requirement, p: Probe): string | undefined {
  if ('extension' in req) {
    const name = req.extension
    const ext = p.extensions[name]
    if (!ext) return `extension ${name} is not installed in database ${p.database} (CREATE EXTENSION ${name})`
    if (!ext.onPath)
      return `extension ${name} is installed in a schema that is not on the search_path of role ${p.user}`
    if (NEEDS_PRELOAD.has(name) && p.preload && !p.preload.includes(name)) {
      return `${name} is not in shared_preload_libraries (add it and restart the server)`
    }
    if (req.minVersion && compareVersions(ext.version, req.minVersion) < 0) {
      return `extension ${name} is version ${ext.version}, older than ${req.minVersion} (ALTER EXTENSION ${name} UPDATE)`
    }
    if (req.maxVersion && compareVersions(ext.version, req.maxVersion) >= 0) {
      return `extension ${name} is version ${ext.version}, not below ${req.maxVersion}`
    }
    return undefined
  }
  if (p.superuser) return undefined
  if (req.privilege === 'superuser') return `needs a superuser (role ${p.user} is not)`
  if (p.roles[req.privilege]) return undefined
  return `needs ${req.privilege}: GRANT pg_monitor TO ${p.user}`
}

/**
 * Decide which of `definitions` run on this connection (version, privileges, extensions) and
 * why the others are skipped.
 *
 * @internal
 */
export function plan(
  definitions: readonly MetricDefinition[],
  p: Probe,
): { run: PlannedMetric[]; skipped: SkippedMetric[] } {
  const major = majorOf(p.versionNum)
  const run: PlannedMetric[] = []
  const skipped: SkippedMetric[] = []
  for (const d of definitions) {
    const where = d.scope === 'database' ? { database: p.database } : {}
    const min = definitionMinVersion(d)
    if (major < min || !queryFor(d, major, () => true)) {
      skipped.push({ metric: d.name, ...where, reason: `needs PostgreSQL ${min} or newer (server is ${major})` })
      continue
    }
    const firstMissing = (reqs: readonly Requirement[] | undefined) =>
      (reqs ?? []).map((r) => missingRequirement(r, p)).find((m) => m !== undefined)
    const missing = firstMissing(d.requires)
    // the first query of this version whose own requirements hold (e.g. an extension version)
    const q = missing ? undefined : queryFor(d, major, (x) => firstMissing(x.requires) === undefined)
    if (!q) {
      const inRange = d.queries.filter((x) => major >= x.since && (x.until === undefined || major < x.until))
      skipped.push({
        metric: d.name,
        ...where,
        reason: missing ?? firstMissing(inRange[0]?.requires) ?? 'no query applies',
      })
      continue
    }
    run.push({ definition: d, sql: q.sql, params: d.params ?? [] })
  }
  return { run, skipped }
}

/**
 * One statement returning one json column per metric (`m0`, `m1`, ...), so a whole snapshot is one
 * round trip. Each metric's `$n` placeholders are renumbered after the previous metrics' ones.
 *
 * @internal
 */
export function combine(metrics: readonly PlannedMetric[], extra?: string): { sql: string; params: unknown[] } {
  const params: unknown[] = []
  const cols: string[] = extra ? [`${extra} AS pggraph_extra`] : []
  metrics.forEach((m, i) => {
    const offset = params.length
    const sql = m.sql
      .trim()
      .replace(/;\s*$/, '')
      .replace(/\$(\d+)/g, (_, n: string) => {
        const k = Number(n)
        if (k < 1 || k > m.params.length) {
          throw new PggraphError(
            'CONFIG',
            `Metric ${m.definition.name} uses $${k} but declares ${m.params.length} params: add them to its "params".`,
          )
        }
        return `$${offset + k}`
      })
    params.push(...m.params)
    cols.push(`(SELECT coalesce(json_agg(pggraph_q), '[]'::json) FROM (${sql}\n) pggraph_q) AS m${i}`)
  })
  return { sql: `SELECT ${cols.join(',\n')}`, params }
}

function toNumber(v: unknown): number | null {
  if (v === null || v === undefined) return null
  const n = typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : Number(v)
  return Number.isFinite(n) ? n : null
}

function toIso(v: unknown): string | null {
  if (v === null || v === undefined || v === '') return null
  const d = v instanceof Date ? v : new Date(String(v))
  return Number.isNaN(d.getTime()) ? null : d.toISOString()
}

/**
 * Turn raw rows into the snapshot's shape: every label a string (`NULL` → `''`), every value a
 * number or `null` (bigint and numeric via `Number()`: exact up to 2^53), `stats_reset` as ISO
 * 8601; columns a version lacks become `null`, columns not declared are dropped.
 *
 * @internal
 */
export function normalise(d: MetricDefinition, raw: unknown): { rows: MetricRow[]; resets: StatsResetMark[] } {
  const list = Array.isArray(raw) ? (raw as Record<string, unknown>[]) : []
  const labels = Object.keys(d.labels)
  const values = Object.keys(d.values)
  const rows: MetricRow[] = []
  const resets: StatsResetMark[] = []
  for (const r of list) {
    const row: Record<string, string | number | null> = {}
    for (const l of labels) row[l] = r[l] === null || r[l] === undefined ? '' : String(r[l])
    for (const v of values) row[v] = toNumber(r[v])
    if (d.statsReset) {
      const at = toIso(r['stats_reset'])
      row['stats_reset'] = at
      if (at) resets.push({ metric: d.name, key: labels.map((l) => row[l]).join('/'), at })
    }
    rows.push(row)
  }
  return { rows, resets }
}
