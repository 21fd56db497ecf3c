import {
  pgInvalidIndexes,
  pgSequenceUsage,
  pgStatProgressAnalyze,
  pgStatProgressBasebackup,
  pgStatProgressCluster,
  pgStatProgressCopy,
} from '@pggraph/collector/definitions'
import { timeseries } from './define.js'
import { byLabel } from './source.js'

const TOP = 10
const command = (l: Readonly<Record<string, string>>, what: string): string =>
  `${what}${l['relname'] ? ` ${l['relname']}` : ''} (pid ${l['pid'] ?? ''})`

/** Things that fail later if nobody looks: sequences running out, invalid indexes, long commands. */
export const healthGraphs = [
  timeseries({
    name: 'activity.progress',
    title: 'Long commands in progress',
    group: 'activity',
    description:
      'Share done of each running ANALYZE, CLUSTER / VACUUM FULL, COPY (from a file) and base backup (pg_stat_progress_*): how long until it ends.',
    noDataHint: 'Rows exist only while such a command runs.',
    axisTitle: 'done',
    lines: [
      byLabel(pgStatProgressAnalyze, ['done_ratio'], ['relname', 'pid'], { nameOf: (l) => command(l, 'ANALYZE') }),
      byLabel(pgStatProgressCluster, ['done_ratio'], ['relname', 'pid'], {
        nameOf: (l) => command(l, l['command'] ?? 'CLUSTER'),
      }),
      byLabel(pgStatProgressCopy, ['done_ratio'], ['relname', 'pid'], {
        nameOf: (l) => command(l, l['command'] ?? 'COPY'),
      }),
      byLabel(pgStatProgressBasebackup, ['done_ratio'], ['pid'], { nameOf: (l) => command(l, 'base backup') }),
    ],
  }),
  timeseries({
    name: 'tables.sequences',
    title: 'Sequences nearest their end',
    single: {
      title: 'Sequence range used',
      description: 'Share of the range of this sequence used; nextval() fails at 100% unless it cycles.',
    },
    group: 'tables',
    description: `Share of the range used of the ${TOP} sequences nearest their end; nextval() fails at 100% unless the sequence cycles (then widen it: ALTER SEQUENCE ... AS bigint, and the column).`,
    axisTitle: 'range used (%)',
    limits: [{ value: 100, label: 'nextval() fails' }],
    lines: [byLabel(pgSequenceUsage, ['percent_used'], ['datname', 'schemaname', 'sequencename'], { top: TOP })],
  }),
  timeseries({
    name: 'indexes.invalid',
    title: 'Invalid indexes',
    group: 'indexes',
    description:
      'Invalid indexes, stacked and named (pg_index.indisvalid false): left by a failed CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY, written on every change, never read. Drop or REINDEX them.',
    noDataHint: 'Rows exist only while an index is invalid (none is the good case).',
    axisTitle: 'invalid indexes',
    mark: 'area',
    lines: [byLabel(pgInvalidIndexes, ['invalid'], ['datname', 'schemaname', 'indexrelname'])],
  }),
] as const
