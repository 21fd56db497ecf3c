// Lock waits on every server, with a real blocking chain: A holds a row lock, B waits for A,
// C waits for B's lock: two blocked sessions, one root blocker, a wait that grows.
import { describe, expect, it } from 'vitest'
import { connect, pgServers, withDatabase } from '../../../test/servers/index.js'
import { collect, locks } from '../src/index.js'
import { until } from './until.js'

const embedded = pgServers().filter((s) => s.kind === 'embedded')

describe.concurrent.each(embedded.map((s) => [s.major, s] as const))('lock waits on PostgreSQL %s', (_, srv) => {
  it('counts blocked sessions and root blockers of a real chain, and the longest wait', async () => {
    await withDatabase(srv, async (url, name) => {
      const db = await connect(url)
      const [a, b, c] = await Promise.all([connect(url), connect(url), connect(url)])
      try {
        await db.query("CREATE TABLE lw_t (id int PRIMARY KEY, v text); INSERT INTO lw_t VALUES (1, 'a')")
        const none = await collect(db, { collectors: [locks()] })
        expect(none.metrics.pg_lock_waits.filter((r) => r.datname === name)).toEqual([])
        await a.query('BEGIN; SELECT v FROM lw_t WHERE id = 1 FOR UPDATE')
        const bDone = b.query("BEGIN; UPDATE lw_t SET v = 'b' WHERE id = 1").catch(() => undefined)
        await new Promise((r) => setTimeout(r, 300))
        const cDone = c.query('BEGIN; LOCK TABLE lw_t IN ACCESS EXCLUSIVE MODE').catch(() => undefined)
        const row = await until('two sessions to wait', async () => {
          const snap = await collect(db, { collectors: [locks()] })
          const r = snap.metrics.pg_lock_waits.find((x) => x.datname === name)
          return r && r.blocked_sessions === 2 ? r : undefined
        })
        expect(row.root_blockers).toBe(1)
        expect(row.longest_wait).toBeGreaterThanOrEqual(0.2)
        await a.query('ROLLBACK')
        await bDone
        await b.query('ROLLBACK')
        await cDone
      } finally {
        await Promise.all([a.end(), b.end(), c.end(), db.end()])
      }
    })
  })
})
