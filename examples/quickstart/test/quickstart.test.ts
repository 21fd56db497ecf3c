// The quickstart end to end, as a user runs it (shortened by flags): a real embedded
// PostgreSQL, the PGlite store, a workload, bridge cycles, and SVGs in the out folder.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
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

function runQuickstart(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--conditions=development', '--import', tsx, main, ...args], {
      cwd: work,
      env: { ...process.env, FORCE_COLOR: '0' },
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

  it('--serve keeps the viewer and the bridge running until Ctrl-C, then cleans up', { timeout: 180_000 }, async () => {
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
    const m = /viewer\s+(http:\/\/127\.0\.0\.1:\d+)\S*\s+login: demo \/ (\S+)/.exec(out)
    expect(m, out).not.toBeNull()
    const base = m![1]!
    const login = await fetch(`${base}/login`)
    expect(login.status).toBe(200)
    expect(await login.text()).toMatch(/password/i)

    // The bridge keeps storing while the viewer serves (checked in the store after the stop).
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
  })

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
