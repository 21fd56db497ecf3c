import { quoteIdent, toPggraphError, validateIdentifier, type Queryable } from '@pggraph/core'
import { openStore, type StoreConnection } from '@pggraph/store'

/**
 * The viewer's handle on the store. Every query that touches tenant data goes through
 * {@link StoreAccess.asTenant}, which runs it in a read-only transaction under the tenant's
 * reader role (`SET LOCAL ROLE`), so PostgreSQL itself refuses another tenant's tables even if
 * the viewer asked for them by mistake. {@link StoreAccess.service} is for the users table and
 * catalog look-ups only.
 */
export interface StoreAccess {
  /** The store's driver: `postgres`, `pglite` or a registered one (see `openStore`). */
  readonly kind: string
  /** Run `fn` with the viewer's own connection (users table, list of schemas). */
  service<T>(fn: (db: Queryable) => Promise<T>): Promise<T>
  /** Run `fn` in one read-write transaction on the viewer's own connection (DDL of the users table). */
  serviceTransaction<T>(fn: (db: Queryable) => Promise<T>): Promise<T>
  /** Run `fn` in a read-only transaction as `role` (a tenant's reader role). */
  asRole<T>(role: string, fn: (db: Queryable) => Promise<T>): Promise<T>
  end(): Promise<void>
}

// A tenant query that runs longer than this is cancelled: one slow graph must not hold a
// pooled connection forever.
const STATEMENT_TIMEOUT = '30s'

function roleError(role: string, err: unknown): unknown {
  return toPggraphError(err, {
    action: `switch to the reader role "${role}"`,
    hints: {
      missing: 'Install the tenant with "pggraph-bridge install" first.',
      permission: `Run GRANT "${role}" TO <viewer login role> on the store.`,
    },
  })
}

/**
 * Open the store for the viewer (`pglite:<folder>` or `postgres://`, through the store's
 * `openStore`): every tenant request is one transaction on one connection, in which
 * `SET LOCAL ROLE` switches to the tenant's reader role until the transaction ends. PGlite
 * enforces roles and privileges like PostgreSQL (checked by the tests).
 */
export async function openStoreAccess(url: string, options: { poolSize?: number } = {}): Promise<StoreAccess> {
  const db = await openStore(url, { max: options.poolSize ?? 10, applicationName: 'pggraph-viewer' })
  try {
    await db.query('SELECT 1')
  } catch (err) {
    await db.end().catch(() => {})
    throw toPggraphError(err, { action: 'connect to the store', hints: { unreachable: 'Check --store.' } })
  }
  return storeAccessFrom(db)
}

/**
 * Wrap a store already opened with `openStore` (for example the quickstart's embedded store,
 * which its bridge also writes to) as the viewer's {@link StoreAccess}; `end()` closes it.
 *
 * @example
 * ```ts
 * const db = await openStore('pglite:./pggraph-data')
 * const viewer = await createViewer({ store: storeAccessFrom(db) })
 * ```
 */
export function storeAccessFrom(db: StoreConnection): StoreAccess {
  return {
    kind: db.kind,
    service: (fn) => fn(db),
    serviceTransaction: (fn) => db.transaction(fn),
    asRole: (role, fn) =>
      db.transaction(async (tx) => {
        validateIdentifier(role, 'role')
        await tx.query('SET TRANSACTION READ ONLY')
        try {
          await tx.query(`SET LOCAL ROLE ${quoteIdent(role, 'role')}`)
        } catch (err) {
          throw roleError(role, err)
        }
        await tx.query(`SET LOCAL statement_timeout = '${STATEMENT_TIMEOUT}'`)
        return fn(tx)
      }),
    end: () => db.end(),
  }
}
