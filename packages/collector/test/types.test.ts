// Type-level checks (root `npm run typecheck` fails if an expectation breaks).
import type { MetricDefinition, RowOf } from '@pggraph/core'
import { describe, expectTypeOf, it } from 'vitest'
import { collect, defaultCollectors, tables, type pgStatDatabase } from '../src/index.js'

describe('types', () => {
  it('derives row types from the collectors', () => {
    const typed = async () => {
      const snap = await collect({ query: async () => ({ rows: [] }) }, { collectors: defaultCollectors() })
      expectTypeOf(snap.metrics.pg_stat_database[0]!.xact_commit).toEqualTypeOf<number | null>()
      expectTypeOf(snap.metrics.pg_stat_database[0]!.datname).toEqualTypeOf<string>()
      expectTypeOf(snap.metrics.pg_stat_database[0]!.stats_reset).toEqualTypeOf<string | null>()
      expectTypeOf(snap.metrics.pg_stat_user_tables[0]!.n_tup_ins).toEqualTypeOf<number | null>()
      // @ts-expect-error a misspelt column does not compile
      void snap.metrics.pg_stat_database[0]!.xact_comit
      // @ts-expect-error a metric that was not collected does not exist
      void snap.metrics.pg_stat_nothing
      const only = await collect({ query: async () => ({ rows: [] }) }, { collectors: [tables()] })
      // @ts-expect-error only the collectors passed are in the snapshot
      void only.metrics.pg_stat_database
      expectTypeOf<RowOf<typeof pgStatDatabase>['numbackends']>().toEqualTypeOf<number | null>()
      const mine = {
        name: 'mine',
        area: 'x',
        scope: 'cluster',
        description: 'x',
        labels: { k: 'text' },
        values: { v: { kind: 'gauge', unit: 'count' } },
        queries: [{ since: 12, sql: 'SELECT 1' }],
      } as const satisfies MetricDefinition
      const s = await collect(
        { query: async () => ({ rows: [] }) },
        { collectors: [{ name: 'mine', metrics: [mine] }] },
      )
      expectTypeOf(s.metrics.mine[0]!.v).toEqualTypeOf<number | null>()
      // @ts-expect-error a column the user-defined metric does not declare
      void s.metrics.mine[0]!.w
    }
    expectTypeOf(typed).toBeFunction()
  })
})
