import type { Collector, MetricDefinition } from '@pggraph/core'
import { gauge } from './sql.js'

/**
 * `pg_settings` where the value does not come from the built-in default (nor from this
 * session): the setting is a label, so a change starts a new series and shows on graphs.
 * Numeric and boolean settings also carry their value as a number (in the setting's unit).
 */
export const pgSettings = {
  name: 'pg_settings',
  area: 'settings',
  scope: 'cluster',
  description: 'Settings changed from their defaults (configuration file, ALTER SYSTEM, command line)',
  labels: { name: 'text', setting: 'text', unit: 'text', source: 'text' },
  values: {
    value: gauge('count', 'The setting as a number in its unit (integer, real, bool as 0/1), else null'),
    pending_restart: gauge('bool', '1 when a changed value waits for a restart'),
  },
  requires: [{ privilege: 'pg_read_all_settings' }],
  queries: [
    {
      since: 12,
      sql: `SELECT name, coalesce(setting, '') AS setting, coalesce(unit, '') AS unit, source,
  CASE vartype WHEN 'bool' THEN (setting = 'on')::int::float8 WHEN 'integer' THEN setting::float8 WHEN 'real' THEN setting::float8 END AS value,
  pending_restart::int AS pending_restart
FROM pg_settings WHERE source NOT IN ('default', 'client', 'session')`,
    },
  ],
} as const satisfies MetricDefinition

/**
 * The settings collector: {@link pgSettings}.
 *
 * @example
 * ```ts
 * const snap = await collect(db, { collectors: [settings()] })
 * snap.metrics.pg_settings.find((s) => s.name === 'shared_buffers')?.setting
 * ```
 */
export function settings(): Collector<readonly [typeof pgSettings]> {
  return { name: 'settings', metrics: [pgSettings] }
}
