import type { MetricDefinition } from '@pggraph/core'
import { activity, pgStatActivity, pgStatActivityWait } from './activity.js'
import { archiver, pgStatArchiver } from './archiver.js'
import { bgwriter, pgStatBgwriter } from './bgwriter.js'
import { checkpointer, pgStatCheckpointer } from './checkpointer.js'
import { database, pgDatabase, pgStatDatabase, pgStatDatabaseConflicts } from './database.js'
import { functions, pgStatUserFunctions } from './functions.js'
import { indexes, pgStatUserIndexes } from './indexes.js'
import { io, pgStatIo } from './io.js'
import { locks, pgLocks } from './locks.js'
import { pgPreparedXacts, preparedXacts } from './prepared-xacts.js'
import { pgStatProgressCreateIndex, pgStatProgressVacuum, progress } from './progress.js'
import {
  pgReplicationSlots,
  pgStatReplication,
  pgStatReplicationSlots,
  pgStatWalReceiver,
  replication,
} from './replication.js'
import { pgServer, server } from './server.js'
import { pgSettings, settings } from './settings.js'
import { pgStatSlru, slru } from './slru.js'
import { pgStatStatements, pgStatStatementsInfo, statements } from './statements.js'
import { pgStatSubscriptionStats, subscriptions } from './subscriptions.js'
import { pgStatUserTables, tables } from './tables.js'
import { pgStatWal, wal } from './wal.js'

/** Options of {@link defaultCollectors}: the options of the collectors that take some. */
export interface DefaultCollectorsOptions {
  readonly tables?: { readonly top?: number }
  readonly indexes?: { readonly top?: number }
  readonly functions?: { readonly top?: number }
  readonly statements?: { readonly top?: number; readonly queryText?: boolean }
}

/**
 * Every built-in collector, as a typed tuple (so `snap.metrics.pg_stat_database[0]?.xact_commit`
 * type-checks and a misspelt column does not). The usual argument of {@link collect}.
 *
 * @example
 * ```ts
 * const snap = await collect(db, { collectors: defaultCollectors({ tables: { top: 100 } }) })
 * ```
 */
export function defaultCollectors(options: DefaultCollectorsOptions = {}) {
  return [
    server(),
    database(),
    bgwriter(),
    checkpointer(),
    wal(),
    io(),
    archiver(),
    replication(),
    subscriptions(),
    activity(),
    locks(),
    slru(),
    preparedXacts(),
    settings(),
    tables(options.tables),
    indexes(options.indexes),
    functions(options.functions),
    statements(options.statements),
    progress(),
  ] as const
}

/**
 * Every built-in metric definition (with default parameters). The store creates its tables
 * from these; docs/collectors.md is generated from them.
 */
export const builtinMetrics: readonly MetricDefinition[] = [
  pgServer,
  pgStatDatabase,
  pgStatDatabaseConflicts,
  pgDatabase,
  pgStatBgwriter,
  pgStatCheckpointer,
  pgStatWal,
  pgStatIo,
  pgStatArchiver,
  pgStatReplication,
  pgReplicationSlots,
  pgStatReplicationSlots,
  pgStatWalReceiver,
  pgStatSubscriptionStats,
  pgStatActivity,
  pgStatActivityWait,
  pgLocks,
  pgStatSlru,
  pgPreparedXacts,
  pgSettings,
  pgStatUserTables,
  pgStatUserIndexes,
  pgStatUserFunctions,
  pgStatStatements,
  pgStatStatementsInfo,
  pgStatProgressVacuum,
  pgStatProgressCreateIndex,
]
