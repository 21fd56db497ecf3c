/** The verdict of a {@link RateLimiter}: allowed, or refused with the seconds to wait. */
export type RateVerdict = { readonly ok: true } | { readonly ok: false; readonly retryAfter: number }

interface Window {
  start: number
  count: number
}

/**
 * Fixed-window counters per key (an IP address, a user name): at most `limit` hits per
 * `windowMs`. In memory, because the viewer is one process; the map is swept so an attacker
 * cycling keys cannot grow it without bound.
 */
export class RateLimiter {
  readonly #windows = new Map<string, Window>()
  readonly #limit: number
  readonly #windowMs: number
  readonly #now: () => number
  readonly #maxKeys: number

  constructor(options: { limit: number; windowMs: number; now?: () => number; maxKeys?: number }) {
    this.#limit = options.limit
    this.#windowMs = options.windowMs
    this.#now = options.now ?? Date.now
    this.#maxKeys = options.maxKeys ?? 100_000
  }

  /** Whether `key` is currently over its limit, without counting a hit. */
  check(key: string): RateVerdict {
    const w = this.#current(key)
    if (w && w.count >= this.#limit) return this.#refuse(w)
    return { ok: true }
  }

  /** Count one hit for `key`; refused when this hit goes over the limit. */
  hit(key: string): RateVerdict {
    const now = this.#now()
    let w = this.#current(key)
    if (!w) {
      if (this.#windows.size >= this.#maxKeys) this.#sweep(now)
      w = { start: now, count: 0 }
      this.#windows.set(key, w)
    }
    w.count++
    return w.count > this.#limit ? this.#refuse(w) : { ok: true }
  }

  /** Forget `key` (after a successful login). */
  reset(key: string): void {
    this.#windows.delete(key)
  }

  #current(key: string): Window | undefined {
    const w = this.#windows.get(key)
    if (w && this.#now() - w.start >= this.#windowMs) {
      this.#windows.delete(key)
      return undefined
    }
    return w
  }

  #refuse(w: Window): RateVerdict {
    return { ok: false, retryAfter: Math.max(1, Math.ceil((w.start + this.#windowMs - this.#now()) / 1000)) }
  }

  #sweep(now: number): void {
    for (const [k, w] of this.#windows) if (now - w.start >= this.#windowMs) this.#windows.delete(k)
    // Still full: drop the oldest entries (Map keeps insertion order).
    for (const k of this.#windows.keys()) {
      if (this.#windows.size < this.#maxKeys) break
      this.#windows.delete(k)
    }
  }
}
