import type { MetricDefinition } from '@pggraph/core'
import { builtinMetrics } from '@pggraph/collector/definitions'

/**
 * The metric definitions a store gets when the caller passes none: the collector's
 * `builtinMetrics`, from its data-only subpath (no collector runtime is loaded).
 * @internal
 */
export function defaultMetrics(): readonly MetricDefinition[] {
  return builtinMetrics
}
