// Load: parallel writers into one store. Bridges, each its own tenant schema and prefix with its
// own writer role and login, write realistic default snapshots of a 1,000-table database
// (realistic-load.ts; encoded ahead of time, see load-generator.ts) into one PostgreSQL.
//   1. Capacity: 1, 2, 4, ... bridges write back to back for PGGRAPH_LOAD_SECONDS each:
//      snapshots/s, the latency of each ingest call (p50/p99), systems per store at 60 s.
//   2. Sustained: the rate 5,000 systems at a 60 s interval need (PGGRAPH_LOAD_RATE, default
//      5000/60 = 83.3 snapshots/s), spread over PGGRAPH_LOAD_BRIDGES bridges, for
//      PGGRAPH_LOAD_MINUTES (default 1; the goal is ≥ 10), with the hourly maintenance of each
//      system running beside (PGGRAPH_LOAD_MAINTAIN=0 turns it off): achieved rate, p99,
//      backlog.
// Run: npm run bench -- load   (or node --conditions=development --import tsx packages/store/bench/load.bench.ts)
// PGGRAPH_BENCH_URL (default postgres://postgres@127.0.0.1:5432/postgres) must be a superuser;
// the script creates and drops its own database and roles.
import { cpus, loadavg } from 'node:os'
import pg from 'pg'
import { maintainStore } from '../src/index.js'
import { BENCH_URL } from './bench-support.js'
import {
  f,
  HOUR,
  installBridges,
  lockSampler,
  MINUTE,
  paced,
  Payloads,
  PHASE_HEADER,
  phaseRow,
  quantile,
  rolesOf,
  saturate,
  type PhaseStats,
} from './load-generator.js'
import { collectRealSnapshot } from './realistic-load.js'

const env = (name: string, d: number): number => Number(process.env[name] ?? d)
const LEVELS = (process.env['PGGRAPH_LOAD_WRITERS'] ?? '1,2,4,8,16').split(',').map(Number)
const SECONDS = env('PGGRAPH_LOAD_SECONDS', 15)
const RATE = env('PGGRAPH_LOAD_RATE', 5000 / 60)
const BRIDGES = env('PGGRAPH_LOAD_BRIDGES', 16)
const MINUTES = env('PGGRAPH_LOAD_MINUTES', 1)
const MAINTAIN = process.env['PGGRAPH_LOAD_MAINTAIN'] !== '0'
const TARGET = 5000
const STEM = `load${process.pid}`
const SYSTEMS = Math.max(BRIDGES, ...LEVELS)

const base = await collectRealSnapshot(`load_src_${process.pid}`)
// Simulated minutes: each system's first one at `start`, at most one per write it makes; the
// newest must not be in the future.
const maxMinutes = Math.ceil((RATE * MINUTES * 60) / BRIDGES) + LEVELS.length * SECONDS * 100 + 120
const start = Math.floor((Date.now() - maxMinutes * MINUTE) / HOUR) * HOUR
const t = performance.now()
const payloads = await Payloads.prepare(base, 60, start)
const prepMs = performance.now() - t

