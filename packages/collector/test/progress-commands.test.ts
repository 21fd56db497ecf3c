// Progress of ANALYZE (13+), CLUSTER / VACUUM FULL (12+), COPY (14+) and base backups (13+) on
// every server, each command slowed down so that a snapshot taken from another session sees it
// mid-way; every column the server has must have a value in that row (the non-null half of
// conformance for rows that exist only while a command runs). Older servers skip the metric
// with the reason. The base backup is a BASE_BACKUP command sent over a replication connection
// from Node, throttled to MAX_RATE 32 kB/s, so every major 13-18 has one (the embedded packages
// carry no pg_basebackup, and the machine's cannot back up a newer server).
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import type { MetricDefinition, MetricRow } from '@pggraph/core'
import { connect, pgServers, withDatabase } from '../../../test/servers/index.js'
import {
  collect,
  pgStatProgressAnalyze,
  pgStatProgressBasebackup,
  pgStatProgressCluster,
  pgStatProgressCopy,
  progress,
} from '../src/index.js'
import { running } from './running.js'
import { until } from './until.js'

const embedded = pgServers().filter((s) => s.kind === 'embedded')
const byMajor = embedded.map((s) => [s.major, s] as const)

/**
 * Start a base backup of the server at `url` on a physical replication connection, with progress
 * estimates and throttled to 32 kB/s (the minimum) so it lasts minutes; `stop` cancels it. Its
 * archive is not kept: the backup arrives as CopyData messages, which pg's Query ignores, and
 * the command's result sets (start and end positions) are all pg reads. 13-14 know only the
 * older option syntax, 15+ the parenthesised one.
 */
async function baseBackup(url: string, major: number) {
  const u = new URL(url)
  const name = `pggraph_basebackup_${major}`
  u.searchParams.set('replication', 'true')
  u.searchParams.set('application_name', name)
  const c = new pg.Client({ connectionString: u.toString() })
  await c.connect()
  const done = c
    .query(
      major >= 15 ? "BASE_BACKUP (PROGRESS, CHECKPOINT 'fast', MAX_RATE 32)" : 'BASE_BACKUP PROGRESS FAST MAX_RATE 32',
    )
    .then(
      () => new Error('BASE_BACKUP ended before it was cancelled'),
      (e: unknown) => e,
    )
  // a physical replication connection runs no SQL: its pid comes from another session
  const admin = await connect(url)
  const pid = await until('the walsender of the base backup', async () => {
    const r = await admin.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE backend_type = 'walsender' AND application_name = $1",
      [name],
    )
    return r.rows[0]?.pid
  }).finally(() => admin.end())
  return {
    pid,
    async stop(db: pg.Client): Promise<void> {
      await db.query('SELECT pg_cancel_backend($1)', [pid])
      const e = await done
      await c.end()
      expect(String(e)).toMatch(/canceling statement due to user request/)
    },
  }
}

/** Columns of `d` that exist on `major` but are null in `row`, less `mayBeNull`. */
function nulls(d: MetricDefinition, row: MetricRow, major: number, mayBeNull: readonly string[] = []): string[] {
  return Object.entries(d.values)
    .filter(([c, v]) => (v.since ?? 12) <= major && !mayBeNull.includes(c) && row[c] === null)
    .map(([c]) => c)
}

// A function that sleeps when the session asks for it: an expression index over it makes
// VACUUM FULL rebuild the index slowly, a row trigger over it makes COPY FROM slow.
const SLOW = `CREATE FUNCTION slow(int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$
  BEGIN IF current_setting('pggraph.slow', true) = 'on' THEN PERFORM pg_sleep(0.01); END IF; RETURN $1; END $$`

