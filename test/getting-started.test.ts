// docs/getting-started.md, "On one machine, without TLS", run as written: every line of its
// shell block is executed (the shipped bridge file for `pggraph-bridge`, the viewer's command
// line for `npx pggraph-viewer`), with only the names a shared test machine needs changed (the
// store database, the tenant, the monitoring role, the port). A line the test does not know
// fails it, so the page cannot gain a step that nobody ran. Then a browser's path: log in as the
// documented user, find the system on the systems page, and draw its graph from real data.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, ownServer, shipped } from '../examples/bridge/test/helpers.js'
import { Client } from '../examples/viewer/test/client.js'
import { connect, randomName, urlWith } from './servers/index.js'
import { freePort } from './servers/pg-server.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const viewerDir = join(root, 'examples', 'viewer')
/** What `npx pggraph-viewer` runs in a clone: the package's bin, over its build. */
const VIEWER_BIN = join(viewerDir, 'bin', 'pggraph-viewer.js')

function newest(dir: string): number {
  let t = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs)
  }
  return t
}

/** Build the viewer (and what it imports) when its build is missing or older than a source. */
function ensureViewerBuilt(): void {
  const built = join(viewerDir, 'dist', 'cli.js')
  const sources = ['core', 'collector', 'store', 'render'].map((p) => join(root, 'packages', p, 'src'))
  sources.push(join(viewerDir, 'src'))
  if (existsSync(built) && Math.max(...sources.map(newest)) <= statSync(built).mtimeMs) return
  for (const w of ['core', 'collector', 'store', 'render', 'viewer'])
    execFileSync('npm', ['run', 'build', '-w', `@pggraph/${w}`], { cwd: root, stdio: 'ignore' })
}

/** The shell block under `heading` in `doc`, its continued lines joined, comments dropped. */
export function docCommands(doc: string, heading: string): string[] {
  const text = readFileSync(join(root, doc), 'utf8')
  const at = text.indexOf(heading)
  if (at < 0) throw new Error(`${doc} has no section "${heading}"`)
  const block = /```sh\n([\s\S]*?)```/.exec(text.slice(at))?.[1]
  if (!block) throw new Error(`${doc}, "${heading}": no sh block`)
  return block
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
}

/** Split a documented command line into words (the block uses no quotes). */
const words = (line: string): string[] => line.split(/\s+/)

interface Done {
  readonly code: number | null
  readonly out: string
  readonly err: string
}

function finished(child: ChildProcess, timeoutMs = 120_000): Promise<Done> {
  let out = ''
  let err = ''
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()))
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`timed out:\n${out}\n${err}`))
    }, timeoutMs)
    child.on('exit', (code) => {
      clearTimeout(t)
      setImmediate(() => resolve({ code, out, err }))
    })
  })
}

