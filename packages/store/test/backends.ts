// The stores every integration test runs against: PGlite in a temp folder, a fresh database
// on each real PostgreSQL server of the run (embedded majors + the local server), and the Citus
// cluster's coordinator (schema-based sharding: each tenant schema on one worker) when Citus is
// installed.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Queryable } from '@pggraph/core'
import pg from 'pg'
import {
  citusCluster,
  connect,
  pgServers,
  randomName,
  urlWith,
  type CitusInfo,
  type ServerInfo,
} from '../../../test/servers/index.js'
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

/** Backend names for describe.each: `pglite`, `pg12`, ..., `pg15-local`, and `citus` when installed. */
export function backendNames(): string[] {
  return ['pglite', ...pgServers().map(serverName), ...(citusCluster() ? ['citus'] : [])]
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
  if (name === 'citus') {
    const citus = citusCluster()
    if (!citus) throw new Error('no Citus cluster in this run')
    return openCitusBackend(citus, schema, schemas)
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
    asRole: (role, password) => loginAs(url, role, password),
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

async function loginAs(url: string, role: string, password: string | undefined): Promise<RoleSession> {
  const c = new pg.Client({
    connectionString: urlWith(url, { user: role, ...(password !== undefined ? { password } : {}) }),
  })
  await c.connect()
  return c as unknown as RoleSession
}

/**
 * The Citus coordinator's one test database, shared by every test (the workers' roles and
 * metadata are per cluster, so a database per test would re-sync roles under running tests):
 * tests keep apart by their random schemas, whose roles close() drops.
 */
async function openCitusBackend(citus: CitusInfo, schema: () => string, schemas: string[]): Promise<Backend> {
  const db = await openStore(citus.url)
  return {
    name: 'citus',
    db,
    url: citus.url,
    schema,
    asRole: (role, password) => loginAs(citus.url, role, password),
    async close() {
      await db.end()
      const c = await connect(citus.url)
      try {
        for (const s of schemas) {
          await c.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`)
          const { rows } = await c.query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE rolname LIKE $1`, [
            `${s}\\_%`,
          ])
          for (const r of rows) {
            await c.query(`DROP OWNED BY "${r.rolname}" CASCADE`)
            await c.query(`DELETE FROM pg_dist_authinfo WHERE rolename = $1`, [r.rolname])
            await c.query(`DROP ROLE IF EXISTS "${r.rolname}"`)
          }
        }
      } finally {
        await c.end()
      }
    },
  }
}
