import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { stackBands } from './stack.js'

describe('stackBands', () => {
  it('counts a band missing from a snapshot as 0 there, so no band floats', () => {
    const rows = stackBands(
      [
        { name: 'AccessExclusiveLock', points: [{ t: 20, v: 3 }] },
        { name: 'AccessShareLock', points: [10, 20, 30].map((t) => ({ t, v: 10 })) },
      ],
      25,
    )
    const at = (t: number, s: string) => rows.find((r) => r.t === t && r.s === s)!
    expect(at(10, 'AccessExclusiveLock')).toMatchObject({ v: 0, y0: 0, y1: 0 })
    expect(at(10, 'AccessShareLock')).toMatchObject({ y0: 0, y1: 10 })
    expect(at(20, 'AccessShareLock')).toMatchObject({ y0: 3, y1: 13 })
  })

  it('makes a gap a gap in every band', () => {
    const rows = stackBands(
      [
        { name: 'a', points: [0, 10, 20, 300, 310].map((t) => ({ t, v: 1 })) },
        { name: 'b', points: [0, 10, 300].map((t) => ({ t, v: 2 })) },
      ],
      25,
    )
    const gap = rows.filter((r) => r.y1 === null)
    expect(gap.map((r) => r.s).sort()).toEqual(['a', 'b'])
    expect(new Set(gap.map((r) => r.t))).toEqual(new Set([160]))
  })

  it('never lets one band cross another, whatever the input', () => {
    const point = fc.record({
      t: fc.integer({ min: 0, max: 50 }),
      v: fc.option(fc.double({ min: -5, max: 100, noNaN: true })),
    })
    fc.assert(
      fc.property(fc.array(fc.array(point, { maxLength: 20 }), { minLength: 1, maxLength: 5 }), (bands) => {
        const input = bands.map((pts, i) => ({
          name: `b${i}`,
          points: [...new Map(pts.map((p) => [p.t, p])).values()].sort((a, b) => a.t - b.t),
        }))
        const rows = stackBands(input, 10)
        const byT = new Map<number, typeof rows>()
        for (const r of rows) byT.set(r.t, [...(byT.get(r.t) ?? []), r])
        for (const at of byT.values()) {
          expect(at.map((r) => r.s)).toEqual(input.map((b) => b.name))
          if (at[0]!.y0 === null) {
            expect(at.every((r) => r.y0 === null && r.y1 === null)).toBe(true)
            continue
          }
          expect(at[0]!.y0).toBe(0)
          at.forEach((r, i) => {
            expect(r.y1!).toBeGreaterThanOrEqual(r.y0!)
            if (i > 0) expect(r.y0).toBe(at[i - 1]!.y1)
          })
        }
      }),
    )
  })
})
