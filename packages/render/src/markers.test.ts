import { describe, expect, it } from 'vitest'
import type { SeriesEvent } from '@pggraph/core'
import { parseSvg } from '../../../test/well-formed.js'
import { DAY, syntheticSet, T0 } from '../test/fixtures.js'
import { MARKER_BUDGET, budgetMarkers, eventLayers, mergeEvents, type Marker } from './markers.js'
import { dejavuWidth } from './text-width.js'
import { themes } from './theme.js'
import { renderGraph } from './render.js'

const HOUR = 3_600_000
const marker = (t: number, restarts = 0, count = 1): Marker => ({
  t,
  label: restarts ? 'restart: server restarted' : 'pg_stat_database reset (app)',
  full: restarts ? 'restart: server restarted' : 'pg_stat_database reset (app)',
  count,
  restarts,
})
/** `n` resets spread evenly over the day from T0, each with its own key. */
const resets = (n: number, span = DAY): SeriesEvent[] =>
  Array.from({ length: n }, (_, i) => ({
    t: T0 + Math.floor((i / n) * span),
    kind: 'stats_reset' as const,
    label: `pg_stat_database reset (db${i})`,
  }))

describe('budgetMarkers', () => {
  it('leaves markers within the budget as they are', () => {
    const ms = Array.from({ length: MARKER_BUDGET }, (_, i) => marker(T0 + i * HOUR))
    expect(budgetMarkers(ms)).toEqual({ markers: ms, band: null })
  })

  it('keeps the restarts and folds the resets into one band that counts them', () => {
    const ms = [
      ...Array.from({ length: 20 }, (_, i) => marker(T0 + i * HOUR, 0, 3)),
      marker(T0 + 5.5 * HOUR, 1),
      marker(T0 + 30 * HOUR, 2, 4),
    ].sort((a, b) => a.t - b.t)
    const { markers, band } = budgetMarkers(ms)
    expect(markers.map((m) => m.t)).toEqual([T0 + 5.5 * HOUR, T0 + 30 * HOUR])
    expect(band).toMatchObject({ from: T0, to: T0 + 19 * HOUR, count: 60, label: '60 resets' })
    expect(band!.full).toBe(
      '60 statistics resets from 2026-11-01 00:00 UTC to 2026-11-01 19:00 UTC, too many to mark one by one',
    )
  })

  it('folds everything, restarts included, when the restarts alone exceed the budget', () => {
    const ms = Array.from({ length: MARKER_BUDGET + 1 }, (_, i) => marker(T0 + i * HOUR, 1, i === 0 ? 2 : 1))
    const { markers, band } = budgetMarkers(ms)
    expect(markers).toEqual([])
    expect(band).toMatchObject({ count: MARKER_BUDGET + 2, label: `${MARKER_BUDGET + 2} events` })
    expect(band!.full).toMatch(/^13 restarts and 1 statistics reset from /)
  })
})

describe('mergeEvents', () => {
  it('counts grouped events and lists only a few texts of a big group', () => {
    const events: SeriesEvent[] = [
      ...resets(10_000, HOUR),
      { t: T0 + 10, kind: 'restart', label: 'server restarted' },
      { t: T0 + 20, kind: 'stats_reset', label: 'pg_stat_io reset (io)', count: 500 },
    ]
    const [m, ...rest] = mergeEvents(events, T0, T0 + DAY, 2 * HOUR)
    expect(rest).toEqual([])
    expect(m!.count).toBe(10_000 + 1 + 500)
    expect(m!.restarts).toBe(1)
    // The resets next to a restart are part of it: one marker, said in its description.
    expect(m!.label).toBe('restart: server restarted')
    expect(m!.full).toBe('restart: server restarted, with 10,500 statistics resets')
  })

  it('folds the pg_stat_io resets of one restart into it, not "+79 more"', () => {
    const io: SeriesEvent[] = Array.from({ length: 79 }, (_, i) => ({
      t: T0 + 1_000,
      kind: 'stats_reset',
      label: `pg_stat_io reset (backend ${i})`,
    }))
    const ms = mergeEvents([{ t: T0 + 900, kind: 'restart', label: 'server restarted' }, ...io], T0, T0 + DAY, HOUR)
    expect(ms).toHaveLength(1)
    expect(ms[0]).toMatchObject({ t: T0 + 900, label: 'restart: server restarted', count: 80, restarts: 1 })
    expect(ms[0]!.full).toBe('restart: server restarted, with 79 statistics resets')
    // Resets alone, of one kind: one marker with their count.
    const [only] = mergeEvents(io, T0, T0 + DAY, HOUR)
    expect(only!.label).toBe('pg_stat_io reset ×79')
  })

  it('shows two restarts close together as two rules and a count, never one', () => {
    const events: SeriesEvent[] = [
      { t: T0 + 6 * HOUR, kind: 'restart', label: 'server restarted' },
      { t: T0 + 6 * HOUR + 85_000, kind: 'restart', label: 'server restarted' },
    ]
    const [m, ...rest] = mergeEvents(events, T0, T0 + DAY, HOUR)
    expect(rest).toEqual([])
    expect(m).toMatchObject({ label: '2 restarts', restarts: 2, times: [T0 + 6 * HOUR, T0 + 6 * HOUR + 85_000] })
    expect(m!.full).toBe('2 restarts (server restarted) (at 06:00:00, 06:01:25)')
  })

  it('cuts a hostile, very long event label', () => {
    const [m] = mergeEvents([{ t: T0, kind: 'stats_reset', label: `reset ${'x'.repeat(100_000)}` }], T0, T0 + DAY, HOUR)
    expect(m!.label.length).toBeLessThanOrEqual(120)
    expect(m!.full.length).toBeLessThanOrEqual(120)
  })
})

