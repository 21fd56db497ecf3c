// The bridge as it is shipped: dist/pggraph-bridge.mjs (one file, Node >= 20, nothing else) and
// dist/pggraph-bridge-linux-x64 (no Node at all), each copied into a folder outside the
// repository and run from there, as an operator would after "copy this one file": collect,
// check and run against a real server and a real store. The executable runs with a PATH that
// holds no `node`.
import { spawn } from 'node:child_process'
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { parseSnapshot } from '@pggraph/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  bridgeDir,
  createStore,
  ensureShipped,
  finished,
  ownServer,
  shipped,
  writeStoreConfig,
  type CliResult,
  type TestStore,
} from './helpers.js'

const outside = mkdtempSync(join(tmpdir(), 'pggraph-shipped-'))
const noNode = join(outside, 'path-without-node')
const { version } = JSON.parse(readFileSync(join(bridgeDir, 'package.json'), 'utf8')) as { version: string }

interface Variant {
  readonly name: string
  /** The command line that runs the copied bridge. */
  readonly command: () => readonly [string, ...string[]]
  /** PATH of the process. */
  readonly path: string
}

const variants: readonly Variant[] = [
  {
    name: 'the single file (pggraph-bridge.mjs under node)',
    command: () => [process.execPath, join(outside, 'pggraph-bridge.mjs')],
    path: process.env['PATH'] ?? '',
  },
  {
    name: 'the single executable (no node on PATH)',
    command: () => [join(outside, 'pggraph-bridge')],
    path: noNode,
  },
]

let store: TestStore

beforeAll(async () => {
  await ensureShipped()
  mkdirSync(noNode)
  copyFileSync(shipped.file, join(outside, 'pggraph-bridge.mjs'))
  copyFileSync(shipped.executable, join(outside, 'pggraph-bridge'))
  store = await createStore(ownServer().url)
}, 600_000)

afterAll(async () => {
  await store?.drop()
  rmSync(outside, { recursive: true, force: true })
})

