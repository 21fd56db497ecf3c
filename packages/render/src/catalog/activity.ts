import { pgLocks, pgStatActivity, pgStatActivityWait } from '@pggraph/collector/definitions'
import { timeseries } from './define.js'
import { labelLines } from './lines.js'
import { graphQuery } from './query.js'

/** Sessions, waits, transaction age and locks (the activity row). */
export const activityGraphs = [
  timeseries({
    name: 'activity.connections',
    title: 'Connections by state',
    group: 'activity',
    description:
      'Client sessions by state (active, idle, idle in transaction, ...), stacked; the top is the number of client connections.',
    queries: [graphQuery(pgStatActivity, ['backends'], { labels: { backend_type: 'client backend' } })],
    requires: pgStatActivity.requires,
    unit: 'connections',
    mark: 'area',
    lines: labelLines(['backends'], ['state'], { empty: 'unknown' }),
  }),
  timeseries({
    name: 'activity.wait_events',
    title: 'Sessions waiting, by wait event type',
    group: 'activity',
    description:
      'Backends waiting, by wait event type (Lock, LWLock, IO, Client, ...), stacked. Idle sessions wait on Client.',
    queries: [graphQuery(pgStatActivityWait, ['backends'])],
    requires: pgStatActivityWait.requires,
    unit: 'sessions',
    mark: 'area',
    lines: labelLines(['backends'], ['wait_event_type'], { empty: 'unknown' }),
  }),
  timeseries({
    name: 'activity.longest_transaction',
    title: 'Longest running transaction',
    group: 'activity',
    description: 'Age of the oldest open transaction; a long one holds back VACUUM and keeps dead rows alive.',
    queries: [graphQuery(pgStatActivity, ['max_xact_age'])],
    requires: pgStatActivity.requires,
    unit: 'seconds',
    axisTitle: 'age (seconds)',
    lines: labelLines(['max_xact_age'], [], { op: 'max', empty: 'oldest transaction' }),
  }),
  timeseries({
    name: 'activity.locks',
    title: 'Locks by mode',
    group: 'activity',
    description: 'Locks held or awaited, by lock mode, stacked (pg_locks).',
    queries: [graphQuery(pgLocks, ['locks'])],
    unit: 'locks',
    mark: 'area',
    lines: labelLines(['locks'], ['mode']),
  }),
] as const