describe('a graph over many resets', () => {
  it('draws a band, not a rule per reset: small, well-formed SVG that says how many', async () => {
    const set = syntheticSet('database.transactions')
    const few = await renderGraph('database.transactions', set, { width: 800, height: 260 })
    const many = await renderGraph(
      'database.transactions',
      { ...set, events: [...set.events, ...resets(200_000)] },
      { width: 800, height: 260 },
    )
    const { texts } = parseSvg(many)
    // The restart is kept (with the resets that fell next to it); every other reset is in the band.
    expect(texts).toContain('restart: server restarted')
    const band = texts.find((x) => /^[\d,]+ resets$/.test(x))
    const inBand = Number(band!.replace(/\D/g, ''))
    const desc = texts.find((x) => x.includes('Marked:'))!
    const withRestart = Number(
      /restart: server restarted, with ([\d,]+) statistics resets/.exec(desc)![1]!.replace(/\D/g, ''),
    )
    expect(inBand + withRestart).toBe(200_000 + set.events.filter((e) => e.kind === 'stats_reset').length)
    expect(texts.find((x) => x.includes('too many to mark one by one'))).toContain(
      `${inBand.toLocaleString('en-US')} statistics resets from`,
    )
    // The band costs a rectangle and a label, not a rule per reset: the graph stays near the size of one without.
    expect(many.length).toBeLessThan(few.length + 4_000)
  })
})

describe('eventLayers', () => {
  const WIDTH = 650
  const FROM = T0
  const TO = T0 + 30 * 60_000
  type Layer = { data?: { values: { t: number; label?: string }[] }; mark: { type: string; align?: string } }
  /** The drawn labels with their pixel extent, and the rules' pixels. */
  function drawn(events: SeriesEvent[]) {
    const markers = mergeEvents(events, FROM, TO, ((TO - FROM) / WIDTH) * 40)
    const layers = eventLayers(markers, null, FROM, TO, WIDTH, themes.light) as Layer[]
    const px = (t: number) => ((t - FROM) / (TO - FROM)) * WIDTH
    const rules = layers.filter((l) => l.mark.type === 'rule').flatMap((l) => l.data!.values.map((v) => px(v.t)))
    const labels = layers
      .filter((l) => l.mark.type === 'text')
      .flatMap((l) =>
        l.data!.values.map((v) => {
          const w = dejavuWidth(v.label!, 10)
          const x = px(v.t)
          return {
            label: v.label!,
            at: v.t,
            lo: l.mark.align === 'left' ? x + 3 : x - 3 - w,
            hi: l.mark.align === 'left' ? x + 3 + w : x - 3,
          }
        }),
      )
    return { rules, labels }
  }
  const restart = (t: number): SeriesEvent => ({ t, kind: 'restart', label: 'server restarted' })
  const reset = (t: number): SeriesEvent => ({ t, kind: 'stats_reset', label: 'pg_stat_database reset (app)' })

  it('labels a group of restarts beside its rules, never across them', () => {
    const a = FROM + 15 * 60_000
    const { rules, labels } = drawn([restart(a), restart(a + 85_000)])
    expect(rules).toHaveLength(2)
    expect(labels.map((l) => [l.label, l.at])).toEqual([['2 restarts', a + 85_000]])
    for (const l of labels)
      for (const r of rules) expect(r <= l.lo || r >= l.hi, `${l.label} crosses a rule`).toBe(true)
  })

  it('draws the short label ("restart") where the whole one has no room, not a cut one', () => {
    // 60 px apart: room for "restart", not for "restart: server restarted".
    const step = ((TO - FROM) / WIDTH) * 60
    const { rules, labels } = drawn([reset(FROM + 2 * step), restart(FROM + 3 * step), reset(FROM + 4 * step)])
    expect(rules).toHaveLength(3)
    expect(labels.map((l) => l.label)).toContain('restart')
    for (const l of labels) {
      expect(l.label.endsWith('…'), l.label).toBe(false)
      for (const r of rules) expect(r <= l.lo + 0.01 || r >= l.hi - 0.01, `${l.label} crosses a rule`).toBe(true)
    }
  })
})
