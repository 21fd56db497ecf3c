// Visual regression suite (#15 Proof): every catalog graph rendered
//  - from recorded real data (test/fixtures/, written by record-fixtures.ts from an embedded
//    PostgreSQL 18 under load and its streaming standby: a lock mode and a wait event present in
//    a few snapshots only, a gap with no collection, two real restarts close together, a real
//    long transaction, a hit ratio near 100%, a sequence at 88-99% of its range, an invalid
//    index, an ANALYZE and a VACUUM in progress, the standby's replay paused, xids and
//    multixacts burned up to autovacuum's freeze limits, a failing archive_command), and
//  - from generated data shaped to each case (it also holds what a short recording cannot: 79
//    pg_stat_io resets folded into a restart, a gap of 30 minutes in 6 hours),
// checked structurally (no band crosses another, gaps are gaps, ticks distinct, every restart
// marked) and compared byte for byte with golden SVGs in test/regression/ (generated) and
// test/regression/recorded/ (recorded).
// A catalog graph with no recorded fixture fails here unless listed in notRecorded (then only the
// generated cases cover it): record them again (see record-fixtures.ts).
// Regenerate the goldens: UPDATE_GOLDEN=1 npx vitest run packages/render/test/regression.test.ts
// (refused in CI).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { DOMParser } from '@xmldom/xmldom'
import { describe, expect, it } from 'vitest'
import type { Series, SeriesEvent, SeriesSet } from '@pggraph/core'
import { graphCatalog, graphNames, graphSpec, renderGraph, type GraphName } from '../src/index.js'
import { HOUR, MINUTE, syntheticSet, T0 } from './fixtures.js'
import { RECORD_COMMAND, RECORDED_SIZE, recordedData, recording } from './recorded.js'

const FROM = T0
const TO = T0 + 6 * HOUR
const GAP = { from: T0 + 2 * HOUR, to: T0 + 2 * HOUR + 30 * MINUTE }
const RESTART = T0 + 4 * HOUR
/** Snapshots taken, but with no row of any category (no lock held at all): stacked graphs draw 0. */
const EMPTY = { from: T0 + 5 * HOUR, to: T0 + 5 * HOUR + 10 * MINUTE }
const dir = new URL('./regression/', import.meta.url)

// Regenerating in CI would make the test pass whatever the renderer draws: refuse it there.
const update = Boolean(process.env['UPDATE_GOLDEN'])
if (update && process.env['CI'])
  throw new Error(
    'UPDATE_GOLDEN is set under CI: golden files are regenerated on a developer machine and reviewed, never in CI.',
  )

const EVENTS: SeriesEvent[] = [
  { t: RESTART, kind: 'restart', label: 'server restarted' },
  { t: RESTART + 85_000, kind: 'restart', label: 'server restarted' },
  ...Array.from({ length: 79 }, (_, i) => ({
    t: RESTART + 1_000,
    kind: 'stats_reset' as const,
    label: `pg_stat_io reset (backend ${String(i).padStart(2, '0')})`,
  })),
]

/** The data of one graph with every case in it. */
function caseSet(name: GraphName): SeriesSet {
  const base = syntheticSet(name, { from: FROM, to: TO, step: MINUTE })
  const series = base.series.map((s: Series, i): Series => {
    let points = s.points.filter((p) => p.t < GAP.from || p.t >= GAP.to)
    // Every second label set is absent from every third snapshot (a lock mode nobody held then).
    if (i % 2 === 1) points = points.filter((_, k) => k % 3 !== 0)
    if (s.column === 'max_xact_age') points = points.map((p) => ({ t: p.t, v: (p.t - FROM) / 1000 })) // one long transaction
    if (s.column === 'blks_read') {
      const hit = new Map(base.series.find((x) => x.column === 'blks_hit')!.points.map((p) => [p.t, p.v]))
      points = points.map((p, k) => ({ t: p.t, v: (hit.get(p.t) ?? 0) * (0.0002 + ((k * 7) % 5) * 0.0001) }))
    }
    // A stacked metric with no row at all in some snapshots (every category 0 then).
    if (graphCatalog[name].mark === 'area') points = points.filter((p) => p.t < EMPTY.from || p.t > EMPTY.to)
    return { ...s, points }
  })
  if (graphCatalog[name].mark !== 'area') return { ...base, series, events: EVENTS }
  // Every minute outside the gap was a snapshot that collected the metric, rows or not.
  const collectedAt: number[] = []
  for (let t = FROM; t <= TO; t += MINUTE) if (t < GAP.from || t >= GAP.to) collectedAt.push(t)
  return { ...base, series, events: EVENTS, collectedAt }
}

