import { describe, expect, it } from 'vitest'
import { intFlag, parseArgs } from './cli-args.js'
import { requestBudgetLimits } from './limits.js'
import { checkPoolLimits } from './store-access.js'

describe('viewer limits', () => {
  it('derives the queues from the running counts', () => {
    expect(requestBudgetLimits()).toEqual({
      user: { running: 4, waiting: 8 },
      tenant: { running: 8, waiting: 16 },
      total: { running: 16, waiting: 64 },
      maxWaitMs: 15_000,
    })
  })

  it('refuses levels that do not nest, naming the flag', () => {
    expect(() => requestBudgetLimits({ perUser: 9 })).toThrow(
      /--user-concurrency \(9\) cannot be more than --tenant-concurrency \(8\)/,
    )
    expect(() => requestBudgetLimits({ perTenant: 16 })).toThrow(
      /--tenant-concurrency \(16\) must be below --concurrency \(16\)/,
    )
    expect(() => requestBudgetLimits({ total: 0 })).toThrow(/--concurrency must be a whole number/)
  })

  it('keeps one tenant below the store pool', () => {
    expect(checkPoolLimits({})).toEqual({ poolSize: 10, perTenant: 4 })
    expect(checkPoolLimits({ poolSize: 2 })).toEqual({ poolSize: 2, perTenant: 1 })
    expect(() => checkPoolLimits({ poolSize: 4, perTenant: 4 })).toThrow(/below the pool size 4 \(got 4\)/)
    expect(() => checkPoolLimits({ poolSize: 1 })).toThrow(/--pool-size/)
  })

  it('reads a limit from its flag, else from its variable, and names the one that is wrong', () => {
    const spec = { value: ['concurrency'], switch: [] }
    process.env['PGGRAPH_TEST_CONCURRENCY'] = '12'
    try {
      expect(intFlag(parseArgs([], spec), 'concurrency', 1, 100, 'PGGRAPH_TEST_CONCURRENCY')).toBe(12)
      expect(intFlag(parseArgs(['--concurrency', '20'], spec), 'concurrency', 1, 100, 'PGGRAPH_TEST_CONCURRENCY')).toBe(
        20,
      )
      process.env['PGGRAPH_TEST_CONCURRENCY'] = 'lots'
      expect(() => intFlag(parseArgs([], spec), 'concurrency', 1, 100, 'PGGRAPH_TEST_CONCURRENCY')).toThrow(
        /^PGGRAPH_TEST_CONCURRENCY must be a whole number from 1 to 100 \(got "lots"\)/,
      )
    } finally {
      delete process.env['PGGRAPH_TEST_CONCURRENCY']
    }
  })
})