describe.concurrent.each(byMajor)('command progress on PostgreSQL %s', (major, srv) => {
  it.runIf(major >= 13)('ANALYZE: sample blocks scanned and the share done, seen from another session', async () => {
    await withDatabase(srv, async (url) => {
      const db = await connect(url)
      try {
        // 60,000 rows (1,765 blocks): ANALYZE sleeps for the cost-based delay as it reads its
        // sample, ~90 s on 12-16 and ~30 s from 17 (its read stream sleeps once per few blocks);
        // with 20,000 rows a loaded machine's first snapshot came after the scan on 18
        await db.query(`CREATE TABLE an_t (id int, pad text) WITH (autovacuum_enabled = off);
          INSERT INTO an_t SELECT g, repeat('x', 200) FROM generate_series(1, 60000) g`)
        const analyze = await running(url, 'SET vacuum_cost_delay = 50; SET vacuum_cost_limit = 1', 'ANALYZE an_t')
        try {
          const row = await until('the analyze to sample blocks', async () => {
            const snap = await collect(db, { collectors: [progress()] })
            const r = snap.metrics.pg_stat_progress_analyze.find((x) => x.pid === String(analyze.pid))
            return r && r.phase === 'acquiring sample rows' && (r.sample_blks_scanned ?? 0) > 0 ? r : undefined
          })
          expect(row).toMatchObject({ relname: 'an_t' })
          expect(row.done_ratio).toBeGreaterThan(0)
          expect(row.done_ratio).toBeLessThan(1)
          expect(row.done_ratio).toBeCloseTo(row.sample_blks_scanned! / row.sample_blks_total!, 9)
          expect(nulls(pgStatProgressAnalyze, row, major)).toEqual([])
        } finally {
          await analyze.stop(db)
        }
      } finally {
        await db.end()
      }
    })
  })

  it('VACUUM FULL: heap tuples written and the phase, seen from another session', async () => {
    await withDatabase(srv, async (url) => {
      const db = await connect(url)
      try {
        await db.query(SLOW)
        await db.query(`CREATE TABLE cl_t (id int, pad text); INSERT INTO cl_t SELECT g, 'x' FROM generate_series(1, 1000) g;
          CREATE INDEX cl_t_slow ON cl_t (slow(id))`)
        const full = await running(url, "SET pggraph.slow = 'on'", 'VACUUM FULL cl_t')
        try {
          const row = await until('the vacuum full to rebuild the index', async () => {
            const snap = await collect(db, { collectors: [progress()] })
            const r = snap.metrics.pg_stat_progress_cluster.find((x) => x.pid === String(full.pid))
            return r && r.phase === 'rebuilding index' ? r : undefined
          })
          expect(row).toMatchObject({ relname: 'cl_t', command: 'VACUUM FULL', heap_tuples_written: 1000 })
          expect(row.heap_blks_total).toBeGreaterThan(0)
          expect(row.done_ratio).toBe(1)
          expect(nulls(pgStatProgressCluster, row, major)).toEqual([])
        } finally {
          await full.stop(db)
        }
      } finally {
        await db.end()
      }
    })
  })

  it.runIf(major >= 14)('COPY FROM a file: bytes of the file, rows done, seen from another session', async () => {
    await withDatabase(srv, async (url) => {
      const dir = mkdtempSync(join(tmpdir(), 'pggraph-copy-'))
      chmodSync(dir, 0o755)
      const file = join(dir, 'rows.csv')
      writeFileSync(file, Array.from({ length: 2000 }, (_, i) => `${i},${'y'.repeat(60)}`).join('\n') + '\n', {
        mode: 0o644,
      })
      const db = await connect(url)
      try {
        await db.query(SLOW)
        await db.query(`CREATE TABLE cp_t (id int, pad text);
          CREATE FUNCTION cp_slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM slow(NEW.id); RETURN NEW; END $$;
          CREATE TRIGGER cp_slow BEFORE INSERT ON cp_t FOR EACH ROW EXECUTE FUNCTION cp_slow()`)
        const copy = await running(url, "SET pggraph.slow = 'on'", `COPY cp_t FROM '${file}' (FORMAT csv)`)
        try {
          const row = await until('the copy to process rows', async () => {
            const snap = await collect(db, { collectors: [progress()] })
            const r = snap.metrics.pg_stat_progress_copy.find((x) => x.pid === String(copy.pid))
            return r && (r.tuples_processed ?? 0) > 0 ? r : undefined
          })
          expect(row).toMatchObject({ relname: 'cp_t', command: 'COPY FROM', type: 'FILE', tuples_excluded: 0 })
          expect(row.tuples_processed).toBeLessThan(2000)
          expect(row.bytes_total).toBeGreaterThan(2000 * 60)
          expect(row.done_ratio).toBeGreaterThan(0)
          expect(nulls(pgStatProgressCopy, row, major)).toEqual([])
        } finally {
          await copy.stop(db)
        }
      } finally {
        await db.end()
        rmSync(dir, { recursive: true, force: true })
      }
    })
  })

  it.runIf(major < 14)('metrics newer than the server are skipped with the reason', async () => {
    const db = await connect(srv.url)
    try {
      const snap = await collect(db, { collectors: [progress()] })
      const reasons = Object.fromEntries(snap.skipped.map((s) => [s.metric, s.reason]))
      expect(reasons['pg_stat_progress_copy']).toBe(`needs PostgreSQL 14 or newer (server is ${major})`)
      if (major < 13) {
        expect(reasons['pg_stat_progress_analyze']).toBe('needs PostgreSQL 13 or newer (server is 12)')
        expect(reasons['pg_stat_progress_basebackup']).toBe('needs PostgreSQL 13 or newer (server is 12)')
      }
    } finally {
      await db.end()
    }
  })

  it.runIf(major >= 13)('base backup: bytes streamed of the total, seen while BASE_BACKUP runs', async () => {
    const backup = await baseBackup(srv.url, major)
    const db = await connect(srv.url)
    try {
      const row = await until('the base backup to stream', async () => {
        const snap = await collect(db, { collectors: [progress()] })
        const r = snap.metrics.pg_stat_progress_basebackup.find((x) => x.pid === String(backup.pid))
        return r && (r.backup_streamed ?? 0) > 0 ? r : undefined
      })
      expect(row.phase).toBe('streaming database files')
      expect(row.backup_total).toBeGreaterThan(row.backup_streamed!)
      expect(row.done_ratio).toBeGreaterThan(0)
      expect(row.done_ratio).toBeLessThan(1)
      expect(nulls(pgStatProgressBasebackup, row, major)).toEqual([])
    } finally {
      await backup.stop(db)
      await db.end()
    }
  })
})
