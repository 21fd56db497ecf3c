import type { Queryable } from '@pggraph/core'

const BROKEN = Symbol('pggraph.brokenConnection')

/**
 * Run `fn` in one transaction on a single connection (`BEGIN` … `COMMIT`, `ROLLBACK` when it
 * throws). When even the `ROLLBACK` fails, the error is marked so that a pool discards the
 * connection ({@link connectionBroken}).
 * @internal
 */
export async function oneConnectionTransaction<T>(db: Queryable, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  await db.query('BEGIN')
  try {
    const out = await fn(db)
    await db.query('COMMIT')
    return out
  } catch (err) {
    await db.query('ROLLBACK').catch(() => {
      if (err && typeof err === 'object') (err as { [BROKEN]?: boolean })[BROKEN] = true
    })
    throw err
  }
}

/** Whether `err` came out of a transaction whose connection could not even roll back. @internal */
export function connectionBroken(err: unknown): boolean {
  return (err as { [BROKEN]?: boolean } | null)?.[BROKEN] === true
}
