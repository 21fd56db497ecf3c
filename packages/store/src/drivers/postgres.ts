// The PostgreSQL server driver: node-postgres, a pool per store. Buffer parameters travel in
// binary format, and every role can log in.
import { PggraphError, type Queryable } from '@pggraph/core'
import pg from 'pg'
import type { OpenStoreOptions, StoreCapabilities, StoreDriver } from '../driver.js'
import { connectionBroken, oneConnectionTransaction } from './one-connection.js'

/** What node-postgres can do, whether the store opened the pool or the caller did. */
export const POSTGRES_CAPABILITIES: StoreCapabilities = { binaryParams: true, logins: true }

/**
 * Open a pool on a `postgres://` or `postgresql://` URL.
 * @internal
 */
export async function openPostgres(url: string, options: OpenStoreOptions): Promise<StoreDriver> {
  if (!/^postgres(ql)?:\/\//i.test(url))
    throw new PggraphError(
      'CONFIG',
      `The store URL "${redactPassword(url)}" is not a server URL: write postgres://user@host:5432/db.`,
    )
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
  return { ...pgDriver(pool), close: () => pool.end() }
}

/**
 * The driver over a `pg.Pool` (a transaction checks out one client) or a `pg.Client` or
 * pooled client (the transaction runs on it) that the caller opened and will close:
 * `close` does nothing.
 * @internal
 */
export function pgDriver(db: pg.Pool | pg.Client): StoreDriver {
  return {
    capabilities: POSTGRES_CAPABILITIES,
    query: async (sql, params) => db.query(sql, params as unknown[]),
    transaction: (fn) => (db instanceof pg.Pool ? poolTransaction(db, fn) : oneConnectionTransaction(db, fn)),
    close: async () => {},
  } as StoreDriver
}

/** Whether `db` is a pool or a connection of node-postgres (the copy the store depends on). @internal */
export function isNodePostgres(db: Queryable): db is pg.Pool | pg.Client {
  return db instanceof pg.Pool || db instanceof pg.Client
}

async function poolTransaction<T>(pool: pg.Pool, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  let broken = false
  try {
    return await oneConnectionTransaction(client, fn)
  } catch (err) {
    broken = connectionBroken(err)
    throw err
  } finally {
    client.release(broken)
  }
}

/** `url` with its password masked, for messages. @internal */
export function redactPassword(url: string): string {
  return url.replace(/:[^:@/]*@/, ':***@')
}
