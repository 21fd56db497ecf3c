import { hostname } from 'node:os'
import { join } from 'node:path'
import { classify, PggraphError, sqlStateOf, type BridgeHealth, type Queryable, type Snapshot } from '@pggraph/core'
import { openStore, recordSourceError, writeSnapshot, type StoreConnection } from '@pggraph/store'
import type { BridgeConfig } from './config.js'
import { RunLock } from './lock.js'
import { oneLine, withRetry, type RetryPolicy } from './retry.js'
import { Spool, SpoolCorruptError, type SpoolUsage } from './spool.js'
import { readState, writeState } from './state.js'
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
  const log = options.log ?? (() => {})
  const link = storeLink(config)
  const lock = options.lock === false ? undefined : await RunLock.acquire(lockPath(config))
  try {
    const spool = spoolOf(config)
    await spool.init().catch((err: unknown) => {
      throw new PggraphError(
        'CONFIG',
        `spool_dir ${config.spoolDir} cannot be used (${(err as NodeJS.ErrnoException).code ?? oneLine(err)}): create it writable for this user, or set spool_dir.`,
        { cause: err },
      )
    })
    const state = await readState(config.spoolDir)
    const ns = { schema: config.schema, prefix: config.prefix }
    const host = monitoredHost(config.targetUrl)
    const policy: RetryPolicy = { attempts: config.retryAttempts, maxDelayMs: config.retryMaxDelayMs }
    let retries = 0
    let dropped = 0
    let collected: string | null = null
    let targetError: string | null = null
    let storeError: string | null = null
    const written: string[] = []
    const quarantined: string[] = []
    const unrecorded: string[] = []
    const corrupt: string[] = []
    // This cycle's problem first, else the last one recorded (with its time).
    const health = (usage: SpoolUsage): BridgeHealth => ({
      lastSuccess: state.lastSuccess,
      spoolFiles: usage.files,
      spoolBytes: usage.bytes,
      dropped: state.dropped,
      retries,
      lastError:
        (targetError ?? spoolError) ||
        (state.lastError && state.lastErrorAt ? `${state.lastError} (at ${state.lastErrorAt})` : null),
    })

    let snapshot: Snapshot | undefined
    try {
      snapshot = await (options.collectSnapshot ?? (() => collectFromTarget(config)))()
      collected = snapshot.takenAt
    } catch (err) {
      targetError = `target: ${oneLine(err)}`
      log(targetError)
    }
    // A snapshot the spool could not take (disk full) is still sent from memory below.
    let inHand: Snapshot | undefined
    let spoolError: string | null = null
    if (snapshot) {
      try {
        const put = await spool.put(snapshot)
        dropped += put.dropped.length
        log(`spooled ${snapshot.takenAt} (${put.entry.name})`)
      } catch (err) {
        inHand = snapshot
        spoolError = `spool: cannot save the snapshot in ${config.spoolDir} (${(err as NodeJS.ErrnoException).code ?? oneLine(err)}): free space or fix spool_dir`
        log(spoolError)
      }
    } else {
      try {
        dropped += (await spool.enforceBounds()).length
      } catch (err) {
        spoolError = `spool: cannot apply spool_max_bytes and spool_max_age in ${config.spoolDir} (${(err as NodeJS.ErrnoException).code ?? oneLine(err)}): fix spool_dir`
        log(spoolError)
      }
    }
    if (dropped) log(`dropped ${dropped} old snapshot(s): the spool is over spool_max_bytes or spool_max_age`)
    state.dropped += dropped

    if (!options.signal?.aborted) {
      const onRetry = (err: unknown, attempt: number, delay: number): void => {
        retries++
        log(`retry ${attempt}/${policy.attempts - 1} in ${delay} ms: ${oneLine(err)}`)
      }
      const db: Queryable | undefined =
        options.store ??
        (await openStore(link.url, {
          ssl: link.ssl,
          applicationName: 'pggraph-bridge',
          connectTimeoutMs: config.connectTimeoutMs,
          max: 1,
        }).catch((err: unknown) => {
          storeError = describeStoreError(err, link, config)
          return undefined
        }))
      if (db) {
        try {
          if (targetError) {
            const usage = await spool.usage()
            await recordSourceError(db, ns, targetError, health(usage)).catch((err: unknown) => {
              storeError = describeStoreError(err, link, config)
            })
          }
          // When even recording the error failed, the store is unreachable: nothing to replay into.
          for (const entry of storeError ? [] : await spool.list()) {
            if (options.signal?.aborted) break
            let snap: Snapshot
            try {
              snap = await spool.read(entry)
            } catch (err) {
              const reason = err instanceof SpoolCorruptError ? err.message : oneLine(err)
              await spool.setAside(entry, reason)
              corrupt.push(entry.name)
              log(reason)
              continue
            }
            // The health sent with a snapshot counts what waits behind it, not the snapshot
            // itself: a healthy bridge reports an empty spool.
            const usage = await spool.usage()
            const bridge = health({
              ...usage,
              files: Math.max(0, usage.files - 1),
              bytes: Math.max(0, usage.bytes - entry.bytes),
            })
            try {
              await withRetry(() => writeSnapshot(db, ns, { ...snap, bridge }, { host }), policy, {
                onRetry,
                ...(options.signal ? { signal: options.signal } : {}),
              })
            } catch (err) {
              if (classify(err) === 'permanent') {
                const reason = `the store refused snapshot ${snap.takenAt} for good: ${oneLine(err)}`
                await spool.quarantine(entry, reason)
                quarantined.push(entry.name)
                log(`quarantined ${entry.name}: ${reason}`)
                await recordSourceError(db, ns, reason).catch((e: unknown) => {
                  unrecorded.push(`store: the quarantine of ${entry.name} is not in sources.last_error (${oneLine(e)})`)
                  log(unrecorded[unrecorded.length - 1]!)
                })
                continue
              }
              storeError = describeStoreError(err, link, config)
              break
            }
            await spool.remove(entry)
            state.lastSuccess = new Date().toISOString()
            written.push(snap.takenAt)
            log(`stored ${snap.takenAt}`)
          }
          if (inHand && !storeError && !options.signal?.aborted) {
            const snap = inHand
            const bridge = health(await spool.usage())
            try {
              await withRetry(() => writeSnapshot(db, ns, { ...snap, bridge }, { host }), policy, {
                onRetry,
              })
              inHand = undefined
              state.lastSuccess = new Date().toISOString()
              written.push(snap.takenAt)
              log(`stored ${snap.takenAt} (from memory)`)
            } catch (err) {
              storeError = describeStoreError(err, link, config)
            }
          }
        } finally {
          if (!options.store) await (db as StoreConnection).end().catch(() => {})
        }
      }
      if (storeError) log(storeError)
    }

    const usage = await spool.usage()
    const problems: string[] = []
    if (targetError) problems.push(targetError)
    if (spoolError) problems.push(spoolError)
    if (inHand) {
      // Neither the spool nor the store took it: this snapshot is lost, and counted as dropped.
      state.dropped += 1
      problems.push(`snapshot ${inHand.takenAt} was lost`)
    }
    if (storeError)
      problems.push(
        `${(storeError as string).replace(/\.$/, '')}; ${usage.files} snapshot(s) wait in ${config.spoolDir}`,
      )
    if (quarantined.length) problems.push(`${quarantined.length} snapshot(s) quarantined in ${config.quarantineDir}`)
    problems.push(...unrecorded)
    if (corrupt.length) problems.push(`${corrupt.length} corrupt spool file(s) moved to ${spool.corruptDir}`)
    const reason = problems.length ? problems.join('; ') : null
    const now = new Date().toISOString()
    if (reason) {
      state.lastError = reason
      state.lastErrorAt = now
    }
    state.lastCycle = now
    await writeState(config.spoolDir, state).catch((err: unknown) => {
      log(`could not save ${config.spoolDir}/state.json: ${oneLine(err)}`)
    })
    return {
      ok: reason === null,
      reason,
      collected,
      written,
      spoolFiles: usage.files,
      spoolBytes: usage.bytes,
      quarantined,
      corrupt,
      dropped,
      retries,
      targetError,
      storeError,
      interrupted: options.signal?.aborted ?? false,
      durationMs: Date.now() - started,
    }
  } finally {
    await lock?.release()
  }
}
