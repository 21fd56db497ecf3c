/**
 * The pggraph store: snapshots kept in PostgreSQL (or embedded PGlite), one schema per tenant
 * and one prefix per monitored system, installed with least-privilege roles, written
 * idempotently in one round trip, and read back as series with rates computed in SQL.
 *
 * @packageDocumentation
 */
export { openStore, registerStoreDriver } from './connection.js'
export type { OpenStoreOptions, StoreCapabilities, StoreConnection, StoreDriver, StoreDriverFactory } from './driver.js'
export { defaultRoles, prefixBudget, validateNamespace, type DefaultRoles, type Namespace } from './names.js'
export { installStore, type InstallOptions, type InstallResult } from './install.js'
export { installInstructions, type InstallInstructions, type InstructionOptions } from './instructions.js'
export type { RoleResult } from './roles.js'
export { MIGRATIONS, type Migration } from './migrations.js'
export type { StoredMetric, StoredValue } from './metric-tables.js'
export { writeSnapshot, recordSourceError, type WriteOptions, type WriteResult } from './write.js'
export { readSeries, type CheckedSeriesQuery } from './series.js'
export { listSources, listSchemas, listPrefixes, type SourceInfo } from './sources.js'
export { pruneStore, type PruneOptions, type PruneResult } from './prune.js'
export { rollupStore, type RollupResult } from './rollup.js'
export { isReservedSchema, listTenantSchemas } from './tenants.js'
export { DEFAULT_ROLE_BUDGETS, type RoleBudgets } from './role-budgets.js'
export { DEFAULT_LOCK_TIMEOUT_MS } from './install-lock.js'
export { publicLoopholes } from './harden.js'
export {
  DEFAULT_INGEST_LIMITS,
  FUTURE_WINDOW_MINUTES,
  FUTURE_WINDOW_MS,
  INGEST_LIMIT_NAMES,
  MAX_LABEL_BYTES,
  checkIngestLimits,
  type IngestLimits,
} from './ingest-limits.js'
export { futureProblem, snapshotBoundsProblem, payloadProblem } from './snapshot-bounds.js'
export { BRIDGE_HEALTH_LIMITS, checkBridgeHealth } from './bridge-health.js'
export { maintainStore, type MaintainOptions, type MaintainResult } from './maintain.js'
