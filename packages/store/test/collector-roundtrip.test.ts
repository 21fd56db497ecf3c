// The collector's real snapshots go into the store with its default (built-in) metric tables,
// and come back as series: the contract between @pggraph/collector and @pggraph/store.
import { collect, defaultCollectors } from '@pggraph/collector'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anyServer, connect } from '../../../test/servers/index.js'
import { installStore, listSources, readSeries, writeSnapshot } from '../src/index.js'
import { openBackend, pgliteBackend, type Backend } from './backends.js'

describe('collector snapshots in the store', () => {
  let b: Backend
  beforeAll(async () => {
    b = await openBackend(pgliteBackend)
  })
  afterAll(async () => {
    await b?.close()
  })

  it('installs the built-in metrics and stores what collect() returns', async () => {
    const schema = b.schema()
    const ns = { schema, prefix: 'db1' }
    const installed = await installStore(b.db, ns)
    expect(installed.metrics).toContain('db1_pg_stat_database')
    const target = await connect(anyServer().url)
    try {
      for (let i = 0; i < 2; i++) {
        const snap = await collect(target, { collectors: defaultCollectors() })
        const w = await writeSnapshot(b.db, ns, snap)
        expect(w.written).toBe(true)
        expect(w.rows).toBeGreaterThan(10)
        expect(w.ignored).toEqual([])
        await target.query('SELECT pg_sleep(0.05)')
      }
    } finally {
      await target.end()
    }
    const set = await readSeries(b.db, ns, {
      metric: 'pg_stat_database',
      columns: ['xact_commit'],
      from: Date.now() - 600_000,
      to: Date.now() + 1000,
    })
    const postgres = set.series.find((s) => s.labels['datname'] === 'postgres')!
    expect(postgres.points).toHaveLength(2)
    expect(postgres.points[0]!.v).toBeNull()
    expect(postgres.points[1]!.v).toBeGreaterThanOrEqual(0)
    const [src] = await listSources(b.db, schema)
    expect(src).toMatchObject({ snapshots: 2, failing: false })
    expect(src!.serverVersionNum).toBeGreaterThanOrEqual(120000)
  })
})
