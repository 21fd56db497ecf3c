// Replication metrics with a real streaming standby and a real logical slot, on every embedded
// major (12-18, all at once): rows exist and carry real positions, the standby's replay delay
// moves when its replay is paused while the primary writes, and its recovery prefetch counters
// (15+) move as it replays. The embedded packages carry no pg_basebackup (and the machine's
// cannot back up a newer server), so each standby is made the way the PostgreSQL docs' "Making
// a Base Backup Using the Low Level API" describes: pg_backup_start / pg_start_backup in a
// session that stays open, a copy of the data folder, pg_backup_stop / pg_stop_backup's
// backup_label, then standby.signal and primary_conninfo. A physical slot created first keeps
// the WAL the standby streams from the backup's start.
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs'
import { appendFile, chown, copyFile, mkdir, readdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { MetricDefinition, MetricRow } from '@pggraph/core'
import { connect, pgServers } from '../../../test/servers/index.js'
import { startServer, type RunningServer } from '../../../test/servers/pg-server.js'
import {
  collect,
  defaultCollectors,
  pgStandbyReplay,
  pgStatRecoveryPrefetch,
  pgStatReplication,
  pgStatWalReceiver,
  replication,
  server,
  standby as standbyReplay,
} from '../src/index.js'
import { until } from './until.js'

const majors = pgServers()
  .filter((s) => s.kind === 'embedded')
  .map((s) => s.major)

const asRoot = process.getuid?.() === 0
const NOBODY = 65534

// What a base backup leaves out (the docs' list): the running server's own files, and the
// contents of the folders a server fills from scratch; pg_wal comes from streaming.
const SKIPPED_FILES = new Set(['postmaster.pid', 'postmaster.opts', 'postgresql.auto.conf.tmp', 'current_logfiles'])
const EMPTIED_FOLDERS = new Set([
  'pg_wal',
  'pg_replslot',
  'pg_dynshmem',
  'pg_notify',
  'pg_serial',
  'pg_snapshots',
  'pg_stat_tmp',
  'pg_subtrans',
])

/** Create `path` (mode 0700) owned by the user the servers run as. */
async function ownDir(path: string): Promise<void> {
  await mkdir(path, { mode: 0o700 })
  if (asRoot) await chown(path, NOBODY, NOBODY)
}

/** Write `text` to `path`, owned by the user the servers run as. */
async function ownFile(path: string, text: string): Promise<void> {
  await writeFile(path, text, { mode: 0o600 })
  if (asRoot) await chown(path, NOBODY, NOBODY)
}

/** Copy a running server's data folder as a base backup does (see the lists above). */
async function copyDataDir(from: string, to: string, top = true): Promise<void> {
  await ownDir(to)
  for (const e of await readdir(from, { withFileTypes: true })) {
    const src = join(from, e.name)
    const dst = join(to, e.name)
    if (SKIPPED_FILES.has(e.name) || e.name.startsWith('pgsql_tmp') || e.name === 'pg_internal.init') continue
    if (e.isDirectory()) {
      if (!(top && EMPTIED_FOLDERS.has(e.name))) await copyDataDir(src, dst, false)
      else await ownDir(dst)
    } else if (e.isFile()) {
      try {
        await copyFile(src, dst)
        if (asRoot) await chown(dst, NOBODY, NOBODY)
      } catch (err) {
        // a file the server removed while it was copied is not part of the backup
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
      }
    }
  }
  if (top) await ownDir(join(to, 'pg_wal', 'archive_status'))
}

/**
 * Make a streaming standby of `primary` in `dir` from a low-level (non-exclusive) base backup,
 * replicating through the physical slot `slot`, and start it.
 */
async function startStandby(primary: RunningServer, slot: string, dir: string): Promise<RunningServer> {
  const { major } = primary
  const dataDir = join(dir, 'data')
  const b = await connect(primary.url)
  try {
    await b.query(major >= 15 ? 'SELECT pg_backup_start($1, true)' : 'SELECT pg_start_backup($1, true, false)', [
      'pggraph standby',
    ])
    await copyDataDir(primary.dataDir, dataDir)
    const stop = await b.query<{ labelfile: string; spcmapfile: string | null }>(
      major >= 15
        ? 'SELECT labelfile, spcmapfile FROM pg_backup_stop(false)'
        : 'SELECT labelfile, spcmapfile FROM pg_stop_backup(false, false)',
    )
    const { labelfile, spcmapfile } = stop.rows[0]!
    await ownFile(join(dataDir, 'backup_label'), labelfile)
    if (spcmapfile) await ownFile(join(dataDir, 'tablespace_map'), spcmapfile)
  } finally {
    await b.end()
  }
  await ownFile(join(dataDir, 'standby.signal'), '')
  const conninfo = `host=127.0.0.1 port=${primary.port} user=postgres application_name=pggraph_replica`
  await appendFile(
    join(dataDir, 'postgresql.auto.conf'),
    `primary_conninfo = '${conninfo}'\nprimary_slot_name = '${slot}'\n`,
  )
  return startServer(major, { dataDir, settings: { hot_standby: 'on', cluster_name: 'pggraph_replica' } })
}

/** Columns of `d` that exist on `major` but are null in `row`, less `mayBeNull`. */
function nulls(d: MetricDefinition, row: MetricRow, major: number, mayBeNull: readonly string[] = []): string[] {
  return Object.entries(d.values)
    .filter(([c, v]) => (v.since ?? 12) <= major && !mayBeNull.includes(c) && row[c] === null)
    .map(([c]) => c)
}

describe.concurrent.each(majors)(
  'replication metrics with a streaming standby and a logical slot (PostgreSQL %s)',
  (major) => {
    let primary: RunningServer
    let standby: RunningServer
    let base: string
    beforeAll(async () => {
      primary = await startServer(major)
      const c = await connect(primary.url)
      await c.query("SELECT pg_create_physical_replication_slot('pggraph_standby', true)")
      await c.end()
      base = mkdtempSync(join(tmpdir(), `pggraph-standby${major}-`))
      chmodSync(base, 0o755)
      if (asRoot) chownSync(base, NOBODY, NOBODY)
      standby = await startStandby(primary, 'pggraph_standby', base)
    })
    afterAll(async () => {
      await standby?.stop()
      await primary?.stop()
      if (base) rmSync(base, { recursive: true, force: true })
    })

    // the standby's skipped metrics: only those newer than the server
    const standbySkips =
      major < 15 ? [`pg_stat_recovery_prefetch: needs PostgreSQL 15 or newer (server is ${major})`] : []

    it.sequential('sees the standby from the primary and the primary from the standby', async () => {
      const p = await connect(primary.url)
      await until('streaming', async () => {
        const r = await p.query(
          "SELECT 1 FROM pg_stat_replication WHERE state = 'streaming' AND replay_lsn IS NOT NULL",
        )
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
      // lag times are null once an idle standby has caught up; backend_xmin without hot_standby_feedback
      expect(
        nulls(pgStatReplication, sender[0]!, major, ['write_lag', 'flush_lag', 'replay_lag', 'backend_xmin_age']),
      ).toEqual([])
      const slot = onPrimary.metrics.pg_replication_slots.find((s) => s.slot_name === 'pggraph_standby')
      expect(slot).toMatchObject({ slot_type: 'physical', database: '', active: 1, wal_lost: major >= 13 ? 0 : null })
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
      expect(nulls(pgStatWalReceiver, receiver, major)).toEqual([])
    })

    it.sequential("measures the standby's replay delay: 0 when caught up, growing while replay is paused", async () => {
      const p = await connect(primary.url)
      const s = await connect(standby.url)
      const replay = async () => {
        const snap = await collect(s, { collectors: [standbyReplay()] })
        expect(snap.skipped.map((k) => `${k.metric}: ${k.reason}`)).toEqual(standbySkips)
        return snap.metrics.pg_standby_replay
      }
      try {
        const onPrimary = await collect(p, { collectors: [standbyReplay()] })
        expect(onPrimary.metrics.pg_standby_replay).toEqual([]) // a primary has no row
        expect(onPrimary.skipped.map((k) => `${k.metric}: ${k.reason}`)).toEqual(standbySkips)
        await p.query('SET synchronous_commit = on; CREATE TABLE delay_t (x int); INSERT INTO delay_t VALUES (1)')
        const caughtUp = await until('the standby to replay delay_t', async () => {
          const [r] = await replay()
          return r && r.replay_distance_bytes === 0 && r.last_replay_age !== null ? r : undefined
        })
        expect(caughtUp).toMatchObject({ replay_delay: 0, replay_paused: 0 })
        expect(nulls(pgStandbyReplay, caughtUp, major)).toEqual([])

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

    const prefetchName =
      major >= 15
        ? "reads the standby's recovery prefetch (pg_stat_recovery_prefetch): it moves as WAL is replayed"
        : `recovery prefetch: skipped, pg_stat_recovery_prefetch is new in 15 (server is ${major})`
    it.runIf(major >= 15).sequential(prefetchName, async () => {
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
        expect(nulls(pgStatRecoveryPrefetch, after, major)).toEqual([])
      } finally {
        await Promise.all([p.end(), s.end()])
      }
    })

    it.sequential('reports a logical slot and its decoding statistics (14+)', async () => {
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
          return major < 14 || (r && (r.total_txns ?? 0) > 0) ? { snap, r } : undefined
        })
        if (major >= 14) expect(stats.r!.total_bytes).toBeGreaterThan(0)
        else
          expect(stats.snap.skipped.map((k) => `${k.metric}: ${k.reason}`)).toEqual([
            `pg_stat_replication_slots: needs PostgreSQL 14 or newer (server is ${major})`,
          ])
        const slot = stats.snap.metrics.pg_replication_slots.find((s) => s.slot_name === 'pggraph_logical')
        expect(slot).toMatchObject({ slot_type: 'logical', database: 'postgres', active: 0 })
        expect(slot!.catalog_xmin_age).toBeGreaterThanOrEqual(0)
        expect(slot!.confirmed_flush_lag_bytes).toBeGreaterThanOrEqual(0)
      } finally {
        await p.query("SELECT pg_drop_replication_slot('pggraph_logical')")
        await p.end()
      }
    })
  },
)
