// Viewer flood benchmark (issue 10, item 9): one tenant's user floods the viewer with uncached
// graph requests (autocannon, every request a new range, so each one reads the store and
// renders) while a user of another tenant loads dashboards the way a browser does. The other
// tenant's latency (p50, p99) is measured without the flood and then during it, in one run,
// against the same viewer; /healthz is probed throughout. Run:
//   node --conditions=development --import tsx examples/viewer/bench/flood.bench.ts
// PGGRAPH_BENCH_URL (default postgres://postgres@127.0.0.1:5432/postgres) must be a superuser.
import { spawn, type ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import { graphNames } from '@pggraph/render'
import { addUser, openStoreAccess } from '../src/index.js'
import { benchDatabase, loadTenant, login, quantile, spawnViewer } from './bench-store.js'

const DAYS = 1
const PREFIX = 'sys1'
const FLOODER = 'vflood_a'
const VICTIM = 'vflood_b'
const PASSWORD = 'bench-password-1'
/** Dashboards the other tenant's user loads per phase (8 graphs each, 6 requests at a time). */
const DASHBOARDS = 12
const FLOOD_CONNECTIONS = 40
const GRAPHS = graphNames('overview')

/** A graph path over one day ending `shift` ms before `end`: a new cache key for every shift, the same work. */
function graphPath(schema: string, graph: string, end: number, shift: number): string {
  const to = end - shift
  return `/s/${schema}/${PREFIX}/graph/${graph}.svg?from=${to - DAYS * 86_400_000}&to=${to}`
}

type Autocannon = ((
  opts: Record<string, unknown>,
  done: (err: unknown, res: FloodResult) => void,
) => {
  stop(): void
}) & { track?: unknown }
interface FloodResult {
  requests: { total: number; average: number }
  statusCodeStats: Record<string, { count: number }>
  errors: number
  timeouts: number
}

// The flooding user runs in its own process: autocannon's work must not delay the other
// tenant's timings measured here. It floods until told to stop on stdin, then prints its result.
if (process.argv[2] === 'flood') {
  const [base, cookie, endText] = process.argv.slice(3) as [string, string, string]
  const end = Number(endText)
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon
  let n = 0
  const instance = autocannon(
    {
      url: base,
      connections: FLOOD_CONNECTIONS,
      duration: 600,
      headers: { cookie },
      requests: [
        {
          method: 'GET',
          setupRequest: (req: Record<string, unknown>) => {
            n++
            return { ...req, path: graphPath(FLOODER, GRAPHS[n % GRAPHS.length]!, end, 1_000_000 + n) }
          },
        },
      ],
    },
    (err, res) => {
      if (err) throw err
      process.stdout.write(JSON.stringify(res))
      process.exit(0)
    },
  )
  process.stdin.once('data', () => instance.stop())
} else {
  await main()
}

/** One user loading dashboards like a browser: 8 graphs, 6 at a time, a short pause between pages. */
async function victim(base: string, cookie: string, end: number, shift: number): Promise<number[]> {
  const times: number[] = []
  for (let d = 0; d < DASHBOARDS; d++) {
    const queue = GRAPHS.map((g) => graphPath(VICTIM, g, end, shift + d))
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        for (let p = queue.shift(); p; p = queue.shift()) {
          const t0 = performance.now()
          const r = await fetch(base + p, { headers: { cookie } })
          const body = await r.text()
          times.push(performance.now() - t0)
          if (r.status !== 200 || !body.startsWith('<svg')) throw new Error(`${p}: ${r.status} ${body.slice(0, 200)}`)
        }
      }),
    )
    await new Promise((r) => setTimeout(r, 100))
  }
  return times
}

/** Probe /healthz every 50 ms until `stop()`; resolves to the latencies. */
function probeHealth(base: string): { stop(): Promise<number[]> } {
  const times: number[] = []
  let on = true
  const loop = (async () => {
    while (on) {
      const t0 = performance.now()
      const r = await fetch(`${base}/healthz`)
      await r.text()
      if (r.status !== 200) throw new Error(`/healthz answered ${r.status}`)
      times.push(performance.now() - t0)
      await new Promise((r) => setTimeout(r, 50))
    }
  })()
  return {
    async stop() {
      on = false
      await loop
      return times
    },
  }
}

