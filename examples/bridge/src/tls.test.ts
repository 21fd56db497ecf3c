import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { explainTlsError, storeLink } from './tls.js'

describe('storeLink', () => {
  it('verifies the certificate and the host name by default', () => {
    const link = storeLink({ storeUrl: 'postgres://w:p@store.example.com:5433/pggraph', insecure: false })
    expect(link.mode).toBe('verify-full')
    expect(link.ssl).toMatchObject({
      rejectUnauthorized: true,
      servername: 'store.example.com',
      host: 'store.example.com',
    })
    expect(link.warnings).toEqual([])
  })
  it('removes sslmode and friends from the URL, with a warning', () => {
    const link = storeLink({
      storeUrl: 'postgres://w@store.example.com/pggraph?sslmode=disable&application_name=x',
      insecure: false,
    })
    expect(link.url).toBe('postgres://w@store.example.com/pggraph?application_name=x')
    expect(link.mode).toBe('verify-full')
    expect(link.warnings[0]).toMatch(/sslmode ignored/)
  })
  it('uses the CA file and tls_server_name, and no SNI for an IP', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pggraph-tls-'))
    writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n')
    const link = storeLink({
      storeUrl: 'postgres://w@10.0.0.5/pggraph',
      caFile: join(dir, 'ca.pem'),
      tlsServerName: 'store.internal',
      insecure: false,
    })
    expect(link.ssl).toMatchObject({ host: 'store.internal', servername: 'store.internal' })
    const ip = storeLink({ storeUrl: 'postgres://w@10.0.0.5/pggraph', insecure: false })
    expect(ip.ssl && 'servername' in ip.ssl).toBe(false)
    expect(() =>
      storeLink({ storeUrl: 'postgres://w@h/db', caFile: join(dir, 'missing.pem'), insecure: false }),
    ).toThrow(/missing\.pem cannot be read/)
    writeFileSync(join(dir, 'junk.pem'), 'hello')
    expect(() => storeLink({ storeUrl: 'postgres://w@h/db', caFile: join(dir, 'junk.pem'), insecure: false })).toThrow(
      /no PEM certificate/,
    )
  })
  it('goes plain text only when insecure, and says so as a notice (a choice), not a warning for every run', () => {
    const link = storeLink({ storeUrl: 'postgres://w@store.example.com/pggraph', insecure: true })
    expect(link.ssl).toBe(false)
    expect(link.warnings).toEqual([])
    expect(link.notice).toMatch(/plain text/)
    expect(storeLink({ storeUrl: 'postgres://w@store.example.com/pggraph', insecure: false }).notice).toBeUndefined()
    expect(storeLink({ storeUrl: 'pglite:./data', insecure: false }).mode).toBe('local')
  })
})

describe('explainTlsError', () => {
  const link = storeLink({ storeUrl: 'postgres://w@store.example.com/pggraph', insecure: false })
  const noTls = new Error('The server does not support SSL connections')
  it('tells install to use --insecure for a same-host store, or how to enable TLS', () => {
    expect(explainTlsError(noTls, link, 'install')).toMatch(/add --insecure .*enable ssl .*--ca-file .*"TLS set-up"/)
  })
  it('speaks the config keys to run and check', () => {
    expect(explainTlsError(noTls, link)).toMatch(/enable ssl on the store .*insecure = true only/)
    const cert = Object.assign(new Error('self-signed certificate'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' })
    expect(explainTlsError(cert, link)).toMatch(/set ca_file/)
    expect(explainTlsError(cert, link, 'install')).toMatch(/give --ca-file/)
    expect(explainTlsError(new Error('password authentication failed'), link)).toBeUndefined()
  })
})
