// The operator's path, as real processes: `install` on a store (twice: the second changes
// nothing), the printed bridge config used as it is, and `check` reporting each fact with ✓/✗.
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, randomName, urlWith } from '../../../test/servers/index.js'
import { bin, ensureBuilt, ownServer, runCli } from './helpers.js'

describe('install, then check', () => {
  const database = randomName('inst')
  const schema = randomName('s')
  const monitor = randomName('mon')
  const dir = mkdtempSync(join(tmpdir(), 'pggraph-install-'))
  let storeUrl: string

  beforeAll(async () => {
    await ensureBuilt()
    const c = await connect(ownServer().url)
    await c.query(`CREATE DATABASE ${database}`)
    await c.query(`CREATE ROLE ${monitor} LOGIN; GRANT pg_monitor TO ${monitor}`)
    await c.end()
    storeUrl = urlWith(ownServer().url, { database })
  })
  afterAll(async () => {
    const c = await connect(ownServer().url)
    await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
    for (const r of [`${schema}_web1_writer`, `${schema}_reader`, `${schema}_owner`, monitor])
      await c.query(`DROP ROLE IF EXISTS ${r}`)
    await c.end()
  })

  it('installs idempotently and prints a bridge config that works as printed', async () => {
    const target = urlWith(ownServer().url, { user: monitor })
    const args = [
      'install',
      '--store',
      storeUrl,
      '--insecure',
      '--schema',
      schema,
      '--prefix',
      'web1',
      '--target',
      target,
    ]
    const noYes = await runCli(args)
    expect(noYes.code).toBe(2)
    expect(noYes.stderr).toMatch(/Not a terminal: give --store, --schema and --prefix and add --yes/)

    const first = await runCli([...args, '--yes'])
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toMatch(
      new RegExp(`^Installed ${schema}\\.web1: \\d+ table\\(s\\) created.*${schema}_web1_writer created`, 'm'),
    )
    expect(first.stdout).toMatch(new RegExp(`^ +hostssl ${database} ${schema}_web1_writer \\S+ scram-sha-256$`, 'm'))
    expect(first.stdout).toMatch(/^ +\* \* \* \* \* .*pggraph-bridge run --config \S+/m)
    expect(first.stdout).toMatch(/^ +\[Timer\]$/m)
    const again = await runCli([...args, '--yes'])
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(new RegExp(`^Already installed: ${schema}\\.web1 is up to date`, 'm'))

    // The config block as printed (indented), plus where this test keeps its spool.
    const block = /^ +(# pggraph-bridge configuration[\s\S]*?)\n\n/m.exec(first.stdout)![1]!
    const printed = block
      .split('\n')
      .map((l) => l.trim())
      .join('\n')
    expect(printed).toMatch(new RegExp(`^store_url = "postgres://${schema}_web1_writer:[^@"]+@`, 'm'))
    const file = join(dir, 'bridge.toml')
    writeFileSync(file, `${printed}\ninsecure = true\nspool_dir = ${JSON.stringify(join(dir, 'spool'))}\n`, {
      mode: 0o600,
    })
    const run = await runCli(['run', '--config', file])
    expect(run.code, run.stderr).toBe(0)

    const check = await runCli(['check', '--config', file])
    const out = check.stdout
    expect(out).toMatch(new RegExp(`^✓ target role ${monitor} has pg_monitor$`, 'm'))
    expect(out).toMatch(new RegExp(`^✓ target role ${monitor} is not a superuser$`, 'm'))
    expect(out).toMatch(new RegExp(`^✓ writer ${schema}_web1_writer can write ${schema}\\.web1 `, 'm'))
    expect(out).toMatch(
      new RegExp(`^✓ writer ${schema}_web1_writer cannot read or change other prefixes, schemas or tables$`, 'm'),
    )
    expect(out).toMatch(/^✓ clock: the target and the store agree/m)
    expect(out).toMatch(/^✓ spool .*: 0 waiting .*; last success 20\d\d-/m)
    // Plain text is a failed check, with its fix.
    expect(out).toMatch(/^✗ the link to the store is plain text \(insecure = true\)\n {4}fix: enable ssl on the store/m)
    expect(out).toMatch(/^1 check\(s\) failed\.$/m)
    expect(check.code).toBe(1)

    // A superuser as the target is flagged too, with the fix.
    const su = await runCli(['check', '--config', file, '--target', ownServer().url])
    expect(su.stdout).toMatch(
      /^✗ target role postgres is a superuser\n {4}fix: use a dedicated role: CREATE ROLE pggraph_monitor/m,
    )
  })
})

describe('install on a terminal', () => {
  const database = randomName('tty')
  const schema = randomName('s')
  beforeAll(async () => {
    await ensureBuilt()
    const c = await connect(ownServer().url)
    await c.query(`CREATE DATABASE ${database}`)
    await c.end()
  })
  afterAll(async () => {
    const c = await connect(ownServer().url)
    await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
    for (const r of [`${schema}_web1_writer`, `${schema}_reader`, `${schema}_owner`])
      await c.query(`DROP ROLE IF EXISTS ${r}`)
    await c.end()
  })

  it('asks for what is missing, re-asks a bad name, shows the plan and applies on yes', async () => {
    // `script` gives the CLI a pseudo-terminal; answers are typed when each question appears.
    const child = spawn('script', ['-qfec', `${process.execPath} ${bin} install --insecure`, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const answers: [RegExp, string][] = [
      [/Store URL[^\n]*: \S*$/, urlWith(ownServer().url, { database })],
      [/Tenant schema[^\n]*: \S*$/, 'Bad-Name'],
      [/not allowed[\s\S]*Tenant schema[^\n]*: \S*$/, schema],
      [/Prefix of this monitored system[^\n]*: \S*$/, 'web1'],
      [/Writer role \[[a-z0-9_]+\]: \S*$/, ''],
      [/Apply\? \[y\/N\]: \S*$/, 'y'],
    ]
    let out = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const next = answers[0]
      if (next && next[0].test(out)) {
        answers.shift()
        child.stdin.write(`${next[1]}\n`)
      }
    })
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
    expect(answers, out).toEqual([])
    expect(code, out).toBe(0)
    expect(out).toMatch(new RegExp(`Plan for the store .*\\r?\\n +schema ${schema}: created if missing`))
    expect(out).toMatch(new RegExp(`writer role ${schema}_web1_writer: may only add snapshots`))
    expect(out).toMatch(new RegExp(`Installed ${schema}\\.web1: `))
  })
})
