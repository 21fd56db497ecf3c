import { PggraphError } from './errors.js'
import { MAX_IDENTIFIER_BYTES, validateIdentifier } from './identifiers.js'
import type { MetricDefinition } from './metric.js'
import { MIN_SERVER_VERSION } from './version.js'

/** Column names the store keeps for itself in every metric table. */
const RESERVED_COLUMNS = new Set(['time', 'stats_reset'])
/**
 * Suffix of a metric's hourly rollup table in the store (`<prefix>_<metric>_hourly`); a metric
 * name must not end with it.
 */
export const ROLLUP_SUFFIX = '_hourly'
/** Versions whose query coverage is checked: every supported major and a dozen to come. */
const LAST_CHECKED_MAJOR = 30
const RATE_UNITS = new Set(['second', 'minute', 'hour'])

function identifierProblem(
  name: unknown,
  kind: 'table' | 'column',
  maxBytes = MAX_IDENTIFIER_BYTES,
): string | undefined {
  try {
    validateIdentifier(name, kind, maxBytes)
    return undefined
  } catch (err) {
    return err instanceof Error ? err.message : String(err)
  }
}

/** The lowest major version a definition runs on: `minServerVersion`, else its lowest query. */
export function definitionMinVersion(d: MetricDefinition): number {
  return d.minServerVersion ?? Math.min(...d.queries.map((q) => q.since))
}

function columnProblems(d: MetricDefinition): string[] {
  const problems: string[] = []
  const labels = Object.keys(d.labels ?? {})
  const values = Object.keys(d.values ?? {})
  if (values.length === 0) problems.push('it has no value columns: declare at least one')
  const seen = new Set<string>()
  for (const col of [...labels, ...values]) {
    const bad = identifierProblem(col, 'column')
    if (bad) problems.push(bad)
    if (RESERVED_COLUMNS.has(col))
      problems.push(`column "${col}" is reserved (the store's time column, or set statsReset: true for stats_reset)`)
    if (seen.has(col)) problems.push(`column "${col}" is both a label and a value`)
    seen.add(col)
  }
  for (const l of labels) {
    if (d.labels[l] !== 'text') problems.push(`label "${l}" must be declared 'text'`)
  }
  for (const v of values) {
    const c = d.values[v]!
    if (c.kind !== 'counter' && c.kind !== 'gauge')
      problems.push(`value "${v}" has kind ${JSON.stringify(c.kind)}: use 'counter' or 'gauge'`)
    if (typeof c.unit !== 'string' || c.unit === '') problems.push(`value "${v}" has no unit`)
    if (c.since !== undefined && (!Number.isInteger(c.since) || c.since < MIN_SERVER_VERSION))
      problems.push(`value "${v}" has since ${String(c.since)}: use a major version from ${MIN_SERVER_VERSION}`)
    if (c.until !== undefined && (!Number.isInteger(c.until) || !(c.until > (c.since ?? MIN_SERVER_VERSION))))
      problems.push(`value "${v}" has until ${String(c.until)}: use a major version after its since`)
    if (c.per !== undefined && (c.kind !== 'counter' || !RATE_UNITS.has(c.per)))
      problems.push(
        `value "${v}" has per ${JSON.stringify(c.per)}: only a counter takes per, 'second', 'minute' or 'hour'`,
      )
    // the store's hourly rollup keeps `<v>_s` and `<v>_n` per value column
    const rollup = identifierProblem(`${v}_s`, 'column')
    if (rollup) problems.push(`value "${v}" is too long for its rollup column: ${rollup}`)
    for (const derived of [`${v}_s`, `${v}_n`]) {
      if (labels.includes(derived)) problems.push(`label "${derived}" collides with the rollup column of value "${v}"`)
    }
  }
  return problems
}

