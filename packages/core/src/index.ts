/**
 * The shared vocabulary of pggraph: {@link Queryable}, {@link MetricDefinition}, {@link Snapshot},
 * {@link Series}, the plugin interfaces, {@link PggraphError}, identifier validation, the
 * one check of a metric definition ({@link checkDefinition}) and {@link xmlSafeText} for labels
 * written into SVG and HTML. No database driver, no graphics library.
 *
 * @packageDocumentation
 */
export { isQueryablePool, withOneConnection, type Queryable, type QueryablePool } from './queryable.js'
export { PggraphError, isPggraphError, type PggraphErrorCode } from './errors.js'
export { causeChain, errnoOf, messagesOf, sqlStateOf } from './error-chain.js'
export {
  classify,
  explainError,
  toPggraphError,
  type ErrorClass,
  type ErrorContext,
  type ErrorFacts,
  type FailureKind,
} from './classify.js'
export {
  IDENTIFIER_PATTERN,
  MAX_IDENTIFIER_BYTES,
  qualifiedName,
  quoteIdent,
  validateIdentifier,
  type IdentifierKind,
} from './identifiers.js'
export { ROLLUP_SUFFIX, checkDefinition, definitionMinVersion, definitionProblems } from './definition-check.js'
export type {
  CounterOf,
  LabelOf,
  MetricDefinition,
  MetricRow,
  MetricScope,
  RatePer,
  Requirement,
  RowOf,
  Simplify,
  Unit,
  ValueColumn,
  ValueKind,
  ValueOf,
  VersionedQuery,
} from './metric.js'
export {
  MAX_TESTED_SERVER_VERSION,
  MIN_SERVER_VERSION,
  SUPPORTED_MAJORS,
  assertSupportedServer,
  majorOf,
  queryFor,
} from './version.js'
export {
  parseSnapshot,
  type BridgeHealth,
  type CollectStats,
  type ServerIdentity,
  type SkippedMetric,
  type Snapshot,
  type StatsResetMark,
  ISO_TIME_PATTERN,
} from './snapshot.js'
export {
  seriesQuery,
  type Series,
  type SeriesEvent,
  type SeriesPoint,
  type SeriesQuery,
  type SeriesQueryOf,
  type SeriesReader,
  type SeriesSet,
} from './series.js'
export { formatBytes } from './bytes.js'
export { hashString, prng } from './seeded.js'
export { closestMatch } from './suggest.js'
export { xmlSafeText } from './xml-text.js'
export type { Collector, GraphSpec, MetricsOf, RenderOptions, Renderer, UnionToIntersection } from './plugins.js'
