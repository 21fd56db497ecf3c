import { validateIdentifier, type BridgeHealth } from '@pggraph/core'
import { listSources } from '@pggraph/store'
import { readBridgeHealth } from './bridge-health.js'
import { isReservedSchema, listTenantSchemas } from './tenants.js'
import type { StoreAccess } from './store-access.js'
import type { ViewerIdentity } from './sessions.js'

/** One monitored system (a prefix of a tenant schema) with its health. */
export interface SystemInfo {
  readonly schema: string
  readonly prefix: string
  readonly host: string | null
  readonly database: string | null
  readonly serverVersion: string | null
  /** `server_version_num` when known (lets graphs skip what the server cannot have). */
  readonly serverVersionNum: number | null
  /** Last snapshot time (ms), or `null` when none arrived yet. */
  readonly lastSeen: number | null
  /** The collection interval in ms (60 s when unknown). */
  readonly intervalMs: number
  readonly lastError: string | null
  readonly bridge: BridgeHealth | null
  /** The stored bridge health could not be understood (see {@link readBridgeHealth}). */
  readonly healthInvalid: boolean
  /** `stale` when no snapshot arrived for 3 intervals. */
  readonly state: 'ok' | 'stale' | 'never'
  /** The bridge's last report was an error, newer than the last snapshot. */
  readonly failing: boolean
}

/** The reader role of a tenant schema, as the store's installer names it. */
export function readerRoleOf(schema: string): string {
  return validateIdentifier(`${validateIdentifier(schema, 'schema')}_reader`, 'role')
}

const toMs = (v: unknown): number | null => {
  if (v === null || v === undefined) return null
  const t = v instanceof Date ? v.getTime() : typeof v === 'number' ? v : Date.parse(String(v))
  return Number.isFinite(t) ? t : null
}

/** A text the writer controls, as shown: a string cut to `max` characters, or `null`. */
const text = (v: unknown, max: number): string | null => (typeof v === 'string' ? v.slice(0, max) : null)

/** `never` without a snapshot, `stale` when none arrived for 3 intervals, else `ok`. */
export function healthState(arrived: number | null, intervalMs: number, now: number): SystemInfo['state'] {
  if (arrived === null) return 'never'
  return now - arrived > 3 * intervalMs ? 'stale' : 'ok'
}

/** The systems of one schema, read as that schema's reader role. */
export async function systemsOfSchema(store: StoreAccess, schema: string, now: number): Promise<SystemInfo[]> {
  const sources = await store.asRole(readerRoleOf(schema), (db) => listSources(db, schema))
  return sources
    .map((s) => {
      const health = readBridgeHealth(s.bridge)
      const lastSeen = toMs(s.lastSeen)
      // Staleness is judged on the store's clock (when the snapshot arrived), not the
      // monitored server's, so a skewed server clock does not flag a healthy bridge.
      const arrived = toMs(s.lastReceived) ?? lastSeen
      const intervalMs =
        typeof s.intervalSeconds === 'number' && s.intervalSeconds > 0 && Number.isFinite(s.intervalSeconds)
          ? s.intervalSeconds * 1000
          : 60_000
      const state = healthState(arrived, intervalMs, now)
      return {
        schema,
        prefix: s.prefix,
        host: text(s.host, 200),
        database: text(s.database, 200),
        serverVersion: text(s.serverVersion, 100),
        serverVersionNum: Number.isSafeInteger(s.serverVersionNum) ? s.serverVersionNum : null,
        lastSeen,
        intervalMs,
        lastError: text(s.lastError, 500),
        bridge: health.ok ? health.health : null,
        healthInvalid: !health.ok,
        state,
        failing: s.failing,
      }
    })
    .sort((a, b) => a.prefix.localeCompare(b.prefix))
}

/** The schemas `who` may open: their own, or every tenant for an admin. */
export async function schemasOf(store: StoreAccess, who: ViewerIdentity): Promise<string[]> {
  if (who.admin) return listTenantSchemas(store)
  return who.schema && !isReservedSchema(who.schema) ? [who.schema] : []
}

/**
 * Whether `who` may open `schema` at all (before any query). A reserved schema never, even for
 * a user given one before `users add` refused them.
 */
export function maySee(who: ViewerIdentity, schema: string): boolean {
  return !isReservedSchema(schema) && (who.admin || who.schema === schema)
}
