// TLS to the store against a real server with ssl=on and certificates made by openssl here:
// verify-full passes with the right CA (by host name, or by tls_server_name for an IP), fails
// with a wrong CA or a wrong host name (and the snapshot waits in the spool), and insecure
// works in plain text (check shows it as a warning).
import { execFileSync } from 'node:child_process'
import { chownSync, chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../../../test/servers/pg-server.js'
import { createStore, ensureBuilt, ownServer, runCli, serverTempDir, type TestStore, writeConfig } from './helpers.js'

const asRoot = process.getuid?.() === 0

function openssl(cwd: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' })
}

/** A CA, and a server certificate for DNS name `localhost` signed by it; plus an unrelated CA. */
function makeCertificates(dir: string): { ca: string; otherCa: string; cert: string; key: string } {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  openssl(
    dir,
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=pggraph test CA',
  )
  openssl(
    dir,
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'other.key',
    '-out',
    'other.pem',
    '-days',
    '2',
    '-subj',
    '/CN=pggraph other CA',
  )
  openssl(dir, 'req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost')
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost\n')
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'san.ext',
  )
  // PostgreSQL runs as nobody when we are root, and refuses a key others can read.
  for (const f of ['server.pem', 'server.key']) {
    if (asRoot) chownSync(join(dir, f), 65534, 65534)
    chmodSync(join(dir, f), 0o600)
  }
  return {
    ca: join(dir, 'ca.pem'),
    otherCa: join(dir, 'other.pem'),
    cert: join(dir, 'server.pem'),
    key: join(dir, 'server.key'),
  }
}

describe('TLS to the store', () => {
  let server: RunningServer
  let store: TestStore
  let certs: ReturnType<typeof makeCertificates>
  const dir = mkdtempSync(join(tmpdir(), 'pggraph-tls-'))

  beforeAll(async () => {
    await ensureBuilt()
    certs = makeCertificates(serverTempDir('pggraph-certs-'))
    server = await startServer(17, { settings: { ssl: 'on', ssl_cert_file: certs.cert, ssl_key_file: certs.key } })
    store = await createStore(server.url)
  })
  afterAll(async () => {
    await store?.drop()
    await server?.stop()
  })

  const config = (storeHost: string, extra: Record<string, string | boolean>): string => {
    const u = new URL(store.writerUrl)
    u.hostname = storeHost
    return writeConfig(dir, {
      target_url: ownServer().url,
      store_url: u.toString(),
      schema: store.schema,
      prefix: store.prefix,
      spool_dir: join(dir, 'spool'),
      retry_attempts: 1,
      ...extra,
    })
  }

  it('verifies the certificate and the host name with the right CA', async () => {
    const byName = await runCli(['run', '--config', config('localhost', { ca_file: certs.ca })])
    expect(byName.code, byName.stderr).toBe(0)
    expect(byName.stderr).toBe('')
    const byIp = config('127.0.0.1', { ca_file: certs.ca, tls_server_name: 'localhost' })
    const r = await runCli(['run', '--config', byIp])
    expect(r.code, r.stderr).toBe(0)
    const check = await runCli(['check', '--config', byIp])
    expect(check.stdout).toMatch(
      new RegExp(`^✓ TLS verified: verify-full against ${certs.ca} \\(localhost\\), TLSv1\\.[23]$`, 'm'),
    )
    expect(await store.snapshotTimes()).toHaveLength(2)
  })

  it('refuses a certificate from another CA, keeping the snapshot in the spool', async () => {
    const before = (await store.snapshotTimes()).length
    const r = await runCli(['run', '--config', config('localhost', { ca_file: certs.otherCa })])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(
      /^pggraph-bridge: store: The store's certificate could not be verified \(\w+\) with verify-full against .*other\.pem \(localhost\): set ca_file to the CA that signed the store's certificate; 1 snapshot\(s\) wait in/m,
    )
    expect(await store.snapshotTimes()).toHaveLength(before)
    // Fixed config: the waiting snapshot goes through with the new one.
    const fixed = await runCli(['run', '--config', config('localhost', { ca_file: certs.ca })])
    expect(fixed.code, fixed.stderr).toBe(0)
    expect(await store.snapshotTimes()).toHaveLength(before + 2)
  })

  it('refuses a certificate for another host name', async () => {
    const r = await runCli(['run', '--config', config('127.0.0.1', { ca_file: certs.ca })])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(
      /store: The store's certificate is not valid for the name the bridge connects to .*set tls_server_name/,
    )
  })

  it('sends in plain text only when insecure; a cron run stays quiet about that choice, check shows it', async () => {
    const f = config('127.0.0.1', { insecure: true })
    for (let i = 0; i < 2; i++) {
      const r = await runCli(['run', '--config', f])
      expect(r.code, r.stderr).toBe(0)
      expect(r.stderr).toBe('')
    }
    const check = await runCli(['check', '--config', f])
    expect(check.stdout).toMatch(
      /^! insecure = true: snapshots and the writer's password go to the store at 127\.0\.0\.1 in plain text/m,
    )
  })
})
