import { pgLocks, pgStatActivity, pgStatActivityWait } from '@pggraph/collector/definitions'
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
] as const
