import { describe, expect, it } from 'vitest'
import type { Series } from '@pggraph/core'
import { renderGraph, type GraphData } from '@pggraph/render'
import { boundGraphData, noteDroppedSeries } from './graph-bounds.js'

const T0 = Date.UTC(2026, 0, 1)
const MIN = 60_000

function series(datname: string, points: number, level: number): Series {
  return {
    metric: 'pg_database',
    column: 'size_bytes',
    labels: { datname },
    kind: 'gauge',
    unit: 'bytes',
    points: Array.from({ length: points }, (_, i) => ({ t: T0 + i * MIN, v: level + (i % 7) })),
  }
}

function data(list: Series[]): GraphData {
  return {
    graph: 'database.size',
    from: T0,
    to: T0 + 800 * MIN,
    sets: [{ from: T0, to: T0 + 800 * MIN, series: list, events: [] }],
  }
}

describe('boundGraphData', () => {
  it('leaves a normal graph untouched', () => {
    const d = data([series('app', 800, 1e9), series('postgres', 800, 1e7)])
    const b = boundGraphData(d)
    expect(b.data).toBe(d)
    expect(b.dropped).toBe(0)
  })

  it('keeps the largest series and downsamples a pathological graph to its point budget', () => {
    // A writer that invented 5,000 databases, each with 800 points: 4 million points.
    const list = Array.from({ length: 5000 }, (_, i) => series(`db${i}`, 800, i))
    const b = boundGraphData(data(list), { maxSeries: 200, maxPoints: 25_000, maxSvgBytes: 4 << 20 })
    const kept = b.data.sets[0]!.series
    expect(b.total).toBe(5000)
    expect(b.dropped).toBe(4800)
    expect(kept).toHaveLength(200)
    expect(Math.min(...kept.map((s) => Number(s.labels['datname']!.slice(2))))).toBe(4800)
    expect(kept.reduce((n, s) => n + s.points.length, 0)).toBeLessThanOrEqual(25_000)
  })

  it('renders a pathological graph small, with a note saying what is left out', async () => {
    const list = Array.from({ length: 3000 }, (_, i) => series(`db${i}`, 800, i * 1000))
    const b = boundGraphData(data(list))
    const svg = noteDroppedSeries(
      await renderGraph('database.size', b.data, { width: 800, height: 260, theme: 'light' }),
      b,
      800,
    )
    expect(svg.length).toBeLessThan(4 * 1024 * 1024)
    expect(svg).toContain('Showing the 200 largest of 3,000 series.')
    expect(svg.endsWith('</svg>')).toBe(true)
  })
})
