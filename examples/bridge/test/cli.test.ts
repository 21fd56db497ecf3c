// The command line as a user meets it, as a real process: help and version, each kind of
// configuration mistake with its own clear message and exit code 2, the password-file warning,
// the single-run lock (a second run exits at once, code 3) and the loop's graceful SIGTERM.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseSnapshot } from '@pggraph/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createStore,
  ensureBuilt,
  finished,
  ownServer,
  runCli,
  startCli,
  type TestStore,
  writeStoreConfig,
} from './helpers.js'

const dir = mkdtempSync(join(tmpdir(), 'pggraph-cli-'))
const base = {
  target_url: 'postgres://mon@127.0.0.1:1/postgres',
  store_url: 'postgres://w@127.0.0.1:1/pggraph',
  schema: 'acme',
  prefix: 'web1',
  spool_dir: join(dir, 'spool'),
}
function toml(text: string): string {
  const p = join(dir, `c${Math.random().toString(36).slice(2)}.toml`)
  writeFileSync(p, text, { mode: 0o600 })
  return p
}
const lines = (o: Record<string, unknown>): string =>
  Object.entries(o)
    .map(([k, v]) => `${k} = ${JSON.stringify(v)}`)
    .join('\n') + '\n'

beforeAll(ensureBuilt)

