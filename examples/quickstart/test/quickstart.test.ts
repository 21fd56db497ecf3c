// The quickstart end to end, as a user runs it (shortened by flags): a real embedded
// PostgreSQL, the PGlite store, a workload, bridge cycles, and SVGs in the out folder.
import { spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { DOMParser } from '@xmldom/xmldom'
import { afterAll, describe, expect, it } from 'vitest'
import { openStore } from '@pggraph/store'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const main = join(root, 'examples', 'quickstart', 'src', 'main.ts')
// tsx runs the sources directly (no build needed); resolved from the repo, not the temp cwd.
const tsx = pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href
const work = mkdtempSync(join(tmpdir(), 'pggraph-qs-test-'))

function runQuickstart(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--conditions=development', '--import', tsx, main, ...args], {
      cwd: work,
      env: { ...process.env, FORCE_COLOR: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    child.on('exit', (code) => resolve({ code, out }))
  })
}

afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('npm start (quickstart)', () => {
  it(
    'collects, stores and renders graphs with data from this run, and a second run works',
    { timeout: 240_000 },
    async () => {
      const args = ['--duration', '8s', '--interval', '2s', '--data-dir', 'data', '--out', 'out']
      const first = await runQuickstart(args)
      expect(first.out).toContain('snapshots stored')
      expect(first.code, first.out).toBe(0)

      const outDir = join(work, 'out')
      const svgs = readdirSync(outDir).filter((f) => f.endsWith('.svg'))
      expect(svgs.length).toBeGreaterThanOrEqual(5)
      expect(readFileSync(join(outDir, 'index.html'), 'utf8')).toContain('database.transactions.svg')
      for (const f of svgs) {
        const text = readFileSync(join(outDir, f), 'utf8')
        const doc = new DOMParser().parseFromString(text, 'image/svg+xml')
        expect(doc.documentElement?.nodeName, f).toBe('svg')
      }

      // The store holds this run's snapshots, and the transactions graph plots them (not a no-data panel).
      const db = await openStore(`pglite:${join(work, 'data')}`)
      let firstRun: number
      try {
        const r = await db.query<{ n: number; newest: Date }>(
          'SELECT count(*)::int AS n, max("time") AS newest FROM demo.local_snapshots',
        )
        expect(r.rows[0]!.n).toBeGreaterThanOrEqual(4)
        firstRun = r.rows[0]!.n
        expect(Date.now() - new Date(r.rows[0]!.newest).getTime()).toBeLessThan(120_000)
      } finally {
        await db.end()
      }
      const tps = readFileSync(join(outDir, 'database.transactions.svg'), 'utf8')
      expect(tps).not.toMatch(/no data/i)
      expect(tps).toMatch(/<path[^>]+d="M[^"]*L/) // a drawn line
      // The workload's long transaction and its connections show on the activity graphs.
      for (const g of ['activity.longest_transaction', 'activity.connections']) {
        expect(readFileSync(join(outDir, `${g}.svg`), 'utf8'), g).not.toMatch(/no data/i)
      }

      const second = await runQuickstart(args)
      expect(second.code, second.out).toBe(0)
      const db2 = await openStore(`pglite:${join(work, 'data')}`)
      try {
        const r = await db2.query<{ n: number }>('SELECT count(*)::int AS n FROM demo.local_snapshots')
        expect(r.rows[0]!.n).toBeGreaterThan(firstRun)
      } finally {
        await db2.end()
      }
    },
  )

  it(
    '--serve prints the viewer address before the first cycle, keeps the deep link through the login, runs until Ctrl-C',
    { timeout: 180_000 },
    async () => {
      const child = spawn(
        process.execPath,
        [
          '--conditions=development',
          '--import',
          tsx,
          main,
          '--duration',
          '4s',
          '--interval',
          '2s',
          '--data-dir',
          'serve-data',
          '--out',
          'serve-out',
          '--serve',
          '--port',
          '0',
        ],
        { cwd: work, env: { ...process.env, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] },
      )
      let out = ''
      child.stdout.on('data', (d: Buffer) => (out += d.toString()))
      child.stderr.on('data', (d: Buffer) => (out += d.toString()))
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
      const deadline = Date.now() + 150_000
      while (!/viewer\s+http:/.test(out) && Date.now() < deadline && child.exitCode === null)
        await new Promise((r) => setTimeout(r, 250))
      const m = /viewer\s+(http:\/\/127\.0\.0\.1:\d+)(\S*)\s+login: demo \/ (\S+)/.exec(out)
      expect(m, out).not.toBeNull()
      // Up before the bridge's run: no cycle summary yet when the address is printed.
      expect(out.slice(0, m!.index)).not.toMatch(/bridge +\d+ cycles/)
      const [, base, deep, password] = m as unknown as [string, string, string, string]
      expect(deep).toBe('/s/demo/local?range=1h')

      // Following the printed link: the login, then back to that very page.
      const jar = new Map<string, string>()
      const request = async (path: string, init: RequestInit = {}): Promise<Response> => {
        const r = await fetch(`${base}${path}`, {
          ...init,
          redirect: 'manual',
          headers: {
            ...(init.headers as Record<string, string>),
            cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
          },
        })
        for (const c of r.headers.getSetCookie()) {
          const [kv] = c.split(';')
          const [k, v] = kv!.split('=')
          jar.set(k!, v!)
        }
        return r
      }
      const first = await request(deep)
      expect(first.status).toBe(303)
      const loginAt = first.headers.get('location')!
      const form = await (await request(loginAt)).text()
      const csrf = /name="csrf" value="([^"]+)"/.exec(form)![1]!
      const next = /name="next" value="([^"]+)"/.exec(form)![1]!
      const done = await request('/login', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf, user: 'demo', password, next }).toString(),
      })
      expect(done.status).toBe(303)
      expect(done.headers.get('location')).toBe(deep)
      expect((await request(deep)).status).toBe(200)

      // The bridge keeps storing while the viewer serves (checked in the store after the stop).
      while (!/keep running/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250))
      await new Promise((r) => setTimeout(r, 5000))
      child.kill('SIGINT')
      const code = await exited
      expect(code, out).toBe(130)
      expect(out).toContain('stopping')
      const db = await openStore(`pglite:${join(work, 'serve-data')}`)
      try {
        const r = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM demo.local_snapshots')
        // 3 cycles in the 4 s run, and more while serving.
        expect(r.rows[0]!.n).toBeGreaterThan(3)
      } finally {
        await db.end()
      }
    },
  )

  it(
    'a Ctrl-C in the middle of the run prints nothing that looks like an error and leaves no temp folder',
    { timeout: 180_000 },
    async () => {
      const tmp = mkdtempSync(join(tmpdir(), 'pggraph-qs-tmp-'))
      chmodSync(tmp, 0o1777) // the embedded server may run as another user (postgres, as root)
      const child = spawn(
        process.execPath,
        [
          '--conditions=development',
          '--import',
          tsx,
          main,
          '--duration',
          '60s',
          '--interval',
          '2s',
          '--data-dir',
          'int-data',
          '--out',
          'int-out',
        ],
        { cwd: work, env: { ...process.env, FORCE_COLOR: '0', TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'pipe'] },
      )
      let out = ''
      child.stdout.on('data', (d: Buffer) => (out += d.toString()))
      child.stderr.on('data', (d: Buffer) => (out += d.toString()))
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
      const deadline = Date.now() + 150_000
      while (!/bridge +\[/.test(out) && Date.now() < deadline && child.exitCode === null)
        await new Promise((r) => setTimeout(r, 100))
      await new Promise((r) => setTimeout(r, 3000)) // a few cycles, the workload under way
      expect(out).toMatch(/workload /)
      child.kill('SIGINT')
      expect(await exited, out).toBe(130)
      const after = out.slice(out.indexOf('stopping'))
      expect(after, out).not.toMatch(/error|fail|fatal|terminat|interrupted|exception|✗/i)
      expect(out).not.toMatch(/\n\s+at /)
      // The embedded server's folder is gone (tsx, which runs these sources, keeps its cache there).
      expect(
        readdirSync(tmp).filter((f) => !f.startsWith('tsx-')),
        out,
      ).toEqual([])
      rmSync(tmp, { recursive: true, force: true })
    },
  )

  it(
    '--target an unreachable server fails in seconds with one line, exit 1, and writes no graph',
    { timeout: 60_000 },
    async () => {
      const started = Date.now()
      const r = await runQuickstart([
        '--target',
        'postgres://nobody@127.0.0.1:1/app',
        '--out',
        'unreachable-out',
        '--data-dir',
        'unreachable-data',
      ])
      expect(r.code, r.out).toBe(1)
      expect(Date.now() - started).toBeLessThan(30_000)
      const lines = r.out.trim().split('\n')
      expect(lines.at(-1)).toMatch(
        /^pggraph quickstart: Cannot connect to the target 127\.0\.0\.1:1\/app: .*ECONNREFUSED.*Check the --target URL .*nothing was started\.$/,
      )
      expect(r.out).not.toMatch(/\n\s+at /)
      expect(existsSync(join(work, 'unreachable-out'))).toBe(false)
    },
  )

  it('refuses a bad flag with one clear line and exit code 2', async () => {
    const r = await runQuickstart(['--duration', 'soon'])
    expect(r.code).toBe(2)
    expect(r.out).toMatch(/--duration "soon" is not a duration/)
    expect(r.out).not.toMatch(/\n\s+at /) // no stack trace
  })

  it('prints its usage with --help', async () => {
    const r = await runQuickstart(['--help'])
    expect(r.code).toBe(0)
    expect(r.out).toContain('--serve')
    expect(existsSync(join(work, 'pggraph-data'))).toBe(false)
  })
})
