// The CLI as a user runs it (a child process): users add/list/remove with the password on stdin,
// render to SVG and PNG, and clear errors with exit code 2 for mistakes.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { anyServer } from '../../../test/servers/index.js'
import { main } from '../src/cli.js'
import { findUser, openStoreAccess, verifyPassword } from '../src/index.js'
import { collectInto, freshPostgresStore, runCli as run, tenantNames } from './fixture.js'

const t = tenantNames()
let url: string
let drop: () => Promise<void>
let dir: string

beforeAll(async () => {
  const fresh = await freshPostgresStore(anyServer(), t)
  url = fresh.url
  drop = fresh.drop
  await collectInto(fresh.store, fresh.url, [{ schema: t.a, prefix: 'db1' }], 2, 1000)
  dir = await mkdtemp(join(tmpdir(), 'pggraph-viewer-cli-'))
}, 120_000)

afterAll(async () => {
  await drop?.()
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('pggraph-viewer users', () => {
  it('adds a user with the password from stdin, lists and removes it', async () => {
    const add = await run(['users', 'add', '--store', url, '--user', 'dora', '--schema', t.a], 'dora-secret-password\n')
    expect(add.err).toBe('')
    expect(add.code).toBe(0)
    expect(add.out).toContain('user dora saved')
    const store = await openStoreAccess(url)
    try {
      const u = await store.service((db) => findUser(db, 'dora'))
      expect(u?.schema).toBe(t.a)
      expect(u?.passwordHash).not.toContain('dora-secret-password')
      expect(await verifyPassword('dora-secret-password', u!.passwordHash)).toBe(true)
    } finally {
      await store.end()
    }
    const list = await run(['users', 'list', '--store', url])
    expect(list.out).toMatch(new RegExp(`^dora\\tuser\\t${t.a}\\t`, 'm'))
    expect(list.out).not.toContain('scrypt')
    const rm1 = await run(['users', 'remove', '--store', url, '--user', 'dora'])
    expect(rm1.code).toBe(0)
    const rm2 = await run(['users', 'remove', '--store', url, '--user', 'dora'])
    expect(rm2.code).toBe(2)
    expect(rm2.err).toContain('no user "dora"')
  })

  it('refuses a password given as an argument, a short password, and a user without a tenant', async () => {
    const arg = await run(['users', 'add', '--store', url, '--user', 'eve', '--schema', t.a, '--password', 'x'])
    expect(arg.code).toBe(2)
    expect(arg.err).toMatch(/^pggraph-viewer: Passwords are never command-line arguments: .*`ps`.*history.*stdin/)
    expect(arg.err.trim().split('\n')).toHaveLength(1)
    const short = await run(['users', 'add', '--store', url, '--user', 'eve', '--schema', t.a], 'short\n')
    expect(short.code).toBe(2)
    expect(short.err).toContain('at least 10 characters')
    const none = await run(['users', 'add', '--store', url, '--user', 'eve'], 'long-enough-password\n')
    expect(none.code).toBe(2)
    expect(none.err).toContain('--schema')
    const bad = await run(
      ['users', 'add', '--store', url, '--user', 'eve', '--schema', 'Bad"Schema'],
      'long-enough-password\n',
    )
    expect(bad.code).toBe(2)
    expect(bad.err).not.toMatch(/\n\s+at /)
  })
})

describe('pggraph-viewer render', () => {
  it('writes an SVG and a PNG of a catalog graph', async () => {
    const svgFile = join(dir, 'tps.svg')
    const svg = await run([
      'render',
      '--store',
      url,
      '--schema',
      t.a,
      '--prefix',
      'db1',
      '--graph',
      'database.transactions',
      '--from',
      '-1h',
      '--out',
      svgFile,
    ])
    expect(svg.err).toBe('')
    expect(svg.code).toBe(0)
    const text = await readFile(svgFile, 'utf8')
    expect(text).toMatch(/^<svg[\s\S]+<\/svg>\s*$/)
    expect(text).toContain('Transactions per second')
    const pngFile = join(dir, 'tps.png')
    const png = await run([
      'render',
      '--store',
      url,
      '--schema',
      t.a,
      '--prefix',
      'db1',
      '--graph',
      'database.transactions',
      '--from',
      '-1h',
      '--out',
      pngFile,
      '--format',
      'png',
    ])
    expect(png.code).toBe(0)
    const bytes = await readFile(pngFile)
    expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a')
  })

  it('explains mistakes with exit code 2', async () => {
    const unknown = await run([
      'render',
      '--store',
      url,
      '--schema',
      t.a,
      '--prefix',
      'db1',
      '--graph',
      'nope.graph',
      '--out',
      join(dir, 'x.svg'),
    ])
    expect(unknown.code).toBe(2)
    expect(unknown.err).toContain('There is no graph "nope.graph"')
    const time = await run([
      'render',
      '--store',
      url,
      '--schema',
      t.a,
      '--prefix',
      'db1',
      '--graph',
      'database.transactions',
      '--from',
      'yesterday',
      '--out',
      join(dir, 'x.svg'),
    ])
    expect(time.code).toBe(2)
    expect(time.err).toContain('not understood')
    const noPrefix = await run([
      'render',
      '--store',
      url,
      '--schema',
      t.a,
      '--prefix',
      'nosuch',
      '--graph',
      'database.transactions',
      '--out',
      join(dir, 'x.svg'),
    ])
    expect(noPrefix.code).toBe(2)
    expect(noPrefix.err).toContain(`Schema "${t.a}" has no system "nosuch" (it has: db1`)
    const list = await run(['render', '--list'])
    expect(list.out).toContain('database.transactions')
    const help = await run(['--help'])
    expect(help.out).toContain('pggraph-viewer <command> --help')
  })
})

/** The CLI's main() in this process, for the many quick help and mistake cases (no store). */
async function inProcess(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true))
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true))
  try {
    const code = await main(args)
    return { code, out, err }
  } finally {
    o.mockRestore()
    e.mockRestore()
  }
}

