import type { BridgeHealth } from '@pggraph/core'

/** What the viewer makes of a stored health report: understood, absent, or not understood. */
export type HealthReading = { readonly ok: true; readonly health: BridgeHealth | null } | { readonly ok: false }

/** A count shown on the page: a whole number from 0 to 2^53 - 1 (a real spool never comes near). */
function count(v: unknown): number | undefined {
  if (v === undefined || v === null) return 0
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined
}

const MAX_TEXT = 500

/**
 * Read the bridge health a writer stored in its `sources` row. The writer role controls that
 * JSON (it may call its `report_error` function with anything, and rows older than the
 * store's validation were never checked), so nothing is trusted: counts must be whole
 * non-negative numbers, times parseable dates, texts strings (cut to 500 characters). Missing
 * fields are zero or empty, as an older bridge sends; anything else is "not understood", which
 * the systems page shows as "invalid health data" for that system alone.
 */
export function readBridgeHealth(raw: unknown): HealthReading {
  if (raw === null || raw === undefined) return { ok: true, health: null }
  if (typeof raw !== 'object' || Array.isArray(raw)) return { ok: false }
  const o = raw as Record<string, unknown>
  const spoolFiles = count(o['spoolFiles'])
  const spoolBytes = count(o['spoolBytes'])
  const dropped = count(o['dropped'])
  const retries = count(o['retries'])
  const lastSuccess = o['lastSuccess'] ?? null
  const lastError = o['lastError'] ?? null
  if (spoolFiles === undefined || spoolBytes === undefined || dropped === undefined || retries === undefined)
    return { ok: false }
  if (
    lastSuccess !== null &&
    (typeof lastSuccess !== 'string' || lastSuccess.length > 64 || Number.isNaN(Date.parse(lastSuccess)))
  )
    return { ok: false }
  if (lastError !== null && typeof lastError !== 'string') return { ok: false }
  return {
    ok: true,
    health: {
      lastSuccess,
      spoolFiles,
      spoolBytes,
      dropped,
      retries,
      lastError: lastError === null ? null : lastError.slice(0, MAX_TEXT),
    },
  }
}
