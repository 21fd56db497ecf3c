import { PggraphError } from './errors.js'
import type { MetricDefinition, VersionedQuery } from './metric.js'

/** The oldest PostgreSQL major version pggraph collects from. */
export const MIN_SERVER_VERSION = 12
/** The newest PostgreSQL major version pggraph is tested against. */
export const MAX_TESTED_SERVER_VERSION = 18
/** Every major version pggraph is tested against. */
export const SUPPORTED_MAJORS = [12, 13, 14, 15, 16, 17, 18] as const

/** The major version of a `server_version_num` (`170004` → `17`, `120019` → `12`). */
export function majorOf(serverVersionNum: number): number {
  return Math.floor(serverVersionNum / 10000)
}

/**
 * Refuse a server older than {@link MIN_SERVER_VERSION} with `PggraphError('UNSUPPORTED_SERVER')`
 * that says which versions are supported; return the major version otherwise. Newer majors are
 * accepted (their statistics views are a superset of the last tested one for what we read).
 */
export function assertSupportedServer(serverVersionNum: number): number {
  if (!Number.isInteger(serverVersionNum) || serverVersionNum <= 0) {
    throw new PggraphError('UNSUPPORTED_SERVER', `Cannot read the server version (got ${String(serverVersionNum)}).`)
  }
  const major = majorOf(serverVersionNum)
  if (serverVersionNum < MIN_SERVER_VERSION * 10000) {
    const shown =
      serverVersionNum >= 100000
        ? String(major)
        : `${Math.floor(serverVersionNum / 10000)}.${Math.floor(serverVersionNum / 100) % 100}`
    throw new PggraphError(
      'UNSUPPORTED_SERVER',
      `PostgreSQL ${shown} is not supported: pggraph collects from PostgreSQL ${MIN_SERVER_VERSION} to ${MAX_TESTED_SERVER_VERSION} (and newer). Upgrade the server.`,
    )
  }
  return major
}

/**
 * The query of `definition` for a server of `major` version, or `undefined` if it has none.
 * `accept` decides about queries with their own `requires` (the collector checks them against
 * the server); without it those are passed over.
 */
export function queryFor(
  definition: MetricDefinition,
  major: number,
  accept: (query: VersionedQuery) => boolean = (q) => !q.requires?.length,
): VersionedQuery | undefined {
  return definition.queries.find((q) => major >= q.since && (q.until === undefined || major < q.until) && accept(q))
}
