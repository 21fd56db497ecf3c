import { describe, expect, it } from 'vitest'
import { loginFor, safeNext } from './auth.js'

describe('safeNext (where a login returns to)', () => {
  it('keeps a page of this viewer, with its query', () => {
    expect(safeNext('/s/acme/db1?range=1h')).toBe('/s/acme/db1?range=1h')
    expect(safeNext('/s/acme/db1/tables?from=2026-01-01T00%3A00&to=now')).toBe(
      '/s/acme/db1/tables?from=2026-01-01T00%3A00&to=now',
    )
  })
  it('refuses anything that leaves the viewer or breaks the header: an attacker link lands on /', () => {
    for (const bad of [
      '//evil.example.com/',
      '/\\evil.example.com',
      'https://evil.example.com/',
      'javascript:alert(1)',
      '/s/a\r\nSet-Cookie: x=1',
      '/s/a b',
      '/s/<script>',
      'evil.example.com',
      '',
      null,
      undefined,
      `/${'a'.repeat(2000)}`,
    ]) {
      expect(safeNext(bad), String(bad)).toBe('/')
    }
  })
  it('builds the login address that comes back', () => {
    expect(loginFor('/s/acme/db1?range=1h')).toBe('/login?next=%2Fs%2Facme%2Fdb1%3Frange%3D1h')
    expect(loginFor('/')).toBe('/login')
    expect(loginFor('//evil.example.com')).toBe('/login')
  })
})
