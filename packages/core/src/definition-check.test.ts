import { describe, expect, it } from 'vitest'
import { checkDefinition, definitionProblems } from './definition-check.js'
import { PggraphError } from './errors.js'
import type { MetricDefinition } from './metric.js'

const good = {
  name: 'my_metric',
  area: 'custom',
  scope: 'database',
  description: 'Something',
  labels: { datname: 'text' },
  values: { n: { kind: 'counter', unit: 'count', per: 'minute' }, g: { kind: 'gauge', unit: 'bytes', since: 14 } },
  params: [10],
  queries: [
    { since: 14, sql: 'SELECT datname, n, g FROM x LIMIT $1' },
    { since: 12, until: 14, sql: 'SELECT datname, n FROM x LIMIT $1' },
  ],
} as const satisfies MetricDefinition

const with_ = (patch: Record<string, unknown>): MetricDefinition => ({ ...good, ...patch }) as MetricDefinition

describe('definitionProblems', () => {
  it('accepts a sound definition', () => {
    expect(definitionProblems(good)).toEqual([])
    expect(() => checkDefinition(good)).not.toThrow()
  })

  it.each([
    ['a name with capitals', { name: 'My_metric' }, /name "My_metric" is not allowed/],
    ['a reserved word as name', { name: 'select' }, /reserved word/],
    ['a name the store uses for rollups', { name: 'x_hourly' }, /rollup/],
    ['a name too long for a table', { name: `m${'x'.repeat(63)}` }, /at most 63/],
    ['an empty description', { description: ' ' }, /description is empty/],
    ['a bad scope', { scope: 'server' }, /scope "server"/],
    ['no value columns', { values: {} }, /no value columns/],
    ['a label that is also a value', { labels: { n: 'text' } }, /both a label and a value/],
    ['the time column', { labels: { time: 'text' } }, /reserved/],
    ['stats_reset as a column', { values: { stats_reset: { kind: 'gauge', unit: 'timestamp' } } }, /reserved/],
    ['a column with capitals', { values: { Bad: { kind: 'gauge', unit: 'count' } } }, /"Bad" is not allowed/],
    ['a reserved word as column', { values: { order: { kind: 'gauge', unit: 'count' } } }, /reserved word/],
    ['a kind that is neither', { values: { n: { kind: 'level', unit: 'count' } } }, /kind "level"/],
    ['no unit', { values: { n: { kind: 'gauge', unit: '' } } }, /no unit/],
    ['per on a gauge', { values: { n: { kind: 'gauge', unit: 'count', per: 'minute' } } }, /only a counter takes per/],
    [
      'a value too long for its rollup column',
      { values: { [`v${'x'.repeat(61)}`]: { kind: 'gauge', unit: 'count' } } },
      /rollup column/,
    ],
    ['a label named like a rollup column', { labels: { n_s: 'text' } }, /collides with the rollup column/],
    ['no queries', { queries: [] }, /no queries/],
    ['a parameter not declared', { params: [] }, /uses \$1 but params has 0/],
    [
      'a version without a query',
      { queries: [{ since: 14, sql: 'SELECT 1' }], minServerVersion: 12 },
      /PostgreSQL 12 matches 0 queries/,
    ],
    [
      'two queries for one version',
      {
        queries: [
          { since: 12, sql: 'SELECT 1' },
          { since: 13, sql: 'SELECT 2' },
        ],
      },
      /PostgreSQL 13 matches 2 queries/,
    ],
    [
      'a conditional query after the plain one',
      {
        queries: [
          { since: 12, sql: 'SELECT 1' },
          { since: 12, sql: 'SELECT 2', requires: [{ extension: 'x' }] },
        ],
      },
      /comes after the one without/,
    ],
  ])('refuses %s', (_, patch, message) => {
    const d = with_(patch)
    expect(definitionProblems(d).join('\n')).toMatch(message)
    expect(() => checkDefinition(d)).toThrow(PggraphError)
    expect(() => checkDefinition(d)).toThrow(/^Metric ".*" is invalid: /)
  })

  it('names a definition that is not an object instead of crashing', () => {
    expect(definitionProblems(null as unknown as MetricDefinition)).toEqual(['the definition is not an object'])
  })
})
