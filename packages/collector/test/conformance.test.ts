// The conformance suite over every built-in collector and a user-defined one, on every server.
import type { Collector, MetricDefinition } from '@pggraph/core'
import { pgServers } from '../../../test/servers/index.js'
import { builtinCollectors, indexes, statements, tables, type BuiltinCollectorName } from '../src/index.js'
import { testCollector } from '../src/testing.js'

const servers = pgServers()

// Objects for the per-database collectors to find: tables, an index, a function with calls.
async function prepare(db: { query(sql: string): Promise<unknown> }): Promise<void> {
  // three tables with indexes, so top: 1 leaves an (other) row to sum on every version
  for (const t of ['conf_t', 'conf_u', 'conf_v']) {
    await db.query(
      `CREATE TABLE ${t} (id int PRIMARY KEY, v text); INSERT INTO ${t} SELECT g, g::text FROM generate_series(1, 100) g`,
    )
  }
  await db.query('CREATE FUNCTION conf_f(int) RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN $1 + 1; END $$')
  await db.query('SELECT conf_f(1), conf_f(2); SELECT count(*) FROM conf_t WHERE id = 3')
}

// Options that make the suite see more: an (other) row with top: 1, and the statement text.
const testOptions: Partial<Record<BuiltinCollectorName, () => Collector>> = {
  tables: () => tables({ top: 1 }),
  indexes: () => indexes({ top: 1 }),
  statements: () => statements({ queryText: true }),
}
const builtins = builtinCollectors.map((e): (() => Collector) => testOptions[e.subpath] ?? e.factory)
for (const factory of builtins) testCollector(factory, servers, { prepare })

// A user's own definition goes through exactly the same suite.
const tableCount = {
  name: 'my_table_count',
  area: 'custom',
  scope: 'database',
  description: 'Tables per schema',
  labels: { datname: 'text', schemaname: 'text' },
  values: { tables: { kind: 'gauge', unit: 'count' } },
  queries: [
    {
      since: 12,
      sql: "SELECT current_database() AS datname, schemaname, count(*) AS tables FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') GROUP BY 1, 2",
    },
  ],
} as const satisfies MetricDefinition
testCollector(() => ({ name: 'mine', metrics: [tableCount] }), servers, { prepare })
