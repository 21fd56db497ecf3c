import { describe, expect, it } from 'vitest'
import type { Series, SeriesSet } from '@pggraph/core'
import type { GraphQuery } from '../graph.js'
import { columnLines, combine, labelLines, ratioLine } from './lines.js'

const s = (column: string, labels: Record<string, string>, vs: (number | null)[], metric = 'm'): Series => ({
  metric,
  column,
  labels,
  kind: 'rate',
  unit: 'count',
  points: vs.map((v, i) => ({ t: i * 1000, v })),
})
const set = (...series: Series[]): SeriesSet => ({ from: 0, to: 3000, series, events: [] })
const q: GraphQuery[] = [{ metric: 'm', columns: ['a', 'b'] }]

describe('line builders', () => {
  it('combine sums point-wise and keeps all-null times as gaps', () => {
    expect(
      combine([
        [
          { t: 0, v: 1 },
          { t: 1, v: null },
        ],
        [
          { t: 0, v: 2 },
          { t: 1, v: null },
        ],
      ]),
    ).toEqual([
      { t: 0, v: 3 },
      { t: 1, v: null },
    ])
    expect(combine([[{ t: 0, v: 1 }], [{ t: 0, v: 5 }]], 'max')).toEqual([{ t: 0, v: 5 }])
  })

  it('columnLines names lines, sums over labels when asked, ignores other metrics', () => {
    const data = [
      set(
        s('a', { db: 'x' }, [1, 2]),
        s('a', { db: 'y' }, [10, 20]),
        s('b', {}, [5, 5]),
        s('a', {}, [99, 99], 'other'),
      ),
    ]
    expect(columnLines({ a: 'A', b: 'B' }, { sum: true })(data, q)).toEqual([
      {
        name: 'A',
        points: [
          { t: 0, v: 11 },
          { t: 1000, v: 22 },
        ],
      },
      {
        name: 'B',
        points: [
          { t: 0, v: 5 },
          { t: 1000, v: 5 },
        ],
      },
    ])
    expect(columnLines({ a: 'A' })(data, q).map((l) => l.name)).toEqual(['A x', 'A y'])
  })

  it('labelLines groups by label, drops the (other) row and keeps the largest', () => {
    const data = [
      set(
        s('a', { t: 'one' }, [1, 1]),
        s('a', { t: 'two' }, [9, 9]),
        s('a', { t: '(other)' }, [100, 100]),
        s('a', { t: 'three' }, [5, 5]),
      ),
    ]
    expect(labelLines(['a'], ['t'], { skipOther: true, limit: 2 })(data, q).map((l) => l.name)).toEqual([
      'three',
      'two',
    ])
  })

  it('ratioLine computes hit / (hit + read), null when nothing was read', () => {
    const data = [set(s('a', {}, [90, 0, null]), s('b', {}, [10, 0, 5]))]
    expect(ratioLine('hit', 'a', 'b')(data, q)[0]!.points.map((p) => p.v)).toEqual([0.9, null, null])
  })
})
