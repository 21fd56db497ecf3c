/**
 * Parsing of the human units used in the bridge config: durations (`60s`, `5m`, `1h30m`, `7d`)
 * and sizes (`100MB`, `1GiB`).
 */

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
}

/**
 * Parse a duration such as `"60s"`, `"1h30m"`, `"500ms"` or `"7d"` into milliseconds; a bare
 * number is seconds. Returns `undefined` when the text is not a duration, so the caller can
 * name the offending key in its own error.
 *
 * @example
 * ```ts
 * parseDuration('1m30s') // 90000
 * ```
 */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text * 1000 : undefined
  const s = text.trim().toLowerCase()
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000
  const re = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)/gy
  let total = 0
  let matched = 0
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!
    matched = re.lastIndex
  }
  return matched > 0 && matched === s.length ? Math.round(total) : undefined
}

const SIZE_UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
}

/**
 * Parse a size such as `"100MB"`, `"512KiB"` or `"1GB"` into bytes; a bare number is bytes.
 * Returns `undefined` when the text is not a size.
 */
export function parseBytes(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isInteger(text) && text >= 0 ? text : undefined
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text)
  if (!m) return undefined
  const unit = (m[2] ?? '').toLowerCase() || 'b'
  const f = SIZE_UNITS[unit]
  return f === undefined ? undefined : Math.round(Number(m[1]) * f)
}

/** `90000` → `"1m30s"`: the inverse of {@link parseDuration}, for messages. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`
  let rest = Math.round(ms / 1000)
  const parts: string[] = []
  for (const [unit, secs] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= secs) {
      parts.push(`${Math.floor(rest / secs)}${unit}`)
      rest %= secs
    }
  }
  return parts.join('')
}

/** Sizes in messages: core's {@link formatBytes} (SI, as `spool_max_bytes` is written). */
export { formatBytes } from '@pggraph/core'
