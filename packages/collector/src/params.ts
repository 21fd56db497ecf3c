import { PggraphError, type MetricDefinition } from '@pggraph/core'

/** A copy of `definition` with other query parameters (same type, so rows stay typed). @internal */
export function withParams<D extends MetricDefinition>(
  definition: D,
  params: readonly (string | number | boolean | null)[],
): D {
  return { ...definition, params }
}

/** Validate a `top` option: a positive integer, or the default. @internal */
export function topOption(top: number | undefined, fallback: number, what: string): number {
  if (top === undefined) return fallback
  if (!Number.isInteger(top) || top < 1) {
    throw new PggraphError('CONFIG', `${what}({ top }) must be a positive integer (got ${String(top)}).`)
  }
  return top
}
