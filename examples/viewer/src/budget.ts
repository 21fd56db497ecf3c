/** How many may run at once at one level of a {@link ConcurrencyBudget}, and how many may wait. */
export interface BudgetLevel {
  readonly running: number
  readonly waiting: number
}

/**
 * The limits of a {@link ConcurrencyBudget}: per user (optional), per tenant and in total, each
 * as running + waiting; and how long a waiting job may wait.
 */
export interface BudgetLimits {
  readonly user?: BudgetLevel
  readonly tenant: BudgetLevel
  readonly total: BudgetLevel
  /** A job that waited this long is refused (`scope: 'wait'`). Default: no limit. */
  readonly maxWaitMs?: number
}

/** Who asks: the tenant (schema) and, when the budget has a user level, the user. */
export interface BudgetKey {
  readonly tenant: string
  readonly user?: string
}

/**
 * Why a job was refused: the user or the tenant is over its own budget (`user`, `tenant`: the
 * caller's own doing, HTTP 429), or the whole budget is full or the job waited too long
 * (`total`, `wait`: the server is saturated, HTTP 503).
 */
export type BudgetScope = 'user' | 'tenant' | 'total' | 'wait'

/** A job refused by a {@link ConcurrencyBudget}, with a hint of when to try again. */
export class BudgetError extends Error {
  constructor(
    readonly scope: BudgetScope,
    /** Whole seconds after which trying again is likely to succeed (≥ 1). */
    readonly retryAfterS: number,
    /** The limit that was hit: running + waiting at that level (0 for `wait`). */
    readonly limit: BudgetLevel,
  ) {
    super(`over the ${scope} budget; retry after ${retryAfterS} s`)
    this.name = 'BudgetError'
  }
}

interface Waiter {
  readonly key: BudgetKey
  readonly since: number
  start(): void
  timer?: ReturnType<typeof setTimeout>
}

interface Counts {
  running: number
  waiting: number
}

interface TenantState extends Counts {
  readonly queue: Waiter[]
  /** Slot time used lately (ms, halved every {@link USAGE_HALF_LIFE_MS}), and when it was last decayed. */
  usage: number
  usageAt: number
}

/** How fast a tenant's past use is forgotten when choosing whose waiting job starts next. */
const USAGE_HALF_LIFE_MS = 10_000

const NO_LIMIT: BudgetLevel = { running: Infinity, waiting: Infinity }

/**
 * A concurrency budget with a bounded queue, per user, per tenant and in total. A job runs at
 * once when every level has a free slot; otherwise it waits, unless its level is full (running
 * plus waiting), in which case it is refused at once with a {@link BudgetError}: nobody waits
 * for a timeout because of someone else's flood. When a slot frees, the waiting job of the tenant
 * that used the least slot time lately starts first (ties in turn): a tenant that floods has
 * used the most, so another tenant's burst (a dashboard of graphs) goes first, and the flooding
 * tenant still gets every slot nobody else wants.
 *
 * @example
 * ```ts
 * const budget = new ConcurrencyBudget({
 *   user: { running: 4, waiting: 8 },
 *   tenant: { running: 8, waiting: 16 },
 *   total: { running: 16, waiting: 64 },
 *   maxWaitMs: 15_000,
 * })
 * const svg = await budget.run({ tenant: 'acme', user: 'alice' }, () => renderIt())
 * ```
 */
export class ConcurrencyBudget {
  readonly #limits: Required<Omit<BudgetLimits, 'maxWaitMs'>> & { maxWaitMs: number }
  readonly #users = new Map<string, Counts>()
  /** Tenants in round-robin order: the one served last moves to the end. */
  readonly #tenants = new Map<string, TenantState>()
  readonly #total: Counts = { running: 0, waiting: 0 }
  readonly #now: () => number
  /** Moving average of how long a job holds its slot, for Retry-After. */
  #holdMs = 200

