/**
 * Typed collectors for the statistics of PostgreSQL 12–18, and {@link collect}, which takes one
 * consistent snapshot with them. Each statistics area is also a subpath
 * (`@pggraph/collector/database`, `@pggraph/collector/tables`, ...), and every definition without
 * the collector's runtime is `@pggraph/collector/definitions`.
 *
 * @packageDocumentation
 */
export { collect, type CollectOptions } from './collect.js'
export * from './definitions.js'
