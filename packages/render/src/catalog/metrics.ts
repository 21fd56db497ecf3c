/**
 * The metric names the catalog reads, in one place: PostgreSQL's own view names, as the
 * collector declares them. Column names are PostgreSQL's own too and appear in the graphs.
 * @internal
 */
export const METRIC = {
  database: 'pg_stat_database',
  databases: 'pg_database',
  activity: 'pg_stat_activity',
  waits: 'pg_stat_activity_wait',
  locks: 'pg_locks',
  checkpointer: 'pg_stat_checkpointer',
  bgwriter: 'pg_stat_bgwriter',
  wal: 'pg_stat_wal',
  io: 'pg_stat_io',
  replication: 'pg_stat_replication',
  slots: 'pg_replication_slots',
  tables: 'pg_stat_user_tables',
  indexes: 'pg_stat_user_indexes',
  statements: 'pg_stat_statements',
} as const
