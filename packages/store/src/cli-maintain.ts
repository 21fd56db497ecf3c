// `pggraph-store maintain`: maintainStore for one prefix, one schema or every tenant of a store,
// from cron. Quiet on success; one line per failure on stderr and exit 1.
import { explainError, PggraphError, type Queryable } from '@pggraph/core'
import { maintainLocks } from './cli-lock.js'
import { parseFlags, type CliIo } from './cli-shared.js'
import { openStore } from './connection.js'
import type { StoreConnection } from './driver.js'
import { redactPassword } from './drivers/postgres.js'
import { maintainStore, type MaintainResult } from './maintain.js'
import { validateNamespace, type Namespace } from './names.js'
import { listPrefixes } from './sources.js'
import { listTenantSchemas } from './tenants.js'

/** `pggraph-store maintain --help`. */
export const MAINTAIN_HELP = `Usage: pggraph-store maintain --store URL [--schema S [--prefix P]] [--max-hours N] [--json | --verbose]

Packs every closed UTC hour of each monitored system (prefix) into compressed rows and brings
its hourly rollups up to date (maintainStore; docs/store.md#maintenance). Idempotent: a run
with nothing to do changes nothing. Run it hourly from cron on the store's host, as the
schema's owner role or a superuser, e.g.:

  17 * * * *  pggraph-store maintain --store postgres:///pggraph?host=/var/run/postgresql

Options:
  --store URL      The store (postgres://… or pglite:<folder>) [PGGRAPH_STORE_URL]. Keep
                   passwords out of it: use ~/.pgpass or a local socket (peer authentication).
  --schema S       Only this tenant schema (default: every tenant of the store)
  --prefix P       Only this monitored system of --schema
  --max-hours N    Pack at most N hours per system in this run (the rest waits for the next run)
  --json           Print what was done as one JSON object
  --verbose        Print one line per system
  -h, --help       This help

Prints nothing when all went well (cron mails only failures). A system another run is
maintaining is skipped (said with --verbose or --json), never waited for: the run that holds it
does the work. Exit codes: 0 done, nothing to do or skipped; 1 a mistake or a failure.`

