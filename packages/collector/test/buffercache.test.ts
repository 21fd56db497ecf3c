// pg_buffercache on every server, with real buffers: a table read shows used buffers, an UPDATE
// without a checkpoint dirty ones; without the extension both metrics are skipped with the reason
// and the snapshot keeps its four round trips. 16+: the summary functions (default); 12-15: the
// view scan (opt-in scanView).
import { describe, expect, it } from 'vitest'
import { connect, pgServers, withDatabase } from '../../../test/servers/index.js'
import { buffercache, collect, defaultCollectors } from '../src/index.js'

const embedded = pgServers().filter((s) => s.kind === 'embedded')
const byMajor = embedded.map((s) => [s.major, s] as const)

describe.concurrent.each(byMajor)('pg_buffercache on PostgreSQL %s', (major, srv) => {
  it('is skipped with the reason without the extension, in the usual round trips', async () => {
    await withDatabase(srv, async (url, name) => {
      const db = await connect(url)
      try {
        const snap = await collect(db, { collectors: defaultCollectors() })
        expect(snap.stats.roundTrips).toBe(4)
        const reasons = snap.skipped.filter((s) => s.metric.startsWith('pg_buffercache')).map((s) => s.reason)
        expect(reasons).toHaveLength(2)
        for (const r of reasons) {
          if (major >= 16)
            expect(r).toBe(
              `extension pg_buffercache is not installed in database ${name} (CREATE EXTENSION pg_buffercache)`,
            )
          else expect(r).toMatch(/needs PostgreSQL 16 or newer/)
        }
        const scan = await collect(db, { collectors: [buffercache({ scanView: true })] })
        expect(scan.skipped.map((s) => s.reason)).toEqual([
          `extension pg_buffercache is not installed in database ${name} (CREATE EXTENSION pg_buffercache)`,
          `extension pg_buffercache is not installed in database ${name} (CREATE EXTENSION pg_buffercache)`,
        ])
      } finally {
        await db.end()
      }
    })
  })

  // sequential: after the other test, whose snapshot would move the buffer counts read here in two steps
  it.sequential('counts used buffers after a read and dirty ones after an UPDATE', async () => {
    await withDatabase(srv, async (url) => {
      const db = await connect(url)
      try {
        await db.query(`CREATE EXTENSION pg_buffercache; CREATE TABLE bc_t (id int, v text);
          INSERT INTO bc_t SELECT g, repeat('x', 100) FROM generate_series(1, 20000) g; CHECKPOINT;
          SELECT count(*) FROM bc_t`)
        const total = Number(
          (await db.query<{ n: string }>(`SELECT setting AS n FROM pg_settings WHERE name = 'shared_buffers'`)).rows[0]!
            .n,
        )
        const collectors = [buffercache({ scanView: major < 16 })]
        const before = await collect(db, { collectors })
        expect(before.skipped).toEqual([])
        const s = before.metrics.pg_buffercache_summary[0]!
        expect(s.buffers_used).toBeGreaterThan(0)
        expect(s.buffers_used! + s.buffers_unused!).toBe(total)
        expect(s.usagecount_avg).toBeGreaterThan(0)
        const counts = before.metrics.pg_buffercache_usage_counts
        expect(counts.map((c) => c.usage_count)).toEqual(['0', '1', '2', '3', '4', '5'])
        expect(counts.reduce((a, c) => a + c.buffers!, 0)).toBe(total)
        await db.query(`UPDATE bc_t SET v = 'y'`)
        const after = await collect(db, { collectors })
        const dirty = after.metrics.pg_buffercache_summary[0]!.buffers_dirty!
        expect(dirty).toBeGreaterThan(0)
        expect(after.metrics.pg_buffercache_usage_counts.reduce((a, c) => a + c.dirty!, 0)).toBe(dirty)
        if (major >= 16) {
          // the opt-in view scan agrees with the summary functions on the same buffers
          const view = await collect(db, { collectors: [buffercache({ scanView: true })] })
          expect(
            view.metrics.pg_buffercache_summary[0]!.buffers_used! +
              view.metrics.pg_buffercache_summary[0]!.buffers_unused!,
          ).toBe(total)
        }
      } finally {
        await db.end()
      }
    })
  })
})
