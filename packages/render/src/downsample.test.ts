import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { SeriesPoint } from '@pggraph/core'
import { downsample, downsampleToGrid } from './downsample.js'

function noisy(n: number, seed = 1): SeriesPoint[] {
  let x = seed
  const out: SeriesPoint[] = []
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31
    out.push({ t: i * 60_000, v: 100 + (x / 2 ** 31) * 10 })
  }
  return out
}

describe('downsample', () => {
  const raw = noisy(86_400)
  const peakAt = 51_234
  const dipAt = 7_777
  const withSpikes = raw.map((p, i) => (i === peakAt ? { t: p.t, v: 5_000 } : i === dipAt ? { t: p.t, v: -300 } : p))

  it('minmax keeps every peak and trough exactly, at ≤ 2 points per pixel', () => {
    const out = downsample(withSpikes, 800)
    expect(out.length).toBeLessThanOrEqual(1_600)
    expect(out.length).toBeGreaterThan(1_500)
    expect(out).toContainEqual(withSpikes[peakAt])
    expect(out).toContainEqual(withSpikes[dipAt])
    expect(Math.max(...out.map((p) => p.v!))).toBe(5_000)
    expect(Math.min(...out.map((p) => p.v!))).toBe(-300)
  })

  it('lttb keeps an isolated peak at ≤ 1 point per pixel', () => {
    const out = downsample(withSpikes, 800, 'lttb')
    expect(out.length).toBeLessThanOrEqual(800)
    expect(out).toContainEqual(withSpikes[peakAt])
    expect(out[0]).toEqual(withSpikes[0])
    expect(out[out.length - 1]).toEqual(withSpikes[withSpikes.length - 1])
  })

  it('keeps time order and returns small series unchanged', () => {
    const out = downsample(withSpikes, 500)
    for (let i = 1; i < out.length; i++) expect(out[i]!.t).toBeGreaterThan(out[i - 1]!.t)
    const small = noisy(100)
    expect(downsample(small, 800)).toEqual(small)
    expect(downsample(small, 800, 'lttb')).toEqual(small)
  })

  it('never joins points across a gap', () => {
    const gapped = raw.map((p, i) => (i >= 40_000 && i < 40_100 ? { t: p.t, v: null } : p))
    for (const method of ['minmax', 'lttb'] as const) {
      const out = downsample(gapped, 800, method)
      const nullIdx = out.findIndex((p) => p.v === null)
      expect(nullIdx).toBeGreaterThan(0)
      expect(out[nullIdx - 1]!.t).toBeLessThan(40_000 * 60_000)
      expect(out[nullIdx + 1]!.t).toBeGreaterThanOrEqual(40_100 * 60_000)
      expect(out.filter((p) => p.v === null)).toHaveLength(1)
    }
  })

  it('grid downsampling stamps every series at the same times and keeps the max', () => {
    const a = downsampleToGrid(withSpikes, 0, 86_400 * 60_000, 400)
    const b = downsampleToGrid(noisy(86_400, 7), 0, 86_400 * 60_000, 400)
    expect(a.map((p) => p.t)).toEqual(b.map((p) => p.t))
    expect(a).toHaveLength(400)
    expect(Math.max(...a.map((p) => p.v!))).toBe(5_000)
  })
})

describe('downsample properties', () => {
  const series = fc
    .array(fc.option(fc.double({ min: -1e9, max: 1e9, noNaN: true }), { nil: null, freq: 20 }), {
      minLength: 1,
      maxLength: 3_000,
    })
    .map((vs) => vs.map((v, i) => ({ t: i * 1_000, v })))

  it('minmax: a time-ordered subset of the input that keeps the extremes, within budget', () => {
    fc.assert(
      fc.property(series, fc.integer({ min: 1, max: 400 }), (points, width) => {
        const out = downsample(points, width)
        const values = points.filter((p) => p.v !== null).map((p) => p.v!)
        const kept = out.filter((p) => p.v !== null).map((p) => p.v!)
        if (values.length > 0) {
          expect(Math.max(...kept)).toBe(Math.max(...values))
          expect(Math.min(...kept)).toBe(Math.min(...values))
        }
        for (let i = 1; i < out.length; i++) expect(out[i]!.t).toBeGreaterThanOrEqual(out[i - 1]!.t)
        const byTime = new Map(points.map((p) => [p.t, p.v]))
        for (const p of out) if (p.v !== null) expect(byTime.get(p.t)).toBe(p.v)
        const gaps = points.filter((p) => p.v === null).length
        expect(out.filter((p) => p.v !== null).length).toBeLessThanOrEqual(
          Math.max(2 * width + 2 * gaps, points.length),
        )
      }),
      { numRuns: 200 },
    )
  })

  it('lttb: keeps the first and last point of each run and never more than the input', () => {
    fc.assert(
      fc.property(series, fc.integer({ min: 3, max: 400 }), (points, width) => {
        const out = downsample(points, width, 'lttb')
        expect(out.length).toBeLessThanOrEqual(points.length + 1)
        const firstValue = points.find((p) => p.v !== null)
        if (firstValue && points.length > width) expect(out.find((p) => p.v !== null)).toEqual(firstValue)
      }),
      { numRuns: 200 },
    )
  })
})
