// openStore and the registry of store drivers, keyed by URL scheme; and how the store turns any
// Queryable it is handed into a driver.
import { PggraphError, type Queryable } from '@pggraph/core'
import type { OpenStoreOptions, StoreConnection, StoreDriver, StoreDriverFactory } from './driver.js'
import { oneConnectionTransaction } from './drivers/one-connection.js'
import { openPGlite } from './drivers/pglite.js'
import { isNodePostgres, openPostgres, pgDriver, redactPassword } from './drivers/postgres.js'

interface Registered {
  /** What {@link StoreConnection.kind} says. */
  readonly kind: string
  readonly open: StoreDriverFactory
}

const drivers = new Map<string, Registered>([
  ['postgres', { kind: 'postgres', open: openPostgres }],
  ['postgresql', { kind: 'postgres', open: openPostgres }],
  ['pglite', { kind: 'pglite', open: openPGlite }],
])

const SCHEME = /^[a-z][a-z0-9+.-]*$/

/**
 * Register a store driver for URLs of `scheme` (`scheme:…`), so {@link openStore} opens them
 * with `factory`; a scheme registered again is replaced (built-ins too). Returns a function
 * that restores what the scheme had before.
 *
 * @example
 * ```ts
 * const unregister = registerStoreDriver('mystore', async (url) => openMyStore(url))
 * const db = await openStore('mystore://somewhere')
 * ```
 */
export function registerStoreDriver(scheme: string, factory: StoreDriverFactory): () => void {
  if (typeof scheme !== 'string' || !SCHEME.test(scheme))
    throw new PggraphError(
      'CONFIG',
      `The store driver scheme "${String(scheme)}" is not valid: use lower-case letters, digits, +, . or -, starting with a letter (no colon).`,
    )
  if (typeof factory !== 'function')
    throw new PggraphError('CONFIG', `The store driver for "${scheme}:" must be a function (url, options) => driver.`)
  const before = drivers.get(scheme)
  drivers.set(scheme, { kind: scheme, open: factory })
  return () => {
    if (before) drivers.set(scheme, before)
    else drivers.delete(scheme)
  }
}

/**
 * Open the store at `url` with the driver registered for its scheme: `pglite:<folder>` for the
 * embedded store (PGlite, PostgreSQL in WebAssembly, kept in that folder; `pglite:memory:` keeps
 * nothing), a `postgres://` URL (a connection pool), or a scheme of
 * {@link registerStoreDriver}.
 *
 * @example
 * ```ts
 * const db = await openStore('pglite:./pggraph-data')
 * await installStore(db, { schema: 'me', prefix: 'laptop' })
 * await db.end()
 * ```
 */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<StoreConnection> {
  if (typeof url !== 'string' || url.length === 0) {
    throw new PggraphError('CONFIG', 'The store URL is missing: give pglite:./pggraph-data or postgres://user@host/db.')
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase()
  const registered = scheme === undefined ? undefined : drivers.get(scheme)
  if (!registered) {
    const others = [...drivers.keys()].filter((s) => !['postgres', 'postgresql', 'pglite'].includes(s))
    throw new PggraphError(
      'CONFIG',
      `The store URL "${redactPassword(url)}" is not supported: use pglite:<folder> or postgres://user@host:5432/db${others.length ? `, or a registered driver (${others.map((s) => `${s}:`).join(', ')})` : ''}.`,
    )
  }
  const driver = await registered.open(url, options)
  return {
    kind: registered.kind,
    capabilities: driver.capabilities,
    query: (sql, params) => driver.query(sql, params),
    transaction: (fn) => driver.transaction(fn),
    close: () => driver.close(),
    end: () => driver.close(),
  } as StoreConnection
}

const ONE_CONNECTION_CAPABILITIES = { binaryParams: false, logins: true } as const

/**
 * The driver behind `db`: a {@link StoreDriver} (what {@link openStore} returns) as it is; a
 * `pg.Pool` or `pg.Client` as node-postgres; any other {@link Queryable} as one connection
 * (transactions are `BEGIN` … `COMMIT` on it, rows travel in the JSON). The returned driver's
 * `close` never closes what the caller opened.
 * @internal
 */
export function driverOf(db: Queryable): StoreDriver {
  if (isStoreDriver(db)) return db
  if (isNodePostgres(db)) return pgDriver(db)
  return {
    capabilities: ONE_CONNECTION_CAPABILITIES,
    query: (sql, params) => db.query(sql, params),
    transaction: (fn) => oneConnectionTransaction(db, fn),
    close: async () => {},
  }
}

/** A driver declares its capabilities: that, not the shape of its methods, tells it apart. */
function isStoreDriver(db: Queryable): db is StoreDriver {
  const d = db as Partial<StoreDriver>
  return typeof d.capabilities === 'object' && d.capabilities !== null && typeof d.transaction === 'function'
}

/**
 * Run `fn` in one transaction on one connection of `db` (see {@link driverOf}).
 * @internal
 */
export function withTransaction<T>(db: Queryable, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  return driverOf(db).transaction(fn)
}
