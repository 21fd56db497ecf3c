// Type-level checks of the catalog's line sources (root `npm run typecheck` fails if one breaks):
// a graph names columns and labels of a definition, and a misspelt one does not compile.
import { pgStatActivity, pgStatDatabase } from '@pggraph/collector/definitions'
import { describe, expectTypeOf, it } from 'vitest'
import { byLabel, columns, ratio, type LineSource } from '../src/index.js'

describe('line source types', () => {
  it('takes only columns and labels the definition declares', () => {
    // never called: the misspelt lines would throw at run time; the compiler is the test
    const typed = () => {
      expectTypeOf(columns(pgStatDatabase, { xact_commit: 'commit' })).toEqualTypeOf<LineSource>()
      // @ts-expect-error a misspelt column does not compile
      columns(pgStatDatabase, { xact_comit: 'commit' })
      // @ts-expect-error a label is not a value column
      byLabel(pgStatDatabase, ['datname'], [])
      // @ts-expect-error a misspelt label key does not compile
      byLabel(pgStatActivity, ['backends'], ['stat'])
      // @ts-expect-error a where filter on a label the metric does not have
      byLabel(pgStatActivity, ['backends'], ['state'], { where: { backend: 'client backend' } })
      // @ts-expect-error ratio of a column that does not exist
      ratio(pgStatDatabase, 'blks_hit', 'blks_red', 'hit ratio')
      const ok = byLabel(pgStatActivity, ['backends'], ['state'], { where: { backend_type: 'x' } })
      expectTypeOf(ok).toEqualTypeOf<LineSource>()
    }
    expectTypeOf(typed).toBeFunction()
  })
})
