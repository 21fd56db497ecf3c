/**
 * The one thing pggraph needs from a database connection: run SQL with parameters and get rows.
 *
 * `pg.Client`, `pg.Pool` and a PGlite instance all satisfy it as they are, so `core` never
 * depends on a driver (the same trick kysely uses).
 *
 * @example
 * ```ts
 * import pg from 'pg'
 * const db: Queryable = new pg.Pool({ connectionString: process.env.DATABASE_URL })
 * ```
 */
export interface Queryable {
  query<R extends object = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<{ rows: R[] }>
}

/**
 * A {@link Queryable} that runs each statement on whichever of its connections is free (a
 * pool), and lends one out for statements that must share a session (one transaction). This is
 * node-postgres' published `pg.Pool` contract — `connect()` lends a connection that `release()`
 * gives back, `totalCount` counts the pool's connections — so a `pg.Pool` satisfies it as it
 * is, and any other pool can. A `pg.Client` does not: its `connect()` opens the client itself.
 *
 * @example
 * ```ts
 * const pool: QueryablePool = new pg.Pool({ connectionString: process.env.DATABASE_URL })
 * ```
 */
export interface QueryablePool extends Queryable {
  /** Lend one connection of the pool; give it back with `release()`. */
  connect(): Promise<Queryable & { release(err?: Error | boolean): void }>
  /** How many connections the pool holds (the member that tells a pool from a client). */
  readonly totalCount: number
}

/** Whether `db` declares the {@link QueryablePool} contract. */
export function isQueryablePool(db: Queryable): db is QueryablePool {
  const p = db as Partial<QueryablePool>
  return typeof p.connect === 'function' && typeof p.totalCount === 'number'
}

/**
 * Run `fn` with every statement on one connection: a {@link QueryablePool} lends one for the
 * duration (and gets it back however `fn` ends); any other {@link Queryable} is one connection.
 */
export async function withOneConnection<T>(db: Queryable, fn: (c: Queryable) => Promise<T>): Promise<T> {
  if (!isQueryablePool(db)) return fn(db)
  const client = await db.connect()
  try {
    return await fn(client)
  } finally {
    client.release()
  }
}
