// Progress views on every server, each driven by a real command slowed down or held so that a
// snapshot sees it mid-way.
import { describe, expect, it } from 'vitest'
import { connect, pgServers, withDatabase } from '../../../test/servers/index.js'
import { collect, progress } from '../src/index.js'
import { running } from './running.js'
import { until } from './until.js'

const embedded = pgServers().filter((s) => s.kind === 'embedded')
const byMajor = embedded.map((s) => [s.major, s] as const)

describe.concurrent.each(byMajor)('progress views on PostgreSQL %s', (major, srv) => {
  it('vacuum: num_dead_item_ids and dead_items_fill on every version, the maximum in its own unit', async () => {
    await withDatabase(srv, async (url) => {
      const db = await connect(url)
      try {
        await db.query(`CREATE TABLE vac_t (id int PRIMARY KEY, pad text) WITH (autovacuum_enabled = off);
          INSERT INTO vac_t SELECT g, repeat('x', 100) FROM generate_series(1, 50000) g; DELETE FROM vac_t`)
        // a cost limit of 1 sleeps after every page: the vacuum stays in its heap scan
        const vacuum = await running(url, 'SET vacuum_cost_delay = 100; SET vacuum_cost_limit = 1', 'VACUUM vac_t')
        try {
          const row = await until('the vacuum to collect dead items', async () => {
            const snap = await collect(db, { collectors: [progress()] })
            const r = snap.metrics.pg_stat_progress_vacuum.find((x) => x.pid === String(vacuum.pid))
            return r && (r.num_dead_item_ids ?? 0) > 0 ? r : undefined
          })
          expect(row.relname).toBe('vac_t')
          expect(row.phase).toBe('scanning heap')
          expect(row.dead_items_fill).toBeGreaterThan(0)
          expect(row.dead_items_fill).toBeLessThanOrEqual(1)
          if (major < 17) {
            expect(row.max_dead_tuples).toBeGreaterThan(0)
            expect(row.max_dead_tuple_bytes).toBeNull()
            expect(row.dead_items_fill).toBeCloseTo(row.num_dead_item_ids! / row.max_dead_tuples!, 9)
          } else {
            expect(row.max_dead_tuples).toBeNull()
            expect(row.max_dead_tuple_bytes).toBeGreaterThan(0)
            expect(row.dead_items_fill).toBeCloseTo(row.dead_tuple_bytes! / row.max_dead_tuple_bytes!, 9)
          }
        } finally {
          await vacuum.stop(db)
        }
      } finally {
        await db.end()
      }
    })
  })
})
