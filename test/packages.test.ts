// The library packages as a user installs them: `npm pack` of each (scripts/pack-libraries.mjs),
// the tarballs installed into a fresh project in a temporary folder (no workspace, no repository
// on the path), a consumer compiled with `tsc --strict` against every public entry point with no
// `any` in their types, and the README's "library in ten lines" run against a real server,
// first with the store on that server and no PGlite installed, then verbatim with PGlite.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anyServer, connect, randomName, withDatabase } from './servers/index.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string
  devDependencies: Record<string, string>
}
const { LIBRARIES } = (await import(pathToFileURL(join(root, 'scripts', 'pack-libraries.mjs')).href)) as {
  LIBRARIES: string[]
}
const project = mkdtempSync(join(tmpdir(), 'pggraph-consumer-'))
const tarballs = join(project, '.tarballs')
/** The tenant schema of the README example when its store is on the test server. */
const schema = randomName('readme')
const SLOW = { timeout: 300_000 }

function newest(dir: string): number {
  let t = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs)
  }
  return t
}

function npm(args: readonly string[]): string {
  return execFileSync('npm', [...args], {
    cwd: project,
    encoding: 'utf8',
    env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' },
  })
}

/** Node in the consumer project, with nothing of this repository on its path. */
function node(args: readonly string[], env: Record<string, string> = {}): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [...args], {
    cwd: project,
    encoding: 'utf8',
    timeout: 120_000,
    env: { PATH: process.env['PATH'] ?? '', HOME: project, ...env },
  })
  return { status: r.status, out: `${r.stdout}${r.stderr}` }
}

function tsc(config = 'tsconfig.json'): { status: number | null; out: string } {
  return node([join(project, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(project, config)])
}

/** The README's library snippet, exactly as written: a complete program that ends and prints. */
function readmeSnippet(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('## The library in ten lines'))
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1]
  if (!code) throw new Error('README.md has no ts block under "The library in ten lines"')
  return code
}

/** What the README's program prints when it worked: the file it wrote and what is in it. */
const README_OUTPUT = /^transactions\.svg: 2 series, [1-9]\d{3,} bytes$/m

/** Every public entry point of the installed packages (`@pggraph/collector/database`, …). */
function entryPoints(): string[] {
  return LIBRARIES.flatMap((name) => {
    const pkg = JSON.parse(readFileSync(join(project, 'node_modules', '@pggraph', name, 'package.json'), 'utf8')) as {
      exports: Record<string, unknown>
    }
    return Object.keys(pkg.exports).map((k) => `@pggraph/${name}${k.slice(1)}`)
  })
}

beforeAll(() => {
  for (const name of LIBRARIES) {
    const dir = join(root, 'packages', name)
    const built = join(dir, 'dist', 'index.js')
    if (!existsSync(built) || newest(join(dir, 'src')) > statSync(built).mtimeMs)
      execFileSync('npm', ['run', 'build', '-w', `@pggraph/${name}`], { cwd: root, stdio: 'ignore' })
  }
  const packed = execFileSync(process.execPath, [join(root, 'scripts', 'pack-libraries.mjs'), tarballs], {
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noUncheckedIndexedAccess: true,
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2022',
        outDir: 'out',
        types: ['node'],
        skipLibCheck: false,
      },
      include: ['src'],
    }),
  )
  // What a server-side TypeScript user installs: the four packages, the driver, the compiler.
  npm([
    'install',
    '--prefer-offline',
    ...packed,
    `pg@${pkgRange('store', 'pg', 'dependencies')}`,
    `@types/pg@${rootPkg.devDependencies['@types/pg']}`,
    `@types/node@${rootPkg.devDependencies['@types/node']}`,
    `typescript@${rootPkg.devDependencies['typescript']}`,
  ])
}, 600_000)

afterAll(() => rmSync(project, { recursive: true, force: true }))

