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

  it('draws every band at 0 at a collected time where no band has a row', () => {
    // Snapshots every 10 ms; at 20 and 30 no lock was held at all (no row of any mode).
    const bands = [
      { name: 'AccessShareLock', points: [0, 10, 40].map((t) => ({ t, v: 2 })) },
      { name: 'RowExclusiveLock', points: [{ t: 10, v: 1 }] },
    ]
    const rows = stackBands(bands, 25, [0, 10, 20, 30, 40])
    const at = (t: number) => rows.filter((r) => r.t === t)
    for (const t of [20, 30]) {
      expect(at(t).map((r) => [r.s, r.v, r.y0, r.y1])).toEqual([
        ['AccessShareLock', 0, 0, 0],
        ['RowExclusiveLock', 0, 0, 0],
      ])
    }
    expect(rows.some((r) => r.y1 === null)).toBe(false)
    // Without the collected times, 20 and 30 are not drawn and 10 -> 40 (30 > 25) is a gap.
    const without = stackBands(bands, 25)
    expect(without.some((r) => r.t === 20 || r.t === 30)).toBe(false)
    expect(without.filter((r) => r.y1 === null).map((r) => r.t)).toEqual([25, 25])
  })

  it('keeps a time without a snapshot a gap in every band, even with collected times', () => {
    const rows = stackBands(
      [
        { name: 'a', points: [0, 10, 300].map((t) => ({ t, v: 1 })) },
        { name: 'b', points: [{ t: 310, v: 2 }] },
      ],
      25,
      [0, 10, 20, 300, 310],
    )
    const gap = rows.filter((r) => r.y1 === null)
    expect(gap.map((r) => [r.t, r.s])).toEqual([
      [160, 'a'],
      [160, 'b'],
    ])
    expect(rows.filter((r) => r.t === 20).map((r) => r.y1)).toEqual([0, 0])
  })

  it('leaves out a collected time whose only points are null (a rate unknown across a restart)', () => {
    const rows = stackBands(
      [
        {
          name: 'a',
          points: [
            { t: 0, v: 1 },
            { t: 10, v: null },
            { t: 20, v: 1 },
          ],
        },
      ],
      25,
      [0, 10, 20],
    )
    expect(rows.map((r) => r.t)).toEqual([0, 20])
  })

  it('never lets one band cross another, whatever the input', () => {
    const point = fc.record({
      t: fc.integer({ min: 0, max: 50 }),
      v: fc.option(fc.double({ min: -5, max: 100, noNaN: true })),
    })
    fc.assert(
      fc.property(
        fc.array(fc.array(point, { maxLength: 20 }), { minLength: 1, maxLength: 5 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 50 }), { maxLength: 30 }),
        (bands, collected) => {
          const input = bands.map((pts, i) => ({
            name: `b${i}`,
            points: [...new Map(pts.map((p) => [p.t, p])).values()].sort((a, b) => a.t - b.t),
          }))
          const rows = stackBands(input, 10, collected)
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
          // Every collected time without a null point is drawn (0 where no band has a reading).
          const nulls = new Set(input.flatMap((b) => b.points.filter((p) => p.v === null).map((p) => p.t)))
          for (const t of collected) if (!nulls.has(t)) expect(byT.has(t)).toBe(true)
        },
      ),
    )
  })
})
