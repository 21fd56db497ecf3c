import { describe, expect, it } from 'vitest'
import { breakGaps, GAP_FACTOR, maxStep } from './gaps.js'

const every = (step: number, n: number, skip: (i: number) => boolean = () => false) =>
  Array.from({ length: n }, (_, i) => ({ t: i * step, v: i })).filter((_, i) => !skip(i))

describe('maxStep', () => {
  it('is 2.5 times the median step of the most regular series', () => {
    expect(maxStep([every(60_000, 10)])).toBe(60_000 * GAP_FACTOR)
    // A series read at every other snapshot does not widen the limit.
    expect(maxStep([every(120_000, 5), every(60_000, 10)])).toBe(150_000)
    // A few long gaps do not move the median.
    expect(maxStep([every(10_000, 60, (i) => i >= 20 && i < 40)])).toBe(25_000)
  })

  it('takes the lower middle of an even number of steps, over mixed steps in any order', () => {
    // steps 10, 10, 30, 30 (sorted): the lower middle is 10; then 10, 30, 30 → 30
    const mixed = [0, 10, 20, 50, 80].map((t) => ({ t, v: 1 }))
    expect(maxStep([mixed])).toBe(10 * GAP_FACTOR)
    expect(maxStep([[0, 30, 40, 70].map((t) => ({ t, v: 1 }))])).toBe(30 * GAP_FACTOR)
  })

  it('is Infinity without two readings', () => {
    expect(maxStep([[{ t: 0, v: 1 }], [], [{ t: 5, v: null }]])).toBe(Infinity)
  })
})

describe('breakGaps', () => {
  it('puts a null in the middle of every step longer than the limit, and nowhere else', () => {
    const pts = every(10_000, 60, (i) => i >= 20 && i < 40)
    const out = breakGaps(pts, maxStep([pts]))
    expect(out.length).toBe(pts.length + 1)
    const gap = out.find((p) => p.v === null)!
    expect(gap.t).toBe(19 * 10_000 + Math.round((21 * 10_000) / 2))
    expect(breakGaps(every(10_000, 60), 25_000)).toEqual(every(10_000, 60))
  })

  it('breaks every gap of a series with several, keeping every reading in order', () => {
    const pts = every(10_000, 100, (i) => (i >= 10 && i < 20) || (i >= 50 && i < 70) || i === 98)
    const out = breakGaps(pts, 25_000)
    expect(out.filter((p) => p.v === null).map((p) => p.t)).toEqual([145_000, 595_000])
    expect(out.filter((p) => p.v !== null)).toEqual(pts)
    expect(out).not.toBe(pts)
  })

  it('leaves a late reading (under 2.5 steps) joined', () => {
    const pts = [...every(10_000, 5), { t: 64_000, v: 1 }]
    expect(breakGaps(pts, maxStep([pts])).some((p) => p.v === null)).toBe(false)
  })

  it('keeps nulls already there and never doubles them', () => {
    const pts = [
      { t: 0, v: 1 },
      { t: 10, v: null },
      { t: 100, v: 2 },
    ]
    expect(breakGaps(pts, 25)).toEqual(pts)
  })
})
