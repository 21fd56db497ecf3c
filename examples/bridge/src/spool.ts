import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseSnapshot, PggraphError, type Snapshot } from '@pggraph/core'
import { fsyncDir, TMP_PREFIX, writeFileAtomic } from './atomic-file.js'

/** One snapshot waiting in the spool. Entries sort oldest first by name. */
export interface SpoolEntry {
  readonly name: string
  readonly path: string
  readonly bytes: number
  /** The snapshot's `takenAt`, in ms since the epoch (from the file name). */
  readonly takenAtMs: number
}

/** Where and how much the spool may keep. */
export interface SpoolOptions {
  readonly dir: string
  /** The spool never holds more than this many bytes (the newest snapshot is always kept). */
  readonly maxBytes: number
  /** Snapshots older than this are dropped. */
  readonly maxAgeMs: number
  /** Default `<dir>/quarantine`. */
  readonly quarantineDir?: string | undefined
  /** Clock, for tests. */
  readonly now?: () => number
}

/** Files count and total size of a folder of spool files. */
export interface SpoolUsage {
  readonly files: number
  readonly bytes: number
  /** `takenAt` of the oldest snapshot waiting, ms since the epoch, or `null`. */
  readonly oldestMs: number | null
}

const SUFFIX = '.snap'
const HEADER = /^pggraph-spool 1 sha256=([0-9a-f]{64}) bytes=(\d+)$/
const NAME = /^(\d{15})-[0-9a-f]{8}\.snap$/

/** A spool file that is torn or altered: it is set aside, never sent. */
export class SpoolCorruptError extends PggraphError {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super('INVALID_SNAPSHOT', `Spool file ${file} is corrupt (${reason}): it was moved aside and will not be sent.`)
  }
}

/**
 * The local spool: every snapshot is written here durably (temporary file, fsync, rename) before
 * the store is tried, replayed oldest first, and removed only after the store has committed it.
 * Each file carries a SHA-256 of its body, so a torn or altered file is detected and moved aside.
 * Bounded by bytes and age: the oldest whole snapshots are dropped first, and returned so the
 * caller can count them. Not safe for two processes at once: hold a {@link RunLock} on the folder.
 *
 * @example
 * ```ts
 * const spool = new Spool({ dir: '/var/lib/pggraph-bridge/acme.web1', maxBytes: 100e6, maxAgeMs: 7 * 86400e3 })
 * await spool.init()
 * const { entry, dropped } = await spool.put(snapshot)
 * for (const e of await spool.list()) { const snap = await spool.read(e); ... ; await spool.remove(e) }
 * ```
 */
export class Spool {
  readonly dir: string
  readonly quarantineDir: string
  /** Where corrupt files are moved. */
  readonly corruptDir: string
  readonly maxBytes: number
  readonly maxAgeMs: number
  private readonly now: () => number

  constructor(options: SpoolOptions) {
    this.dir = options.dir
    this.quarantineDir = options.quarantineDir ?? join(options.dir, 'quarantine')
    this.corruptDir = join(options.dir, 'corrupt')
    this.maxBytes = options.maxBytes
    this.maxAgeMs = options.maxAgeMs
    this.now = options.now ?? Date.now
  }

