import { describe, expect, it } from 'vitest'
import { closestMatch } from './suggest.js'

describe('closestMatch', () => {
  it('finds a misspelt word among the candidates', () => {
    expect(closestMatch('intervall', ['interval', 'insecure'])).toBe('interval')
    expect(closestMatch('shema', ['store', 'schema', 'prefix'])).toBe('schema')
    expect(closestMatch('prefx', ['store', 'schema', 'prefix'])).toBe('prefix')
    expect(closestMatch('STORE', ['store'])).toBe('store')
  })
  it('says nothing when no candidate is close', () => {
    expect(closestMatch('xyz', ['interval', 'insecure'])).toBeUndefined()
    expect(closestMatch('password', ['store', 'user', 'schema', 'admin'])).toBeUndefined()
    expect(closestMatch('a', [])).toBeUndefined()
    expect(closestMatch('po', ['to'])).toBe('to')
    expect(closestMatch('zz', ['to'])).toBeUndefined()
  })
})
