import { PggraphError, quoteIdent, sqlStateOf, type Queryable } from '@pggraph/core'
import { schemaTable, type Namespace } from './names.js'

/** How long an install waits for any lock before giving up, by default (ms). */
export const DEFAULT_LOCK_TIMEOUT_MS = 5_000

/**
 * Serialise installs of one tenant without a key another role could take: set `lock_timeout`
 * for the transaction, then lock the tenant's `pggraph_migrations` table in SHARE ROW EXCLUSIVE
 * mode (it conflicts with itself). Taking that lock needs UPDATE, DELETE or TRUNCATE on the
 * table, which only its owner has: the reader's SELECT and the writer's ingest cannot block it,
 * and other tenants' roles cannot even name it. A new schema needs no lock: a second install
 * racing the first waits on its catalog rows (within `lock_timeout`) and then fails cleanly.
 * @internal
 */
export async function lockTenant(db: Queryable, ns: Namespace, timeoutMs: number): Promise<void> {
  await db.query(`SELECT set_config('lock_timeout', $1, true)`, [`${timeoutMs}ms`])
  const table = schemaTable(ns.schema, 'pggraph_migrations')
  const { rows } = await db.query<{ owner: string | null; direct: boolean | null }>(
    `SELECT pg_get_userbyid(c.relowner) AS owner, has_table_privilege(c.oid, 'UPDATE') AS direct
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = 'pggraph_migrations' AND c.relkind = 'r'`,
    [ns.schema],
  )
  const found = rows[0]
  if (!found?.owner) return
  if (found.direct) {
    await db.query(`LOCK TABLE ${table} IN SHARE ROW EXCLUSIVE MODE`)
    return
  }
  // A non-superuser installer on PostgreSQL 16+ may only SET ROLE to the owner it made (it does
  // not inherit its rights): it takes the lock as the owner; the lock stays with the transaction.
  await db.query(`SET LOCAL ROLE ${quoteIdent(found.owner, 'role')}`)
  await db.query(`LOCK TABLE ${table} IN SHARE ROW EXCLUSIVE MODE`)
  await db.query(`RESET ROLE`)
}

/** Validate the lock timeout option (ms): a whole number from 1 ms to 10 minutes. @internal */
export function lockTimeoutOf(value: number | undefined): number {
  const ms = value ?? DEFAULT_LOCK_TIMEOUT_MS
  if (!Number.isInteger(ms) || ms < 1 || ms > 600_000)
    throw new PggraphError('CONFIG', `lockTimeout must be a whole number of milliseconds from 1 to 600000 (got ${ms}).`)
  return ms
}

/**
 * When `err` is a lock timeout, the error to show instead: who holds a lock on the tenant's
 * objects (pid, role, state, from pg_locks and pg_stat_activity, which every role may read),
 * and what to do. Undefined for any other error.
 * @internal
 */
export async function lockTimeoutError(
  db: Queryable,
  ns: Namespace,
  timeoutMs: number,
  err: unknown,
): Promise<PggraphError | undefined> {
  if (sqlStateOf(err) !== '55P03') return undefined
  const holders = await db
    .query<{ pid: number; usename: string | null; state: string | null; mode: string; relname: string }>(
      `SELECT DISTINCT l.pid, a.usename, a.state, l.mode, c.relname
         FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.granted AND l.pid <> pg_backend_pid() AND n.nspname = $1
        ORDER BY l.pid LIMIT 5`,
      [ns.schema],
    )
    .then((r) => r.rows)
    .catch(() => [])
  const who = holders.length
    ? `held by ${holders.map((h) => `pid ${h.pid} (role ${h.usename ?? '?'}, ${h.state ?? 'state unknown'}, ${h.mode} on ${h.relname})`).join(', ')}`
    : 'held by another session (not visible to this role)'
  const end = holders[0] ? ` or end it with SELECT pg_terminate_backend(${holders[0].pid})` : ''
  return new PggraphError(
    'BUSY',
    `Cannot install ${ns.schema}.${ns.prefix}: waited ${timeoutMs} ms for a lock on schema ${ns.schema}, ${who}. Nothing was changed; let that session finish${end}, then install again (lockTimeout / --lock-timeout sets the wait).`,
    { cause: err },
  )
}
