import { describe, expect, it } from 'vitest'
import { parseCliTime, resolveRange } from './ranges.js'

const now = Date.UTC(2026, 10, 28, 12, 34, 56)

describe('resolveRange', () => {
  it('ends presets at the end of the minute, so a refresh in the same minute has the same key', () => {
    const a = resolveRange({ range: '1h' }, now)
    const b = resolveRange({ range: '1h' }, now + 3_000)
    expect(a.to).toBe(Date.UTC(2026, 10, 28, 12, 35))
    expect(a.to - a.from).toBe(3_600_000)
    expect(a.key).toBe(b.key)
    expect(resolveRange({}, now).name).toBe('24h')
  })
  it('reads custom ranges in UTC or with the browser offset', () => {
    const r = resolveRange({ range: 'custom', from: '2026-11-27T10:00', to: '2026-11-27T12:00' }, now)
    expect(r.from).toBe(Date.UTC(2026, 10, 27, 10))
    const l = resolveRange({ from: '2026-11-27T10:00', to: '2026-11-27T12:00', tzo: '-60' }, now)
    expect(l.from).toBe(Date.UTC(2026, 10, 27, 9))
  })
  it.each([
    [{ range: '2h' }],
    [{ range: 'custom', from: 'yesterday', to: 'now' }],
    [{ range: 'custom', from: '2026-11-27T12:00', to: '2026-11-27T10:00' }],
    [{ from: '2026-11-27T12:00' }],
    [{ from: '1990-01-01T00:00', to: '1990-01-02T00:00' }],
    [{ from: '2026-11-27T10:00', to: '2026-11-27T12:00', tzo: '9999' }],
  ])('refuses %j', (p) => {
    expect(() => resolveRange(p, now)).toThrow(/range|time|from|tzo|to|400/i)
  })
})

describe('parseCliTime', () => {
  it('reads relative and absolute times', () => {
    expect(parseCliTime('-24h', now)).toBe(now - 86_400_000)
    expect(parseCliTime('now', now)).toBe(now)
    expect(parseCliTime('2026-11-27T00:00:00Z', now)).toBe(Date.UTC(2026, 10, 27))
    expect(() => parseCliTime('soon', now)).toThrow(/not understood/)
  })
})
