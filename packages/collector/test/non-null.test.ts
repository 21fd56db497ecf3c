// The other half of the conformance suite: on every major, every column that exists there is
// non-null in at least one row where the server has the data, so a statistic that silently
// turns null (a renamed column read under its old name, a wrong version range) fails here.
// MAY_BE_NULL is the expectation table: the columns that are legitimately null on a test server,
// each with why, and on which majors.
import { describe, expect, it } from 'vitest'
import { connect, pgServers, withDatabase } from '../../../test/servers/index.js'
import { bloat, builtinMetrics, collect, defaultCollectors } from '../src/index.js'
import { until } from './until.js'

const embedded = pgServers().filter((s) => s.kind === 'embedded')

const ALL = [12, 13, 14, 15, 16, 17, 18]
const upTo = (m: number) => ALL.filter((x) => x <= m)

/** metric → column → the majors where it may be null on the test servers, and why. */
const MAY_BE_NULL: Readonly<Record<string, Readonly<Record<string, { majors: readonly number[]; why: string }>>>> = {
  pg_stat_archiver: {
    last_archived_time: { majors: ALL, why: 'archive_mode is off on the test servers' },
    last_failed_time: { majors: ALL, why: 'archive_mode is off on the test servers' },
  },
  pg_wal_dir: {
    archive_ready_age: {
      majors: ALL,
      why: 'archive_mode is off on the test servers: no segment waits (wal-dir.test.ts has one)',
    },
  },
  pg_stat_user_tables: {
    last_autovacuum: { majors: ALL, why: 'autovacuum has not visited the fresh test table' },
    last_autoanalyze: { majors: ALL, why: 'autovacuum has not visited the fresh test table' },
  },
  pg_stat_database: {
    checksum_failures: { majors: upTo(17), why: 'data checksums are off (initdb default before 18)' },
    checksum_last_failure: { majors: ALL, why: 'no checksum failure ever happened' },
  },
}

describe.each(embedded.map((s) => [s.major, s] as const))('non-null columns on PostgreSQL %s', (major, srv) => {
  it('every column that exists on this major has a value in some row (MAY_BE_NULL lists the exceptions)', async () => {
    await withDatabase(srv, async (url) => {
      const db = await connect(url)
      try {
        await db.query(
          'CREATE EXTENSION IF NOT EXISTS pg_stat_statements; CREATE EXTENSION IF NOT EXISTS pg_buffercache',
        )
        // the workload on its own connection, ended so its statistics are sent
        const w = await connect(url)
        await w.query(`CREATE TABLE nn_t (id int PRIMARY KEY, v text);
          INSERT INTO nn_t SELECT g, g::text FROM generate_series(1, 1000) g;
          UPDATE nn_t SET v = 'x' WHERE id < 10; DELETE FROM nn_t WHERE id > 990; ANALYZE nn_t;
          CREATE FUNCTION nn_f(int) RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN $1 + 1; END $$;
          CREATE SEQUENCE nn_s MAXVALUE 10; SELECT nextval('nn_s')`)
        // an invalid index, left by a failed CREATE UNIQUE INDEX CONCURRENTLY
        await w.query('CREATE UNIQUE INDEX CONCURRENTLY nn_bad ON nn_t ((id % 2))').catch(() => undefined)
        await w.query('VACUUM nn_t')
        await w.query(`SET track_functions = 'all'; SELECT nn_f(2);
          SET enable_indexscan = off; SET enable_bitmapscan = off; SELECT count(*) FROM nn_t;
          RESET ALL; SET enable_seqscan = off; SELECT v FROM nn_t WHERE id = 5`)
        await w.end()
        await until('the workload to reach the statistics', async () => {
          const r = await db.query<{ n: string }>(
            "SELECT idx_scan AS n FROM pg_stat_user_tables WHERE relname = 'nn_t' AND seq_scan > 0 AND idx_scan > 0",
          )
          return r.rows.length ? true : undefined
        })
        // an open transaction holding a row lock, and a query waiting for it: the activity and
        // lock-wait ages have something to measure
        const open = await connect(url)
        const waiter = await connect(url)
        await open.query('BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT v FROM nn_t WHERE id = 1 FOR UPDATE')
        const waited = waiter.query("UPDATE nn_t SET v = 'y' WHERE id = 1")
        await until('the update to wait', async () => {
          const r = await db.query(
            "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
          )
          return r.rows.length ? true : undefined
        })
        await new Promise((r) => setTimeout(r, 50))
        // the opt-in bloat() and pg_buffercache's view (its functions exist from 16) are checked too
        const collectors = [...defaultCollectors({ buffercache: { scanView: true } }), bloat()] as const
        const snap = await collect(db, { collectors }).finally(async () => {
          await open.end()
          await waited.catch(() => undefined)
          await waiter.end()
        })
        const problems: string[] = []
        for (const d of builtinMetrics) {
          const rows = snap.metrics[d.name as keyof typeof snap.metrics] as readonly Record<string, unknown>[]
          if (!rows?.length) continue
          for (const [col, c] of Object.entries(d.values)) {
            if (c.since !== undefined && c.since > major) continue
            if (c.until !== undefined && major >= c.until) continue // removed on this major: null (conformance checks it)
            if (MAY_BE_NULL[d.name]?.[col]?.majors.includes(major)) continue
            if (rows.every((r) => r[col] === null)) problems.push(`${d.name}.${col}`)
          }
        }
        expect(problems, `PostgreSQL ${major}`).toEqual([])
        // the workload made rows for these, so their columns were checked above (the progress
        // views' rows exist only mid-command: test/progress-commands.test.ts checks them there)
        expect(snap.metrics.pg_sequence_usage.map((r) => r.sequencename)).toContain('nn_s')
        expect(snap.metrics.pg_invalid_indexes.map((r) => r.indexrelname)).toEqual(['nn_bad'])
        expect(snap.metrics.pg_table_bloat.map((r) => r.relname)).toContain('nn_t')
        expect(snap.metrics.pg_index_bloat.map((r) => r.indexrelname)).toContain('nn_t_pkey')
        expect(snap.metrics.pg_buffercache_summary).toHaveLength(1)
        expect(snap.metrics.pg_buffercache_usage_counts).toHaveLength(6)
      } finally {
        await db.end()
      }
    })
  })
})
