import type { Queryable } from '@pggraph/core'
import { citusNode } from './citus.js'
import { hasLz4, loadMetrics } from './metric-tables.js'
import { prefixedTable, schemaTable, type Namespace } from './names.js'
import { PACK_SETTINGS, packSql, packedStorageSql, utcHour } from './packed.js'

/**
 * One versioned change of the store's layout. Migrations run in array order, each once per
 * scope (the schema, or one prefix), recorded in `<schema>.pggraph_migrations`.
 */
export interface Migration {
  readonly id: string
  readonly scope: 'schema' | 'prefix'
  up(db: Queryable, ns: Namespace): Promise<void>
}

/** The store's migrations, in order. Append only: never edit or reorder a released one. */
export const MIGRATIONS: readonly Migration[] = [
  {
    id: '0001_sources',
    scope: 'schema',
    async up(db, ns) {
      await db.query(`CREATE TABLE IF NOT EXISTS ${schemaTable(ns.schema, 'sources')} (
        prefix text PRIMARY KEY,
        host text,
        database text,
        description text,
        server_version text,
        server_version_num integer,
        system_identifier text,
        start_time timestamptz,
        in_recovery boolean,
        first_seen timestamptz,
        last_seen timestamptz,
        last_received timestamptz,
        snapshots bigint NOT NULL DEFAULT 0,
        interval_seconds double precision,
        bridge jsonb,
        last_error text,
        last_error_at timestamptz,
        installed_at timestamptz NOT NULL DEFAULT now())`)
      await db.query(`CREATE TABLE IF NOT EXISTS ${schemaTable(ns.schema, 'pggraph_metrics')} (
        prefix text NOT NULL,
        name text NOT NULL,
        definition jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (prefix, name))`)
    },
  },
  {
    id: '0001_snapshots',
    scope: 'prefix',
    async up(db, ns) {
      await db.query(`CREATE TABLE IF NOT EXISTS ${prefixedTable(ns, 'snapshots')} (
        "time" timestamptz PRIMARY KEY,
        server_version_num integer NOT NULL,
        server_version text,
        start_time timestamptz NOT NULL,
        system_identifier text,
        timeline integer,
        in_recovery boolean,
        databases jsonb,
        resets jsonb,
        skipped jsonb,
        bridge jsonb,
        collect_ms double precision,
        round_trips integer,
        rows integer,
        received_at timestamptz NOT NULL DEFAULT now())`)
      await db.query(`CREATE TABLE IF NOT EXISTS ${prefixedTable(ns, 'resets')} (
        metric text NOT NULL,
        key text NOT NULL,
        at timestamptz NOT NULL,
        seen timestamptz NOT NULL,
        PRIMARY KEY (metric, key, at))`)
      await db.query(
        `INSERT INTO ${schemaTable(ns.schema, 'sources')} (prefix) VALUES ($1) ON CONFLICT (prefix) DO NOTHING`,
        [ns.prefix],
      )
    },
  },
  {
    id: '0003_rollup_until',
    scope: 'schema',
    async up(db, ns) {
      // End of the hourly rollups of each prefix: series queries read it with the definition.
      await db.query(
        `ALTER TABLE ${schemaTable(ns.schema, 'sources')} ADD COLUMN IF NOT EXISTS rollup_until timestamptz`,
      )
    },
  },
  {
    id: '0004_rollup_dirty_from',
    scope: 'schema',
    async up(db, ns) {
      // The oldest hour that received a late snapshot after it was rolled up.
      await db.query(
        `ALTER TABLE ${schemaTable(ns.schema, 'sources')} ADD COLUMN IF NOT EXISTS rollup_dirty_from timestamptz`,
      )
    },
  },
  {
    id: '0005_epochs',
    scope: 'prefix',
    async up(db, ns) {
      // Every switch of the server start time between consecutive snapshots (a restart, a
      // failover, or a switch back to a server seen before): counters are never compared across one.
      await db.query(`CREATE TABLE IF NOT EXISTS ${prefixedTable(ns, 'epochs')} (
        first_seen timestamptz PRIMARY KEY,
        start_time timestamptz NOT NULL)`)
      await db.query(
        `INSERT INTO ${prefixedTable(ns, 'epochs')} (first_seen, start_time)
         SELECT "time", start_time FROM (
           SELECT "time", start_time, lag(start_time) OVER (ORDER BY "time") AS prev FROM ${prefixedTable(ns, 'snapshots')}) x
          WHERE prev IS DISTINCT FROM start_time
         ON CONFLICT DO NOTHING`,
      )
    },
  },
  {
    id: '0006_ingest_limits',
    scope: 'schema',
    async up(db, ns) {
      // Per-prefix overrides of the ingest limits (install's limits option); NULL: the defaults.
      await db.query(`ALTER TABLE ${schemaTable(ns.schema, 'sources')} ADD COLUMN IF NOT EXISTS ingest_limits jsonb`)
    },
  },
  {
    id: '0007_drop_starts',
    scope: 'prefix',
    async up(db, ns) {
      // <prefix>_starts (migration 0002 of stores installed before) was superseded by
      // <prefix>_epochs, which also sees a switch back to an earlier server; nothing reads it.
      await db.query(`DROP TABLE IF EXISTS ${prefixedTable(ns, 'starts')}`)
    },
  },
  {
    id: '0008_packed_until',
    scope: 'schema',
    async up(db, ns) {
      // Packed hours (maintainStore): the end of the hours packed so far, and when the last
      // packing started (snapshots received since then may have landed in packed hours).
      await db.query(
        `ALTER TABLE ${schemaTable(ns.schema, 'sources')} ADD COLUMN IF NOT EXISTS packed_until timestamptz, ADD COLUMN IF NOT EXISTS packed_at timestamptz`,
      )
    },
  },
  {
    id: '0009_packed_inline',
    scope: 'prefix',
    async up(db, ns) {
      // Packed arrays stay in the row, compressed (STORAGE MAIN; see packedStorageSql): stores
      // packed before kept them EXTENDED, which moved most of them to TOAST. Rows packed from now
      // on are written inline. Citus refuses SET STORAGE on distributed tables: defaults stay.
      if ((await citusNode(db)) !== 'none') return
      const { rows } = await db.query<{ rel: string; col: string }>(
        `SELECT c.relname AS rel, a.attname AS col FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relkind = 'p' AND left(c.relname, length($2) + 1) = $2 || '_'
            AND a.attname IN ('_packed_times', '_packed_values', '_packed_resets') AND a.attstorage <> 'm'
            AND NOT a.attisdropped
          ORDER BY 1, 2`,
        [ns.schema, ns.prefix],
      )
      for (const r of rows)
        await db.query(
          `ALTER TABLE ${schemaTable(ns.schema, r.rel)} ALTER COLUMN "${r.col.replace(/[^a-z_]/g, '')}" SET STORAGE MAIN`,
        )
    },
  },
  {
    id: '0010_packed_deltas',
    scope: 'prefix',
    async up(db, ns) {
      // Packed hours keep their readings as running-sum text (_packed_deltas, see packed.ts)
      // instead of float8 offsets from a base: add the column to the metric tables of the prefix
      // that have packed hours and repack the hours packed before, up to 24 at a time (the
      // readings stay exactly the same). Tables from before packed hours get every internal
      // column from syncMetricTables, which runs next.
      const storage = (await citusNode(db)) === 'none'
      const lz4 = storage && (await hasLz4(db))
      await db.query(PACK_SETTINGS)
      for (const m of (await loadMetrics(db, ns)).values()) {
        const table = prefixedTable(ns, m.name)
        const { rows: cols } = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = '_packed_values' AND NOT attisdropped`,
          [table],
        )
        if (!cols[0]?.n) continue
        await db.query(`ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS "_packed_deltas" text[]`)
        if (storage) for (const sql of packedStorageSql(table, m.statsReset, lz4)) await db.query(sql)
        // SET COMPRESSION on the parent applies to partitions created afterwards only.
        if (lz4) {
          const { rows: parts } = await db.query<{ p: string }>(
            `SELECT c.relname AS p FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass($1) ORDER BY 1`,
            [table],
          )
          for (const { p } of parts)
            await db.query(`ALTER TABLE ${schemaTable(ns.schema, p)} ALTER COLUMN "_packed_deltas" SET COMPRESSION lz4`)
        }
        const { rows } = await db.query<{ h: number }>(
          `SELECT DISTINCT date_part('epoch', ${utcHour('"time"')}) * 1000 AS h FROM ${table} WHERE "_packed_values" IS NOT NULL ORDER BY 1`,
        )
        const hours = rows.map((r) => Number(r.h))
        for (let i = 0; i < hours.length;) {
          let j = i + 1
          while (j < hours.length && j - i < 24 && hours[j] === hours[j - 1]! + 3_600_000) j++
          await db.query(packSql(ns, m, true), [
            new Date(hours[i]!).toISOString(),
            new Date(hours[j - 1]! + 3_600_000).toISOString(),
          ])
          i = j
        }
      }
    },
  },
]

/**
 * Create the migrations table if needed and apply the migrations of `ns` (schema scope and the
 * prefix's scope) that are not recorded yet. The caller holds the schema's advisory lock inside
 * a transaction. Returns the ids applied (`schema:0001_sources`, `<prefix>:0001_snapshots`).
 */
export async function runMigrations(
  db: Queryable,
  ns: Namespace,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<string[]> {
  const table = schemaTable(ns.schema, 'pggraph_migrations')
  await db.query(`CREATE TABLE IF NOT EXISTS ${table} (
    scope text NOT NULL,
    id text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, id))`)
  const { rows } = await db.query<{ scope: string; id: string }>(
    `SELECT scope, id FROM ${table} WHERE scope IN ('', $1)`,
    [ns.prefix],
  )
  const done = new Set(rows.map((r) => `${r.scope}:${r.id}`))
  const applied: string[] = []
  for (const m of migrations) {
    const scope = m.scope === 'schema' ? '' : ns.prefix
    if (done.has(`${scope}:${m.id}`)) continue
    await m.up(db, ns)
    await db.query(`INSERT INTO ${table} (scope, id) VALUES ($1, $2)`, [scope, m.id])
    applied.push(`${m.scope === 'schema' ? 'schema' : ns.prefix}:${m.id}`)
  }
  return applied
}
