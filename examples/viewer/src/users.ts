import { PggraphError, sqlStateOf, type Queryable } from '@pggraph/core'
import { hashPassword } from './password.js'
import type { StoreAccess } from './store-access.js'
import { checkTenantSchema } from './tenants.js'

/**
 * The schema that holds the viewer's users. Outside every tenant schema, and no reader role is
 * granted anything in it: a tenant's role cannot read password hashes.
 */
export const ADMIN_SCHEMA = 'pggraph_admin'

/** The pattern of viewer user names: letters, digits and `.`, `_`, `@`, `-`, at most 64. */
export const USER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/

/** A viewer user as stored (without the hash). */
export interface ViewerUser {
  readonly user: string
  /** The tenant schema; `null` only for an admin without a tenant. */
  readonly schema: string | null
  readonly admin: boolean
  readonly createdAt: string
}

/** A user row with its password hash, for the login check. */
export interface StoredUser extends ViewerUser {
  readonly passwordHash: string
}

const DDL = [
  `CREATE SCHEMA IF NOT EXISTS ${ADMIN_SCHEMA}`,
  `REVOKE ALL ON SCHEMA ${ADMIN_SCHEMA} FROM PUBLIC`,
  `CREATE TABLE IF NOT EXISTS ${ADMIN_SCHEMA}.viewer_users (
     username text PRIMARY KEY CHECK (username ~ '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$'),
     schema_name text CHECK (schema_name ~ '^[a-z][a-z0-9_]*$'),
     is_admin boolean NOT NULL DEFAULT false,
     password_hash text NOT NULL CHECK (password_hash LIKE 'scrypt$%'),
     created_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now(),
     unlocked_at timestamptz,
     CHECK (is_admin OR schema_name IS NOT NULL)
   )`,
  `REVOKE ALL ON ${ADMIN_SCHEMA}.viewer_users FROM PUBLIC`,
]

/** Check a user name against {@link USER_PATTERN}; throws `PggraphError('CONFIG')`. */
export function validateUserName(user: unknown): string {
  if (typeof user !== 'string' || !USER_PATTERN.test(user)) {
    throw new PggraphError(
      'CONFIG',
      'The user name must be 1-64 letters, digits, ".", "_", "@" or "-", starting with a letter or digit.',
    )
  }
  return user
}

/**
 * Create the users table if it is missing (idempotent; run by `users add` and at `serve`).
 * Serialised by an advisory lock so two viewers starting at once do not race on the DDL.
 */
export async function ensureUsersTable(store: StoreAccess): Promise<void> {
  const exists = await store.service((db) =>
    db.query<{ ok: boolean }>(`SELECT to_regclass('${ADMIN_SCHEMA}.viewer_users') IS NOT NULL AS ok`),
  )
  if (exists.rows[0]?.ok) return
  try {
    await store.serviceTransaction(async (db) => {
      await db.query(`SELECT pg_advisory_xact_lock(hashtext('pggraph_admin.viewer_users'))`)
      // On a Citus coordinator with schema-based sharding the users table stays a plain table
      // on the coordinator: it is no tenant's, and the viewer's login needs no worker login for it.
      await db.query(`SELECT set_config('citus.enable_schema_based_sharding', 'off', true)`)
      for (const sql of DDL) await db.query(sql)
    })
  } catch (err) {
    throw new PggraphError(
      'PERMISSION',
      `Cannot create ${ADMIN_SCHEMA}.viewer_users: ${(err as Error).message}. Run "pggraph-viewer users add" once as the store's owner.`,
      { cause: err },
    )
  }
}

/** Password rules: long enough to resist guessing, short enough to bound scrypt input. */
export function validatePassword(password: string): string {
  if (password.length < 10) throw new PggraphError('CONFIG', 'The password must be at least 10 characters long.')
  if (password.length > 1024) throw new PggraphError('CONFIG', 'The password must be at most 1024 characters long.')
  return password
}

/**
 * Add a user or replace their password, tenant and admin flag (`users add` again changes the
 * password). The schema must be an installed tenant, never a reserved one (see
 * {@link checkTenantSchema}). The password is hashed with scrypt here; only the hash is stored.
 */
