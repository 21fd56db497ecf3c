import { PggraphError, validateIdentifier } from '@pggraph/core'
import {
  DEFAULT_INGEST_LIMITS,
  DEFAULT_LOCK_TIMEOUT_MS,
  DEFAULT_ROLE_BUDGETS,
  INGEST_LIMIT_NAMES,
  defaultRoles,
  installInstructions,
  installStore,
  openStore,
  type IngestLimits,
  type InstallOptions,
  type InstallResult,
  type StoreConnection,
} from '@pggraph/store'
import { Prompter } from '../prompt.js'
import { explainTlsError, storeLink, type StoreLink } from '../tls.js'
import { redactUrl, shortUrl } from '../target.js'
import { formatDuration, parseBytes, parseDuration } from '../units.js'
import { EXIT, parse, type Io } from './shared.js'

/** The `--help` text of `pggraph-bridge install`. */
export const INSTALL_HELP = `Usage: pggraph-bridge install --store URL --schema S --prefix P [options] [--yes]

Set up the store for one monitored system, idempotently (re-running changes nothing): the
tenant schema S and the tables of prefix P, a writer role that may only add snapshots for P
(password generated unless it exists), and the schema's reader role. Run it once per monitored
system, as a superuser of the store. Then it prints what is left to do elsewhere: the
pg_hba.conf lines, the bridge config to copy to the monitored server, and a crontab line or a
systemd timer.

On a terminal, missing values are asked for and the plan is shown for confirmation; --yes
applies without asking (for scripts; then every value must be given).

  --store URL          The store, as a superuser: postgres://postgres@store.example.com/pggraph [PGGRAPH_STORE_URL]
  --schema S           Tenant schema, e.g. acme [PGGRAPH_SCHEMA]
  --prefix P           Monitored system inside the schema, e.g. web1 [PGGRAPH_PREFIX]
  --writer-role R      Writer role (default <schema>__<prefix>_writer; an older install keeps its
                       <schema>_<prefix>_writer)
  --reader-role R      Reader role (default <schema>_reader)
  --owner-role R       Owner of the schema, NOLOGIN (default <schema>_owner)
  --writer-connection-limit N   Most sessions of the writer at once (default ${DEFAULT_ROLE_BUDGETS.writerConnectionLimit})
  --reader-connection-limit N   Most sessions of a reader login at once (default ${DEFAULT_ROLE_BUDGETS.readerConnectionLimit})
  --writer-statement-timeout T  statement_timeout of the writer's sessions (default ${formatDuration(DEFAULT_ROLE_BUDGETS.writerStatementTimeout)})
  --reader-statement-timeout T  statement_timeout of a reader login's sessions (default ${formatDuration(DEFAULT_ROLE_BUDGETS.readerStatementTimeout)})
  --lock-timeout T     Give up, naming the session in the way, after waiting this long for a
                       lock (default ${formatDuration(DEFAULT_LOCK_TIMEOUT_MS)})
  --target URL         Put this target_url in the printed bridge config
  --bridge-store-host H  Host name the bridge uses to reach the store (default: the host of --store)
  --ca-file PATH       CA of the store's certificate, to verify --store; also written as ca_file
                       in the printed bridge config (copy the file to the same path) [PGGRAPH_CA_FILE]
  --insecure           Connect to --store without TLS (a store on this host) [PGGRAPH_INSECURE]
${limitFlagHelp()}
  -y, --yes            Apply without asking
  -h, --help           This help

Example:
  pggraph-bridge install --store postgres://postgres@localhost/pggraph --insecure --schema acme --prefix web1 --yes`

/** `maxRowsPerMetric` → `max-rows-per-metric`: each ingest limit's flag. */
function limitFlag(name: keyof IngestLimits): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
}

function limitFlagHelp(): string {
  const lines = INGEST_LIMIT_NAMES.map((n) => {
    const flag = `--${limitFlag(n)} ${n === 'maxPayloadBytes' ? 'SIZE' : 'N'}`
    return `  ${flag.padEnd(30)}Ingest limit ${n} of this prefix (default ${DEFAULT_INGEST_LIMITS[n]}${n === 'maxPayloadBytes' ? ', e.g. 128MiB' : ''})`
  })
  return `${lines.join('\n')}\n                       The store refuses a snapshot over any of them; a re-install keeps what was set.`
}

