import { PggraphError } from '@pggraph/core'
import { describe, expect, it } from 'vitest'
import { backoffDelay, classifyError, withRetry } from './retry.js'

const pgError = (code: string): Error => Object.assign(new Error(`server said ${code}`), { code })

describe('classifyError', () => {
  it('retries connection, serialization, resource and shutdown errors', () => {
    for (const code of ['08006', '08001', '40001', '40P01', '53300', '57P01', '57P03'])
      expect(classifyError(pgError(code))).toBe('transient')
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'])
      expect(classifyError(pgError(code))).toBe('transient')
    expect(classifyError(new Error('Connection terminated unexpectedly'))).toBe('transient')
  })
  it('quarantines permission and bad data, also wrapped in a PggraphError whose code looks like a SQLSTATE', () => {
    for (const code of ['42501', '22P02', '22003', '23505']) expect(classifyError(pgError(code))).toBe('permanent')
    expect(classifyError(new PggraphError('INVALID_SNAPSHOT', 'bad'))).toBe('permanent')
    expect(classifyError(new PggraphError('QUERY', 'x', { cause: pgError('42501') }))).toBe('permanent')
    expect(classifyError(new PggraphError('CONNECT', 'x', { cause: pgError('ECONNREFUSED') }))).toBe('transient')
  })
  it('neither retries nor quarantines a store that is not set up for this bridge', () => {
    for (const code of ['28P01', '3F000', '42P01', '42883']) expect(classifyError(pgError(code))).toBe('blocked')
    expect(classifyError(new PggraphError('STORE', 'no prefix', { cause: pgError('42883') }))).toBe('blocked')
    expect(
      classifyError(
        Object.assign(new Error('unable to verify the first certificate'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }),
      ),
    ).toBe('blocked')
  })
})

describe('backoff', () => {
  it('grows exponentially, is capped, and is jittered within [half, all] of the ceiling', () => {
    const p = { attempts: 10, baseDelayMs: 100, maxDelayMs: 1000 }
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, p, () => 1))).toEqual([100, 200, 400, 800, 1000])
    expect(backoffDelay(3, p, () => 0)).toBe(200)
    for (let i = 0; i < 100; i++) expect(backoffDelay(8, p)).toBeGreaterThanOrEqual(500)
  })
  it('retries only transient errors, up to the attempts', async () => {
    let calls = 0
    await expect(
      withRetry(
        async () => {
          calls++
          throw pgError('08006')
        },
        { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
      ),
    ).rejects.toThrow(/08006/)
    expect(calls).toBe(3)
    calls = 0
    await expect(
      withRetry(
        async () => {
          calls++
          throw pgError('42501')
        },
        { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
      ),
    ).rejects.toThrow()
    expect(calls).toBe(1)
    expect(
      await withRetry(
        async (a) => {
          if (a < 2) throw pgError('40001')
          return a
        },
        { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
      ),
    ).toBe(2)
  })
})
