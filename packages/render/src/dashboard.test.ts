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

describe('render pool', () => {
  it('refuses work after close, and fails a bad spec without losing the worker', async () => {
    const pool = createRenderPool({ workers: 1 })
    const bad = renderDashboard(['wal.bytes'], {}, { width: 300, height: 120, pool })
    await expect(bad).resolves.toBeInstanceOf(Map)
    const { WorkerPool } = await import('./worker-pool.js')
    expect(pool).toBeInstanceOf(WorkerPool)
    const raw = pool as InstanceType<typeof WorkerPool>
    await expect(raw.run({ mark: 'nonsense-mark' })).rejects.toThrow('could not be rendered')
    expect(pool.size).toBe(1)
    await pool.close()
    expect(pool.size).toBe(0)
    await expect(renderDashboard(['wal.bytes'], {}, { width: 300, height: 120, pool })).rejects.toThrow(
      'render pool is closed',
    )
  })
})
