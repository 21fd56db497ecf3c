/**
 * The built-in metric definitions and collector factories of pggraph, as data only: no
 * `collect()`, no session or probe code. `@pggraph/store` and `@pggraph/render` import this
 * subpath; `@pggraph/collector` re-exports all of it.
 *
 * @example
 * ```ts
 * import { builtinMetrics, pgStatDatabase } from '@pggraph/collector/definitions'
 * pgStatDatabase.values.xact_commit // { kind: 'counter', unit: 'transactions', ... }
 * ```
 *
 * @packageDocumentation
 */
export * from './defaults.js'
export * from './activity.js'
export * from './archiver.js'
export * from './bgwriter.js'
export * from './bloat.js'
export * from './buffercache.js'
export * from './checkpointer.js'
export * from './database.js'
export * from './freeze.js'
export * from './functions.js'
export * from './indexes.js'
export * from './invalid-indexes.js'
export * from './io.js'
export * from './locks.js'
export * from './prepared-xacts.js'
export * from './progress.js'
export * from './replication.js'
export * from './sequences.js'
export * from './server.js'
export * from './settings.js'
export * from './slru.js'
export * from './standby.js'
export * from './statements.js'
export * from './subscriptions.js'
export * from './tables.js'
export * from './wal.js'
export * from './wal-dir.js'