async function main(): Promise<void> {
  const db = await benchDatabase('bench_vflood', 'vflood')
  const storeUrl = db.url
  let viewer: ChildProcess | undefined
  let flood: ChildProcess | undefined
  try {
    const a = await loadTenant(storeUrl, FLOODER, PREFIX, DAYS)
    await loadTenant(storeUrl, VICTIM, PREFIX, DAYS)
    const access = await openStoreAccess(storeUrl, { poolSize: 2 })
    await addUser(access, { user: 'flooder', schema: FLOODER, password: PASSWORD })
    await addUser(access, { user: 'victim', schema: VICTIM, password: PASSWORD })
    await access.end()

    const started = await spawnViewer(storeUrl)
    viewer = started.child
    const base = started.base
    const floodCookie = await login(base, 'flooder', PASSWORD)
    const victimCookie = await login(base, 'victim', PASSWORD)
    const end = Math.floor(Date.now() / 60_000) * 60_000
    await victim(base, victimCookie, end, 900_000) // render threads, JIT and connections warm, not measured

    // Without the flood.
    let health = probeHealth(base)
    const quiet = await victim(base, victimCookie, end, 100_000)
    const quietHealth = await health.stop()

    // The same requests (new ranges, so uncached again) while the other tenant floods.
    flood = spawn(
      process.execPath,
      [...process.execArgv, import.meta.filename, 'flood', base, floodCookie, String(end)],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    )
    let out = ''
    flood.stdout!.on('data', (d: Buffer) => (out += d.toString()))
    const floodDone = new Promise<void>((ok) => flood!.once('exit', () => ok()))
    await new Promise((r) => setTimeout(r, 3000)) // the flood is at full strength
    health = probeHealth(base)
    const t0 = performance.now()
    const loud = await victim(base, victimCookie, end, 200_000)
    const floodedMs = performance.now() - t0
    const loudHealth = await health.stop()
    flood.stdin!.write('stop\n')
    await floodDone
    const result = JSON.parse(out) as FloodResult
    const codes = Object.fromEntries(Object.entries(result.statusCodeStats).map(([k, v]) => [k, v.count]))

    console.log(
      `Store: PostgreSQL ${await db.serverVersion()}; each tenant ${a.rows.toLocaleString('en-US')} metric rows (${DAYS} day x 1440 snapshots x 4 databases, 2 metrics). Viewer defaults (per user 4 running + 8 waiting, per tenant 8 + 16, total 16 + 64; tenant reads 4 of 10 connections; render threads: cores - 1).`,
    )
    console.log(
      `Flood: ${FLOOD_CONNECTIONS} connections of one user of tenant A, every request an uncached graph; ${result.requests.total.toLocaleString('en-US')} requests (${Math.round(result.requests.average)}/s): ${Object.entries(
        codes,
      )
        .map(([k, n]) => `${n.toLocaleString('en-US')} x ${k}`)
        .join(', ')}${result.errors ? `, ${result.errors} errors` : ''}.`,
    )
    console.log(
      `Other tenant: ${DASHBOARDS} dashboards x ${GRAPHS.length} uncached graphs (6 at a time), ${quiet.length} requests per phase, all 200.`,
    )
    console.log('')
    console.log('| other tenant (graphs of tenant B) | p50 | p99 | max | /healthz p99 |')
    console.log('| --- | --- | --- | --- | --- |')
    const row = (name: string, xs: number[], h: number[]): void =>
      console.log(
        `| ${name} | ${quantile(xs, 0.5).toFixed(0)} ms | ${quantile(xs, 0.99).toFixed(0)} ms | ${Math.max(...xs).toFixed(0)} ms | ${quantile(h, 0.99).toFixed(1)} ms |`,
      )
    row('without the flood', quiet, quietHealth)
    row('during the flood of tenant A', loud, loudHealth)
    const ratio = quantile(loud, 0.99) / quantile(quiet, 0.99)
    console.log(
      `| flood / no flood | ${(quantile(loud, 0.5) / quantile(quiet, 0.5)).toFixed(2)}x | ${ratio.toFixed(2)}x | | ${(quantile(loudHealth, 0.99) / quantile(quietHealth, 0.99)).toFixed(2)}x |`,
    )
    console.log(`\n(the flooded phase took ${(floodedMs / 1000).toFixed(1)} s)`)
    if (quantile(loud, 0.99) >= 1000)
      console.log(
        `\nWARNING: the other tenant's p99 during the flood is ${quantile(loud, 0.99).toFixed(0)} ms (target < 1 s).`,
      )
  } finally {
    flood?.kill('SIGTERM')
    viewer?.kill('SIGTERM')
    await new Promise((r) => setTimeout(r, 300))
    await db.drop()
  }
}
