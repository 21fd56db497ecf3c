import { randomBytes } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import pg from 'pg'
import { loadConfig, runCycle, type CycleResult } from '@pggraph/bridge'
import { installStore, openStore, type Namespace } from '@pggraph/store'
import { createViewer, type Viewer } from '@pggraph/viewer'
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
    progress.line(`target   ${redact(targetUrl)} (yours; read-only)`)
  } else {
    progress.update('target   starting PostgreSQL from npm…', true)
    target = await startEmbeddedTarget((l) => progress.line(l))
    const t = target
    cleanup(() => t.stop())
    targetUrl = await monitorUrl(target.adminUrl)
    progress.line(`target   ${target.label}, monitored as pggraph_monitor (pg_monitor only)  ✓ ${secs(t0)}`)
  }

  const ns: Namespace = { schema: QUICKSTART_SCHEMA, prefix: options.target ? 'yours' : 'local' }
  const store = await openStore(storeUrl)
  try {
    await installStore(store, ns)
  } finally {
    await store.end()
  }
  progress.line(`store    ${storeUrl}  schema ${ns.schema}, prefix ${ns.prefix}  ✓`)

  const stopLoad = new AbortController()
  signal.addEventListener('abort', () => stopLoad.abort(), { once: true })
  const load: WorkloadStats = { transactions: 0, rollbacks: 0, engine: 'built-in' }
  let loadDone: Promise<void> = Promise.resolve()
  if (target) {
    await prepareWorkload(target.adminUrl)
    const pgbench = await findPgbench()
    loadDone = runWorkload(target.adminUrl, stopLoad.signal, load, pgbench).catch((err: unknown) => progress.line(`workload stopped: ${(err as Error).message}`))
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
    const r = await runCycle(config, { signal })
    cycles.push(r)
    const stored = cycles.reduce((n, c) => n + c.written.length, 0)
    const status = r.ok ? 'ok' : r.reason ?? 'failed'
    progress.update(`bridge   ${bar((i + 1) / total)} ${i + 1}/${total} cycles, ${stored} snapshots stored, last: ${status}`, i === 0 || i + 1 === total || !r.ok)
  }
  stopLoad.abort()
  await loadDone
  const stored = cycles.reduce((n, c) => n + c.written.length, 0)
  progress.line(`bridge   ${cycles.length} cycles, ${stored} snapshots stored${target ? `, workload ran ${load.transactions} statements and ${load.rollbacks} rollbacks` : ''}`)
  if (signal.aborted) throw new Error('interrupted')

  const db = await openStore(storeUrl)
  let report: Report
  try {
    report = await writeReport(db, ns, { from: runStart - options.intervalMs, to: Date.now() }, options.outDir, `pggraph quickstart: ${ns.schema}.${ns.prefix}`)
  } finally {
    await db.end()
  }
  progress.line(`graphs   ${report.files.length} SVGs (${report.withData} with data) → ${report.indexFile}`)

  let viewer: QuickstartResult['viewer']
  if (options.serve) {
    // The target is no longer needed; the viewer reads the store only.
    if (target) await target.stop()
    const password = randomBytes(9).toString('base64url')
    const v = await createViewer({ store: storeUrl, log: () => {} })
    cleanup(() => v.close())
    await v.addUser({ user: 'demo', schema: ns.schema, password })
    const url = await v.listen(options.port, '127.0.0.1')
    viewer = { viewer: v, url, user: 'demo', password }
    progress.line(`viewer   ${url}  login: demo / ${password}  (Ctrl-C to stop)`)
  }
  return { report, cycles, storeUrl, namespace: ns, ...(viewer ? { viewer } : {}) }
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
