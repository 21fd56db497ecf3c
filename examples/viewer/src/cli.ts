import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { PggraphError, closestMatch, isPggraphError } from '@pggraph/core'
import { graphNames } from '@pggraph/render'
import { flag, intFlag, parseArgs, required, type ParsedArgs } from './cli-args.js'
import { readNewPassword } from './password-input.js'
import { parseCliTime } from './ranges.js'
import { renderToFile } from './render-command.js'
import { startViewer, type ViewerOptions } from './server.js'
import { openStoreAccess, type StoreAccess } from './store-access.js'
import { checkTenantSchema } from './tenants.js'
import { addUser, listUsers, removeUser, unlockUser, validatePassword, validateUserName } from './users.js'

const STORE = `  --store URL          The store: pglite:<folder> (embedded) or postgres://user@host:5432/db
                       [PGGRAPH_STORE_URL]`

const HELP = `pggraph-viewer: the pggraph web viewer

Usage: pggraph-viewer <command> [options]

Commands:
  serve          Serve the viewer: login, each user's own graphs
  render         Render one catalog graph to an SVG or PNG file (render --list: every graph)
  users add      Add a user (or replace their password), of one tenant schema or --admin
  users list     List the users
  users remove   Remove a user
  users unlock   Lift a user's login lock (too many failed logins) at once

Each command has its own help: pggraph-viewer <command> --help (or pggraph-viewer help <command>).
Passwords are never arguments: "users add" asks for one on the terminal or reads it from stdin.
Exit codes: 0 ok, 1 failed, 2 usage mistake. Docs: docs/viewer.md
`

/** One command of the CLI: its help, the flags it accepts and what it does. */
interface Command {
  readonly help: string
  readonly value: readonly string[]
  readonly switch: readonly string[]
  run(args: ParsedArgs): Promise<void>
}

const COMMANDS: Readonly<Record<string, Command>> = {
  serve: {
    help: `Usage: pggraph-viewer serve --store URL [options]

Serve the viewer until SIGINT or SIGTERM: users log in and see the graphs of their own tenant
(admins: every tenant). Creates the users table when it is missing.

${STORE}
  --port N             Port (default 8080; 0 picks a free one)
  --host ADDRESS       Address to listen on (default 127.0.0.1: this machine only)
  --tls-cert FILE      HTTPS certificate (PEM), with --tls-key
  --tls-key FILE       HTTPS private key (PEM), with --tls-cert
  --secure-cookies     Secure cookies over plain HTTP (behind an HTTPS proxy)
  --trust-proxy        Take the client address from X-Forwarded-For (behind a proxy)

Limits (one tenant's load never starves another's; docs/viewer.md "Limits under load"):
  --user-concurrency N    Store reads and renders one user runs at once (default 4;
                          twice as many may wait) [PGGRAPH_VIEWER_USER_CONCURRENCY]
  --tenant-concurrency N  The same for all users of one tenant (default 8; below
                          --concurrency) [PGGRAPH_VIEWER_TENANT_CONCURRENCY]
  --concurrency N         The same for the whole viewer (default 16; 4x may wait)
                          [PGGRAPH_VIEWER_CONCURRENCY]
  --queue-wait SECONDS    Longest wait for a slot before 503 (default 15)
                          [PGGRAPH_VIEWER_QUEUE_WAIT]
  --pool-size N           Connections to the store (default 10) [PGGRAPH_VIEWER_POOL_SIZE]
  --tenant-connections N  Connections one tenant's reads may hold (default 40% of the
                          pool; below it) [PGGRAPH_VIEWER_TENANT_CONNECTIONS]
  --render-workers N      Threads that render graphs (default: cores - 1, 1 to 4)
                          [PGGRAPH_VIEWER_RENDER_WORKERS]
Over a limit, a request is answered at once: 429 (that user or tenant is over its budget) or
503 (the viewer is full), with Retry-After.

  --help               This help

Example:
  pggraph-viewer serve --store postgres://pggraph_viewer@store.example.com/pggraph --port 8080
`,
    value: [
      'store',
      'port',
      'host',
      'tls-cert',
      'tls-key',
      'user-concurrency',
      'tenant-concurrency',
      'concurrency',
      'queue-wait',
      'pool-size',
      'tenant-connections',
      'render-workers',
    ],
    switch: ['help', 'secure-cookies', 'trust-proxy'],
    run: serve,
  },
  render: {
    help: `Usage: pggraph-viewer render --store URL --schema S --prefix P --graph NAME --out FILE [options]
       pggraph-viewer render --list

Render one catalog graph of one monitored system to a file, as the viewer draws it.

${STORE}
  --schema S           Tenant schema
  --prefix P           Monitored system inside the schema
  --graph NAME         Catalog graph, e.g. database.transactions (--list shows them all)
  --from TIME          Start: -24h, -7d, an ISO time or epoch ms (default -24h)
  --to TIME            End (default now)
  --out FILE           Where to write
  --format svg|png     Default svg
  --width N            Pixels (200-4000, default 800)
  --height N           Pixels (100-3000, default 260)
  --theme light|dark   Default light
  --list               Print every graph name and exit
  --help               This help

Example:
  pggraph-viewer render --store pglite:./pggraph-data --schema demo --prefix local \\
    --graph database.transactions --from -1h --out tps.svg
`,
    value: ['store', 'schema', 'prefix', 'graph', 'from', 'to', 'out', 'format', 'width', 'height', 'theme'],
    switch: ['help', 'list'],
    run: render,
  },
  'users add': {
    help: `Usage: pggraph-viewer users add --store URL --user U (--schema S | --admin [--schema S])

Add a user of tenant schema S, or an admin (sees every tenant); for an existing user, replace
the password, schema and admin flag (their open sessions end within a minute).

The password is asked on the terminal (not echoed, twice) or, when stdin is not a terminal,
read from the first line of stdin:  printf '%s\\n' "$PW" | pggraph-viewer users add …
It is never an argument: other users of the machine could read it in \`ps\`, and the shell
keeps it in its history. At least 10 characters.

${STORE}
  --user U             User name
  --schema S           The user's tenant schema
  --admin              An admin: sees every tenant
  --help               This help
`,
    value: ['store', 'user', 'schema'],
    switch: ['help', 'admin'],
    run: (args) => users('add', args),
  },
  'users list': {
    help: `Usage: pggraph-viewer users list --store URL

List the users: name, user or admin, schema and when they were added.

${STORE}
  --help               This help
`,
    value: ['store'],
    switch: ['help'],
    run: (args) => users('list', args),
  },
  'users remove': {
    help: `Usage: pggraph-viewer users remove --store URL --user U

Remove a user; their open sessions end within a minute.

${STORE}
  --user U             User name
  --help               This help
`,
    value: ['store', 'user'],
    switch: ['help'],
    run: (args) => users('remove', args),
  },
  'users unlock': {
    help: `Usage: pggraph-viewer users unlock --store URL --user U

Lift the login lock of a user at once (after too many failed logins, 429 "Too many login
attempts"), in every viewer serving the store, instead of waiting out the 15 minutes. Run it as
the store's owner. The user's next login is checked as usual.

${STORE}
  --user U             User name
  --help               This help
`,
    value: ['store', 'user'],
    switch: ['help'],
    run: (args) => users('unlock', args),
  },
}

