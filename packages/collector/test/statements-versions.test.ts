// pg_stat_statements is read correctly whatever version of the extension is installed (it may lag
// the server after pg_upgrade): known versions by their columns, any other through jsonb.
import type pg from 'pg'
import { describe, expect, it } from 'vitest'
import { connect, pgServers, withDatabase } from '../../../test/servers/index.js'
import { collect, pgStatStatements, statements } from '../src/index.js'
import { plan } from '../src/plan.js'
import { probe } from '../src/probe.js'

const embedded = pgServers().filter((s) => s.kind === 'embedded') // they preload pg_stat_statements
const byMajor = embedded.map((s) => [s.major, s] as const)
const minor = (v: string) => Number(v.split('.')[1])

const below19 = (v: string) => minor(v) < 9

async function checkVersion(db: pg.Client, v: string, major: number): Promise<void> {
  await db.query('DROP EXTENSION IF EXISTS pg_stat_statements')
  await db.query(`CREATE EXTENSION pg_stat_statements VERSION '${v}'`)
  // the marker's queryid is the same for every version (aliases are not part of it): reset first
  await db.query('SELECT pg_stat_statements_reset()')
  const resetAt = Date.now()
  const marker = `marker_${v.replace('.', '_')}`
  await db.query(`SELECT 1 AS ${marker}`)
  // a parallel plan, for the parallel worker counters of 1.12
  await db.query(`SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;
    SET min_parallel_table_scan_size = 0; SELECT count(*) FROM stmt_par_t; RESET ALL`)

  await db.query('BEGIN')
  const chosen = plan([pgStatStatements], await probe(db, 5000, 1000))
  await db.query('ROLLBACK')
  expect(chosen.skipped, v).toEqual([])
  expect(chosen.run[0]!.sql.includes('to_jsonb'), `version ${v} read through jsonb`).toBe(v === '1.4')

  const snap = await collect(db, { collectors: [statements({ queryText: true })] })
  // BEGIN, probe, one combined statement, COMMIT: a metric the extension version lacks is planned
  // out, never tried and retried one by one
  expect(snap.stats.roundTrips, `${v} round trips`).toBe(4)
  expect(
    snap.skipped.filter((s) => s.metric === 'pg_stat_statements'),
    v,
  ).toEqual([])
  const info = snap.skipped.filter((s) => s.metric === 'pg_stat_statements_info').map((s) => s.reason)
  if (major < 14) expect(info, v).toEqual([`needs PostgreSQL 14 or newer (server is ${major})`])
  else if (below19(v))
    expect(info, v).toEqual([
      `extension pg_stat_statements is version ${v}, older than 1.9 (ALTER EXTENSION pg_stat_statements UPDATE)`,
    ])
  else {
    expect(info, v).toEqual([])
    expect(snap.metrics.pg_stat_statements_info.length, v).toBe(1)
  }
  const row = snap.metrics.pg_stat_statements.find((r) => r.query.includes(marker))
  expect(row, v).toBeDefined()
  expect(row!.calls, v).toBe(1)
  expect(row!.rows, v).toBe(1)
  expect(row!.total_exec_time, v).toBeGreaterThanOrEqual(0)
  expect(row!.shared_blk_read_time, v).not.toBeNull()
  expect(row!.total_plan_time === null, `${v} plan time`).toBe(minor(v) < 8)
  expect(row!.wal_bytes === null, `${v} wal`).toBe(minor(v) < 8)
  expect(row!.temp_blk_read_time === null, `${v} temp time`).toBe(minor(v) < 10)
  expect(row!.local_blk_read_time === null, `${v} local time`).toBe(minor(v) < 11)
  expect(row!.plans === null, `${v} plans`).toBe(minor(v) < 8)
  expect(row!.jit_functions === null, `${v} jit`).toBe(minor(v) < 10)
  expect(row!.jit_emission_time === null, `${v} jit time`).toBe(minor(v) < 10)
  expect(row!.jit_deform_count === null, `${v} jit deform`).toBe(minor(v) < 11)
  expect(row!.stats_since === null, `${v} stats_since`).toBe(minor(v) < 11)
  expect(row!.minmax_stats_since === null, `${v} minmax_stats_since`).toBe(minor(v) < 11)
  expect(row!.wal_buffers_full === null, `${v} wal_buffers_full`).toBe(minor(v) < 12)
  if (row!.stats_since !== null) {
    // epoch seconds, since the reset above
    expect(row!.stats_since * 1000).toBeGreaterThanOrEqual(resetAt - 1000)
    expect(row!.stats_since * 1000).toBeLessThanOrEqual(Date.parse(snap.takenAt) + 1000)
  }
  if (minor(v) >= 12) {
    const parallel = snap.metrics.pg_stat_statements.find((r) => r.query.includes('stmt_par_t'))
    expect(parallel?.parallel_workers_to_launch, v).toBeGreaterThan(0)
    expect(parallel?.parallel_workers_launched, v).toBeGreaterThanOrEqual(0)
  }
}

describe.concurrent.each(byMajor)('pg_stat_statements versions on PostgreSQL %s', (_, srv) => {
  it('collects every installable extension version with canonical columns; pg_stat_statements_info only from 1.9', async () => {
    await withDatabase(srv, async (url) => {
      const db = await connect(url)
      try {
        await db.query('CREATE TABLE stmt_par_t AS SELECT g FROM generate_series(1, 10000) g; ANALYZE stmt_par_t')
        const available = await db.query<{ version: string }>(
          "SELECT version FROM pg_available_extension_versions WHERE name = 'pg_stat_statements'",
        )
        const versions = ['1.4', '1.7', '1.8', '1.10', '1.11', '1.12'].filter((v) =>
          available.rows.some((r) => r.version === v),
        )
        expect(versions.length).toBeGreaterThanOrEqual(2)
        // 1.4, 1.7 and 1.8 (no pg_stat_statements_info) install everywhere but 12 (no 1.8)
        expect(versions).toEqual(expect.arrayContaining(srv.major >= 13 ? ['1.4', '1.7', '1.8'] : ['1.4', '1.7']))
        for (const v of versions) await checkVersion(db, v, srv.major)
      } finally {
        await db.end()
      }
    })
  })
})
