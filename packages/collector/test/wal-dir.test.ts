// The WAL directory and the archive backlog on every major, on a server of its own whose
// archive_command always fails: each WAL switch leaves a segment waiting (.ready) that the
// collector counts, with the age of the oldest; a role without pg_monitor gets the metric
// skipped with the grant to make, never a failed query.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, pgServers, randomName, urlWith } from '../../../test/servers/index.js'
import { startServer, type RunningServer } from '../../../test/servers/pg-server.js'
import { collect, walDir } from '../src/index.js'
import { until } from './until.js'

const majors = [
  ...new Set(
    pgServers()
      .filter((s) => s.kind === 'embedded')
      .map((s) => s.major),
  ),
]

describe.concurrent.each(majors)('WAL directory and archive backlog on PostgreSQL %s', (major) => {
  let srv: RunningServer
  beforeAll(async () => {
    srv = await startServer(major, { settings: { archive_mode: 'on', archive_command: 'false' } })
  }, 60_000)
  afterAll(async () => {
    await srv?.stop()
  })

  it('counts pg_wal and the segments waiting to be archived, which grow while archiving fails', async () => {
    const db = await connect(srv.url)
    try {
      const before = (await collect(db, { collectors: [walDir()] })).metrics.pg_wal_dir
      expect(before).toHaveLength(1)
      const segment = Number(
        (await db.query<{ s: string }>("SELECT setting AS s FROM pg_settings WHERE name = 'wal_segment_size'")).rows[0]!
          .s,
      )
      expect(before[0]!.wal_dir_files).toBeGreaterThanOrEqual(1)
      expect(before[0]!.wal_dir_bytes).toBeGreaterThanOrEqual(segment)
      const ready0 = before[0]!.archive_ready_files!
      for (let i = 0; i < 3; i++) {
        await db.query(`CREATE TABLE wd_${i} (x int); INSERT INTO wd_${i} VALUES (1)`)
        await db.query('SELECT pg_switch_wal()')
      }
      const row = await until('three more segments waiting', async () => {
        const r = (await collect(db, { collectors: [walDir()] })).metrics.pg_wal_dir[0]
        return r && r.archive_ready_files! >= ready0 + 3 ? r : undefined
      })
      expect(row.archive_ready_age).toBeGreaterThanOrEqual(0)
      expect(row.wal_dir_files).toBeGreaterThanOrEqual(row.archive_ready_files!)
      const listed = await db.query<{ n: string }>(
        "SELECT count(*) AS n FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'",
      )
      expect(Number(listed.rows[0]!.n)).toBeGreaterThanOrEqual(row.archive_ready_files!)
    } finally {
      await db.end()
    }
  })

  it('is skipped with the reason for a role without pg_monitor, and read with it', async () => {
    const admin = await connect(srv.url)
    const plain = randomName('plain')
    const mon = randomName('mon')
    await admin.query(`CREATE ROLE ${plain} LOGIN; CREATE ROLE ${mon} LOGIN IN ROLE pg_monitor`)
    try {
      const p = await connect(urlWith(srv.url, { user: plain }))
      const skipped = await collect(p, { collectors: [walDir()] })
      await p.end()
      expect(skipped.metrics.pg_wal_dir).toEqual([])
      expect(skipped.skipped).toEqual([
        { metric: 'pg_wal_dir', reason: `needs pg_monitor: GRANT pg_monitor TO ${plain}` },
      ])
      const m = await connect(urlWith(srv.url, { user: mon }))
      const read = await collect(m, { collectors: [walDir()] })
      await m.end()
      expect(read.skipped).toEqual([])
      expect(read.metrics.pg_wal_dir[0]!.wal_dir_files).toBeGreaterThanOrEqual(1)
    } finally {
      await admin.query(`DROP ROLE ${plain}; DROP ROLE ${mon}`)
      await admin.end()
    }
  })
})
