// The bridge as it is shipped: dist/pggraph-bridge.mjs (one file, Node >= 20, nothing else) and
// dist/pggraph-bridge-linux-x64 (no Node at all), each copied into a folder outside the
// repository and run from there, as an operator would after "copy this one file": collect,
// check and run against a real server and a real store. The executable runs with a PATH that
// holds no `node`.
import { spawn } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
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
