import { randomBytes } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import pg from 'pg'
import { PggraphError, type Queryable } from '@pggraph/core'
import { connectTarget, loadConfig, runCycle, type BridgeConfig, type CycleResult } from '@pggraph/bridge'
import { installStore, openStore, type Namespace } from '@pggraph/store'
import { createViewer, storeAccessFrom, type Viewer } from '@pggraph/viewer'
import type { QuickstartOptions } from './options.js'
import { Progress, bar } from './progress.js'
import { sleep } from './sleep.js'
import { writeReport, type Report } from './report.js'
import { startEmbeddedTarget, type Target } from './target.js'
import { findPgbench, prepareWorkload, runWorkload, type WorkloadStats } from './workload.js'

/** What a quickstart run produced. */
export interface QuickstartResult {
  readonly report: Report
  readonly cycles: readonly CycleResult[]
  readonly storeUrl: string
  readonly namespace: Namespace
  /** With `serve`: the running viewer, its URL and the demo login. */
  readonly viewer?: { readonly viewer: Viewer; readonly url: string; readonly user: string; readonly password: string }
}

/** The tenant and system the quickstart stores its snapshots under. */
export const QUICKSTART_SCHEMA = 'demo'

/** Make a login role with only pg_monitor on the embedded target: the bridge never needs more. */
async function monitorUrl(adminUrl: string): Promise<string> {
  const password = randomBytes(12).toString('hex') // hex: safe inside the literal below
  const db = new pg.Client({ connectionString: adminUrl })
  await db.connect()
  try {
    await db.query(`DROP ROLE IF EXISTS pggraph_monitor`)
    await db.query(`CREATE ROLE pggraph_monitor LOGIN PASSWORD '${password}' IN ROLE pg_monitor`)
  } finally {
    await db.end()
  }
  const u = new URL(adminUrl)
  u.username = 'pggraph_monitor'
  u.password = password
  return u.toString()
}

/**
 * The whole quickstart: start (or use) a target, install the embedded store, drive a workload
 * while the bridge pushes a snapshot every interval, render the overview dashboard, and
 * optionally keep the viewer running. Everything it started is stopped by `cleanup`.
 */
