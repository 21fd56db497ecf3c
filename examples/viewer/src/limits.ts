import { availableParallelism } from 'node:os'
import { PggraphError } from '@pggraph/core'
import type { BudgetLimits } from './budget.js'

/**
 * How many requests that read the store or render (graph images, dashboards, object lists) run
 * at once per user, per tenant and in total. Each level also queues twice its running count
 * (four times in total); beyond that a request is answered at once: 429 when the user or
 * tenant is over its own budget, 503 when the viewer is full or a request waited `maxWaitMs`.
 * Graphs already in the cache are served outside the budget.
 */
export interface RequestBudget {
  /** Default 4 (a browser loads 6 images at a time: 4 render, 2 wait). */
  readonly perUser?: number
  /** Default 8; must be below `total`, so another tenant always finds a free slot. */
  readonly perTenant?: number
  /** Default 16. */
  readonly total?: number
  /** Default 15,000 ms. */
  readonly maxWaitMs?: number
}

/** The defaults of {@link RequestBudget}. */
export const DEFAULT_REQUEST_BUDGET = { perUser: 4, perTenant: 8, total: 16, maxWaitMs: 15_000 } as const

/** Render worker threads by default: one core is left to the request thread, 1 to 4. */
export function defaultRenderWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1))
}

/**
 * The {@link BudgetLimits} of a {@link RequestBudget}, checked: a `CONFIG` error naming the
 * flag to fix when the levels do not nest (per user ≤ per tenant < total).
 */
export function requestBudgetLimits(b: RequestBudget = {}): BudgetLimits {
  const perUser = b.perUser ?? DEFAULT_REQUEST_BUDGET.perUser
  const perTenant = b.perTenant ?? DEFAULT_REQUEST_BUDGET.perTenant
  const total = b.total ?? DEFAULT_REQUEST_BUDGET.total
  const maxWaitMs = b.maxWaitMs ?? DEFAULT_REQUEST_BUDGET.maxWaitMs
  for (const [name, v] of [
    ['--user-concurrency', perUser],
    ['--tenant-concurrency', perTenant],
    ['--concurrency', total],
  ] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 10_000)
      throw new PggraphError('CONFIG', `${name} must be a whole number from 1 to 10000 (got ${v}).`)
  }
  if (perUser > perTenant)
    throw new PggraphError(
      'CONFIG',
      `--user-concurrency (${perUser}) cannot be more than --tenant-concurrency (${perTenant}): one user is part of one tenant.`,
    )
  if (perTenant >= total)
    throw new PggraphError(
      'CONFIG',
      `--tenant-concurrency (${perTenant}) must be below --concurrency (${total}), so one tenant cannot take every slot.`,
    )
  if (!(maxWaitMs >= 100 && maxWaitMs <= 600_000))
    throw new PggraphError('CONFIG', `--queue-wait must be from 0.1 to 600 seconds (got ${maxWaitMs / 1000}).`)
  return {
    user: { running: perUser, waiting: 2 * perUser },
    tenant: { running: perTenant, waiting: 2 * perTenant },
    total: { running: total, waiting: 4 * total },
    maxWaitMs,
  }
}
