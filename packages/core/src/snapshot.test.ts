import { describe, expect, it } from 'vitest'
import { parseSnapshot } from './snapshot.js'

const good = {
  format: 1,
  takenAt: '2026-11-28T06:00:00.000Z',
  server: {
    versionNum: 170004,
    version: '17.4',
    startTime: '2026-11-27T00:00:00Z',
    systemIdentifier: '7',
    timeline: 1,
    inRecovery: false,
  },
  databases: ['app'],
  resets: [],
  metrics: { pg_stat_database: [{ datname: 'app', xact_commit: 5, stats_reset: null }] },
  skipped: [],
  stats: { durationMs: 3, roundTrips: 2 },
}

describe('parseSnapshot', () => {
  it('accepts a well-formed snapshot and a JSON round trip of it', () => {
    expect(parseSnapshot(good)).toBe(good)
    expect(parseSnapshot(JSON.parse(JSON.stringify(good)))).toEqual(good)
  })

  it.each([
    [null, 'not an object'],
    [{ ...good, format: 2 }, 'unknown format'],
    [{ ...good, takenAt: 'yesterday' }, 'takenAt'],
    [{ ...good, server: undefined }, 'server is missing'],
    [{ ...good, metrics: { x: {} } }, 'metrics.x must be an array'],
    [{ ...good, metrics: { x: [{ a: { nested: 1 } }] } }, 'metrics.x.a'],
  ])('refuses a malformed snapshot with INVALID_SNAPSHOT (%#)', (value, why) => {
    expect(() => parseSnapshot(value)).toThrow(why)
    try {
      parseSnapshot(value)
    } catch (e) {
      expect((e as { code?: string }).code).toBe('INVALID_SNAPSHOT')
    }
  })
})