function queryProblems(d: MetricDefinition): string[] {
  const problems: string[] = []
  if (!Array.isArray(d.queries) || d.queries.length === 0) return ['it has no queries']
  for (const q of d.queries) {
    if (!Number.isInteger(q.since) || q.since < MIN_SERVER_VERSION)
      problems.push(`a query has since ${String(q.since)}: use a major version from ${MIN_SERVER_VERSION}`)
    if (q.until !== undefined && !(q.until > q.since)) problems.push(`the query since ${q.since} ends before it starts`)
    if (typeof q.sql !== 'string' || q.sql.trim() === '') problems.push(`the query since ${q.since} has no SQL`)
    const used = typeof q.sql === 'string' ? [...q.sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])) : []
    const max = used.length ? Math.max(...used) : 0
    if (max > (d.params?.length ?? 0))
      problems.push(
        `the query since ${q.since} uses $${max} but params has ${d.params?.length ?? 0}: add them to "params"`,
      )
  }
  if (problems.length) return problems
  const min = definitionMinVersion(d)
  for (let v = Math.max(min, MIN_SERVER_VERSION); v <= LAST_CHECKED_MAJOR; v++) {
    const hits = d.queries.filter((q) => v >= q.since && (q.until === undefined || v < q.until))
    const plain = hits.filter((q) => !q.requires?.length)
    if (plain.length !== 1)
      problems.push(`PostgreSQL ${v} matches ${plain.length} queries without requires (want exactly 1)`)
    else if (hits[hits.length - 1] !== plain[0])
      problems.push(`on PostgreSQL ${v} a query with requires comes after the one without (it would never run)`)
  }
  return problems
}

/**
 * Every rule a metric definition must follow, wherever it is used (collect, the conformance
 * suite, the store's tables), as a list of problems; empty when the definition is sound.
 * One rule set, so a definition that passes `testCollector` also installs in a store.
 *
 * @example
 * ```ts
 * definitionProblems(myMetric)  // [] or ['column "Bad" is not allowed: ...']
 * ```
 */
export function definitionProblems(d: MetricDefinition): string[] {
  if (!d || typeof d !== 'object') return ['the definition is not an object']
  const problems: string[] = []
  const badName = identifierProblem(d.name, 'table')
  if (badName) problems.push(badName)
  else if (d.name.endsWith(ROLLUP_SUFFIX))
    problems.push(`name ends with "${ROLLUP_SUFFIX}", which the store uses for rollup tables`)
  if (typeof d.description !== 'string' || d.description.trim() === '') problems.push('description is empty')
  if (typeof d.area !== 'string' || d.area === '') problems.push('area is empty')
  if (d.scope !== 'cluster' && d.scope !== 'database')
    problems.push(`scope ${JSON.stringify(d.scope)} must be 'cluster' or 'database'`)
  if (!d.labels || typeof d.labels !== 'object' || !d.values || typeof d.values !== 'object') {
    problems.push('labels and values must be objects')
    return problems
  }
  return [...problems, ...columnProblems(d), ...queryProblems(d)]
}

const checked = new WeakSet<MetricDefinition>()

/**
 * Throw `PggraphError('CONFIG')` naming the metric and its first problems when
 * {@link definitionProblems} finds any. `collect()`, the conformance suite and the store call it,
 * so a definition is accepted or refused the same way everywhere. Cheap to call again: a
 * definition object that passed is remembered.
 *
 * @example
 * ```ts
 * checkDefinition(myMetric) // throws: Metric "my_metric" is invalid: it has no queries.
 * ```
 */
export function checkDefinition(d: MetricDefinition): void {
  if (checked.has(d)) return
  const problems = definitionProblems(d)
  if (problems.length) {
    const name = d && typeof d === 'object' ? JSON.stringify(d.name) : 'definition'
    const shown = problems.slice(0, 3).join('; ') + (problems.length > 3 ? ` (+${problems.length - 3} more)` : '')
    throw new PggraphError('CONFIG', `Metric ${name} is invalid: ${shown}.`)
  }
  checked.add(d)
}
