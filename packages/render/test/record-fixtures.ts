// Records the visual regression suite's fixtures (test/fixtures/*.json) from real PostgreSQL:
// an embedded PostgreSQL 18 under a real workload, collected by @pggraph/collector every 3 s
// into a real PGlite store, with every case of #15 made to happen for real —
//   - categories missing from some snapshots: a SHARE ROW EXCLUSIVE lock held for a few
//     snapshots only, a session waiting on a row lock (wait event "Lock", a blocked session)
//     for a few others, an "idle in transaction" session only during the long transaction;
//   - a gap: the collector does not run for 90 s while the workload goes on (a stopped bridge);
//   - two restarts close together: the server is stopped and started twice, ~10 s apart
//     (each restart also resets pg_stat_io, one reset per row);
//   - a long transaction: one session holds a transaction open for ~45 s;
//   - a cache-hit ratio near 100%: thousands of index lookups per round on a hot table and a
//     few page reads of a table larger than shared_buffers;
//   - a sequence near its end: an int sequence with MAXVALUE 100000 started at 88000, 150 nextval()
//     per round (it ends near 99%, below its maximum);
//   - an invalid index: a CREATE UNIQUE INDEX CONCURRENTLY that fails on duplicates, left in place;
//   - a command in progress: an ANALYZE slowed by the cost-based delay (50 ms a page) runs across
//     a few snapshots (pg_stat_progress_analyze), and so does a slowed VACUUM of a table with
//     thousands of dead rows (pg_stat_progress_vacuum: its dead items grow);
//   - a streaming standby (a copy of the primary, see record-standby.ts), collected too: its
//     replay is paused for a few snapshots while the primary writes (replay delay and WAL not yet
//     replayed grow, and so does its replay lag seen from the primary); it reconnects after each
//     restart of the primary (a new walsender of the same name);
//   - xids and multixacts burned (a procedure committing 1,500 transactions a round, two sessions
//     sharing row locks on 110 rows a round; 4,000 and 1,600 in phase 2) against the lowest freeze
//     limits PostgreSQL accepts (autovacuum_freeze_max_age 100000,
//     autovacuum_multixact_freeze_max_age 10000), so ages reach them in phase 2 and autovacuum's
//     anti-wraparound vacuums bring them down, for real;
//   - a failing archive_command and a WAL switch every sixth round: segments wait in pg_wal;
//   - pg_buffercache installed (the shared buffers graphs), and pgstattuple with the opt-in bloat
//     collector (the bloat graphs; the slowed VACUUM's table is 90% dead rows until it runs).
// Timestamps are the real ones: nothing is shifted. Each catalog graph's data is then read back
// with loadGraphData(readSeries) (from the standby's snapshots for the graphs of a standby) and saved as test/fixtures/<graph>.json, with what happened
// when in test/fixtures/recording.json. Series that change nothing in the picture are trimmed
// (see trim below) and points are stored as [t, v] pairs. A logical-replication subscriber (a second embedded
// server) gives pg_stat_replication its rows. The embedded binaries have no LLVM, so the JIT
// graph records real zeros.
//
// Run by hand (about 6 minutes), then regenerate the goldens and review the diff:
//   npx tsx packages/render/test/record-fixtures.ts
//   UPDATE_GOLDEN=1 npx vitest run packages/render/test/regression.test.ts
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { bloat, collect, defaultCollectors } from '@pggraph/collector'
import { installStore, openStore, readSeries, writeSnapshot } from '@pggraph/store'
import { startServer, type RunningServer } from '../../../test/servers/pg-server.js'
import { graphCatalog, graphNames, loadGraphData, renderGraph, type GraphData, type GraphName } from '../src/index.js'
import { packFixture, RECORDED_SIZE } from './recorded.js'
import { copyAsStandby, shutDown, startStandby } from './record-standby.js'

const MAJOR = 18
const STEP = 3_000
const GAP_MS = 90_000
/** Metrics only a standby has rows of: their graphs are recorded from the standby's snapshots. */
const STANDBY_METRICS: ReadonlySet<string> = new Set([
  'pg_standby_replay',
  'pg_stat_wal_receiver',
  'pg_stat_recovery_prefetch',
])
const onStandby = (name: GraphName): boolean => graphCatalog[name].queries.every((q) => STANDBY_METRICS.has(q.metric))
const out = new URL('./fixtures/', import.meta.url)
/**
 * The graph's data without the series that change nothing: a series with no non-zero reading is
 * dropped only when the graph renders byte for byte the same without it (the pg_stat_io rows of
 * an object a backend type never touches, summed into its line).
 */
