import { PggraphError, quoteIdent, type Queryable } from '@pggraph/core'

/**
 * The comment the installer puts on every tenant schema it creates (`COMMENT ON SCHEMA`): only
 * the schema's owner can set it, so a schema carrying it was made by pggraph. Schemas installed
 * before the marker existed are recognised by their `pggraph_migrations` table and get it on
 * their next install.
 * @internal
 */
export const TENANT_SCHEMA_MARKER = 'pggraph:tenant'

/**
 * Whether `schema` is never a tenant, whatever it holds: pggraph's own (`pggraph_*`, where the
 * viewer keeps its users) and PostgreSQL's (`pg_*`, `public`, `information_schema`). The
 * installer refuses them, `users add` refuses them and the viewer never opens them: this is the
 * one place that says which names are reserved.
 *
 * @example
 * ```ts
 * isReservedSchema('pggraph_admin') // true
 * isReservedSchema('acme')          // false
 * ```
 */
export function isReservedSchema(schema: string): boolean {
  return /^(pggraph_|pg_)/.test(schema) || schema === 'public' || schema === 'information_schema'
}

/** Tenant schemas by the catalog only: the marker, or the migrations table of older installs. */
const TENANT_SCHEMAS_SQL = `SELECT n.nspname FROM pg_namespace n
  WHERE n.nspname ~ '^[a-z][a-z0-9_]*$'
    AND (obj_description(n.oid, 'pg_namespace') = '${TENANT_SCHEMA_MARKER}'
         OR EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = n.oid AND c.relname = 'pggraph_migrations' AND c.relkind = 'r'))`

/**
 * Every tenant schema of the store (made by the installer; reserved names left out), read from
 * the catalog only: no tenant rows are read and no privilege on the schemas is needed, so a
 * least-privilege login lists them too. With `usable`, only those the current role may use.
 */
export async function listTenantSchemas(db: Queryable, options: { usable?: boolean } = {}): Promise<string[]> {
  const { rows } = await db.query<{ nspname: string }>(
    `SELECT nspname FROM (${TENANT_SCHEMAS_SQL}) t${options.usable ? ` WHERE has_schema_privilege(nspname, 'USAGE')` : ''} ORDER BY 1`,
  )
  return rows.map((r) => r.nspname).filter((s) => !isReservedSchema(s))
}

/** Throw `PggraphError('CONFIG')` for a reserved schema ({@link isReservedSchema}), before any SQL. @internal */
export function refuseReservedSchema(schema: string): void {
  if (isReservedSchema(schema)) {
    throw new PggraphError(
      'CONFIG',
      `The schema "${schema}" is reserved (pggraph_*, pg_*, public and information_schema are never tenants): choose another --schema.`,
    )
  }
}

/** What {@link checkInstallSchema} found: a new schema, or one the installer made (`legacy`: before the marker). */
export type InstallSchemaState = 'new' | 'tenant' | 'legacy'

/**
 * Refuse to install into a reserved schema or into an existing schema the installer did not
 * create (another application's, or one made by hand), with one line saying why; otherwise say
 * whether the schema is new, a marked tenant, or a tenant installed before the marker.
 * @internal
 */
export async function checkInstallSchema(db: Queryable, schema: string): Promise<InstallSchemaState> {
  refuseReservedSchema(schema)
  const { rows } = await db.query<{ marked: boolean; migrations: boolean }>(
    `SELECT obj_description(n.oid, 'pg_namespace') = $2 AS marked,
            EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = n.oid AND c.relname = 'pggraph_migrations' AND c.relkind = 'r') AS migrations
       FROM pg_namespace n WHERE n.nspname = $1`,
    [schema, TENANT_SCHEMA_MARKER],
  )
  const row = rows[0]
  if (!row) return 'new'
  if (row.marked) return 'tenant'
  if (row.migrations) return 'legacy'
  throw new PggraphError(
    'CONFIG',
    `The schema "${schema}" already exists and was not created by pggraph's installer (no "${TENANT_SCHEMA_MARKER}" marker): it may belong to another application. Choose another --schema, or drop that schema if it is an unused leftover.`,
  )
}

/** Mark `schema` as a tenant made by the installer (as its owner). @internal */
export async function markTenantSchema(db: Queryable, schema: string): Promise<void> {
  await db.query(`COMMENT ON SCHEMA ${quoteIdent(schema, 'schema')} IS '${TENANT_SCHEMA_MARKER}'`)
}
