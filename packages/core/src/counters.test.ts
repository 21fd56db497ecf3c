import { describe, expect, it } from 'vitest'
import { counterDelta, counterRate, counterRates } from './counters.js'

describe('counter maths', () => {
  it('computes a per-second rate', () => {
    expect(counterRate({ t: 0, v: 100 }, { t: 60_000, v: 160 })).toBe(1)
    expect(counterDelta({ t: 0, v: 100 }, { t: 1, v: 100 })).toBe(0)
  })

  it('gives no rate across a drop, a new epoch, a missing value or non-advancing time', () => {
    expect(counterRate({ t: 0, v: 100 }, { t: 60_000, v: 5 })).toBeNull()
    expect(counterRate({ t: 0, v: 1, epoch: 'a' }, { t: 60_000, v: 50, epoch: 'b' })).toBeNull()
    expect(counterRate({ t: 0, v: null }, { t: 60_000, v: 50 })).toBeNull()
    expect(counterRate({ t: 60_000, v: 1 }, { t: 60_000, v: 50 })).toBeNull()
    expect(counterRate({ t: 60_000, v: 1 }, { t: 0, v: 50 })).toBeNull()
  })

  it('turns readings into rates with a gap at a reset, never negative', () => {
    const pts = counterRates([
      { t: 0, v: 0, epoch: 's1' },
      { t: 10_000, v: 100, epoch: 's1' },
      { t: 20_000, v: 300, epoch: 's1' },
      { t: 30_000, v: 10, epoch: 's2' }, // restart
      { t: 40_000, v: 60, epoch: 's2' },
      { t: 50_000, v: 20, epoch: 's2' }, // unannounced reset
    ])
    expect(pts).toEqual([
      { t: 10_000, v: 10 },
      { t: 20_000, v: 20 },
      { t: 30_000, v: null },
      { t: 40_000, v: 5 },
      { t: 50_000, v: null },
    ])
    expect(pts.every((p) => p.v === null || p.v >= 0)).toBe(true)
  })
})
