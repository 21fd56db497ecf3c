import {
  pgLockWaits,
  pgLocks,
  pgStatActivity,
  pgStatActivityWait,
  pgStatProgressVacuum,
} from '@pggraph/collector/definitions'
import { timeseries } from './define.js'
import { byLabel } from './source.js'

/** Sessions, waits, transaction age and locks (the activity row). */
export const activityGraphs = [
  timeseries({
    name: 'activity.connections',
    title: 'Connections by state',
    group: 'activity',
    description:
      'Client sessions by state (active, idle, idle in transaction, ...), stacked; the top is the number of client connections.',
    axisTitle: 'connections',
    mark: 'area',
    lines: [
      byLabel(pgStatActivity, ['backends'], ['state'], { where: { backend_type: 'client backend' }, empty: 'unknown' }),
    ],
  }),
  timeseries({
    name: 'activity.wait_events',
    title: 'Sessions waiting, by wait event type',
    group: 'activity',
    description:
      'Backends waiting, by wait event type (Lock, LWLock, IO, Client, ...), stacked. Idle sessions wait on Client.',
    mark: 'area',
    lines: [byLabel(pgStatActivityWait, ['backends'], ['wait_event_type'], { empty: 'unknown' })],
  }),
  timeseries({
    name: 'activity.longest_transaction',
    title: 'Longest running transaction',
    group: 'activity',
    description: 'Age of the oldest open transaction; a long one holds back VACUUM and keeps dead rows alive.',
    axisTitle: 'age (seconds)',
    lines: [byLabel(pgStatActivity, ['max_xact_age'], [], { op: 'max', empty: 'oldest transaction' })],
  }),
  timeseries({
    name: 'activity.locks',
    title: 'Locks by mode',
    group: 'activity',
    description: 'Locks held or awaited, by lock mode, stacked (pg_locks).',
    mark: 'area',
    lines: [byLabel(pgLocks, ['locks'], ['mode'])],
  }),
  timeseries({
    name: 'activity.blocked_sessions',
    title: 'Sessions blocked by locks',
    group: 'activity',
    description:
      'Sessions waiting for a lock, per database (pg_blocking_pids): a climb with one root blocker is a lock queue behind one transaction.',
    noDataHint: 'Rows exist only while some session waits for a lock.',
    lines: [byLabel(pgLockWaits, ['blocked_sessions'], ['datname'])],
  }),
  timeseries({
    name: 'activity.longest_lock_wait',
    title: 'Longest lock wait',
    group: 'activity',
    description: 'How long the longest-waiting session has waited for a lock, per database.',
    noDataHint: 'Rows exist only while some session waits for a lock.',
    lines: [byLabel(pgLockWaits, ['longest_wait'], ['datname'], { op: 'max' })],
  }),
  timeseries({
    name: 'activity.vacuum_dead_items',
    title: 'Dead items found by running vacuums',
    group: 'activity',
    description:
      'Dead item identifiers collected by each running vacuum since its last index cycle (num_dead_item_ids; num_dead_tuples before 17, the same count): a saw-tooth is one index cycle per tooth, a hint that maintenance_work_mem is too small.',
    noDataHint: 'Rows exist only while a VACUUM runs (pg_stat_progress_vacuum, needs pg_read_all_stats).',
    axisTitle: 'dead items',
    lines: [byLabel(pgStatProgressVacuum, ['num_dead_item_ids'], ['datname', 'relname'], { op: 'max' })],
  }),
] as const