describe('pggraph-bridge command line', () => {
  it('prints help for every command and the version', async () => {
    const top = await runCli(['--help'])
    expect(top.code).toBe(0)
    expect(top.stdout).toMatch(/Commands:\n\s+run .*\n\s+collect .*\n\s+check .*\n\s+install /)
    for (const cmd of ['run', 'collect', 'check', 'install']) {
      for (const args of [
        [cmd, '--help'],
        ['help', cmd],
      ]) {
        const r = await runCli(args)
        expect(r.code).toBe(0)
        expect(r.stdout).toMatch(new RegExp(`^Usage: pggraph-bridge ${cmd}`))
      }
    }
    const v = await runCli(['--version'])
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/)
  })

  it('collect --json prints one valid snapshot; an unreachable target is one line and exit 1', async () => {
    const r = await runCli(['collect', '--target', ownServer().url, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const snap = parseSnapshot(JSON.parse(r.stdout))
    expect(Math.floor(snap.server.versionNum / 10000)).toBe(ownServer().major)
    expect(snap.metrics['pg_stat_database']?.length).toBeGreaterThan(0)
    const summary = await runCli(['collect', '--target', ownServer().url])
    expect(summary.stdout).toMatch(/^ +pg_stat_database +\d+ rows$/m)
    const down = await runCli(['collect', '--target', 'postgres://x@127.0.0.1:1/postgres'])
    expect(down.code).toBe(1)
    expect(down.stderr).toBe(
      'pggraph-bridge: Cannot connect to the target 127.0.0.1:1/postgres: connect ECONNREFUSED 127.0.0.1:1\n',
    )
  })

  it('gives each kind of mistake its own one-line message and exit code 2', async () => {
    const f = toml(lines({ ...base, intervall: '60s' }))
    const install = ['install', '--store', 'postgres://x@h/db', '--schema', 'a', '--prefix', 'b', '--yes']
    const cases: [string[], RegExp][] = [
      [['run', '--config', f], new RegExp(`Unknown key "intervall" in ${f} \\(did you mean "interval"\\?\\)`)],
      [
        ['run', '--config', toml(lines({ ...base, interval: 'soon' }))],
        /Invalid value for "interval" in .*: expected a duration such as "60s"/,
      ],
      [
        ['run', '--config', toml(lines({ ...base, retry_attempts: 'three' }))],
        /Invalid value for "retry_attempts" in .*: expected a whole number/,
      ],
      [
        ['run', '--config', toml(lines({ ...base, prefix: 'Web-1' }))],
        /Invalid value for "prefix" in .*: The prefix name "Web-1" is not allowed/,
      ],
      [
        ['run', '--config', toml(lines({ ...base, store_url: 'mysql://x@h/db' }))],
        /Invalid value for "store_url" in .*: expected a postgres:\/\/ URL/,
      ],
      [
        ['run', '--config', toml(lines({ ...base, schema: 'x' }).replace(/^schema.*\n/m, ''))],
        /Missing value for "schema": set schema in .*, PGGRAPH_SCHEMA in the environment, or --schema\./,
      ],
      [['run', '--config', toml('schema = "acme\n')], /is not valid TOML \(line 1/],
      [['run', '--config', join(dir, 'nope.toml')], /The config file .*nope\.toml does not exist/],
      [
        ['run', '--config', toml(lines({ ...base, ca_file: join(dir, 'none.pem') }))],
        /ca_file .*none\.pem cannot be read \(ENOENT\)/,
      ],
      [['run', '--target', 'postgres://x@h/db'], /Missing value for "store_url": give --store, set PGGRAPH_STORE_URL/],
      [
        ['run', '--config', f, '--intervall', '5s'],
        /Unknown option --intervall for "run" \(did you mean --interval\?\): Run `pggraph-bridge run --help`/,
      ],
      [['check', '--cofig', f], /Unknown option --cofig for "check" \(did you mean --config\?\)/],
      [['install', '--shema', 'acme'], /Unknown option --shema for "install" \(did you mean --schema\?\)/],
      [[...install, '--writer-connection-limit', 'many'], /--writer-connection-limit "many" is not a whole number\./],
      [[...install, '--lock-timeout', 'soon'], /--lock-timeout "soon" is not a duration \(e\.g\. 30s, 500ms, 2m\)\./],
      [['run', '--frobnicate'], /^pggraph-bridge: Unknown option --frobnicate for "run": Run/],
      [['install', '--password', 'hunter2'], /Passwords are never command-line arguments: .*`ps`.*history/],
      [['run', '--password=hunter2'], /Passwords are never command-line arguments/],
      [
        ['run', '--config', toml(lines({ ...base, spool_dir: '/etc/passwd/spool' }))],
        /The lock \/etc\/passwd\/spool\/bridge\.lock cannot be created \(ENOTDIR\)/,
      ],
      [['frobnicate'], /unknown command "frobnicate": use run/],
      [['instal'], /unknown command "instal" \(did you mean "install"\?\)/],
      [['collect'], /Missing value for "target_url"/],
    ]
    for (const [args, message] of cases) {
      const r = await runCli(args)
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      expect(r.stderr).toMatch(message)
      expect(r.stderr).not.toMatch(/\n\s+at /)
    }
    const env = await runCli(['run', '--config', toml(lines(base))], { env: { PGGRAPH_INTERVAL: 'often' } })
    expect(env.code).toBe(2)
    expect(env.stderr).toMatch(/Invalid value for PGGRAPH_INTERVAL \(environment\)/)
  })

  it('warns when the config file holds a password and others can read it', async () => {
    const f = toml(
      lines({ ...base, store_url: 'postgres://w:secret@127.0.0.1:1/pggraph', insecure: true, retry_attempts: 1 }),
    )
    chmodSync(f, 0o644)
    const r = await runCli(['run', '--config', f])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(
      new RegExp(`warning: ${f} holds a password and is readable by group or others \\(mode 644\\): run \`chmod 600`),
    )
    // insecure = true is a chosen setting: `check` reminds of it, a cron `run` does not.
    expect(r.stderr).not.toMatch(/insecure/)
    expect(r.stderr).toMatch(/^pggraph-bridge: target: Cannot connect to the target .*; store: .*wait in/m)
  })
})

describe('run --loop', () => {
  let store: TestStore
  beforeAll(async () => {
    store = await createStore(ownServer().url)
  })
  afterAll(async () => {
    await store?.drop()
  })

  it('keeps the lock (a second run exits at once), aligns cycles, and stops cleanly on SIGTERM', async () => {
    const d = mkdtempSync(join(tmpdir(), 'pggraph-loop-'))
    const config = writeStoreConfig(d, store, {
      spool_dir: join(d, 'spool'),
    })
    const loop = startCli(['run', '--config', config, '--loop', '--interval', '1s'])
    const done = finished(loop)
    let out = ''
    loop.stdout!.on('data', (b: Buffer) => (out += b.toString()))
    while ((out.match(/ ok: /g) ?? []).length < 3) await new Promise((r) => setTimeout(r, 100))

    const started = Date.now()
    const second = await runCli(['run', '--config', config])
    expect(second.code).toBe(3)
    expect(second.stderr).toMatch(
      new RegExp(`Another pggraph-bridge run \\(pid ${loop.pid}, since .*\\) holds .*bridge\\.lock: this run exits`),
    )
    expect(Date.now() - started).toBeLessThan(5000)

    loop.kill('SIGTERM')
    const r = await done
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(/SIGTERM: stopping after the step in hand/)
    expect(r.stdout).toMatch(/pggraph-bridge: stopped\./)
    // The chosen plain-text link is noted once per loop, not on every cycle.
    expect(r.stderr.match(/note: insecure = true/g)).toHaveLength(1)
    const times = await store.snapshotTimes()
    expect(times.length).toBeGreaterThanOrEqual(3)
    // After the first (immediate) cycle, each starts on a whole second, collected shortly after.
    for (const t of times.slice(1)) expect(Date.parse(t) % 1000).toBeLessThan(600)
    // The lock was released: a plain run works now.
    const after = await runCli(['run', '--config', config])
    expect(after.code, after.stderr).toBe(0)
  })
  it('on SIGTERM in the middle of a cycle, spools or finishes the snapshot in hand, and loses nothing', async () => {
    const d = mkdtempSync(join(tmpdir(), 'pggraph-term-'))
    const config = writeStoreConfig(d, store, {
      spool_dir: join(d, 'spool'),
    })
    const before = await store.snapshotTimes()
    const loop = startCli(['run', '--config', config, '--loop', '--interval', '1h', '-v'])
    const started = Date.now()
    let taken: string | undefined
    loop.stdout!.on('data', (b: Buffer) => {
      const m = /^spooled (\S+)/m.exec(b.toString())
      if (m && !taken) {
        taken = m[1]
        loop.kill('SIGTERM')
      }
    })
    const r = await finished(loop)
    expect(r.code, r.stderr).toBe(0)
    expect(taken).toBeDefined()
    expect(r.stdout).toMatch(/pggraph-bridge: stopped\./)
    expect(Date.now() - started).toBeLessThan(15_000)
    // Whether the write finished before the loop stopped or not, the next run leaves it stored once.
    const next = await runCli(['run', '--config', config])
    expect(next.code, next.stderr).toBe(0)
    const after = (await store.snapshotTimes()).slice(before.length)
    expect(after.filter((t) => t === taken)).toHaveLength(1)
  })
})
