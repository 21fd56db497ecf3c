// Vitest global setup: start one real PostgreSQL server of every supported major version in
// parallel, once for the whole run, and hand their URLs to the tests (see ./index.ts).
// PGGRAPH_TEST_MAJORS=15,18 limits the set while developing; the default is all of them.
import type { TestProject } from 'vitest/node'
import { citusAvailability, startCitusCluster, type CitusInfo, type RunningCitus } from './citus-cluster.js'
import { startServer, type RunningServer } from './pg-server.js'

export interface ServerInfo {
  readonly major: number
  readonly url: string
  /** `embedded` (started by the tests) or `local` (the machine's server at 127.0.0.1:5432). */
  readonly kind: 'embedded' | 'local'
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgServers: ServerInfo[]
    /** The Citus cluster (coordinator + 2 workers), or why there is none. */
    citus: CitusInfo | { readonly skipped: string }
  }
}

const ALL = [12, 13, 14, 15, 16, 17, 18]
const LOCAL_URL = process.env['PGGRAPH_LOCAL_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres'

async function localServer(): Promise<ServerInfo | undefined> {
  const { default: pg } = await import('pg')
  const c = new pg.Client({ connectionString: LOCAL_URL, connectionTimeoutMillis: 3000 })
  try {
    await c.connect()
    const r = await c.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")
    return { major: Math.floor(Number(r.rows[0]!.v) / 10000), url: LOCAL_URL, kind: 'local' }
  } catch {
    return undefined
  } finally {
    await c.end().catch(() => {})
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const majors = (process.env['PGGRAPH_TEST_MAJORS'] ?? ALL.join(','))
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => ALL.includes(n))
  const started = Date.now()
  const citusWanted = citusAvailability()
  const [citusStart, ...results] = await Promise.allSettled([
    citusWanted.ok ? startCitusCluster(citusWanted) : Promise.resolve(undefined),
    ...majors.map((m) => startServer(m)),
  ])
  const running: RunningServer[] = []
  const errors: string[] = []
  for (const r of results) {
    if (r.status === 'fulfilled') running.push(r.value as RunningServer)
    else errors.push(String(r.reason))
  }
  const citus: RunningCitus | undefined = citusStart.status === 'fulfilled' ? citusStart.value : undefined
  // Citus is installed but does not start: a broken setup, not a reason to skip its tests.
  if (citusStart.status === 'rejected') errors.push(String(citusStart.reason))
  if (errors.length) {
    await Promise.all([...running.map((s) => s.stop()), citus?.stop()])
    throw new Error(`Could not start the test PostgreSQL servers:\n${errors.join('\n')}`)
  }
  const local = process.env['PGGRAPH_TEST_NO_LOCAL'] ? undefined : await localServer()
  const servers: ServerInfo[] = running.map((s) => ({ major: s.major, url: s.url, kind: 'embedded' as const }))
  if (local) servers.push(local)
  project.provide('pgServers', servers)
  project.provide(
    'citus',
    citus
      ? { url: citus.url, workerUrls: citus.workerUrls, major: citus.major }
      : { skipped: citusWanted.ok ? '' : citusWanted.reason },
  )
  console.log(
    `[pggraph tests] PostgreSQL ${servers.map((s) => `${s.major}${s.kind === 'local' ? ' (local)' : ''}`).join(', ')}${citus ? `, Citus (PostgreSQL ${citus.major}, coordinator + 2 workers)` : ''} ready in ${Date.now() - started} ms`,
  )
  if (!citusWanted.ok) console.log(`[pggraph tests] Citus tests skipped: ${citusWanted.reason}`)
  return async () => {
    await Promise.all([...running.map((s) => s.stop()), citus?.stop()])
  }
}
