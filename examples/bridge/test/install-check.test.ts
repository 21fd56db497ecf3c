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
    for (const r of [`${schema}__web1_writer`, `${schema}_reader`, `${schema}_owner`, monitor])
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
    // Without --insecure against a store without TLS: what to do, in one line, and nothing changed.
    const tls = await runCli(args.filter((a) => a !== '--insecure').concat('--yes'))
    expect(tls.code).toBe(1)
    expect(tls.stderr.trim().split('\n').at(-1)).toMatch(
      /^pggraph-bridge: Nothing was changed: The store does not accept TLS connections: for a store on this host add --insecure .* "TLS set-up"\)\.$/,
    )
    expect(tls.stderr).not.toMatch(/\n\s+at /)
    const c = await connect(storeUrl)
    expect((await c.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rowCount).toBe(0)
    await c.end()

    const noYes = await runCli(args)
    expect(noYes.code).toBe(2)
    expect(noYes.stderr).toMatch(/Not a terminal: give --store, --schema and --prefix and add --yes/)

    const budgetFlags = ['--writer-connection-limit', '3', '--reader-statement-timeout', '45s']
    const first = await runCli([...args, '--yes', ...budgetFlags])
    expect(first.code, first.stderr).toBe(0)
    const budget = await connect(storeUrl)
    const roles = await budget.query<{ rolname: string; rolconnlimit: number; rolconfig: string[] }>(
      `SELECT rolname, rolconnlimit, rolconfig FROM pg_roles WHERE rolname = ANY($1) ORDER BY rolname`,
      [[`${schema}__web1_writer`, `${schema}_reader`]],
    )
    await budget.end()
    expect(roles.rows).toEqual([
      { rolname: `${schema}__web1_writer`, rolconnlimit: 3, rolconfig: ['statement_timeout=60000ms'] },
      { rolname: `${schema}_reader`, rolconnlimit: 10, rolconfig: ['statement_timeout=45000ms'] },
    ])
    expect(first.stdout).toMatch(
      new RegExp(`^Installed ${schema}\\.web1: \\d+ table\\(s\\) created.*${schema}__web1_writer created`, 'm'),
    )
    // --insecure: a plain-text host line (the store is on this host), never hostssl.
    expect(first.stdout).toMatch(new RegExp(`^ +host ${database} ${schema}__web1_writer samehost scram-sha-256$`, 'm'))
    expect(first.stdout).not.toMatch(/hostssl/)
    expect(first.stdout).toMatch(/^ +\* \* \* \* \* .*pggraph-bridge run --config \S+/m)
    // and the store's own hourly maintenance, on the store's host (local socket, no password)
    expect(first.stdout).toMatch(
      new RegExp(
        `^ +17 \\* \\* \\* \\*  pggraph-store maintain --store 'postgres:///${database}\\?host=/var/run/postgresql'$`,
        'm',
      ),
    )
    // The two systemd files are printed apart, each under its own path.
    const unit = `pggraph-bridge-${schema.replaceAll('_', '-')}-web1`
    expect(first.stdout).toMatch(new RegExp(`save /etc/systemd/system/${unit}\\.service\n\n +\\[Unit\\]`))
    expect(first.stdout).toMatch(new RegExp(`and /etc/systemd/system/${unit}\\.timer\n\n +\\[Unit\\]`))
    expect(first.stdout).toMatch(/PrivateTmp=yes\n\n {3}and /)
    expect(first.stdout).toMatch(/^ +\[Timer\]$/m)
    // the same budgets again change nothing (without the flags, the defaults would be set again)
    const again = await runCli([...args, '--yes', ...budgetFlags])
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(new RegExp(`^Already installed: ${schema}\\.web1 is up to date`, 'm'))
    expect(again.stdout).toMatch(/^Ingest limits of \S+: maxPayloadBytes 67108864, maxMetrics 200, .*maxAgeDays 90\.$/m)
    // Ingest limits per prefix: a bad one is refused before anything changes; good ones are kept.
    const bad = await runCli([...args, '--yes', '--max-rows-per-metric', '0'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--max-rows-per-metric must be a whole number of at least 1 \(got "0"\)/)
    const limited = await runCli([...args, '--yes', '--max-age-days', '30', '--max-payload-bytes', '128MiB'])
    expect(limited.code, limited.stderr).toBe(0)
    expect(limited.stdout).toMatch(/maxPayloadBytes 134217728, .*maxAgeDays 30\.$/m)
    const kept = await runCli([...args, '--yes'])
    expect(kept.stdout).toMatch(/Already installed/)
    expect(kept.stdout).toMatch(/maxAgeDays 30\.$/m)

    // The config block as printed (indented), plus where this test keeps its spool.
    const block = /^ +(# pggraph-bridge configuration[\s\S]*?)\n\n/m.exec(first.stdout)![1]!
    const printed = block
      .split('\n')
      .map((l) => l.trim())
      .join('\n')
    expect(printed).toMatch(new RegExp(`^store_url = "postgres://${schema}__web1_writer:[^@"]+@`, 'm'))
    expect(printed).toMatch(/^insecure = true$/m)
    const file = join(dir, 'bridge.toml')
    writeFileSync(file, `${printed}\nspool_dir = ${JSON.stringify(join(dir, 'spool'))}\n`, {
      mode: 0o600,
    })
    const run = await runCli(['run', '--config', file])
    expect(run.code, run.stderr).toBe(0)
    // The chosen plain-text link is no news on every cron run.
    expect(run.stderr).toBe('')

    const check = await runCli(['check', '--config', file])
    const out = check.stdout
    expect(out).toMatch(new RegExp(`^✓ target role ${monitor} has pg_monitor$`, 'm'))
    expect(out).toMatch(new RegExp(`^✓ target role ${monitor} is not a superuser$`, 'm'))
    expect(out).toMatch(new RegExp(`^✓ writer ${schema}__web1_writer can write ${schema}\\.web1 `, 'm'))
    const names = /can write \S+ \((.*)\)$/m.exec(out)![1]!.split(', ')
    expect(names).toEqual([...new Set(names)])
    expect(out).toMatch(
      new RegExp(`^✓ writer ${schema}__web1_writer cannot read or change other prefixes, schemas or tables$`, 'm'),
    )
    expect(out).toMatch(/^✓ clock: the target and the store agree/m)
    expect(out).toMatch(/^✓ spool .*: 0 waiting .*; last success 20\d\d-/m)
    // Plain text, chosen at install, is a warning (with what else to do), not a failure.
    expect(out).toMatch(
      /^! insecure = true: snapshots and the writer's password go to the store at \S+ in plain text; .*set ca_file/m,
    )
    expect(out).not.toMatch(/^✗/m)
    expect(out).toMatch(/^All checks passed, 1 warning\(s\) \(!\)\.$/m)
    expect(check.code, out).toBe(0)

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
    for (const r of [`${schema}__web1_writer`, `${schema}_reader`, `${schema}_owner`])
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
    expect(out).toMatch(new RegExp(`writer role ${schema}__web1_writer: may only add snapshots`))
    expect(out).toMatch(new RegExp(`Installed ${schema}\\.web1: `))
  })
})
