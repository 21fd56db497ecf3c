import { describe, expect, it } from 'vitest'
import { syntheticSet } from '../test/fixtures.js'
import { graphSpec } from './render.js'
import { vegaLiteRenderer } from './vega-lite-renderer.js'

describe('vegaLiteRenderer', () => {
  it('returns the sized Vega-Lite spec as JSON, the same bytes every time', async () => {
    const size = { width: 500, height: 160 }
    const spec = graphSpec('database.transactions', syntheticSet('database.transactions'), { width: 800, height: 240 })
    const r = vegaLiteRenderer()
    const json = await r.render(spec, size)
    expect(await r.render(spec, size)).toBe(json)
    const parsed = JSON.parse(json) as Record<string, unknown>
    expect(parsed['$schema']).toBe('https://vega.github.io/schema/vega-lite/v6.json')
    expect([parsed['width'], parsed['height']]).toEqual([500, 160])
    expect(JSON.stringify(parsed['layer'])).toContain('"s":"commit"')
    expect(r.mediaType).toBe('application/vnd.vegalite.v6+json')
  })
})
