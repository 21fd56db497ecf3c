import type { ConnectionOptions } from 'node:tls'
import { PggraphError, type Queryable } from '@pggraph/core'
import pg from 'pg'
import type * as PGliteModuleType from '@electric-sql/pglite'

type PGliteModule = typeof PGliteModuleType

/**
 * An open store: a {@link Queryable} plus `transaction` (one connection, all or nothing) and
 * `end`. `kind` tells an embedded PGlite store from a PostgreSQL server.
 */
export interface StoreConnection extends Queryable {
  readonly kind: 'pglite' | 'postgres'
  /** Run `fn` in one transaction on one connection; commit when it resolves, roll back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>
  end(): Promise<void>
}

/** Options of {@link openStore} for `postgres://` URLs (ignored for `pglite:`). */
export interface OpenStoreOptions {
  /** TLS options built by the caller (CA, server name), or `false` for plain text. Default: what the URL says. */
  readonly ssl?: ConnectionOptions | false
  /** `application_name` of the connections. Default `pggraph-store`. */
  readonly applicationName?: string
  /** Pool size. Default 4. */
  readonly max?: number
  /** Connection timeout in milliseconds. Default 10 000. */
  readonly connectTimeoutMs?: number
}

interface PGliteLike extends Queryable {
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>
  close(): Promise<void>
  waitReady: Promise<void>
}

/**
 * Open the store at `url`: `pglite:<folder>` for the embedded store (PGlite, PostgreSQL in
 * WebAssembly, kept in that folder; `pglite:memory:` keeps nothing), or a `postgres://` URL
 * (a connection pool).
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
  if (url.startsWith('pglite:')) return openPGlite(url.slice('pglite:'.length))
  if (/^postgres(ql)?:\/\//.test(url)) return openPostgres(url, options)
  throw new PggraphError(
    'CONFIG',
    `The store URL "${url.replace(/:[^:@/]*@/, ':***@')}" is not supported: use pglite:<folder> or postgres://user@host:5432/db.`,
  )
}

/** The package behind `pglite:` stores: an optional peer, so a server-side user does not install its WebAssembly. */
const PGLITE_PACKAGE = '@electric-sql/pglite'

async function loadPGlite(): Promise<PGliteModule> {
  try {
    return await import('@electric-sql/pglite')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    // A single executable application (Node SEA) has no module loader for packages on disk.
    if (code === 'ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING')
      throw new PggraphError(
        'CONFIG',
        `pglite: stores need the optional package ${PGLITE_PACKAGE}, which a single executable cannot load: use a postgres:// store, or run the program under Node with ${PGLITE_PACKAGE} installed.`,
        { cause: err },
      )
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw err
    throw new PggraphError(
      'CONFIG',
      `pglite: stores need the optional package ${PGLITE_PACKAGE}, which is not installed: run \`npm install ${PGLITE_PACKAGE}\`, or use a postgres:// store.`,
      { cause: err },
    )
  }
}

async function openPGlite(path: string): Promise<StoreConnection> {
  const { PGlite } = await loadPGlite()
  let db: PGliteLike
  try {
    db = (path === '' || path === 'memory:' ? new PGlite() : new PGlite(path)) as unknown as PGliteLike
    await db.waitReady
  } catch (err) {
    throw new PggraphError('CONNECT', `Cannot open the embedded store in "${path}": ${(err as Error).message}`, {
      cause: err,
    })
  }
  return {
    kind: 'pglite',
    query: (sql, params) => db.query(sql, params),
    transaction: (fn) => db.transaction(fn),
    end: () => db.close(),
  }
}

async function openPostgres(url: string, options: OpenStoreOptions): Promise<StoreConnection> {
  const pool = new pg.Pool({
    connectionString: url,
    ...(options.ssl !== undefined ? { ssl: options.ssl } : {}),
    application_name: options.applicationName ?? 'pggraph-store',
    max: options.max ?? 4,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
  })
  // An idle client that loses its connection is replaced on the next checkout; without a
  // listener the pool's 'error' event would crash the process.
  pool.on('error', () => {})
  return {
    kind: 'postgres',
    query: async (sql, params) => pool.query(sql, params as unknown[]),
    transaction: (fn) => poolTransaction(pool, fn),
    end: () => pool.end(),
  } as StoreConnection
}

async function poolTransaction<T>(pool: pg.Pool, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  let broken = false
  try {
    return await clientTransaction(client, fn)
  } catch (err) {
    broken = (err as { [BROKEN]?: boolean })[BROKEN] === true
    throw err
  } finally {
    client.release(broken)
  }
}

const BROKEN = Symbol('pggraph.brokenConnection')

async function clientTransaction<T>(db: Queryable, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  await db.query('BEGIN')
  try {
    const out = await fn(db)
    await db.query('COMMIT')
    return out
  } catch (err) {
    await db.query('ROLLBACK').catch(() => {
      if (err && typeof err === 'object') (err as { [BROKEN]?: boolean })[BROKEN] = true
    })
    throw err
  }
}

/**
 * Run `fn` in one transaction on whatever `db` is: a {@link StoreConnection} or PGlite
 * (`transaction`), a `pg.Pool` (checks out one client), or a single connection such as a
 * `pg.Client` (`BEGIN` … `COMMIT` on it).
 * @internal
 */
export async function withTransaction<T>(db: Queryable, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  const d = db as unknown as Record<string, unknown>
  if (typeof d['transaction'] === 'function') return (db as unknown as PGliteLike).transaction(fn)
  if (db instanceof pg.Pool) return poolTransaction(db, fn)
  return clientTransaction(db, fn)
}
