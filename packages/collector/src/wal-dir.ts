import type { Collector, MetricDefinition } from '@pggraph/core'
import { ageOf, gauge } from './sql.js'

const READY = "name LIKE '%.ready'"

/**
 * The WAL directory (`pg_ls_waldir()`): its size and file count, and the archiver's backlog
 * (`pg_ls_archive_statusdir()`): segments whose `.ready` file says they wait to be archived,
 * and the age of the oldest. Both functions need `pg_monitor` (or a superuser); without it the
 * metric is skipped with that reason.
 */
export const pgWalDir = {
  name: 'pg_wal_dir',
  area: 'wal',
  scope: 'cluster',
  description: 'WAL directory size and files (pg_ls_waldir), and the archive backlog: segments not yet archived',
  labels: {},
  values: {
    wal_dir_bytes: gauge('bytes', 'Size of the files in pg_wal'),
    wal_dir_files: gauge('files', 'Files in pg_wal (segments, history and backup files)'),
    archive_ready_files: gauge('files', 'Segments waiting to be archived (.ready in pg_wal/archive_status)'),
    archive_ready_age: gauge('seconds', 'Age of the oldest segment waiting to be archived (null when none waits)'),
  },
  requires: [{ privilege: 'pg_monitor' }],
  queries: [
    {
      since: 12,
      sql: `SELECT w.wal_dir_bytes, w.wal_dir_files, a.archive_ready_files, a.archive_ready_age
FROM (SELECT coalesce(sum(size), 0)::float8 AS wal_dir_bytes, count(*) AS wal_dir_files FROM pg_ls_waldir()) w,
  (SELECT count(*) FILTER (WHERE ${READY}) AS archive_ready_files,
     ${ageOf(`min(modification) FILTER (WHERE ${READY})`)} AS archive_ready_age
   FROM pg_ls_archive_statusdir()) a`,
    },
  ],
} as const satisfies MetricDefinition

/**
 * The WAL directory collector: {@link pgWalDir}.
 *
 * @example
 * ```ts
 * const snap = await collect(db, { collectors: [walDir()] })
 * snap.metrics.pg_wal_dir[0]?.archive_ready_files
 * ```
 */
export function walDir(): Collector<readonly [typeof pgWalDir]> {
  return { name: 'wal_dir', metrics: [pgWalDir] }
}
