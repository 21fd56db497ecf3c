import { BOLD, REGULAR, UNITS_PER_EM } from './font-metrics.js'

/** Average advance of DejaVu Sans, for characters outside printable ASCII. */
const FALLBACK = 0.62

/**
 * Width in pixels of `text` set in DejaVu Sans at `fontSize`, from the font's own advance
 * widths. Vega measures labels with it, so layout is the same on every machine (no canvas, no
 * system fonts) and matches what the PNG rasteriser draws.
 */
export function dejavuWidth(text: string, fontSize: number, bold = false): number {
  const table = bold ? BOLD : REGULAR
  let units = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    const w = c >= 32 && c < 127 ? table[c - 32] : undefined
    units += w ?? FALLBACK * UNITS_PER_EM
  }
  return (units / UNITS_PER_EM) * fontSize
}

/** The subset of a Vega scenegraph text item that width measurement reads. */
interface TextItem {
  readonly fontSize?: number | string | null
  readonly fontWeight?: number | string | null
  readonly limit?: number | null
}

/** A Vega `textMetrics.width` replacement measuring with {@link dejavuWidth}. @internal */
export function vegaTextWidth(item: TextItem, text: unknown): number {
  const size = item.fontSize != null ? Number(item.fontSize) || 0 : 11
  const weight = item.fontWeight
  const bold = weight === 'bold' || weight === 'bolder' || (typeof weight === 'number' && weight >= 600)
  const t = text == null ? '' : String(text).trim()
  const w = dejavuWidth(t, size, bold)
  const limit = item.limit ?? 0
  return limit > 0 && w > limit ? limit : w
}
