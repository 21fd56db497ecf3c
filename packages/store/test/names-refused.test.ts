// What the store refuses before it sends any SQL, whatever the backend. The backend suite
// (install, write, read, roles) is src/testing/, run over each driver by driver-*.test.ts.
import { type Queryable } from '@pggraph/core'
import { describe, expect, it } from 'vitest'
import { installStore, writeSnapshot } from '../src/index.js'
import { snapshot, T0, testMetrics } from './fixtures.js'

describe('names are refused before any SQL runs', () => {
  const noSql: Queryable = {
    query: () => {
      throw new Error('SQL was sent')
    },
  }
  it.each([
    ['Acme', 'db1'],
    ['acme', 'db-1'],
    ['acme"; DROP SCHEMA x; --', 'db1'],
    ['select', 'db1'],
    ['acme', 'pggraph'],
    ['acme', 'x'.repeat(51)],
    ['a'.repeat(60), 'db1'],
  ])('schema %j prefix %j', async (schema, prefix) => {
    await expect(installStore(noSql, { schema, prefix, metrics: testMetrics })).rejects.toMatchObject({
      code: 'CONFIG',
    })
    await expect(writeSnapshot(noSql, { schema, prefix }, snapshot(T0, {}))).rejects.toMatchObject({ code: 'CONFIG' })
  })
  it('leaves room in the prefix for the longest metric table partition name', async () => {
    // test_database + _YYYYMMDD = 22 bytes, plus "_": a prefix of 40 fits 63 bytes, 41 does not.
    await expect(
      installStore(noSql, { schema: 'acme', prefix: 'x'.repeat(41), metrics: testMetrics }),
    ).rejects.toMatchObject({
      code: 'CONFIG',
      message: expect.stringMatching(/at most 40 fit/),
    })
    await expect(installStore(noSql, { schema: 'acme', prefix: 'x'.repeat(40), metrics: testMetrics })).rejects.toThrow(
      'SQL was sent',
    )
  })
})
