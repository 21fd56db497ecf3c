import { PggraphError, quoteIdent, type Queryable } from '@pggraph/core'
import { legacyWriterRole, type Namespace } from './names.js'
import type { InstallSchemaState } from './tenants.js'

/** The three kinds of role the installer makes. @internal */
export type RoleKind = 'owner' | 'writer' | 'reader'

/** The roles of one install, by kind. @internal */
export interface TenantRoles {
  readonly owner: string
  readonly writer: string
  readonly reader: string
}

/**
 * The ownership marker the installer puts on every role it creates (`COMMENT ON ROLE`):
 * `pggraph:writer:<database>/<schema>.<prefix>`, `pggraph:owner:<database>/<schema>`,
 * `pggraph:reader:<database>/<schema>`. Roles are shared by every database of a cluster, so the
 * database is part of it. Only a superuser or a role administrator can comment on a role: no
 * tenant role can forge one.
 * @internal
 */
export function roleMarker(kind: RoleKind, database: string, ns: Namespace): string {
  return `pggraph:${kind}:${database}/${ns.schema}${kind === 'writer' ? `.${ns.prefix}` : ''}`
}

/** What the installer must do with the roles before using them. @internal */
export interface ResolvedRoles {
  readonly roles: TenantRoles
  /** Existing roles to mark (adopted from an install made before the markers), by kind. */
  readonly adopt: readonly RoleKind[]
  /** An old-style writer shared by several tenants: cut off from all of them, never used again. */
  readonly retire?: { readonly role: string; readonly tenants: readonly string[] }
  /** The markers this install's roles must carry. */
  readonly markers: Readonly<Record<RoleKind, string>>
}

interface RoleFacts {
  readonly exists: boolean
  readonly marker: string | null
  /** No attribute beyond LOGIN, member of no role: what pggraph creates. */
  readonly plain: boolean
  /** `schema.function` the role may EXECUTE by an explicit grant. */
  readonly functions: readonly string[]
  /** Schemas on which the role has USAGE by an explicit grant. */
  readonly usage: readonly string[]
  /** Schemas the role owns. */
  readonly owns: readonly string[]
}

/**
 * Decide which existing roles this install may use, before anything changes. A role carrying
 * this tenant's marker is used; one carrying another marker is refused, naming the clash. A role
 * without a marker (made before markers existed, or by someone else) is adopted only when its
 * privileges prove it is this tenant's (an old install's), otherwise refused. When the default
 * writer name is new, an old-style `<schema>_<prefix>_writer` that is provably this prefix's is
 * kept (its bridge goes on working); one that also writes another tenant (the old name
 * collision) is retired.
 * @internal
 */
export async function resolveRoles(
  db: Queryable,
  ns: Namespace,
  requested: TenantRoles,
  options: { writerGiven: boolean; schema: InstallSchemaState },
): Promise<ResolvedRoles> {
  const { rows } = await db.query<{ d: string }>(`SELECT current_database() AS d`)
  const database = rows[0]!.d
  const markers = {
    owner: roleMarker('owner', database, ns),
    writer: roleMarker('writer', database, ns),
    reader: roleMarker('reader', database, ns),
  }
  const adopt: RoleKind[] = []
  const check = async (kind: RoleKind, role: string): Promise<void> => {
    const f = await roleFacts(db, role)
    if (!f.exists || f.marker === markers[kind]) return
    const proof = legacyProof(kind, ns, f, options.schema)
    if (f.marker === null && proof === undefined) {
      adopt.push(kind)
      return
    }
    throw clash(kind, role, ns, f.marker ?? proof!)
  }
  await check('owner', requested.owner)
  await check('reader', requested.reader)

  let writer = requested.writer
  let retire: ResolvedRoles['retire']
  const facts = await roleFacts(db, writer)
  if (!facts.exists && !options.writerGiven) {
    const legacy = legacyWriterRole(ns)
    const old = await roleFacts(db, legacy)
    const ours = ourFunctions(ns)
    if (old.exists && old.marker === markers.writer) writer = legacy
    else if (old.exists && old.marker === null && legacyProof('writer', ns, old, options.schema) === undefined) {
      writer = legacy
      adopt.push('writer')
    } else if (old.exists && old.marker === null && old.functions.some((f) => ours.has(f))) {
      retire = { role: legacy, tenants: tenantsOf(old.functions) }
    }
  } else await check('writer', writer)
  return { roles: { ...requested, writer }, adopt, markers, ...(retire ? { retire } : {}) }
}

