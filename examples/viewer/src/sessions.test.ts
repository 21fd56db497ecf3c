import { describe, expect, it } from 'vitest'
import { SessionStore } from './sessions.js'

describe('SessionStore', () => {
  it('expires logged-in sessions when idle and at their maximum age, and ids are unguessable', () => {
    let now = 0
    const store = new SessionStore({ maxAgeMs: 100_000, idleMs: 30_000 }, () => now)
    const who = { user: 'alice', schema: 'acme', admin: false }
    const s = store.create(who)
    expect(s.id).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(s.csrf).not.toBe(s.id)
    now = 29_000
    expect(store.get(s.id)).toBe(s)
    now = 58_000
    expect(store.get(s.id)).toBe(s)
    now = 87_000
    expect(store.get(s.id)).toBe(s)
    now = 100_000
    expect(store.get(s.id)).toBeUndefined()
    const t = store.create(who)
    now += 30_000
    expect(store.get(t.id)).toBeUndefined()
    expect(store.get('nope')).toBeUndefined()
    expect(store.get(undefined)).toBeUndefined()
  })
  it('ends every session of a user', () => {
    const store = new SessionStore({ maxAgeMs: 1e6, idleMs: 1e6 })
    const a = store.create({ user: 'a', schema: 's', admin: false })
    const b = store.create({ user: 'b', schema: 's', admin: false })
    store.destroyUser('a')
    expect(store.get(a.id)).toBeUndefined()
    expect(store.get(b.id)).toBe(b)
  })
  it('stays bounded under a flood of anonymous sessions, keeping logged-in ones', () => {
    const store = new SessionStore({ maxAgeMs: 1e6, idleMs: 1e6 }, Date.now, 100)
    const user = store.create({ user: 'a', schema: 's', admin: false })
    const anon = Array.from({ length: 500 }, () => store.create(null))
    expect(store.get(user.id)).toBe(user)
    expect(store.get(anon[499]!.id)).toBeDefined()
    expect(anon.filter((s) => store.get(s.id)).length).toBeLessThan(100)
  })
})
