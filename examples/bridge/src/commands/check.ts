import { statSync } from 'node:fs'
import type { Queryable } from '@pggraph/core'
import { openStore } from '@pggraph/store'
import { CONFIG_KEYS } from '../config-keys.js'
import { loadConfig, type BridgeConfig } from '../config.js'
import { describeStoreError, spoolOf } from '../cycle.js'
import { oneLine } from '../retry.js'
import { readState } from '../state.js'
import { connectTarget, shortUrl, targetFacts } from '../target.js'
import { storeLink } from '../tls.js'
import { formatBytes, formatDuration } from '../units.js'
import { configOptions, EXIT, flagHelp, flagsOf, parse, type Io } from './shared.js'

const KEYS = CONFIG_KEYS.map((k) => k.key)

/** The `--help` text of `pggraph-bridge check`. */
export const CHECK_HELP = `Usage: pggraph-bridge check --config FILE [options]

A doctor for this bridge: loads the config, then checks that the target and the store can be
reached, that the store's certificate is verified, that the target role has pg_monitor and is
not a superuser, that the writer role can write and cannot read or change anything else, the
clock difference between this server and the store, and the spool. Prints ✓ / ! / ✗ per
check with the fix; exit 0 when nothing failed, 1 otherwise, 2 for a configuration mistake.

  -c, --config FILE   TOML config file [PGGRAPH_CONFIG]
  -h, --help          This help

Any setting can be given as for \`run\`:
${flagHelp(KEYS)}`

type Mark = '✓' | '!' | '✗'

