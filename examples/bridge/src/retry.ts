import { isPggraphError, PggraphError } from '@pggraph/core'

/**
 * What to do after a failed store operation:
 * - `transient`: the link or the server is momentarily unable (retry with backoff, keep the
 *   snapshot in the spool);
 * - `permanent`: this snapshot will never be accepted (permission, bad data): quarantine it;
 * - `blocked`: the store is not set up for this bridge (login refused, schema missing): no
 *   retry, no quarantine — the snapshot waits in the spool until an operator fixes the store.
 */
export type ErrorClass = 'transient' | 'permanent' | 'blocked'

const NODE_TRANSIENT = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ERR_STREAM_DESTROYED',
])

/**
 * The SQLSTATE of a driver error found along the `cause` chain. Unlike core's `sqlStateOf`, it
 * skips {@link PggraphError}s, whose five-letter codes (`QUERY`, `STORE`) look like SQLSTATEs,
 * and Node's five-letter errno codes (`EPIPE`).
 */
export function sqlStateIn(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 8; depth++) {
    const code = (e as { code?: unknown }).code
    // No SQLSTATE class starts with E: EPIPE, EPERM and EBADF are Node's, not the server's.
    if (!(e instanceof PggraphError) && typeof code === 'string' && /^[0-9A-DF-Z][0-9A-Z]{4}$/.test(code)) return code
    e = (e as { cause?: unknown }).cause
  }
  return undefined
}

/** The first `code` along the `cause` chain that satisfies `test`. */
export function codeIn(err: unknown, test: (code: string) => boolean): string | undefined {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 8; depth++) {
    const code = (e as { code?: unknown }).code
    if (!(e instanceof PggraphError) && typeof code === 'string' && test(code)) return code
    e = (e as { cause?: unknown }).cause
  }
  return undefined
}

function nodeCodeOf(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 8; depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code
    e = (e as { cause?: unknown }).cause
  }
  return undefined
}

/** Every message along the `cause` chain, joined by ` | `. */
export function messagesOf(err: unknown): string {
  const parts: string[] = []
  for (let e: unknown = err, depth = 0; e && depth < 8; depth++) {
    parts.push(e instanceof Error ? e.message : String(e))
    e = typeof e === 'object' ? (e as { cause?: unknown }).cause : undefined
  }
  return parts.join(' | ')
}

/**
 * Classify an error from the store (or the link to it) by SQLSTATE, Node error code and
 * pggraph error code. Unknown errors count as `transient`: retrying a snapshot costs little,
 * quarantining a good one costs an operator's time.
 */
export function classifyError(err: unknown): ErrorClass {
  if (isPggraphError(err, 'INVALID_SNAPSHOT')) return 'permanent'
  const state = sqlStateIn(err)
  if (state) {
    if (state === '42501' || state.startsWith('22') || state.startsWith('23')) return 'permanent'
    // 08 connection, 40 serialization/deadlock, 53 resources (too many connections),
    // 57 operator intervention (shutdown, cannot connect now), 55P03 lock not available, 58 system error
    if (/^(08|40|53|57|58)/.test(state) || state === '55P03' || state === '25P03' || state === '57014')
      return 'transient'
    // 28 authorization (login refused), 3D000 no database, 3F000 no schema, 42P01 no table,
    // 42883 no function: the store is not installed or not for this role.
    if (/^(28|3D|3F)/.test(state) || state === '42P01' || state === '42883') return 'blocked'
    return 'blocked'
  }
  if (isPggraphError(err, 'PERMISSION')) return 'permanent'
  if (isPggraphError(err, 'CONFIG') || isPggraphError(err, 'STORE')) return 'blocked'
  const code = nodeCodeOf(err)
  if (code && NODE_TRANSIENT.has(code)) return 'transient'
  if (codeIn(err, (c) => /CERT|TLS|SSL/.test(c))) return 'blocked'
  const msg = messagesOf(err)
  if (/certificate|self[- ]signed|does not support SSL|Hostname\/IP/i.test(msg)) return 'blocked'
  if (/password authentication failed|no pg_hba\.conf entry|SASL/i.test(msg)) return 'blocked'
  return 'transient'
}

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
      if (attempt >= policy.attempts || classifyError(err) !== 'transient' || hooks.signal?.aborted) throw err
      const delay = backoffDelay(attempt, policy)
      await hooks.onRetry?.(err, attempt, delay)
      await sleep(delay, hooks.signal)
    }
  }
}

/** One line for an error: its message, and its SQLSTATE when there is one. */
export function oneLine(err: unknown): string {
  const msg = (err instanceof Error ? err.message : String(err)).split('\n')[0]!.trim()
  const state = sqlStateIn(err)
  return state && !msg.includes(state) ? `${msg} (SQLSTATE ${state})` : msg
}
