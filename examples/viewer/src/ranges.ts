import { PggraphError } from '@pggraph/core'

/** The preset time ranges of the range picker. */
export const PRESET_RANGES = {
  '1h': 3_600_000,
  '6h': 21_600_000,
  '24h': 86_400_000,
  '7d': 604_800_000,
  '30d': 2_592_000_000,
} as const

/** A preset range name. */
export type PresetRange = keyof typeof PRESET_RANGES

/** A resolved time range: a preset ending now (bucketed), or a custom one. */
export interface TimeRange {
  readonly from: number
  readonly to: number
  /** `1h` … `30d`, or `custom`. */
  readonly name: PresetRange | 'custom'
  /** A stable key for caches: the preset and its bucket, or the exact custom bounds. */
  readonly key: string
}

/**
 * Relative ranges end at the end of the current minute: every request in the same minute has
 * the same range (and cache key), and the newest snapshot is inside it.
 */
export const RANGE_BUCKET_MS = 60_000
const MAX_SPAN_MS = 400 * 86_400_000

function isPreset(v: string): v is PresetRange {
  return Object.hasOwn(PRESET_RANGES, v)
}

/** Parse a `YYYY-MM-DDTHH:MM[:SS]` (UTC unless an offset in minutes is given) or epoch ms. */
function parseTime(v: string, offsetMin: number): number {
  if (/^\d{10,13}$/.test(v)) return Number(v)
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(v)
  if (!m) throw new PggraphError('CONFIG', `Time "${v.slice(0, 40)}" is not understood: use YYYY-MM-DDTHH:MM.`)
  const t = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0))
  if (Number.isNaN(t)) throw new PggraphError('CONFIG', `Time "${v}" is not a valid date.`)
  return t + offsetMin * 60_000
}

/**
 * Resolve the range parameters of a request (`range=24h`, or `from`/`to` for a custom range
 * with an optional `tzo` browser offset in minutes); throws `PggraphError('CONFIG')` on
 * anything else, which the server turns into a 400 page.
 */
export function resolveRange(
  params: { range?: string | undefined; from?: string | undefined; to?: string | undefined; tzo?: string | undefined },
  now: number,
): TimeRange {
  const hasCustom = Boolean(params.from || params.to)
  const range = params.range ?? (hasCustom ? 'custom' : '24h')
  if (range !== 'custom') {
    if (!isPreset(range))
      throw new PggraphError('CONFIG', `Unknown range "${range.slice(0, 20)}": use 1h, 6h, 24h, 7d, 30d or custom.`)
    const to = Math.floor(now / RANGE_BUCKET_MS) * RANGE_BUCKET_MS + RANGE_BUCKET_MS
    return { from: to - PRESET_RANGES[range], to, name: range, key: `${range}@${to}` }
  }
  if (!params.from || !params.to) throw new PggraphError('CONFIG', 'A custom range needs both "from" and "to".')
  let offset = 0
  if (params.tzo !== undefined && params.tzo !== '') {
    if (!/^-?\d{1,4}$/.test(params.tzo) || Math.abs(Number(params.tzo)) > 840)
      throw new PggraphError('CONFIG', 'tzo must be a time-zone offset in minutes.')
    offset = Number(params.tzo)
  }
  const from = parseTime(params.from, offset)
  const to = parseTime(params.to, offset)
  if (!(to > from)) throw new PggraphError('CONFIG', '"to" must be after "from".')
  if (to - from > MAX_SPAN_MS) throw new PggraphError('CONFIG', 'A range may span at most 400 days.')
  if (to - from < 60_000) throw new PggraphError('CONFIG', 'A range must span at least one minute.')
  if (from < Date.UTC(2000, 0, 1) || to > now + 86_400_000)
    throw new PggraphError('CONFIG', 'The range lies outside the stored data (2000 to tomorrow).')
  return { from, to, name: 'custom', key: `custom@${from}-${to}` }
}

/**
 * Parse a CLI time: `-24h`, `-30m`, `-7d`, `now`, an ISO time or epoch ms, relative to `now`.
 */
export function parseCliTime(v: string, now: number): number {
  if (v === 'now') return now
  const rel = /^-(\d+)(s|m|h|d|w)$/.exec(v)
  if (rel) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[
      rel[2] as 's' | 'm' | 'h' | 'd' | 'w'
    ]
    return now - Number(rel[1]) * unit
  }
  if (/^\d{10,13}$/.test(v)) return Number(v)
  const t = Date.parse(v)
  if (Number.isNaN(t))
    throw new PggraphError(
      'CONFIG',
      `Time "${v}" is not understood: use -24h, -7d, now, an ISO 8601 time or epoch milliseconds.`,
    )
  return t
}
