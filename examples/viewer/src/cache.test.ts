import { describe, expect, it } from 'vitest'
import { ImageCache, etagMatches } from './cache.js'

describe('ImageCache', () => {
  it('renders once per key, shares concurrent renders, and keeps a strong ETag', async () => {
    const cache = new ImageCache()
    let renders = 0
    const make = async () => {
      renders++
      await new Promise((r) => setTimeout(r, 10))
      return { body: Buffer.from('<svg/>'), contentType: 'image/svg+xml', modified: 1 }
    }
    const [a, b] = await Promise.all([cache.get('k', make), cache.get('k', make)])
    const c = await cache.get('k', make)
    expect(renders).toBe(1)
    expect(a).toBe(b)
    expect(c.etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/)
  })
  it('does not keep failures and evicts the least recently used beyond its size', async () => {
    const cache = new ImageCache(10)
    await expect(cache.get('bad', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    expect(cache.size).toBe(0)
    const img = (s: string) => () => Promise.resolve({ body: Buffer.from(s), contentType: 't', modified: 0 })
    await cache.get('a', img('aaaa'))
    await cache.get('b', img('bbbb'))
    await cache.get('a', img('xxxx'))
    await cache.get('c', img('cccc'))
    expect(cache.size).toBe(2)
    expect((await cache.get('a', img('new!'))).body.toString()).toBe('aaaa')
    expect((await cache.get('b', img('new!'))).body.toString()).toBe('new!')
  })
  it('matches If-None-Match lists, weak tags and *', () => {
    expect(etagMatches('"x", W/"y"', '"y"')).toBe(true)
    expect(etagMatches('*', '"y"')).toBe(true)
    expect(etagMatches('"z"', '"y"')).toBe(false)
    expect(etagMatches(undefined, '"y"')).toBe(false)
  })
})
