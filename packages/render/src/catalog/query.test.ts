import { describe, expect, it } from 'vitest'
import { pgStatDatabase } from '@pggraph/collector/definitions'
import { graphQuery } from './query.js'

describe('graphQuery', () => {
  it('takes the metric name from the definition and checks columns at compile time', () => {
    expect(graphQuery(pgStatDatabase, ['xact_commit'], { aggregate: 'sum', labels: { datname: 'app' } })).toEqual({
      metric: 'pg_stat_database',
      columns: ['xact_commit'],
      labels: { datname: 'app' },
      aggregate: 'sum',
    })
    // @ts-expect-error a misspelt column does not compile
    graphQuery(pgStatDatabase, ['xact_comit'])
    // @ts-expect-error a label the metric does not have does not compile
    graphQuery(pgStatDatabase, ['xact_commit'], { labels: { relname: 'x' } })
  })
})
