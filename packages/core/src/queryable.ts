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
