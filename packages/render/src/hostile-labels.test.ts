// Attack: names from a monitored database (a table, an index, an application name, a reset
// key) carrying control characters, CDATA terminators, markup, quotes, bidi overrides, very
// long text and astral unicode. Every catalog graph must stay well-formed XML and show the
// name (control characters as U+FFFD), never markup of its own.
import { describe, expect, it } from 'vitest'
import type { SeriesSet } from '@pggraph/core'
import { parseSvg } from '../../../test/well-formed.js'
import { syntheticSet } from '../test/fixtures.js'
import { graphCatalog, graphNames, type GraphName } from './catalog/index.js'
import { renderGraph } from './render.js'

const HOSTILE = `a\u0001\u0008]]><![CDATA[<script>x</script>"'&\u202Eevil\u200F😀表`
const SHOWN = HOSTILE.replace('\u0001', '\uFFFD').replace('\u0008', '\uFFFD')

/** Every label value of the first series of each metric becomes `name`, and a reset carries it too. */
function hostile(graph: GraphName, name: string): SeriesSet {
  const set = syntheticSet(graph)
  const seen = new Set<string>()
  return {
    ...set,
    series: set.series.map((s) => {
      if (seen.has(s.metric) || Object.keys(s.labels).length === 0) return s
      seen.add(s.metric)
      return { ...s, labels: Object.fromEntries(Object.keys(s.labels).map((k) => [k, name])) }
    }),
    events: [...set.events, { t: set.from + 3_600_000, kind: 'stats_reset', label: `reset (${name})` }],
  }
}

describe.each(graphNames())('%s with hostile names', (graph) => {
  it('is well-formed XML, shows the name as text and holds no markup from it', async () => {
    const svg = await renderGraph(graph, hostile(graph, HOSTILE), { width: 800, height: 260 })
    const { root, texts } = parseSvg(svg)
    expect(root.getElementsByTagName('script').length).toBe(0)
    expect(svg).not.toContain('\u0001')
    // Time series describe their reset markers, the hostile one included (bars have no markers).
    if (graphCatalog[graph].mark !== 'bar') expect(texts.join('\n')).toContain(`reset (${SHOWN.slice(0, 40)}`)
  })
})

describe('very long and unicode names', () => {
  it.each([
    ['a 10,000-character name', 'n'.repeat(10_000)],
    ['astral and combining characters', 'ta\u0301ble 😀 表 \uD83D\uDE00'],
    ['a lone surrogate', 'half \uD800 pair'],
  ])('%s', async (_, name) => {
    const svg = await renderGraph('tables.seq_scans', hostile('tables.seq_scans', name), { width: 800, height: 260 })
    parseSvg(svg)
    expect(svg.length).toBeLessThan(150_000)
  })
})