/**
 * Put this install's markers on its roles (new or adopted), and retire a shared old writer:
 * marked retired, NOLOGIN, and its EXECUTE on every function revoked, so neither tenant's old
 * credential writes anywhere any more.
 * @internal
 */
export async function markRoles(db: Queryable, resolved: ResolvedRoles): Promise<void> {
  for (const kind of ['owner', 'writer', 'reader'] as const) {
    const role = resolved.roles[kind]
    const { rows } = await db.query<{ marker: string | null }>(
      `SELECT shobj_description(oid, 'pg_authid') AS marker FROM pg_roles WHERE rolname = $1`,
      [role],
    )
    if (rows[0]?.marker !== resolved.markers[kind]) await comment(db, role, resolved.markers[kind])
  }
  const old = resolved.retire
  if (!old) return
  const q = quoteIdent(old.role, 'role')
  const facts = await roleFacts(db, old.role)
  for (const f of facts.functions) {
    const { rows } = await db.query<{ sig: string }>(
      `SELECT p.oid::regprocedure::text AS sig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname || '.' || p.proname = $1`,
      [f],
    )
    for (const r of rows) await db.query(`REVOKE EXECUTE ON FUNCTION ${r.sig} FROM ${q}`)
  }
  await db.query(`ALTER ROLE ${q} NOLOGIN`)
  await comment(db, old.role, `pggraph:retired: shared by ${old.tenants.join(' and ')}`)
}

async function comment(db: Queryable, role: string, text: string): Promise<void> {
  // COMMENT takes no parameters: the text goes through format('%L') inside the server.
  await db.query(`SELECT set_config('pggraph.marker', $1, true)`, [text])
  await db.query(
    `DO $pggraph$ BEGIN EXECUTE format('COMMENT ON ROLE ${quoteIdent(role, 'role')} IS %L', current_setting('pggraph.marker')); END $pggraph$`,
  )
}

async function roleFacts(db: Queryable, role: string): Promise<RoleFacts> {
  const { rows } = await db.query<{
    marker: string | null
    plain: boolean
    functions: string[]
    usage: string[]
    owns: string[]
  }>(
    `SELECT shobj_description(r.oid, 'pg_authid') AS marker,
            NOT (r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolreplication OR r.rolbypassrls)
              AND NOT EXISTS (SELECT 1 FROM pg_auth_members m WHERE m.member = r.oid) AS plain,
            ARRAY(SELECT DISTINCT n.nspname || '.' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace,
                         aclexplode(p.proacl) a WHERE a.grantee = r.oid AND a.privilege_type = 'EXECUTE' AND p.proowner <> r.oid ORDER BY 1) AS functions,
            ARRAY(SELECT DISTINCT n.nspname::text FROM pg_namespace n, aclexplode(n.nspacl) a
                   WHERE a.grantee = r.oid AND a.privilege_type = 'USAGE' AND n.nspowner <> r.oid ORDER BY 1) AS usage,
            ARRAY(SELECT n.nspname::text FROM pg_namespace n WHERE n.nspowner = r.oid ORDER BY 1) AS owns
       FROM pg_roles r WHERE r.rolname = $1`,
    [role],
  )
  const r = rows[0]
  if (!r) return { exists: false, marker: null, plain: true, functions: [], usage: [], owns: [] }
  const marker = r.marker?.startsWith('pggraph:') ? r.marker : null
  return { exists: true, marker, plain: r.plain, functions: r.functions, usage: r.usage, owns: r.owns }
}

function ourFunctions(ns: Namespace): Set<string> {
  return new Set(['ingest', 'report_error', 'limits'].map((f) => `${ns.schema}.${ns.prefix}_${f}`))
}

