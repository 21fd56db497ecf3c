import { describe, expect, it } from 'vitest'
import { parseCookies, sessionCookie } from './http-util.js'
import { parseArgs } from './cli-args.js'

describe('cookies', () => {
  it('parses names and refuses odd values', () => {
    const c = parseCookies('a=1; pggraph=abc_DEF-9; b="x y"; pggraph=second')
    expect(c.get('pggraph')).toBe('abc_DEF-9')
    expect(c.get('a')).toBe('1')
    expect(c.has('b')).toBe(false)
  })
  it('builds the session cookie with its flags', () => {
    expect(sessionCookie('pggraph', 'v', 60, false)).toBe('pggraph=v; Path=/; Max-Age=60; HttpOnly; SameSite=Lax')
    expect(sessionCookie('__Host-pggraph', 'v', 60, true)).toMatch(/; Secure$/)
  })
})

describe('parseArgs', () => {
  const spec = { value: ['store', 'user'], switch: ['admin'] }
  it('reads values, switches and positionals', () => {
    const a = parseArgs(['users', 'add', '--store=x', '--user', 'u', '--admin'], spec)
    expect(a.positional).toEqual(['users', 'add'])
    expect(a.flags.get('store')).toBe('x')
    expect(a.flags.get('user')).toBe('u')
    expect(a.flags.get('admin')).toBe(true)
  })
  it('refuses unknown flags and missing values', () => {
    expect(() => parseArgs(['--password', 'x'], spec)).toThrow(/Passwords are never command-line arguments/)
    expect(() => parseArgs(['--stor', 'x'], spec, 'serve')).toThrow(
      /Unknown option --stor for "serve" \(did you mean --store\?\)/,
    )
    expect(() => parseArgs(['--store'], spec)).toThrow(/needs a value/)
    expect(() => parseArgs(['--store', '--admin'], spec)).toThrow(/needs a value/)
  })
})
