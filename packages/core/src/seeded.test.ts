import { describe, expect, it } from 'vitest'
import { hashString, prng } from './seeded.js'

describe('prng and hashString', () => {
  it('repeat for the same seed and differ for another', () => {
    const a = prng(42)
    const b = prng(42)
    const xs = Array.from({ length: 5 }, a)
    expect(Array.from({ length: 5 }, b)).toEqual(xs)
    expect(Array.from({ length: 5 }, prng(43))).not.toEqual(xs)
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true)
  })
  it('hash a name to a stable unsigned 32-bit number (FNV-1a)', () => {
    expect(hashString('')).toBe(2166136261)
    expect(hashString('a')).toBe(0xe40c292c)
    expect(hashString('xact_commit|app')).toBe(hashString('xact_commit|app'))
  })
})
