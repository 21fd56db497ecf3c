import { describe, expect, it } from 'vitest'
import { PggraphError, type SeriesQuery, type SeriesSet } from '@pggraph/core'
import { syntheticSet, T0, DAY } from '../test/fixtures.js'
import { loadGraphData } from './load.js'
import { graphSpec, renderGraph } from './render.js'

const range = { from: T0, to: T0 + DAY, points: 600 }

describe('loadGraphData', () => {
  it('calls the reader once per query with the range and points, answers in query order', async () => {
    const calls: SeriesQuery[] = []
    const full = syntheticSet('io.buffers_written')
    const read = async (q: SeriesQuery): Promise<SeriesSet> => {
      calls.push(q)
      return { ...full, series: full.series.filter((s) => s.metric === q.metric) }
    }
    const data = await loadGraphData('io.buffers_written', read, range)
    expect(calls).toEqual([
      {
        metric: 'pg_stat_checkpointer',
        columns: ['buffers_written'],
        aggregate: 'sum',
        from: T0,
        to: T0 + DAY,
        points: 600,
      },
      {
        metric: 'pg_stat_bgwriter',
        columns: ['buffers_clean', 'buffers_alloc'],
        aggregate: 'sum',
        from: T0,
        to: T0 + DAY,
        points: 600,
      },
    ])
    expect(data.sets[0]!.series.every((s) => s.metric === 'pg_stat_checkpointer')).toBe(true)
    expect(data.sets[1]!.series.every((s) => s.metric === 'pg_stat_bgwriter')).toBe(true)
    expect(data.reason).toBeUndefined()
    const svg = await renderGraph('io.buffers_written', data, { width: 600, height: 200 })
    expect(svg).toContain('background writer')
  })

  it('explains a metric the store never collected', async () => {
    const read = async (q: SeriesQuery): Promise<SeriesSet> => {
      throw new PggraphError('NOT_FOUND', `no metric ${q.metric}`)
    }
    const data = await loadGraphData('statements.total_time', read, range)
    expect(data.reason).toContain('pg_stat_statements was never collected into this store')
    expect(data.reason).toContain('pg_stat_statements extension')
    const spec = graphSpec('statements.total_time', data, { width: 600, height: 200 })
    expect(String(spec['description'])).toContain('No data: pg_stat_statements was never collected')
  })

  it('does not read a graph the server is too old for, and says so', async () => {
    let called = false
    const read = async (): Promise<SeriesSet> => {
      called = true
      return syntheticSet('io.reads_by_backend_type')
    }
    const data = await loadGraphData('io.reads_by_backend_type', read, { ...range, serverVersion: 150_004 })
    expect(called).toBe(false)
    expect(data.reason).toBe('This graph needs PostgreSQL 16 or newer; the monitored server runs PostgreSQL 15.')
  })

  it('passes other errors through', async () => {
    const read = async (): Promise<SeriesSet> => {
      throw new PggraphError('QUERY', 'boom')
    }
    await expect(loadGraphData('wal.bytes', read, range)).rejects.toThrow('boom')
  })
})
