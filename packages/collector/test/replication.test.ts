// Replication metrics with a real streaming standby (PostgreSQL 15: the embedded binaries plus
// the machine's pg_basebackup 15) and a real logical slot: rows exist and carry real positions,
// the standby's replay delay moves when its replay is paused while the primary writes, and its
// recovery prefetch counters move as it replays.
import { execFileSync, spawn } from 'node:child_process'
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from '../../../test/servers/index.js'
import { startServer, type RunningServer } from '../../../test/servers/pg-server.js'
import { collect, defaultCollectors, replication, server, standby as standbyReplay } from '../src/index.js'
import { until } from './until.js'

const asRoot = process.getuid?.() === 0
const NOBODY = 65534

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
    })
    let err = ''
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}: ${err}`))))
  })
}

describe('replication metrics with a streaming standby and a logical slot (PostgreSQL 15)', () => {
  let primary: RunningServer
  let standby: RunningServer
  let base: string
  beforeAll(async () => {
    primary = await startServer(15)
    const c = await connect(primary.url)
    await c.query("SELECT pg_create_physical_replication_slot('pggraph_standby', true)")
    await c.end()
    base = mkdtempSync(join(tmpdir(), 'pggraph-standby-'))
    chmodSync(base, 0o755)
    if (asRoot) chownSync(base, NOBODY, NOBODY)
    const pgBasebackup = join(execFileSync('pg_config', ['--bindir']).toString().trim(), 'pg_basebackup')
    const dataDir = join(base, 'data')
    await run(pgBasebackup, [
      '-h',
      '127.0.0.1',
      '-p',
      String(primary.port),
      '-U',
      'postgres',
      '-D',
      dataDir,
      '-R',
      '-X',
      'stream',
      '-S',
      'pggraph_standby',
    ])
    standby = await startServer(15, { dataDir, settings: { hot_standby: 'on', cluster_name: 'pggraph_replica' } })
  })
  afterAll(async () => {
    await standby?.stop()
    await primary?.stop()
    if (base) rmSync(base, { recursive: true, force: true })
  })

  it('sees the standby from the primary and the primary from the standby', async () => {
    const p = await connect(primary.url)
    await until('streaming', async () => {
      const r = await p.query("SELECT 1 FROM pg_stat_replication WHERE state = 'streaming' AND replay_lsn IS NOT NULL")
      return r.rows.length ? true : undefined
    })
    await p.query('CREATE TABLE repl_t AS SELECT g FROM generate_series(1, 10000) g')
    const onPrimary = await collect(p, { collectors: [server(), replication()] })
    await p.end()
    const sender = onPrimary.metrics.pg_stat_replication
    expect(sender).toHaveLength(1)
    expect(sender[0]).toMatchObject({ application_name: 'pggraph_replica', client_addr: '127.0.0.1', is_sync: 0 })
    for (const col of ['sent_lag_bytes', 'write_lag_bytes', 'flush_lag_bytes', 'replay_lag_bytes'] as const) {
      expect(sender[0]![col]).toBeGreaterThanOrEqual(0)
    }
    const slot = onPrimary.metrics.pg_replication_slots.find((s) => s.slot_name === 'pggraph_standby')
    expect(slot).toMatchObject({ slot_type: 'physical', database: '', active: 1, wal_lost: 0 })
    expect(slot!.retained_bytes).toBeGreaterThanOrEqual(0)

    const s = await connect(standby.url)
    const onStandby = await collect(s, { collectors: defaultCollectors() })
    const receiver = await until('the standby to replay repl_t', async () => {
      const snap = await collect(s, { collectors: [replication()] })
      const r = snap.metrics.pg_stat_wal_receiver[0]
      return r && r.replay_lag_bytes === 0 && (r.flushed_lsn ?? 0) > 0 ? r : undefined
    })
    await s.end()
    expect(onStandby.server.inRecovery).toBe(true)
    expect(onStandby.server.systemIdentifier).toBe(onPrimary.server.systemIdentifier)
    expect(onStandby.metrics.pg_server[0]).toMatchObject({ in_recovery: 1 })
    expect(onStandby.metrics.pg_server[0]!.wal_lsn).toBeGreaterThan(0)
    for (const sk of onStandby.skipped) expect(sk.reason).not.toMatch(/query failed/)
    expect(receiver).toMatchObject({
      streaming: 1,
      received_tli: 1,
      slot_name: 'pggraph_standby',
      sender_host: '127.0.0.1',
    })
    expect(receiver.last_msg_receipt_age).toBeGreaterThanOrEqual(0)
  })

  it("measures the standby's replay delay: 0 when caught up, growing while replay is paused", async () => {
    const p = await connect(primary.url)
    const s = await connect(standby.url)
    const replay = async () => {
      const snap = await collect(s, { collectors: [standbyReplay()] })
      expect(snap.skipped).toEqual([])
      return snap.metrics.pg_standby_replay
    }
    try {
      const onPrimary = await collect(p, { collectors: [standbyReplay()] })
      expect(onPrimary.metrics.pg_standby_replay).toEqual([]) // a primary has no row
      expect(onPrimary.skipped).toEqual([])
      await p.query('SET synchronous_commit = on; CREATE TABLE delay_t (x int); INSERT INTO delay_t VALUES (1)')
      const caughtUp = await until('the standby to replay delay_t', async () => {
        const [r] = await replay()
        return r && r.replay_distance_bytes === 0 && r.last_replay_age !== null ? r : undefined
      })
      expect(caughtUp).toMatchObject({ replay_delay: 0, replay_paused: 0 })

      await s.query('SELECT pg_wal_replay_pause()')
      await p.query('INSERT INTO delay_t SELECT generate_series(1, 10000)')
      const behind = await until('WAL received but not replayed', async () => {
        const [r] = await replay()
        return r && r.replay_distance_bytes! > 0 && r.replay_paused === 1 ? r : undefined
      })
      expect(behind.replay_delay).toBeGreaterThan(0)
      await new Promise((r) => setTimeout(r, 1_000))
      const later = (await replay())[0]!
      expect(later.replay_delay! - behind.replay_delay!).toBeGreaterThanOrEqual(0.9) // it grows with the clock
      expect(later.replay_distance_bytes).toBeGreaterThanOrEqual(behind.replay_distance_bytes!)

      await s.query('SELECT pg_wal_replay_resume()')
      const resumed = await until('replay to catch up again', async () => {
        const [r] = await replay()
        return r && r.replay_distance_bytes === 0 && r.replay_paused === 0 ? r : undefined
      })
      expect(resumed.replay_delay).toBe(0)
      const n = await s.query<{ n: number }>('SELECT count(*)::int AS n FROM delay_t')
      expect(n.rows[0]!.n).toBe(10001)
    } finally {
      await s.query('SELECT pg_wal_replay_resume()').catch(() => undefined)
      await Promise.all([p.end(), s.end()])
    }
  })

  it("reads the standby's recovery prefetch (pg_stat_recovery_prefetch): it moves as WAL is replayed", async () => {
    const p = await connect(primary.url)
    const s = await connect(standby.url)
    const prefetch = async (db: typeof p) => {
      const snap = await collect(db, { collectors: [standbyReplay()] })
      expect(snap.skipped).toEqual([])
      return snap.metrics.pg_stat_recovery_prefetch
    }
    const blocks = (r: NonNullable<Awaited<ReturnType<typeof prefetch>>[number]>) =>
      r.prefetch! + r.hit! + r.skip_init! + r.skip_new! + r.skip_fpw! + r.skip_rep!
    try {
      expect(await prefetch(p)).toEqual([]) // the view exists on a primary, but has no row here
      const [before] = await prefetch(s)
      expect(before).toBeDefined()
      await p.query(`SET synchronous_commit = on; CREATE TABLE prefetch_t AS SELECT g, repeat('x', 200) AS v
        FROM generate_series(1, 20000) g; UPDATE prefetch_t SET v = 'y' WHERE g % 5 = 0`)
      const after = await until('replay to look up the blocks of prefetch_t', async () => {
        const [r] = await prefetch(s)
        return r && blocks(r) > blocks(before!) + 100 ? r : undefined
      })
      expect(after.skip_new).toBeGreaterThan(before!.skip_new!) // prefetch_t's new blocks: nothing to read ahead
      for (const col of ['wal_distance', 'block_distance', 'io_depth'] as const) {
        expect(after[col]).toBeGreaterThanOrEqual(0)
      }
    } finally {
      await Promise.all([p.end(), s.end()])
    }
  })

  it('reports a logical slot and its decoding statistics', async () => {
    const p = await connect(primary.url)
    await p.query("SELECT pg_create_logical_replication_slot('pggraph_logical', 'test_decoding')")
    try {
      // decoding reads only flushed WAL, and the test servers run with synchronous_commit off
      await p.query(
        'SET synchronous_commit = on; CREATE TABLE logical_t (x int); INSERT INTO logical_t SELECT generate_series(1, 100)',
      )
      const changes = await p.query(
        "SELECT count(*)::int AS n FROM pg_logical_slot_get_changes('pggraph_logical', NULL, NULL)",
      )
      expect(changes.rows[0]!.n).toBeGreaterThan(100)
      const stats = await until('slot statistics', async () => {
        const snap = await collect(p, { collectors: [replication()] })
        const r = snap.metrics.pg_stat_replication_slots.find((x) => x.slot_name === 'pggraph_logical')
        return r && (r.total_txns ?? 0) > 0 ? { snap, r } : undefined
      })
      expect(stats.r.total_bytes).toBeGreaterThan(0)
      const slot = stats.snap.metrics.pg_replication_slots.find((s) => s.slot_name === 'pggraph_logical')
      expect(slot).toMatchObject({ slot_type: 'logical', database: 'postgres', active: 0 })
      expect(slot!.catalog_xmin_age).toBeGreaterThanOrEqual(0)
      expect(slot!.confirmed_flush_lag_bytes).toBeGreaterThanOrEqual(0)
    } finally {
      await p.query("SELECT pg_drop_replication_slot('pggraph_logical')")
      await p.end()
    }
  })
})
