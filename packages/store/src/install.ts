import { PggraphError, quoteIdent, toPggraphError, type MetricDefinition, type Queryable } from '@pggraph/core'
import { withTransaction } from './connection.js'
import { defaultMetrics } from './default-metrics.js'
import { hardenDatabase } from './harden.js'
import { lockTenant, lockTimeoutError, lockTimeoutOf } from './install-lock.js'
import { syncMetricTables } from './metric-tables.js'
import { runMigrations } from './migrations.js'
import {
  defaultRoles,
  schemaTable,
  validateMetricNames,
  validateNamespace,
  validateRole,
  type Namespace,
} from './names.js'
import { citusNode, refuseWorker, setWorkerLogins } from './citus.js'
import { applyRoleBudgets, roleBudgetsOf, type RoleBudgets } from './role-budgets.js'
import { markRoles, resolveRoles, revokeForeignExecute, type TenantRoles } from './role-owner.js'
import { ensureRole, type RoleResult } from './roles.js'
import { checkInstallSchema, markTenantSchema, refuseReservedSchema } from './tenants.js'
import { addPartitionFunction, rollupFunction } from './store-functions.js'
import { ensureFunction } from './plpgsql.js'
import { ingestFunction, ingestJsonFunction } from './ingest-function.js'
import { checkHealthFunction, reportErrorFunction } from './bridge-health.js'
import { checkIngestLimits, limitsFunction, setIngestLimits, type IngestLimits } from './ingest-limits.js'

/** Options of {@link installStore}. */
export interface InstallOptions extends RoleBudgets {
  /** The tenant schema: never a reserved one (`pggraph_*`, `pg_*`, `public`, `information_schema`) nor one pggraph did not create. */
  readonly schema: string
  readonly prefix: string
  /**
   * Writer role of this prefix. Default `<schema>__<prefix>_writer` (collision-free, see
   * {@link defaultRoles}); a store installed with the older `<schema>_<prefix>_writer` keeps it.
   */
  readonly writerRole?: string
  /** Its password; generated when the role is created and none is given, left alone when it exists. */
  readonly writerPassword?: string
  /** Reader role of the schema. Default `<schema>_reader`. */
  readonly readerRole?: string
  /** The reader's password; without one a new reader is created NOLOGIN (the viewer uses SET ROLE). */
  readonly readerPassword?: string
  /** Owner of the schema and of the SECURITY DEFINER functions (NOLOGIN). Default `<schema>_owner`. */
  readonly ownerRole?: string
  /** Metric definitions whose tables to create. Default: the collector's built-in metrics. */
  readonly metrics?: readonly MetricDefinition[]
  /** Host and database shown in `sources` for this prefix (the bridge can also report its host). */
  readonly host?: string
  readonly database?: string
  readonly description?: string
  /**
   * Revoke `CREATE` on schema `public` and `TEMPORARY` on the database from PUBLIC, so writer and
   * reader roles can create no objects at all. Default true; needs the database owner or a superuser.
   */
  readonly hardenDatabase?: boolean
  /** How long to wait for a lock held by another session before failing, naming it (ms). Default 5000. */
  readonly lockTimeout?: number
  /**
   * Bounds of what one snapshot of this prefix may hold (payload bytes, metrics, rows, resets,
   * age); the store refuses a snapshot over any of them. Only the limits given change; the others
   * keep what an earlier install set, else {@link DEFAULT_INGEST_LIMITS}.
   */
  readonly limits?: Partial<IngestLimits>
}

