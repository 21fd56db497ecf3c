import { describe, expect, it } from 'vitest'
import { RateLimiter } from './rate-limit.js'

describe('RateLimiter', () => {
  it('allows `limit` hits per window, then refuses with the seconds left', () => {
    let now = 1_000_000
    const rl = new RateLimiter({ limit: 3, windowMs: 60_000, now: () => now })
    expect([rl.hit('a'), rl.hit('a'), rl.hit('a')].every((v) => v.ok)).toBe(true)
    expect(rl.hit('a')).toEqual({ ok: false, retryAfter: 60 })
    expect(rl.hit('b').ok).toBe(true)
    now += 30_000
    expect(rl.check('a')).toEqual({ ok: false, retryAfter: 30 })
    now += 30_000
    expect(rl.hit('a').ok).toBe(true)
  })
  it('forgets a key on reset and stays bounded', () => {
    const rl = new RateLimiter({ limit: 1, windowMs: 60_000, maxKeys: 10 })
    rl.hit('x')
    expect(rl.hit('x').ok).toBe(false)
    rl.reset('x')
    expect(rl.hit('x').ok).toBe(true)
    for (let i = 0; i < 100; i++) rl.hit(`k${i}`)
    expect(rl.check('k99').ok).toBe(false)
  })
})
