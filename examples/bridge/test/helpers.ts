// Shared pieces of the bridge's fault tests: a built CLI to spawn, private PostgreSQL servers
// that keep their data across stop/start, and a store installed per test.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { installStore, openStore } from '@pggraph/store'
import { binDir, freePort, startServer, type RunningServer } from '../../../test/servers/pg-server.js'
import { connect, pgServers, randomName, urlWith } from '../../../test/servers/index.js'

const here = dirname(fileURLToPath(import.meta.url))
export const bridgeDir = join(here, '..')
export const bin = join(bridgeDir, 'bin', 'pggraph-bridge.js')
const repo = join(bridgeDir, '..', '..')

function newest(dir: string): number {
  let t = 0
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, name.name)
    if (name.isDirectory()) t = Math.max(t, newest(p))
    else if (!name.name.endsWith('.test.ts')) t = Math.max(t, statSync(p).mtimeMs)
  }
  return t
}

/** Build dist/pggraph-bridge.mjs (the shipped single file) when any source it bundles is newer; one builder at a time across test files. */
export async function ensureBuilt(): Promise<void> {
  const cli = join(repo, 'dist', 'pggraph-bridge.mjs')
  const stale = (): boolean => {
    if (!existsSync(cli)) return true
    const sources = [
      join(bridgeDir, 'src'),
      join(bridgeDir, 'scripts'), // the loader in front of the program (scripts/loader.mjs)
      ...['core', 'collector', 'store'].map((p) => join(repo, 'packages', p, 'src')),
    ]
    return Math.max(...sources.map(newest)) > statSync(cli).mtimeMs
  }
  if (!stale()) return
  await withBuildLock(120_000, () => {
    if (!stale()) return
    build(process.execPath, [join(repo, 'node_modules', 'tsup', 'dist', 'cli-default.js')])
  })
}

/** The shipped artefacts at the repository's root, as `npm run build:bridge` makes them. */
export const shipped = {
  file: join(repo, 'dist', 'pggraph-bridge.mjs'),
  executable: join(repo, 'dist', 'pggraph-bridge-linux-x64'),
  deb: join(
    repo,
    'dist',
    `pggraph-bridge_${(JSON.parse(readFileSync(join(bridgeDir, 'package.json'), 'utf8')) as { version: string }).version}_amd64.deb`,
  ),
}

/**
 * Build the single executable and the .deb (scripts/build-executable.mjs, build-deb.mjs) unless
 * they are up to date: each script skips its work when its inputs have not changed, so a test
 * run builds them once, whichever test file comes first.
 */
export async function ensureShipped(): Promise<void> {
  await ensureBuilt()
  await withBuildLock(600_000, () => {
    build(process.execPath, [join(bridgeDir, 'scripts', 'build-executable.mjs')])
    build(process.execPath, [join(bridgeDir, 'scripts', 'build-deb.mjs')])
  })
}

function build(command: string, args: string[]): void {
  const r = spawnSync(command, args, { cwd: bridgeDir, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`building the bridge failed (${args.join(' ')}):\n${r.stdout}\n${r.stderr}`)
}

/** Run `fn` holding the bridge's build lock (a folder), taking over a lock older than `staleMs`. */
async function withBuildLock(staleMs: number, fn: () => void): Promise<void> {
  const lockDir = join(bridgeDir, '.build-lock')
  for (;;) {
    try {
      mkdirSync(lockDir)
      break
    } catch {
      const age = Date.now() - (statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs ?? Date.now())
      if (age > staleMs) rmSync(lockDir, { recursive: true, force: true })
      await new Promise((r) => setTimeout(r, 200))
    }
  }
  try {
    fn()
  } finally {
    rmSync(lockDir, { recursive: true, force: true })
  }
}

/** What a finished CLI process printed. */
export interface CliResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** Run the built CLI to completion. */
export function runCli(
  args: readonly string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliResult> {
  return finished(startCli(args, options.env), options.timeoutMs ?? 60_000)
}

/** Start the built CLI (to kill it or signal it). Environment: a clean one without PGGRAPH_* from the caller. */
export function startCli(args: readonly string[], env: Record<string, string> = {}): ChildProcess {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('PGGRAPH_') && !k.startsWith('PG')),
  ) as Record<string, string>
  return spawn(process.execPath, [bin, ...args], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
}

/** Collect a started CLI's output until it exits. */
export function finished(child: ChildProcess, timeoutMs = 60_000): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`pggraph-bridge did not finish in ${timeoutMs} ms:\n${stdout}\n${stderr}`))
    }, timeoutMs)
    child.on('exit', (code, signal) => {
      clearTimeout(t)
      // 'exit' can come before the pipes are drained.
      setImmediate(() => resolve({ code, signal, stdout, stderr }))
    })
  })
}

const asRoot = process.getuid?.() === 0
const NOBODY = 65534

/** A temporary folder the PostgreSQL servers (run as nobody when we are root) can use. */
export function serverTempDir(prefix: string): string {
  const base = mkdtempSync(join(tmpdir(), prefix))
  chmodSync(base, 0o755)
  if (asRoot) chownSync(base, NOBODY, NOBODY)
  return base
}

/** A private server whose data survives `stop()`, so it can be started again on the same port. */
export interface RestartableServer {
  readonly url: string
  readonly port: number
  running(): boolean
  start(): Promise<void>
  stop(): Promise<void>
  /** Stop and remove the data. */
  destroy(): Promise<void>
}

