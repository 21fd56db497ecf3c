// Helpers for tests that need real PostgreSQL: the servers started by global-setup.ts,
// and a fresh, randomly named database per test that is dropped afterwards.
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { inject } from 'vitest'
import type { CitusInfo } from './citus-cluster.js'
import type { ServerInfo } from './global-setup.js'

export type { CitusInfo, ServerInfo }

/** Every server of this run: one embedded per major version, plus the local one when reachable. */
export function pgServers(): ServerInfo[] {
  return inject('pgServers')
}

/** The Citus cluster of this run (coordinator + 2 workers), or `undefined` when Citus is not installed. */
export function citusCluster(): CitusInfo | undefined {
  const c = inject('citus')
  return 'url' in c ? c : undefined
}

/** Why the Citus tests are skipped (empty when they run): name a skipped test with it. */
export function citusSkipReason(): string {
  const c = inject('citus')
  return 'skipped' in c ? c.skipped : ''
}

/** One server to use when a test needs just one: the local PostgreSQL if present, else the newest. */
export function anyServer(): ServerInfo {
  const all = pgServers()
  const s = all.find((x) => x.kind === 'local') ?? all[all.length - 1]
  if (!s) throw new Error('no PostgreSQL server for tests')
  return s
}

/** A random lower-case name with a prefix, safe as a database, schema or role name. */
export function randomName(prefix = 't'): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`
}

/** `url` with another database (and optionally user/password). */
export function urlWith(url: string, parts: { database?: string; user?: string; password?: string }): string {
  const u = new URL(url)
  if (parts.database) u.pathname = `/${parts.database}`
  if (parts.user) u.username = parts.user
  if (parts.password !== undefined) u.password = parts.password
  return u.toString()
}

export async function connect(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  return c
}

/**
 * Create a fresh database on `server`, run `fn` with its URL, and drop it afterwards
 * (also on failure), so tests never see each other's data.
 */
export async function withDatabase<T>(server: ServerInfo, fn: (url: string, name: string) => Promise<T>): Promise<T> {
  const name = randomName('db')
  const admin = await connect(server.url)
  try {
    await admin.query(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  try {
    return await fn(urlWith(server.url, { database: name }), name)
  } finally {
    const c = await connect(server.url)
    try {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(async () => {
        await c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [name])
        await c.query(`DROP DATABASE IF EXISTS ${name}`)
      })
    } finally {
      await c.end()
    }
  }
}