function shippedRun(variant: Variant, args: readonly string[]): Promise<CliResult> {
  const [command, ...pre] = variant.command()
  const child = spawn(command, [...pre, ...args], {
    cwd: outside,
    // Nothing from this repository or the test run: no NODE_PATH, no PGGRAPH_*, no PG*.
    env: { PATH: variant.path, HOME: outside, LANG: 'C.UTF-8' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return finished(child, 60_000)
}

describe.each(variants)('$name', (variant) => {
  it('runs from a folder outside the repository with nothing installed beside it', async () => {
    expect(outside.startsWith(join(bridgeDir, '..', '..'))).toBe(false)
    expect(existsSync(join(outside, 'node_modules'))).toBe(false)
    if (variant.path === noNode)
      expect(variant.path.split(delimiter).some((d) => existsSync(join(d, 'node')))).toBe(false)
    const v = await shippedRun(variant, ['--version'])
    expect(v.code, v.stderr).toBe(0)
    expect(v.stdout.trim()).toBe(version)
    const help = await shippedRun(variant, ['run', '--help'])
    expect(help.stdout).toMatch(/^Usage: pggraph-bridge run /)
    expect(help.stdout).toContain('--spool-max-bytes SIZE')
  })

  it('collect prints one valid snapshot of a real server', async () => {
    const r = await shippedRun(variant, ['collect', '--target', ownServer().url, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const snap = parseSnapshot(JSON.parse(r.stdout))
    expect(Math.floor(snap.server.versionNum / 10000)).toBe(ownServer().major)
    expect(snap.metrics['pg_stat_database']?.length).toBeGreaterThan(0)
  })

  it('run stores one snapshot per cycle, and check reports on target, store, writer and spool', async () => {
    const spool = join(outside, `spool-${variant.path === noNode ? 'exe' : 'file'}`)
    const config = writeStoreConfig(outside, store, { spool_dir: spool })
    const before = (await store.snapshotTimes()).length
    const run = await shippedRun(variant, ['run', '--config', config])
    expect(run.code, run.stderr).toBe(0)
    expect((await store.snapshotTimes()).length).toBe(before + 1)

    const check = await shippedRun(variant, ['check', '--config', config])
    expect(check.stdout).toMatch(/^✓ target reachable: PostgreSQL /m)
    expect(check.stdout).toMatch(new RegExp(`^✓ writer ${store.schema}_writer can write ${store.schema}\\.web1 `, 'm'))
    expect(check.stdout).toMatch(/^✓ spool .*: 0 waiting .*; last success 20\d\d-/m)
    expect(check.stdout).toMatch(/^! insecure = true: /m) // the test store speaks plain text
    // The test's target role is a superuser, which check rightly counts as a failure (exit 1).
    expect(check.stdout).toMatch(/^✗ target role postgres is a superuser$/m)
    expect(check.code).toBe(1)
  })

  it('a pglite: store without the optional PGlite package is one clear line naming the package', async () => {
    const r = await shippedRun(variant, [
      'run',
      '--target',
      ownServer().url,
      '--store',
      `pglite:${join(outside, 'pglite-store')}`,
      '--schema',
      'me',
      '--prefix',
      'box',
      '--spool-dir',
      join(outside, `spool-pglite-${variant.path === noNode ? 'exe' : 'file'}`),
    ])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^pggraph-bridge: store: pglite: stores need the optional package @electric-sql\/pglite/)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
  })
})

describe('what the single file bundles', () => {
  it('holds no renderer (Vega) and no PGlite: a monitored server loads neither', () => {
    const text = readFileSync(shipped.file, 'utf8')
    expect(text).not.toMatch(/vega-lite|vega-scenegraph/)
    expect(text).not.toContain('pglite.wasm')
    expect(text).toContain('@electric-sql/pglite') // the lazy import, for pglite: stores only
  })
})

describe('the code cache (scripts/loader.mjs)', () => {
  const home = (): string => mkdtempSync(join(outside, 'home-'))
  const cacheIn = (dir: string): string[] =>
    existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.cache')) : []
  const run = (args: readonly string[], env: Record<string, string>): Promise<CliResult> =>
    finished(
      spawn(process.execPath, [join(outside, 'pggraph-bridge.mjs'), ...args], {
        cwd: outside,
        env: { PATH: process.env['PATH'] ?? '', LANG: 'C.UTF-8', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    )

  it('is written after a command into a private ~/.cache/pggraph-bridge, and used as it is by the next process', async () => {
    const h = home()
    const dir = join(h, '.cache', 'pggraph-bridge')
    const first = await run(['collect', '--target', ownServer().url], { HOME: h })
    expect(first.code, first.stderr).toBe(0)
    const [name, ...more] = cacheIn(dir)
    expect(more).toEqual([])
    expect(name).toMatch(/^[0-9a-f]{32}-v\d+\.\d+\.\d+-x64-collect\.cache$/)
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    const before = statSync(join(dir, name!))
    expect(before.mode & 0o777).toBe(0o600)
    const second = await run(['collect', '--target', ownServer().url], { HOME: h })
    expect(second.code, second.stderr).toBe(0)
    expect(second.stdout).toContain('pg_stat_database')
    // Accepted by V8, so not written again (a rejected cache is replaced by a new file).
    const after = statSync(join(dir, name!))
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs])
  })

  it('a corrupt cache is rejected and replaced; a cache file others can write is never read', async () => {
    const h = home()
    const dir = join(h, '.cache', 'pggraph-bridge')
    expect((await run(['--version'], { HOME: h })).code).toBe(0)
    const [name] = cacheIn(dir)
    const path = join(dir, name!)
    const garbage = Buffer.alloc(statSync(path).size, 7)
    writeFileSync(path, garbage)
    const corrupt = await run(['--version'], { HOME: h })
    expect([corrupt.code, corrupt.stdout.trim(), corrupt.stderr]).toEqual([0, version, ''])
    expect(readFileSync(path).equals(garbage)).toBe(false)
    // A valid cache that is group- or world-writable: refused unread, so written anew (0600).
    chmodSync(path, 0o666)
    const ino = statSync(path).ino
    expect((await run(['--version'], { HOME: h })).code).toBe(0)
    expect([statSync(path).ino === ino, statSync(path).mode & 0o777]).toEqual([false, 0o600])
  })

  it('a cache folder others can write is not used: the cache goes to a private folder in TMPDIR', async () => {
    const h = home()
    const shared = join(h, '.cache', 'pggraph-bridge')
    mkdirSync(shared, { recursive: true })
    chmodSync(shared, 0o777)
    const tmp = mkdtempSync(join(outside, 'tmp-'))
    const r = await run(['--version'], { HOME: h, TMPDIR: tmp })
    expect([r.code, r.stdout.trim()]).toEqual([0, version])
    expect(cacheIn(shared)).toEqual([])
    expect(cacheIn(join(tmp, `pggraph-bridge-${process.getuid!()}`))).toHaveLength(1)
  })

  it('PGGRAPH_BRIDGE_CODE_CACHE=0 keeps none', async () => {
    const h = home()
    const r = await run(['--version'], { HOME: h, PGGRAPH_BRIDGE_CODE_CACHE: '0' })
    expect([r.code, r.stdout.trim()]).toEqual([0, version])
    expect(existsSync(join(h, '.cache'))).toBe(false)
  })
})
