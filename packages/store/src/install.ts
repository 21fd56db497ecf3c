import { PggraphError, quoteIdent, toPggraphError, type MetricDefinition, type Queryable } from '@pggraph/core'
import { withTransaction } from './connection.js'
import { defaultMetrics } from './default-metrics.js'
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
import { ensureRole, type RoleResult } from './roles.js'
import {
  addPartitionFunction,
  ensureFunction,
  ingestFunction,
  ingestJsonFunction,
  reportErrorFunction,
  rollupFunction,
} from './store-functions.js'

/** Options of {@link installStore}. */
export interface InstallOptions {
  readonly schema: string
  readonly prefix: string
  /** Writer role of this prefix. Default `<schema>_<prefix>_writer`. */
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
  /** `applied`, `kept` (already hardened), or `skipped` with the reason. */
  readonly hardening: string
  /** True when this run changed nothing. */
  readonly unchanged: boolean
}

/**
 * Create or update the store for one monitored system, idempotently, in one transaction under
 * an advisory lock on the schema: schema and tables (versioned migrations, then one table per
 * metric definition, adding new columns without touching data), the owner, writer and reader
 * roles with exactly the grants they need, and the ingest functions. Run it as a superuser (or
 * a role with CREATEROLE that owns the database).
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
  const roles = { owner, writer, reader }
  try {
    const node = await citusNode(db)
    refuseWorker(node)
    if (node === 'none') {
      return await withTransaction(db, async (tx) =>
        build(tx, ns, roles, metrics, options, await prepare(tx, ns, roles, options)),
      )
    }
    // On a Citus coordinator the roles and the schema are committed first: the workers see only
    // committed roles, and everything below runs as the owner, whose worker connections are new.
    const roleResults = await withTransaction(db, (tx) => prepare(tx, ns, roles, options))
    await setWorkerLogins(db, { login: [roles.owner, roles.reader], noLogin: [roles.writer] })
    return await withTransaction(db, async (tx) => {
      await lockSchema(tx, ns)
      return build(tx, ns, roles, metrics, options, roleResults)
    })
  } catch (err) {
    throw asInstallError(err)
  }
}

interface Roles {
  readonly owner: string
  readonly writer: string
  readonly reader: string
}

async function lockSchema(db: Queryable, ns: Namespace): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`pggraph:${ns.schema}`])
}

/** The roles, the installer's membership in the owner, and the schema owned by the owner. */
async function prepare(db: Queryable, ns: Namespace, roles: Roles, options: InstallOptions): Promise<RoleResult[]> {
  const s = quoteIdent(ns.schema, 'schema')
  await lockSchema(db, ns)
  const roleResults = [
    await ensureRole(db, roles.owner, 'owner', { login: false }),
    await ensureRole(db, roles.writer, 'writer', { login: true, password: options.writerPassword }),
    await ensureRole(db, roles.reader, 'reader', {
      login: options.readerPassword !== undefined,
      password: options.readerPassword,
    }),
  ]
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
  return roleResults
}

/** As the owner: tables, functions and grants; then the database hardening. */
async function build(
  db: Queryable,
  ns: Namespace,
  roles: Roles,
  metrics: readonly MetricDefinition[],
  options: InstallOptions,
  roleResults: readonly RoleResult[],
): Promise<InstallResult> {
  const s = quoteIdent(ns.schema, 'schema')
  const o = quoteIdent(roles.owner, 'role')
  const w = quoteIdent(roles.writer, 'role')
  const r = quoteIdent(roles.reader, 'role')
  // Everything below is created by the owner, so the SECURITY DEFINER functions run with its
  // rights (this schema only), not with the installer's.
  await db.query(`SET LOCAL ROLE ${o}`)
  await db.query(`REVOKE ALL ON SCHEMA ${s} FROM PUBLIC`)
  const migrations = await runMigrations(db, ns)
  const sync = await syncMetricTables(db, ns, metrics)
  const functions = [
    addPartitionFunction(ns.schema),
    ingestFunction(ns, sync.metrics),
    ingestJsonFunction(ns),
    reportErrorFunction(ns),
    rollupFunction(ns, sync.metrics),
  ]
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
  const granted = functions.slice(1, 4).map((f) => f.signature) // both ingest forms and report_error
  await db.query(`GRANT EXECUTE ON FUNCTION ${granted.join(', ')} TO ${w}`)
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
    roleResults.every((x) => x.action === 'kept') &&
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
    hardening,
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

async function hardenDatabase(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ su: boolean; dbo: boolean; pubo: boolean; pub: boolean; tmp: boolean }>(
    `SELECT r.rolsuper AS su,
            pg_has_role(current_user, (SELECT datdba FROM pg_database WHERE datname = current_database()), 'USAGE') AS dbo,
            coalesce((SELECT pg_has_role(current_user, nspowner, 'USAGE') FROM pg_namespace WHERE nspname = 'public'), false) AS pubo,
            CASE WHEN EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'public') THEN has_schema_privilege('public', 'public', 'CREATE') ELSE false END AS pub,
            EXISTS (SELECT 1 FROM pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
                     WHERE d.datname = current_database() AND a.grantee = 0 AND a.privilege_type = 'TEMPORARY') AS tmp
       FROM pg_roles r WHERE r.rolname = current_user`,
  )
  const row = rows[0]
  if (!row) return 'skipped: could not read the database privileges'
  if (!row.pub && !row.tmp) return 'kept'
  const left: string[] = []
  let changed = false
  if (row.pub) {
    // Before PostgreSQL 15 the public schema belongs to the bootstrap superuser.
    if (row.su || row.pubo) {
      await db.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`)
      changed = true
    } else left.push('CREATE on schema public (its owner or a superuser must revoke it)')
  }
  if (row.tmp) {
    if (row.su || row.dbo) {
      await db.query(
        `DO $pggraph$ BEGIN EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database()); END $pggraph$`,
      )
      changed = true
    } else left.push('TEMPORARY on the database (its owner or a superuser must revoke it)')
  }
  if (!changed) return `skipped: PUBLIC keeps ${left.join(' and ')}`
  return left.length ? `applied; PUBLIC keeps ${left.join(' and ')}` : 'applied'
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