class Report {
  failed = 0
  warned = 0
  constructor(private readonly io: Io) {}
  line(mark: Mark, text: string, fix?: string): void {
    if (mark === '✗') this.failed++
    if (mark === '!') this.warned++
    this.io.out(`${mark} ${text}`)
    if (fix && mark !== '✓') this.io.out(`    fix: ${fix}`)
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; midMs: number }> {
  const t0 = Date.now()
  const value = await fn()
  return { value, midMs: (t0 + Date.now()) / 2 }
}

async function clockOf(db: Queryable): Promise<{ value: number; midMs: number }> {
  const r = await timed(() =>
    db.query<{ t: string }>(`SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8::text AS t`),
  )
  return { value: Number(r.value.rows[0]!.t), midMs: r.midMs }
}

/** `pggraph-bridge check`. */
export async function checkCommand(args: readonly string[], io: Io): Promise<number> {
  const { values } = parse('check', args, configOptions(KEYS))
  if (values['help']) {
    io.out(CHECK_HELP)
    return EXIT.ok
  }
  const config = loadConfig({ file: values['config'] as string | undefined, flags: flagsOf(values), env: io.env })
  const report = new Report(io)
  await runChecks(config, report)
  const warned = report.warned ? `, ${report.warned} warning(s) (!)` : ''
  io.out(report.failed ? `${report.failed} check(s) failed${warned}.` : `All checks passed${warned}.`)
  return report.failed ? EXIT.failed : EXIT.ok
}

async function runChecks(config: BridgeConfig, report: Report): Promise<void> {
  if (config.file) {
    const mode = statSync(config.file).mode & 0o777
    report.line('✓', `config ${config.file} (mode ${mode.toString(8)})`)
  } else {
    report.line('✓', 'config from flags and environment (no file)')
  }
  for (const w of config.warnings) report.line('!', w)

  // Target.
  let targetClock: { value: number; midMs: number } | undefined
  try {
    const db = await connectTarget(config.targetUrl, { connectTimeoutMs: config.connectTimeoutMs })
    try {
      const facts = await targetFacts(db)
      report.line(
        '✓',
        `target reachable: PostgreSQL ${facts.version} at ${shortUrl(config.targetUrl)} as ${facts.user}`,
      )
      report.line(
        facts.pgMonitor ? '✓' : '✗',
        `target role ${facts.user} ${facts.pgMonitor ? 'has' : 'lacks'} pg_monitor`,
        `as a superuser on the target: GRANT pg_monitor TO ${facts.user};`,
      )
      report.line(
        facts.superuser ? '✗' : '✓',
        `target role ${facts.user} ${facts.superuser ? 'is a superuser' : 'is not a superuser'}`,
        `use a dedicated role: CREATE ROLE pggraph_monitor LOGIN PASSWORD '…'; GRANT pg_monitor TO pggraph_monitor; then put it in target_url.`,
      )
      targetClock = await clockOf(db)
    } finally {
      await db.end().catch(() => {})
    }
  } catch (err) {
    report.line(
      '✗',
      `target: ${oneLine(err)}`,
      'check target_url (host, port, database, user), that the server runs and that pg_hba.conf lets this host in.',
    )
  }

  // Store.
  const link = storeLink(config)
  for (const w of link.warnings) report.line('!', w)
  let storeClock: { value: number; midMs: number } | undefined
  const db = await openStore(link.url, {
    ssl: link.ssl,
    applicationName: 'pggraph-bridge',
    connectTimeoutMs: config.connectTimeoutMs,
    max: 1,
  }).catch((err: unknown) => {
    report.line('✗', describeStoreError(err, link, config))
    return undefined
  })
  if (db) {
    try {
      const who = await db.query<{ user: string; version: string }>(
        `SELECT current_user AS user, current_setting('server_version') AS version`,
      )
      report.line(
        '✓',
        `store reachable: PostgreSQL ${who.rows[0]!.version}${!db.capabilities.logins ? ' (embedded)' : ` at ${shortUrl(link.url)}`} as ${who.rows[0]!.user}`,
      )
      if (link.mode === 'verify-full') {
        const ssl = await db.query<{ version: string | null }>(
          `SELECT version FROM pg_stat_ssl WHERE pid = pg_backend_pid()`,
        )
        report.line('✓', `TLS verified: ${link.description}, ${ssl.rows[0]?.version ?? 'TLS'}`)
      } else if (link.mode === 'insecure') {
        // A documented choice (a store on this host): reminded once here, never a failure.
        report.line('!', link.notice ?? 'the link to the store is plain text (insecure = true)')
      }
      if (!db.capabilities.logins) report.line('✓', 'embedded store: one local user, no roles to check')
      else await writerChecks(db, config, who.rows[0]!.user, report)
      storeClock = await clockOf(db)
    } catch (err) {
      report.line('✗', describeStoreError(err, link, config))
    } finally {
      await db.end().catch(() => {})
    }
  }

  // Clocks: the store refuses snapshots dated more than 5 minutes ahead of its clock.
  if (targetClock && storeClock) {
    const skew = targetClock.value - targetClock.midMs - (storeClock.value - storeClock.midMs)
    const abs = Math.abs(skew)
    const text =
      abs < 1000
        ? `clock: the target and the store agree (within ${Math.round(abs)} ms)`
        : `clock: the target is ${formatDuration(abs)} ${skew >= 0 ? 'ahead of' : 'behind'} the store`
    const fix = 'run NTP (chrony or systemd-timesyncd) on both servers.'
    report.line(abs > 240_000 ? '✗' : abs > 30_000 ? '!' : '✓', text, fix)
  }

  await spoolChecks(config, report)
}

async function writerChecks(db: Queryable, config: BridgeConfig, user: string, report: Report): Promise<void> {
  const r = await db.query<{ superuser: boolean; usage: boolean; create: boolean; writable: string[] | null }>(
    `SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
            has_schema_privilege(current_user, n.oid, 'USAGE') AS usage,
            has_schema_privilege(current_user, n.oid, 'CREATE') AS create,
            (SELECT array_agg(DISTINCT p.proname::text ORDER BY p.proname::text) FROM pg_proc p
              WHERE p.pronamespace = n.oid AND p.proname LIKE $2 || '\\_%' AND has_function_privilege(current_user, p.oid, 'EXECUTE'))
            || (SELECT array_agg(c.relname::text ORDER BY c.relname) FROM pg_class c
              WHERE c.relnamespace = n.oid AND c.relname LIKE $2 || '\\_%' AND c.relkind IN ('r', 'p')
                AND has_table_privilege(current_user, c.oid, 'INSERT')) AS writable
       FROM pg_namespace n WHERE n.nspname = $1`,
    [config.schema, config.prefix],
  )
  const row = r.rows[0]
  const install = `pggraph-bridge install --store ADMIN_URL --schema ${config.schema} --prefix ${config.prefix}`
  if (!row) {
    report.line('✗', `the store has no schema ${config.schema}`, `run \`${install}\` on the store.`)
    return
  }
  if (row.superuser) {
    report.line('✗', `store role ${user} is a superuser`, `use the writer role made by \`${install}\` in store_url.`)
  }
  const can = row.usage && (row.writable?.length ?? 0) > 0
  report.line(
    can ? '✓' : '✗',
    can
      ? `writer ${user} can write ${config.schema}.${config.prefix} (${row.writable!.slice(0, 3).join(', ')})`
      : `writer ${user} cannot write ${config.schema}.${config.prefix}`,
    `run \`${install}\` and use the writer role it prints in store_url.`,
  )
  // Anything else this role can read or change, outside its own prefix: none is expected.
  const others = await db.query<{ name: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
        AND NOT (n.nspname = $1 AND c.relname LIKE $2 || '\\_%')
        AND NOT c.relispartition
        AND has_table_privilege(current_user, c.oid, 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE')
      ORDER BY 1 LIMIT 6`,
    [config.schema, config.prefix],
  )
  const names = others.rows.map((x) => x.name)
  report.line(
    names.length || row.create ? '✗' : '✓',
    names.length
      ? `writer ${user} can read or change other tables: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}`
      : row.create
        ? `writer ${user} can create objects in schema ${config.schema}`
        : `writer ${user} cannot read or change other prefixes, schemas or tables`,
    `give the bridge only the writer role made by \`${install}\` (REVOKE the extra grants, or ALTER DEFAULT PRIVILEGES that granted them).`,
  )
}

async function spoolChecks(config: BridgeConfig, report: Report): Promise<void> {
  const spool = spoolOf(config)
  const usage = await spool.usage()
  const state = await readState(config.spoolDir)
  const age = usage.oldestMs === null ? 0 : Date.now() - usage.oldestMs
  const backlog = usage.files > 0 && age > 3 * config.intervalMs
  report.line(
    backlog ? '!' : '✓',
    `spool ${config.spoolDir}: ${usage.files} waiting (${formatBytes(usage.bytes)} of ${formatBytes(config.spoolMaxBytes)})${usage.files ? `, oldest ${formatDuration(age)} old` : ''}; last success ${state.lastSuccess ?? 'never'}`,
    'the store has been unreachable: see the last error below; the spool is sent by the next run that reaches it.',
  )
  if (state.dropped)
    report.line(
      '!',
      `${state.dropped} snapshot(s) dropped so far because the spool was full or too old`,
      'raise spool_max_bytes / spool_max_age, or fix the store link sooner.',
    )
  if (state.lastError) report.line('!', `last error (${state.lastErrorAt}): ${state.lastError}`)
  const q = await spool.quarantined()
  if (q.files) {
    report.line(
      '✗',
      `${q.files} snapshot(s) in quarantine ${spool.quarantineDir} (the store refused them; reasons in *.reason.txt)`,
      `fix the cause, then move them back into ${config.spoolDir} to resend.`,
    )
  }
  const c = await spool.corrupt()
  if (c.files)
    report.line(
      '!',
      `${c.files} corrupt spool file(s) set aside in ${spool.corruptDir}`,
      'check the disk; these files cannot be sent and may be deleted.',
    )
}
