// The lock of `pggraph-store maintain`: one run at a time per prefix, so two cron jobs (or a
// cron job and a run by hand) never pack the same prefix twice. A run that finds a prefix held
// skips it (exit 0): the run holding it does the work, and the next hourly run catches up.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import type { Queryable } from '@pggraph/core'
import { openStore } from './connection.js'
import type { StoreConnection } from './driver.js'
import type { Namespace } from './names.js'

/** Per-prefix locks held for one run; `release` ends them all. */
export interface MaintainLocks {
  /** Take the lock of `ns`; false when another run holds it. */
  tryLock(ns: Namespace): Promise<boolean>
  unlock(ns: Namespace): Promise<void>
  release(): Promise<void>
}

const key = (ns: Namespace): string => `pggraph:maintain-run:${ns.schema}.${ns.prefix}`

/**
 * Locks for the store at `url`. A PostgreSQL server: session advisory locks on a connection of
 * their own, kept checked out for the run (so a run that dies releases them with its
 * connection). PGlite: a lock file per prefix in the store's folder (`pglite:memory:` is one
 * process's, nothing to share). Another driver: none (maintainStore's own per-chunk locks
 * still keep two runs from packing the same hours at the same moment).
 */
export async function maintainLocks(url: string, store: StoreConnection): Promise<MaintainLocks> {
  if (store.kind === 'postgres')
    return serverLocks(await openStore(url, { max: 1, applicationName: 'pggraph-store maintain lock' }))
  if (store.kind === 'pglite') {
    const dir = url.slice(url.indexOf(':') + 1)
    if (dir !== '' && dir !== 'memory:') return fileLocks(dir)
  }
  return { tryLock: async () => true, unlock: async () => {}, release: async () => {} }
}

function serverLocks(conn: StoreConnection): MaintainLocks {
  let finish: () => void = () => {}
  const finished = new Promise<void>((r) => (finish = r))
  let hold: Promise<void> | undefined
  let session: Queryable | undefined
  const ready = new Promise<Queryable>((resolve, reject) => {
    // A transaction is the driver's way to keep one connection checked out; it holds no
    // snapshot between statements (READ COMMITTED), so VACUUM is not held back by it.
    hold = conn
      .transaction(async (tx) => {
        resolve(tx)
        await finished
      })
      .catch(reject)
  })
  ready.catch(() => {}) // a failure is reported by the first tryLock that awaits it
  const get = async (): Promise<Queryable> => (session ??= await ready)
  return {
    async tryLock(ns) {
      const db = await get()
      const { rows } = await db.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(hashtext($1)) AS ok`, [key(ns)])
      return rows[0]?.ok === true
    },
    async unlock(ns) {
      const db = await get()
      await db.query(`SELECT pg_advisory_unlock(hashtext($1))`, [key(ns)])
    },
    async release() {
      finish()
      await hold?.catch(() => {})
      await conn.close()
    },
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function fileLocks(dir: string): MaintainLocks {
  const held = new Set<string>()
  const file = (ns: Namespace): string => join(dir, `.pggraph-maintain.${ns.schema}.${ns.prefix}.lock`)
  const take = (path: string): boolean => {
    try {
      const fd = openSync(path, 'wx', 0o600)
      writeSync(fd, String(process.pid))
      closeSync(fd)
      return true
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      return false
    }
  }
  return {
    async tryLock(ns) {
      const path = file(ns)
      if (take(path)) return (held.add(path), true)
      // Left by a run that died: its process is gone.
      const pid = Number(readFileSync(path, 'utf8').trim())
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) return false
      unlinkSync(path)
      return take(path) ? (held.add(path), true) : false
    },
    async unlock(ns) {
      const path = file(ns)
      if (held.delete(path)) unlinkSync(path)
    },
    async release() {
      for (const path of held) unlinkSync(path)
      held.clear()
    },
  }
}
