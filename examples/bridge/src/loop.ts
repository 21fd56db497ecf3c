import { isPggraphError } from '@pggraph/core'
import type { BridgeConfig } from './config.js'
import { lockPath, runCycle, type CycleOptions, type CycleResult } from './cycle.js'
import { RunLock } from './lock.js'
import { oneLine, sleep } from './retry.js'

/** The next multiple of `intervalMs` after `now` (cycles run on the interval's boundaries, as cron would). */
export function nextTick(now: number, intervalMs: number): number {
  return (Math.floor(now / intervalMs) + 1) * intervalMs
}

function failedCycle(err: unknown): CycleResult {
  const reason = oneLine(err)
  return {
    ok: false,
    reason,
    collected: null,
    written: [],
    spoolFiles: 0,
    spoolBytes: 0,
    quarantined: [],
    corrupt: [],
    dropped: 0,
    retries: 0,
    targetError: null,
    storeError: null,
    interrupted: false,
    durationMs: 0,
  }
}

/** Options of {@link runLoop}. */
export interface LoopOptions extends Omit<CycleOptions, 'lock'> {
  /** Stop the loop: a sleep ends at once; a cycle in progress finishes its step and spools what it holds. */
  readonly signal: AbortSignal
  /** Called after each cycle. */
  readonly onCycle?: (result: CycleResult) => void
  /** Stop after this many cycles (tests). */
  readonly maxCycles?: number
}

/**
 * Run cycles forever, aligned to `config.intervalMs` (the first one at once), holding the
 * single-run lock for the whole loop, until `signal` aborts. A cycle that overruns the interval
 * skips to the next boundary rather than running cycles back to back.
 *
 * @example
 * ```ts
 * const stop = new AbortController()
 * process.once('SIGTERM', () => stop.abort())
 * await runLoop(config, { signal: stop.signal, onCycle: (r) => console.log(r.ok ? 'ok' : r.reason) })
 * ```
 */
export async function runLoop(config: BridgeConfig, options: LoopOptions): Promise<number> {
  const lock = await RunLock.acquire(lockPath(config))
  let cycles = 0
  try {
    while (!options.signal.aborted) {
      // A service keeps going through anything but a lost lock: a cycle that throws (ca_file
      // removed, spool folder gone) is reported like a failed one, and the next one tries again.
      const result = await runCycle(config, { ...options, lock: false }).catch((err: unknown) => {
        if (isPggraphError(err, 'BUSY')) throw err
        return failedCycle(err)
      })
      cycles++
      options.onCycle?.(result)
      if (options.maxCycles !== undefined && cycles >= options.maxCycles) break
      const now = Date.now()
      await sleep(nextTick(now, config.intervalMs) - now, options.signal)
    }
  } finally {
    await lock.release()
  }
  return cycles
}