const OPTIONS = {
  store: { type: 'string' },
  schema: { type: 'string' },
  prefix: { type: 'string' },
  'max-hours': { type: 'string' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

type Outcome =
  | { schema: string; prefix: string; status: 'maintained'; result: MaintainResult }
  | { schema: string; prefix: string; status: 'skipped'; reason: string }
  | { schema: string; prefix?: string; status: 'failed'; error: string }

function fail(message: string): never {
  throw new PggraphError('CONFIG', message)
}

/** Run `pggraph-store maintain` (see {@link MAINTAIN_HELP}); returns the exit code. */
export async function maintainCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseFlags('maintain', args, OPTIONS)
  if (values['help']) {
    io.out(MAINTAIN_HELP)
    return 0
  }
  const str = (k: string): string | undefined => {
    const v = values[k]
    return typeof v === 'string' ? v : undefined
  }
  const url = str('store') ?? io.env['PGGRAPH_STORE_URL']
  if (!url) fail('Which store? Give --store postgres://user@host/db (or pglite:<folder>), or set PGGRAPH_STORE_URL.')
  const schema = str('schema')
  const prefix = str('prefix')
  if (prefix !== undefined && schema === undefined) fail('--prefix needs --schema: say which tenant it belongs to.')
  if (schema !== undefined) validateNamespace({ schema, prefix: prefix ?? 'x' })
  const maxText = str('max-hours')
  const maxHours = maxText === undefined ? undefined : Number(maxText)
  if (maxHours !== undefined && !(Number.isInteger(maxHours) && maxHours >= 0))
    fail(`--max-hours must be a whole number of hours, 0 or more (got "${maxText}").`)
  const json = values['json'] === true
  const verbose = values['verbose'] === true

  const shown = redactPassword(url)
  const db = await openStore(url, { applicationName: 'pggraph-store maintain', max: 2 })
  const started = performance.now()
  const outcomes: Outcome[] = []
  try {
    let me: string
    try {
      me = (await db.query<{ me: string }>(`SELECT current_user AS me`)).rows[0]!.me
    } catch (err) {
      throw new PggraphError('CONNECT', connectMessage(err, shown), { cause: err })
    }
    const tenants = await listTenantSchemas(db)
    if (schema !== undefined && !tenants.includes(schema))
      fail(
        `There is no pggraph schema "${schema}" in ${shown} (${tenants.length ? `its schemas: ${tenants.join(', ')}` : 'it has none yet: install one with pggraph-bridge install'}).`,
      )
    const targets = schema !== undefined ? [schema] : tenants
    const owners = await schemaOwners(db, targets)
    const locks = await maintainLocks(url, db)
    try {
      for (const s of targets) {
        const owner = owners.get(s)
        if (owner && !owner.allowed) {
          outcomes.push({ schema: s, status: 'failed', error: permissionMessage(me, s, owner.owner) })
          continue
        }
        let prefixes: string[]
        try {
          prefixes = await listPrefixes(db, s)
        } catch (err) {
          outcomes.push({ schema: s, status: 'failed', error: failureMessage(err, me, s, owner?.owner, shown) })
          continue
        }
        if (prefix !== undefined) {
          if (!prefixes.includes(prefix))
            fail(
              `There is no monitored system "${prefix}" in ${s} (${prefixes.length ? `its prefixes: ${prefixes.join(', ')}` : 'it has none'}).`,
            )
          prefixes = [prefix]
        }
        for (const p of prefixes)
          outcomes.push(await maintainOne(db, locks, { schema: s, prefix: p }, maxHours, me, owner?.owner, shown))
      }
    } finally {
      await locks.release()
    }
  } finally {
    await db.close()
  }

  const failed = outcomes.filter((o) => o.status === 'failed')
  if (json) {
    io.out(
      JSON.stringify({
        store: shown,
        durationMs: Math.round(performance.now() - started),
        systems: outcomes.map((o) =>
          o.status === 'maintained'
            ? { schema: o.schema, prefix: o.prefix, status: o.status, ...summary(o.result) }
            : o,
        ),
      }),
    )
  } else if (verbose) {
    for (const o of outcomes) if (o.status !== 'failed') io.out(line(o))
    if (outcomes.length === 0) io.out(`No pggraph schemas in ${shown}: nothing to maintain.`)
  }
  for (const o of failed) io.err(`pggraph-store: ${o.error}`)
  return failed.length ? 1 : 0
}

async function maintainOne(
  db: StoreConnection,
  locks: Awaited<ReturnType<typeof maintainLocks>>,
  ns: Namespace,
  maxHours: number | undefined,
  me: string,
  owner: string | undefined,
  shown: string,
): Promise<Outcome> {
  if (!(await locks.tryLock(ns)))
    return { ...ns, status: 'skipped', reason: 'another pggraph-store maintain run holds it' }
  try {
    const result = await maintainStore(db, ns, maxHours === undefined ? {} : { maxHours })
    return { ...ns, status: 'maintained', result }
  } catch (err) {
    return { ...ns, status: 'failed', error: failureMessage(err, me, ns.schema, owner, shown, ns.prefix) }
  } finally {
    await locks.unlock(ns)
  }
}

/** Whether the current role may maintain each schema: it is (or inherits) the schema's owner, or is a superuser. */
async function schemaOwners(
  db: Queryable,
  schemas: readonly string[],
): Promise<Map<string, { owner: string; allowed: boolean }>> {
  const { rows } = await db.query<{ s: string; owner: string; allowed: boolean }>(
    `SELECT n.nspname AS s, pg_get_userbyid(n.nspowner) AS owner, pg_has_role(current_user, n.nspowner, 'USAGE') AS allowed
       FROM pg_namespace n WHERE n.nspname = ANY ($1::text[])`,
    [schemas],
  )
  return new Map(rows.map((r) => [r.s, { owner: r.owner, allowed: r.allowed }]))
}

function permissionMessage(me: string, schema: string, owner: string | undefined): string {
  return `Role "${me}" may not maintain ${schema}: run pggraph-store maintain as the schema's owner role${owner ? ` (${owner}, or a login granted it)` : ''} or a superuser; the writer and reader roles cannot.`
}

function connectMessage(err: unknown, shown: string): string {
  const f = explainError(err)
  if (f.kind === 'login')
    return `The store ${shown} refused the login (${f.detail}): check the user, ~/.pgpass and pg_hba.conf.`
  if (f.kind === 'unreachable')
    return `Cannot reach the store ${shown} (${f.detail}): is PostgreSQL running there, and is the URL right?`
  return `Cannot open the store ${shown}: ${f.detail}`
}

function failureMessage(
  err: unknown,
  me: string,
  schema: string,
  owner: string | undefined,
  shown: string,
  prefix?: string,
): string {
  const f = explainError(err)
  const what = prefix ? `${schema}.${prefix}` : schema
  if (f.kind === 'permission') return permissionMessage(me, schema, owner)
  if (f.kind === 'unreachable' || f.kind === 'login') return `${what}: ${connectMessage(err, shown)}`
  const msg = err instanceof Error ? err.message : String(err)
  return `${what}: ${msg.split('\n')[0]}`
}

function summary(r: MaintainResult): Record<string, unknown> {
  return {
    hoursPacked: r.hoursPacked,
    rowsPacked: r.rowsPacked,
    rowsWritten: r.rowsWritten,
    vacuumed: r.vacuumed.length,
    rollup: { from: r.rollup.from?.toISOString() ?? null, to: r.rollup.to?.toISOString() ?? null, rows: r.rollup.rows },
    durationMs: Math.round(r.durationMs),
  }
}

function line(o: Exclude<Outcome, { status: 'failed' }>): string {
  const name = `${o.schema}.${o.prefix}`
  if (o.status === 'skipped') return `${name}: skipped (${o.reason})`
  const r = o.result
  const n = (x: number): string => x.toLocaleString('en-US')
  const packed = r.hoursPacked
    ? `${n(r.hoursPacked)} hour(s) packed (${n(r.rowsPacked)} rows into ${n(r.rowsWritten)})`
    : 'nothing to pack'
  const rolled = r.rollup.from
    ? `rollups ${r.rollup.from.toISOString().slice(0, 13)}h to ${r.rollup.to!.toISOString().slice(0, 13)}h (${n(r.rollup.rows)} rows)`
    : 'rollups up to date'
  return `${name}: ${packed}, ${rolled}, ${r.vacuumed.length} partition(s) vacuumed, ${(r.durationMs / 1000).toFixed(1)} s`
}
