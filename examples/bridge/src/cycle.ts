import { hostname } from 'node:os'
import { join } from 'node:path'
import { classify, PggraphError, sqlStateOf, type BridgeHealth, type Queryable, type Snapshot } from '@pggraph/core'
import { openStore, recordSourceError, writeSnapshot, type StoreConnection } from '@pggraph/store'
import type { BridgeConfig } from './config.js'
import { RunLock } from './lock.js'
import { oneLine, withRetry, type RetryPolicy } from './retry.js'
import { Spool, SpoolCorruptError, type SpoolEntry, type SpoolUsage } from './spool.js'
import { readState, writeState, type BridgeState } from './state.js'
import { collectFromTarget } from './target.js'
import { explainTlsError, storeLink, type StoreLink } from './tls.js'

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

/** One line saying why the store failed, with the fix when known. */
export function describeStoreError(
  err: unknown,
  link: StoreLink,
  config: Pick<BridgeConfig, 'schema' | 'prefix'>,
): string {
  const tls = explainTlsError(err, link)
  if (tls) return `store: ${tls}`
  const msg = oneLine(err)
  const state = sqlStateOf(err)
  if (state === '28P01' || /password authentication failed/i.test(msg)) {
    return `store: the writer's login was refused (${msg}): check the user and password in store_url.`
  }
  if (state === '28000' || /no pg_hba\.conf entry/i.test(msg)) {
    return `store: the store refuses this host (${msg}): add the hostssl line printed by \`pggraph-bridge install\` to the store's pg_hba.conf.`
  }
  if (state === '3F000' || state === '42P01' || state === '42883') {
    return `store: the store has no tables for ${config.schema}.${config.prefix} (${msg}): run \`pggraph-bridge install --schema ${config.schema} --prefix ${config.prefix}\` against the store.`
  }
  return `store: ${msg}`
}

/** What a cycle found and did so far: filled in step by step, read once at the end. */
interface Tally {
  collected: string | null
  targetError: string | null
  spoolError: string | null
  storeError: string | null
  /** A snapshot the spool could not take (disk full): still sent from memory. */
  inHand: Snapshot | undefined
  retries: number
  dropped: number
  readonly written: string[]
  readonly quarantined: string[]
  readonly corrupt: string[]
  /** Problems the store could not be told about (a quarantine it did not record). */
  readonly unrecorded: string[]
}

