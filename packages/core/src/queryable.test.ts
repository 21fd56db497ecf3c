import { describe, expect, it } from 'vitest'
import { isQueryablePool, withOneConnection, type Queryable } from './queryable.js'

const rows = () => Promise.resolve({ rows: [] })

describe('QueryablePool', () => {
  it('is told from a client by its pool contract: connect() that lends, and totalCount', () => {
    const client = { query: rows, connect: () => Promise.resolve() }
    expect(isQueryablePool(client)).toBe(false)
    expect(isQueryablePool({ query: rows })).toBe(false)
    const pool = { query: rows, connect: () => Promise.reject(new Error('x')), totalCount: 0 }
    expect(isQueryablePool(pool)).toBe(true)
  })

  it('lends one connection for the whole function and gets it back when it throws', async () => {
    const lent: Queryable = { query: rows }
    let released = 0
    const pool = {
      query: rows,
      totalCount: 1,
      connect: () => Promise.resolve({ ...lent, release: () => void released++ }),
    }
    let seen: Queryable | undefined
    await withOneConnection(pool, async (c) => void (seen = c))
    expect(seen).not.toBe(pool)
    expect(released).toBe(1)
    await expect(withOneConnection(pool, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    expect(released).toBe(2)
    const one = { query: rows }
    await withOneConnection(one, async (c) => void (seen = c))
    expect(seen).toBe(one)
  })
})
