// Load through a Citus coordinator against a single node, in one run: the same pre-encoded
// realistic snapshots (load-generator.ts), the same number of parallel bridges (each its own
// tenant schema, prefix and writer login), the two stores taking turns round by round.
//   - Citus 13 (../shared/citus/build.sh): a coordinator and 2 workers started as the tests
//     start them (test/servers/citus-cluster.ts), schema-based sharding: each tenant schema on
//     one worker.
//   - Single node: one server of the same binaries and settings (citus preloaded, not created).
// All three Citus nodes and the single node run on this machine's 2 cores, fsync off (the test
// servers' settings): the ratio is the cost of going through the coordinator, not a scale-out.
// Run: npm run bench -- load-citus   (or node --conditions=development --import tsx packages/store/bench/load-citus.bench.ts)
// PGGRAPH_LOAD_WRITERS (default 4) bridges per store, PGGRAPH_LOAD_ROUNDS (default 3) rounds of
// PGGRAPH_LOAD_SECONDS (default 15) per store.
import { cpus, loadavg } from 'node:os'
import pg from 'pg'
import { citusAvailability, startCitusCluster } from '../../../test/servers/citus-cluster.js'
import { startServer } from '../../../test/servers/pg-server.js'
import {
  f,
  HOUR,
  installBridges,
  MINUTE,
  Payloads,
  PHASE_HEADER,
  phaseRow,
  quantile,
  saturate,
  type Bridge,
  type PhaseStats,
} from './load-generator.js'
import { collectRealSnapshot } from './realistic-load.js'

const env = (name: string, d: number): number => Number(process.env[name] ?? d)
const WRITERS = env('PGGRAPH_LOAD_WRITERS', 4)
const ROUNDS = env('PGGRAPH_LOAD_ROUNDS', 3)
const SECONDS = env('PGGRAPH_LOAD_SECONDS', 15)

const availability = citusAvailability()
if (!availability.ok) {
  console.log(`Skipped: ${availability.reason}`)
  process.exit(0)
}
const SETTINGS = {
  shared_preload_libraries: 'citus',
  'citus.enable_schema_based_sharding': 'on',
  'citus.enable_statistics_collection': 'off',
  max_connections: '150',
  max_prepared_transactions: '150',
  shared_buffers: '64MB',
}

const base = await collectRealSnapshot(`load_src_${process.pid}`)
const maxMinutes = ROUNDS * SECONDS * 100 + 120
const start = Math.floor((Date.now() - maxMinutes * MINUTE) / HOUR) * HOUR
const payloads = await Payloads.prepare(base, 60, start)

const citus = await startCitusCluster(availability)
const single = await startServer(availability.major, { binDir: availability.binDir, settings: SETTINGS })
const open: Bridge[] = []
try {
  const stores: { name: string; url: string; bridges: Bridge[]; rounds: PhaseStats[] }[] = [
    { name: 'single node', url: single.url, bridges: [], rounds: [] },
    { name: 'Citus coordinator + 2 workers', url: citus.url, bridges: [], rounds: [] },
  ]
  for (const s of stores) {
    const db = new pg.Client({ connectionString: s.url })
    await db.connect()
    try {
      s.bridges = await installBridges(db, s.url, 'load', WRITERS, payloads)
      open.push(...s.bridges)
      if (s.url === citus.url) {
        const { rows } = await db.query<{ port: number; schemas: number }>(
          `SELECT s.nodeport AS port, count(DISTINCT n.nspname)::int AS schemas
             FROM citus_shards s JOIN pg_class c ON c.oid = s.table_name JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname LIKE 'load\\_%' GROUP BY 1 ORDER BY 1`,
        )
        console.log(
          `Citus placement: ${rows.map((r) => `${r.schemas} tenant schemas on the worker at port ${r.port}`).join(', ')}.`,
        )
      }
    } finally {
      await db.end()
    }
    await Promise.all(s.bridges.map((b) => b.write())) // the day's partitions (shards on Citus)
  }
  console.log(
    `PostgreSQL ${availability.major} (${availability.binDir}), ${cpus().length} cores, fsync off; ${WRITERS} bridges per store, ${f(payloads.rows)} rows per snapshot; load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} at the start.`,
  )
  console.log(`\n| store | round | ${PHASE_HEADER[0]!.slice(2)}`)
  console.log(`| --- | ---: | ${PHASE_HEADER[1]!.slice(2)}`)
  for (let r = 1; r <= ROUNDS; r++) {
    for (const s of stores) {
      const p = await saturate(s.bridges, SECONDS)
      s.rounds.push(p)
      console.log(`| ${s.name} | ${r} ${phaseRow(p)}`)
    }
  }
  const rate = (p: PhaseStats) => p.writes / p.seconds
  const [one, dist] = stores as [(typeof stores)[0], (typeof stores)[0]]
  const ratios = one.rounds.map((p, i) => rate(dist.rounds[i]!) / rate(p))
  const all = (s: typeof one) => s.rounds.flatMap((p) => p.latencies)
  const total = (s: typeof one) =>
    s.rounds.reduce((a, p) => a + p.writes, 0) / s.rounds.reduce((a, p) => a + p.seconds, 0)
  console.log(
    `\nCitus / single node: ${f(total(dist) / total(one), 2)}x the snapshots/s (rounds: ${ratios.map((x) => f(x, 2)).join(', ')}); p50 ${f(quantile(all(dist), 0.5))} vs ${f(quantile(all(one), 0.5))} ms, p99 ${f(quantile(all(dist), 0.99))} vs ${f(quantile(all(one), 0.99))} ms.`,
  )
} finally {
  await Promise.all(open.map((b) => b.end().catch(() => {})))
  await Promise.all([citus.stop(), single.stop()])
}
