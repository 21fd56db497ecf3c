import { PggraphError, type MetricDefinition } from '@pggraph/core'
import * as collector from '@pggraph/collector'

/**
 * The metric definitions a store gets when the caller passes none: the collector's
 * `builtinMetrics`. Read through the namespace object so the store type-checks whatever the
 * collector's export list looks like at the moment.
 * @internal
 */
export function defaultMetrics(): readonly MetricDefinition[] {
  const builtin = (collector as unknown as { builtinMetrics?: readonly MetricDefinition[] }).builtinMetrics
  if (!Array.isArray(builtin) || builtin.length === 0) {
    throw new PggraphError(
      'CONFIG',
      'No metric definitions: @pggraph/collector exports no builtinMetrics; pass options.metrics.',
    )
  }
  return builtin
}
