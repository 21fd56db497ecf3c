import { describe, expect, it } from 'vitest'
import * as vega from 'vega'
import { numberLabelExpr, ratioAxis, tickStep, timeAxis } from './axes.js'

// Vega's own d3-format (untyped in vega-typings): the formatter the axes use.
const locale = (vega as unknown as { defaultLocale(): { format(spec: string): (v: number) => string } }).defaultLocale()
const format = (spec: string): ((v: number) => string) => locale.format(spec)
const H = 3_600_000
const T0 = Date.UTC(2026, 10, 1)

describe('ratioAxis', () => {
  it('gives distinct ticks with the decimals the range needs (99.90%, 99.95%)', () => {
    const axis = ratioAxis([0.9991, 0.99935, 0.9998])
    const labels = axis.ticks.map(format(axis.format))
    expect(new Set(labels).size).toBe(labels.length)
    expect(labels.length).toBeGreaterThanOrEqual(3)
    expect(labels).toContain('99.90%')
    expect(axis.domain[0]).toBeLessThanOrEqual(0.9991)
    expect(axis.domain[1]).toBeGreaterThanOrEqual(0.9998)
    expect(axis.domain[1]).toBeLessThanOrEqual(1)
  })

  it('clamps to 0–100% and survives flat, empty and wild input', () => {
    expect(ratioAxis([1, 1, 1]).domain[1]).toBe(1)
    expect(ratioAxis([1, 1, 1]).ticks.length).toBeGreaterThan(1)
    expect(ratioAxis([]).domain).toEqual([0, 1])
    const wild = ratioAxis([-3, 7, Number.NaN, 0.5])
    expect(wild.domain).toEqual([0, 1])
    for (const v of [[0.2, 0.9], [0.5], [0.99999, 1], [0, 0.00001]]) {
      const a = ratioAxis(v)
      const labels = a.ticks.map(format(a.format))
      expect(new Set(labels).size, String(v)).toBe(labels.length)
      expect(a.ticks.every((t) => t >= 0 && t <= 1)).toBe(true)
    }
  })
})

describe('tickStep', () => {
  it('is 1, 2 or 5 times a power of ten', () => {
    expect(tickStep(0.0007, 4)).toBeCloseTo(0.0002)
    expect(tickStep(100, 5)).toBe(20)
  })
})

describe('numberLabelExpr', () => {
  it('never uses SI prefixes below one thousand', () => {
    expect(numberLabelExpr('~s')).toContain(">= 1000 ? format(datum.value, '.3~s')")
    expect(numberLabelExpr('~s')).toContain("format(datum.value, ',.3~r')")
    expect(format(',.3~r')(0.4)).toBe('0.4')
    expect(format('.3~s')(1500)).toBe('1.5k')
  })
})

describe('timeAxis', () => {
  it('uses one format per axis and names the zone and the day', () => {
    const six = timeAxis(T0 + 5 * H + 50 * 60_000, T0 + 11 * H, 650)
    expect(six.format).toBe('%H:%M')
    expect(six.title).toBe('time (UTC), 1 Nov 2026')
    const day = timeAxis(T0 + 12 * H, T0 + 36 * H, 650)
    expect(day.format).toBe('%H:%M')
    expect(day.title).toBe('time (UTC), 1 Nov 2026 – 2 Nov 2026')
    expect(timeAxis(T0, T0 + 7 * 24 * H, 650).format).toBe('%-d %b')
    expect(timeAxis(T0, T0 + 2 * 24 * H, 650).format).toBe('%-d %b %H:%M')
    expect(timeAxis(T0, T0 + 400 * 24 * H, 650).format).toBe('%b %Y')
    expect(timeAxis(T0, T0 + 10 * 60_000, 650).format).toBe('%H:%M')
    expect(timeAxis(T0, T0 + 60_000, 650).format).toBe('%H:%M:%S')
  })

  it('keeps ticks at least 90 px apart', () => {
    for (const span of [60_000, H, 6 * H, 24 * H, 7 * 24 * H, 30 * 24 * H]) {
      const a = timeAxis(T0, T0 + span, 650)
      const ms = { seconds: 1e3, minutes: 6e4, hours: H, day: 24 * H, week: 168 * H, month: 720 * H, year: 8760 * H }
      expect((650 / span) * ms[a.tickCount.interval] * a.tickCount.step, String(span)).toBeGreaterThanOrEqual(85)
    }
  })
})
