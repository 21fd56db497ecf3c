import { describe, expect, it } from 'vitest'
import { generatePassword, scramVerifier } from './roles.js'

describe('roles', () => {
  it('builds the SCRAM-SHA-256 verifier PostgreSQL stores', () => {
    const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64')
    const v = scramVerifier('pencil', salt)
    expect(v).toMatch(/^SCRAM-SHA-256\$4096:W22ZaJ0SNY7soEsUEjb6gQ==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/)
    expect(scramVerifier('pencil', salt)).toBe(v)
    expect(scramVerifier('pencil2', salt)).not.toBe(v)
    // RFC 7677's server signature key for this password and salt.
    expect(v.split(':')[2]).toBe('wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=')
  })
  it('generates long random URL-safe passwords', () => {
    const a = generatePassword()
    expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/)
    expect(generatePassword()).not.toBe(a)
  })
})
