// The fast write path on node-postgres: the rows of large metrics travel as two binary arrays
// (every string column one after the other in a text[], every number column in a float8[]),
// which the ingest function turns back into rows with `unnest` of slices. Binary float8 needs
// no number parsing on the server, and no JSON lexing; it is still one call of the same
// SECURITY DEFINER function, in one round trip and one transaction.
import { PggraphError, type MetricRow } from '@pggraph/core'

/** A metric with fewer rows goes inline in the JSON: its columns would not pay for themselves. */
export const COLUMNAR_MIN_ROWS = 16

const TEXT_OID = 25
const FLOAT8_OID = 701

/** A large metric's rows, checked, with its keys and which of them hold a string somewhere. */
interface LargeMetric {
  readonly rows: readonly MetricRow[]
  readonly keys: Set<string>
  readonly strings: Set<string>
}

/** The large metrics of a snapshot, by name. */
export type LargeMetrics = Map<string, LargeMetric>

/**
 * Take the large metrics (≥ {@link COLUMNAR_MIN_ROWS} rows) out of `snapshot`: their rows are
 * checked here in one pass that also collects their keys (the same rules and messages as core's
 * `parseSnapshot`, which then checks the rest of the snapshot without them).
 */
export function splitLarge(snapshot: unknown): { rest: unknown; large: LargeMetrics } {
  const large: LargeMetrics = new Map()
  const metrics = (snapshot as { metrics?: unknown } | null)?.metrics
  if (!metrics || typeof metrics !== 'object' || Array.isArray(metrics)) return { rest: snapshot, large }
  const rest: Record<string, unknown> = {}
  for (const [name, rows] of Object.entries(metrics as Record<string, unknown>)) {
    if (!Array.isArray(rows) || rows.length < COLUMNAR_MIN_ROWS) {
      rest[name] = rows
      continue
    }
    const keys = new Set<string>()
    const strings = new Set<string>()
    for (const row of rows as unknown[]) {
      if (!row || typeof row !== 'object' || Array.isArray(row))
        invalid(`metrics.${name} has a row that is not an object`)
      const r = row as Record<string, unknown>
      for (const k in r) {
        const v = r[k]
        if (typeof v === 'string') strings.add(k)
        else if (v !== null && typeof v !== 'number') invalid(`metrics.${name}.${k} must be a string, a number or null`)
        keys.add(k)
      }
    }
    large.set(name, { rows: rows as MetricRow[], keys, strings })
  }
  return { rest: { ...(snapshot as object), metrics: rest }, large }
}

function invalid(what: string): never {
  throw new PggraphError('INVALID_SNAPSHOT', `Invalid snapshot: ${what}.`)
}

/** What the JSON says about a columnar metric; see the ingest function. */
interface ColumnarEntry {
  n: number
  t: string[]
  f: string[]
  to: number
  fo: number
}

/**
 * Encode the large metrics: per metric its JSON entry, and the two arrays in PostgreSQL's binary
 * array format (`null` when empty). A key holding a string in any row goes to the text array
 * (its numbers as JSON would print them), any other key to the float8 array; as in JSON,
 * non-finite numbers are NULL.
 */
export function encodeColumns(large: LargeMetrics): {
  entries: Record<string, ColumnarEntry>
  text: Buffer | null
  num: Buffer | null
} {
  const entries: Record<string, ColumnarEntry> = {}
  const texts: (string | null)[] = []
  const nums: (number | null)[] = []
  for (const [name, m] of large) {
    const t = [...m.keys].filter((k) => m.strings.has(k))
    const f = [...m.keys].filter((k) => !m.strings.has(k))
    entries[name] = { n: m.rows.length, t, f, to: texts.length, fo: nums.length }
    for (const k of t) {
      for (const r of m.rows) {
        const v = r[k]
        texts.push(typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : null)
      }
    }
    for (const k of f) {
      for (const r of m.rows) {
        const v = r[k]
        nums.push(typeof v === 'number' && Number.isFinite(v) ? v : null)
      }
    }
  }
  return { entries, text: texts.length ? textArray(texts) : null, num: nums.length ? float8Array(nums) : null }
}

function header(buf: Buffer, hasNull: boolean, oid: number, n: number): number {
  buf.writeInt32BE(1, 0) // one dimension
  buf.writeInt32BE(hasNull ? 1 : 0, 4)
  buf.writeInt32BE(oid, 8)
  buf.writeInt32BE(n, 12)
  buf.writeInt32BE(1, 16) // lower bound
  return 20
}

function float8Array(xs: readonly (number | null)[]): Buffer {
  const buf = Buffer.allocUnsafe(20 + 12 * xs.length)
  let o = header(buf, xs.includes(null), FLOAT8_OID, xs.length)
  for (const x of xs) {
    if (x === null) {
      buf.writeInt32BE(-1, o)
      o += 4
    } else {
      buf.writeInt32BE(8, o)
      buf.writeDoubleBE(x === 0 ? 0 : x, o + 4) // -0 prints as 0 in JSON
      o += 12
    }
  }
  return buf.subarray(0, o)
}

function textArray(xs: readonly (string | null)[]): Buffer {
  let size = 20
  for (const x of xs) size += 4 + (x === null ? 0 : Buffer.byteLength(x))
  const buf = Buffer.allocUnsafe(size)
  let o = header(buf, xs.includes(null), TEXT_OID, xs.length)
  for (const x of xs) {
    if (x === null) {
      buf.writeInt32BE(-1, o)
      o += 4
    } else {
      const n = buf.write(x, o + 4)
      buf.writeInt32BE(n, o)
      o += 4 + n
    }
  }
  return buf
}
