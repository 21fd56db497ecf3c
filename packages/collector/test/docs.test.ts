import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { DOC, renderDoc } from '../scripts/metrics-doc.js'

describe('docs/collectors.md', () => {
  it('has the metric reference generated from the current definitions', async () => {
    const current = readFileSync(DOC, 'utf8')
    // if this fails: node --conditions=development --import tsx packages/collector/scripts/metrics-doc.ts
    expect(await renderDoc(current)).toBe(current)
    expect(current).toContain('### pg_stat_checkpointer')
  })
})
