import { describe, expect, it } from 'vitest'
import { healthLine } from './pages.js'
import { healthState, maySee, readerRoleOf, type SystemInfo } from './systems.js'

describe('system health', () => {
  it('is stale after 3 intervals without a snapshot', () => {
    expect(healthState(null, 60_000, 1e9)).toBe('never')
    expect(healthState(1e9 - 180_000, 60_000, 1e9)).toBe('ok')
    expect(healthState(1e9 - 180_001, 60_000, 1e9)).toBe('stale')
  })
  it('shows spool size and drops when the bridge reported them, and the error when failing', () => {
    const sys: SystemInfo = {
      schema: 'acme',
      prefix: 'db1',
      host: null,
      database: null,
      serverVersion: '17.4',
      serverVersionNum: 170004,
      lastSeen: Date.UTC(2026, 0, 1),
      intervalMs: 60_000,
      lastError: 'store unreachable <b>',
      bridge: {
        lastSuccess: null,
        spoolFiles: 3,
        spoolBytes: 3_000_000,
        dropped: 2,
        retries: 1,
        lastError: null,
      },
      healthInvalid: false,
      state: 'stale',
      failing: true,
    }
    const line = healthLine(sys).value
    expect(line).toContain('badge error">failing')
    expect(line).toContain('spool 3 files (3.0 MB), 2 dropped')
    expect(line).toContain('PostgreSQL 17.4')
    expect(line).toContain('store unreachable &lt;b&gt;')
    const quiet = healthLine({ ...sys, failing: false, bridge: { ...sys.bridge!, spoolFiles: 0, dropped: 0 } }).value
    expect(quiet).toContain('badge stale">stale')
    expect(quiet).not.toContain('spool')
    expect(quiet).not.toContain('unreachable')
    expect(quiet).not.toContain('invalid health data')
    const invalid = healthLine({ ...sys, bridge: null, healthInvalid: true }).value
    expect(invalid).toContain('invalid health data')
    expect(invalid).toContain('PostgreSQL 17.4')
  })
  it('names reader roles and scopes users to their schema', () => {
    expect(readerRoleOf('acme')).toBe('acme_reader')
    expect(() => readerRoleOf('Acme"')).toThrow()
    expect(maySee({ user: 'a', schema: 'acme', admin: false }, 'acme')).toBe(true)
    expect(maySee({ user: 'a', schema: 'acme', admin: false }, 'other')).toBe(false)
    expect(maySee({ user: 'r', schema: null, admin: true }, 'other')).toBe(true)
  })
})
