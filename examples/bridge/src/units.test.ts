import { describe, expect, it } from 'vitest'
import { formatBytes, formatDuration, parseBytes, parseDuration } from './units.js'

describe('parseDuration', () => {
  it('reads units, combinations and bare seconds', () => {
    expect(parseDuration('60s')).toBe(60_000)
    expect(parseDuration('1h30m')).toBe(5_400_000)
    expect(parseDuration('500ms')).toBe(500)
    expect(parseDuration('7d')).toBe(604_800_000)
    expect(parseDuration('90')).toBe(90_000)
    expect(parseDuration(30)).toBe(30_000)
  })
  it('refuses what is not a duration', () => {
    for (const bad of ['', 'sixty', '60 parsecs', '1h junk', '-5s', 's']) expect(parseDuration(bad)).toBeUndefined()
  })
  it('formats back', () => {
    expect(formatDuration(5_400_000)).toBe('1h30m')
    expect(formatDuration(250)).toBe('250ms')
  })
})

describe('parseBytes', () => {
  it('reads decimal and binary units', () => {
    expect(parseBytes('100MB')).toBe(100_000_000)
    expect(parseBytes('1GiB')).toBe(1024 ** 3)
    expect(parseBytes('512 kb')).toBe(512_000)
    expect(parseBytes(4096)).toBe(4096)
  })
  it('refuses what is not a size', () => {
    for (const bad of ['lots', '10 parsecs', '1.5.2MB']) expect(parseBytes(bad)).toBeUndefined()
    expect(formatBytes(1_500_000)).toBe('1.5 MB')
  })
})
