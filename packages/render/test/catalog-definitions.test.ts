// Every catalog graph takes its unit, rate, server version and requirements from the metric
// definitions it reads: nothing is restated, so nothing can disagree.
import { builtinMetrics } from '@pggraph/collector/definitions'
import { pgStatDatabase, pgStatIo, pgStatWal } from '@pggraph/collector/definitions'
import { MIN_SERVER_VERSION, PggraphError, definitionMinVersion } from '@pggraph/core'
import { describe, expect, it } from 'vitest'
import { byLabel, columns, graphCatalog, graphNames, ratio, timeseries } from '../src/index.js'

const def = (name: string) => {
  const d = builtinMetrics.find((m) => m.name === name)
  if (!d) throw new Error(`no metric ${name}`)
  return d
}

describe('catalog graphs and the metric definitions', () => {
  it.each(graphNames())('%s reads real columns and carries their unit, rate, version and requirements', (name) => {
    const g = graphCatalog[name]
    const since: number[] = []
    for (const q of g.queries) {
      const d = def(q.metric)
      for (const c of q.columns) expect(Object.keys(d.values), `${q.metric}.${c}`).toContain(c)
      for (const r of d.requires ?? []) expect(g.requires ?? []).toContainEqual(r)
      since.push(
        Math.max(
          definitionMinVersion(d),
          Math.min(...q.columns.map((c) => d.values[c as never]?.['since'] ?? MIN_SERVER_VERSION)),
        ),
      )
      if (g.unit === 'ratio' || g.mark === 'bar') continue
      for (const c of q.columns) {
        const col = d.values[c as never] as { unit: string; kind: string; per?: string }
        expect(col.unit, `${name}: ${q.metric}.${c}`).toBe(g.unit)
        expect(g.per, `${name}: ${q.metric}.${c}`).toBe(col.kind === 'counter' ? (col.per ?? 'second') : undefined)
      }
    }
    const min = Math.min(...since)
    expect(g.minServerVersion ?? MIN_SERVER_VERSION).toBe(min)
  })

  it('refuses a graph whose lines do not share a unit or a rate', () => {
    expect(() =>
      timeseries({
        name: 'x.mixed',
        title: 'x',
        group: 'overview',
        description: 'x',
        lines: [columns(pgStatDatabase, { xact_commit: 'commits' }), columns(pgStatWal, { wal_bytes: 'WAL' })],
      }),
    ).toThrow(PggraphError)
    expect(() => columns(pgStatDatabase, { xact_commit: 'commits', temp_bytes: 'bytes' })).toThrow(
      /cannot share an axis/,
    )
    // same unit (count), but rates per minute and per second
    expect(() => columns(pgStatDatabase, { deadlocks: 'deadlocks', sessions: 'sessions' })).toThrow(
      /cannot share an axis/,
    )
  })

  it('derives the server version, rate scale and requirements of a graph', async () => {
    const g = timeseries({
      name: 'x.io',
      title: 'x',
      group: 'io',
      description: 'x',
      lines: [byLabel(pgStatIo, ['reads'], ['backend_type'])],
    })
    expect(g).toMatchObject({ minServerVersion: 16, unit: 'operations', per: 'second', axisTitle: 'operations/s' })
    const temp = timeseries({
      name: 'x.temp',
      title: 'x',
      group: 'overview',
      description: 'x',
      lines: [columns(pgStatDatabase, { temp_files: 'temp files' }, { sum: true })],
    })
    expect(temp).toMatchObject({ unit: 'files', per: 'minute', axisTitle: 'files/min' })
    // the store answers per second; a per-minute graph multiplies by 60
    const spec = temp.toSpec(
      [
        {
          from: 0,
          to: 120_000,
          events: [],
          series: [
            {
              metric: 'pg_stat_database',
              column: 'temp_files',
              labels: {},
              kind: 'rate',
              unit: 'files',
              points: [
                { t: 0, v: 0.5 },
                { t: 60_000, v: 1 },
              ],
            },
          ],
        },
      ],
      { width: 400, height: 200 },
    )
    expect(JSON.stringify(spec)).toContain('"v":30')
    expect(ratio(pgStatDatabase, 'blks_hit', 'blks_read', 'hit').unit).toBe('ratio')
  })
})
