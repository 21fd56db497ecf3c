import { PggraphError, quoteIdent, toPggraphError, validateIdentifier, type Queryable } from '@pggraph/core'
import { openStore, type StoreConnection } from '@pggraph/store'
import { ConcurrencyBudget } from './budget.js'

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
  /**
   * Run `fn` in a read-only transaction as `role` (a tenant's reader role). At most
   * {@link StorePoolOptions.perTenant} such transactions of one role hold a connection at once;
   * more wait their turn, role by role, so one tenant never takes the whole pool.
   */
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

/** Connection limits of the viewer's store pool. */
export interface StorePoolOptions {
  /** Connections to the store in total (default 10). */
  readonly poolSize?: number
  /**
   * Connections one tenant's reads may hold at once (default 40% of the pool, at least 1); must
   * be below the pool size, so other tenants and logins always find a connection.
   */
  readonly perTenant?: number
}

/** The default share of the pool one tenant may hold: 40%, at least 1, below the pool. */
export function defaultPerTenant(poolSize: number): number {
  return Math.max(1, Math.min(poolSize - 1, Math.ceil(poolSize * 0.4)))
}

/** Check explicit pool limits: one line naming the flag to fix. */
export function checkPoolLimits(options: StorePoolOptions): { poolSize: number; perTenant: number } {
  const poolSize = options.poolSize ?? 10
  const perTenant = options.perTenant ?? defaultPerTenant(poolSize)
  if (!Number.isInteger(poolSize) || poolSize < 2 || poolSize > 1000)
    throw new PggraphError(
      'CONFIG',
      `The store pool size must be a whole number from 2 to 1000 (got ${poolSize}): check --pool-size.`,
    )
  if (!Number.isInteger(perTenant) || perTenant < 1 || perTenant >= poolSize)
    throw new PggraphError(
      'CONFIG',
      `The connections of one tenant must be from 1 to ${poolSize - 1}, below the pool size ${poolSize} (got ${perTenant}): check --tenant-connections and --pool-size.`,
    )
  return { poolSize, perTenant }
}

/**
 * Open the store for the viewer (`pglite:<folder>` or `postgres://`, through the store's
 * `openStore`): every tenant request is one transaction on one connection, in which
 * `SET LOCAL ROLE` switches to the tenant's reader role until the transaction ends. PGlite
 * enforces roles and privileges like PostgreSQL (checked by the tests).
 */
export async function openStoreAccess(url: string, options: StorePoolOptions = {}): Promise<StoreAccess> {
  const poolSize = options.poolSize ?? 10
  const db = await openStore(url, { max: poolSize, applicationName: 'pggraph-viewer' })
  try {
    await db.query('SELECT 1')
  } catch (err) {
    await db.end().catch(() => {})
    throw toPggraphError(err, { action: 'connect to the store', hints: { unreachable: 'Check --store.' } })
  }
  return storeAccessFrom(db, { poolSize, ...(options.perTenant === undefined ? {} : { perTenant: options.perTenant }) })
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
export function storeAccessFrom(db: StoreConnection, options: StorePoolOptions = {}): StoreAccess {
  // openStore's own default pool is 4 connections.
  const poolSize = Math.max(1, options.poolSize ?? 4)
  const perTenant = Math.max(1, options.perTenant ?? defaultPerTenant(poolSize))
  // Tenant reads leave one connection of the pool for logins and user checks.
  const turns = new ConcurrencyBudget({
    tenant: { running: perTenant, waiting: Infinity },
    total: { running: Math.max(1, poolSize - 1), waiting: Infinity },
  })
  return {
    kind: db.kind,
    service: (fn) => fn(db),
    serviceTransaction: (fn) => db.transaction(fn),
    asRole: (role, fn) =>
      turns.run({ tenant: role }, () =>
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
      ),
    end: () => db.end(),
  }
}