describe('docs/getting-started.md, on one machine without TLS', () => {
  const database = randomName('gs')
  const schema = randomName('acme')
  const monitor = randomName('mon')
  const dir = mkdtempSync(join(tmpdir(), 'pggraph-getting-started-'))
  const password = 'a viewer password for alice'
  let storeUrl: string
  let monitorUrl: string
  let viewer: ChildProcess | undefined

  beforeAll(async () => {
    await ensureBuilt()
    ensureViewerBuilt()
    const c = await connect(ownServer().url)
    await c.query(`CREATE DATABASE ${database}`)
    await c.query(`CREATE ROLE ${monitor} LOGIN IN ROLE pg_monitor`)
    await c.end()
    storeUrl = urlWith(ownServer().url, { database })
    monitorUrl = urlWith(ownServer().url, { user: monitor, database: 'postgres' })
  })
  afterAll(async () => {
    viewer?.kill('SIGTERM')
    const c = await connect(ownServer().url)
    await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
    for (const r of [`${schema}__web1_writer`, `${schema}_reader`, `${schema}_owner`, monitor])
      await c.query(`DROP ROLE IF EXISTS ${r}`)
    await c.end()
    rmSync(dir, { recursive: true, force: true })
  })

  it('install → the printed config → check → run → viewer login → the graph of the system', async () => {
    const port = await freePort()
    // The documented names, and what this machine uses instead (its store database is shared).
    const localize = (line: string): string =>
      line
        .replaceAll('postgres://postgres@localhost/pggraph', storeUrl)
        .replaceAll('postgres://pggraph_monitor@localhost/postgres', monitorUrl)
        .replace(/\bacme\b/g, schema)
        .replace('--port 8080', `--port ${port}`)
    const env: Record<string, string> = { PATH: process.env['PATH'] ?? '', HOME: dir }
    const bridge = (args: string[], stdin?: string): Promise<Done> => {
      const child = spawn(process.execPath, [shipped.file, ...args], { cwd: dir, env })
      child.stdin.end(stdin ?? '')
      return finished(child)
    }
    const viewerProcess = (args: string[]): ChildProcess =>
      spawn(process.execPath, [VIEWER_BIN, ...args], { cwd: dir, env })

    const lines = docCommands('docs/getting-started.md', '### On one machine, without TLS')
    const seen: string[] = []
    let printed: string | undefined
    for (const line of lines.map(localize)) {
      const [cmd, ...args] = words(line)
      if (cmd === 'pggraph-bridge' && args[0] === 'install') {
        const r = await bridge(args)
        expect(r.code, r.err).toBe(0)
        // "save the block printed under 2. as acme.web1.toml"
        const block = /^2\. On the monitored server, save as .*\n\n([\s\S]*?)\n\n/m.exec(r.out)?.[1]
        expect(block, r.out).toBeDefined()
        printed = block!
          .split('\n')
          .map((l) => l.trim())
          .join('\n')
        expect(printed).toMatch(/^insecure = true$/m)
        writeFileSync(join(dir, `${schema}.web1.toml`), `${printed}\n`)
        seen.push('install')
      } else if (cmd === 'chmod') {
        expect(args).toEqual(['600', `${schema}.web1.toml`])
        chmodSync(join(dir, args[1]!), 0o600)
        seen.push('chmod')
      } else if (cmd === 'pggraph-bridge' && (args[0] === 'check' || args[0] === 'run')) {
        const r = await bridge(args)
        expect(r.code, `${line}\n${r.out}\n${r.err}`).toBe(0)
        if (args[0] === 'check') {
          expect(r.out).toMatch(/^All checks passed, 1 warning\(s\) \(!\)\.$/m)
          expect(r.out).toMatch(/^! insecure = true/m)
          expect(r.out).not.toMatch(/^✗/m)
        } else {
          expect(r.err).toBe('')
          // Cron's next minute: rates need a second snapshot.
          await new Promise((done) => setTimeout(done, 1_500))
          const again = await bridge(args)
          expect(again.code, again.err).toBe(0)
        }
        seen.push(args[0])
      } else if (cmd === 'npx' && args[0] === 'pggraph-viewer' && args[1] === 'users') {
        // Not a terminal: the password is the first line of stdin (docs/viewer.md).
        const child = viewerProcess(args.slice(1))
        child.stdin!.end(`${password}\n`)
        const r = await finished(child)
        expect(r.code, `${r.out}${r.err}`).toBe(0)
        seen.push('users add')
      } else if (cmd === 'npx' && args[0] === 'pggraph-viewer' && args[1] === 'serve') {
        viewer = viewerProcess(args.slice(1))
        viewer.stdin!.end()
        let out = ''
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(() => reject(new Error(`the viewer did not start:\n${out}`)), 60_000)
          const onData = (d: Buffer): void => {
            out += d.toString()
            if (/listening on http/.test(out)) {
              clearTimeout(t)
              resolve()
            }
          }
          viewer!.stdout!.on('data', onData)
          viewer!.stderr!.on('data', onData)
          viewer!.on('exit', (code) => reject(new Error(`the viewer exited (${code}):\n${out}`)))
        })
        seen.push('serve')
      } else {
        throw new Error(`docs/getting-started.md has a step this test does not know how to run: ${line}`)
      }
    }
    expect(seen).toEqual(['install', 'chmod', 'check', 'run', 'users add', 'serve'])
    expect(statSync(join(dir, `${schema}.web1.toml`)).mode & 0o777).toBe(0o600)

    // "Open http://127.0.0.1:8080/ and log in as alice"
    const browser = new Client(`http://127.0.0.1:${port}`)
    const login = await browser.login('alice', password)
    expect(login.status).toBe(303)
    const systems = await browser.get('/')
    expect(systems.status).toBe(200)
    // "the systems page lists acme / web1"
    const link = new RegExp(`href="(/s/${schema}/web1[^"]*)"`).exec(systems.body)?.[1]
    expect(link, systems.body).toBeDefined()
    const dashboard = await browser.get(link!)
    expect(dashboard.status).toBe(200)
    // "its dashboard draws the graphs": the transactions graph, with the rate of real commits
    // between the two cycles (a line mark's point).
    const src = /<img src="([^"]*\/graph\/database\.transactions\.svg[^"]*)"/.exec(dashboard.body)?.[1]
    expect(src, dashboard.body).toBeDefined()
    const graph = await browser.get(src!.replaceAll('&amp;', '&'))
    expect(graph.status, graph.body.slice(0, 500)).toBe(200)
    expect(graph.headers.get('content-type')).toMatch(/^image\/svg\+xml/)
    const point =
      /aria-label="t: [^"]+; v: ([\d.]+); s: commit" role="graphics-symbol" aria-roledescription="line mark"/
    expect(point.exec(graph.body)?.[1], 'no commit rate in the transactions graph').toMatch(/^\d/)
  })
})
