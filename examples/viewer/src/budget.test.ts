import { describe, expect, it } from 'vitest'
import { BudgetError, ConcurrencyBudget } from './budget.js'

/** A job that runs until `finish()` is called. */
function gate(): { promise: Promise<void>; finish(): void } {
  let finish!: () => void
  const promise = new Promise<void>((r) => (finish = r))
  return { promise, finish }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r))

describe('ConcurrencyBudget', () => {
  const limits = {
    user: { running: 2, waiting: 2 },
    tenant: { running: 3, waiting: 3 },
    total: { running: 4, waiting: 4 },
  }

  it('runs a user up to its limit, queues the next ones and refuses beyond the queue at once', async () => {
    const b = new ConcurrencyBudget(limits)
    const g = gate()
    const started: number[] = []
    const results = Array.from({ length: 6 }, (_, i) =>
      b
        .run({ tenant: 'acme', user: 'alice' }, async () => {
          started.push(i)
          await g.promise
          return i
        })
        .catch((e: unknown) => e),
    )
    await tick()
    expect(started).toEqual([0, 1])
    expect(b.stats('acme')).toEqual({ running: 2, waiting: 2 })
    for (const r of await Promise.all(results.slice(4))) {
      const err = r as BudgetError
      expect(err).toBeInstanceOf(BudgetError)
      expect(err.scope).toBe('user')
      expect(err.retryAfterS).toBeGreaterThanOrEqual(1)
    }
    g.finish()
    expect(await Promise.all(results.slice(0, 4))).toEqual([0, 1, 2, 3])
    expect(b.stats()).toEqual({ running: 0, waiting: 0 })
  })

  it('refuses a tenant over its budget, but another tenant runs at once', async () => {
    const b = new ConcurrencyBudget(limits)
    const g = gate()
    const held = ['u1', 'u1', 'u2', 'u2', 'u3', 'u3'].map((user) =>
      b.run({ tenant: 'acme', user }, () => g.promise).catch((e: unknown) => e),
    )
    await tick()
    const over = await b.run({ tenant: 'acme', user: 'u4' }, () => g.promise).catch((e: unknown) => e)
    expect((over as BudgetError).scope).toBe('tenant')
    let ran = false
    await b.run({ tenant: 'other', user: 'bob' }, async () => {
      ran = true
    })
    expect(ran).toBe(true)
    g.finish()
    for (const r of await Promise.all(held)) expect(r).toBeUndefined()
  })

  it('answers total when the whole budget and its queue are full', async () => {
    const b = new ConcurrencyBudget({
      tenant: { running: 1, waiting: 10 },
      total: { running: 2, waiting: 1 },
    })
    const g = gate()
    const a = b.run({ tenant: 'a' }, () => g.promise)
    const c = b.run({ tenant: 'c' }, () => g.promise)
    const queued = b.run({ tenant: 'd' }, () => g.promise)
    expect(b.stats()).toEqual({ running: 2, waiting: 1 })
    const err = (await b.run({ tenant: 'e' }, () => g.promise).catch((e: unknown) => e)) as BudgetError
    expect(err.scope).toBe('total')
    g.finish()
    await Promise.all([a, c, queued])
  })

  it('starts the waiting job of the tenant that used the least, not in arrival order', async () => {
    const b = new ConcurrencyBudget({ tenant: { running: 10, waiting: 10 }, total: { running: 1, waiting: 20 } })
    const order: string[] = []
    const gates = new Map<string, ReturnType<typeof gate>>()
    const job = (tenant: string, n: number): Promise<void> => {
      const g = gate()
      gates.set(`${tenant}${n}`, g)
      return b.run({ tenant }, async () => {
        order.push(`${tenant}${n}`)
        await g.promise
      })
    }
    const all = [job('a', 0), job('a', 1), job('a', 2), job('a', 3), job('b', 0)]
    await tick()
    // a0 ran: b0 (nothing used yet) goes before a's queue.
    for (const name of ['a0', 'b0', 'a1', 'a2', 'a3']) {
      expect(order.at(-1)).toBe(name)
      gates.get(name)!.finish()
      await tick()
    }
    await Promise.all(all)
  })

  it('takes turns between tenants that used as much', async () => {
    const b = new ConcurrencyBudget(
      { tenant: { running: 10, waiting: 10 }, total: { running: 1, waiting: 20 } },
      () => 0,
    )
    const order: string[] = []
    const gates: ReturnType<typeof gate>[] = []
    const job = (tenant: string): Promise<void> => {
      const g = gate()
      gates.push(g)
      return b.run({ tenant }, async () => {
        order.push(tenant)
        await g.promise
      })
    }
    const all = [job('x'), job('a'), job('a'), job('b'), job('b')]
    for (let i = 0; i < 5; i++) {
      await tick()
      gates[i]!.finish()
    }
    await Promise.all(all)
    expect(order).toEqual(['x', 'a', 'b', 'a', 'b'])
  })

  it('refuses a job that waited longer than maxWaitMs, and forgets an aborted one', async () => {
    const b = new ConcurrencyBudget({
      tenant: { running: 1, waiting: 5 },
      total: { running: 1, waiting: 5 },
      maxWaitMs: 30,
    })
    const g = gate()
    const first = b.run({ tenant: 'a' }, () => g.promise)
    const late = (await b.run({ tenant: 'a' }, () => g.promise).catch((e: unknown) => e)) as BudgetError
    expect(late.scope).toBe('wait')
    const abort = new AbortController()
    const gone = b.run({ tenant: 'a' }, () => g.promise, abort.signal).catch((e: unknown) => e)
    expect(b.stats('a').waiting).toBe(1)
    abort.abort(new Error('client went away'))
    expect(((await gone) as Error).message).toBe('client went away')
    expect(b.stats('a')).toEqual({ running: 1, waiting: 0 })
    g.finish()
    await first
  })

  it('gives the slot back when the job throws', async () => {
    const b = new ConcurrencyBudget({ tenant: { running: 1, waiting: 0 }, total: { running: 1, waiting: 0 } })
    await expect(b.run({ tenant: 'a' }, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    expect(await b.run({ tenant: 'a' }, () => Promise.resolve(7))).toBe(7)
  })
})