describe('pggraph-viewer help and mistakes', () => {
  it('gives every command its own --help, also as "help <command>"', async () => {
    const top = await run(['--help'])
    expect(top.code).toBe(0)
    expect(top.out).toMatch(/Commands:\n\s+serve .*\n\s+render .*\n\s+users add .*\n\s+users list .*\n\s+users remove /)
    const expected: [string[], RegExp][] = [
      [['serve', '--help'], /^Usage: pggraph-viewer serve --store URL[\s\S]*--tls-cert FILE[\s\S]*--trust-proxy/],
      [['render', '--help'], /^Usage: pggraph-viewer render [\s\S]*--graph NAME[\s\S]*--theme light\|dark/],
      [
        ['users', 'add', '--help'],
        /^Usage: pggraph-viewer users add [\s\S]*never an argument[\s\S]*`ps`[\s\S]*--admin/,
      ],
      [['users', 'list', '--help'], /^Usage: pggraph-viewer users list --store URL/],
      [['users', 'remove', '--help'], /^Usage: pggraph-viewer users remove --store URL --user U/],
      [['users', '--help'], /^Usage: pggraph-viewer users add\|list\|remove[\s\S]*users remove --store URL --user U/],
      [['help', 'render'], /^Usage: pggraph-viewer render /],
      [['help', 'users', 'add'], /^Usage: pggraph-viewer users add /],
    ]
    for (const [args, text] of expected) {
      const r = await inProcess(args)
      expect(r.code, args.join(' ')).toBe(0)
      expect(r.out, args.join(' ')).toMatch(text)
      // each help is about its command only
      if (args.includes('serve')) expect(r.out).not.toContain('--graph')
    }
  })

  it('suggests the closest flag or command, in one line with exit code 2', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['serve', '--prot', '8080'],
        /^pggraph-viewer: Unknown option --prot for "serve" \(did you mean --port\?\): see `pggraph-viewer serve --help`\.$/,
      ],
      [['render', '--grpah', 'x'], /Unknown option --grpah for "render" \(did you mean --graph\?\)/],
      [
        ['users', 'add', '--shema', 'acme'],
        /Unknown option --shema for "users add" \(did you mean --schema\?\): see `pggraph-viewer users add --help`/,
      ],
      // a flag of another command is unknown here, and says so
      [['serve', '--graph', 'x'], /Unknown option --graph for "serve": see `pggraph-viewer serve --help`/],
      [['users', 'list', '--frobnicate'], /Unknown option --frobnicate for "users list": see/],
      [['serv'], /Unknown command "serv" \(did you mean "serve"\?\)/],
      [['users', 'ad'], /Unknown command "users ad" \(did you mean "users add"\?\)/],
      [['users'], /users needs a command: use "users add", "users list", "users remove" or "users unlock"/],
      [['serve', '--password', 'x'], /Passwords are never command-line arguments/],
      [['users', 'list', 'extra'], /Unexpected "extra" after users list/],
    ]
    for (const [args, text] of cases) {
      const r = await inProcess(args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.err.trim().split('\n'), args.join(' ')).toHaveLength(1)
      expect(r.err.trim(), args.join(' ')).toMatch(text)
    }
  })
})
