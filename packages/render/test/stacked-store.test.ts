// Stacked areas from a real store (PGlite and PostgreSQL 15): a snapshot in which the metric has
// no row at all (no lock held) is read back as a collected time and drawn as 0 in every band,
// while a time without a snapshot stays a gap in every band (#15 item 2).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pgLocks } from '@pggraph/collector/definitions'
import type { MetricRow, Snapshot } from '@pggraph/core'
import { installStore, readSeries, writeSnapshot } from '@pggraph/store'
import { backendNames, openBackend, type Backend } from '../../store/test/backends.js'
import { graphSpec, loadGraphData, renderGraph, type GraphData } from '../src/index.js'

// Midnight UTC ten days ago: in the past (the store refuses future snapshots) and within its age limit.
const T0 = Math.floor(Date.now() / 86_400_000 - 10) * 86_400_000
const lock = (mode: string, locks: number): MetricRow => ({
  locktype: 'relation',
  mode,
  granted: 'true',
  locks,
  max_wait_age: null,
})

/** Seconds after T0 -> the pg_locks rows of the snapshot then; no entry: no snapshot (a gap). */
const written: ReadonlyMap<number, readonly MetricRow[]> = new Map([
  [0, [lock('AccessShareLock', 2)]],
  [10, [lock('AccessShareLock', 2), lock('RowExclusiveLock', 1)]],
  [20, []], // no lock held at all
  [30, []],
  [40, [lock('RowExclusiveLock', 3)]],
  // 50-110: the collector did not run
  [120, []],
  [130, [lock('AccessShareLock', 1)]],
  [140, [lock('AccessShareLock', 1)]],
])

function snapshotAt(sec: number, rows: readonly MetricRow[]): Snapshot {
  return {
    format: 1,
    takenAt: new Date(T0 + sec * 1000).toISOString(),
    server: {
      versionNum: 170004,
      version: '17.4',
      startTime: new Date(T0 - 86_400_000).toISOString(),
      systemIdentifier: '7300000000000000001',
      timeline: 1,
      inRecovery: false,
    },
    databases: ['app'],
    resets: [],
    metrics: { pg_locks: rows },
    skipped: [],
    stats: { durationMs: 5, roundTrips: 2 },
  }
}

interface Row {
  t: number
  s: string
  v: number | null
  y0: number | null
  y1: number | null
}

function stackedRows(data: GraphData): Row[] {
  const spec = graphSpec('activity.locks', data, { width: 720, height: 240 }) as {
    layer: { data: { values: Row[] } }[]
  }
  return spec.layer[0]!.data.values
}

/** PostgreSQL 15: the local server when this run has it, else the embedded one. */
function postgres15(): string {
  const names = backendNames()
  return names.includes('pg15-local') ? 'pg15-local' : 'pg15'
}

describe.each(['pglite', postgres15()])('stacked areas from a %s store', (name) => {
  let o: Backend
  let ns: { schema: string; prefix: string }
  beforeAll(async () => {
    o = await openBackend(name)
    ns = { schema: o.schema(), prefix: 'locks' }
    await installStore(o.db, { ...ns, metrics: [pgLocks] })
    for (const [sec, rows] of written) await writeSnapshot(o.db, ns, snapshotAt(sec, rows))
  })
  afterAll(async () => {
    await o?.close()
  })

  const range = { from: T0, to: T0 + 150_000 }
  const read = () => loadGraphData('activity.locks', (q) => readSeries(o.db, ns, q), range)

  it('reads the times of every snapshot, with rows or without', async () => {
    const data = await read()
    expect(data.sets[0]!.collectedAt!.map((t) => (t - T0) / 1000)).toEqual([...written.keys()])
  })

  it('draws 0 in every band at a snapshot with no row, and a gap where no snapshot was taken', async () => {
    const rows = stackedRows(await read())
    const bands = ['AccessShareLock', 'RowExclusiveLock']
    const at = (sec: number) => rows.filter((r) => r.t === T0 + sec * 1000)
    for (const sec of [20, 30, 120]) {
      expect(at(sec).map((r) => [r.s, r.v, r.y0, r.y1])).toEqual(bands.map((s) => [s, 0, 0, 0]))
    }
    // Every snapshot is drawn, stacked without a crossing.
    for (const sec of written.keys()) {
      const here = at(sec)
      expect(here.map((r) => r.s)).toEqual(bands)
      expect(here[0]!.y0).toBe(0)
      expect(here[1]!.y0).toBe(here[0]!.y1)
    }
    expect(at(10).map((r) => r.y1)).toEqual([2, 3])
    // 40 -> 120 s without a snapshot: one null row per band between them, nothing else there.
    const gap = rows.filter((r) => r.t > T0 + 40_000 && r.t < T0 + 120_000)
    expect(gap.map((r) => r.s)).toEqual(bands)
    expect(gap.every((r) => r.y0 === null && r.y1 === null)).toBe(true)
    const svg = await renderGraph('activity.locks', await read(), { width: 720, height: 240 })
    expect(svg).toContain('AccessShareLock')
  })

  it('draws 0 at the bucket of a snapshot with no row when the store downsamples', async () => {
    // 5 s buckets: each snapshot in a bucket of its own.
    const data = await loadGraphData('activity.locks', (q) => readSeries(o.db, ns, q), { ...range, points: 30 })
    const collected = data.sets[0]!.collectedAt!
    expect(collected.map((t) => (t - T0) / 1000)).toEqual([...written.keys()])
    const rows = stackedRows(data)
    for (const sec of [20, 30, 120]) {
      expect(rows.filter((r) => r.t === T0 + sec * 1000).map((r) => r.y1)).toEqual([0, 0])
    }
  })
})