  constructor(limits: BudgetLimits, now: () => number = Date.now) {
    this.#limits = {
      user: limits.user ?? NO_LIMIT,
      tenant: limits.tenant,
      total: limits.total,
      maxWaitMs: limits.maxWaitMs ?? Infinity,
    }
    this.#now = now
  }

  /** Run `fn` within the budget; refused with a {@link BudgetError}, or aborted by `signal`. */
  async run<T>(key: BudgetKey, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(key, signal)
    try {
      return await fn()
    } finally {
      release()
    }
  }

  /**
   * Take a slot for `key` (waiting for one when allowed); resolves to the function that gives it
   * back (call it exactly once).
   */
  acquire(key: BudgetKey, signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error)
    const l = this.#limits
    const user = this.#userOf(key)
    const tenant = this.#tenantOf(key.tenant)
    const refuse = (scope: BudgetScope, at: Counts, level: BudgetLevel): Promise<never> => {
      this.#forget(key)
      return Promise.reject(new BudgetError(scope, this.#retryAfter(at, level), level))
    }
    if (user.running + user.waiting >= l.user.running + l.user.waiting) return refuse('user', user, l.user)
    if (tenant.running + tenant.waiting >= l.tenant.running + l.tenant.waiting)
      return refuse('tenant', tenant, l.tenant)
    if (this.#mayStart(user, tenant)) return Promise.resolve(this.#start(key, user, tenant))
    if (this.#total.waiting >= l.total.waiting) return refuse('total', this.#total, l.total)
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        key,
        since: this.#now(),
        start: () => {
          cleanup()
          resolve(this.#start(key, user, tenant))
        },
      }
      const leave = (): void => {
        const i = tenant.queue.indexOf(w)
        if (i < 0) return
        tenant.queue.splice(i, 1)
        user.waiting--
        tenant.waiting--
        this.#total.waiting--
        this.#forget(key)
      }
      const onAbort = (): void => {
        leave()
        cleanup()
        reject(signal!.reason as Error)
      }
      const cleanup = (): void => {
        if (w.timer) clearTimeout(w.timer)
        signal?.removeEventListener('abort', onAbort)
      }
      if (Number.isFinite(l.maxWaitMs)) {
        w.timer = setTimeout(() => {
          leave()
          cleanup()
          reject(new BudgetError('wait', this.#retryAfter(this.#total, l.total), { running: 0, waiting: 0 }))
        }, l.maxWaitMs)
        w.timer.unref?.()
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      tenant.queue.push(w)
      user.waiting++
      tenant.waiting++
      this.#total.waiting++
    })
  }

  /** Jobs running and waiting now, in total and for one tenant (for tests and logs). */
  stats(tenant?: string): { running: number; waiting: number } {
    const c = tenant === undefined ? this.#total : this.#tenants.get(tenant)
    return { running: c?.running ?? 0, waiting: c?.waiting ?? 0 }
  }

  #userOf(key: BudgetKey): Counts {
    const id = `${key.tenant}\u0000${key.user ?? ''}`
    let u = this.#users.get(id)
    if (!u) this.#users.set(id, (u = { running: 0, waiting: 0 }))
    return u
  }

  #tenantOf(name: string): TenantState {
    let t = this.#tenants.get(name)
    if (!t) this.#tenants.set(name, (t = { running: 0, waiting: 0, queue: [], usage: 0, usageAt: this.#now() }))
    return t
  }

  /** Drop the counters of a user and tenant with nothing running or waiting (memory stays bounded). */
  #forget(key: BudgetKey): void {
    const id = `${key.tenant}\u0000${key.user ?? ''}`
    const u = this.#users.get(id)
    if (u && u.running === 0 && u.waiting === 0) this.#users.delete(id)
    const t = this.#tenants.get(key.tenant)
    if (t && t.running === 0 && t.waiting === 0) this.#tenants.delete(key.tenant)
  }

  #mayStart(user: Counts, tenant: Counts): boolean {
    const l = this.#limits
    return user.running < l.user.running && tenant.running < l.tenant.running && this.#total.running < l.total.running
  }

  #start(key: BudgetKey, user: Counts, tenant: TenantState): () => void {
    user.running++
    tenant.running++
    this.#total.running++
    const started = this.#now()
    let released = false
    return () => {
      if (released) return
      released = true
      user.running--
      tenant.running--
      this.#total.running--
      const held = Math.max(0, this.#now() - started)
      this.#holdMs = 0.8 * this.#holdMs + 0.2 * held
      // Every job counts at least 1 ms, so a tenant of instant jobs still uses its share.
      tenant.usage = this.#usageOf(tenant) + held + 1
      this.#forget(key)
      this.#pump()
    }
  }

  /** A tenant's usage decayed to now. */
  #usageOf(t: TenantState): number {
    const now = this.#now()
    t.usage *= 0.5 ** (Math.max(0, now - t.usageAt) / USAGE_HALF_LIFE_MS)
    t.usageAt = now
    return t.usage
  }

  /** Start waiting jobs while slots are free: the least-used tenant's first runnable job each time. */
  #pump(): void {
    while (this.#total.running < this.#limits.total.running) {
      let best: { name: string; t: TenantState; i: number; usage: number } | undefined
      for (const [name, t] of this.#tenants) {
        if (t.queue.length === 0 || t.running >= this.#limits.tenant.running) continue
        const i = t.queue.findIndex((w) => this.#userOf(w.key).running < this.#limits.user.running)
        if (i < 0) continue
        const usage = this.#usageOf(t)
        if (!best || usage < best.usage) best = { name, t, i, usage }
      }
      if (!best) return
      const { name, t, i } = best
      const [w] = t.queue.splice(i, 1)
      this.#userOf(w!.key).waiting--
      t.waiting--
      this.#total.waiting--
      // Among equals, this tenant had its turn: it goes to the back of the line.
      this.#tenants.delete(name)
      this.#tenants.set(name, t)
      w!.start()
    }
  }

  /** Seconds until a slot at this level is likely free: the queue ahead over the slots, times the hold time. */
  #retryAfter(at: Counts, level: BudgetLevel): number {
    const slots = Number.isFinite(level.running) && level.running > 0 ? level.running : 1
    const rounds = 1 + at.waiting / slots
    return Math.min(60, Math.max(1, Math.ceil((this.#holdMs * rounds) / 1000)))
  }
}
