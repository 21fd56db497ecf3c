import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto'
import { quoteIdent, type Queryable } from '@pggraph/core'

/** What happened to a role during install. */
export interface RoleResult {
  readonly role: string
  readonly kind: 'owner' | 'writer' | 'reader'
  /** `created` (new), `updated` (password set from the options), `kept` (left as it was). */
  readonly action: 'created' | 'updated' | 'kept'
  /** The password, only when pggraph generated it for a role it just created. Show it once. */
  readonly generatedPassword?: string
  /** Something the operator must act on (an old shared writer retired). */
  readonly note?: string
}

/** A random password of 32 URL-safe characters (192 bits). */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url')
}

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802/7677 with 4096
 * iterations, as the server computes it). Sending the verifier instead of the password keeps
 * the password out of server logs and makes the role use SCRAM on every version, also where
 * `password_encryption` defaults to md5 (PostgreSQL 12 and 13).
 */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16), iterations = 4096): string {
  // SASLprep is approximated by NFKC normalisation; ASCII passwords are unchanged by both.
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256')
  const clientKey = createHmac('sha256', salted).update('Client Key').digest()
  const storedKey = createHash('sha256').update(clientKey).digest()
  const serverKey = createHmac('sha256', salted).update('Server Key').digest()
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`
}

/**
 * Create `role` if missing (LOGIN with a password, or NOLOGIN), or set its password when one is
 * given; never touch an existing role otherwise. The verifier travels as a query parameter via
 * a transaction-local setting, never inside SQL text.
 */
export async function ensureRole(
  db: Queryable,
  role: string,
  kind: RoleResult['kind'],
  options: { login: boolean; password?: string | undefined },
): Promise<RoleResult> {
  const q = quoteIdent(role, 'role')
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_roles WHERE rolname = $1', [role])
  const exists = (rows[0]?.n ?? 0) > 0
  if (exists && options.password === undefined) return { role, kind, action: 'kept' }
  const generated = !exists && options.login && options.password === undefined ? generatePassword() : undefined
  const password = options.password ?? generated
  const attrs = `${options.login ? 'LOGIN' : 'NOLOGIN'} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS`
  if (password === undefined) {
    await db.query(`CREATE ROLE ${q} ${attrs}`)
  } else {
    await db.query(`SELECT set_config('pggraph.secret', $1, true)`, [scramVerifier(password)])
    const stmt = exists
      ? `ALTER ROLE ${q} ${options.login ? 'LOGIN ' : ''}PASSWORD %L`
      : `CREATE ROLE ${q} ${attrs} PASSWORD %L`
    await db.query(`DO $pggraph$ BEGIN EXECUTE format('${stmt}', current_setting('pggraph.secret')); END $pggraph$`)
    await db.query(`SELECT set_config('pggraph.secret', '', true)`)
  }
  return { role, kind, action: exists ? 'updated' : 'created', ...(generated ? { generatedPassword: generated } : {}) }
}
