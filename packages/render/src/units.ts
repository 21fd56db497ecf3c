import type { Unit } from '@pggraph/core'

/** How a graph's y axis shows its values: a d3 number format and a title. */
export interface AxisFormat {
  /**
   * d3-format specifier for tick labels. `~s` (SI) is drawn with prefixes from k up only:
   * below 1,000 values are decimals (`0.4`, never `400m`); the axis draws it through `numberLabelExpr` (axes.ts).
   */
  readonly format: string
  readonly title: string
}

const SI = '~s'

/**
 * The axis format for a unit, optionally per second (`rate`) or per minute / hour
 * (`per`), so every graph labels its axis the same way.
 */
export function axisFormat(unit: Unit, per?: 'second' | 'minute' | 'hour'): AxisFormat {
  const suffix = per === undefined ? '' : `/${PER[per]}`
  if (unit === 'ratio') return { format: '.0%', title: 'ratio' }
  if (unit === 'percent') return { format: '~r', title: '%' }
  // Durations in seconds read better as plain numbers (0.05, 3,600) than SI (50m).
  return { format: unit === 'seconds' ? ',.3~r' : SI, title: `${unit}${suffix}` }
}

const PER = { second: 's', minute: 'min', hour: 'h' } as const
