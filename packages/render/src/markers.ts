import type { SeriesEvent } from '@pggraph/core'
import { dejavuWidth } from './text-width.js'
import type { Theme } from './theme.js'
import { utcMinute, utcSecond } from './utc-minute.js'

/** A marker drawn on a graph: one or more events at (nearly) the same time. */
export interface Marker {
  readonly t: number
  /** Short text drawn next to the rule. */
  readonly label: string
  /** The events of the marker, for the description (at most a few texts, then a count). */
  readonly full: string
  /** How many events the marker stands for. */
  readonly count: number
  /** How many of them are server restarts (the rest are statistics resets). */
  readonly restarts: number
  /**
   * When the marker groups events at different times (two restarts 85 s apart), the times of
   * its restarts (at most five): each gets its own rule, so the group is visibly
   * several events, never one.
   */
  readonly times?: readonly number[]
  /** A shorter label (`restart`, `3 resets`), drawn when {@link Marker.label} has no room. */
  readonly short?: string
}

/** Markers beyond a graph's budget, drawn as one shaded band over the time they cover. */
export interface MarkerBand {
  readonly from: number
  readonly to: number
  /** Short text drawn at the band, e.g. `1,000,000 events`. */
  readonly label: string
  /** What the band stands for, for the description. */
  readonly full: string
  readonly count: number
}

/**
 * How many markers a graph draws one by one; beyond it, {@link budgetMarkers} folds them into
 * one band. A graph is about 700 px wide and a marker label needs about 40 px, so more rules
 * than this would only be noise (and cost render time and SVG bytes).
 */
export const MARKER_BUDGET = 12

/** A marker's description lists at most this many distinct event texts, then a count. */
const MAX_TEXTS = 5
/** An event text longer than this is cut (a hostile label must not blow up layout or size). */
const MAX_TEXT_CHARS = 120

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}

function restartText(label: string): string {
  return clip(`restart: ${label}`, MAX_TEXT_CHARS)
}

function resetText(label: string): string {
  return clip(/reset/i.test(label) ? label : `stats reset: ${label}`, MAX_TEXT_CHARS)
}