export async function runQuickstart(
  options: QuickstartOptions,
  signal: AbortSignal,
  cleanup: (fn: () => Promise<void>) => void,
  progress: Progress = new Progress(),
): Promise<QuickstartResult> {
  const t0 = Date.now()
  const dataDir = resolve(options.dataDir)
  await mkdir(dataDir, { recursive: true })
  const storeUrl = `pglite:${dataDir}`

  let target: Target | undefined
  let targetUrl: string
  if (options.target) {
    targetUrl = options.target
    // Fail fast: an unreachable server is one line now, not a minute of empty graphs.
    const version = await reachTarget(targetUrl)
    progress.line(`target   ${redact(targetUrl)} (yours; read-only), PostgreSQL ${version}  ✓`)
  } else {
    progress.update('target   starting PostgreSQL from npm…', true)
    // While stopping (Ctrl-C), the server's own shutdown messages are not news.
    target = await startEmbeddedTarget((l) => {
      if (!signal.aborted) progress.line(l)
    }, cleanup)
    targetUrl = await monitorUrl(target.adminUrl)
    progress.line(`target   ${target.label}, monitored as pggraph_monitor (pg_monitor only)  ✓ ${secs(t0)}`)
  }

  const ns: Namespace = { schema: QUICKSTART_SCHEMA, prefix: options.target ? 'yours' : 'local' }
  // One store connection for the whole run: a PGlite folder can be open only once, and the
  // bridge cycles and the viewer both use it.
  const store = await openStore(storeUrl)
  cleanup(() => store.end())
  await installStore(store, ns)
  progress.line(`store    ${storeUrl}  schema ${ns.schema}, prefix ${ns.prefix}  ✓`)

  // Serving: the viewer is up (and its address printed) before the first cycle; the graphs
  // fill in as snapshots arrive.
  let served: QuickstartResult['viewer']
  if (options.serve) {
    const password = randomBytes(9).toString('base64url')
    const v = await createViewer({ store: storeAccessFrom(store), log: () => {} })
    cleanup(() => v.close())
    await v.addUser({ user: 'demo', schema: ns.schema, password })
    const url = await v.listen(options.port, '127.0.0.1')
    served = { viewer: v, url, user: 'demo', password }
    progress.line(`viewer   ${url}/s/${ns.schema}/${ns.prefix}?range=1h  login: demo / ${password}`)
    progress.line('         graphs fill in as the bridge stores snapshots; Ctrl-C stops everything')
  }

  const stopLoad = new AbortController()
  signal.addEventListener('abort', () => stopLoad.abort(), { once: true })
  cleanup(async () => {
    stopLoad.abort()
    await loadDone
  })
  const load: WorkloadStats = { transactions: 0, rollbacks: 0, engine: 'built-in' }
  let loadDone: Promise<void> = Promise.resolve()
  if (target) {
    await prepareWorkload(target.adminUrl)
    const pgbench = await findPgbench()
    loadDone = runWorkload(target.adminUrl, stopLoad.signal, load, pgbench).catch((err: unknown) => {
      if (!stopLoad.signal.aborted) progress.line(`workload stopped: ${(err as Error).message}`)
    })
    progress.line(`workload ${pgbench ? `pgbench (${pgbench}) + ` : ''}app clients, a long transaction, rollbacks`)
  }

  const config = loadConfig({
    flags: {
      target_url: targetUrl,
      store_url: storeUrl,
      schema: ns.schema,
      prefix: ns.prefix,
      spool_dir: join(dataDir, 'spool', ns.prefix),
      interval: `${options.intervalMs}ms`,
    },
    env: {},
  })
  const runStart = Date.now()
  const cycles: CycleResult[] = []
  const total = Math.floor(options.durationMs / options.intervalMs) + 1
  for (let i = 0; i < total && !signal.aborted; i++) {
    const tick = runStart + i * options.intervalMs
    await sleep(tick - Date.now(), signal)
    if (signal.aborted) break
    const r = await runCycle(config, { signal, store })
    // A cycle cut short by Ctrl-C is not a failure to report.
    if (signal.aborted) break
    cycles.push(r)
    const stored = cycles.reduce((n, c) => n + c.written.length, 0)
    const status = r.ok ? 'ok' : (r.reason ?? 'failed')
    progress.update(
      `bridge   ${bar((i + 1) / total)} ${i + 1}/${total} cycles, ${stored} snapshots stored, last: ${status}`,
      i === 0 || i + 1 === total || !r.ok,
    )
  }
  if (signal.aborted) throw new Error('interrupted')
  const stored = cycles.reduce((n, c) => n + c.written.length, 0)
  progress.line(
    `bridge   ${cycles.length} cycles, ${stored} snapshots stored${target ? `, workload ran ${load.transactions} statements and ${load.rollbacks} rollbacks` : ''}`,
  )
  if (stored === 0) {
    const last = cycles.findLast((c) => !c.ok)?.reason ?? 'no cycle ran'
    throw new PggraphError('CONNECT', `No snapshot was stored, so there is nothing to graph: ${last}`)
  }

  const report = await writeReport(
    store,
    ns,
    { from: runStart - options.intervalMs, to: Date.now() },
    options.outDir,
    `pggraph quickstart: ${ns.schema}.${ns.prefix}`,
  )
  progress.line(`graphs   ${report.files.length} SVGs (${report.withData} with data) → ${report.indexFile}`)

  if (!served) {
    stopLoad.abort()
    await loadDone
    return { report, cycles, storeUrl, namespace: ns }
  }
  // Serving: the workload and the bridge keep going, so the graphs stay live until Ctrl-C.
  const bridgeDone = keepCycling(config, store, options.intervalMs, signal)
  cleanup(() => bridgeDone)
  progress.line('         the workload and the bridge keep running; Ctrl-C stops everything')
  return { report, cycles, storeUrl, namespace: ns, viewer: served }
}

/**
 * Connect to the user's server once and read its version; an unreachable or refusing server
 * is a `PggraphError('CONNECT')` with what to check, before anything else starts.
 */
async function reachTarget(url: string): Promise<string> {
  let db
  try {
    db = await connectTarget(url, { connectTimeoutMs: 10_000 })
    const r = await db.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)
    return r.rows[0]?.v ?? '?'
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err)
    throw new PggraphError(
      'CONNECT',
      `${msg.replace(/\.$/, '')}. Check the --target URL (host, port, database, user, password) and that the server lets this machine in (pg_hba.conf); nothing was started.`,
      { cause: err },
    )
  } finally {
    await db?.end().catch(() => {})
  }
}

/** Run a bridge cycle every interval until `signal` aborts (the live part of `--serve`). */
async function keepCycling(
  config: BridgeConfig,
  store: Queryable,
  intervalMs: number,
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    await sleep(intervalMs - (Date.now() % intervalMs), signal)
    if (signal.aborted) break
    await runCycle(config, { signal, store })
  }
}

function secs(since: number): string {
  return `(${((Date.now() - since) / 1000).toFixed(1)} s)`
}

function redact(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return url
  }
}
