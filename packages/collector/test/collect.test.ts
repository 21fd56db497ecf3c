// collect() behaviour on real servers: privileges, multiple databases, top N, user definitions,
// failing metrics, the transaction's settings, pools.
import type { Collector, MetricDefinition } from '@pggraph/core'
import { isPggraphError, parseSnapshot } from '@pggraph/core'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { anyServer, connect, pgServers, randomName, urlWith, withDatabase } from '../../../test/servers/index.js'
import { builtinMetrics, collect, defaultCollectors, indexes, server, tables } from '../src/index.js'

const servers = pgServers().map((s) => [`${s.major}${s.kind === 'local' ? ' (local)' : ''}`, s] as const)
const minOf = (d: MetricDefinition) => d.minServerVersion ?? Math.min(...d.queries.map((q) => q.since))

describe.concurrent.each(servers)('collect() on PostgreSQL %s', (_, srv) => {
  it('collects everything as a pg_monitor role, and skips exactly the privileged metrics without it', async () => {
    await withDatabase(srv, async (url) => {
      const admin = await connect(url)
      const mon = randomName('mon')
      const plain = randomName('plain')
      await admin.query(`CREATE ROLE ${mon} LOGIN IN ROLE pg_monitor; CREATE ROLE ${plain} LOGIN`)
      try {
        const version = (d: MetricDefinition) => srv.major >= minOf(d)
        const needsExtension = (d: MetricDefinition) => (d.requires ?? []).some((r) => 'extension' in r)
        const needsPrivilege = (d: MetricDefinition) => (d.requires ?? []).some((r) => 'privilege' in r)
        for (const [user, privileged] of [
          [mon, true],
          [plain, false],
        ] as const) {
          const c = await connect(urlWith(url, { user }))
          const snap = await collect(c, { collectors: defaultCollectors() })
          await c.end()
          // extensions are not installed in this database, so those metrics are skipped for that
          const expected = builtinMetrics
            .filter((d) => !version(d) || needsExtension(d) || (!privileged && needsPrivilege(d)))
            .map((d) => d.name)
            .sort()
          expect(snap.skipped.map((s) => s.metric).sort(), user).toEqual(expected)
          for (const s of snap.skipped) expect(s.reason).not.toMatch(/query failed/)
          if (!privileged) {
            const reason = snap.skipped.find((s) => s.metric === 'pg_stat_activity')?.reason
            expect(reason).toBe(`needs pg_read_all_stats: GRANT pg_monitor TO ${plain}`)
          }
          expect(snap.server.systemIdentifier).toMatch(/^\d+$/)
          expect(snap.metrics.pg_stat_database.length).toBeGreaterThan(0)
        }
      } finally {
        await admin.query(`DROP ROLE ${mon}; DROP ROLE ${plain}`)
        await admin.end()
      }
    })
  })

  it('keeps the top N tables and sums the rest into (other)', async () => {
    await withDatabase(srv, async (url) => {
      const c = await connect(url)
      for (let i = 1; i <= 6; i++)
        await c.query(`CREATE TABLE top_${i} (x int); INSERT INTO top_${i} SELECT generate_series(1, ${i * 1000})`)
      await c.query('ANALYZE') // sets relpages, which ranks by size and estimates the (other) sizes
      const est = await c.query<{ b: string }>(
        "SELECT sum(relpages)::bigint * current_setting('block_size')::int AS b FROM pg_class WHERE relname IN ('top_1', 'top_2', 'top_3', 'top_4')",
      )
      await c.end()
      const db = await connect(url)
      let snap = await collect(db, { collectors: [tables({ top: 2 })] })
      for (
        let i = 0;
        i < 50 && snap.metrics.pg_stat_user_tables.reduce((s, r) => s + (r.n_tup_ins ?? 0), 0) < 21000;
        i++
      ) {
        await new Promise((r) => setTimeout(r, 200))
        snap = await collect(db, { collectors: [tables({ top: 2 })] })
      }
      await db.end()
      const rows = snap.metrics.pg_stat_user_tables
      // the 2 most active are also the 2 largest here: top_6 and top_5, plus (other)
      expect(rows.map((r) => r.relname).sort()).toEqual(['(other)', 'top_5', 'top_6'])
      const other = rows.find((r) => r.relname === '(other)')!
      expect(other).toMatchObject({ schemaname: '', n_tup_ins: 1000 + 2000 + 3000 + 4000 })
      expect(other.total_bytes).toBe(Number(est.rows[0]!.b))
      expect(other.total_bytes).toBeGreaterThan(4 * 8192)
      const top6 = rows.find((r) => r.relname === 'top_6')!
      expect(top6.total_bytes).toBe((top6.table_bytes ?? 0) + (top6.indexes_bytes ?? 0))
      expect(rows.reduce((s, r) => s + (r.n_tup_ins ?? 0), 0)).toBe(21000)
    })
  })
  it('reports null sizes for a table locked ACCESS EXCLUSIVE instead of waiting for the lock', async () => {
    await withDatabase(srv, async (url) => {
      const c = await connect(url)
      await c.query('CREATE TABLE locked_t (id int PRIMARY KEY); CREATE TABLE free_t (id int PRIMARY KEY)')
      await c.query('BEGIN; LOCK TABLE locked_t IN ACCESS EXCLUSIVE MODE')
      const db = await connect(url)
      const snap = await collect(db, { collectors: [tables(), indexes()], lockTimeoutMs: 5000 })
      await db.end()
      await c.query('ROLLBACK')
      await c.end()
      expect(snap.skipped).toEqual([])
      expect(snap.stats.roundTrips).toBe(4)
      expect(snap.stats.durationMs).toBeLessThan(4000) // did not wait for the lock
      const t = (n: string) => snap.metrics.pg_stat_user_tables.find((r) => r.relname === n)
      expect(t('locked_t')).toMatchObject({
        table_bytes: null,
        indexes_bytes: null,
        toast_bytes: null,
        total_bytes: null,
      })
      expect(t('free_t')?.indexes_bytes).toBeGreaterThan(0)
      const ix = (n: string) => snap.metrics.pg_stat_user_indexes.find((r) => r.indexrelname === n)
      expect(ix('locked_t_pkey')?.size_bytes).toBeNull()
      expect(ix('free_t_pkey')?.size_bytes).toBeGreaterThan(0)
    })
  })
})

