// One rule set for a metric definition: collect(), the conformance suite and installStore accept
// and refuse exactly the same definitions (a definition that passes testCollector installs).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { MetricDefinition, Queryable } from '@pggraph/core'
import { collect } from '@pggraph/collector'
import { definitionProblems } from '@pggraph/collector/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { installStore, openStore, type StoreConnection } from '../src/index.js'

const base = {
  name: 'rule_metric',
  area: 'custom',
  scope: 'cluster',
  description: 'A metric to check the rules with',
  labels: { k: 'text' },
  values: { v: { kind: 'gauge', unit: 'count' } },
  queries: [{ since: 12, sql: "SELECT 'a' AS k, 1 AS v" }],
} as const satisfies MetricDefinition

const bad: [string, MetricDefinition][] = [
  ['a reserved word as a column', { ...base, values: { order: { kind: 'gauge', unit: 'count' } } }],
  ['a name the store uses for rollups', { ...base, name: 'rule_hourly' }],
  ['a label named like a rollup column', { ...base, labels: { v_s: 'text' } }],
  ['a column starting with _', { ...base, values: { _v: { kind: 'gauge', unit: 'count' } } }],
  ['no value columns', { ...base, values: {} }],
  ['an empty description', { ...base, description: '' }],
  ['two queries for one version', { ...base, queries: [base.queries[0], { since: 14, sql: 'SELECT 2' }] }],
]

// collect() must refuse before it sends anything
const noDatabase: Queryable = {
  query: () => Promise.reject(new Error('collect() sent SQL for an invalid definition')),
}

describe('one rule set for metric definitions', () => {
  let dir: string
  let store: StoreConnection
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pggraph-rules-'))
    store = await openStore(`pglite:${dir}`)
  })
  afterAll(async () => {
    await store?.end()
    rmSync(dir, { recursive: true, force: true })
  })

  it.each(bad)('%s is refused by collect(), testCollector and installStore alike', async (_, d) => {
    expect(definitionProblems(d)).not.toEqual([])
    await expect(collect(noDatabase, { collectors: [{ name: 'c', metrics: [d] }] })).rejects.toMatchObject({
      code: 'CONFIG',
    })
    await expect(installStore(store, { schema: 'rules', prefix: 'p', metrics: [d] })).rejects.toMatchObject({
      code: 'CONFIG',
      message: expect.stringMatching(/^Metric "rule_\w+" is invalid: /),
    })
  })

  it('a sound definition passes all three', async () => {
    expect(definitionProblems(base)).toEqual([])
    const r = await installStore(store, { schema: 'rules', prefix: 'p', metrics: [base] })
    expect(r.metrics).toContain('p_rule_metric')
  })
})
