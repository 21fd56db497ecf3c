import { describe, expect, it } from 'vitest'
import { LoginGuard } from './login-guard.js'

const WINDOW = 15 * 60_000

function guard(perUser = 5, perIp = 1000): { g: LoginGuard; clock: { now: number } } {
  const clock = { now: 1_000_000 }
  return { g: new LoginGuard({ perIp, perUser, windowMs: WINDOW }, () => clock.now), clock }
}

describe('LoginGuard', () => {
  it('reserves attempts before they are checked: parallel attempts cannot pass the limit', () => {
    const { g } = guard(5)
    const verdicts = Array.from({ length: 20 }, () => g.reserve('1.2.3.4', 'alice', undefined))
    expect(verdicts.filter((v) => v.ok)).toHaveLength(5)
    expect(verdicts.filter((v) => !v.ok).every((v) => !v.ok && v.retryAfter === 1)).toBe(true)
    for (const v of verdicts) v.attempt?.failed()
    const after = g.reserve('1.2.3.4', 'alice', undefined)
    expect(after).toEqual({ ok: false, retryAfter: WINDOW / 1000 })
  })

  it('counts a user across addresses, and a success starts the count again', () => {
    const { g, clock } = guard(3)
    for (let i = 0; i < 2; i++) g.reserve(`10.0.0.${i}`, 'alice', undefined).attempt!.failed()
    g.reserve('10.0.0.9', 'ALICE', undefined).attempt!.succeeded()
    for (let i = 0; i < 3; i++) g.reserve(`10.0.1.${i}`, 'alice', undefined).attempt!.failed()
    expect(g.reserve('10.0.2.1', 'alice', undefined).ok).toBe(false)
    expect(g.lockedSince('alice', undefined)).toBe(clock.now)
    expect(g.reserve('10.0.2.1', 'bob', undefined).ok).toBe(true)
    clock.now += WINDOW
    expect(g.lockedSince('alice', undefined)).toBeUndefined()
    expect(g.reserve('10.0.2.1', 'alice', undefined).ok).toBe(true)
  })

  it('gives a browser with a device cookie of the user its own count', () => {
    const { g } = guard(2)
    const token = g.deviceToken('root')
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/)
    for (let i = 0; i < 2; i++) g.reserve(`10.0.0.${i}`, 'root', undefined).attempt!.failed()
    expect(g.reserve('10.0.0.5', 'root', undefined).ok).toBe(false)
    // The admin's own browser still gets in; a tampered cookie or another user's does not help.
    expect(g.reserve('10.0.0.5', 'Root', token).ok).toBe(true)
    const tampered = `${token.slice(0, 31)}${token[31] === 'A' ? 'B' : 'A'}${token.slice(32)}`
    expect(g.reserve('10.0.0.5', 'root', tampered).ok).toBe(false)
    expect(g.reserve('10.0.0.5', 'root', g.deviceToken('mallory')).ok).toBe(false)
    expect(g.reserve('10.0.0.5', 'root', 'garbage').ok).toBe(false)
  })

  it('lifts a lock on unlock, once per unlock', () => {
    const { g, clock } = guard(2)
    for (let i = 0; i < 2; i++) g.reserve('a', 'carol', undefined).attempt!.failed()
    clock.now += 1000
    const unlockedAt = clock.now
    expect(g.unlock('carol', unlockedAt)).toBe(true)
    expect(g.lockedSince('carol', undefined)).toBeUndefined()
    clock.now += 1000
    for (let i = 0; i < 2; i++) g.reserve('a', 'carol', undefined).attempt!.failed()
    expect(g.unlock('carol', unlockedAt)).toBe(false)
    expect(g.reserve('a', 'carol', undefined).ok).toBe(false)
  })

  it('counts every attempt per address, and reports each attempt once', () => {
    const { g } = guard(100, 3)
    const a = g.reserve('9.9.9.9', 'u1', undefined).attempt!
    a.failed()
    a.failed()
    a.succeeded()
    expect(g.reserve('9.9.9.9', 'u2', undefined).ok).toBe(true)
    expect(g.reserve('9.9.9.9', 'u3', undefined).ok).toBe(true)
    expect(g.reserve('9.9.9.9', 'u4', undefined).ok).toBe(false)
    expect(g.reserve('9.9.9.8', 'u4', undefined).ok).toBe(true)
  })

  it('stays bounded when user names are cycled', () => {
    const clock = { now: 0 }
    const g = new LoginGuard({ perIp: 1e9, perUser: 1, windowMs: WINDOW }, () => clock.now, 100)
    g.reserve('x', 'victim', undefined).attempt!.failed()
    for (let i = 0; i < 1000; i++) g.reserve('x', `u${i}`, undefined).attempt!.failed()
    // Older counts make room for new ones; nothing grows past the bound.
    expect(g.reserve('x', 'u999', undefined).ok).toBe(false)
  })
})
