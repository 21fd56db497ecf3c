import { classify, PggraphError } from '@pggraph/core'
import { describe, expect, it } from 'vitest'
import { backoffDelay, classifyError, withRetry } from './retry.js'

const pgError = (code: string): Error => Object.assign(new Error(`server said ${code}`), { code })

describe('classifyError', () => {
  // The rules are core's classify (tested there over real SQLSTATEs); the bridge acts on them.
  it("is core's classify: retry the link, quarantine bad data, wait for the operator otherwise", () => {
    expect(classifyError).toBe(classify)
    expect(classifyError(pgError('08006'))).toBe('transient')
    expect(classifyError(new PggraphError('QUERY', 'x', { cause: pgError('42501') }))).toBe('permanent')
    expect(classifyError(new PggraphError('STORE', 'no prefix', { cause: pgError('42883') }))).toBe('forbidden')
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