const dbName = `load_${process.pid}`
const admin = new pg.Client({ connectionString: BENCH_URL })
await admin.connect()
await admin.query(`CREATE DATABASE ${dbName}`)
const u = new URL(BENCH_URL)
u.pathname = `/${dbName}`
const db = new pg.Client({ connectionString: u.toString() })
await db.connect()
let bridges: Awaited<ReturnType<typeof installBridges>> = []
let probeBridge: (typeof bridges)[number] | undefined
try {
  const { rows: v } = await db.query<{ v: string; fsync: string; sc: string; sb: string }>(
    `SELECT current_setting('server_version') AS v, current_setting('fsync') AS fsync,
            current_setting('synchronous_commit') AS sc, current_setting('shared_buffers') AS sb`,
  )
  const server = v[0]!
  console.log(
    `Store: PostgreSQL ${server.v} at ${u.host} (fsync=${server.fsync}, synchronous_commit=${server.sc}, shared_buffers=${server.sb}); ${cpus().length} cores, load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} at the start.`,
  )
  console.log(
    `Snapshots: a real collect of a 1,000-table database (${f(payloads.rows)} rows), 60 minutes evolved and encoded ahead in ${f(prepMs / 1000, 1)} s (${f(prepMs / 60, 0)} ms each, not counted).`,
  )
  const ti = performance.now()
  bridges = await installBridges(db, u.toString(), STEM, SYSTEMS + 1, payloads)
  // One more system, alone, for the maintenance probe (phase 3).
  const probe = bridges.pop()!
  probeBridge = probe
  console.log(
    `${SYSTEMS} systems installed (own schema, prefix and writer login each) in ${f((performance.now() - ti) / 1000, 1)} s.`,
  )
  // The first write of each system creates its day's partitions: not part of the measure.
  await Promise.all([...bridges, probe].map((b) => b.write()))

  // --- 1. Capacity ----------------------------------------------------------------------------
  console.log(`\nCapacity: each bridge writes its next minute as soon as the last is stored, ${SECONDS} s per level.`)
  console.log(PHASE_HEADER.join('\n'))
  const levels: PhaseStats[] = []
  for (const k of LEVELS) {
    const s = await saturate(bridges.slice(0, k), SECONDS)
    levels.push(s)
    console.log(phaseRow(s))
  }
  const best = levels.reduce((a, b) => (b.writes / b.seconds > a.writes / a.seconds ? b : a))
  const one = levels[0]!
  const cap = best.writes / best.seconds
  console.log(
    `\nCapacity ${f(cap, 1)} snapshots/s with ${best.writers} writers (${f(cap / (one.writes / one.seconds), 2)}x ${one.writers} writer${one.writers > 1 ? 's' : ''}): ${f(cap * 60)} systems of 1,000 tables at a 60 s interval, ${f((cap * 60) / TARGET, 2)}x the ${f(TARGET)} of the goal.`,
  )

  // --- 2. Sustained ---------------------------------------------------------------------------
  console.log(
    `\nSustained: ${f(RATE, 1)} snapshots/s (${f(RATE * 60)} systems at 60 s) over ${BRIDGES} bridges for ${MINUTES} min${MAINTAIN ? ', hourly maintenance (packing) of each system beside' : ', no maintenance'}.`,
  )
  const maint = new pg.Client({ connectionString: u.toString() })
  await maint.connect()
  const watch = new pg.Client({ connectionString: u.toString() })
  await watch.connect()
  const sampler = lockSampler(watch, `${STEM}\\_%writer`)
  const s = await paced(
    bridges,
    RATE,
    MINUTES * 60,
    MAINTAIN
      ? {
          db: maint,
          cancel: async () => {
            await watch.query('SELECT pg_cancel_backend($1)', [(maint as unknown as { processID: number }).processID])
          },
        }
      : undefined,
    (m, w) => console.log(`  minute ${m}: ${f(w)} snapshots (${f(w / 60, 1)}/s), load average ${f(loadavg()[0]!, 1)}`),
  )
  await maint.end()
  const waits = await sampler.stop()
  await watch.end()
  const achieved = s.writes / s.seconds
  console.log(
    '| target snapshots/s | achieved snapshots/s | achieved/target | p50 ms | p99 ms | max ms | p99 of the others ms | hour-opening writes: median ms | late p99 ms | backlog at the end | load avg |',
  )
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
  console.log(
    `| ${f(RATE, 1)} | ${f(achieved, 1)} | ${f(achieved / RATE, 2)} | ${f(quantile(s.latencies, 0.5))} | ${f(quantile(s.latencies, 0.99))} | ${f(Math.max(...s.latencies))} | ${f(quantile(s.steady, 0.99))} | ${s.hourly.length ? `${s.hourly.length}: ${f(quantile(s.hourly, 0.5))}` : '0'} | ${f(quantile(s.lateness, 0.99))} | ${f(s.backlog)} of ${f(s.due)} | ${f(s.load, 1)} |`,
  )
  if (MAINTAIN)
    console.log(
      `Maintenance: ${s.maintenance.runs} runs (one per system per simulated hour, one at a time) took ${f(s.maintenance.ms / 1000, 1)} s on its one connection and packed ${f(s.maintenance.hours)} system-hours${s.maintenance.cancelled ? '; the run still going when the writers stopped was cancelled' : ''}.`,
    )
  for (const e of s.maintenance.errors) console.log(`maintenance error: ${e}`)
  for (const [q, n] of waits) console.log(`writers seen waiting on a lock (1 s samples): ${n}, blocked by: ${q}`)
  console.log(
    s.backlog <= BRIDGES
      ? `Kept up: ${f(RATE * 60)} systems at a 60 s interval sustained for ${MINUTES} min.`
      : `Did not keep up: ${f(achieved * 60)} systems' worth written (${f((100 * achieved) / RATE)}% of the target rate); ${f(s.backlog)} snapshots behind after ${MINUTES} min.`,
  )
  // --- 3. Maintenance against ingest, one system alone -----------------------------------------
  // Its hours written back to back, then maintainStore as the hourly job runs it: the packing of
  // an hour against the ingest of that hour, in one run, nothing else writing.
  if (MAINTAIN) {
    console.log(`\nMaintenance against ingest: one system alone, an hour of snapshots, then maintainStore.`)
    console.log('| hour | ingest of the hour ms (60 writes) | maintainStore ms | hours packed | maintain / ingest |')
    console.log('| ---: | ---: | ---: | ---: | ---: |')
    for (let h = 1; h <= 2; h++) {
      let ingest = 0
      for (let i = 0; i < 60; i++) ingest += (await probe.write()).ms
      const t = performance.now()
      const r = await maintainStore(db, probe.ns)
      const ms = performance.now() - t
      console.log(`| ${h} | ${f(ingest)} | ${f(ms)} | ${r.hoursPacked} | ${f(ms / ingest, 2)} |`)
    }
  }
  const { rows: size } = await db.query<{ b: string }>(`SELECT pg_database_size(current_database())::text AS b`)
  console.log(`Database size at the end: ${f(Number(size[0]!.b) / 1e6)} MB.`)
} finally {
  await Promise.all(bridges.map((b) => b.end().catch(() => {})))
  await probeBridge?.end().catch(() => {})
  await db.end()
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`)
  for (const r of rolesOf(STEM, SYSTEMS + 1)) await admin.query(`DROP ROLE IF EXISTS "${r}"`)
  await admin.end()
}
