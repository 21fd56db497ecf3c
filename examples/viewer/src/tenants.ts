import { IDENTIFIER_PATTERN, PggraphError } from '@pggraph/core'
import type { StoreAccess } from './store-access.js'

/**
 * Schemas that are never a tenant, whatever they hold: pggraph's own (`pggraph_*`, where the
 * viewer keeps its users) and PostgreSQL's (`pg_*`, `public`, `information_schema`). A user of
 * one of them would read what no tenant may, so `users add` refuses them and the viewer never
 * opens them.
 */
export function isReservedSchema(schema: string): boolean {
  return /^(pggraph_|pg_)/.test(schema) || schema === 'public' || schema === 'information_schema'
}

/**
 * Every tenant schema of the store (schemas with the store's migrations table, reserved names
 * left out), from the catalog only: no tenant rows are read, and no privilege on the schemas is
 * needed, so a least-privilege viewer login (NOINHERIT member of the reader roles) lists them too.
 */
export async function listTenantSchemas(store: StoreAccess): Promise<string[]> {
  const r = await store.service((db) =>
    db.query<{ nspname: string }>(
      `SELECT n.nspname FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid
        WHERE c.relname = 'pggraph_migrations' AND c.relkind = 'r' AND n.nspname ~ '^[a-z][a-z0-9_]*$'
        ORDER BY 1`,
    ),
  )
  return r.rows.map((x) => x.nspname).filter((s) => !isReservedSchema(s))
}

/**
 * Check that `schema` is an installed tenant before a user is given it, and return it: a
 * reserved schema, a malformed name or one the installer did not create is refused with one
 * line naming the store's tenants.
 */
export async function checkTenantSchema(store: StoreAccess, schema: string): Promise<string> {
  const tenants = await listTenantSchemas(store)
  const known = tenants.length ? `the store's tenants are: ${tenants.join(', ')}` : 'the store has no tenants yet'
  const shown = JSON.stringify(schema.length > 80 ? `${schema.slice(0, 80)}…` : schema)
  if (isReservedSchema(schema))
    throw new PggraphError(
      'CONFIG',
      `Schema ${shown} is reserved (pggraph_*, pg_*, public and information_schema are never tenants); ${known}.`,
    )
  if (!tenants.includes(schema)) {
    const install = IDENTIFIER_PATTERN.test(schema)
      ? `Install it with "pggraph-bridge install --schema ${schema} …" first, or check --schema.`
      : 'Check --schema.'
    throw new PggraphError('CONFIG', `Schema ${shown} is not an installed tenant; ${known}. ${install}`)
  }
  return schema
}
