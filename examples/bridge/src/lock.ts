import { readFileSync } from 'node:fs'
import { link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { dirname, join } from 'node:path'
import { PggraphError } from '@pggraph/core'

interface LockInfo {
  readonly pid: number
  readonly host: string
  readonly procStart: string | null
  readonly since: string
}

// Field 22 of /proc/<pid>/stat, the process start time in clock ticks since boot: with the pid
// it tells a live holder from an unrelated process that got the same pid after a crash.
function procStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null
  } catch {
    return null
  }
}

function alive(info: LockInfo): boolean {
  if (info.host !== hostname()) return true // cannot tell: assume the other host's run is alive
  try {
    process.kill(info.pid, 0)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  const start = procStart(info.pid)
  return !(info.procStart && start && start !== info.procStart)
}

async function readInfo(path: string): Promise<LockInfo | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockInfo
  } catch {
    return undefined
  }
}

/**
 * A single-run lock: a file holding the owner's pid, created atomically (hard link of a complete
 * temporary file, so it is never seen half-written). A second run finds it held and fails at
 * once with `PggraphError('BUSY')`; a lock left by a dead process (SIGKILL, power loss) is
 * taken over.
 *
 * @example
 * ```ts
 * const lock = await RunLock.acquire('/var/lib/pggraph-bridge/acme.web1/bridge.lock')
 * try { await runCycle(config, { lock: false }) } finally { await lock.release() }
 * ```
 */
export class RunLock {
  private released = false

  private constructor(readonly path: string) {}

  /** Take the lock at `path`, or throw `PggraphError('BUSY')` naming the holder. */
  static async acquire(path: string): Promise<RunLock> {
    const info: LockInfo = {
      pid: process.pid,
      host: hostname(),
      procStart: procStart(process.pid),
      since: new Date().toISOString(),
    }
    // Not named like the spool's temporary files, which a lock holder removes as crash leftovers.
    const tmp = join(dirname(path), `.lock-${process.pid}-${Date.now()}`)
    try {
      await mkdir(dirname(path), { recursive: true, mode: 0o700 })
      await writeFile(tmp, JSON.stringify(info), { mode: 0o600 })
    } catch (err) {
      throw new PggraphError(
        'CONFIG',
        `The lock ${path} cannot be created (${(err as NodeJS.ErrnoException).code ?? String(err)}): make ${dirname(path)} writable for this user, or set spool_dir.`,
        { cause: err },
      )
    }
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          await link(tmp, path)
          return new RunLock(path)
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
        }
        const holder = await readInfo(path)
        if (holder && alive(holder)) {
          throw new PggraphError(
            'BUSY',
            `Another pggraph-bridge run (pid ${holder.pid}, since ${holder.since}) holds ${path}: this run exits. If cycles overlap, make the interval longer than a cycle.`,
          )
        }
        // Stale: move it away under a name of our own (rename is atomic, so two runs taking
        // over at once cannot both succeed), then check we moved the stale one.
        const aside = `${path}.stale-${process.pid}`
        try {
          await rename(path, aside)
        } catch {
          continue
        }
        const moved = await readInfo(aside)
        if (moved && alive(moved) && moved.pid !== holder?.pid) {
          await link(aside, path).catch(() => {})
          await unlink(aside).catch(() => {})
          throw new PggraphError(
            'BUSY',
            `Another pggraph-bridge run (pid ${moved.pid}) took ${path} first: this run exits.`,
          )
        }
        await unlink(aside).catch(() => {})
      }
      throw new PggraphError('BUSY', `Could not take the lock ${path}: another run keeps taking it.`)
    } finally {
      await unlink(tmp).catch(() => {})
    }
  }

  /** Release the lock (idempotent); only removes the file if it is still ours. */
  async release(): Promise<void> {
    if (this.released) return
    this.released = true
    const info = await readInfo(this.path)
    if (info?.pid === process.pid) await unlink(this.path).catch(() => {})
  }
}
