import { PggraphError, quoteIdent, type Queryable } from '@pggraph/core'

/**
 * Connection and statement budgets of a tenant's login roles, set with `ALTER ROLE` at every
 * install (so a changed option, or a hand-edited role, is put right on the next run).
 */
export interface RoleBudgets {
  /** Most sessions the writer may have at once (`CONNECTION LIMIT`). Default 4: one bridge needs 1. */
  readonly writerConnectionLimit?: number
  /** Most sessions of a reader login at once. Default 10. The viewer's `SET ROLE` does not count. */
  readonly readerConnectionLimit?: number
  /** `statement_timeout` of the writer's sessions, in ms. Default 60000. */
  readonly writerStatementTimeout?: number
  /** `statement_timeout` of a reader login's sessions, in ms. Default 30000. */
  readonly readerStatementTimeout?: number
}

/** The defaults of {@link RoleBudgets}. */
export const DEFAULT_ROLE_BUDGETS: Required<RoleBudgets> = {
  writerConnectionLimit: 4,
  readerConnectionLimit: 10,
  writerStatementTimeout: 60_000,
  readerStatementTimeout: 30_000,
}

/** The budgets with defaults filled in; a value out of range is refused before any SQL. @internal */
export function roleBudgetsOf(options: RoleBudgets): Required<RoleBudgets> {
  const out = { ...DEFAULT_ROLE_BUDGETS }
  for (const key of Object.keys(DEFAULT_ROLE_BUDGETS) as (keyof RoleBudgets)[]) {
    const v = options[key]
    if (v === undefined) continue
    const [min, max] = key.endsWith('ConnectionLimit') ? [1, 10_000] : [100, 86_400_000]
    if (!Number.isInteger(v) || v < min || v > max)
      throw new PggraphError('CONFIG', `${key} must be a whole number from ${min} to ${max} (got ${String(v)}).`)
    out[key] = v
  }
  return out
}

/**
 * Apply the budgets to the writer and the reader; returns what changed (`<role>: connection
 * limit 4`, `<role>: statement_timeout 60000ms`). On a Citus coordinator the change stays there
 * (no propagation): the workers' connections of these roles are the coordinator's own.
 * @internal
 */
export async function applyRoleBudgets(
  db: Queryable,
  roles: { readonly writer: string; readonly reader: string },
  budgets: Required<RoleBudgets>,
  citus: boolean,
): Promise<string[]> {
  if (citus)
    await db.query(
      `SELECT set_config('citus.enable_alter_role_propagation', 'off', true), set_config('citus.enable_alter_role_set_propagation', 'off', true)`,
    )
  const changed: string[] = []
  for (const [role, limit, timeout] of [
    [roles.writer, budgets.writerConnectionLimit, budgets.writerStatementTimeout],
    [roles.reader, budgets.readerConnectionLimit, budgets.readerStatementTimeout],
  ] as const) {
    const q = quoteIdent(role, 'role')
    const { rows } = await db.query<{ limit: number; timeout: string | null }>(
      `SELECT rolconnlimit AS limit,
              (SELECT substr(c, length('statement_timeout=') + 1) FROM unnest(rolconfig) c WHERE c LIKE 'statement\\_timeout=%') AS timeout
         FROM pg_roles WHERE rolname = $1`,
      [role],
    )
    if (rows[0]?.limit !== limit) {
      await db.query(`ALTER ROLE ${q} CONNECTION LIMIT ${limit}`)
      changed.push(`${role}: connection limit ${limit}`)
    }
    if (rows[0]?.timeout !== `${timeout}ms`) {
      await db.query(`ALTER ROLE ${q} SET statement_timeout = '${timeout}ms'`)
      changed.push(`${role}: statement_timeout ${timeout}ms`)
    }
  }
  return changed
}
