/**
 * Typed collectors for the statistics of PostgreSQL 12–18, and {@link collect}, which takes one
 * consistent snapshot with them. Each statistics area is also a subpath
 * (`@pggraph/collector/database`, `@pggraph/collector/tables`, ...).
 *
 * @packageDocumentation
 */
export { collect, type CollectOptions } from './collect.js'
export { builtinMetrics, defaultCollectors, type DefaultCollectorsOptions } from './defaults.js'
export { activity, pgStatActivity, pgStatActivityWait } from './activity.js'
export { archiver, pgStatArchiver } from './archiver.js'
export { bgwriter, pgStatBgwriter } from './bgwriter.js'
export { checkpointer, pgStatCheckpointer } from './checkpointer.js'
export { database, pgDatabase, pgStatDatabase, pgStatDatabaseConflicts } from './database.js'
export { DEFAULT_TOP_FUNCTIONS, functions, pgStatUserFunctions, type FunctionsOptions } from './functions.js'
export { DEFAULT_TOP_INDEXES, indexes, pgStatUserIndexes, type IndexesOptions } from './indexes.js'
export { io, pgStatIo } from './io.js'
export { locks, pgLocks } from './locks.js'
export { pgPreparedXacts, preparedXacts } from './prepared-xacts.js'
export { pgStatProgressCreateIndex, pgStatProgressVacuum, progress } from './progress.js'
export {
  pgReplicationSlots,
  pgStatReplication,
  pgStatReplicationSlots,
  pgStatWalReceiver,
  replication,
} from './replication.js'
export { pgServer, server } from './server.js'
export { pgSettings, settings } from './settings.js'
export { pgStatSlru, slru } from './slru.js'
export {
  DEFAULT_TOP_STATEMENTS,
  pgStatStatements,
  pgStatStatementsInfo,
  statements,
  type StatementsOptions,
} from './statements.js'
export { pgStatSubscriptionStats, subscriptions } from './subscriptions.js'
export { DEFAULT_TOP_TABLES, pgStatUserTables, tables, type TablesOptions } from './tables.js'
export { pgStatWal, wal } from './wal.js'