const USERS_HELP = `Usage: pggraph-viewer users add|list|remove|unlock [options]

${['add', 'list', 'remove', 'unlock'].map((c) => COMMANDS[`users ${c}`]!.help.split('\n')[0]!.replace('Usage: ', '  ')).join('\n')}

Each has its own help: pggraph-viewer users add --help.
`

/** The load limits of `serve`, from flags or their PGGRAPH_VIEWER_* variables (unset: the defaults). */
function limitFlags(args: ParsedArgs): Pick<ViewerOptions, 'budget' | 'storePool' | 'renderWorkers'> {
  const int = (name: string, max: number): number | undefined =>
    intFlag(args, name, 1, max, `PGGRAPH_VIEWER_${name.toUpperCase().replaceAll('-', '_')}`)
  const perUser = int('user-concurrency', 10_000)
  const perTenant = int('tenant-concurrency', 10_000)
  const total = int('concurrency', 10_000)
  const wait = int('queue-wait', 600)
  const poolSize = int('pool-size', 1000)
  const perTenantConnections = int('tenant-connections', 1000)
  const renderWorkers = int('render-workers', 64)
  return {
    budget: {
      ...(perUser === undefined ? {} : { perUser }),
      ...(perTenant === undefined ? {} : { perTenant }),
      ...(total === undefined ? {} : { total }),
      ...(wait === undefined ? {} : { maxWaitMs: wait * 1000 }),
    },
    storePool: {
      ...(poolSize === undefined ? {} : { poolSize }),
      ...(perTenantConnections === undefined ? {} : { perTenant: perTenantConnections }),
    },
    ...(renderWorkers === undefined ? {} : { renderWorkers }),
  }
}

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
    ...limitFlags(args),
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

