import { describe, expect, it } from 'vitest'
import { readBridgeHealth } from './bridge-health.js'

const good = {
  lastSuccess: '2026-01-01T00:00:00Z',
  spoolFiles: 2,
  spoolBytes: 4096,
  dropped: 0,
  retries: 1,
  lastError: null,
}

describe('readBridgeHealth', () => {
  it('reads a report a bridge sends, and fills what an older bridge leaves out', () => {
    expect(readBridgeHealth(good)).toEqual({ ok: true, health: good })
    expect(readBridgeHealth(null)).toEqual({ ok: true, health: null })
    expect(readBridgeHealth({ spoolFiles: 1 })).toEqual({
      ok: true,
      health: { lastSuccess: null, spoolFiles: 1, spoolBytes: 0, dropped: 0, retries: 0, lastError: null },
    })
    const long = readBridgeHealth({ ...good, lastError: 'x'.repeat(10_000) })
    expect(long.ok && long.health?.lastError?.length).toBe(500)
  })

  it.each([
    ['a string count', { spoolBytes: 'boom' }],
    ['infinity', { spoolBytes: Infinity }],
    ['a count beyond 2^53', { spoolFiles: 2 ** 60 }],
    ['a negative count', { dropped: -1 }],
    ['a fraction', { retries: 0.5 }],
    ['an object count', { spoolFiles: { a: [[[]]] } }],
    ['an array count', { spoolFiles: [1] }],
    ['a bad date', { lastSuccess: 'yesterday' }],
    ['an object error', { lastError: { x: 1 } }],
    ['an array', [1, 2, 3]],
    ['a string', 'boom'],
    ['a number', 42],
  ])('refuses %s', (_, raw) => {
    expect(readBridgeHealth(raw)).toEqual({ ok: false })
  })
})
