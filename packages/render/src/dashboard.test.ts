import { describe, expect, it } from 'vitest'
import { syntheticSet } from '../test/fixtures.js'
import type { GraphName } from './catalog/index.js'
import { createRenderPool, renderDashboard } from './dashboard.js'
import { renderGraph } from './render.js'

const names: GraphName[] = ['database.transactions', 'activity.connections', 'wal.bytes', 'statements.total_time']
const opts = { width: 480, height: 180 } as const

describe('renderDashboard', () => {
  it('gives the same bytes as renderGraph, in this thread and on worker threads', async () => {
    const data = new Map(names.slice(0, 3).map((n) => [n, syntheticSet(n)]))
    const expected = await Promise.all(
      names.map((n) =>
        renderGraph(
          n,
          data.get(n) ?? { graph: n, from: 0, to: 1, sets: [], reason: 'This graph was not loaded for the dashboard.' },
          opts,
        ),
      ),
    )
    const inline = await renderDashboard(names, data, opts)
    expect([...inline.keys()]).toEqual(names)
    expect([...inline.values()]).toEqual(expected)
    expect(inline.get('statements.total_time')).toContain('This graph was not loaded for the dashboard.')
    const pool = createRenderPool({ workers: 2 })
    try {
      const parallel = await renderDashboard(names, Object.fromEntries(data), { ...opts, pool })
      expect([...parallel.values()]).toEqual(expected)
    } finally {
      await pool.close()
    }
  })
})