const countOf = (e: SeriesEvent): number => Math.max(1, Math.floor(e.count ?? 1))
const plural = (n: number, one: string, many: string): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`

/** The `k` smallest strings of `values`, ascending, in one pass (a group may hold a million). */
function smallest(values: Iterable<string>, k: number): string[] {
  const out: string[] = []
  for (const v of values) {
    if (out.length === k && v >= out[k - 1]!) continue
    let i = out.length
    while (i > 0 && out[i - 1]! > v) i--
    out.splice(i, 0, v)
    if (out.length > k) out.pop()
  }
  return out
}

/** `pg_stat_io reset (client backend/relation/normal)` → `pg_stat_io reset`. */
const resetKind = (label: string): string => label.replace(/\s*\(.*$/s, '')

function marker(g: readonly SeriesEvent[]): Marker {
  const restartLabels = new Set<string>()
  const resetLabels = new Set<string>()
  const restartTimes = new Set<number>()
  let count = 0
  let restarts = 0
  for (const e of g) {
    const n = countOf(e)
    count += n
    if (e.kind === 'restart') {
      restarts += n
      restartLabels.add(e.label)
      restartTimes.add(e.t)
    } else resetLabels.add(e.label)
  }
  const resets = count - restarts
  const t = g[0]!.t
  if (restarts > 0) {
    // A restart resets statistics by itself (pg_stat_io alone has one row per backend type,
    // object and context): its resets are part of it, said in the description, not counted
    // as more markers.
    const names = smallest(restartLabels, MAX_TEXTS).map(restartText)
    const label = restarts === 1 ? names[0]! : plural(restarts, 'restart', 'restarts')
    const times = [...restartTimes].sort((a, b) => a - b).slice(0, MAX_TEXTS)
    const at = times.length > 1 ? ` (at ${times.map((x) => utcSecond(x)).join(', ')})` : ''
    const withResets = resets > 0 ? `, with ${plural(resets, 'statistics reset', 'statistics resets')}` : ''
    const failover = restartLabels.size === 1 && /failover/.test([...restartLabels][0]!)
    return {
      t: times[0]!,
      label,
      short: restarts === 1 ? (failover ? 'failover' : 'restart') : label,
      full: `${restarts === 1 ? names[0]! : `${label} (${smallest(restartLabels, MAX_TEXTS).join('; ')})`}${at}${withResets}`,
      count,
      restarts,
      ...(times.length > 1 ? { times } : {}),
    }
  }
  // Resets only: one kind of reset (`pg_stat_io reset`) with its count, or a count of all.
  const texts = smallest(resetLabels, MAX_TEXTS).map(resetText)
  const kinds = new Set([...resetLabels].map(resetKind))
  const label =
    resets === 1
      ? texts[0]!
      : kinds.size === 1
        ? clip(`${resetText([...kinds][0]!)} ×${resets.toLocaleString('en-US')}`, MAX_TEXT_CHARS)
        : plural(resets, 'statistics reset', 'statistics resets')
  const unlisted = resetLabels.size - texts.length
  return {
    t,
    label,
    short: resets === 1 ? 'reset' : plural(resets, 'reset', 'resets'),
    full:
      (resets > 1 ? `${label}: ` : '') +
      texts.join('; ') +
      (unlisted > 0 ? `; and ${unlisted.toLocaleString('en-US')} more` : ''),
    count,
    restarts: 0,
  }
}

/**
 * Merge events closer than `minGap` ms into one marker, so ten databases reset together draw
 * one rule, not ten overlapping labels. A restart names the marker (it explains the others).
 */
export function mergeEvents(events: readonly SeriesEvent[], from: number, to: number, minGap: number): Marker[] {
  const inRange = events.filter((e) => e.t >= from && e.t <= to).sort((a, b) => a.t - b.t)
  const groups: SeriesEvent[][] = []
  for (const e of inRange) {
    const last = groups[groups.length - 1]
    if (last && e.t - last[0]!.t < minGap) last.push(e)
    else groups.push([e])
  }
  return groups.map(marker)
}

/**
 * Keep at most `budget` markers and fold the others into one band, so a graph over a million
 * resets draws as fast and as small as one over ten. Restarts are kept first (they explain
 * gaps in every line); when even they exceed the budget, every marker joins the band. The
 * band spans the first to the last folded marker and says how many events it holds.
 *
 * @example
 * ```ts
 * const { markers, band } = budgetMarkers(mergeEvents(set.events, from, to, minGap))
 * ```
 */
export function budgetMarkers(
  markers: readonly Marker[],
  budget: number = MARKER_BUDGET,
): { markers: Marker[]; band: MarkerBand | null } {
  if (markers.length <= budget) return { markers: [...markers], band: null }
  const restarts = markers.filter((m) => m.restarts > 0)
  const kept = restarts.length <= budget ? restarts : []
  const folded = markers.filter((m) => !kept.includes(m))
  const count = folded.reduce((n, m) => n + m.count, 0)
  const nRestarts = folded.reduce((n, m) => n + m.restarts, 0)
  const first = folded[0]!.t
  const last = folded[folded.length - 1]!.t
  const what = [
    ...(nRestarts > 0 ? [plural(nRestarts, 'restart', 'restarts')] : []),
    ...(count > nRestarts ? [plural(count - nRestarts, 'statistics reset', 'statistics resets')] : []),
  ].join(' and ')
  return {
    markers: kept,
    band: {
      from: first,
      to: last,
      label:
        nRestarts === 0
          ? plural(count, 'reset', 'resets')
          : nRestarts === count
            ? plural(count, 'restart', 'restarts')
            : plural(count, 'event', 'events'),
      full: `${what} from ${utcMinute(first)} to ${utcMinute(last)}, too many to mark one by one`,
      count,
    },
  }
}

/** The "Marked: …" sentence of a graph's description, or an empty string. */
export function markerDescription(markers: readonly Marker[], band: MarkerBand | null): string {
  const parts = markers.map((m) => ({ t: m.t, text: `${m.full} at ${utcMinute(m.t)}` }))
  if (band) parts.push({ t: band.from, text: band.full })
  if (parts.length === 0) return ''
  return ` Marked: ${parts
    .sort((a, b) => a.t - b.t)
    .map((p) => p.text)
    .join('; ')}.`
}

const MARKER_FONT = 10

/** Cut `text` to fit `room` pixels at the marker font size, with an ellipsis. */
function fit(text: string, room: number): string {
  if (dejavuWidth(text, MARKER_FONT) <= room) return text
  let n = text.length
  while (n > 0 && dejavuWidth(`${text.slice(0, n)}…`, MARKER_FONT) > room) n--
  return n < 4 ? '' : `${text.slice(0, n)}…`
}

/**
 * Vega-Lite layers of the markers: a dashed rule per marker, the band as a shaded rectangle
 * behind them (at least 2 px wide), and labels placed left or right of each, where there is room.
 */
export function eventLayers(
  markers: readonly Marker[],
  band: MarkerBand | null,
  from: number,
  to: number,
  plotWidth: number,
  theme: Theme,
): Record<string, unknown>[] {
  if (markers.length === 0 && !band) return []
  const x = { field: 't', type: 'temporal' }
  const msPerPx = Math.max(1, to - from) / plotWidth
  // A marker of several restarts draws a rule at each (`times`): its label goes right of the
  // last or left of the first, never across its own rules, in the room up to the next marker.
  const labelled = [
    ...markers.map((m) => ({ t: m.t, end: Math.max(m.t, ...(m.times ?? [])), label: m.label, short: m.short })),
    ...(band ? [{ t: band.from, end: band.from, label: band.label, short: undefined }] : []),
  ].sort((a, b) => a.t - b.t)
  const px = (t: number): number => (t - from) / msPerPx
  const right: { t: number; label: string }[] = []
  const left: { t: number; label: string }[] = []
  labelled.forEach((m, i) => {
    const next = labelled[i + 1]
    const prev = labelled[i - 1]
    const roomRight = (next ? px(next.t) : plotWidth) - px(m.end) - 8
    const roomLeft = px(m.t) - (prev ? px(prev.end) : 0) - 8
    const toRight = roomRight >= Math.min(roomLeft, dejavuWidth(m.label, MARKER_FONT))
    const room = toRight ? roomRight : roomLeft
    // The whole label where it fits, else its short form (`restart`), cut only when even that does not.
    const label =
      m.short !== undefined && dejavuWidth(m.label, MARKER_FONT) > room ? fit(m.short, room) : fit(m.label, room)
    if (label) (toRight ? right : left).push({ t: toRight ? m.end : m.t, label })
  })
  const text = (values: { t: number; label: string }[], align: 'left' | 'right'): Record<string, unknown>[] =>
    values.length === 0
      ? []
      : [
          {
            data: { values, format: { parse: null } },
            mark: {
              type: 'text',
              align,
              baseline: 'top',
              dx: align === 'left' ? 3 : -3,
              dy: 2,
              fontSize: MARKER_FONT,
              color: theme.marker,
            },
            encoding: { x, y: { value: 0 }, text: { field: 'label' } },
          },
        ]
  const bandLayer = (b: MarkerBand): Record<string, unknown> => {
    const widen = Math.max(0, 2 * msPerPx - (b.to - b.from)) / 2
    return {
      data: {
        values: [{ t: Math.max(from, b.from - widen), t2: Math.min(to, b.to + widen) }],
        format: { parse: null },
      },
      mark: { type: 'rect', color: theme.marker, opacity: 0.18 },
      encoding: { x, x2: { field: 't2' } },
    }
  }
  return [
    ...(band ? [bandLayer(band)] : []),
    ...(markers.length > 0
      ? [
          {
            data: { values: markers.flatMap((m) => (m.times ?? [m.t]).map((t) => ({ t }))), format: { parse: null } },
            mark: { type: 'rule', color: theme.marker, strokeDash: [4, 3], strokeWidth: 1 },
            encoding: { x },
          },
        ]
      : []),
    ...text(right, 'left'),
    ...text(left, 'right'),
  ]
}
