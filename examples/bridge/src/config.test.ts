import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig, resolveConfig } from './config.js'

const dir = mkdtempSync(join(tmpdir(), 'pggraph-config-'))
let n = 0
function file(text: string, mode = 0o600): string {
  const p = join(dir, `c${n++}.toml`)
  writeFileSync(p, text)
  chmodSync(p, mode)
  return p
}
const base = `target_url = "postgres://mon@localhost/postgres"
store_url = "postgres://w@store.example.com/pggraph"
schema = "acme"
prefix = "web1"
`
function error(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    expect((err as { code?: string }).code).toBe('CONFIG')
    return (err as Error).message
  }
  throw new Error('expected a CONFIG error')
}

describe('loadConfig', () => {
  it('reads a file, applies defaults and places the spool', () => {
    const c = loadConfig({ file: file(base), env: { HOME: '/home/x', XDG_STATE_HOME: '/state' } })
    expect(c).toMatchObject({
      schema: 'acme',
      prefix: 'web1',
      intervalMs: 60_000,
      spoolMaxBytes: 100_000_000,
      insecure: false,
      retryAttempts: 4,
    })
    expect(c.spoolDir).toBe('/state/pggraph-bridge/acme.web1')
    expect(c.quarantineDir).toBe('/state/pggraph-bridge/acme.web1/quarantine')
    expect(c.warnings).toEqual([])
  })

  it('lets flags win over the environment and the environment over the file', () => {
    const f = file(`${base}interval = "5m"\n`)
    expect(loadConfig({ file: f, env: {} }).intervalMs).toBe(300_000)
    expect(loadConfig({ file: f, env: { PGGRAPH_INTERVAL: '2m' } }).intervalMs).toBe(120_000)
    expect(loadConfig({ file: f, env: { PGGRAPH_INTERVAL: '2m' }, flags: { interval: '30s' } }).intervalMs).toBe(30_000)
    expect(loadConfig({ file: f, env: { PGGRAPH_INSECURE: 'true' } }).insecure).toBe(true)
  })

  it('works with no file at all', () => {
    const c = loadConfig({
      env: { STATE_DIRECTORY: '/var/lib/pggraph-bridge/acme.web1' },
      flags: { target_url: 'postgres://a@h/db', store_url: 'pglite:./x', schema: 'acme', prefix: 'web1' },
    })
    expect(c.file).toBeUndefined()
    expect(c.spoolDir).toBe('/var/lib/pggraph-bridge/acme.web1')
  })

  it('names an unknown key and the file, with a suggestion', () => {
    const f = file(`${base}intervall = "60s"\n`)
    expect(error(() => loadConfig({ file: f, env: {} }))).toMatch(
      new RegExp(`Unknown key "intervall" in ${f}.*did you mean "interval"`),
    )
    expect(error(() => loadConfig({ file: file(`${base}[target]\nurl = "x"\n`), env: {} }))).toMatch(
      /Unknown section "target"/,
    )
  })

  it('names the key, the file and the expected type of a wrong value', () => {
    const f = file(`${base}interval = "sixty"\n`)
    expect(error(() => loadConfig({ file: f, env: {} }))).toBe(
      `Invalid value for "interval" in ${f}: expected a duration such as "60s", "5m" or "1h", got "sixty".`,
    )
    expect(error(() => loadConfig({ file: file(`${base}insecure = "maybe"\n`), env: {} }))).toMatch(
      /"insecure" in .*expected true or false/,
    )
    expect(error(() => loadConfig({ file: file(`${base}retry_attempts = 0\n`), env: {} }))).toMatch(
      /"retry_attempts".*whole number/,
    )
    expect(error(() => loadConfig({ file: file(base.replace('"acme"', '"Acme-1"')), env: {} }))).toMatch(
      /"schema" in .*not allowed/,
    )
    expect(error(() => loadConfig({ file: file(base.replace('postgres://w@', 'mysql://w@')), env: {} }))).toMatch(
      /"store_url".*postgres:\/\//,
    )
    expect(error(() => loadConfig({ file: file(base), env: { PGGRAPH_SPOOL_MAX_BYTES: 'lots' } }))).toMatch(
      /PGGRAPH_SPOOL_MAX_BYTES \(environment\).*size/,
    )
    expect(error(() => loadConfig({ file: file(base), env: {}, flags: { interval: 'soon' } }))).toMatch(
      /^Invalid value for --interval/,
    )
  })

  it('names a missing value and every place to set it', () => {
    const f = file(base.replace(/^prefix.*$/m, ''))
    expect(error(() => loadConfig({ file: f, env: {} }))).toBe(
      `Missing value for "prefix": set prefix in ${f}, PGGRAPH_PREFIX in the environment, or --prefix.`,
    )
    expect(error(() => loadConfig({ env: {} }))).toMatch(
      /Missing value for "target_url": give --target, set PGGRAPH_TARGET_URL/,
    )
  })

  it('reports bad TOML and a missing file with the path', () => {
    const f = file('schema = "acme\n')
    expect(error(() => resolveConfig({ file: f, env: {} }))).toMatch(new RegExp(`${f} is not valid TOML \\(line 1`))
    expect(error(() => resolveConfig({ file: join(dir, 'nope.toml'), env: {} }))).toMatch(/nope\.toml does not exist/)
  })

  it('warns when a file holding a password is readable by others', () => {
    const secret = base.replace('postgres://w@', 'postgres://w:s3cret@')
    const open = file(secret, 0o644)
    expect(loadConfig({ file: open, env: {} }).warnings[0]).toMatch(
      new RegExp(`${open} holds a password and is readable .*chmod 600`),
    )
    expect(loadConfig({ file: file(secret, 0o600), env: {} }).warnings).toEqual([])
    expect(loadConfig({ file: file(base, 0o644), env: {} }).warnings).toEqual([])
  })
})

describe('opt_in', () => {
  it('is a list from the file, the environment or a flag; an unknown name is refused with the list', () => {
    expect(resolveConfig({ env: {} }).optIn).toEqual([])
    expect(loadConfig({ file: file(`${base}opt_in = ["bloat"]\n`), env: {} }).optIn).toEqual(['bloat'])
    expect(resolveConfig({ env: { PGGRAPH_OPT_IN: 'bloat, buffercache_view,bloat' } }).optIn).toEqual([
      'bloat',
      'buffercache_view',
    ])
    expect(resolveConfig({ env: {}, flags: { opt_in: 'buffercache_view' } }).optIn).toEqual(['buffercache_view'])
    const f = file(`${base}opt_in = ["blaot"]\n`)
    expect(error(() => loadConfig({ file: f, env: {} }))).toBe(
      `Unknown opt-in collector "blaot" in "opt_in" in ${f} (did you mean "bloat"?): the opt-in collectors are bloat, buffercache_view.`,
    )
    expect(error(() => resolveConfig({ env: { PGGRAPH_OPT_IN: 'statements' } }))).toMatch(
      /^Unknown opt-in collector "statements" in PGGRAPH_OPT_IN \(environment\): the opt-in collectors are bloat, buffercache_view\.$/,
    )
    expect(error(() => loadConfig({ file: file(`${base}opt_in = 3\n`), env: {} }))).toMatch(
      /"opt_in" in .*expected a list of collector names such as \["bloat"\]/,
    )
  })
})
