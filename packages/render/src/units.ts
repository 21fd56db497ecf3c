import type { Unit } from '@pggraph/core'

/** How a graph's y axis shows its values: a d3 number format and a title. */
export interface AxisFormat {
  /** d3-format specifier for tick labels. */
  readonly format: string
  readonly title: string
}

const SI = '~s'

/**
 * The axis format for a unit, optionally per second (`rate`) or per minute / hour
 * (`per`), so every graph labels its axis the same way.
 */
export function axisFormat(unit: Unit, per?: 'second' | 'minute' | 'hour'): AxisFormat {
  const suffix = per === undefined ? '' : `/${per === 'second' ? 's' : per === 'minute' ? 'min' : 'h'}`
  switch (unit) {
    case 'bytes':
      return { format: SI, title: `bytes${suffix}` }
    case 'ratio':
      return { format: '.0%', title: 'ratio' }
    case 'percent':
      return { format: '~r', title: '%' }
    case 'seconds':
      return { format: ',.3~r', title: `seconds${suffix}` }
    case 'ms':
      return { format: SI, title: `ms${suffix}` }
    default:
      return { format: SI, title: `${unit}${suffix}` }
  }
}
