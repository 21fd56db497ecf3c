// The copy-ready scripts in examples/scripts run as the docs say, against a real server.
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { DOMParser } from '@xmldom/xmldom'
import { describe, expect, it } from 'vitest'
import { anyServer, withDatabase } from './servers/index.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const tsx = pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href

function script(name: string, env: Record<string, string> = {}): { status: number | null; out: string; err: string } {
  const r = spawnSync(
    process.execPath,
    ['--conditions=development', '--import', tsx, join(root, 'examples', 'scripts', name)],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, ...env },
      maxBuffer: 16 * 1024 * 1024,
    },
  )
  return { status: r.status, out: r.stdout, err: r.stderr }
}

describe('examples/scripts', () => {
  it('collect-only.ts prints the server and what was collected', async () => {
    await withDatabase(anyServer(), async (url) => {
      const r = script('collect-only.ts', { DATABASE_URL: url })
      expect(r.status, r.err).toBe(0)
      expect(r.out).toMatch(/^PostgreSQL \d+/)
      expect(r.out).toMatch(/\d+ metrics, \d+ commits so far/)
    })
  })

  it('custom-collector.ts collects a user-defined metric like a built-in one', async () => {
    await withDatabase(anyServer(), async (url) => {
      const pg = await import('pg')
      const c = new pg.default.Client({ connectionString: url })
      await c.connect()
      await c.query(
        'CREATE SCHEMA shop; CREATE TABLE shop.items (id int); INSERT INTO shop.items SELECT generate_series(1, 10); ANALYZE shop.items',
      )
      await c.query('SELECT count(*) FROM shop.items')
      await c.end()
      const r = script('custom-collector.ts', { DATABASE_URL: url })
      expect(r.status, r.err).toBe(0)
      expect(r.out).toMatch(/^shop: \d+ sequential scans, 10 live rows$/m)
    })
  })

  it('render-without-store.ts writes an SVG graph with no database', () => {
    const r = script('render-without-store.ts')
    expect(r.status, r.err).toBe(0)
    const doc = new DOMParser().parseFromString(r.out, 'image/svg+xml')
    expect(doc.documentElement?.nodeName).toBe('svg')
    expect(r.out).toContain('Transactions per second')
    expect(r.out).toMatch(/restart/i)
  })
})

describe('README', () => {
  it('the library example runs as written (collect → store → render)', async () => {
    const { readFileSync, writeFileSync, mkdtempSync, rmSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const readme = readFileSync(join(root, 'README.md'), 'utf8')
    const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1]
    expect(code).toBeDefined()
    const work = mkdtempSync(join(tmpdir(), 'pggraph-readme-'))
    const file = join(root, 'test', `.readme-snippet-${process.pid}.ts`)
    // Run the snippet verbatim (it closes its own connections), with the store folder inside a
    // temp dir and the SVG printed after it.
    writeFileSync(
      file,
      `${code!.replace("'pglite:./pggraph-data'", JSON.stringify(`pglite:${work}/data`))}\nconsole.log(svg)\n`,
    )
    try {
      await withDatabase(anyServer(), async (url) => {
        const r = spawnSync(process.execPath, ['--conditions=development', '--import', tsx, file], {
          cwd: work,
          encoding: 'utf8',
          env: { ...process.env, DATABASE_URL: url },
        })
        expect(r.status, r.stderr).toBe(0)
        expect(r.stdout).toContain('<svg')
        expect(r.stdout).toContain('Transactions per second')
      })
    } finally {
      rmSync(file, { force: true })
      rmSync(work, { recursive: true, force: true })
    }
  })
})