async function trim(name: GraphName, data: GraphData): Promise<GraphData> {
  const want = await renderGraph(name, data, RECORDED_SIZE)
  let cur = data
  for (let q = 0; q < data.sets.length; q++) {
    for (const s of data.sets[q]!.series) {
      if (s.points.some((p) => p.v !== null && p.v !== 0)) continue
      const next: GraphData = {
        ...cur,
        sets: cur.sets.map((set, i) => (i === q ? { ...set, series: set.series.filter((x) => x !== s) } : set)),
      }
      if ((await renderGraph(name, next, RECORDED_SIZE)) === want) cur = next
    }
  }
  return cur
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
const log = (msg: string): void => console.log(`${new Date().toISOString().slice(11, 19)} ${msg}`)

async function client(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url })
  c.on('error', () => undefined) // a session the restart ends
  await c.connect()
  return c
}

async function main(): Promise<void> {
  const settings = {
    track_io_timing: 'on',
    wal_retrieve_retry_interval: '1s',
    max_wal_senders: '10',
    max_replication_slots: '10',
    // The lowest freeze limits PostgreSQL accepts, so the burned xids and multixacts reach them.
    autovacuum_freeze_max_age: '100000',
    autovacuum_multixact_freeze_max_age: '10000',
    autovacuum_naptime: '5s',
    // Archiving that fails: completed segments wait in pg_wal (.ready in archive_status).
    archive_mode: 'on',
    archive_command: 'false',
  }
  const first = await startServer(MAJOR, { settings })
  let server = first
  let standby: RunningServer | undefined
  let subscriber: RunningServer | undefined
  const storeDir = mkdtempSync(join(tmpdir(), 'pggraph-record-'))
  const store = await openStore(`pglite:${storeDir}`)
  const ns = { schema: 'recorded', prefix: 'pg18' }
  const standbyNs = { schema: 'recorded', prefix: 'pg18_standby' }
  const sessions: pg.Client[] = []
  try {
    await installStore(store, ns)
    await installStore(store, standbyNs)
    const setup = await client(server.url)
    await setup.query(`CREATE EXTENSION pg_stat_statements`)
    await setup.query(`CREATE EXTENSION pg_buffercache`)
    await setup.query(`CREATE EXTENSION pgstattuple`)
    await setup.query(`CREATE TABLE orders (id bigserial PRIMARY KEY, customer int, amount int)`)
    await setup.query(`CREATE INDEX orders_customer_unused ON orders (customer)`)
    await setup.query(`INSERT INTO orders (customer, amount) SELECT g % 50, g FROM generate_series(1, 20000) g`)
    await setup.query(`CREATE TABLE waits (id int PRIMARY KEY); INSERT INTO waits VALUES (1)`)
    await setup.query(`CREATE TABLE side (id int)`)
    // Larger than shared_buffers (32MB): a few of its pages are read from outside the cache each round.
    await setup.query(`CREATE TABLE cold (id int, pad text)`)
    await setup.query(`INSERT INTO cold SELECT g, repeat('x', 200) FROM generate_series(1, 200000) g`)
    await setup.query(`CREATE SEQUENCE ticket_no AS int MAXVALUE 100000 START 88000`)
    // ~260 pages: the slowed ANALYZE reads them in ~13 s
    await setup.query(`CREATE TABLE analyzed (id int, pad text) WITH (autovacuum_enabled = off)`)
    await setup.query(`INSERT INTO analyzed SELECT g, repeat('y', 200) FROM generate_series(1, 9000) g`)
    // ~120 pages, 9 rows in 10 dead: the slowed VACUUM collects ~3,600 dead items in ~12 s, then frees them
    await setup.query(`CREATE TABLE vacuumed (id int PRIMARY KEY, pad text) WITH (autovacuum_enabled = off)`)
    await setup.query(`INSERT INTO vacuumed SELECT g, repeat('z', 200) FROM generate_series(1, 4000) g`)
    // Rows two sessions lock together each round: one new multixact per row (each row is locked by
    // another transaction of share_rows(); one transaction for all would reuse one multixact).
    await setup.query(
      `CREATE TABLE shared_rows (id int PRIMARY KEY); INSERT INTO shared_rows SELECT generate_series(1, 2000)`,
    )
    await setup.query(
      `CREATE PROCEDURE burn_xids(n int) LANGUAGE plpgsql AS $$ BEGIN FOR i IN 1..n LOOP PERFORM pg_current_xact_id(); COMMIT; END LOOP; END $$`,
    )
    await setup.query(
      `CREATE PROCEDURE share_rows(n int) LANGUAGE plpgsql AS $$ BEGIN FOR i IN 1..n LOOP PERFORM 1 FROM shared_rows WHERE id = i FOR SHARE; COMMIT; END LOOP; END $$`,
    )
    await setup.query(`SELECT pg_create_physical_replication_slot('retained', true)`)
    await setup.query(`SELECT pg_create_physical_replication_slot('standby', true)`)
    await setup.query(`CREATE PUBLICATION pub FOR TABLE orders`)
    // Frozen now, so the anti-wraparound vacuums later skip its pages instead of reading them all.
    await setup.query(`VACUUM (FREEZE, ANALYZE) cold`)
    await setup.query(`VACUUM ANALYZE`)
    // after the VACUUM above: the dead rows wait for the slowed VACUUM of phase 1
    await setup.query(`DELETE FROM vacuumed WHERE id % 10 <> 0`)
    const coldPages = Number(
      (await setup.query(`SELECT relpages FROM pg_class WHERE relname = 'cold'`)).rows[0].relpages,
    )
    await setup.end()
    log('standby')
    await shutDown(first.dataDir)
    const copy = copyAsStandby(first.dataDir)
    server = await startServer(MAJOR, { settings, dataDir: first.dataDir, port: first.port })
    standby = await startStandby(MAJOR, copy, server, 'standby', settings)
    const watch = await client(server.url)
    while ((await watch.query(`SELECT 1 FROM pg_stat_replication WHERE state = 'streaming'`)).rows.length === 0)
      await sleep(200)
    await watch.end()
    subscriber = await startServer(MAJOR)
    const sub = await client(subscriber.url)
    await sub.query(`CREATE TABLE orders (id bigint PRIMARY KEY, customer int, amount int)`)
    await sub.query(
      `CREATE SUBSCRIPTION sub CONNECTION 'host=127.0.0.1 port=${server.port} dbname=postgres user=postgres' PUBLICATION pub`,
    )
    await sub.end()

    const recording = {
      server: `PostgreSQL ${MAJOR} (embedded)`,
      stepMs: STEP,
      snapshots: [] as number[],
      lockHeld: [] as number[],
      lockWait: [] as number[],
      invalidIndexFrom: 0,
      analyze: { from: 0, to: 0 },
      vacuum: { from: 0, to: 0 },
      replayPaused: { from: 0, to: 0 },
      longTransaction: { from: 0, to: 0 },
      gap: { from: 0, to: 0 },
      restarts: [] as number[],
      statsReset: 0,
      standby: {
        graphs: graphNames().filter(onStandby),
        snapshots: [] as number[],
        gap: { from: 0, to: 0 },
        restarts: [] as number[],
      },
    }
    const replica = await client(standby.url)
    let db = await client(server.url)
    let round = 0
    // Slow before phase 2, fast in it: the multixact age reaches its limit a few snapshots into
    // phase 2 (its aggressive vacuums freeze xids too), the xid age some snapshots later.
    const burn = { xids: 1500, multixacts: 110 }
    const workload = async (): Promise<void> => {
      const w = await client(server.url)
      const w2 = await client(server.url)
      try {
        await w.query(`CALL burn_xids(${burn.xids})`)
        // Both sessions share a lock on each row: a new multixact per row.
        await w.query(`BEGIN`)
        await w.query(`SELECT count(*) FROM (SELECT id FROM shared_rows WHERE id <= $1 FOR SHARE) r`, [burn.multixacts])
        await w2.query(`CALL share_rows(${burn.multixacts})`)
        await w.query(`COMMIT`)
        await w.query(`INSERT INTO orders (customer, amount) SELECT g % 50, g FROM generate_series(1, 300) g`)
        await w.query(`UPDATE orders SET amount = amount + 1 WHERE id % 17 = ${round % 17}`)
        await w.query(`DELETE FROM orders WHERE id % 31 = ${round % 31} AND id > 20000`)
        // 400 index lookups in one statement (not 400 round trips: the round stays near its 3 s on a busy machine)
        await w.query(`SELECT amount FROM orders WHERE id = ANY($1::bigint[])`, [
          Array.from({ length: 400 }, (_, i) => 1 + ((i * 37) % 20000)),
        ])
        for (let i = 0; i < 4; i++)
          await w.query(`SELECT pad FROM cold WHERE ctid = $1::tid`, [`(${(round * 7919 + i * 104729) % coldPages},1)`])
        await w.query(`SELECT count(*) FROM orders WHERE amount > $1`, [round])
        await w.query(`SELECT nextval('ticket_no') FROM generate_series(1, 150)`)
        if (round % 4 === 0)
          await w.query(`SET work_mem = '64kB'; SELECT * FROM orders ORDER BY amount DESC OFFSET 1000000`)
        if (round % 6 === 0) await w.query(`SELECT pg_switch_wal(); CHECKPOINT`)
        // The session's statistics are flushed before its next ReadyForQuery, not at some point after
        // it disconnects: a snapshot right after the round (just after pg_stat_reset()) sees its reads
        // and hits together instead of a handful of reads without the hits (a false 96% hit ratio).
        await w.query(`SELECT pg_stat_force_next_flush()`)
        await w2.query(`SELECT pg_stat_force_next_flush()`)
      } finally {
        await w.end()
        await w2.end()
      }
    }
    const snap = async (): Promise<void> => {
      const [s, r] = await Promise.all([
        // with the opt-in bloat collector (measured by pgstattuple_approx)
        collect(db, { collectors: [...defaultCollectors(), bloat()] }),
        collect(replica, { collectors: defaultCollectors() }),
      ])
      await writeSnapshot(store, ns, s)
      await writeSnapshot(store, standbyNs, r)
      recording.snapshots.push(Date.parse(s.takenAt))
      recording.standby.snapshots.push(Date.parse(r.takenAt))
    }
    let next = Date.now()
    const tick = async (collectIt = true): Promise<void> => {
      await workload()
      next += STEP
      await sleep(Math.max(0, next - Date.now()))
      if (collectIt) await snap()
      round++
    }

    // Phase 1: 20 snapshots with a long transaction, a lock mode held for a while, a lock wait.
    log('phase 1')
    const longTx = await client(server.url)
    const holder = await client(server.url)
    const locker = await client(server.url)
    const waiter = await client(server.url)
    const analyzer = await client(server.url)
    const vacuumer = await client(server.url)
    sessions.push(longTx, holder, locker, waiter, analyzer, vacuumer)
    let waiting: Promise<unknown> | undefined
    let analyzing: Promise<unknown> | undefined
    let vacuuming: Promise<unknown> | undefined
    for (let i = 0; i < 20; i++) {
      if (i === 3) {
        // fails on the duplicate customers and leaves the index behind, invalid
        await db
          .query(`CREATE UNIQUE INDEX CONCURRENTLY orders_customer_unique ON orders (customer)`)
          .then(() => Promise.reject(new Error('CREATE UNIQUE INDEX CONCURRENTLY did not fail')))
          .catch((err: unknown) => {
            if (err instanceof Error && err.message.includes('did not fail')) throw err
          })
        recording.invalidIndexFrom = Date.now()
      }
      if (i === 6) {
        await analyzer.query(`SET vacuum_cost_delay = 50; SET vacuum_cost_limit = 1; SET statement_timeout = '60s'`)
        recording.analyze.from = Date.now()
        analyzing = analyzer.query(`ANALYZE analyzed`).then(() => {
          recording.analyze.to = Date.now()
        })
      }
      if (i === 8) {
        // ~21 cost units a page (a hit and a dirtied page) against a limit of 10: ~100 ms a page
        await vacuumer.query(`SET vacuum_cost_delay = 50; SET vacuum_cost_limit = 10; SET statement_timeout = '60s'`)
        recording.vacuum.from = Date.now()
        vacuuming = vacuumer.query(`VACUUM vacuumed`).then(() => {
          recording.vacuum.to = Date.now()
        })
      }
      if (i === 9) {
        await replica.query(`SELECT pg_wal_replay_pause()`)
        recording.replayPaused.from = Date.now()
      }
      if (i === 14) {
        await replica.query(`SELECT pg_wal_replay_resume()`)
        recording.replayPaused.to = Date.now()
      }
      if (i === 19) await Promise.all([analyzing, vacuuming])
      if (i === 2) {
        await longTx.query(`BEGIN; SELECT txid_current()`)
        recording.longTransaction.from = Date.now()
      }
      if (i === 17) {
        await longTx.query(`COMMIT`)
        recording.longTransaction.to = Date.now()
      }
      if (i === 5) await holder.query(`BEGIN; LOCK TABLE side IN SHARE ROW EXCLUSIVE MODE`)
      if (i === 9) await holder.query(`COMMIT`)
      if (i === 11) {
        await locker.query(`BEGIN; SELECT id FROM waits WHERE id = 1 FOR UPDATE`)
        waiting = waiter.query(`UPDATE waits SET id = id WHERE id = 1`)
      }
      if (i === 14) {
        await locker.query(`COMMIT`)
        await waiting
      }
      if (i === 18) {
        await db.query(`SELECT pg_stat_reset()`)
        recording.statsReset = Date.now()
      }
      await tick()
      if (i >= 5 && i < 9) recording.lockHeld.push(recording.snapshots.at(-1)!)
      if (i >= 11 && i < 14) recording.lockWait.push(recording.snapshots.at(-1)!)
    }
    // The gap: the workload goes on, nothing is collected (a bridge that did not run).
    log('gap')
    recording.gap.from = recording.snapshots.at(-1)!
    recording.standby.gap.from = recording.standby.snapshots.at(-1)!
    for (let i = 0; i < GAP_MS / STEP; i++) await tick(false)
    // Phase 2: 8 snapshots, a restart, 3 snapshots, another restart, 10 snapshots.
    log('phase 2')
    Object.assign(burn, { xids: 4000, multixacts: 1600 })
    for (let i = 0; i < 8; i++) await tick()
    recording.gap.to = recording.snapshots[recording.snapshots.length - 8]!
    recording.standby.gap.to = recording.standby.snapshots[recording.standby.snapshots.length - 8]!
    for (const after of [3, 10]) {
      await Promise.all(sessions.splice(0).map((s) => s.end().catch(() => undefined)))
      await db.end().catch(() => undefined)
      log('restart')
      await shutDown(first.dataDir)
      await server.stop()
      server = await startServer(MAJOR, { settings, dataDir: first.dataDir, port: first.port })
      db = await client(server.url)
      recording.restarts.push(
        Date.parse((await db.query(`SELECT pg_postmaster_start_time() AS t`)).rows[0].t.toISOString()),
      )
      next = Date.now()
      for (let i = 0; i < after; i++) await tick()
    }
    await db.end()
    await replica.end()

    const from = Math.min(recording.snapshots[0]!, recording.standby.snapshots[0]!) - STEP
    const to = Math.max(recording.snapshots.at(-1)!, recording.standby.snapshots.at(-1)!) + STEP
    mkdirSync(out, { recursive: true })
    let bytes = 0
    for (const name of graphNames()) {
      const of = onStandby(name) ? standbyNs : ns
      const data = await loadGraphData(name, (q) => readSeries(store, of, q), { from, to, serverVersion: MAJOR })
      const text = `${JSON.stringify(packFixture(await trim(name, data)))}\n`
      bytes += text.length
      writeFileSync(new URL(`${name}.json`, out), text)
    }
    writeFileSync(new URL('recording.json', out), `${JSON.stringify({ ...recording, from, to }, null, 2)}\n`)
    log(`${recording.snapshots.length} snapshots, ${graphNames().length} fixtures, ${bytes} bytes`)
  } finally {
    await Promise.all(sessions.map((s) => s.end().catch(() => undefined)))
    await store.end()
    rmSync(storeDir, { recursive: true, force: true })
    await subscriber?.stop()
    await standby?.stop()
    if (server !== first) await server.stop()
    await first.stop()
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err))
  process.exitCode = 1
})
