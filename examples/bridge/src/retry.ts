import { classify, sqlStateOf, type ErrorClass } from '@pggraph/core'

export type { ErrorClass }

/**
 * What to do after a failed store operation: core's {@link classify}, the one rule of pggraph.
 * `transient`: retry with backoff, the snapshot stays spooled; `permanent`: the store will never
 * take this snapshot (bad data, an operation the writer may not do): quarantine it; `forbidden`:
 * the store refuses this bridge or is not set up for it (login refused, schema missing, TLS not
 * verified, a Citus worker refusing the tenant's roles): no retry, no quarantine — the snapshot
 * waits in the spool until an operator fixes the store.
 * @deprecated Use `classify` from `@pggraph/core`; kept for callers of the bridge's export.
 */
export const classifyError: (err: unknown) => ErrorClass = classify

/** Backoff settings: attempts in total (first try included) and the delay cap. */
export interface RetryPolicy {
  readonly attempts: number
  readonly baseDelayMs?: number
  readonly maxDelayMs: number
}

/**
 * The delay before retry number `attempt` (1-based): exponential from `baseDelayMs`, capped at
 * `maxDelayMs`, with "full jitter" (uniform between half and all of it) so many bridges that lost
 * the store at the same moment do not come back in lock step.
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const base = policy.baseDelayMs ?? 250
  const ceiling = Math.min(policy.maxDelayMs, base * 2 ** Math.max(0, attempt - 1))
  return Math.round(ceiling / 2 + (random() * ceiling) / 2)
}

/** Sleep `ms`, or less if `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const t = setTimeout(done, ms)
    function done(): void {
      clearTimeout(t)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}

/**
 * Run `fn` until it succeeds, retrying only `transient` errors with {@link backoffDelay};
 * `onRetry` sees each failure that will be retried (count retries there). Throws the last error.
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  hooks: {
    onRetry?: (err: unknown, attempt: number, delayMs: number) => void | Promise<void>
    signal?: AbortSignal
  } = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt)
    } catch (err) {
      if (attempt >= policy.attempts || classify(err) !== 'transient' || hooks.signal?.aborted) throw err
      const delay = backoffDelay(attempt, policy)
      await hooks.onRetry?.(err, attempt, delay)
      await sleep(delay, hooks.signal)
    }
  }
}

/** One line for an error: its message, and its SQLSTATE when there is one. */
export function oneLine(err: unknown): string {
  const msg = (err instanceof Error ? err.message : String(err)).split('\n')[0]!.trim()
  const state = sqlStateOf(err)
  return state && !msg.includes(state) ? `${msg} (SQLSTATE ${state})` : msg
}