type Row = { t: number; s: string; v: number | null; y0?: number | null; y1?: number | null }

function axisLabels(svg: string): Map<string, string[]> {
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml')
  const out = new Map<string, string[]>()
  const groups = doc.getElementsByTagName('g')
  for (let i = 0; i < groups.length; i++) {
    const g = groups.item(i)!
    const label = g.getAttribute('aria-label') ?? ''
    if (!/^[XY]-axis/.test(label)) continue
    const texts: string[] = []
    const inner = g.getElementsByTagName('g')
    for (let j = 0; j < inner.length; j++) {
      const h = inner.item(j)!
      if (!(h.getAttribute('class') ?? '').includes('role-axis-label')) continue
      const ts = h.getElementsByTagName('text')
      for (let k = 0; k < ts.length; k++) texts.push(ts.item(k)!.textContent ?? '')
    }
    out.set(label.slice(0, 6), texts)
  }
  return out
}

type Layer = { data?: { values?: Row[] }; mark?: { type?: string } }

/** What a graph's data holds, for the structural checks. */
interface Cases {
  readonly from: number
  readonly to: number
  /** No reading strictly between these times: the last reading before and the first after. */
  readonly gap: { readonly from: number; readonly to: number }
  readonly restarts: readonly number[]
  /** Words the description must hold (the folded resets). */
  readonly described: readonly string[]
  /** Stacked graphs: snapshots were taken between these times but had no row at all (drawn as 0). */
  readonly empty?: { readonly from: number; readonly to: number }
}

/** The structural checks: gaps are gaps, no band crosses another, every restart marked, ticks distinct. */
function checkStructure(name: GraphName, spec: Record<string, unknown>, svg: string, cases: Cases): Row[] {
  const def = graphCatalog[name]
  const layers = spec['layer'] as Layer[]
  const rows = layers[0]!.data!.values!
  // Stacked areas are drawn on a grid of pixel columns: a reading moves by at most a column.
  const slack = def.mark === 'area' ? (cases.to - cases.from) / 100 : 0
  const inGap = (t: number) => t > cases.gap.from + slack && t < cases.gap.to - slack
  // Gaps are gaps: no reading inside, and every series is broken there.
  expect(
    rows.filter((r) => inGap(r.t) && r.v !== null),
    name,
  ).toEqual([])
  for (const s of new Set(rows.map((r) => r.s))) {
    const own = rows.filter((r) => r.s === s)
    const before = own.findLastIndex((r) => r.t <= cases.gap.from && r.v !== null)
    const after = own.findIndex((r) => r.t >= cases.gap.to && r.v !== null)
    if (before >= 0 && after >= 0) expect(after - before, `${name}: ${s} bridges the gap`).toBeGreaterThan(1)
  }
  if (def.mark === 'area') {
    // No band crosses another: at every time, each band starts where the one below ends.
    const names = [...new Set(rows.map((r) => r.s))]
    for (const at of byTime(rows).values()) {
      expect(
        at.map((r) => r.s),
        name,
      ).toEqual(names)
      if (at[0]!.y1 === null) continue
      expect(at[0]!.y0).toBe(0)
      at.forEach((r, i) => {
        expect(r.y1!).toBeGreaterThanOrEqual(r.y0!)
        if (i > 0) expect(r.y0, `${name} at ${r.t}`).toBe(at[i - 1]!.y1)
      })
    }
    // Snapshots without any row are drawn as 0 in every band, never as a gap (a grid column
    // is stamped at its start: the last one may hold the next snapshot with rows).
    if (cases.empty) {
      const inside = rows.filter((r) => r.t >= cases.empty!.from && r.t <= cases.empty!.to - slack)
      expect(inside.length, `${name}: drawn where snapshots had no row`).toBeGreaterThan(0)
      for (const r of inside) expect([r.v, r.y0, r.y1], `${name}: ${r.s} at ${r.t}`).toEqual([0, 0, 0])
    }
  }
  // Every restart is marked with its own rule, and the description counts them.
  const rules = layers.filter((l) => l.mark?.type === 'rule').flatMap((l) => l.data?.values ?? [])
  for (const t of cases.restarts)
    expect(
      rules.some((r) => Math.abs(r.t - t) < 1),
      `${name}: a rule at the restart ${new Date(t).toISOString()}`,
    ).toBe(true)
  const description = String(spec['description'])
  const described = [...description.matchAll(/(\d+) restarts|restart: /g)].reduce(
    (n, m) => n + (m[1] ? Number(m[1]) : 1),
    0,
  )
  expect(described, `${name}: ${description}`).toBe(cases.restarts.length)
  for (const words of cases.described) expect(description, name).toContain(words)
  // Ticks are distinct on both axes.
  const axes = axisLabels(svg)
  for (const [axis, labels] of axes)
    expect(new Set(labels).size, `${name} ${axis}: ${labels.join(', ')}`).toBe(labels.length)
  expect(axes.size, name).toBe(2)
  return rows
}

