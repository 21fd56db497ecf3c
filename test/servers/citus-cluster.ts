// A real Citus cluster for the tests: a coordinator and two workers started from the machine's
// PostgreSQL binaries (`pg_config --bindir`), each in a temp folder on a free port, as `nobody`
// when run as root (see ./pg-server.ts). Citus is built and installed by ../shared/citus/build.sh
// (.ci/run does it); without it the Citus tests are skipped and say why.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { startServer, type RunningServer } from './pg-server.js'

/** Where the Citus tests run, or why they cannot. */
export type CitusAvailability =
  | { readonly ok: true; readonly major: number; readonly binDir: string }
  | { readonly ok: false; readonly reason: string }

/** What the tests get: the coordinator's URL of a database with Citus set up, and each node's. */
export interface CitusInfo {
  /** Superuser URL of the test database on the coordinator. */
  readonly url: string
  /** Superuser URLs of the same database on each worker. */
  readonly workerUrls: readonly string[]
  readonly major: number
}

export interface RunningCitus extends CitusInfo {
  stop(): Promise<void>
}

/** The database every Citus test uses; tests keep apart by random schema and role names. */
export const CITUS_DATABASE = 'pggraph_citus'

const BUILD_HINT = 'build and install it with ../shared/citus/build.sh (as root; .ci/run does it)'

/** Is Citus installed for the PostgreSQL of `pg_config` (PG_CONFIG, or the one on PATH)? */
export function citusAvailability(): CitusAvailability {
  if (process.env['PGGRAPH_TEST_CITUS'] === '0') return { ok: false, reason: 'PGGRAPH_TEST_CITUS=0' }
  const pgConfig = process.env['PG_CONFIG'] ?? 'pg_config'
  let binDir: string
  let libDir: string
  let version: string
  try {
    const out = (arg: string): string => execFileSync(pgConfig, [arg], { encoding: 'utf8' }).trim()
    binDir = out('--bindir')
    libDir = out('--pkglibdir')
    version = out('--version')
  } catch {
    return { ok: false, reason: `${pgConfig} is not on PATH, so the machine's PostgreSQL is unknown` }
  }
  const major = Number(/PostgreSQL (\d+)/.exec(version)?.[1])
  if (!existsSync(join(libDir, 'citus.so'))) {
    return { ok: false, reason: `Citus is not installed for PostgreSQL ${major} (${libDir}): ${BUILD_HINT}` }
  }
  if (!(major >= 15 && major <= 17)) return { ok: false, reason: `Citus 13 needs PostgreSQL 15–17, not ${major}` }
  return { ok: true, major, binDir }
}

// Workers accept the superuser from this machine without a password (the coordinator's own
// connections for DDL and shard moves) and every other role only with its SCRAM password: the
// coordinator finds the owner's and reader's in pg_dist_authinfo, as in production.
const WORKER_HBA = ['host all postgres 127.0.0.1/32 trust', 'host all all 127.0.0.1/32 scram-sha-256']

const SETTINGS: Record<string, string> = {
  shared_preload_libraries: 'citus',
  'citus.enable_schema_based_sharding': 'on',
  // Citus phones home with usage statistics by default; tests have no internet and want none.
  'citus.enable_statistics_collection': 'off',
  max_connections: '150',
  max_prepared_transactions: '150',
  shared_buffers: '64MB',
}

/** Start a coordinator and two workers and create {@link CITUS_DATABASE} with the nodes added. */
export async function startCitusCluster(availability: Extract<CitusAvailability, { ok: true }>): Promise<RunningCitus> {
  const { major, binDir } = availability
  const started = await Promise.allSettled([
    startServer(major, { binDir, settings: SETTINGS }),
    startServer(major, { binDir, settings: SETTINGS, hba: WORKER_HBA }),
    startServer(major, { binDir, settings: SETTINGS, hba: WORKER_HBA }),
  ])
  const nodes = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
  const stopAll = (): Promise<void> => Promise.all(nodes.map((n) => n.stop())).then(() => {})
  const failed = started.find((r) => r.status === 'rejected')
  if (failed) {
    await stopAll()
    throw new Error(`Could not start the Citus cluster: ${String(failed.reason)}`)
  }
  const [coordinator, ...workers] = nodes as [RunningServer, RunningServer, RunningServer]
  try {
    const urlOf = (n: RunningServer): string => n.url.replace(/\/postgres$/, `/${CITUS_DATABASE}`)
    for (const n of [...workers, coordinator]) {
      await sql(n.url, [`CREATE DATABASE ${CITUS_DATABASE}`])
      await sql(urlOf(n), ['CREATE EXTENSION citus'])
    }
    await sql(urlOf(coordinator), [
      `SELECT citus_set_coordinator_host('127.0.0.1', ${coordinator.port})`,
      ...workers.map((w) => `SELECT citus_add_node('127.0.0.1', ${w.port})`),
    ])
    return { url: urlOf(coordinator), workerUrls: workers.map(urlOf), major, stop: stopAll }
  } catch (err) {
    await stopAll()
    throw err
  }
}

async function sql(url: string, statements: readonly string[]): Promise<void> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    for (const s of statements) await c.query(s)
  } finally {
    await c.end()
  }
}
