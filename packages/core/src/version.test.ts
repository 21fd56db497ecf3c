import { describe, expect, it } from 'vitest'
import { PggraphError } from './errors.js'
import type { MetricDefinition } from './metric.js'
import { assertSupportedServer, majorOf, queryFor } from './version.js'

describe('server version gate', () => {
  it('accepts 12 and later, returning the major', () => {
    expect(assertSupportedServer(120019)).toBe(12)
    expect(assertSupportedServer(180001)).toBe(18)
    expect(assertSupportedServer(190000)).toBe(19)
    expect(majorOf(170004)).toBe(17)
  })

  it('refuses 11 and 9.6 with UNSUPPORTED_SERVER naming the supported range', () => {
    for (const v of [110022, 90624]) {
      try {
        assertSupportedServer(v)
        expect.unreachable()
      } catch (e) {
        expect(e).toBeInstanceOf(PggraphError)
        expect((e as PggraphError).code).toBe('UNSUPPORTED_SERVER')
        expect((e as Error).message).toMatch(/PostgreSQL 12 to 18/)
      }
    }
    expect(() => assertSupportedServer(90624)).toThrow(/PostgreSQL 9\.6 is not supported/)
  })

  it('picks the query whose version range contains the major', () => {
    const def = {
      name: 'x',
      area: 'test',
      description: 'x',
      scope: 'cluster',
      labels: {},
      values: {},
      queries: [
        { since: 17, sql: 'new' },
        { since: 12, until: 17, sql: 'old' },
      ],
    } as const satisfies MetricDefinition
    expect(queryFor(def, 12)?.sql).toBe('old')
    expect(queryFor(def, 16)?.sql).toBe('old')
    expect(queryFor(def, 17)?.sql).toBe('new')
    expect(queryFor(def, 11)).toBeUndefined()
  })
})
