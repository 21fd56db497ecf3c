// Type-level checks of readSeries (root `npm run typecheck` fails if one breaks): built-in metric
// and column names are typed from the definitions, so a typo is a compile error.
import { seriesQuery, type SeriesQuery, type SeriesSet } from '@pggraph/core'
import { describe, expectTypeOf, it } from 'vitest'
import { readSeries, type StoreConnection } from '../src/index.js'
import { tTables } from './fixtures.js'

declare const db: StoreConnection
const ns = { schema: 'acme', prefix: 'db1' }
const range = { from: 0, to: 1 }

describe('readSeries types', () => {
  it('checks built-in metric, column, label and top names', () => {
    // never called: the compiler is the test
    const typed = async () => {
      expectTypeOf(
        await readSeries(db, ns, { metric: 'pg_stat_database', columns: ['xact_commit'], ...range }),
      ).toEqualTypeOf<SeriesSet>()
      await readSeries(db, ns, {
        metric: 'pg_stat_user_tables',
        columns: ['n_dead_tup', 'seq_scan'],
        labels: { relname: 'orders' },
        top: { n: 10, by: 'n_dead_tup' },
        ...range,
      })
      // @ts-expect-error a misspelt column does not compile
      await readSeries(db, ns, { metric: 'pg_stat_database', columns: ['xact_comit'], ...range })
      // @ts-expect-error a misspelt metric does not compile
      await readSeries(db, ns, { metric: 'pg_stat_databse', columns: ['xact_commit'], ...range })
      // @ts-expect-error a column of another metric does not compile
      await readSeries(db, ns, { metric: 'pg_stat_database', columns: ['n_dead_tup'], ...range })
      await readSeries(db, ns, {
        metric: 'pg_stat_database',
        columns: ['xact_commit'],
        // @ts-expect-error a label the metric does not have
        labels: { relname: 'x' },
        ...range,
      })
      await readSeries(db, ns, {
        metric: 'pg_stat_database',
        columns: ['xact_commit'],
        // @ts-expect-error top by a column that is not a value column
        top: { n: 1, by: 'datname' },
        ...range,
      })

      // a query built at run time (metric: string) is checked by the store when it runs
      const dynamic: SeriesQuery = { metric: 'anything', columns: ['x'], ...range }
      await readSeries(db, ns, dynamic)
      // your own metric (the store tests' as-const definition): seriesQuery checks the query against it
      await readSeries(db, ns, seriesQuery(tTables, ['n_live_tup'], { labels: { relname: 'orders' }, ...range }))
      // @ts-expect-error a misspelt column of your own metric
      seriesQuery(tTables, ['n_live_tp'], range)
      // @ts-expect-error your own metric by a literal name: build it with seriesQuery
      await readSeries(db, ns, { metric: 'test_tables', columns: ['n_live_tup'], ...range })
    }
    expectTypeOf(typed).toBeFunction()
  })
})
