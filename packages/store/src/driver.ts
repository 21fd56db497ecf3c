import type { ConnectionOptions } from 'node:tls'
import type { Queryable } from '@pggraph/core'

/**
 * What a store backend can do, declared by its driver (never guessed from the shape of an
 * object): the store picks its write path and its checks from these.
 */
export interface StoreCapabilities {
  /**
   * A `Buffer` parameter travels in PostgreSQL's binary format (node-postgres), so
   * {@link writeSnapshot} sends the rows of large metrics as two binary arrays, which the
   * server decodes faster than JSON. False: every row travels in the JSON.
   */
  readonly binaryParams: boolean
  /**
   * Roles log in on their own (a PostgreSQL server): the writer and reader roles get passwords
   * and are checked as logins. False for a single-user embedded store (PGlite), where roles
   * still enforce privileges but nobody logs in as them.
   */
  readonly logins: boolean
}

/**
 * The contract of a store backend: run SQL, run a transaction on one connection, say what it
 * can do, close. A driver is a plain object made by a {@link StoreDriverFactory}; register the
 * factory under a URL scheme with {@link registerStoreDriver} and {@link openStore} opens it.
 * `@pggraph/store/testing` runs the shared backend tests against any driver.
 *
 * @example
 * ```ts
 * const driver: StoreDriver = {
 *   capabilities: { binaryParams: false, logins: true },
 *   query: (sql, params) => client.query(sql, params),
 *   transaction: async (fn) => { ... }, // BEGIN, fn(one connection), COMMIT or ROLLBACK
 *   close: () => client.end(),
 * }
 * ```
 */
export interface StoreDriver extends Queryable {
  readonly capabilities: StoreCapabilities
  /** Run `fn` in one transaction on one connection; commit when it resolves, roll back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>
  /** Close the connections; the driver is not used afterwards. */
  close(): Promise<void>
}

/** Options of {@link openStore}; a driver ignores those that do not apply to it (PGlite: all). */
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

/**
 * Opens a {@link StoreDriver} for a URL of its scheme (the whole URL, scheme included). Throw
 * a `PggraphError` (`CONFIG` for a bad URL, `CONNECT` when the store cannot be opened).
 */
export type StoreDriverFactory = (url: string, options: OpenStoreOptions) => Promise<StoreDriver>

/**
 * An open store, as {@link openStore} returns it: its {@link StoreDriver} plus `kind` (the URL
 * scheme it was opened by: `postgres`, `pglite` or a registered driver's) and `end` (the
 * same as `close`).
 */
export interface StoreConnection extends StoreDriver {
  readonly kind: string
  end(): Promise<void>
}
