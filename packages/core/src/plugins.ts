import type { MetricDefinition, RowOf } from './metric.js'

/**
 * A collector plugin: a named set of metric definitions, made by a factory with options.
 * A user's own collector is collected exactly like a built-in one.
 *
 * @example
 * ```ts
 * const mine = (): Collector<readonly [typeof myMetric]> => ({ name: 'mine', metrics: [myMetric] })
 * await collect(db, { collectors: [...defaultCollectors(), mine()] })
 * ```
 */
export interface Collector<D extends readonly MetricDefinition[] = readonly MetricDefinition[]> {
  readonly name: string
  readonly metrics: D
}

/** Turns a union of object types into their intersection (used to merge collectors' metrics). */
export type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void
  ? I
  : never

/** The `metrics` object type of a {@link Snapshot} taken with the given collectors. */
export type MetricsOf<C extends readonly Collector[]> =
  UnionToIntersection<
    {
      [I in keyof C]: C[I] extends Collector<infer D> ? { [M in D[number] as M['name']]: RowOf<M>[] } : never
    }[number]
  > extends infer O
    ? { [K in keyof O]: O[K] }
    : never

/** A Vega-Lite specification, as produced by the graph catalog. */
export type GraphSpec = Readonly<Record<string, unknown>>

/** Size and theme of a rendered graph. */
export interface RenderOptions {
  readonly width: number
  readonly height: number
  readonly theme?: 'light' | 'dark'
}

/**
 * Turns a graph specification into output (an SVG string, PNG bytes, or the spec itself for a
 * browser to embed). Vega SVG is the default renderer.
 */
export interface Renderer<Out = string> {
  readonly name: string
  /** The media type of the output, e.g. `image/svg+xml`. */
  readonly mediaType: string
  render(spec: GraphSpec, options: RenderOptions): Promise<Out>
}
