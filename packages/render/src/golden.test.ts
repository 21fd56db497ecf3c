// Golden SVGs: a changed file is reviewed like code. Regenerate with
// UPDATE_GOLDEN=1 npx vitest run packages/render/src/golden.test.ts
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { emptySet, HOUR, MINUTE, syntheticSet, T0 } from '../test/fixtures.js'
import type { GraphName } from './catalog/index.js'
import { renderGraph } from './render.js'

// Regenerating in CI would make the test pass whatever the renderer draws: refuse it there.
const update = Boolean(process.env['UPDATE_GOLDEN'])
if (update && process.env['CI'])
  throw new Error(
    'UPDATE_GOLDEN is set under CI: golden files are regenerated on a developer machine and reviewed, never in CI.',
  )

const dir = new URL('./golden/', import.meta.url)
const range = { from: T0, to: T0 + 6 * HOUR, step: 5 * MINUTE }

const cases: { file: string; graph: GraphName; empty?: boolean; theme?: 'light' | 'dark' }[] = [
  { file: 'database-transactions.svg', graph: 'database.transactions' },
  { file: 'activity-connections-dark.svg', graph: 'activity.connections', theme: 'dark' },
  { file: 'database-wraparound.svg', graph: 'database.wraparound' },
  { file: 'indexes-unused.svg', graph: 'indexes.unused' },
  { file: 'io-reads-no-data.svg', graph: 'io.reads_by_backend_type', empty: true },
]

describe('golden SVGs', () => {
  it.each(cases)('$file', async ({ file, graph, empty, theme }) => {
    const data = empty ? emptySet() : syntheticSet(graph, range)
    const svg = await renderGraph(graph, data, { width: 640, height: 220, ...(theme ? { theme } : {}) })
    const path = new URL(file, dir)
    if (update) {
      mkdirSync(dir, { recursive: true })
      writeFileSync(path, svg)
    }
    expect(existsSync(path), `${file} is missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true)
    expect(svg).toBe(readFileSync(path, 'utf8'))
  })
})
