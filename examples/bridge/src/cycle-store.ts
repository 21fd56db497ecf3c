// The store side of a bridge cycle (cycle.ts): write the spool oldest first and the snapshot in
// hand, each with retries of transient errors, quarantine what the store refuses for good, and
// say in one line why the store failed.
import { classify, sqlStateOf, type BridgeHealth, type Queryable, type Snapshot } from '@pggraph/core'
import { openStore, recordSourceError, writeSnapshot, type StoreConnection } from '@pggraph/store'
import type { BridgeConfig } from './config.js'
import type { CycleOptions } from './cycle.js'
import { oneLine, withRetry, type RetryPolicy } from './retry.js'
import { SpoolCorruptError, type Spool, type SpoolEntry, type SpoolUsage } from './spool.js'
import type { BridgeState } from './state.js'
import { explainTlsError, type StoreLink } from './tls.js'

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

/** What a cycle found and did so far: filled in step by step, read once at the end. @internal */
export interface Tally {
  collected: string | null
  targetError: string | null
  spoolError: string | null
  storeError: string | null
  /** A snapshot the spool could not take (disk full): still sent from memory. */
  inHand: Snapshot | undefined
  /**
   * The snapshot this cycle spooled, by its spool file's name: the replay sends it from memory
   * instead of reading back, verifying and parsing the file it has just written and fsynced
   * (in a new process that costs ~40 ms, mostly first touches of fresh memory, for 1,000 tables).
   */
  spooled: { readonly name: string; readonly snapshot: Snapshot } | undefined
  retries: number
  dropped: number
  readonly written: string[]
  readonly quarantined: string[]
  readonly corrupt: string[]
  /** Problems the store could not be told about (a quarantine it did not record). */
  readonly unrecorded: string[]
}

/** What every step of one cycle shares. @internal */
export interface Cycle {
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

/** The health sent with a write: this cycle's problem first, else the last one recorded (with its time). @internal */
export function health(c: Cycle, usage: SpoolUsage): BridgeHealth {
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
      snap = entry.name === tally.spooled?.name ? tally.spooled.snapshot : await spool.read(entry)
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

/** Everything that goes to the store: the target's failure, the spool, the snapshot in hand. @internal */
export async function storeStep(c: Cycle): Promise<void> {
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
