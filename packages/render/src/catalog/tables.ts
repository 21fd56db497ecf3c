import {
  pgIndexBloat,
  pgStatUserIndexes,
  pgStatUserTables,
  pgTableBloat,
  pgTableFreezeAge,
} from '@pggraph/collector/definitions'
import type { SeriesPoint } from '@pggraph/core'
import { bars, timeseries } from './define.js'
import { isOther, labelText, seriesOf } from './lines.js'
import { byLabel } from './source.js'

const TOP = 10
const table = ['datname', 'schemaname', 'relname'] as const
const index = ['datname', 'schemaname', 'indexrelname'] as const
// bloat() is not in defaultCollectors(): its graphs say how to turn it on.
const BLOAT_HINT =
  'The bloat collector is opt-in: add bloat() to the collectors ([...defaultCollectors(), bloat()]), or opt_in = ["bloat"] in the bridge config; a table needs statistics (ANALYZE) for an estimate.'

/** Top tables and indexes (the tables and indexes rows). */
export const tableGraphs = [
  timeseries({
    name: 'tables.seq_scans',
    title: 'Top tables by sequential scans',
    single: {
      title: 'Sequential scans',
      description: 'Sequential scans per second of this table; a large table scanned often is missing an index.',
    },
    group: 'tables',
    description: `Sequential scans per second of the ${TOP} busiest tables; a large table scanned often is missing an index.`,
    lines: [byLabel(pgStatUserTables, ['seq_scan'], table, { top: TOP })],
  }),
  timeseries({
    name: 'tables.dead_tuples',
    title: 'Top tables by dead rows',
    single: {
      title: 'Dead rows',
      description:
        'Dead rows of this table waiting for VACUUM; a line that never drops means autovacuum cannot keep up or is blocked.',
    },
    group: 'tables',
    description: `Dead rows waiting for VACUUM in the ${TOP} tables with the most; a line that never drops means autovacuum cannot keep up or is blocked.`,
    axisTitle: 'dead rows',
    lines: [byLabel(pgStatUserTables, ['n_dead_tup'], table, { top: TOP })],
  }),
  timeseries({
    name: 'tables.size',
    title: 'Top tables by size',
    single: { title: 'Size', description: 'Total size of this table: its heap, indexes and TOAST.' },
    group: 'tables',
    description: `Total size (table, indexes and TOAST) of the ${TOP} largest tables.`,
    lines: [byLabel(pgStatUserTables, ['total_bytes'], table, { top: TOP })],
  }),
  timeseries({
    name: 'tables.freeze_age',
    title: 'Top tables by transaction ID age',
    single: {
      title: 'Transaction ID age',
      description:
        'age(relfrozenxid) of this table (or its TOAST table) against the autovacuum_freeze_max_age that applies to it: at the line autovacuum forces an anti-wraparound vacuum.',
    },
    group: 'tables',
    description: `age(relfrozenxid) of the ${TOP} oldest tables (a TOAST table counts for its table) against autovacuum_freeze_max_age: at the line autovacuum forces an anti-wraparound vacuum; a table that stays above it is one autovacuum cannot finish.`,
    axisTitle: 'XID age',
    lines: [
      byLabel(pgTableFreezeAge, ['xid_age'], table, { top: TOP }),
      byLabel(pgTableFreezeAge, ['freeze_max_age'], [], { op: 'max', empty: 'autovacuum_freeze_max_age' }),
    ],
  }),
  timeseries({
    name: 'tables.multixact_age',
    title: 'Top tables by multixact age',
    single: {
      title: 'Multixact age',
      description:
        'mxid_age(relminmxid) of this table (or its TOAST table) against the autovacuum_multixact_freeze_max_age that applies to it.',
    },
    group: 'tables',
    description: `mxid_age(relminmxid) of the ${TOP} tables with the oldest multixacts (row locks shared by several transactions, foreign keys) against autovacuum_multixact_freeze_max_age, where autovacuum forces a freeze.`,
    axisTitle: 'multixact age',
    lines: [
      byLabel(pgTableFreezeAge, ['mxid_age'], table, { top: TOP }),
      byLabel(pgTableFreezeAge, ['multixact_freeze_max_age'], [], {
        op: 'max',
        empty: 'autovacuum_multixact_freeze_max_age',
      }),
    ],
  }),
  timeseries({
    name: 'tables.bloat',
    title: 'Top tables by bloat',
    single: {
      title: 'Bloat',
      description:
        'Wasted bytes of this table: space beyond what its live rows need (dead rows, free space), estimated from pg_stats or measured by pgstattuple_approx.',
    },
    group: 'tables',
    description: `Wasted bytes of the ${TOP} most bloated tables: space beyond what the live rows need (dead rows, free space), estimated from pg_stats or measured by pgstattuple_approx. VACUUM makes it reusable but keeps it in the file; a large waste that lasts is returned only by a rewrite (VACUUM FULL, pg_repack).`,
    noDataHint: BLOAT_HINT,
    axisTitle: 'wasted bytes',
    lines: [byLabel(pgTableBloat, ['wasted_bytes'], table, { top: TOP })],
  }),
  timeseries({
    name: 'indexes.scans',
    title: 'Top indexes by scans',
    single: { title: 'Index scans', description: 'Scans per second of this index.' },
    group: 'indexes',
    description: `Index scans per second of the ${TOP} most used indexes.`,
    lines: [byLabel(pgStatUserIndexes, ['idx_scan'], index, { top: TOP })],
  }),
  timeseries({
    name: 'indexes.bloat',
    title: 'Top indexes by bloat',
    single: {
      title: 'Bloat',
      description:
        'Estimated wasted bytes of this B-tree index: pages beyond what its entries need at its fillfactor (from pg_stats).',
    },
    group: 'indexes',
    description: `Estimated wasted bytes of the ${TOP} most bloated B-tree indexes: pages beyond what the entries need at the fillfactor (from pg_stats; expression indexes and other access methods are not estimated). REINDEX CONCURRENTLY returns it.`,
    noDataHint: BLOAT_HINT,
    axisTitle: 'wasted bytes',
    lines: [byLabel(pgIndexBloat, ['wasted_bytes'], index, { top: TOP })],
  }),
  bars({
    name: 'indexes.unused',
    title: 'Unused indexes',
    single: {
      title: 'Unused in this range?',
      description:
        'The size of this index if it was not scanned once in this time range (a candidate to drop); empty when it was used.',
      emptyReason: 'This index was scanned in this time range.',
    },
    group: 'indexes',
    description:
      'Indexes not scanned once in this time range, by size: candidates to drop (check standbys and rare reports first).',
    metric: pgStatUserIndexes,
    columns: ['idx_scan', 'size_bytes'],
    value: 'size_bytes',
    axisTitle: 'index size (bytes)',
    emptyReason: 'Every index was scanned at least once in this time range.',
    bars: (sets, queries) => {
      const last = (pts: readonly SeriesPoint[]): number | null => {
        for (let i = pts.length - 1; i >= 0; i--) if (pts[i]!.v !== null) return pts[i]!.v
        return null
      }
      const keys = index
      const sizes = new Map(
        seriesOf(sets, queries, 0, 'size_bytes').map((s) => [labelText(s.labels, keys), last(s.points)]),
      )
      return seriesOf(sets, queries, 0, 'idx_scan')
        .filter((s) => !isOther(s.labels))
        .filter((s) => s.points.some((p) => p.v !== null) && s.points.every((p) => p.v === null || p.v === 0))
        .map((s) => ({ name: labelText(s.labels, keys), value: sizes.get(labelText(s.labels, keys)) ?? 0 }))
        .sort((a, b) => b.value - a.value || (a.name < b.name ? -1 : 1))
        .slice(0, 20)
    },
  }),
] as const