describe('the packed library packages', () => {
  it('each declares engines, exports with types, sideEffects, a license file, and one shared version', () => {
    for (const name of LIBRARIES) {
      const dir = join(project, 'node_modules', '@pggraph', name)
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown> & {
        exports: Record<string, Record<string, string>>
        dependencies?: Record<string, string>
      }
      expect(pkg['version'], name).toBe(rootPkg.version)
      expect(pkg['engines'], name).toEqual({ node: '>=20.19' })
      expect(pkg['sideEffects'], name).toBe(false)
      expect(pkg['license'], name).toBe('MIT')
      expect(readFileSync(join(dir, 'LICENSE'), 'utf8')).toMatch(/^MIT License/)
      for (const [path, target] of Object.entries(pkg.exports)) {
        expect(Object.keys(target), `${name} ${path}`).toEqual(['types', 'default'])
        expect(existsSync(join(dir, target['types']!)), `${name} ${path} types`).toBe(true)
        expect(existsSync(join(dir, target['default']!)), `${name} ${path}`).toBe(true)
      }
      for (const [dep, range] of Object.entries(pkg.dependencies ?? {}))
        if (dep.startsWith('@pggraph/')) expect(range, `${name} → ${dep}`).toBe(rootPkg.version)
    }
    // The heavy optional parts were not installed: PGlite (pglite: stores), vitest
    // (collector/testing), resvg and the font (PNG output).
    for (const optional of ['@electric-sql/pglite', 'vitest', '@resvg/resvg-js', 'dejavu-fonts-ttf'])
      expect(existsSync(join(project, 'node_modules', optional)), optional).toBe(false)
  })

  it('renders SVG without the PNG peers; asking for a PNG names the package to install', () => {
    const script = [
      "import { svgToPng, renderGraph } from '@pggraph/render'",
      "const svg = await renderGraph('database.transactions', { from: 0, to: 60_000, series: [], events: [] }, { width: 400, height: 200 })",
      "console.log('SVG', svg.length)",
      'try {',
      '  svgToPng(svg)',
      "  console.log('PNG made')",
      '} catch (err) {',
      '  console.log(err.code, err.message)',
      '}',
    ].join('\n')
    const r = node(['--input-type=module', '-e', script])
    expect(r.status, r.out).toBe(0)
    expect(r.out).toMatch(/^SVG [1-9]\d+$/m)
    expect(r.out).toContain(
      'RENDER PNG output needs the optional package dejavu-fonts-ttf, which is not installed: run `npm install @resvg/resvg-js dejavu-fonts-ttf`, or render SVG.',
    )
  })

  it(
    'a consumer compiles with tsc --strict against every public entry point, and no export has any in its type',
    SLOW,
    () => {
      // The testing subpath needs vitest (an optional peer): it is compiled in the last test.
      const withoutTesting = entryPoints().filter((e) => !e.endsWith('/testing'))
      rmSync(join(project, 'src'), { recursive: true, force: true })
      mkdirSync(join(project, 'src'))
      writeFileSync(
        join(project, 'src', 'entries.ts'),
        [
          ...withoutTesting.map((e, i) => `import * as m${i} from '${e}'`),
          "import type { Snapshot, Series } from '@pggraph/core'",
          "import { collect } from '@pggraph/collector'",
          "import { openStore, readSeries, type StoreConnection } from '@pggraph/store'",
          "import { renderGraph } from '@pggraph/render'",
          // Type-level assertions: the results users build on are precise types, not any.
          'type IsAny<T> = 0 extends 1 & T ? true : false',
          'type Assert<T extends false> = T',
          'export type Checks = [',
          '  Assert<IsAny<Awaited<ReturnType<typeof collect>>>>,',
          '  Assert<IsAny<Awaited<ReturnType<typeof openStore>>>>,',
          '  Assert<IsAny<Awaited<ReturnType<typeof readSeries>>>>,',
          '  Assert<IsAny<Awaited<ReturnType<typeof renderGraph>>>>,',
          ']',
          'export const snapshot: (s: Snapshot) => string = (s) => s.server.version',
          'export const store: (s: StoreConnection) => string = (s) => s.kind',
          'export const series: (s: Series) => number = (s) => s.points.length',
          `export const modules = [${withoutTesting.map((_, i) => `m${i}`).join(', ')}]`,
          '',
        ].join('\n'),
      )
      // The README example as written (store in PGlite), and with the store on the server.
      const code = readmeSnippet()
      writeFileSync(join(project, 'src', 'readme.ts'), code)
      writeFileSync(
        join(project, 'src', 'readme-server.ts'),
        code.replace(/'pglite:[^']*'/, 'process.env.STORE_URL!').replaceAll("'acme'", `'${schema}'`),
      )
      const compiled = tsc()
      expect(compiled.status, compiled.out).toBe(0)
      const anyCheck = node([join(root, 'scripts', 'check-public-types.mjs'), ...withoutTesting])
      expect(anyCheck.status, anyCheck.out).toBe(0)
      expect(anyCheck.out).toMatch(new RegExp(`^${withoutTesting.length} entry points, \\d+ exports checked$`, 'm'))
    },
  )

  it(
    "runs the README's library example against a real server with the store there, without PGlite; a pglite: store names the missing package",
    SLOW,
    async () => {
      const server = anyServer()
      try {
        await withDatabase(server, async (url) => {
          const onServer = node(['out/readme-server.js'], { DATABASE_URL: url, STORE_URL: url })
          expect(onServer.status, onServer.out).toBe(0)
          const c = await connect(url)
          const stored = await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.db1_snapshots`)
          await c.end()
          expect(Number(stored.rows[0]!.n)).toBe(1)
          expect(onServer.out).toMatch(README_OUTPUT)
          expect(readFileSync(join(project, 'transactions.svg'), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\s*$/)

          const noPGlite = node(['out/readme.js'], { DATABASE_URL: url })
          expect(noPGlite.status).not.toBe(0)
          expect(noPGlite.out).toContain(
            'pglite: stores need the optional package @electric-sql/pglite, which is not installed: run `npm install @electric-sql/pglite`',
          )
        })
      } finally {
        // Roles are the cluster's: drop them once their database is gone.
        const c = await connect(server.url)
        for (const role of [`${schema}__db1_writer`, `${schema}_reader`, `${schema}_owner`])
          await c.query(`DROP ROLE IF EXISTS ${role}`).catch(() => {})
        await c.end()
      }
    },
  )

  it(
    'with the optional peers installed, the README example runs verbatim on PGlite and the testing subpath compiles',
    SLOW,
    async () => {
      npm([
        'install',
        '--prefer-offline',
        `@electric-sql/pglite@${pkgRange('store', '@electric-sql/pglite', 'peerDependencies')}`,
        `vitest@${rootPkg.devDependencies['vitest']}`,
      ])
      writeFileSync(
        join(project, 'src', 'testing.ts'),
        "import { testCollector } from '@pggraph/collector/testing'\nexport const suite: typeof testCollector = testCollector\n",
      )
      writeFileSync(
        join(project, 'tsconfig.testing.json'),
        JSON.stringify({ extends: './tsconfig.json', include: ['src/testing.ts'] }),
      )
      const compiled = tsc('tsconfig.testing.json')
      expect(compiled.status, compiled.out).toBe(0)
      await withDatabase(anyServer(), async (url) => {
        const r = node(['out/readme.js'], { DATABASE_URL: url })
        expect(r.status, r.out).toBe(0)
        expect(existsSync(join(project, 'pggraph-data'))).toBe(true)
        expect(r.out).toMatch(README_OUTPUT)
      })
    },
  )
})

/** The version range a library package declares for `dep`. */
function pkgRange(name: string, dep: string, field: 'dependencies' | 'peerDependencies'): string {
  const pkg = JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8')) as Record<
    string,
    Record<string, string>
  >
  return pkg[field]![dep]!
}