/** What every step of one cycle shares. */
interface Cycle {
  readonly config: BridgeConfig
  readonly options: CycleOptions
  readonly log: (line: string) => void
  readonly link: StoreLink
  readonly spool: Spool
  readonly state: BridgeState
  readonly ns: { readonly schema: string; readonly prefix: string }
  readonly host: string
  readonly policy: RetryPolicy
  readonly tally: Tally
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

/** The health sent with a write: this cycle's problem first, else the last one recorded (with its time). */
function health(c: Cycle, usage: SpoolUsage): BridgeHealth {
  const { state, tally } = c
  return {
    lastSuccess: state.lastSuccess,
    spoolFiles: usage.files,
    spoolBytes: usage.bytes,
    dropped: state.dropped,
    retries: tally.retries,
    lastError:
      (tally.targetError ?? tally.spoolError) ||
      (state.lastError && state.lastErrorAt ? `${state.lastError} (at ${state.lastErrorAt})` : null),
  }
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

/** The store to write to: the caller's, or a connection opened here; `undefined` (and the reason noted) when it cannot be opened. */
async function openCycleStore(c: Cycle): Promise<Queryable | undefined> {
  if (c.options.store) return c.options.store
  return openStore(c.link.url, {
    ssl: c.link.ssl,
    applicationName: 'pggraph-bridge',
    connectTimeoutMs: c.config.connectTimeoutMs,
    max: 1,
  }).catch((err: unknown) => {
    c.tally.storeError = describeStoreError(err, c.link, c.config)
    return undefined
  })
}

/** Write one snapshot with its health, retrying transient errors with backoff (until the signal aborts). */
async function writeWithRetry(c: Cycle, db: Queryable, snap: Snapshot, bridge: BridgeHealth): Promise<void> {
  await withRetry(() => writeSnapshot(db, c.ns, { ...snap, bridge }, { host: c.host }), c.policy, {
    onRetry: (err, attempt, delay) => {
      c.tally.retries++
      c.log(`retry ${attempt}/${c.policy.attempts - 1} in ${delay} ms: ${oneLine(err)}`)
    },
    ...(c.options.signal ? { signal: c.options.signal } : {}),
  })
}

/** A snapshot the store committed: counted, and the last success moved. */
function stored(c: Cycle, snap: Snapshot, how = ''): void {
  c.state.lastSuccess = new Date().toISOString()
  c.tally.written.push(snap.takenAt)
  c.log(`stored ${snap.takenAt}${how}`)
}

/** The store refused a spooled snapshot for good: quarantine it, and tell the store why. */
async function quarantine(c: Cycle, db: Queryable, entry: SpoolEntry, snap: Snapshot, err: unknown): Promise<void> {
  const reason = `the store refused snapshot ${snap.takenAt} for good: ${oneLine(err)}`
  await c.spool.quarantine(entry, reason)
  c.tally.quarantined.push(entry.name)
  c.log(`quarantined ${entry.name}: ${reason}`)
  await recordSourceError(db, c.ns, reason).catch((e: unknown) => {
    const line = `store: the quarantine of ${entry.name} is not in sources.last_error (${oneLine(e)})`
    c.tally.unrecorded.push(line)
    c.log(line)
  })
}

/**
 * Replay the spool oldest first, removing each file only after the store committed it; stops at
 * the first store error that is not permanent (the rest waits for the next cycle).
 */
async function replaySpool(c: Cycle, db: Queryable): Promise<void> {
  const { spool, tally } = c
  for (const entry of await spool.list()) {
    if (c.options.signal?.aborted) return
    let snap: Snapshot
    try {
      snap = await spool.read(entry)
    } catch (err) {
      const reason = err instanceof SpoolCorruptError ? err.message : oneLine(err)
      await spool.setAside(entry, reason)
      tally.corrupt.push(entry.name)
      c.log(reason)
      continue
    }
    // The health sent with a snapshot counts what waits behind it, not the snapshot itself: a
    // healthy bridge reports an empty spool.
    const usage = await spool.usage()
    const bridge = health(c, {
      ...usage,
      files: Math.max(0, usage.files - 1),
      bytes: Math.max(0, usage.bytes - entry.bytes),
    })
    try {
      await writeWithRetry(c, db, snap, bridge)
    } catch (err) {
      if (classify(err) !== 'permanent') {
        tally.storeError = describeStoreError(err, c.link, c.config)
        return
      }
      await quarantine(c, db, entry, snap, err)
      continue
    }
    await spool.remove(entry)
    stored(c, snap)
  }
}

/** Everything that goes to the store: the target's failure, the spool, the snapshot in hand. */
async function storeStep(c: Cycle): Promise<void> {
  const { tally } = c
  const db = await openCycleStore(c)
  if (!db) return
  try {
    if (tally.targetError) {
      await recordSourceError(db, c.ns, tally.targetError, health(c, await c.spool.usage())).catch((err: unknown) => {
        tally.storeError = describeStoreError(err, c.link, c.config)
      })
    }
    // When even recording the error failed, the store is unreachable: nothing to replay into.
    if (!tally.storeError) await replaySpool(c, db)
    const snap = tally.inHand
    if (snap && !tally.storeError && !c.options.signal?.aborted) {
      try {
        await writeWithRetry(c, db, snap, health(c, await c.spool.usage()))
        tally.inHand = undefined
        stored(c, snap, ' (from memory)')
      } catch (err) {
        tally.storeError = describeStoreError(err, c.link, c.config)
      }
    }
  } finally {
    if (!c.options.store) await (db as StoreConnection).end().catch(() => {})
  }
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