/** What {@link installStore} did. Running it again with the same options reports nothing new. */
export interface InstallResult {
  readonly schema: string
  readonly prefix: string
  readonly ownerRole: string
  readonly writerRole: string
  readonly readerRole: string
  /** Migrations applied in this run (`schema:0001_sources`, `<prefix>:0001_snapshots`). */
  readonly migrations: readonly string[]
  readonly tablesCreated: readonly string[]
  readonly columnsAdded: readonly string[]
  /** Functions created or replaced in this run. */
  readonly functionsUpdated: readonly string[]
  readonly roles: readonly RoleResult[]
  /** Metric tables of the prefix after the install. */
  readonly metrics: readonly string[]
  /** The prefix's ingest limits after the install. */
  readonly limits: IngestLimits
  /** `applied`, `kept` (already hardened), or `skipped` with the reason. */
  readonly hardening: string
  /** Connection limits and statement timeouts set on the writer and reader in this run. */
  readonly budgets: readonly string[]
  /** Grants on this prefix's functions taken from roles that are not its writer (an old name collision). */
  readonly revoked: readonly string[]
  /** True when this run changed nothing. */
  readonly unchanged: boolean
}

/**
 * Create or update the store for one monitored system, idempotently, in one transaction under
 * a lock on the tenant that no tenant role can take (waiting at most `lockTimeout`): schema and
 * tables (versioned migrations, then one table per metric definition, adding new columns
 * without touching data), the owner, writer and reader roles with exactly the grants they need
 * and their budgets, and the ingest functions. Refuses a reserved schema, a schema pggraph did
 * not create, and any existing role that is not provably this tenant's (ownership markers). Run
 * it as a superuser (or a role with CREATEROLE that owns the database).
 *
 * @example
 * ```ts
 * const db = await openStore('postgres://postgres@store.example.com/pggraph')
 * const result = await installStore(db, { schema: 'acme', prefix: 'db1' })
 * console.log(installInstructions(result, { storeHost: 'store.example.com', storePort: 5432, storeDatabase: 'pggraph' }).pgHba)
 * ```
 */
export async function installStore(db: Queryable, options: InstallOptions): Promise<InstallResult> {
  const metrics = options.metrics ?? defaultMetrics()
  // refused before any SQL runs, by the same rules as collect() and testCollector
  for (const m of metrics) validateMetricNames(m)
  const ns = validateNamespace({ schema: options.schema, prefix: options.prefix }, metrics)
  if (options.limits !== undefined) checkIngestLimits(options.limits)
  const defaults = defaultRoles(ns)
  const owner = validateRole(options.ownerRole ?? defaults.owner, 'owner', options.ownerRole === undefined)
  const writer = validateRole(options.writerRole ?? defaults.writer, 'writer', options.writerRole === undefined)
  const reader = validateRole(options.readerRole ?? defaults.reader, 'reader', options.readerRole === undefined)
  if (new Set([owner, writer, reader]).size !== 3) {
    throw new PggraphError(
      'CONFIG',
      `The owner, writer and reader roles must be three different roles (got ${owner}, ${writer}, ${reader}).`,
    )
  }
  refuseReservedSchema(ns.schema)
  const requested = { owner, writer, reader }
  const lockTimeout = lockTimeoutOf(options.lockTimeout)
  const budgets = roleBudgetsOf(options)
  const setup: Setup = { ns, requested, options, lockTimeout, budgets, citus: false }
  try {
    const node = await citusNode(db)
    refuseWorker(node)
    if (node === 'none') {
      return await withTransaction(db, async (tx) => build(tx, setup, metrics, await prepare(tx, setup)))
    }
    // On a Citus coordinator the roles and the schema are committed first: the workers see only
    // committed roles, and everything below runs as the owner, whose worker connections are new.
    const citus = { ...setup, citus: true }
    const prepared = await withTransaction(db, (tx) => prepare(tx, citus))
    const { roles } = prepared
    await setWorkerLogins(db, { login: [roles.owner, roles.reader], noLogin: [roles.writer] })
    return await withTransaction(db, async (tx) => {
      await lockTenant(tx, ns, lockTimeout)
      return build(tx, citus, metrics, prepared)
    })
  } catch (err) {
    throw (await lockTimeoutError(db, ns, lockTimeout, err)) ?? asInstallError(err)
  }
}

interface Setup {
  readonly ns: Namespace
  /** The role names asked for (options or defaults); {@link Prepared.roles} are the ones used. */
  readonly requested: TenantRoles
  readonly options: InstallOptions
  readonly lockTimeout: number
  readonly budgets: Required<RoleBudgets>
  readonly citus: boolean
}

