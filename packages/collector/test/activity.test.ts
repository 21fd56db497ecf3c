// Real activity on every server moves the collected counters by exactly what it must cause.
import type { MetricRow } from '@pggraph/core'
import { describe, expect, it } from 'vitest'
import { connect, pgServers, withDatabase } from '../../../test/servers/index.js'
import { collect, database, functions, indexes, server, statements, tables } from '../src/index.js'

const collectors = () =>
  [server(), database(), tables(), indexes(), functions(), statements({ queryText: true })] as const

function one<R extends MetricRow>(rows: readonly R[], pred: (r: R) => boolean, what: string): R {
  const r = rows.find(pred)
  if (!r) throw new Error(`no row for ${what} in ${JSON.stringify(rows).slice(0, 500)}`)
  return r
}
const num = (v: number | null | undefined): number => v ?? 0

describe.concurrent.each(pgServers().map((s) => [`${s.major}${s.kind === 'local' ? ' (local)' : ''}`, s] as const))(
  'activity on PostgreSQL %s',
  (_, srv) => {
    it('moves table, index, function, database and statement counters by what was done', async () => {
      await withDatabase(srv, async (url, dbName) => {
        const setup = await connect(url)
        const hasStatements = await setup
          .query('CREATE EXTENSION pg_stat_statements')
          .then(() => true)
          .catch(() => false)
        await setup.query('CREATE TABLE act_r (id int)')
        await setup.end()

        const db = await connect(url)
        const a = await collect(db, { collectors: collectors() })

        const w = await connect(url)
        await w.query("SET track_functions = 'all'")
        await w.query('CREATE TABLE act_t (id int PRIMARY KEY, v int)')
        await w.query('INSERT INTO act_t SELECT g, g FROM generate_series(1, 100) g')
        await w.query('UPDATE act_t SET v = v + 1 WHERE id <= 10')
        await w.query('DELETE FROM act_t WHERE id > 95')
        await w.query('SET enable_seqscan = off; SET enable_bitmapscan = off')
        await w.query('SELECT v FROM act_t WHERE id = 42')
        await w.query('SET enable_seqscan = on; SET enable_indexscan = off; SET enable_bitmapscan = off')
        await w.query('SELECT count(*) FROM act_t')
        await w.query('BEGIN; INSERT INTO act_r VALUES (1); ROLLBACK')
        await w.query('CREATE FUNCTION act_f(int) RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN $1 * 2; END $$')
        await w.query('SELECT act_f(g) FROM generate_series(1, 3) g')
        await w.query("SET work_mem = '64kB'")
        await w.query('SELECT count(*) FROM (SELECT g FROM generate_series(1, 200000) g ORDER BY g DESC) s')
        if (srv.major >= 15) await w.query('SELECT pg_stat_force_next_flush()')
        await w.end() // a backend also reports its statistics when it exits

        // Before 15 the statistics collector publishes with a delay: poll, bounded.
        let b = await collect(db, { collectors: collectors() })
        for (let i = 0; i < 50; i++) {
          const t = b.metrics.pg_stat_user_tables.find((r) => r.relname === 'act_t')
          const f = b.metrics.pg_stat_user_functions.find((r) => r.funcname.startsWith('act_f('))
          const d = b.metrics.pg_stat_database.find((r) => r.datname === dbName)
          if (
            t?.n_tup_ins === 100 &&
            f?.calls === 3 &&
            num(d?.temp_files) > num(a.metrics.pg_stat_database.find((r) => r.datname === dbName)?.temp_files)
          )
            break
          await new Promise((r) => setTimeout(r, 200))
          b = await collect(db, { collectors: collectors() })
        }
        await db.end()

        const t = one(b.metrics.pg_stat_user_tables, (r) => r.relname === 'act_t', 'act_t')
        expect(t).toMatchObject({
          datname: dbName,
          schemaname: 'public',
          n_tup_ins: 100,
          n_tup_upd: 10,
          n_tup_del: 5,
          n_live_tup: 95,
        })
        expect(num(t.idx_scan)).toBeGreaterThanOrEqual(1)
        expect(num(t.seq_scan)).toBeGreaterThanOrEqual(1)
        expect(num(t.heap_blks_hit) + num(t.heap_blks_read)).toBeGreaterThan(0)
        expect(num(t.table_bytes)).toBeGreaterThanOrEqual(8192)
        expect(t.total_bytes).toBe(num(t.table_bytes) + num(t.indexes_bytes))

        const ix = one(b.metrics.pg_stat_user_indexes, (r) => r.indexrelname === 'act_t_pkey', 'act_t_pkey')
        expect(num(ix.idx_scan)).toBeGreaterThanOrEqual(1)
        expect(num(ix.size_bytes)).toBeGreaterThanOrEqual(8192)

        const f = one(b.metrics.pg_stat_user_functions, (r) => r.funcname === 'act_f(integer)', 'act_f')
        expect(f.calls).toBe(3)
        expect(num(f.total_time)).toBeGreaterThanOrEqual(num(f.self_time))

        const before = one(a.metrics.pg_stat_database, (r) => r.datname === dbName, 'db before')
        const after = one(b.metrics.pg_stat_database, (r) => r.datname === dbName, 'db after')
        expect(num(after.xact_rollback) - num(before.xact_rollback)).toBeGreaterThanOrEqual(1)
        expect(num(after.xact_commit) - num(before.xact_commit)).toBeGreaterThanOrEqual(8)
        expect(num(after.tup_inserted) - num(before.tup_inserted)).toBeGreaterThanOrEqual(100)
        expect(num(after.tup_updated) - num(before.tup_updated)).toBeGreaterThanOrEqual(10)
        expect(num(after.tup_deleted) - num(before.tup_deleted)).toBeGreaterThanOrEqual(5)
        expect(num(after.temp_files) - num(before.temp_files)).toBeGreaterThanOrEqual(1)
        expect(num(after.temp_bytes) - num(before.temp_bytes)).toBeGreaterThan(0)
        if (srv.major >= 14) expect(num(after.sessions) - num(before.sessions)).toBeGreaterThanOrEqual(1)
        else expect(after.sessions).toBeNull()

        expect(num(one(b.metrics.pg_database, (r) => r.datname === dbName, 'size').size_bytes)).toBeGreaterThan(
          1_000_000,
        )
        const [s1, s2] = [a.metrics.pg_server[0]!, b.metrics.pg_server[0]!]
        expect(s2.version_num).toBe(b.server.versionNum)
        expect(Math.floor(num(s2.version_num) / 10000)).toBe(srv.major)
        expect(num(s2.xact_id)).toBeGreaterThan(num(s1.xact_id))
        expect(num(s2.wal_lsn)).toBeGreaterThan(num(s1.wal_lsn))
        expect(Date.parse(b.takenAt)).toBeGreaterThan(Date.parse(a.takenAt))

        const notLoaded = b.skipped.some(
          (s) => s.metric === 'pg_stat_statements' && /shared_preload_libraries/.test(s.reason),
        )
        if (hasStatements && !notLoaded) {
          const upd = one(b.metrics.pg_stat_statements, (r) => r.query.startsWith('UPDATE act_t'), 'UPDATE statement')
          expect(upd).toMatchObject({ calls: 1, rows: 10 })
          expect(num(upd.total_exec_time)).toBeGreaterThan(0)
          expect(upd.queryid).toMatch(/^-?\d+$/)
          // by default no statement text is read, only queryids
          const db2 = await connect(url)
          const plain = await collect(db2, { collectors: [statements()] })
          await db2.end()
          expect(plain.metrics.pg_stat_statements.length).toBeGreaterThan(0)
          expect(plain.metrics.pg_stat_statements.every((r) => r.query === '')).toBe(true)
          expect(plain.metrics.pg_stat_statements.find((r) => r.queryid === upd.queryid)?.calls).toBe(1)
        } else {
          expect(b.skipped.map((s) => s.metric)).toContain('pg_stat_statements')
        }
      })
    })
  },
)
