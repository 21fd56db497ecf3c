// A range holding more resets than a graph can mark (rows a writer accumulated, written here
// directly): readSeries returns them grouped into a bounded number of events that still count
// every reset, instead of a million rows over the wire.
import { seriesQuery } from '@pggraph/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { installStore, readSeries, writeSnapshot } from '../index.js'
import { EVENT_BUCKETS, MAX_EVENTS } from '../series.js'
import { openTarget, type OpenedStore as Backend, type StoreTestBackend } from './backend.js'
import { snapshot, T0, tDatabase, testMetrics } from './fixtures.js'

const HOUR = 3_600_000
const row = [{ datname: 'app', xact_commit: 1, blks_read: 1, numbackends: 1, stats_reset: null }]

/** Registers these tests for `backend`. @internal */
export function eventsSuite(backend: StoreTestBackend): void {
  describe(`events beyond the bound on ${backend.name}`, () => eventBoundTests(backend))
}

function eventBoundTests(backend: StoreTestBackend): void {
  let b: Backend
  let schema: string
  beforeAll(async () => {
    b = await openTarget(backend)
    schema = b.schema()
    await installStore(b.db, { schema, prefix: 'p1', metrics: testMetrics })
    await writeSnapshot(b.db, { schema, prefix: 'p1' }, snapshot(T0, { test_database: row }))
  })
  afterAll(async () => {
    await b?.close()
  })

  it('returns a few events one by one', async () => {
    await b.db.query(
      `INSERT INTO "${schema}".p1_resets (metric, key, at, seen)
       SELECT 'test_database', 'few' || g, to_timestamp($1::float8 / 1000) + g * interval '1 minute', now() FROM generate_series(1, 3) g`,
      [T0],
    )
    const set = await readSeries(
      b.db,
      { schema, prefix: 'p1' },
      seriesQuery(tDatabase, ['xact_commit'], { from: T0, to: T0 + HOUR }),
    )
    const resets = set.events.filter((e) => e.kind === 'stats_reset')
    expect(resets.map((e) => e.label)).toEqual([
      'test_database reset (few1)',
      'test_database reset (few2)',
      'test_database reset (few3)',
    ])
    expect(resets.every((e) => e.count === undefined)).toBe(true)
  })

  it('groups 20,000 resets into bounded events that count them all', async () => {
    await b.db.query(
      `INSERT INTO "${schema}".p1_resets (metric, key, at, seen)
       SELECT 'test_database', 'k' || g, to_timestamp($1::float8 / 1000) + g * interval '1 second', now() FROM generate_series(1, 20000) g`,
      [T0 + 2 * HOUR],
    )
    const set = await readSeries(
      b.db,
      { schema, prefix: 'p1' },
      seriesQuery(tDatabase, ['xact_commit'], { from: T0, to: T0 + 24 * HOUR }),
    )
    expect(set.events.length).toBeLessThanOrEqual(2 * EVENT_BUCKETS)
    expect(set.events.length).toBeGreaterThan(1)
    const resets = set.events.filter((e) => e.kind === 'stats_reset')
    expect(resets.reduce((n, e) => n + (e.count ?? 1), 0)).toBe(20_003)
    expect(resets.some((e) => /^test_database reset ×\d+ \(/.test(e.label))).toBe(true)
    expect(MAX_EVENTS).toBeLessThan(20_003)
  })

  it('never groups a failover with a restart or a reset beyond the bound', async () => {
    // A restart (the server started after the last snapshot) and a failover (another server,
    // started before it) 15 s apart, in the same bucket as thousands of resets.
    await b.db.query(
      `INSERT INTO "${schema}".p1_epochs (first_seen, start_time) VALUES
         (to_timestamp($1::float8 / 1000), to_timestamp($2::float8 / 1000)),
         (to_timestamp($3::float8 / 1000), to_timestamp($4::float8 / 1000))`,
      [T0 + 2 * HOUR + 60_000, T0 + 2 * HOUR + 30_000, T0 + 2 * HOUR + 45_000, T0 - 24 * HOUR],
    )
    const set = await readSeries(
      b.db,
      { schema, prefix: 'p1' },
      seriesQuery(tDatabase, ['xact_commit'], { from: T0, to: T0 + 24 * HOUR }),
    )
    expect(set.events.length).toBeGreaterThan(2)
    const near = set.events.filter((e) => e.kind === 'restart' && Math.abs(e.t - (T0 + 2 * HOUR)) < 60_000)
    expect(near.map((e) => [e.t - T0 - 2 * HOUR, e.label, e.count])).toEqual([
      [30_000, 'server restarted', undefined],
      [45_000, 'another server (failover)', undefined],
    ])
    for (const e of set.events) expect(e.label.includes('reset'), e.label).toBe(e.kind === 'stats_reset')
    const resets = set.events.filter((e) => e.kind === 'stats_reset')
    expect(resets.reduce((n, e) => n + (e.count ?? 1), 0)).toBe(20_003)
  })
}
