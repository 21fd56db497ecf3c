// How the store's functions are generated and installed: a function is its signature, its body
// and the CREATE statement; a PL/pgSQL body is assembled from small parts, each declaring the
// variables it sets, so every step of the ingest function is built (and tested) on its own.
import type { Queryable } from '@pggraph/core'

/** A function of the store: its qualified signature and the full CREATE statement. */
export interface StoreFunction {
  /** `"schema"."name"(argtypes)`, for `to_regprocedure`, GRANT and REVOKE. */
  readonly signature: string
  /** The body between the dollar quotes, compared with `pg_proc.prosrc` to skip no-op replaces. */
  readonly body: string
  readonly create: string
}

const Q = '$pggraph$'

/** A store function from its signature, the rest of its header (`(args) RETURNS … LANGUAGE …`) and body. */
export function storeFunction(signature: string, header: string, body: string): StoreFunction {
  if (body.includes(Q)) throw new Error(`unexpected ${Q} inside the body of ${signature}`)
  return {
    signature,
    body,
    create: `CREATE OR REPLACE FUNCTION ${signature.replace(/\(.*\)$/, '')}${header} AS ${Q}${body}${Q}`,
  }
}

/**
 * One step of a PL/pgSQL body: the variables it declares (name → type, with an optional
 * `:= default`) and its statements. Steps talk through variables: a step reads what an earlier
 * one declared and set (see {@link plpgsqlBody}).
 */
export interface PlpgsqlPart {
  readonly declare?: Readonly<Record<string, string>>
  readonly body: string
}

/**
 * `DECLARE … BEGIN <parts> END`: the parts' statements in order, their variables declared once.
 * Two parts may declare the same variable only with the same type.
 */
export function plpgsqlBody(parts: readonly PlpgsqlPart[]): string {
  const vars = new Map<string, string>()
  for (const p of parts) {
    for (const [name, type] of Object.entries(p.declare ?? {})) {
      const had = vars.get(name)
      if (had !== undefined && had !== type) throw new Error(`${name} is declared as ${had} and as ${type}`)
      vars.set(name, type)
    }
  }
  const declare = [...vars].map(([name, type]) => `  ${name} ${type};`).join('\n')
  return `\nDECLARE\n${declare}\nBEGIN${parts.map((p) => p.body).join('')}\nEND`
}

/** Create or replace `f` unless the server already has exactly this body; true when it changed. */
export async function ensureFunction(db: Queryable, f: StoreFunction): Promise<boolean> {
  const { rows } = await db.query<{ src: string | null }>(
    `SELECT (SELECT prosrc FROM pg_proc WHERE oid = to_regprocedure($1)) AS src`,
    [f.signature],
  )
  if (rows[0]?.src === f.body) return false
  await db.query(f.create)
  await db.query(`REVOKE ALL ON FUNCTION ${f.signature} FROM PUBLIC`)
  return true
}
