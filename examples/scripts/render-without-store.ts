// Render a catalog graph from series you build yourself: no database at all.
//   npx tsx examples/scripts/render-without-store.ts > tps.svg
import type { SeriesSet } from '@pggraph/core'
import { renderGraph } from '@pggraph/render'

const start = Date.UTC(2026, 10, 1)
const minutes = 24 * 60
const wave = (i: number, base: number) => base + base * 0.4 * Math.sin((i / minutes) * 2 * Math.PI)
const data: SeriesSet = {
  from: start,
  to: start + minutes * 60_000,
  series: [
    {
      metric: 'pg_stat_database',
      column: 'xact_commit',
      labels: {},
      kind: 'rate',
      unit: 'transactions',
      points: Array.from({ length: minutes }, (_, i) => ({ t: start + i * 60_000, v: wave(i, 120) })),
    },
    {
      metric: 'pg_stat_database',
      column: 'xact_rollback',
      labels: {},
      kind: 'rate',
      unit: 'transactions',
      points: Array.from({ length: minutes }, (_, i) => ({ t: start + i * 60_000, v: wave(i, 3) })),
    },
  ],
  events: [{ t: start + 600 * 60_000, kind: 'restart', label: 'server restarted' }],
}
process.stdout.write(await renderGraph('database.transactions', data, { width: 800, height: 240, theme: 'light' }))
