// The stores every integration test runs against: PGlite in a temp folder, a fresh database
// on each real PostgreSQL server of the run (embedded majors + the local server), and the Citus
// cluster's coordinator (schema-based sharding: each tenant schema on one worker) when Citus is
// installed. Each is a StoreTestBackend of @pggraph/store/testing.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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
import { PGLITE_CAPABILITIES } from '../src/drivers/pglite.js'
import { POSTGRES_CAPABILITIES } from '../src/drivers/postgres.js'
import { openStore } from '../src/index.js'
import type { RoleSession, StoreTestBackend, StoreTestTarget } from '../src/testing.js'
import { openTarget, type OpenedStore } from '../src/testing/backend.js'

export type { RoleSession }

/** The embedded store: a fresh PGlite folder per group of tests. */
export const pgliteBackend: StoreTestBackend = {
  name: 'pglite',
  capabilities: PGLITE_CAPABILITIES,
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'pggraph-store-'))
    const db = await openStore(`pglite:${dir}`)
    return {
      db,
      async close() {
        await db.end()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  },
}

/** Every PostgreSQL server of the run (`pg12`, ..., `pg15-local`) and `citus` when installed. */
export function serverBackends(): StoreTestBackend[] {
  const citus = citusCluster()
  return [
    ...pgServers().map(serverBackend),
    ...(citus ? [{ name: 'citus', capabilities: POSTGRES_CAPABILITIES, open: () => openCitus(citus) }] : []),
  ]
}

/** Backend names for describe.each: `pglite`, `pg12`, ..., `pg15-local`, and `citus` when installed. */
export function backendNames(): string[] {
  return [pgliteBackend, ...serverBackends()].map((b) => b.name)
}

/**
 * Whether backend `name` runs the tests that send tens of megabytes (10 million rows, a million
 * resets, a 64 MB payload): PGlite, the oldest and the newest PostgreSQL of the run, and Citus.
 * The ingest function that refuses them is the same SQL on every major, so the majors between
 * and the local server would only repeat the same refusal, at 10-50 s a test under load.
 */
export function runsBulkTests(name: string): boolean {
  const majors = pgServers()
    .filter((s) => s.kind === 'embedded')
    .map((s) => s.major)
  const edges = majors.length ? [Math.min(...majors), Math.max(...majors)] : []
  return name === 'pglite' || name === 'citus' || edges.some((m) => name === `pg${m}`)
}

/** A fresh store with the suite's defaults, and the URL of its database (servers only). */
export interface Backend extends OpenedStore {
  readonly url: string | undefined
}

/** What a server backend opens: the suite's target plus the URL of the fresh database. */
interface ServerTarget extends StoreTestTarget {
  readonly url?: string
}

/** A fresh store of `backend` (or of the backend called so: `pglite`, `pg15-local`, `citus`). */
export async function openBackend(which: string | StoreTestBackend): Promise<Backend> {
  const backend = typeof which === 'string' ? [pgliteBackend, ...serverBackends()].find((b) => b.name === which) : which
  if (!backend) throw new Error(`no store backend ${String(which)}`)
  const target: ServerTarget = await backend.open()
  return { ...(await openTarget({ ...backend, open: async () => target })), url: target.url }
}

function serverBackend(server: ServerInfo): StoreTestBackend {
  return {
    name: `pg${server.major}${server.kind === 'local' ? '-local' : ''}`,
    capabilities: POSTGRES_CAPABILITIES,
    async open(): Promise<ServerTarget> {
      const schemas = new Schemas()
      const dbName = randomName('db')
      const admin = await connect(server.url)
      await admin.query(`CREATE DATABASE ${dbName}`)
      await admin.end()
      const url = urlWith(server.url, { database: dbName })
      const db = await openStore(url)
      return {
        db,
        url,
        schema: () => schemas.next(),
        asRole: (role, password) => loginAs(url, role, password),
        async close() {
          await db.end()
          const c = await connect(server.url)
          try {
            await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(async () => {
              await c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [dbName])
              await c.query(`DROP DATABASE IF EXISTS ${dbName}`)
            })
            for (const s of schemas.made) {
              const { rows } = await c.query<{ rolname: string }>(
                `SELECT rolname FROM pg_roles WHERE rolname LIKE $1`,
                [`${s}\\_%`],
              )
              for (const r of rows) await c.query(`DROP ROLE IF EXISTS "${r.rolname}"`)
            }
          } finally {
            await c.end()
          }
        },
      }
    },
  }
}

/** Random schema names, remembered so that close() drops their roles (which outlive a database). */
class Schemas {
  readonly made: string[] = []
  next(): string {
    const s = randomName('s')
    this.made.push(s)
    return s
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
async function openCitus(citus: CitusInfo): Promise<ServerTarget> {
  const schemas = new Schemas()
  const db = await openStore(citus.url)
  return {
    db,
    url: citus.url,
    schema: () => schemas.next(),
    asRole: (role, password) => loginAs(citus.url, role, password),
    async close() {
      await db.end()
      const c = await connect(citus.url)
      try {
        for (const s of schemas.made) {
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
