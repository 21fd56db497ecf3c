// Ages (longest transaction, query, state, lock wait) on every server: a real long transaction
// is measured from the moment the statistics are read, and no age is ever negative, even for a
// transaction that began after the collector's own transaction did.
import type { Queryable } from '@pggraph/core'
import { describe, expect, it } from 'vitest'
import { connect, pgServers, withDatabase } from '../../../test/servers/index.js'
import { activity, collect, locks } from '../src/index.js'

const AGE_COLUMNS = ['max_xact_age', 'max_query_age', 'max_state_age'] as const

describe.concurrent.each(pgServers().map((s) => [`${s.major}${s.kind === 'local' ? ' (local)' : ''}`, s] as const))(
  'ages on PostgreSQL %s',
  (_, srv) => {
    it('measures a real long transaction and never reports a negative age', async () => {
      await withDatabase(srv, async (url) => {
        const long = await connect(url)
        // Another database, so its row is not grouped with the long transaction's.
        const late = await connect(srv.url)
        const db = await connect(url)
        try {
          await long.query('BEGIN')
          await long.query('SELECT txid_current()')
          await long.query("SELECT pg_sleep(1.2), 'ages-test-long'")

          // Open another transaction right after the collector's BEGIN: its xact_start is later
          // than the collector's now(), which made its age negative before.
          let opened = false
          const delayed: Queryable = {
            async query(sql: string, params?: readonly unknown[]) {
              const r = params === undefined ? await db.query(sql) : await db.query(sql, [...params])
              if (!opened && /^BEGIN/i.test(sql)) {
                opened = true
                await new Promise((res) => setTimeout(res, 50))
                await late.query('BEGIN')
                await late.query('SELECT txid_current()')
                await new Promise((res) => setTimeout(res, 50))
              }
              return r as never
            },
          }
          const snap = await collect(delayed, { collectors: [activity(), locks()] })
          expect(opened).toBe(true)

          const rows = snap.metrics.pg_stat_activity
          for (const r of rows) {
            for (const c of AGE_COLUMNS) if (r[c] !== null) expect(r[c], `${c} of ${r.state}`).toBeGreaterThanOrEqual(0)
          }
          for (const r of snap.metrics.pg_locks)
            if (r.max_wait_age !== null) expect(r.max_wait_age).toBeGreaterThanOrEqual(0)
          const idle = rows.filter((r) => r.state === 'idle in transaction' && r.backend_type === 'client backend')
          expect(idle.reduce((n, r) => n + (r.backends ?? 0), 0)).toBeGreaterThanOrEqual(2)
          const lateRow = idle.find((r) => r.datname !== idle.find((x) => (x.max_xact_age ?? 0) >= 1.2)?.datname)
          expect(lateRow?.max_xact_age).toBeGreaterThanOrEqual(0)
          const oldest = Math.max(...idle.map((r) => r.max_xact_age ?? -1))
          expect(oldest).toBeGreaterThanOrEqual(1.2)
          expect(oldest).toBeLessThan(60)
        } finally {
          await long.query('ROLLBACK').catch(() => undefined)
          await late.query('ROLLBACK').catch(() => undefined)
          await Promise.all([long.end(), late.end(), db.end()])
        }
      })
    })
  },
)