/** The ingest limits given as flags (sizes for maxPayloadBytes, whole numbers otherwise). */
function limitsFrom(str: (k: string) => string | undefined): Partial<IngestLimits> | undefined {
  const limits: Partial<Record<keyof IngestLimits, number>> = {}
  for (const n of INGEST_LIMIT_NAMES) {
    const text = str(limitFlag(n))
    if (text === undefined) continue
    const v = n === 'maxPayloadBytes' ? parseBytes(text) : /^\d+$/.test(text.trim()) ? Number(text) : undefined
    if (v === undefined || v < 1)
      throw new PggraphError(
        'CONFIG',
        `--${limitFlag(n)} must be ${n === 'maxPayloadBytes' ? 'a size such as 128MiB' : 'a whole number'} of at least 1 (got ${JSON.stringify(text)}).`,
      )
    limits[n] = v
  }
  return Object.keys(limits).length ? limits : undefined
}

/** `pggraph-bridge install`. */
export async function installCommand(args: readonly string[], io: Io): Promise<number> {
  const { values } = parse('install', args, {
    store: { type: 'string' },
    schema: { type: 'string' },
    prefix: { type: 'string' },
    'writer-role': { type: 'string' },
    'reader-role': { type: 'string' },
    'owner-role': { type: 'string' },
    'writer-connection-limit': { type: 'string' },
    'reader-connection-limit': { type: 'string' },
    'writer-statement-timeout': { type: 'string' },
    'reader-statement-timeout': { type: 'string' },
    'lock-timeout': { type: 'string' },
    target: { type: 'string' },
    'bridge-store-host': { type: 'string' },
    'ca-file': { type: 'string' },
    insecure: { type: 'boolean' },
    ...Object.fromEntries(INGEST_LIMIT_NAMES.map((n) => [limitFlag(n), { type: 'string' as const }])),
    yes: { type: 'boolean', short: 'y' },
    help: { type: 'boolean', short: 'h' },
  })
  if (values['help']) {
    io.out(INSTALL_HELP)
    return EXIT.ok
  }
  const str = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined)
  let store = str('store') ?? io.env['PGGRAPH_STORE_URL']
  let schema = str('schema') ?? io.env['PGGRAPH_SCHEMA']
  let prefix = str('prefix') ?? io.env['PGGRAPH_PREFIX']
  let writerRole = str('writer-role')
  const readerRole = str('reader-role')
  const ownerRole = str('owner-role')
  const budgets = budgetFlags(str)
  const insecure = values['insecure'] === true || /^(1|true|yes|on)$/i.test(io.env['PGGRAPH_INSECURE'] ?? '')
  const caFile = str('ca-file') ?? io.env['PGGRAPH_CA_FILE']
  const interactive = values['yes'] !== true && io.stdin.isTTY === true && io.stdout.isTTY === true
  const identifier = (kind: 'schema' | 'prefix' | 'role') => (v: string) => {
    try {
      validateIdentifier(v, kind)
      return undefined
    } catch (err) {
      return (err as Error).message
    }
  }

  let prompter: Prompter | undefined
  try {
    if (interactive) {
      prompter = new Prompter(io.stdin, io.stdout)
      store ??= await prompter.ask('Store URL (a superuser, e.g. postgres://postgres@store.example.com/pggraph)', {
        check: (v) =>
          /^(postgres(ql)?:\/\/|pglite:)/.test(v) ? undefined : 'use postgres://user@host/db or pglite:./dir',
      })
      schema ??= await prompter.ask('Tenant schema (one per customer, e.g. acme)', { check: identifier('schema') })
      prefix ??= await prompter.ask('Prefix of this monitored system (e.g. web1)', { check: identifier('prefix') })
      writerRole ??= await prompter.ask('Writer role', {
        default: defaultRoles({ schema, prefix }).writer,
        check: identifier('role'),
      })
    } else if (values['yes'] !== true) {
      throw new PggraphError(
        'CONFIG',
        'Not a terminal: give --store, --schema and --prefix and add --yes to install without confirmation.',
      )
    }
    for (const [name, v] of [
      ['store', store],
      ['schema', schema],
      ['prefix', prefix],
    ] as const) {
      if (!v)
        throw new PggraphError('CONFIG', `Missing --${name}: run \`pggraph-bridge install --help\` for the options.`)
    }
    validateIdentifier(schema, 'schema')
    validateIdentifier(prefix, 'prefix')
    const limits = limitsFrom(str)
    if (writerRole) validateIdentifier(writerRole, 'role')
    if (readerRole) validateIdentifier(readerRole, 'role')
    if (ownerRole) validateIdentifier(ownerRole, 'role')
    const link = storeLink({ storeUrl: store!, caFile, insecure })
    const warnings = [...link.warnings]
    if (link.mode === 'insecure')
      warnings.push('--insecure: the connection to the store is plain text, and so is the printed bridge config.')
    for (const w of warnings) io.err(`pggraph-bridge: warning: ${w}`)

    io.out(`Plan for the store ${store!.startsWith('pglite:') ? store : shortUrl(store!)} (${link.description}):`)
    io.out(`  schema ${schema}: created if missing, tables ${schema}.${prefix}_* created or completed`)
    io.out(
      `  writer role ${writerRole ?? defaultRoles({ schema: schema!, prefix: prefix! }).writer}: may only add snapshots for ${schema}.${prefix} (password generated if the role is new)`,
    )
    io.out(`  reader role ${readerRole ?? `${schema}_reader`}: may only read schema ${schema}`)
    if (limits)
      io.out(
        `  ingest limits: ${Object.entries(limits)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')} (the others as before, else the defaults)`,
      )
    if (prompter && !(await prompter.confirm('Apply?'))) {
      io.out('Nothing changed.')
      return EXIT.failed
    }
    prompter?.close()
    prompter = undefined

    const result = await install(link, {
      schema: schema!,
      prefix: prefix!,
      ...(writerRole ? { writerRole } : {}),
      ...(readerRole ? { readerRole } : {}),
      ...(ownerRole ? { ownerRole } : {}),
      ...budgets,
      ...(limits ? { limits } : {}),
    })
    io.out(
      result.unchanged
        ? `Already installed: ${schema}.${prefix} is up to date (nothing changed).`
        : `Installed ${schema}.${prefix}: ${result.tablesCreated.length} table(s) created, ${result.columnsAdded.length} column(s) added, ${result.migrations.length} migration(s); roles: ${result.roles.map((r) => `${r.role} ${r.action}`).join(', ')}.`,
    )
    for (const r of result.roles) if (r.note) io.err(`pggraph-bridge: warning: ${r.role}: ${r.note}`)
    if (result.revoked.length)
      io.err(`pggraph-bridge: warning: EXECUTE taken from roles that are not the writer: ${result.revoked.join('; ')}`)
    if (result.hardening.includes('keeps')) io.err(`pggraph-bridge: warning: hardening ${result.hardening}`)
    io.out(
      `Ingest limits of ${schema}.${prefix}: ${INGEST_LIMIT_NAMES.map((n) => `${n} ${result.limits[n]}`).join(', ')}.`,
    )
    const configPath = `/etc/pggraph/${schema}.${prefix}.toml`
    const storeUrl = store!.startsWith('pglite:') ? undefined : new URL(link.url)
    const socketDir = link.mode === 'local' ? storeUrl?.searchParams.get('host') : undefined
    const steps = installInstructions(result, {
      storeHost: str('bridge-store-host') ?? storeUrl?.hostname ?? 'localhost',
      storePort: Number(storeUrl?.port || 5432),
      storeDatabase: decodeURIComponent(storeUrl?.pathname.slice(1) || 'postgres'),
      ...(str('target') ? { targetUrl: str('target')! } : {}),
      ...(caFile ? { caFile } : {}),
      ...(link.mode === 'insecure' ? { insecure: true } : {}),
      ...(socketDir ? { socketDir } : {}),
      configPath,
    })
    const generated = result.roles.find((r) => r.kind === 'writer' && r.generatedPassword)
    const unit = `/etc/systemd/system/${steps.systemdUnit}`
    io.out('')
    io.out('1. On the store, add to pg_hba.conf, before any broader rule (then reload PostgreSQL):')
    for (const l of steps.pgHba) io.out(`     ${l}`)
    io.out('')
    io.out(
      `2. On the monitored server, save as ${configPath} (chmod 600; it holds ${generated ? 'the writer password, shown only now' : 'the writer password: the role existed and kept its password, put it in place of WRITER_PASSWORD'}):`,
    )
    io.out('')
    io.out(indent(steps.bridgeConfig))
    io.out('')
    io.out(`3. Check it:   /usr/local/bin/pggraph-bridge check --config ${configPath}`)
    io.out('')
    io.out('4. Run it every minute from cron (crontab -e):')
    io.out(indent(steps.crontab))
    io.out('')
    io.out(`   or as a systemd timer: save ${unit}.service`)
    io.out('')
    io.out(indent(steps.systemdService))
    io.out('')
    io.out(`   and ${unit}.timer`)
    io.out('')
    io.out(indent(steps.systemdTimer))
    io.out('')
    io.out(`   then: systemctl daemon-reload && systemctl enable --now ${steps.systemdUnit}.timer`)
    io.out('')
    io.out(
      `   With the Debian package (pggraph-bridge_*.deb: /usr/bin/pggraph-bridge and a unit per config): systemctl enable --now pggraph-bridge@${schema}.${prefix}.timer`,
    )
    io.out('')
    // The store packs closed hours and rolls them up only when maintained: once per store, not per bridge.
    const maintainStoreUrl = storeUrl
      ? `postgres:///${encodeURIComponent(decodeURIComponent(storeUrl.pathname.slice(1) || 'postgres'))}?host=/var/run/postgresql`
      : store!
    io.out(
      '5. On the store, once for all its systems: maintain it hourly (packing, rollups), in the crontab of postgres (or the owner role):',
    )
    io.out(indent(`17 * * * *  pggraph-store maintain --store '${maintainStoreUrl}'`))
    io.out('   (pggraph-store is the command of @pggraph/store; silent on success. docs/store.md#maintenance)')
    io.out('')
    io.out(`Store: ${redactUrl(store!)}`)
    return EXIT.ok
  } finally {
    prompter?.close()
  }
}

