// The writer's side of the ingest limits: the same bounds and the same words as the store's
// checks (ingest-checks.ts), tested on a snapshot before it is sent, so an oversized or
// out-of-window snapshot is refused without shipping it.
import {
  FUTURE_WINDOW_MINUTES,
  FUTURE_WINDOW_MS,
  labelTooLongMessage,
  NOT_A_LABEL,
  rowLabelsTooLongMessage,
  MAX_LABEL_BYTES,
  overLimitMessage,
  type IngestLimits,
} from './ingest-limits.js'

const DAY_MS = 86_400_000

function length(x: unknown): number {
  return Array.isArray(x) ? x.length : 0
}

function takenAt(snapshot: unknown): number {
  const t = (snapshot as { takenAt?: unknown } | null)?.takenAt
  return typeof t === 'string' ? Date.parse(t) : Number.NaN
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/**
 * Why the store would refuse `snapshot` as dated in the future (more than
 * {@link FUTURE_WINDOW_MINUTES} ahead of `nowMs`), or `undefined`. Not a per-prefix limit.
 */
export function futureProblem(snapshot: unknown, nowMs: number): string | undefined {
  const taken = takenAt(snapshot)
  return taken > nowMs + FUTURE_WINDOW_MS
    ? `Snapshot rejected: it is dated ${iso(taken)}, more than ${FUTURE_WINDOW_MINUTES} minutes ahead of this writer's clock (${iso(nowMs)}). Fix the clock of the monitored server (NTP).`
    : undefined
}

/**
 * Why the store would refuse `snapshot` under `limits` at time `nowMs` (the count bounds and the
 * time window), or `undefined`. Reads only lengths, so a huge snapshot costs nothing to check;
 * the payload's bytes are checked with {@link payloadProblem} once it is serialised.
 *
 * @example
 * ```ts
 * const why = snapshotBoundsProblem(snapshot, DEFAULT_INGEST_LIMITS, Date.now())
 * if (why) console.error(why)
 * ```
 */
export function snapshotBoundsProblem(snapshot: unknown, limits: IngestLimits, nowMs: number): string | undefined {
  if (!snapshot || typeof snapshot !== 'object') return undefined
  const s = snapshot as Record<string, unknown>
  const taken = takenAt(snapshot)
  const future = futureProblem(snapshot, nowMs)
  if (future) return future
  if (taken < nowMs - limits.maxAgeDays * DAY_MS)
    return `Snapshot rejected: it is dated ${iso(taken)}, more than maxAgeDays (${limits.maxAgeDays} days) before this writer's clock (${iso(nowMs)}). Nothing was written; raise maxAgeDays with install to store older snapshots.`
  const resets = length(s['resets'])
  if (resets > limits.maxResets) return overLimitMessage('resets entries', resets, 'maxResets', limits.maxResets)
  for (const list of ['databases', 'skipped'] as const) {
    const n = length(s[list])
    if (n > limits.maxRowsPerMetric)
      return overLimitMessage(`${list} entries`, n, 'maxRowsPerMetric', limits.maxRowsPerMetric)
  }
  const metrics = s['metrics']
  if (!metrics || typeof metrics !== 'object') return undefined
  const names = Object.keys(metrics)
  if (names.length > limits.maxMetrics)
    return overLimitMessage('metrics', names.length, 'maxMetrics', limits.maxMetrics)
  let total = 0
  for (const name of names) {
    const rows = length((metrics as Record<string, unknown>)[name])
    if (rows > limits.maxRowsPerMetric)
      return overLimitMessage(`rows of metric ${name}`, rows, 'maxRowsPerMetric', limits.maxRowsPerMetric)
    total += rows
    if (total > limits.maxRowsPerSnapshot)
      return overLimitMessage('rows', total, 'maxRowsPerSnapshot', limits.maxRowsPerSnapshot)
  }
  for (const name of names) {
    const long = longLabels((metrics as Record<string, unknown>)[name])
    if (!long) continue
    const [labels, bytes] = long
    return labels.length === 1
      ? labelTooLongMessage(name, labels[0]!, bytes)
      : rowLabelsTooLongMessage(name, labels.join(', '), bytes)
  }
  return undefined
}

/**
 * The first row of a metric whose labels are over {@link MAX_LABEL_BYTES} bytes, as [labels,
 * bytes]: the one label over it alone, else every label of the row with their sum; `undefined`
 * when there is none. Text fields are labels (values are numbers) but for `stats_reset`; a row's
 * UTF-8 length is measured only when its labels have more than a third of the bound in UTF-16 units.
 */
function longLabels(rows: unknown): [string[], number] | undefined {
  if (!Array.isArray(rows)) return undefined
  for (const row of rows) {
    if (!row || typeof row !== 'object') continue
    const labels = Object.entries(row as Record<string, unknown>).filter(
      (e): e is [string, string] => typeof e[1] === 'string' && e[0] !== NOT_A_LABEL,
    )
    if (labels.reduce((n, [, v]) => n + v.length, 0) * 3 <= MAX_LABEL_BYTES) continue
    const bytes = labels.map(([k, v]) => [k, Buffer.byteLength(v, 'utf8')] as const)
    const alone = bytes.find(([, n]) => n > MAX_LABEL_BYTES)
    if (alone) return [[alone[0]], alone[1]]
    const sum = bytes.reduce((n, [, b]) => n + b, 0)
    if (sum > MAX_LABEL_BYTES) return [bytes.map(([k]) => k), sum]
  }
  return undefined
}

/** Why the store would refuse a call of `bytes` (JSON plus array data) under `limits`, or `undefined`. */
export function payloadProblem(bytes: number, limits: IngestLimits): string | undefined {
  return bytes > limits.maxPayloadBytes
    ? overLimitMessage('payload bytes', bytes, 'maxPayloadBytes', limits.maxPayloadBytes)
    : undefined
}