interface Prepared {
  readonly roles: TenantRoles
  readonly roleResults: readonly RoleResult[]
  readonly budgets: readonly string[]
  readonly schemaMarked: boolean
}

/**
 * Under the tenant's lock: the schema checked (never a reserved or foreign one), the roles
 * resolved by their ownership markers (a clash refused before anything changes), created or
 * adopted and marked, their budgets, the installer's membership in the owner, and the schema
 * owned by the owner.
 */
async function prepare(db: Queryable, setup: Setup): Promise<Prepared> {
  const { ns, options } = setup
  const s = quoteIdent(ns.schema, 'schema')
  await lockTenant(db, ns, setup.lockTimeout)
  const state = await checkInstallSchema(db, ns.schema)
  const resolved = await resolveRoles(db, ns, setup.requested, {
    writerGiven: options.writerRole !== undefined,
    schema: state,
  })
  const { roles } = resolved
  const roleResults = [
    await ensureRole(db, roles.owner, 'owner', { login: false }),
    await ensureRole(db, roles.writer, 'writer', { login: true, password: options.writerPassword }),
    await ensureRole(db, roles.reader, 'reader', {
      login: options.readerPassword !== undefined,
      password: options.readerPassword,
    }),
  ]
  await markRoles(db, resolved)
  const budgets = await applyRoleBudgets(db, roles, setup.budgets, setup.citus)
  if (resolved.retire) {
    const i = roleResults.findIndex((r) => r.kind === 'writer')
    roleResults[i] = {
      ...roleResults[i]!,
      note: `the old writer ${resolved.retire.role} was shared by ${resolved.retire.tenants.join(' and ')}: it is retired (NOLOGIN, no grants); give the bridges of both their new writer`,
    }
  }
  const o = quoteIdent(roles.owner, 'role')
  // A non-superuser installer (managed PostgreSQL: CREATEROLE + database owner) must be a member
  // of the owner role to hand it the schema and to act as it below.
  const member = await db.query<{ su: boolean; m: boolean }>(
    `SELECT rolsuper AS su, pg_has_role(current_user, $1, 'MEMBER') AS m FROM pg_roles WHERE rolname = current_user`,
    [roles.owner],
  )
  if (!member.rows[0]?.su) {
    // PostgreSQL 16 gives the creator ADMIN on a new role but not SET, which ALTER … OWNER needs.
    const v16 = await db.query<{ ok: boolean }>(`SELECT current_setting('server_version_num')::int >= 160000 AS ok`)
    if (v16.rows[0]?.ok) {
      const can = await db.query<{ s: boolean }>(`SELECT pg_has_role(current_user, $1, 'SET') AS s`, [roles.owner])
      if (!can.rows[0]?.s) await db.query(`GRANT ${o} TO CURRENT_USER WITH SET TRUE, INHERIT FALSE`)
    } else if (!member.rows[0]?.m) {
      await db.query(`GRANT ${o} TO CURRENT_USER`)
    }
  }

  const sch = await db.query<{ owner: string }>(
    `SELECT pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname = $1`,
    [ns.schema],
  )
  if (sch.rows.length === 0) await db.query(`CREATE SCHEMA ${s} AUTHORIZATION ${o}`)
  else if (sch.rows[0]!.owner !== roles.owner) await db.query(`ALTER SCHEMA ${s} OWNER TO ${o}`)
  // Tables created before the owner role took over (or by hand) move to it as well.
  await reassignTables(db, ns.schema, roles.owner)
  return { roles, roleResults, budgets, schemaMarked: state === 'tenant' }
}