/**
 * Open the store as the admin and install; a connection failure says what to do (a store
 * without TLS: `--insecure` or enable TLS), never only the driver's words.
 */
async function install(link: StoreLink, options: InstallOptions): Promise<InstallResult> {
  let db: StoreConnection | undefined
  try {
    db = await openStore(link.url, { ssl: link.ssl, applicationName: 'pggraph-install', max: 1 })
    return await installStore(db, options)
  } catch (err) {
    const hint = explainTlsError(err, link, 'install')
    if (hint) throw new PggraphError('CONNECT', `Nothing was changed: ${hint}`, { cause: err })
    throw err
  } finally {
    await db?.end().catch(() => {})
  }
}

/** The budget flags as install options; a bad value is a one-line error before anything runs. */
function budgetFlags(str: (k: string) => string | undefined): Partial<InstallOptions> {
  const out: Record<string, number> = {}
  for (const [flag, key, kind] of [
    ['writer-connection-limit', 'writerConnectionLimit', 'count'],
    ['reader-connection-limit', 'readerConnectionLimit', 'count'],
    ['writer-statement-timeout', 'writerStatementTimeout', 'duration'],
    ['reader-statement-timeout', 'readerStatementTimeout', 'duration'],
    ['lock-timeout', 'lockTimeout', 'duration'],
  ] as const) {
    const v = str(flag)
    if (v === undefined) continue
    const n = kind === 'count' ? (/^\d+$/.test(v.trim()) ? Number(v) : undefined) : parseDuration(v)
    if (n === undefined)
      throw new PggraphError(
        'CONFIG',
        `--${flag} ${JSON.stringify(v)} is not ${kind === 'count' ? 'a whole number' : 'a duration (e.g. 30s, 500ms, 2m)'}.`,
      )
    out[key] = n
  }
  return out as Partial<InstallOptions>
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => `     ${l}`)
    .join('\n')
}
