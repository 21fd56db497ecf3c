/**
 * The cause-chain walk, written once: a driver error wrapped in pggraph's (or anyone's) errors
 * is found along `cause`, with its SQLSTATE or Node error code.
 */
import { PggraphError } from './errors.js'

const MAX_DEPTH = 8

/** The error and its `cause`s, outermost first (at most 8, so a cycle cannot loop). */
export function causeChain(err: unknown): readonly unknown[] {
  const chain: unknown[] = []
  for (let e: unknown = err; e !== undefined && e !== null && chain.length < MAX_DEPTH;) {
    chain.push(e)
    e = typeof e === 'object' ? (e as { cause?: unknown }).cause : undefined
  }
  return chain
}

/** The `code` a driver put on `e` (a SQLSTATE or Node's code); a PggraphError's own is not one. @internal */
export function driverCodeOf(e: unknown): string | undefined {
  // A PggraphError's own code (`QUERY`, `STORE`) is not a driver's code: skip it for its cause.
  if (e instanceof PggraphError || !e || typeof e !== 'object') return undefined
  const code = (e as { code?: unknown }).code
  return typeof code === 'string' ? code : undefined
}

function isSqlState(code: string): boolean {
  return /^[0-9A-Z]{5}$/.test(code) && /\d/.test(code)
}

/**
 * The SQLSTATE of a driver error (`pg` and PGlite both expose it as `code`), found on the error
 * itself or anywhere along its `cause` chain; `undefined` when there is none. Every SQLSTATE has
 * a digit, so neither pggraph's codes nor Node's (`EPIPE`) are taken for one.
 */
export function sqlStateOf(err: unknown): string | undefined {
  for (const e of causeChain(err)) {
    const code = driverCodeOf(e)
    if (code && isSqlState(code)) return code
  }
  return undefined
}

/** Node's error code along the `cause` chain (`ECONNREFUSED`, `EPIPE`, `CERT_HAS_EXPIRED`, …). */
export function errnoOf(err: unknown): string | undefined {
  for (const e of causeChain(err)) {
    const code = driverCodeOf(e)
    if (code && /^[A-Z][A-Z0-9_]*$/.test(code) && !isSqlState(code)) return code
  }
  return undefined
}

/** Every message along the `cause` chain, joined by ` | `. */
export function messagesOf(err: unknown): string {
  return causeChain(err)
    .map((e) => (e instanceof Error ? e.message : String(e)))
    .join(' | ')
}