/** initdb a data folder of `major` and return a server that can be stopped and started again. */
export async function restartableServer(
  major: number,
  settings: Record<string, string> = {},
): Promise<RestartableServer> {
  const base = serverTempDir(`pggraph-bridge-pg${major}-`)
  const dataDir = join(base, 'data')
  const r = spawnSync(
    join(binDir(major), 'initdb'),
    ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--locale=C'],
    {
      cwd: base,
      encoding: 'utf8',
      ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
      env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
    },
  )
  if (r.status !== 0) throw new Error(`initdb failed: ${r.stdout}${r.stderr}`)
  const port = await freePort()
  let server: RunningServer | undefined
  const self: RestartableServer = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    running: () => server !== undefined,
    async start() {
      server ??= await startServer(major, { dataDir, port, settings: { max_connections: '30', ...settings } })
    },
    async stop() {
      await server?.stop()
      server = undefined
    },
    async destroy() {
      await self.stop()
      rmSync(base, { recursive: true, force: true })
    },
  }
  await self.start()
  return self
}

/** A store installed for one schema + prefix on `serverUrl`, in a new database. */
export interface TestStore {
  readonly schema: string
  readonly prefix: string
  /** Superuser URL of the store database. */
  readonly adminUrl: string
  /** The writer role's URL, as the bridge uses it. */
  readonly writerUrl: string
  /** `time` of every stored snapshot, ISO, in order. */
  snapshotTimes(): Promise<string[]>
  /** Rows per snapshot time in one metric table whose key is (time, label): duplicates would show. */
  duplicateRows(metric: string, label: string): Promise<number>
  lastError(): Promise<string | null>
  drop(): Promise<void>
}

/** Create a database on `serverUrl`, install the store in it, and return its handles. */
export async function createStore(serverUrl: string): Promise<TestStore> {
  const database = randomName('bridge')
  const admin = await connect(serverUrl)
  await admin.query(`CREATE DATABASE ${database}`)
  await admin.end()
  const adminUrl = urlWith(serverUrl, { database })
  const schema = randomName('s')
  const prefix = 'web1'
  const password = randomName('pw')
  const db = await openStore(adminUrl, { ssl: false })
  const result = await installStore(db, { schema, prefix, writerRole: `${schema}_writer`, writerPassword: password })
  await db.end()
  const writerUrl = urlWith(adminUrl, { user: result.writerRole, password })
  const query = async <R extends object>(sql: string): Promise<R[]> => {
    const c = await connect(adminUrl)
    try {
      return (await c.query<R>(sql)).rows
    } finally {
      await c.end()
    }
  }
  return {
    schema,
    prefix,
    adminUrl,
    writerUrl,
    snapshotTimes: async () =>
      (await query<{ t: Date }>(`SELECT time AS t FROM ${schema}.${prefix}_snapshots ORDER BY received_at, time`)).map(
        (r) => r.t.toISOString(),
      ),
    duplicateRows: async (metric, label) =>
      Number(
        (
          await query<{ d: string }>(
            `SELECT count(*) - count(DISTINCT (time, ${label})) AS d FROM ${schema}.${prefix}_${metric}`,
          )
        )[0]!.d,
      ),
    lastError: async () =>
      (await query<{ e: string | null }>(`SELECT last_error AS e FROM ${schema}.sources WHERE prefix = '${prefix}'`))[0]
        ?.e ?? null,
    async drop() {
      const c = await connect(serverUrl).catch(() => undefined)
      if (!c) return
      await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => {})
      for (const role of [`${schema}_writer`, `${schema}_reader`, `${schema}_owner`])
        await c.query(`DROP ROLE IF EXISTS ${role}`).catch(() => {})
      await c.end()
    },
  }
}

/** Write a bridge config file (mode 0600) and return its path. */
export function writeConfig(
  dir: string,
  values: Record<string, string | number | boolean | readonly string[]>,
): string {
  const path = join(dir, `bridge-${randomName('c')}.toml`)
  writeFileSync(
    path,
    Object.entries(values)
      .map(([k, v]) => `${k} = ${JSON.stringify(v)}`)
      .join('\n') + '\n',
    { mode: 0o600 },
  )
  return path
}

/**
 * The in-memory io for calling the bridge's `main()` in-process: every line it writes to
 * standard output or error lands in `out`, and it sees an empty environment.
 */
export function memoryIo(): {
  out: string[]
  io: {
    out: (l: string) => void
    err: (l: string) => void
    stdin: NodeJS.ReadStream
    stdout: NodeJS.WriteStream
    env: Record<string, string>
  }
} {
  const out: string[] = []
  const push = (l: string): void => void out.push(l)
  return { out, io: { out: push, err: push, stdin: process.stdin, stdout: process.stdout, env: {} } }
}

/**
 * Write a config for a bridge that monitors this run's own server and pushes to `store` as
 * its writer over plain text (the tests' stores have no TLS), plus `extra` keys.
 */
export function writeStoreConfig(
  dir: string,
  store: TestStore,
  extra: Record<string, string | number | boolean>,
): string {
  return writeConfig(dir, {
    target_url: ownServer().url,
    store_url: store.writerUrl,
    schema: store.schema,
    prefix: store.prefix,
    insecure: true,
    ...extra,
  })
}

/** The `takenAt` of every snapshot a `run` printed as spooled, in order. */
export function spooledIn(stdout: string): string[] {
  return [...stdout.matchAll(/^spooled (\S+)/gm)].map((m) => m[1]!)
}

/**
 * A test server of this run only (embedded, started by the global setup), rather than the
 * machine's shared PostgreSQL, whose connection slots other test runs may be using up.
 */
export function ownServer(): { url: string; major: number } {
  const all = pgServers().filter((s) => s.kind === 'embedded')
  const s = all[all.length - 1] ?? pgServers()[0]
  if (!s) throw new Error('no PostgreSQL server for tests')
  return s
}

export { TcpProxy } from './tcp-proxy.js'
