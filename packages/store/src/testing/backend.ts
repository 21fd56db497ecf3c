import { randomBytes } from 'node:crypto'
import { quoteIdent, type Queryable } from '@pggraph/core'
import type { StoreCapabilities, StoreDriver } from '../driver.js'

/**
 * A store backend for {@link testStoreDriver}: a name for the test titles, the capabilities its
 * driver declares (tests that need one are skipped, with the reason, where it is missing) and
 * how to open a fresh store for one group of tests.
 */
export interface StoreTestBackend {
  readonly name: string
  readonly capabilities: StoreCapabilities
  /** Open a fresh, empty store (a new database or folder) as a superuser. */
  open(): Promise<StoreTestTarget>
}

/** One fresh store of a {@link StoreTestBackend}; the optional members have defaults. */
export interface StoreTestTarget {
  readonly db: StoreDriver
  /** A new schema name for one test. Default: a random `s_<hex>`. */
  schema?(): string
  /**
   * A session as `role` (the installed writer or reader, with its password when it has one).
   * Default: each query in its own transaction after `SET LOCAL ROLE`, on `db`.
   */
  asRole?(role: string, password: string | undefined): Promise<RoleSession>
  /** Drop what the tests made (database, folder, roles) and close `db`. Default: `db.close()`. */
  close?(): Promise<void>
}

/** A connection as one role, closed by `end`. */
export interface RoleSession extends Queryable {
  end(): Promise<void>
}

/** A {@link StoreTestTarget} with its defaults filled in. @internal */
export interface OpenedStore {
  readonly name: string
  readonly db: StoreDriver
  schema(): string
  asRole(role: string, password: string | undefined): Promise<RoleSession>
  close(): Promise<void>
}

/** Open a fresh store of `backend`, checking that its driver declares what the backend says. @internal */
export async function openTarget(backend: StoreTestBackend): Promise<OpenedStore> {
  const t = await backend.open()
  const { db } = t
  return {
    name: backend.name,
    db,
    schema: t.schema ? () => t.schema!() : () => `s_${randomBytes(5).toString('hex')}`,
    asRole: t.asRole ? (role, password) => t.asRole!(role, password) : async (role) => setRoleSession(db, role),
    close: t.close ? () => t.close!() : () => db.close(),
  }
}

/** `db` as `role`: a driver with the same capabilities whose every query runs after `SET LOCAL ROLE`. */
function setRoleSession(db: StoreDriver, role: string): RoleSession & StoreDriver {
  const asRole = <T>(fn: (tx: Queryable) => Promise<T>): Promise<T> =>
    db.transaction(async (tx) => {
      await tx.query(`SET LOCAL ROLE ${quoteIdent(role, 'role')}`)
      return fn(tx)
    })
  return {
    capabilities: db.capabilities,
    query: (sql, params) => asRole((tx) => tx.query(sql, params)),
    transaction: asRole,
    close: async () => {},
    end: async () => {},
  } as RoleSession & StoreDriver
}
