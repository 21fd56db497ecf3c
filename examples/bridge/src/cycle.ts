import { hostname } from 'node:os'
import { join } from 'node:path'
import { PggraphError, type Queryable, type Snapshot } from '@pggraph/core'
import type { BridgeConfig } from './config.js'
import { storeStep, type Cycle } from './cycle-store.js'
import { RunLock } from './lock.js'
import { oneLine } from './retry.js'
import { Spool, type SpoolUsage } from './spool.js'
import { readState, writeState } from './state.js'
import { collectFromTarget } from './target.js'
import { storeLink } from './tls.js'

export { describeStoreError } from './cycle-store.js'

/** What one cycle did. `ok` is false when anything needs an operator's eye; `reason` says what, in one line. */
export interface CycleResult {
  readonly ok: boolean
  readonly reason: string | null
  /** `takenAt` of the snapshot collected this cycle, or `null` when the target failed. */
  readonly collected: string | null
  /** `takenAt` of every snapshot the store committed this cycle, in order. */
  readonly written: readonly string[]
  /** Snapshots still waiting in the spool, and their bytes. */
  readonly spoolFiles: number
  readonly spoolBytes: number
  /** Spool files the store refused for good (moved to quarantine) and torn files set aside. */
  readonly quarantined: readonly string[]
  readonly corrupt: readonly string[]
  /** Snapshots dropped from the spool this cycle (bounds). */
  readonly dropped: number
  readonly retries: number
  readonly targetError: string | null
  readonly storeError: string | null
  /** The cycle stopped early because the signal aborted. */
  readonly interrupted: boolean
  readonly durationMs: number
}

/** Options of {@link runCycle}. */
export interface CycleOptions {
  /** Abort: the step in hand finishes (a collected snapshot is spooled, a write completes), then the cycle returns. */
  readonly signal?: AbortSignal
  /** Take the single-run lock for this cycle (default `true`; `runLoop` holds it for the whole loop). */
  readonly lock?: boolean
  /** Progress lines (`spooled …`, `stored …`, `retry …`). */
  readonly log?: (line: string) => void
  /** Replace collection from `config.targetUrl`, e.g. to push a snapshot taken elsewhere. */
  readonly collectSnapshot?: () => Promise<Snapshot>
  /**
   * Write through this open store connection instead of opening `config.storeUrl` (which is
   * then only used for messages). The caller owns it: the cycle does not close it. For an
   * in-process embedded store that another part of the program (a viewer) also uses, since a
   * PGlite folder can be open only once.
   */
  readonly store?: Queryable
}

/** The monitored server's name for the store's `sources`: the target URL's host, or this machine's name for a local target. */
export function monitoredHost(targetUrl: string): string {
  let h = ''
  try {
    h = new URL(targetUrl).hostname
  } catch {
    // keep the machine's name
  }
  return !h || h === 'localhost' || h.startsWith('127.') || h === '[::1]' ? hostname() : h
}

/** The lock file of a configuration: one per spool. */
export function lockPath(config: Pick<BridgeConfig, 'spoolDir'>): string {
  return join(config.spoolDir, 'bridge.lock')
}

/** The spool of a configuration. */
export function spoolOf(config: BridgeConfig): Spool {
  return new Spool({
    dir: config.spoolDir,
    maxBytes: config.spoolMaxBytes,
    maxAgeMs: config.spoolMaxAgeMs,
    quarantineDir: config.quarantineDir,
  })
}

/** The error code of a file-system failure, else its one-line message. */
const fsReason = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? oneLine(err)

/** The spool, created if needed; a folder that cannot be used is a configuration mistake. */
async function openSpool(config: BridgeConfig): Promise<Spool> {
  const spool = spoolOf(config)
  await spool.init().catch((err: unknown) => {
    throw new PggraphError(
      'CONFIG',
      `spool_dir ${config.spoolDir} cannot be used (${fsReason(err)}): create it writable for this user, or set spool_dir.`,
      { cause: err },
    )
  })
  return spool
}

/** Take this cycle's snapshot; a failing target is noted, never thrown. */
async function collectStep(c: Cycle): Promise<Snapshot | undefined> {
  try {
    const snapshot = await (c.options.collectSnapshot ?? (() => collectFromTarget(c.config)))()
    c.tally.collected = snapshot.takenAt
    return snapshot
  } catch (err) {
    c.tally.targetError = `target: ${oneLine(err)}`
    c.log(c.tally.targetError)
    return undefined
  }
}

