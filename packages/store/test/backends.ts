// The stores every integration test runs against: PGlite in a temp folder, and a fresh database
// on each real PostgreSQL server of the run (embedded majors + the local server).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Queryable } from '@pggraph/core'
import pg from 'pg'
import { connect, pgServers, randomName, urlWith, type ServerInfo } from '../../../test/servers/index.js'
import { openStore, type StoreConnection } from '../src/index.js'

export interface Backend {
  readonly name: string
  readonly db: StoreConnection
  /** The database URL (postgres only). */
  readonly url: string | undefined
  /** Run `sql` as `role` (login with password on PostgreSQL, SET LOCAL ROLE on PGlite); resolves the rows or rejects. */
  asRole(role: string, password: string | undefined): Promise<RoleSession>
  /** A fresh random schema name; its roles (`<schema>_*`) are dropped by close(). */
  schema(): string
  close(): Promise<void>
}

export interface RoleSession extends Queryable {
  end(): Promise<void>
}

/** Backend names for describe.each: `pglite`, `pg12`, ..., `pg15-local`. */
export function backendNames(): string[] {
  return ['pglite', ...pgServers().map(serverName)]
}

function serverName(s: ServerInfo): string {
  return `pg${s.major}${s.kind === 'local' ? '-local' : ''}`
}

export async function openBackend(name: string): Promise<Backend> {
  const schemas: string[] = []
  const schema = (): string => {
    const s = randomName('s')
    schemas.push(s)
    return s
  }
  if (name === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'pggraph-store-'))
    const db = await openStore(`pglite:${dir}`)
    return {
      name,
      db,
      url: undefined,
      schema,
      async asRole(role) {
        return {
          query: (sql, params) =>
            db.transaction(async (tx) => {
              await tx.query(`SET LOCAL ROLE "${role}"`)
              return tx.query(sql, params)
            }),
          end: async () => {},
        } as RoleSession
      },
      async close() {
        await db.end()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  }
  const server = pgServers().find((s) => serverName(s) === name)
  if (!server) throw new Error(`no server ${name}`)
  const dbName = randomName('db')
  const admin = await connect(server.url)
  await admin.query(`CREATE DATABASE ${dbName}`)
  await admin.end()
  const url = urlWith(server.url, { database: dbName })
  const db = await openStore(url)
  return {
    name,
    db,
    url,
    schema,
    async asRole(role, password) {
      const c = new pg.Client({
        connectionString: urlWith(url, { user: role, ...(password !== undefined ? { password } : {}) }),
      })
      await c.connect()
      return c as unknown as RoleSession
    },
    async close() {
      await db.end()
      const c = await connect(server.url)
      try {
        await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(async () => {
          await c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [dbName])
          await c.query(`DROP DATABASE IF EXISTS ${dbName}`)
        })
        for (const s of schemas) {
          const { rows } = await c.query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE rolname LIKE $1`, [
            `${s}\\_%`,
          ])
          for (const r of rows) await c.query(`DROP ROLE IF EXISTS "${r.rolname}"`)
        }
      } finally {
        await c.end()
      }
    },
  }
}
