import type { Collector } from '@pggraph/core'
import { bloat, defaultCollectors } from '@pggraph/collector'

/**
 * The collectors `opt_in` can add to the defaults, by the name the config uses, with what each
 * costs (said in `--help`, the example config and docs/bridge.md). Both are off by default for
 * their cost on a large server.
 */
export const OPT_IN_COLLECTORS = {
  /** bloat(): table and index bloat, top 20 (~+0.3 s on a snapshot of 1,000 tables). */
  bloat: 'table and index bloat estimates, top 20 (bloat())',
  /** buffercache({ scanView: true }): pg_buffercache from its view before PostgreSQL 16 (scans shared_buffers). */
  buffercache_view: 'pg_buffercache from its view on PostgreSQL 12–15 (buffercache({ scanView: true }))',
} as const

/** A name of {@link OPT_IN_COLLECTORS}. */
export type OptInName = keyof typeof OPT_IN_COLLECTORS

/** What the bridge collects: the defaults, with statement text and the opt-in collectors asked for. */
export function bridgeCollectors(o: {
  readonly statementText?: boolean | undefined
  readonly optIn?: readonly OptInName[] | undefined
}): readonly Collector[] {
  const optIn = new Set(o.optIn ?? [])
  const defaults: readonly Collector[] = defaultCollectors({
    ...(o.statementText ? { statements: { queryText: true } } : {}),
    ...(optIn.has('buffercache_view') ? { buffercache: { scanView: true } } : {}),
  })
  return optIn.has('bloat') ? [...defaults, bloat()] : defaults
}