function byTime(rows: readonly Row[]): Map<number, Row[]> {
  const out = new Map<number, Row[]>()
  for (const r of rows) out.set(r.t, [...(out.get(r.t) ?? []), r])
  return out
}

function checkGolden(file: URL, name: string, svg: string): void {
  if (update) {
    mkdirSync(new URL('./', file), { recursive: true })
    writeFileSync(file, svg)
  }
  expect(existsSync(file), `${file.pathname} is missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true)
  expect(svg === readFileSync(file, 'utf8'), `${name} differs from its golden SVG ${file.pathname}`).toBe(true)
}

const isEmpty = (spec: Record<string, unknown>): boolean => String(spec['description']).startsWith('No data')

describe('regression: every catalog graph from recorded real data', () => {
  const rec = recording()
  const primary: Cases = { from: rec.from, to: rec.to, gap: rec.gap, restarts: rec.restarts, described: [] }
  // The standby's graphs: its own snapshots, and it was never restarted.
  const standby: Cases = { ...primary, gap: rec.standby.gap, restarts: rec.standby.restarts }
  const casesOf = (name: GraphName): Cases => (rec.standby.graphs.includes(name) ? standby : primary)
  // A recorded graph may be empty only for these reasons (the recording server has the rest).
  const allowedEmpty: Partial<Record<GraphName, string>> = {}

  // Graphs added to the catalog after the recording: covered by the generated cases below only,
  // until the fixtures are recorded again. A new graph fails here until it is recorded or listed.
  const notRecorded: readonly GraphName[] = []

  it('has a recorded fixture for every catalog graph but the listed ones', () => {
    expect(
      graphNames()
        .filter((n) => recordedData(n) === undefined)
        .sort(),
      `record them again (${RECORD_COMMAND}), then UPDATE_GOLDEN=1 and review`,
    ).toEqual(notRecorded.filter((n) => graphNames().includes(n)).sort())
  })

  it.each(
    graphNames()
      .filter((n) => !notRecorded.includes(n))
      .map((n) => [n]),
  )('%s', async (name) => {
    const data = recordedData(name)
    expect(
      data,
      `${name} has no recorded fixture in packages/render/test/fixtures/: record them again (${RECORD_COMMAND}), then UPDATE_GOLDEN=1 and review`,
    ).toBeDefined()
    const spec = graphSpec(name, data!, RECORDED_SIZE)
    const svg = await renderGraph(name, data!, RECORDED_SIZE)
    if (isEmpty(spec)) expect(allowedEmpty[name], `${name} is empty in the recording`).toBeDefined()
    else if (graphCatalog[name].mark !== 'bar') checkStructure(name, spec, svg, casesOf(name))
    checkGolden(new URL(`recorded/${name.replace(/\./g, '-')}.svg`, dir), name, svg)
  })

  /** The rows of a stacked band, and whether it is non-zero at each time. */
  async function band(name: GraphName, pick: (s: string) => boolean): Promise<Row[]> {
    const spec = graphSpec(name, recordedData(name)!, RECORDED_SIZE)
    const rows = (spec['layer'] as Layer[])[0]!.data!.values!
    return rows.filter((r) => pick(r.s))
  }
  const near = (t: number, times: readonly number[]) => times.some((x) => Math.abs(x - t) <= rec.stepMs)
  /** The drawn readings of a line graph (gap breaks left out). */
  const readings = (name: GraphName): Row[] =>
    (graphSpec(name, recordedData(name)!, RECORDED_SIZE)['layer'] as Layer[])[0]!.data!.values!.filter(
      (r) => r.v !== null,
    )
  const within = (t: number, span: { from: number; to: number }) =>
    t >= span.from - rec.stepMs && t <= span.to + rec.stepMs

  it.each([
    ['activity.locks', (s: string) => s === 'ShareRowExclusiveLock', rec.lockHeld],
    ['activity.wait_events', (s: string) => s === 'Lock', rec.lockWait],
  ] as const)(
    '%s: a category present in a few snapshots only is 0 at every other time, never absent',
    async (name, pick, present) => {
      const rows = await band(name, pick)
      const all = await band(name, () => true)
      // The band is drawn at every time any band is (absent means 0, not a hole).
      expect(new Set(rows.map((r) => r.t))).toEqual(new Set(all.map((r) => r.t)))
      const thick = rows.filter((r) => r.y1 !== null && r.y1! > r.y0!)
      expect(thick.length, name).toBeGreaterThan(0)
      for (const r of thick) expect(near(r.t, present), `${name} non-zero at ${r.t}`).toBe(true)
      expect(rows.filter((r) => r.y1 !== null && r.y1 === r.y0 && !near(r.t, present)).length).toBeGreaterThan(5)
    },
  )

  it.each(
    graphNames()
      .filter((n) => graphCatalog[n].mark === 'area')
      .map((n) => [n]),
  )('%s: a snapshot with no row of any category is drawn as 0 in every band, not left out', (name) => {
    const data = recordedData(name)!
    const collected = data.sets[0]!.collectedAt
    expect(collected, `${name}: recorded without collectedAt: record again (${RECORD_COMMAND})`).toBeDefined()
    const read = new Set(data.sets.flatMap((set) => set.series.flatMap((s) => s.points.map((p) => p.t))))
    const empty = collected!.filter((t) => !read.has(t))
    const rows = (graphSpec(name, data, RECORDED_SIZE)['layer'] as Layer[])[0]!.data!.values!
    const at = byTime(rows)
    const bands = new Set(rows.map((r) => r.s)).size
    for (const t of empty) {
      expect(at.get(t)?.length, `${name}: every band drawn at ${new Date(t).toISOString()}`).toBe(bands)
      for (const r of at.get(t)!) expect([r.v, r.y0, r.y1], `${name}: ${r.s} at ${r.t}`).toEqual([0, 0, 0])
    }
    // The recording has such snapshots for the locks: none held after the workload's first phase.
    if (name === 'activity.locks') expect(empty.length, name).toBeGreaterThan(0)
  })

  it('draws the long transaction from 0 to its real age, never below 0', () => {
    const data = recordedData('activity.longest_transaction')!
    const spec = graphSpec('activity.longest_transaction', data, RECORDED_SIZE)
    const rows = (spec['layer'] as Layer[])[0]!.data!.values!.filter((r) => r.v !== null)
    const age = (rec.longTransaction.to - rec.longTransaction.from) / 1000
    expect(Math.min(...rows.map((r) => r.v!))).toBeGreaterThanOrEqual(0)
    expect(Math.max(...rows.map((r) => r.v!))).toBeGreaterThan(age - (2 * rec.stepMs) / 1000)
    expect(Math.max(...rows.map((r) => r.v!))).toBeLessThan(age + 1)
  })

  it('fits the recorded hit ratio near 100% with distinct percent ticks', async () => {
    const data = recordedData('database.cache_hit_ratio')!
    const spec = graphSpec('database.cache_hit_ratio', data, RECORDED_SIZE)
    const rows = (spec['layer'] as Layer[])[0]!.data!.values!.filter((r) => r.v !== null)
    expect(rows.filter((r) => r.v! > 0.99 && r.v! < 1).length, 'readings near 100%').toBeGreaterThan(rows.length / 2)
    const y = axisLabels(await renderGraph('database.cache_hit_ratio', data, RECORDED_SIZE)).get('Y-axis')!
    expect(y.length).toBeGreaterThanOrEqual(3)
    for (const l of y) expect(l).toMatch(/^\d{2,3}\.\d+%$/)
  })

  it('names every replication lag line after its standby, never twice, and breaks it where the standby reconnected', () => {
    const rows = readings('wal.replication_lag')
    const spec = graphSpec('wal.replication_lag', recordedData('wal.replication_lag')!, RECORDED_SIZE)
    const names = (spec['layer'] as Layer[])[0]! as { encoding?: { color?: { scale?: { domain?: string[] } } } }
    const domain = names.encoding!.color!.scale!.domain!
    expect(new Set(domain).size, domain.join(', ')).toBe(domain.length)
    // the physical standby (application_name walreceiver) and the logical subscriber (sub)
    expect(domain).toEqual(expect.arrayContaining(['replay walreceiver', 'replay sub']))
    // Both reconnected after each restart (new walsenders, same name): one line each, broken there.
    const all = (spec['layer'] as Layer[])[0]!.data!.values!
    for (const line of ['replay walreceiver', 'replay sub']) {
      const own = all.filter((r) => r.s === line)
      for (const t of rec.restarts) {
        const before = own.findLastIndex((r) => r.t < t && r.v !== null)
        expect(own[before + 1]?.v, `${line} is broken at the restart ${new Date(t).toISOString()}`).toBeNull()
      }
    }
    expect(rows.every((r) => r.v! >= 0)).toBe(true)
  })

  it("draws the standby's replay delay and unreplayed WAL growing while its replay was paused, 0 otherwise", () => {
    const paused = (t: number) => t > rec.replayPaused.from && t < rec.replayPaused.to
    for (const name of ['wal.standby_replay_delay', 'wal.standby_replay_bytes'] as const) {
      const rows = readings(name).filter((r) => !r.s.startsWith('last replayed'))
      expect(Math.min(...rows.map((r) => r.v!)), name).toBeGreaterThanOrEqual(0)
      const during = rows.filter((r) => paused(r.t)).map((r) => r.v!)
      expect(during.length, name).toBeGreaterThan(1)
      expect(during.at(-1)!, `${name} grows while paused`).toBeGreaterThan(during[0]!)
      // Caught up again soon after replay resumed: 0 at most snapshots outside the pause.
      const outside = rows.filter((r) => !within(r.t, rec.replayPaused))
      expect(outside.filter((r) => r.v === 0).length, name).toBeGreaterThan(outside.length / 2)
    }
  })

  it('draws the dead items of the running VACUUM only while it ran', () => {
    const rows = readings('activity.vacuum_dead_items').filter((r) => r.s.endsWith('vacuumed'))
    expect(rows.length).toBeGreaterThan(1)
    for (const r of rows) expect(within(r.t, rec.vacuum), `a reading at ${r.t}`).toBe(true)
    expect(Math.max(...rows.map((r) => r.v!))).toBeGreaterThan(1000)
  })

  it.each([
    ['tables.freeze_age', 'autovacuum_freeze_max_age', 100_000],
    ['tables.multixact_age', 'autovacuum_multixact_freeze_max_age', 10_000],
  ] as const)('%s: ages reach the freeze limit and drop when autovacuum freezes, never below 0', (name, limit, at) => {
    const rows = readings(name)
    expect(rows.filter((r) => r.s === limit).every((r) => r.v === at)).toBe(true)
    const ages = rows.filter((r) => r.s !== limit)
    expect(Math.min(...ages.map((r) => r.v!))).toBeGreaterThanOrEqual(0)
    expect(Math.max(...ages.map((r) => r.v!))).toBeGreaterThanOrEqual(at)
    // some table's age drops between two readings: an anti-wraparound vacuum froze it
    const drops = [...new Set(ages.map((r) => r.s))].filter((s) => {
      const own = ages.filter((r) => r.s === s)
      return own.some((r, i) => i > 0 && r.v! < own[i - 1]!.v! * 0.9)
    })
    expect(drops.length, name).toBeGreaterThan(0)
  })
})

describe('regression: every catalog graph over missing categories, a gap, close restarts, a long transaction, a ratio near 100%', () => {
  it.each(graphNames().map((n) => [n]))('%s', async (name) => {
    const data = caseSet(name)
    const spec = graphSpec(name, data, { width: 720, height: 240 })
    const svg = await renderGraph(name, data, { width: 720, height: 240 })
    if (graphCatalog[name].mark !== 'bar' && !isEmpty(spec))
      checkStructure(name, spec, svg, {
        from: FROM,
        to: TO,
        gap: GAP,
        restarts: [RESTART, RESTART + 85_000],
        // Both restarts are marked (two rules, one count), the io resets folded into the first.
        described: ['2 restarts', 'with 79 statistics resets'],
        empty: EMPTY,
      })
    checkGolden(new URL(`${name.replace(/\./g, '-')}.svg`, dir), name, svg)
  })

  it('fits the hit ratio near 100% with distinct percent ticks', async () => {
    const svg = await renderGraph('database.cache_hit_ratio', caseSet('database.cache_hit_ratio'), {
      width: 720,
      height: 240,
    })
    const y = axisLabels(svg).get('Y-axis')!
    expect(y.length).toBeGreaterThanOrEqual(3)
    for (const l of y) expect(l).toMatch(/^\d{2,3}\.\d+%$/)
  })
})