export async function addUser(
  store: StoreAccess,
  input: { user: string; schema?: string | null; admin?: boolean; password: string },
): Promise<ViewerUser> {
  const user = validateUserName(input.user)
  const schema = input.schema ? await checkTenantSchema(store, input.schema) : null
  const admin = input.admin ?? false
  if (!admin && !schema)
    throw new PggraphError('CONFIG', 'A user needs --schema (the tenant whose systems they see), or --admin.')
  const hash = await hashPassword(validatePassword(input.password))
  await ensureUsersTable(store)
  const r = await store.service((db) =>
    db.query<{ created_at: Date | string }>(
      `INSERT INTO ${ADMIN_SCHEMA}.viewer_users (username, schema_name, is_admin, password_hash)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT (username) DO UPDATE SET schema_name = EXCLUDED.schema_name, is_admin = EXCLUDED.is_admin,
       password_hash = EXCLUDED.password_hash, updated_at = now()
     RETURNING created_at`,
      [user, schema, admin, hash],
    ),
  )
  return { user, schema, admin, createdAt: new Date(r.rows[0]!.created_at).toISOString() }
}

interface UserRow {
  username: string
  schema_name: string | null
  is_admin: boolean
  password_hash: string
  created_at: Date | string
}

const toUser = (r: UserRow): StoredUser => ({
  user: r.username,
  schema: r.schema_name,
  admin: r.is_admin,
  createdAt: new Date(r.created_at).toISOString(),
  passwordHash: r.password_hash,
})

/** Every user, by name (no hashes). An empty list when the table does not exist yet. */
export async function listUsers(db: Queryable): Promise<ViewerUser[]> {
  try {
    const r = await db.query<UserRow>(
      `SELECT username, schema_name, is_admin, '' AS password_hash, created_at FROM ${ADMIN_SCHEMA}.viewer_users ORDER BY username`,
    )
    return r.rows.map((row) => {
      const { passwordHash: _, ...u } = toUser(row)
      return u
    })
  } catch (err) {
    if (sqlStateOf(err) === '42P01' || sqlStateOf(err) === '3F000') return []
    throw err
  }
}

/** One user with their hash, or `undefined`. */
export async function findUser(db: Queryable, user: string): Promise<StoredUser | undefined> {
  if (!USER_PATTERN.test(user)) return undefined
  const r = await db.query<UserRow>(
    `SELECT username, schema_name, is_admin, password_hash, created_at FROM ${ADMIN_SCHEMA}.viewer_users WHERE username = $1`,
    [user],
  )
  const row = r.rows[0]
  return row ? toUser(row) : undefined
}

/** Remove a user; returns whether one was removed. */
export async function removeUser(db: Queryable, user: string): Promise<boolean> {
  validateUserName(user)
  try {
    const r = await db.query<{ username: string }>(
      `DELETE FROM ${ADMIN_SCHEMA}.viewer_users WHERE username = $1 RETURNING username`,
      [user],
    )
    return r.rows.length > 0
  } catch (err) {
    if (sqlStateOf(err) === '42P01' || sqlStateOf(err) === '3F000') return false
    throw err
  }
}

/**
 * Lift `user`'s login lock (`pggraph-viewer users unlock`): record the time in the users table,
 * where every running viewer looks at that user's next attempt, so the lock ends at once and
 * nobody has to wait out the window. Returns whether the user exists. Run as the store's owner
 * (a users table made before this column existed gets it here).
 */
export async function unlockUser(store: StoreAccess, user: string): Promise<boolean> {
  validateUserName(user)
  await ensureUsersTable(store)
  await store.service((db) =>
    db.query(`ALTER TABLE ${ADMIN_SCHEMA}.viewer_users ADD COLUMN IF NOT EXISTS unlocked_at timestamptz`),
  )
  const r = await store.service((db) =>
    db.query(`UPDATE ${ADMIN_SCHEMA}.viewer_users SET unlocked_at = now() WHERE username = $1 RETURNING username`, [
      user,
    ]),
  )
  return r.rows.length > 0
}

/**
 * How long ago `user` was last unlocked, in ms by the store's clock (so the viewer's own clock
 * may differ), or `null`: never, no such user, or a users table from before `users unlock`.
 */
export async function msSinceUnlock(db: Queryable, user: string): Promise<number | null> {
  if (!USER_PATTERN.test(user)) return null
  try {
    const r = await db.query<{ ms: number | null }>(
      `SELECT (extract(epoch FROM now() - max(unlocked_at)) * 1000)::float8 AS ms
         FROM ${ADMIN_SCHEMA}.viewer_users WHERE lower(username) = lower($1)`,
      [user],
    )
    const ms = r.rows[0]?.ms
    return ms === null || ms === undefined ? null : Math.max(0, Number(ms))
  } catch (err) {
    if (sqlStateOf(err) === '42703') return null
    throw err
  }
}
