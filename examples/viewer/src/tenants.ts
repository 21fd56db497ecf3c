import { IDENTIFIER_PATTERN, PggraphError } from '@pggraph/core'
import { isReservedSchema, listTenantSchemas as listStoreTenants } from '@pggraph/store'
import type { StoreAccess } from './store-access.js'

export { isReservedSchema }

/**
 * Every tenant schema of the store ({@link listTenantSchemas} of the store package, which owns
 * what a tenant is), read by the service connection from the catalog only.
 */
export async function listTenantSchemas(store: StoreAccess): Promise<string[]> {
  return store.service((db) => listStoreTenants(db))
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
