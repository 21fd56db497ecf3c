import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { PggraphError, isPggraphError } from '@pggraph/core'
import { graphNames } from '@pggraph/render'
import { flag, intFlag, parseArgs, required, type ParsedArgs } from './cli-args.js'
import { readNewPassword } from './password-input.js'
import { parseCliTime } from './ranges.js'
import { renderToFile } from './render-command.js'
import { startViewer } from './server.js'
import { openStoreAccess } from './store-access.js'
import { addUser, listUsers, removeUser, validatePassword, validateUserName } from './users.js'

const HELP = `pggraph-viewer: the pggraph web viewer

Usage:
  pggraph-viewer serve  --store URL [--port 8080] [--host 127.0.0.1] [--tls-cert FILE --tls-key FILE]
                        [--secure-cookies] [--trust-proxy]
  pggraph-viewer render --store URL --schema S --prefix P --graph NAME [--from -24h] [--to now]
                        --out FILE [--format svg|png] [--width 800] [--height 260] [--theme light|dark]
  pggraph-viewer render --list
  pggraph-viewer users add    --store URL --user U (--schema S | --admin [--schema S])
  pggraph-viewer users list   --store URL
  pggraph-viewer users remove --store URL --user U

The store URL is pglite:<folder> (embedded) or postgres://user@host:5432/db; PGGRAPH_STORE_URL
is used when --store is missing. "users add" reads the password from the terminal (not echoed)
or, when stdin is not a terminal, from the first line of stdin; never from an argument.
`

async function serve(args: ParsedArgs): Promise<void> {
  const certFile = flag(args, 'tls-cert')
  const keyFile = flag(args, 'tls-key')
  if (Boolean(certFile) !== Boolean(keyFile)) throw new PggraphError('CONFIG', '--tls-cert and --tls-key go together.')
  const tls = certFile && keyFile ? { cert: await readFile(certFile), key: await readFile(keyFile) } : undefined
  const { viewer, url } = await startViewer({
    store: required(args, 'store', 'PGGRAPH_STORE_URL'),
    port: intFlag(args, 'port', 0, 65535) ?? 8080,
    host: flag(args, 'host') ?? '127.0.0.1',
    ...(tls ? { tls } : {}),
    secureCookies: args.flags.has('secure-cookies'),
    trustProxy: args.flags.has('trust-proxy'),
  })
  process.stdout.write(`pggraph-viewer listening on ${url}\n`)
  const stop = (): void => {
    void viewer.close().then(() => process.exit(0))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

async function render(args: ParsedArgs): Promise<void> {
  if (args.flags.has('list')) {
    process.stdout.write(`${graphNames().join('\n')}\n`)
    return
  }
  const now = Date.now()
  const format = flag(args, 'format') ?? 'svg'
  if (format !== 'svg' && format !== 'png') throw new PggraphError('CONFIG', '--format must be svg or png.')
  const theme = flag(args, 'theme') ?? 'light'
  if (theme !== 'light' && theme !== 'dark') throw new PggraphError('CONFIG', '--theme must be light or dark.')
  const out = required(args, 'out')
  const width = intFlag(args, 'width', 200, 4000)
  const height = intFlag(args, 'height', 100, 3000)
  const bytes = await renderToFile({
    store: required(args, 'store', 'PGGRAPH_STORE_URL'),
    schema: required(args, 'schema'),
    prefix: required(args, 'prefix'),
    graph: required(args, 'graph'),
    from: parseCliTime(flag(args, 'from') ?? '-24h', now),
    to: parseCliTime(flag(args, 'to') ?? 'now', now),
    out,
    format,
    theme,
    ...(width ? { width } : {}),
    ...(height ? { height } : {}),
  })
  process.stdout.write(`wrote ${out} (${bytes} bytes)\n`)
}

async function users(args: ParsedArgs): Promise<void> {
  const sub = args.positional[1]
  if (sub !== 'add' && sub !== 'list' && sub !== 'remove')
    throw new PggraphError('CONFIG', 'Use "users add", "users list" or "users remove".')
  const url = required(args, 'store', 'PGGRAPH_STORE_URL')
  const user = sub === 'list' ? '' : validateUserName(required(args, 'user'))
  const schema = flag(args, 'schema') ?? null
  const admin = args.flags.has('admin')
  let password = ''
  if (sub === 'add') {
    if (!schema && !admin) throw new PggraphError('CONFIG', 'users add needs --schema S (the tenant), or --admin.')
    // Asked before the store is opened: no connection is held while someone types.
    password = validatePassword(await readNewPassword())
  }
  const store = await openStoreAccess(url, { poolSize: 1 })
  try {
    if (sub === 'add') {
      const u = await addUser(store, { user, schema, admin, password })
      process.stdout.write(`user ${u.user} saved (${u.admin ? 'admin' : `schema ${u.schema}`})\n`)
    } else if (sub === 'list') {
      const all = await store.service((db) => listUsers(db))
      if (all.length === 0) process.stdout.write('no users yet: add one with "pggraph-viewer users add"\n')
      for (const u of all)
        process.stdout.write(`${u.user}\t${u.admin ? 'admin' : 'user'}\t${u.schema ?? '*'}\t${u.createdAt}\n`)
    } else {
      const removed = await store.service((db) => removeUser(db, user))
      if (!removed) throw new PggraphError('NOT_FOUND', `There is no user "${user}".`)
      process.stdout.write(`user ${user} removed (their open sessions end within a minute)\n`)
    }
  } finally {
    await store.end()
  }
}

/** Run the CLI with `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    const args = parseArgs(argv, {
      value: [
        'store',
        'port',
        'host',
        'tls-cert',
        'tls-key',
        'schema',
        'prefix',
        'graph',
        'from',
        'to',
        'out',
        'format',
        'width',
        'height',
        'theme',
        'user',
      ],
      switch: ['help', 'version', 'admin', 'list', 'secure-cookies', 'trust-proxy'],
    })
    const cmd = args.positional[0]
    if (args.flags.has('version')) {
      const pkg = createRequire(import.meta.url)('../package.json') as { version: string }
      process.stdout.write(`${pkg.version}\n`)
      return 0
    }
    if (args.flags.has('help') || !cmd) {
      process.stdout.write(HELP)
      return cmd || args.flags.has('help') ? 0 : 2
    }
    if (cmd === 'serve') await serve(args)
    else if (cmd === 'render') await render(args)
    else if (cmd === 'users') await users(args)
    else throw new PggraphError('CONFIG', `Unknown command "${cmd}": use serve, render or users (see --help).`)
    return 0
  } catch (err) {
    if (isPggraphError(err)) {
      process.stderr.write(`pggraph-viewer: ${err.message}\n`)
      return err.code === 'CONFIG' || err.code === 'NOT_FOUND' ? 2 : 1
    }
    process.stderr.write(`pggraph-viewer: ${err instanceof Error ? err.message : String(err)}\n`)
    return 1
  }
}
