import { describe, expect, it } from 'vitest'
import { PggraphError } from './errors.js'
import { MAX_IDENTIFIER_BYTES, qualifiedName, quoteIdent, validateIdentifier } from './identifiers.js'

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (e) {
    return e instanceof PggraphError ? e.code : 'OTHER'
  }
  return undefined
}

describe('identifiers', () => {
  it('accepts plain lower-case names and quotes them', () => {
    expect(validateIdentifier('acme', 'schema')).toBe('acme')
    expect(quoteIdent('db1_main', 'prefix')).toBe('"db1_main"')
    expect(qualifiedName('acme', 'db1_snapshots')).toBe('"acme"."db1_snapshots"')
  })

  it.each([
    ['', 'missing'],
    ['Acme', 'not allowed'],
    ['1abc', 'not allowed'],
    ['_x', 'not allowed'],
    ['a"b', 'not allowed'],
    ["a'b", 'not allowed'],
    ['a b', 'not allowed'],
    ['a\u0000b', 'not allowed'],
    ['café', 'not allowed'],
    ['select', 'reserved'],
    ['public', 'reserved'],
    ['a'.repeat(MAX_IDENTIFIER_BYTES + 1), 'bytes long'],
  ])('refuses %j with a CONFIG error that says why', (name, why) => {
    expect(codeOf(() => validateIdentifier(name, 'schema'))).toBe('CONFIG')
    expect(() => validateIdentifier(name, 'schema')).toThrow(why)
  })

  it('honours a smaller byte budget for names that get suffixes', () => {
    expect(validateIdentifier('abcde', 'prefix', 5)).toBe('abcde')
    expect(() => validateIdentifier('abcdef', 'prefix', 5)).toThrow(/at most 5/)
  })

  it('refuses non-strings', () => {
    expect(codeOf(() => validateIdentifier(42))).toBe('CONFIG')
    expect(codeOf(() => validateIdentifier(undefined))).toBe('CONFIG')
  })
})
