import { describe, expect, it } from 'vitest'
import { formatBytes } from './bytes.js'

describe('formatBytes (SI)', () => {
  it('counts in thousands, one decimal below 10 of a unit', () => {
    expect(formatBytes(0)).toBe('0 B')
    expect(formatBytes(999)).toBe('999 B')
    expect(formatBytes(1000)).toBe('1.0 kB')
    expect(formatBytes(1536000)).toBe('1.5 MB')
    expect(formatBytes(100e6)).toBe('100 MB')
    expect(formatBytes(12.3e9)).toBe('12 GB')
    expect(formatBytes(2e18)).toBe('2000 PB')
  })

  it('never prints 1000 of a unit, and survives odd inputs', () => {
    expect(formatBytes(999_960)).toBe('1.0 MB')
    expect(formatBytes(9_960)).toBe('10 kB')
    expect(formatBytes(-2048)).toBe('-2.0 kB')
    expect(formatBytes(12.7)).toBe('13 B')
    expect(formatBytes(Number.NaN)).toBe('NaN B')
  })
})
