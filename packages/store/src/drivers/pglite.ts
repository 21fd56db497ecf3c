// The embedded store driver: PGlite (PostgreSQL in WebAssembly) kept in a local folder. PGlite
// is an optional peer, loaded only when a pglite: store is opened, so a server-side user does
// not install its WebAssembly.
import { PggraphError, type Queryable } from '@pggraph/core'
import type * as PGliteModuleType from '@electric-sql/pglite'
import type { StoreCapabilities, StoreDriver } from '../driver.js'

type PGliteModule = typeof PGliteModuleType

/** One process, one user: roles enforce privileges but nobody logs in; parameters go as text. */
export const PGLITE_CAPABILITIES: StoreCapabilities = { binaryParams: false, logins: false }

const PGLITE_PACKAGE = '@electric-sql/pglite'

interface PGliteLike extends Queryable {
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>
  close(): Promise<void>
  waitReady: Promise<void>
}

/**
 * Open `pglite:<folder>` (`pglite:memory:` or `pglite:` keeps nothing).
 * @internal
 */
export async function openPGlite(url: string): Promise<StoreDriver> {
  const path = url.slice(url.indexOf(':') + 1)
  const { PGlite } = await loadPGlite()
  let db: PGliteLike
  try {
    db = (path === '' || path === 'memory:' ? new PGlite() : new PGlite(path)) as unknown as PGliteLike
    await db.waitReady
  } catch (err) {
    throw new PggraphError('CONNECT', `Cannot open the embedded store in "${path}": ${(err as Error).message}`, {
      cause: err,
    })
  }
  return {
    capabilities: PGLITE_CAPABILITIES,
    query: (sql, params) => db.query(sql, params),
    transaction: (fn) => db.transaction(fn),
    close: () => db.close(),
  }
}

async function loadPGlite(): Promise<PGliteModule> {
  try {
    return await import('@electric-sql/pglite')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    // A single executable application (Node SEA) has no module loader for packages on disk.
    if (code === 'ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING')
      throw new PggraphError(
        'CONFIG',
        `pglite: stores need the optional package ${PGLITE_PACKAGE}, which a single executable cannot load: use a postgres:// store, or run the program under Node with ${PGLITE_PACKAGE} installed.`,
        { cause: err },
      )
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw err
    throw new PggraphError(
      'CONFIG',
      `pglite: stores need the optional package ${PGLITE_PACKAGE}, which is not installed: run \`npm install ${PGLITE_PACKAGE}\`, or use a postgres:// store.`,
      { cause: err },
    )
  }
}
