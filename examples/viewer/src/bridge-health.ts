import type { BridgeHealth } from '@pggraph/core'
import { BRIDGE_HEALTH_LIMITS } from '@pggraph/store'

/** What the viewer makes of a stored health report: understood, absent, or not understood. */
export type HealthReading = { readonly ok: true; readonly health: BridgeHealth | null } | { readonly ok: false }

/** A count shown on the page: a whole number within the store's bounds (a real spool never comes near). */
function count(v: unknown): number | undefined {
  if (v === undefined || v === null) return 0
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= BRIDGE_HEALTH_LIMITS.maxCount ? v : undefined
}

/**
 * Read the bridge health a writer stored in its `sources` row. The writer role controls that
 * JSON (it may call its `report_error` function with anything, and rows older than the
 * store's validation were never checked), so nothing is trusted: counts must be whole
 * non-negative numbers, times parseable dates, texts strings, within the store's
 * `BRIDGE_HEALTH_LIMITS` (the error cut to its length). Missing
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
    (typeof lastSuccess !== 'string' ||
      lastSuccess.length > BRIDGE_HEALTH_LIMITS.maxTimeChars ||
      Number.isNaN(Date.parse(lastSuccess)))
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
      lastError: lastError === null ? null : lastError.slice(0, BRIDGE_HEALTH_LIMITS.maxErrorChars),
    },
  }
}
