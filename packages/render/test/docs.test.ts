// docs/graphs.md and its pictures are generated from the catalog: this fails when either is stale.
// Fix: node --conditions=development --import tsx packages/render/scripts/generate-docs.ts
import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { DOC, PICTURES, pictureOf, renderDoc, svgPictures } from '../scripts/generate-docs.js'
import { graphNames } from '../src/index.js'

describe('docs/graphs.md', () => {
  it('lists every catalog graph with its picture, as generated from the catalog', async () => {
    const current = readFileSync(DOC, 'utf8')
    expect(await renderDoc(current)).toBe(current)
    for (const name of graphNames()) expect(current).toContain(`(graphs/${pictureOf(name)})`)
  })

  it('has every picture as the catalog renders it now', { timeout: 120_000 }, async () => {
    for (const [file, svg] of await svgPictures()) {
      const path = new URL(file, PICTURES)
      expect(existsSync(path), `docs/graphs/${file} is missing`).toBe(true)
      expect(svg === readFileSync(path, 'utf8'), `docs/graphs/${file} is stale`).toBe(true)
    }
  })
})
