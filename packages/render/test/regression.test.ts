// Visual regression suite (#15 Proof): every catalog graph rendered from one data set holding
// each case that used to mislead — a category missing from snapshots, a gap in the data, two
// restarts 85 s apart with the pg_stat_io resets of a restart, a long transaction, a hit ratio
// near 100% — checked structurally (no band crosses another, gaps are gaps, ticks distinct,
// every restart marked) and compared byte for byte with golden SVGs in test/regression/.
// Regenerate: UPDATE_GOLDEN=1 npx vitest run packages/render/test/regression.test.ts
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { DOMParser } from '@xmldom/xmldom'
import { describe, expect, it } from 'vitest'
import type { Series, SeriesEvent, SeriesSet } from '@pggraph/core'
import { graphCatalog, graphNames, graphSpec, renderGraph, type GraphName } from '../src/index.js'
import { HOUR, MINUTE, syntheticSet, T0 } from './fixtures.js'

const FROM = T0
const TO = T0 + 6 * HOUR
const GAP = { from: T0 + 2 * HOUR, to: T0 + 2 * HOUR + 30 * MINUTE }
const RESTART = T0 + 4 * HOUR
const dir = new URL('./regression/', import.meta.url)

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
    return { ...s, points }
  })
  return { ...base, series, events: EVENTS }
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

describe('regression: every catalog graph over missing categories, a gap, close restarts, a long transaction, a ratio near 100%', () => {
  it.each(graphNames().map((n) => [n]))('%s', async (name) => {
    const data = caseSet(name)
    const spec = graphSpec(name, data, { width: 720, height: 240 })
    const svg = await renderGraph(name, data, { width: 720, height: 240 })
    const def = graphCatalog[name]
    if (def.mark !== 'bar' && !String(spec['description']).startsWith('No data')) {
      const layers = spec['layer'] as { data?: { values?: Row[] }; mark?: { type?: string } }[]
      const rows = layers[0]!.data!.values!
      // Stacked areas are drawn on a grid of pixel columns: a reading moves by at most a column.
      const slack = def.mark === 'area' ? (TO - FROM) / 100 : 0
      const inGap = (t: number) => t > GAP.from + slack && t < GAP.to - slack
      // Gaps are gaps: no reading inside, and every series is broken there.
      expect(
        rows.filter((r) => inGap(r.t) && r.v !== null),
        name,
      ).toEqual([])
      for (const s of new Set(rows.map((r) => r.s))) {
        const own = rows.filter((r) => r.s === s)
        const before = own.findLastIndex((r) => r.t < GAP.from && r.v !== null)
        const after = own.findIndex((r) => r.t >= GAP.to && r.v !== null)
        if (before >= 0 && after >= 0) expect(after - before, `${name}: ${s} bridges the gap`).toBeGreaterThan(1)
      }
      if (def.mark === 'area') {
        // No band crosses another: at every time, each band starts where the one below ends.
        const names = [...new Set(rows.map((r) => r.s))]
        const byT = new Map<number, Row[]>()
        for (const r of rows) byT.set(r.t, [...(byT.get(r.t) ?? []), r])
        for (const at of byT.values()) {
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
      }
      // Both restarts are marked (two rules, one count), the io resets folded into the first.
      const rules = layers.filter((l) => l.mark?.type === 'rule').flatMap((l) => l.data?.values ?? [])
      expect(rules.map((r) => r.t)).toEqual(expect.arrayContaining([RESTART, RESTART + 85_000]))
      expect(String(spec['description'])).toContain('2 restarts')
      expect(String(spec['description'])).toContain('with 79 statistics resets')
      // Ticks are distinct on both axes.
      const axes = axisLabels(svg)
      for (const [axis, labels] of axes)
        expect(new Set(labels).size, `${name} ${axis}: ${labels.join(', ')}`).toBe(labels.length)
      expect(axes.size, name).toBe(2)
    }
    const file = new URL(`${name.replace(/\./g, '-')}.svg`, dir)
    if (process.env['UPDATE_GOLDEN']) {
      mkdirSync(dir, { recursive: true })
      writeFileSync(file, svg)
    }
    expect(existsSync(file), `${file.pathname} is missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true)
    expect(svg === readFileSync(file, 'utf8'), `${name} differs from its golden SVG`).toBe(true)
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
