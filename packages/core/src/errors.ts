/**
 * What went wrong, as a literal union: callers switch on it, users read the message.
 *
 * - `CONFIG`: a setting or argument is wrong (fix the input).
 * - `CONNECT`: a server could not be reached.
 * - `QUERY`: SQL failed on the server.
 * - `PERMISSION`: the role lacks a privilege.
 * - `UNSUPPORTED_SERVER`: the PostgreSQL version is outside what pggraph supports.
 * - `INVALID_SNAPSHOT`: a snapshot is malformed or dated in the future.
 * - `STORE`: the store's layout is missing or inconsistent.
 * - `RENDER`: a graph could not be rendered.
 * - `NOT_FOUND`: a named thing (graph, metric, prefix) does not exist.
 * - `BUSY`: another process holds the lock.
 */
export type PggraphErrorCode =
  | 'CONFIG'
  | 'CONNECT'
  | 'QUERY'
  | 'PERMISSION'
  | 'UNSUPPORTED_SERVER'
  | 'INVALID_SNAPSHOT'
  | 'STORE'
  | 'RENDER'
  | 'NOT_FOUND'
  | 'BUSY'

/**
 * The single error class of pggraph: a {@link PggraphErrorCode}, a message that says what is
 * wrong and what to do, and the original error as `cause` (so a `pg` error's SQLSTATE survives).
 *
 * @example
 * ```ts
 * throw new PggraphError('CONFIG', 'prefix "Bad-Name" is invalid: use a-z, 0-9 and _', { cause: err })
 * ```
 */
export class PggraphError extends Error {
  override readonly name = 'PggraphError'
  readonly code: PggraphErrorCode

  constructor(code: PggraphErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
  }
}

/** Type guard for {@link PggraphError}, optionally of one code. */
export function isPggraphError(err: unknown, code?: PggraphErrorCode): err is PggraphError {
  return err instanceof PggraphError && (code === undefined || err.code === code)
}