describe.concurrent('collect() details', () => {
  const srv = anyServer()

  it('collects a user-defined metric exactly like a built-in one, typed', async () => {
    const myDeadlocks = {
      name: 'my_deadlocks',
      area: 'custom',
      scope: 'cluster',
      description: 'Deadlocks per database',
      labels: { datname: 'text' },
      values: { deadlocks: { kind: 'counter', unit: 'count' } },
      statsReset: true,
      queries: [
        { since: 12, sql: 'SELECT datname, deadlocks, stats_reset FROM pg_stat_database WHERE datname IS NOT NULL' },
      ],
    } as const satisfies MetricDefinition
    const mine = (): Collector<readonly [typeof myDeadlocks]> => ({ name: 'mine', metrics: [myDeadlocks] })
    await withDatabase(srv, async (url, name) => {
      const db = await connect(url)
      const snap = await collect(db, { collectors: [...defaultCollectors(), mine()] })
      await db.end()
      const row = snap.metrics.my_deadlocks.find((r) => r.datname === name)
      expect(row?.deadlocks).toBe(0)
      expect(snap.metrics.pg_stat_database.find((r) => r.datname === name)?.deadlocks).toBe(row?.deadlocks)
      expect(snap.stats.roundTrips).toBe(4)
    })
  })

  it('skips a failing metric with its error and still collects the others', async () => {
    const broken = {
      name: 'broken',
      area: 'custom',
      scope: 'cluster',
      description: 'Always fails',
      labels: {},
      values: { x: { kind: 'gauge', unit: 'count' } },
      queries: [{ since: 12, sql: 'SELECT 1 / 0 AS x' }],
    } as const satisfies MetricDefinition
    await withDatabase(srv, async (url) => {
      const db = await connect(url)
      const snap = await collect(db, { collectors: [...defaultCollectors(), { name: 'broken', metrics: [broken] }] })
      await db.end()
      expect(snap.skipped).toContainEqual({
        metric: 'broken',
        reason: 'query failed: division by zero (SQLSTATE 22012)',
      })
      expect(snap.metrics.broken).toEqual([])
      expect(snap.metrics.pg_server).toHaveLength(1)
      expect(snap.server.systemIdentifier).toMatch(/^\d+$/)
    })
  })

  it('runs in one read-only repeatable-read transaction with its timeouts, application_name and stats snapshot', async () => {
    const session = {
      name: 'session_settings',
      area: 'custom',
      scope: 'cluster',
      description: 'The settings collect() runs with',
      labels: { app: 'text', iso: 'text', ro: 'text', sfc: 'text' },
      values: { st: { kind: 'gauge', unit: 'ms' }, lt: { kind: 'gauge', unit: 'ms' } },
      queries: [
        {
          since: 12,
          sql: `SELECT current_setting('application_name') AS app, current_setting('transaction_isolation') AS iso,
  current_setting('transaction_read_only') AS ro, current_setting('stats_fetch_consistency', true) AS sfc,
  (SELECT setting::int FROM pg_settings WHERE name = 'statement_timeout') AS st, (SELECT setting::int FROM pg_settings WHERE name = 'lock_timeout') AS lt`,
        },
      ],
    } as const satisfies MetricDefinition
    const db = await connect(srv.url)
    const before = await db.query<{ t: Date }>('SELECT now() AS t')
    const snap = await collect(db, {
      collectors: [{ name: 's', metrics: [session] }],
      statementTimeoutMs: 1234,
      lockTimeoutMs: 567,
    })
    const after = await db.query<{ t: Date; st: string }>(
      "SELECT now() AS t, current_setting('statement_timeout') AS st",
    )
    await db.end()
    expect(snap.metrics.session_settings).toEqual([
      { app: 'pggraph', iso: 'repeatable read', ro: 'on', sfc: srv.major >= 15 ? 'snapshot' : '', st: 1234, lt: 567 },
    ])
    expect(after.rows[0]!.st).toBe('0') // SET LOCAL: the caller's session is left as it was
    const t = Date.parse(snap.takenAt)
    expect(t).toBeGreaterThanOrEqual(before.rows[0]!.t.getTime())
    expect(t).toBeLessThanOrEqual(after.rows[0]!.t.getTime())
  })

  it('reports a statement timeout as a skip of that metric', async () => {
    const slow = {
      name: 'slow',
      area: 'custom',
      scope: 'cluster',
      description: 'Sleeps',
      labels: {},
      values: { x: { kind: 'gauge', unit: 'count' } },
      queries: [{ since: 12, sql: 'SELECT 1 AS x FROM pg_sleep(5)' }],
    } as const satisfies MetricDefinition
    const db = await connect(srv.url)
    const snap = await collect(db, { collectors: [{ name: 'slow', metrics: [slow] }], statementTimeoutMs: 200 })
    await db.end()
    expect(snap.skipped).toEqual([
      { metric: 'slow', reason: 'query failed: canceling statement due to statement timeout (SQLSTATE 57014)' },
    ])
  })

  it('reads per-database metrics of several databases, each on its own connection', async () => {
    await withDatabase(srv, async (url1, db1) => {
      await withDatabase(srv, async (url2, db2) => {
        for (const [u, t] of [
          [url1, 'in_one'],
          [url2, 'in_two'],
        ] as const) {
          const c = await connect(u)
          await c.query(`CREATE TABLE ${t} (x int)`)
          await c.end()
        }
        const db = await connect(url1)
        const opened: string[] = []
        const open = async (database: string) => {
          opened.push(database)
          return connect(urlWith(url1, { database }))
        }
        const snap = await collect(db, { collectors: [tables()], databases: [db1, db2], connect: open })
        expect(opened).toEqual([db2])
        expect(snap.databases).toEqual([db1, db2])
        expect(snap.metrics.pg_stat_user_tables.map((r) => `${r.datname}.${r.relname}`).sort()).toEqual(
          [`${db1}.in_one`, `${db2}.in_two`].sort(),
        )
        expect(snap.stats.roundTrips).toBe(8)

        const onlyOther = await collect(db, { collectors: [server(), tables()], databases: [db2], connect: open })
        expect(onlyOther.databases).toEqual([db2])
        expect(onlyOther.metrics.pg_stat_user_tables.map((r) => r.relname)).toEqual(['in_two'])
        expect(onlyOther.metrics.pg_server).toHaveLength(1) // cluster-wide metrics still come from db, once

        const all = await collect(db, { collectors: [tables()], databases: 'all', connect: open })
        expect(all.databases).toEqual(expect.arrayContaining([db1, db2, 'postgres']))
        expect(all.databases).not.toContain('template1')

        const gone = await collect(db, { collectors: [tables()], databases: [db1, 'no_such_db'], connect: open })
        expect(gone.databases).toEqual([db1])
        expect(gone.skipped[0]).toMatchObject({ metric: 'pg_stat_user_tables', database: 'no_such_db' })

        const err = await collect(db, { collectors: [tables()], databases: [db2] }).catch((e: unknown) => e)
        expect(isPggraphError(err, 'CONFIG')).toBe(true)
        await db.end()
      })
    })
  })

  it('produces plain JSON that parseSnapshot accepts as it is', async () => {
    const db = await connect(srv.url)
    const snap = await collect(db, { collectors: defaultCollectors() })
    await db.end()
    const copy = JSON.parse(JSON.stringify(snap)) as unknown
    expect(copy).toEqual(snap)
    expect(parseSnapshot(copy)).toEqual(snap)
    expect(snap.takenAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    expect(Date.parse(snap.server.startTime)).toBeLessThan(Date.parse(snap.takenAt))
  })

  it('checks out one connection of a pg.Pool for the whole snapshot', async () => {
    const pool = new pg.Pool({ connectionString: srv.url, max: 3 })
    const snap = await collect(pool, { collectors: defaultCollectors() })
    await pool.end()
    expect(snap.stats.roundTrips).toBe(4)
    expect(snap.metrics.pg_server).toHaveLength(1)
  })
})
