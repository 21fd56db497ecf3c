import type { Renderer } from '@pggraph/core'
import { describe, expect, it } from 'vitest'
import { syntheticSet } from '../test/fixtures.js'
import type { GraphName } from './catalog/index.js'
import { createRenderPool, renderDashboard, type RenderPool } from './dashboard.js'
import { pngRenderer } from './png.js'
import { renderGraph } from './render.js'
import { vegaLiteRenderer } from './vega-lite-renderer.js'

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

describe('renderDashboard with any renderer or pool', () => {
  const data = new Map(names.map((n) => [n, syntheticSet(n)]))

  it('renders with the renderer it is given, the bytes renderGraph gives with it', async () => {
    const renderer = vegaLiteRenderer()
    const out = await renderDashboard(names, data, { ...opts, renderer })
    for (const n of names) expect(out.get(n)).toBe(await renderGraph(n, data.get(n)!, { ...opts, renderer }))
    const png = await renderDashboard(names.slice(0, 1), data, { ...opts, renderer: pngRenderer() })
    expect(png.get(names[0]!)).toEqual(await renderGraph(names[0]!, data.get(names[0]!)!, { ...opts, format: 'png' }))
  })

  it('uses a pool that is not its own class, every graph at once', async () => {
    const inner = vegaLiteRenderer()
    let running = 0
    let most = 0
    const pool: RenderPool = {
      name: 'counting-pool',
      mediaType: inner.mediaType,
      size: 3,
      async render(spec, size) {
        most = Math.max(most, ++running)
        await new Promise((r) => setTimeout(r, 5))
        running--
        return inner.render(spec, size)
      },
      close: async () => {},
    }
    const out = await renderDashboard(names, data, { ...opts, pool })
    expect(most).toBe(names.length)
    expect([...out.values()]).toEqual(
      await Promise.all(names.map((n) => renderGraph(n, data.get(n)!, { ...opts, renderer: inner }))),
    )
  })

  it('refuses a pool and a renderer together, and workers with either', async () => {
    const renderer: Renderer<string> = vegaLiteRenderer()
    const pool = { ...renderer, size: 1, close: async () => {} }
    await expect(renderDashboard(names, data, { ...opts, renderer, pool })).rejects.toMatchObject({ code: 'CONFIG' })
    await expect(renderDashboard(names, data, { ...opts, renderer, workers: 2 })).rejects.toMatchObject({
      code: 'CONFIG',
    })
    await expect(
      renderGraph(names[0]!, data.get(names[0]!)!, { ...opts, renderer, format: 'png' } as never),
    ).rejects.toMatchObject({ code: 'CONFIG' })
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