  /** Create the folder (mode 0700) and remove temporary files left by a crashed run. */
  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 })
    for (const name of await readdir(this.dir)) {
      if (name.startsWith(TMP_PREFIX)) await unlink(join(this.dir, name)).catch(() => {})
    }
  }

  /** Serialise a snapshot into the spool file format: a checksummed header line, then JSON. */
  static encode(snapshot: Snapshot): string {
    const body = JSON.stringify(snapshot)
    const sha = createHash('sha256').update(body).digest('hex')
    return `pggraph-spool 1 sha256=${sha} bytes=${Buffer.byteLength(body)}\n${body}`
  }

  /** Parse and verify a spool file's content; throws an `Error` whose message names the damage (no header, truncated, checksum, bad snapshot). */
  static decode(text: string): Snapshot {
    const nl = text.indexOf('\n')
    const m = nl > 0 ? HEADER.exec(text.slice(0, nl)) : null
    if (!m) throw new Error('no valid header line')
    const body = text.slice(nl + 1)
    if (Buffer.byteLength(body) !== Number(m[2]))
      throw new Error(`truncated: ${Buffer.byteLength(body)} of ${m[2]} bytes`)
    if (createHash('sha256').update(body).digest('hex') !== m[1]) throw new Error('checksum mismatch')
    return parseSnapshot(JSON.parse(body))
  }

  /** Store a snapshot durably, then apply the bounds; returns its entry and the entries dropped. */
  async put(snapshot: Snapshot): Promise<{ entry: SpoolEntry; dropped: SpoolEntry[] }> {
    const t = Date.parse(snapshot.takenAt)
    const takenAtMs = Number.isNaN(t) ? this.now() : t
    const name = `${String(takenAtMs).padStart(15, '0')}-${randomBytes(4).toString('hex')}${SUFFIX}`
    const text = Spool.encode(snapshot)
    await writeFileAtomic(join(this.dir, name), text)
    const entry: SpoolEntry = { name, path: join(this.dir, name), bytes: Buffer.byteLength(text), takenAtMs }
    const dropped = await this.enforceBounds(name)
    return { entry, dropped }
  }

  /** The snapshots waiting, oldest first. */
  async list(): Promise<SpoolEntry[]> {
    return listIn(this.dir)
  }

  /** Read and verify one entry; throws {@link SpoolCorruptError} when torn or altered. */
  async read(entry: SpoolEntry): Promise<Snapshot> {
    let text: string
    try {
      text = await readFile(entry.path, 'utf8')
    } catch (err) {
      throw new SpoolCorruptError(entry.name, `unreadable: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
    }
    try {
      return Spool.decode(text)
    } catch (err) {
      throw new SpoolCorruptError(entry.name, err instanceof Error ? err.message : String(err))
    }
  }

  /** Remove an entry: call only after the store committed it. */
  async remove(entry: SpoolEntry): Promise<void> {
    await unlink(entry.path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err
    })
    await fsyncDir(this.dir)
  }

  /** Move an entry the store refused for good to the quarantine folder, with a `.reason.txt` beside it. */
  async quarantine(entry: SpoolEntry, reason: string): Promise<string> {
    return this.moveTo(this.quarantineDir, entry, reason)
  }

  /** Move a corrupt entry to `<dir>/corrupt`, with a `.reason.txt` beside it. */
  async setAside(entry: SpoolEntry, reason: string): Promise<string> {
    return this.moveTo(this.corruptDir, entry, reason)
  }

  private async moveTo(dir: string, entry: SpoolEntry, reason: string): Promise<string> {
    await mkdir(dir, { recursive: true, mode: 0o700 })
    const target = join(dir, entry.name)
    await writeFile(`${target}.reason.txt`, `${new Date(this.now()).toISOString()} ${reason}\n`, { mode: 0o600 })
    await rename(entry.path, target)
    await fsyncDir(this.dir)
    return target
  }

  /**
   * Drop snapshots older than `maxAgeMs`, then the oldest until the spool fits in `maxBytes`
   * (never the entry named `keep`, normally the newest). Returns the entries dropped.
   */
  async enforceBounds(keep?: string): Promise<SpoolEntry[]> {
    const entries = await this.list()
    const dropped: SpoolEntry[] = []
    let total = entries.reduce((n, e) => n + e.bytes, 0)
    const oldest = this.now() - this.maxAgeMs
    for (const e of entries) {
      if (e.name === keep) continue
      if (e.takenAtMs < oldest || total > this.maxBytes) {
        await unlink(e.path).catch(() => {})
        total -= e.bytes
        dropped.push(e)
      }
    }
    if (dropped.length) await fsyncDir(this.dir)
    return dropped
  }

  /** Files and bytes waiting. */
  async usage(): Promise<SpoolUsage> {
    return usageOf(await this.list())
  }

  /** Files and bytes in quarantine. */
  async quarantined(): Promise<SpoolUsage> {
    return usageOf(await listIn(this.quarantineDir))
  }

  /** Files and bytes set aside as corrupt. */
  async corrupt(): Promise<SpoolUsage> {
    return usageOf(await listIn(this.corruptDir))
  }
}

function usageOf(entries: readonly SpoolEntry[]): SpoolUsage {
  return {
    files: entries.length,
    bytes: entries.reduce((n, e) => n + e.bytes, 0),
    oldestMs: entries[0]?.takenAtMs ?? null,
  }
}

async function listIn(dir: string): Promise<SpoolEntry[]> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
  const out: SpoolEntry[] = []
  for (const name of names.filter((n) => NAME.test(n)).sort()) {
    const path = join(dir, name)
    try {
      const s = await stat(path)
      out.push({ name, path, bytes: s.size, takenAtMs: Number(NAME.exec(name)![1]) })
    } catch {
      // removed meanwhile
    }
  }
  return out
}
