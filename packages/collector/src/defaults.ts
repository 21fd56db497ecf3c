import type { Collector, MetricDefinition } from '@pggraph/core'
import { activity } from './activity.js'
import { archiver } from './archiver.js'
import { bgwriter } from './bgwriter.js'
import { bloat } from './bloat.js'
import { buffercache } from './buffercache.js'
import { checkpointer } from './checkpointer.js'
import { database } from './database.js'
import { freeze } from './freeze.js'
import { functions } from './functions.js'
import { indexes } from './indexes.js'
import { invalidIndexes } from './invalid-indexes.js'
import { io } from './io.js'
import { locks } from './locks.js'
import { preparedXacts } from './prepared-xacts.js'
import { progress } from './progress.js'
import { replication } from './replication.js'
import { sequences } from './sequences.js'
import { server } from './server.js'
import { settings } from './settings.js'
import { slru } from './slru.js'
import { standby } from './standby.js'
import { statements } from './statements.js'
import { subscriptions } from './subscriptions.js'
import { tables } from './tables.js'
import { wal } from './wal.js'
import { walDir } from './wal-dir.js'

/**
 * Every built-in collector, in snapshot order: its subpath (`@pggraph/collector/<subpath>`, the
 * file `src/<subpath>.ts`), its factory, the names of its options (for the docs) and `optIn` for the
 * collectors {@link defaultCollectors} leaves out (too costly to run by default; add them to the
 * list yourself, e.g. `[...defaultCollectors(), bloat()]`). The one list of built-in collectors:
 * {@link defaultCollectors}, {@link builtinMetrics}, the package's subpath exports, its build
 * entries, the conformance suite and docs/collectors.md are all derived from it.
 */
export const builtinCollectors = [
  { subpath: 'server', factory: server },
  { subpath: 'database', factory: database },
  { subpath: 'bgwriter', factory: bgwriter },
  { subpath: 'checkpointer', factory: checkpointer },
  { subpath: 'wal', factory: wal },
  { subpath: 'wal-dir', factory: walDir },
  { subpath: 'io', factory: io },
  { subpath: 'archiver', factory: archiver },
  { subpath: 'replication', factory: replication },
  { subpath: 'standby', factory: standby },
  { subpath: 'subscriptions', factory: subscriptions },
  { subpath: 'activity', factory: activity },
  { subpath: 'locks', factory: locks },
  { subpath: 'slru', factory: slru },
  { subpath: 'prepared-xacts', factory: preparedXacts },
  { subpath: 'settings', factory: settings },
  { subpath: 'tables', factory: tables, options: ['top'] },
  { subpath: 'freeze', factory: freeze, options: ['top'] },
  { subpath: 'indexes', factory: indexes, options: ['top'] },
  { subpath: 'functions', factory: functions, options: ['top'] },
  { subpath: 'statements', factory: statements, options: ['top', 'queryText'] },
  { subpath: 'progress', factory: progress },
  { subpath: 'buffercache', factory: buffercache, options: ['scanView'] },
  { subpath: 'sequences', factory: sequences, options: ['top'] },
  { subpath: 'invalid-indexes', factory: invalidIndexes },
  // opt-in: not in defaultCollectors() (measured ~+300 ms on a ~770 ms snapshot of 1,000 tables)
  { subpath: 'bloat', factory: bloat, options: ['top', 'pgstattuple', 'approxMaxBytes'], optIn: true },
] as const

type Builtin = typeof builtinCollectors
type BuiltinEntry = Builtin[number]
type WithoutOptIn<T extends readonly unknown[]> = T extends readonly [infer H, ...infer R]
  ? H extends { readonly optIn: true }
    ? WithoutOptIn<R>
    : [H, ...WithoutOptIn<R>]
  : []
type DefaultEntries = WithoutOptIn<Builtin>
type DefaultEntry = DefaultEntries[number]

/** The subpath of a built-in collector, e.g. `'tables'` or `'prepared-xacts'`. */
export type BuiltinCollectorName = BuiltinEntry['subpath']

/**
 * Options of {@link defaultCollectors}: the options of each collector that takes some, under its
 * name (`tables`, `indexes`, `functions`, `statements`).
 */
export type DefaultCollectorsOptions = {
  readonly [E in DefaultEntry as Parameters<E['factory']> extends [] ? never : E['subpath']]?: Parameters<
    E['factory']
  >[0]
}

type Made<T extends readonly unknown[]> = {
  readonly [I in keyof T]: T[I] extends { readonly factory: (...args: never[]) => infer C } ? C : never
}

/** The typed tuple {@link defaultCollectors} returns: one collector per built-in area that is not opt-in. */
export type DefaultCollectors = Made<DefaultEntries>

/**
 * Every built-in metric definition, as a union: what the store and graphs can name. The optional
 * members of a definition are known on each, so `m.statsReset` reads on any of them.
 */
export type BuiltinMetric = Made<Builtin>[number]['metrics'][number] &
  Pick<MetricDefinition, 'statsReset' | 'params' | 'requires' | 'minServerVersion'>

/** The name of a built-in metric, e.g. `'pg_stat_database'`. */
export type BuiltinMetricName = BuiltinMetric['name']

/** The built-in metric definition named `N`. */
export type BuiltinMetricNamed<N extends BuiltinMetricName> = Extract<BuiltinMetric, { readonly name: N }>

/**
 * Every built-in collector that is not opt-in (so not `bloat()`), as a typed tuple (so `snap.metrics.pg_stat_database[0]?.xact_commit`
 * type-checks and a misspelt column does not). The usual argument of `collect()`.
 *
 * @example
 * ```ts
 * const snap = await collect(db, { collectors: defaultCollectors({ tables: { top: 100 } }) })
 * ```
 */
export function defaultCollectors(options: DefaultCollectorsOptions = {}): DefaultCollectors {
  const byName: Readonly<Record<string, object | undefined>> = options
  const made: readonly Collector[] = builtinCollectors
    .filter((e) => !('optIn' in e && e.optIn))
    .map((e) => (e.factory as (o?: object) => Collector)(byName[e.subpath]))
  return made as DefaultCollectors
}

/**
 * Every built-in metric definition (with default parameters), typed. The store creates its tables
 * from these; docs/collectors.md is generated from them.
 */
export const builtinMetrics: readonly BuiltinMetric[] = builtinCollectors.flatMap(
  (e): readonly BuiltinMetric[] => e.factory().metrics,
)
