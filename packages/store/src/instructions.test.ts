import { describe, expect, it } from 'vitest'
import type { InstallResult } from './install.js'
import { DEFAULT_INGEST_LIMITS } from './ingest-limits.js'
import { installInstructions } from './instructions.js'

/** The flat `key = "string"` TOML the instructions write (the bridge reads it with a real TOML parser). */
function parse(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue
    const m = /^([a-z_]+) = (".*")$/.exec(line)
    if (!m) throw new Error(`not a flat TOML string line: ${line}`)
    out[m[1]!] = JSON.parse(m[2]!)
  }
  return out
}

const result: InstallResult = {
  schema: 'acme',
  prefix: 'db1',
  ownerRole: 'acme_owner',
  writerRole: 'acme_db1_writer',
  readerRole: 'acme_reader',
  migrations: [],
  tablesCreated: [],
  columnsAdded: [],
  functionsUpdated: [],
  roles: [{ role: 'acme_db1_writer', kind: 'writer', action: 'created', generatedPassword: 'p@ss/word' }],
  metrics: [],
  limits: DEFAULT_INGEST_LIMITS,
  hardening: 'applied',
  budgets: [],
  revoked: [],
  unchanged: false,
}

describe('installInstructions', () => {
  it('prints pg_hba lines, a TOML bridge config, cron and systemd units', () => {
    const out = installInstructions(result, {
      storeHost: 'store.example.com',
      storePort: 5433,
      storeDatabase: 'pggraph',
      caFile: '/etc/pggraph/ca.pem',
      interval: '5m',
    })
    expect(out.pgHba).toContain('hostssl pggraph acme_db1_writer 0.0.0.0/0 scram-sha-256')
    const cfg = parse(out.bridgeConfig)
    expect(cfg).toMatchObject({ schema: 'acme', prefix: 'db1', ca_file: '/etc/pggraph/ca.pem', interval: '5m' })
    expect(new URL(String(cfg['store_url'])).password).toBe(encodeURIComponent('p@ss/word'))
    expect(decodeURIComponent(new URL(String(cfg['store_url'])).password)).toBe('p@ss/word')
    expect(out.crontab).toMatch(
      /^\*\/5 \* \* \* \* \/usr\/local\/bin\/pggraph-bridge run --config \/etc\/pggraph\/acme\.db1\.toml /,
    )
    expect(out.systemdService).toContain(
      'ExecStart=/usr/local/bin/pggraph-bridge run --config /etc/pggraph/acme.db1.toml\n',
    )
    expect(`${out.crontab}${out.systemdService}`).not.toContain('npx')
    expect(out.systemdTimer).toContain('OnUnitActiveSec=300s')
    expect(out.systemdService).toContain('Type=oneshot')
  })

  it('matches a plain-text link (--insecure): insecure = true in the config and a host line, not hostssl', () => {
    const local = installInstructions(result, {
      storeHost: 'localhost',
      storePort: 5432,
      storeDatabase: 'pggraph',
      caFile: '/etc/pggraph/ca.pem',
      insecure: true,
    })
    expect(local.pgHba).toContain('host pggraph acme_db1_writer samehost scram-sha-256')
    expect(local.pgHba.join('\n')).not.toMatch(/hostssl/)
    expect(local.bridgeConfig).toMatch(/^insecure = true$/m)
    expect(local.bridgeConfig).not.toMatch(/^ca_file/m)
    const remote = installInstructions(result, {
      storeHost: '10.0.0.5',
      storePort: 5432,
      storeDatabase: 'pggraph',
      insecure: true,
    })
    expect(remote.pgHba).toContain('host pggraph acme_db1_writer samenet scram-sha-256')
    const tls = installInstructions(result, { storeHost: 'localhost', storePort: 5432, storeDatabase: 'pggraph' })
    expect(tls.bridgeConfig).not.toMatch(/insecure/)
  })

  it('matches a Unix socket link: the socket in store_url and a local line', () => {
    const out = installInstructions(result, {
      storeHost: 'localhost',
      storePort: 5432,
      storeDatabase: 'pggraph',
      socketDir: '/var/run/postgresql',
    })
    expect(out.pgHba).toContain('local pggraph acme_db1_writer scram-sha-256')
    const url = new URL(String(parse(out.bridgeConfig)['store_url']))
    expect(url.searchParams.get('host')).toBe('/var/run/postgresql')
  })

  it('names the systemd units after the schema and prefix', () => {
    const out = installInstructions(result, { storeHost: 'h', storePort: 5432, storeDatabase: 'pggraph' })
    expect(out.systemdUnit).toBe('pggraph-bridge-acme-db1')
  })
})