/** As the owner: tables, functions and grants; then the database hardening. */
async function build(
  db: Queryable,
  setup: Setup,
  metrics: readonly MetricDefinition[],
  prepared: Prepared,
): Promise<InstallResult> {
  const { ns, options } = setup
  const { roles, roleResults } = prepared
  const s = quoteIdent(ns.schema, 'schema')
  const o = quoteIdent(roles.owner, 'role')
  const w = quoteIdent(roles.writer, 'role')
  const r = quoteIdent(roles.reader, 'role')
  // Everything below is created by the owner, so the SECURITY DEFINER functions run with its
  // rights (this schema only), not with the installer's.
  await db.query(`SET LOCAL ROLE ${o}`)
  await db.query(`REVOKE ALL ON SCHEMA ${s} FROM PUBLIC`)
  if (!prepared.schemaMarked) await markTenantSchema(db, ns.schema)
  const migrations = await runMigrations(db, ns)
  const sync = await syncMetricTables(db, ns, metrics)
  const limits = await setIngestLimits(db, ns, options.limits)
  // What the writer may call; the helpers they use are the owner's alone.
  const granted = [
    limitsFunction(ns),
    ingestFunction(ns, sync.metrics),
    ingestJsonFunction(ns),
    reportErrorFunction(ns),
  ]
  const helpers = [addPartitionFunction(ns.schema), checkHealthFunction(ns.schema), rollupFunction(ns, sync.metrics)]
  const functions = [...helpers, ...granted]
  const functionsUpdated: string[] = []
  for (const f of functions) if (await ensureFunction(db, f)) functionsUpdated.push(f.signature)
  if (options.host !== undefined || options.database !== undefined || options.description !== undefined) {
    await db.query(
      `UPDATE ${schemaTable(ns.schema, 'sources')} SET host = coalesce($2, host), database = coalesce($3, database), description = coalesce($4, description) WHERE prefix = $1`,
      [ns.prefix, options.host ?? null, options.database ?? null, options.description ?? null],
    )
  }

  // Grants are idempotent; re-running them is cheap and repairs a hand-edited ACL.
  await db.query(`GRANT USAGE ON SCHEMA ${s} TO ${w}, ${r}`)
  const signatures = granted.map((f) => f.signature)
  await db.query(`GRANT EXECUTE ON FUNCTION ${signatures.join(', ')} TO ${w}`)
  const revoked = await revokeForeignExecute(db, signatures, [roles.writer])
  await db.query(`GRANT SELECT ON ALL TABLES IN SCHEMA ${s} TO ${r}`)
  await db.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT SELECT ON TABLES TO ${r}`)
  await db.query(`ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC`)
  await db.query(`RESET ROLE`)

  const hardening = options.hardenDatabase === false ? 'skipped: hardenDatabase is false' : await hardenDatabase(db)
  const unchanged =
    migrations.length === 0 &&
    sync.tablesCreated.length === 0 &&
    sync.columnsAdded.length === 0 &&
    functionsUpdated.length === 0 &&
    !limits.changed &&
    roleResults.every((x) => x.action === 'kept') &&
    prepared.budgets.length === 0 &&
    revoked.length === 0 &&
    !hardening.startsWith('applied')
  return {
    schema: ns.schema,
    prefix: ns.prefix,
    ownerRole: roles.owner,
    writerRole: roles.writer,
    readerRole: roles.reader,
    migrations,
    tablesCreated: sync.tablesCreated,
    columnsAdded: sync.columnsAdded,
    functionsUpdated,
    roles: roleResults,
    metrics: sync.metrics.map((m) => `${ns.prefix}_${m.name}`),
    limits: limits.limits,
    hardening,
    budgets: prepared.budgets,
    revoked,
    unchanged,
  }
}

async function reassignTables(db: Queryable, schema: string, owner: string): Promise<void> {
  const { rows } = await db.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND pg_get_userbyid(c.relowner) <> $2`,
    [schema, owner],
  )
  for (const t of rows)
    await db.query(`ALTER TABLE ${schemaTable(schema, t.relname)} OWNER TO ${quoteIdent(owner, 'role')}`)
}

function asInstallError(err: unknown): PggraphError {
  const again = 'Fix the cause and install again (installing is idempotent).'
  return toPggraphError(err, {
    action: 'install the store',
    hints: {
      permission: 'It needs a superuser, or a role with CREATEROLE that owns the database.',
      other: again,
      'invalid-value': again,
      busy: again,
    },
  })
}