/** Spool the snapshot (keeping it in hand when the spool cannot take it), or only apply the spool's bounds. */
async function spoolStep(c: Cycle, snapshot: Snapshot | undefined): Promise<void> {
  const { spool, tally, config } = c
  let dropped = 0
  if (snapshot) {
    try {
      const put = await spool.put(snapshot)
      tally.spooled = { name: put.entry.name, snapshot }
      dropped = put.dropped.length
      c.log(`spooled ${snapshot.takenAt} (${put.entry.name})`)
    } catch (err) {
      tally.inHand = snapshot
      tally.spoolError = `spool: cannot save the snapshot in ${config.spoolDir} (${fsReason(err)}): free space or fix spool_dir`
      c.log(tally.spoolError)
    }
  } else {
    try {
      dropped = (await spool.enforceBounds()).length
    } catch (err) {
      tally.spoolError = `spool: cannot apply spool_max_bytes and spool_max_age in ${config.spoolDir} (${fsReason(err)}): fix spool_dir`
      c.log(tally.spoolError)
    }
  }
  if (dropped) c.log(`dropped ${dropped} old snapshot(s): the spool is over spool_max_bytes or spool_max_age`)
  tally.dropped += dropped
  c.state.dropped += dropped
}

/** The cycle's problems in one line (`null` when there are none). A snapshot in hand is lost, and counted. */
function problemsOf(c: Cycle, usage: SpoolUsage): string | null {
  const { tally, config } = c
  const problems: string[] = []
  if (tally.targetError) problems.push(tally.targetError)
  if (tally.spoolError) problems.push(tally.spoolError)
  if (tally.inHand) {
    // Neither the spool nor the store took it: this snapshot is lost, and counted as dropped.
    c.state.dropped += 1
    problems.push(`snapshot ${tally.inHand.takenAt} was lost`)
  }
  if (tally.storeError)
    problems.push(`${tally.storeError.replace(/\.$/, '')}; ${usage.files} snapshot(s) wait in ${config.spoolDir}`)
  if (tally.quarantined.length)
    problems.push(`${tally.quarantined.length} snapshot(s) quarantined in ${config.quarantineDir}`)
  problems.push(...tally.unrecorded)
  if (tally.corrupt.length)
    problems.push(`${tally.corrupt.length} corrupt spool file(s) moved to ${c.spool.corruptDir}`)
  return problems.length ? problems.join('; ') : null
}

/** Save what this cycle leaves for the next one and for `check` (state.json); failing to is only logged. */
async function saveState(c: Cycle, reason: string | null): Promise<void> {
  const now = new Date().toISOString()
  if (reason) {
    c.state.lastError = reason
    c.state.lastErrorAt = now
  }
  c.state.lastCycle = now
  await writeState(c.config.spoolDir, c.state).catch((err: unknown) => {
    c.log(`could not save ${c.config.spoolDir}/state.json: ${oneLine(err)}`)
  })
}

/**
 * One bridge cycle: collect a snapshot from the target and spool it durably, then replay the
 * spool oldest first into the store, removing each file only after the store committed it.
 * Transient store errors are retried with backoff and leave the snapshots spooled; permanent
 * ones quarantine the snapshot; a failing target is recorded in the store. Never throws for a
 * target or store failure: the result says what happened (it throws `PggraphError('BUSY')` when
 * another run holds the lock, and `CONFIG` for a bad `ca_file`).
 *
 * @example
 * ```ts
 * const result = await runCycle(loadConfig({ file: 'bridge.toml' }))
 * if (!result.ok) console.error(result.reason)
 * ```
 */
export async function runCycle(config: BridgeConfig, options: CycleOptions = {}): Promise<CycleResult> {
  const started = Date.now()
  const link = storeLink(config)
  const lock = options.lock === false ? undefined : await RunLock.acquire(lockPath(config))
  try {
    const spool = await openSpool(config)
    const c: Cycle = {
      config,
      options,
      log: options.log ?? (() => {}),
      link,
      spool,
      state: await readState(config.spoolDir),
      ns: { schema: config.schema, prefix: config.prefix },
      host: monitoredHost(config.targetUrl),
      policy: { attempts: config.retryAttempts, maxDelayMs: config.retryMaxDelayMs },
      tally: {
        collected: null,
        targetError: null,
        spoolError: null,
        storeError: null,
        inHand: undefined,
        spooled: undefined,
        retries: 0,
        dropped: 0,
        written: [],
        quarantined: [],
        corrupt: [],
        unrecorded: [],
      },
    }
    await spoolStep(c, await collectStep(c))
    if (!options.signal?.aborted) {
      await storeStep(c)
      if (c.tally.storeError) c.log(c.tally.storeError)
    }
    const usage = await spool.usage()
    const reason = problemsOf(c, usage)
    await saveState(c, reason)
    const { tally } = c
    return {
      ok: reason === null,
      reason,
      collected: tally.collected,
      written: tally.written,
      spoolFiles: usage.files,
      spoolBytes: usage.bytes,
      quarantined: tally.quarantined,
      corrupt: tally.corrupt,
      dropped: tally.dropped,
      retries: tally.retries,
      targetError: tally.targetError,
      storeError: tally.storeError,
      interrupted: options.signal?.aborted ?? false,
      durationMs: Date.now() - started,
    }
  } finally {
    await lock?.release()
  }
}
