import { PggraphError, quoteIdent, type Queryable } from '@pggraph/core'
import { generatePassword, scramVerifier } from './roles.js'

/**
 * Where the store runs: plain PostgreSQL (or PGlite), or a Citus cluster's coordinator. The
 * store must be installed through the coordinator; a worker is refused.
 * @internal
 */
export type CitusNode = 'none' | 'coordinator' | 'worker'

/** Is `db` a Citus coordinator, a Citus worker, or no Citus at all? @internal */
export async function citusNode(db: Queryable): Promise<CitusNode> {
  const { rows } = await db.query<{ citus: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') AS citus`,
  )
  if (!rows[0]?.citus) return 'none'
  const c = await db.query<{ coordinator: boolean }>(`SELECT citus_is_coordinator() AS coordinator`)
  return c.rows[0]?.coordinator ? 'coordinator' : 'worker'
}

/** Refuse to install on a Citus worker: its tables would be invisible to the coordinator. @internal */
export function refuseWorker(node: CitusNode): void {
  if (node === 'worker') {
    throw new PggraphError(
      'CONFIG',
      'This store URL points at a Citus worker: install (and write and read) through the coordinator.',
    )
  }
}

/**
 * Give the schema's owner and reader (NOLOGIN on the coordinator) a login on every Citus worker,
 * with passwords only the coordinator knows (`pg_dist_authinfo`), and make the writers NOLOGIN
 * there.
 *
 * Citus opens its connections to the workers as the current user: the owner (inside the
 * SECURITY DEFINER ingest) and the reader (the viewer's `SET ROLE`, a reader login) must be able
 * to log in there, while nobody may log in as the owner on the coordinator. Each gets a random
 * worker password (`pg_dist_authinfo` is readable by superusers only); the workers receive only
 * its SCRAM verifier, and the change is not propagated back to the coordinator. A writer only
 * ever calls the ingest function on the coordinator, so a stolen writer password opens no
 * worker. Idempotent: an existing password is kept and re-applied, which also repairs a worker
 * added since (`citus_add_node` copies the coordinator's role attributes). Must run outside the
 * transaction that created the roles: the workers only see committed roles. Limit the workers'
 * `pg_hba.conf` to the coordinator (docs/scaling.md).
 * @internal
 */
export async function setWorkerLogins(
  db: Queryable,
  roles: { readonly login: readonly string[]; readonly noLogin: readonly string[] },
): Promise<void> {
  for (const role of roles.login) {
    const { rows } = await db.query<{ authinfo: string }>(
      `SELECT authinfo FROM pg_dist_authinfo WHERE rolename = $1 AND nodeid = 0`,
      [role],
    )
    let password = /(?:^|\s)password=(\S+)/.exec(rows[0]?.authinfo ?? '')?.[1]
    if (!password) {
      password = generatePassword()
      await db.query(
        `INSERT INTO pg_dist_authinfo (nodeid, rolename, authinfo) VALUES (0, $1, $2)
           ON CONFLICT (rolename, nodeid) DO UPDATE SET authinfo = EXCLUDED.authinfo`,
        [role, `password=${password}`],
      )
    }
    // The verifier travels inside the command text (run_command_on_workers takes no parameters):
    // base64 and '$' only, so it is safe between single quotes, and it is not the password.
    await onWorkers(db, role, `ALTER ROLE ${quoteIdent(role, 'role')} LOGIN PASSWORD '${scramVerifier(password)}'`)
  }
  for (const role of roles.noLogin) await onWorkers(db, role, `ALTER ROLE ${quoteIdent(role, 'role')} NOLOGIN`)
}

/** Run one ALTER ROLE on every worker without Citus propagating it to the other nodes. */
async function onWorkers(db: Queryable, role: string, alter: string): Promise<void> {
  const command = `DO $pggraph$ BEGIN PERFORM set_config('citus.enable_alter_role_propagation', 'off', true); EXECUTE $cmd$${alter}$cmd$; END $pggraph$`
  const res = await db.query<{ node: string; success: boolean; result: string }>(
    `SELECT nodename || ':' || nodeport AS node, success, result FROM run_command_on_workers($1)`,
    [command],
  )
  const failed = res.rows.filter((r) => !r.success)
  if (failed.length) {
    throw new PggraphError(
      'STORE',
      `Could not set the login of role ${role} on the Citus workers (${failed.map((f) => `${f.node}: ${f.result}`).join('; ')}). Check that every worker is up, then install again.`,
    )
  }
}