/** `schema.prefix` of each `schema.<prefix>_ingest|_report_error|_limits` function. */
function tenantsOf(functions: readonly string[]): string[] {
  return [...new Set(functions.map((f) => f.replace(/_(ingest|report_error|limits)$/, '')))].sort()
}

/**
 * Why an unmarked role is not provably this tenant's, or undefined when it is: a role made by
 * an install before the markers has no attributes and no memberships, and privileges on this
 * tenant's objects only.
 */
function legacyProof(kind: RoleKind, ns: Namespace, f: RoleFacts, schema: InstallSchemaState): string | undefined {
  if (schema === 'new') return 'no pggraph marker, and schema ' + ns.schema + ' is not installed yet'
  if (!f.plain) return 'no pggraph marker, and it has attributes or memberships pggraph never gives'
  const elsewhere = f.usage.filter((s) => s !== ns.schema)
  if (kind === 'owner' && f.usage.length) return `no pggraph marker, and it may use schema ${f.usage.join(', ')}`
  if (elsewhere.length) return `no pggraph marker, and it may use schema ${elsewhere.join(', ')}`
  if (kind === 'owner') {
    if (f.functions.length) return 'no pggraph marker, and it has EXECUTE grants an owner never gets'
    return f.owns.length === 1 && f.owns[0] === ns.schema
      ? undefined
      : `no pggraph marker, and it does not own only schema ${ns.schema}`
  }
  if (f.owns.length) return `no pggraph marker, and it owns schema ${f.owns.join(', ')}`
  if (kind === 'reader') {
    if (f.functions.length) return 'no pggraph marker, and it has EXECUTE grants a reader never gets'
    return f.usage.includes(ns.schema) ? undefined : `no pggraph marker, and it is not the reader of ${ns.schema}`
  }
  const ours = ourFunctions(ns)
  const foreign = f.functions.filter((x) => !ours.has(x))
  if (foreign.length) return `no pggraph marker, and it may also execute ${foreign.join(', ')}`
  return f.functions.length ? undefined : `no pggraph marker, and it is not the writer of ${ns.schema}.${ns.prefix}`
}

function clash(kind: RoleKind, role: string, ns: Namespace, why: string): PggraphError {
  const tenant = kind === 'writer' ? `${ns.schema}.${ns.prefix}` : ns.schema
  const reason = why.startsWith('pggraph:') ? `it belongs to another install (marker "${why}")` : why
  return new PggraphError(
    'CONFIG',
    `Role ${role} already exists and is not the ${kind} of ${tenant}: ${reason}. Nothing was changed; pass ${kind}Role (--${kind}-role) with another name, or drop the role if it is unused.`,
  )
}

/**
 * Revoke EXECUTE on `signatures` from every role but `keep` (and their owner): repairs the
 * grants an old colliding install gave another tenant's writer. Run as the functions' owner.
 * @internal
 */
export async function revokeForeignExecute(
  db: Queryable,
  signatures: readonly string[],
  keep: readonly string[],
): Promise<string[]> {
  const foreign = `SELECT DISTINCT p.oid::regprocedure::text AS sig, pg_get_userbyid(a.grantee) AS grantee
       FROM pg_proc p, aclexplode(p.proacl) a
      WHERE p.oid IN (SELECT x::regprocedure FROM json_array_elements_text(current_setting('pggraph.sigs')::json) x)
        AND a.privilege_type = 'EXECUTE' AND a.grantee <> 0 AND a.grantee <> p.proowner
        AND pg_get_userbyid(a.grantee) NOT IN (SELECT json_array_elements_text(current_setting('pggraph.keep')::json))`
  await db.query(`SELECT set_config('pggraph.sigs', $1, true), set_config('pggraph.keep', $2, true)`, [
    JSON.stringify(signatures),
    JSON.stringify(keep),
  ])
  const { rows } = await db.query<{ sig: string; grantee: string }>(foreign)
  // Any role name, even one outside pggraph's pattern, is quoted by the server (%I).
  if (rows.length)
    await db.query(
      `DO $pggraph$ DECLARE r record; BEGIN FOR r IN ${foreign} LOOP EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM %I', r.sig, r.grantee); END LOOP; END $pggraph$`,
    )
  return rows.map((r) => `${r.grantee}: ${r.sig}`)
}