async function users(sub: 'add' | 'list' | 'remove' | 'unlock', args: ParsedArgs): Promise<void> {
  const url = required(args, 'store', 'PGGRAPH_STORE_URL')
  const user = sub === 'list' ? '' : validateUserName(required(args, 'user'))
  const schema = flag(args, 'schema') ?? null
  const admin = args.flags.has('admin')
  let password = ''
  if (sub === 'add') {
    if (!schema && !admin) throw new PggraphError('CONFIG', 'users add needs --schema S (the tenant), or --admin.')
    // A wrong --schema is reported before anyone types a password.
    if (schema) await withStore(url, (store) => checkTenantSchema(store, schema))
    // Asked while the store is closed: no connection is held while someone types.
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
    } else if (sub === 'unlock') {
      if (!(await unlockUser(store, user))) throw new PggraphError('NOT_FOUND', `There is no user "${user}".`)
      process.stdout.write(`user ${user} unlocked (running viewers apply it at their next login attempt)\n`)
    } else {
      const removed = await store.service((db) => removeUser(db, user))
      if (!removed) throw new PggraphError('NOT_FOUND', `There is no user "${user}".`)
      process.stdout.write(`user ${user} removed (their open sessions end within a minute)\n`)
    }
  } finally {
    await store.end()
  }
}

/** Every flag of every command: to find the command words wherever the flags are. */
const ALL_FLAGS = {
  value: [...new Set(Object.values(COMMANDS).flatMap((c) => c.value))],
  switch: [...new Set(['version', ...Object.values(COMMANDS).flatMap((c) => c.switch)])],
}

/** The command named by the leading words (`serve`, `users add`, ...), and what it is called. */
function commandOf(words: readonly string[]): { name: string; command?: Command } {
  const [first, second] = words
  if (first === 'users') {
    const name = second ? `users ${second}` : 'users'
    return { name, ...(COMMANDS[name] ? { command: COMMANDS[name] } : {}) }
  }
  return { name: first ?? '', ...(first && COMMANDS[first] ? { command: COMMANDS[first] } : {}) }
}

function unknownCommand(name: string): PggraphError {
  const [first, second] = name.split(' ')
  if (first === 'users') {
    const best = second ? closestMatch(second, ['add', 'list', 'remove', 'unlock']) : undefined
    return new PggraphError(
      'CONFIG',
      `${second ? `Unknown command "users ${second}"${best ? ` (did you mean "users ${best}"?)` : ''}` : 'users needs a command'}: use "users add", "users list", "users remove" or "users unlock" (see pggraph-viewer users --help).`,
    )
  }
  const best = closestMatch(name, ['serve', 'render', 'users'])
  return new PggraphError(
    'CONFIG',
    `Unknown command "${name}"${best ? ` (did you mean "${best}"?)` : ''}: use serve, render or users (see --help).`,
  )
}

async function withStore<T>(url: string, fn: (store: StoreAccess) => Promise<T>): Promise<T> {
  const store = await openStoreAccess(url, { poolSize: 1 })
  try {
    return await fn(store)
  } finally {
    await store.end()
  }
}

/** Run the CLI with `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    // First the command words, then the command's own flags. The words usually lead; when a
    // flag comes first, every command's flags are allowed while looking for them.
    const lead = argv.findIndex((a) => a.startsWith('--'))
    const loose =
      lead === 0
        ? parseArgs(argv, ALL_FLAGS)
        : {
            positional: argv.slice(0, lead < 0 ? argv.length : lead),
            flags: new Map(argv.filter((a) => /^--(help|version)$/.test(a)).map((a) => [a.slice(2), true] as const)),
          }
    if (loose.flags.has('version')) {
      const pkg = createRequire(import.meta.url)('../package.json') as { version: string }
      process.stdout.write(`${pkg.version}\n`)
      return 0
    }
    const helpTopic = loose.positional[0] === 'help' ? loose.positional.slice(1) : undefined
    const words = helpTopic ?? loose.positional
    if (words.length === 0) {
      process.stdout.write(HELP)
      return helpTopic || loose.flags.has('help') ? 0 : 2
    }
    const { name, command } = commandOf(words)
    if (!command) {
      if (name === 'users' && (helpTopic || loose.flags.has('help'))) {
        process.stdout.write(USERS_HELP)
        return 0
      }
      throw unknownCommand(name)
    }
    if (helpTopic || loose.flags.has('help')) {
      process.stdout.write(command.help)
      return 0
    }
    const args = parseArgs(argv, command, name)
    const extra = args.positional.slice(name.split(' ').length)
    if (extra.length > 0)
      throw new PggraphError('CONFIG', `Unexpected "${extra[0]}" after ${name}: see \`pggraph-viewer ${name} --help\`.`)
    await command.run(args)
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
