import { createHash } from 'node:crypto'
import {
  MAX_IDENTIFIER_BYTES,
  PggraphError,
  ROLLUP_SUFFIX as CORE_ROLLUP_SUFFIX,
  checkDefinition,
  quoteIdent,
  validateIdentifier,
  type MetricDefinition,
} from '@pggraph/core'

/**
 * Where one monitored system's data lives in the store: the tenant `schema` and the system's
 * `prefix` inside it. Tables are `<schema>.<prefix>_<metric>`.
 *
 * @example
 * ```ts
 * const ns: Namespace = { schema: 'acme', prefix: 'db1' }
 * ```
 */
export interface Namespace {
  readonly schema: string
  readonly prefix: string
}

/** Suffix of a daily partition: `_YYYYMMDD`. */
export const PARTITION_SUFFIX_BYTES = 9

/** Table suffixes every prefix has besides its metrics (`<prefix>_snapshots`, ...). */
const FIXED_SUFFIXES = ['snapshots', 'resets', 'starts', 'epochs', 'ingest', 'report_error', 'rollup'] as const

/** Prefixes that would collide with the store's own schema-level tables. */
const RESERVED_PREFIXES = new Set(['pggraph'])

/** Longest role-name suffix appended to a schema (`_owner`, `_reader`). */
const SCHEMA_ROLE_SUFFIX_BYTES = '_reader'.length

/**
 * The byte budget left for a prefix by `metrics`: every `<prefix>_<metric>_YYYYMMDD` partition
 * name must fit in 63 bytes.
 */
export function prefixBudget(metrics: readonly MetricDefinition[]): number {
  let longest = Math.max(...FIXED_SUFFIXES.map((s) => s.length))
  for (const m of metrics) longest = Math.max(longest, Buffer.byteLength(m.name) + PARTITION_SUFFIX_BYTES)
  return MAX_IDENTIFIER_BYTES - 1 - longest
}

/**
 * Validate a namespace against the identifier pattern and the byte budget of `metrics`; throw
 * `PggraphError('CONFIG')` before any SQL runs.
 */
export function validateNamespace(ns: Namespace, metrics: readonly MetricDefinition[] = []): Namespace {
  if (!ns || typeof ns !== 'object')
    throw new PggraphError('CONFIG', 'The namespace is missing: give { schema, prefix }.')
  const schema = notSystem(
    validateIdentifier(ns.schema, 'schema', MAX_IDENTIFIER_BYTES - SCHEMA_ROLE_SUFFIX_BYTES),
    'schema',
  )
  const prefix = validateIdentifier(ns.prefix, 'prefix', prefixBudget(metrics))
  if (RESERVED_PREFIXES.has(prefix)) {
    throw new PggraphError(
      'CONFIG',
      `The prefix "${prefix}" is reserved for the store's own tables: choose another prefix.`,
    )
  }
  return { schema, prefix }
}

/** PostgreSQL reserves schema and role names starting with `pg_` for itself. */
function notSystem(name: string, kind: 'schema' | 'role'): string {
  if (name.startsWith('pg_')) {
    throw new PggraphError(
      'CONFIG',
      `The ${kind} name "${name}" starts with "pg_", which PostgreSQL reserves for system ${kind}s: choose another name.`,
    )
  }
  return name
}

/**
 * Validate a metric definition before the store makes its tables: core's one rule set
 * ({@link checkDefinition}: identifiers, reserved and rollup column names, queries), so a
 * definition `collect()` and `testCollector` accept also installs here.
 */
export function validateMetricNames(metric: MetricDefinition): void {
  checkDefinition(metric)
}

/** Suffix of a metric's hourly rollup table: `<prefix>_<metric>_hourly` (core owns the name). */
export const ROLLUP_SUFFIX = CORE_ROLLUP_SUFFIX

/** `"schema"."<prefix>_<suffix>"`, both parts validated and quoted. */
export function prefixedTable(ns: Namespace, suffix: string): string {
  return `${quoteIdent(ns.schema, 'schema')}.${quoteIdent(`${ns.prefix}_${suffix}`, 'table')}`
}

/** `"schema"."name"` for a schema-level object (`sources`, `pggraph_migrations`, ...). */
export function schemaTable(schema: string, name: string): string {
  return `${quoteIdent(schema, 'schema')}.${quoteIdent(name, 'table')}`
}

/** The default role names derived from a namespace. */
export interface DefaultRoles {
  /** Owns the schema, its tables and the SECURITY DEFINER functions; cannot log in. */
  readonly owner: string
  /** May only call the ingest functions of one prefix. */
  readonly writer: string
  /** May only read the schema. */
  readonly reader: string
}

/**
 * `<schema>_owner`, `<schema>__<prefix>_writer`, `<schema>_reader`.
 *
 * The writer's name is collision-free: `__` joins schema and prefix, and a name containing
 * `__` is never used as is, so the split is unique — (acme, prod_db) gives
 * `acme__prod_db_writer`, (acme_prod, db) `acme_prod__db_writer`. When a part contains `__` or
 * the name would pass 63 bytes, it is cut and a hash of both parts is appended
 * (`<start>_<10 hex>_writer`), deterministic. Whatever the name, the installer checks the
 * role's ownership marker before using it, so even a hash clash is refused, never shared.
 */
export function defaultRoles(ns: Namespace): DefaultRoles {
  return { owner: `${ns.schema}_owner`, writer: writerRoleName(ns), reader: `${ns.schema}_reader` }
}

function writerRoleName(ns: Namespace): string {
  const plain = `${ns.schema}__${ns.prefix}_writer`
  if (!ns.schema.includes('__') && !ns.prefix.includes('__') && plain.length <= MAX_IDENTIFIER_BYTES) return plain
  const hash = createHash('sha256').update(`${ns.schema}.${ns.prefix}`).digest('hex').slice(0, 10)
  const start = `${ns.schema}__${ns.prefix}`.slice(0, MAX_IDENTIFIER_BYTES - '_writer'.length - hash.length - 1)
  return `${start}_${hash}_writer`
}

/**
 * The writer name installs before the collision-free names used (`<schema>_<prefix>_writer`):
 * a re-install adopts such a role only when it is provably this prefix's.
 * @internal
 */
export function legacyWriterRole(ns: Namespace): string {
  return `${ns.schema}_${ns.prefix}_writer`
}

/** Validate a role name (given or derived); a derived name that is too long gets a hint. */
export function validateRole(name: string, what: string, derived: boolean): string {
  try {
    return notSystem(validateIdentifier(name, 'role'), 'role')
  } catch (err) {
    if (derived && err instanceof PggraphError) {
      throw new PggraphError(
        'CONFIG',
        `${err.message} (this is the default ${what} role name; pass ${what}Role to choose a shorter one)`,
      )
    }
    throw err
  }
}
