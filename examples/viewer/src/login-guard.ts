import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { RateLimiter, type RateVerdict } from './rate-limit.js'

/** The login limits of a viewer (see docs/viewer.md, "Login limits"). */
export interface LoginLimits {
  /** Attempts per client address in a window (every attempt counts). Default 20. */
  readonly perIp: number
  /**
   * Failed attempts per user name in a window, from every address together, for browsers that
   * have not logged in as that user before; a browser that has (its device cookie) gets its own
   * count of the same size. Default 5.
   */
  readonly perUser: number
  /** The window, in ms. Default 15 minutes. */
  readonly windowMs: number
}

/** One reserved login attempt: report how it ended, exactly once. */
export interface LoginAttempt {
  /** The password was right: the count of this key starts again. */
  succeeded(): void
  /** The password was wrong (or the user unknown): one failure counts. */
  failed(): void
}

interface Counter {
  /** Start of the window (the first failure in it). */
  start: number
  failures: number
  /** Attempts reserved and not yet reported: counted against the limit while scrypt runs. */
  inflight: number
}

const DEVICE_MAX_AGE_S = 180 * 86_400

/**
 * The login limits, enforced so that parallel requests cannot beat them: an attempt is
 * reserved (counted) synchronously, before the password hash is computed, and released as a
 * failure or a success afterwards. Three counts:
 *
 * - per client address: {@link LoginLimits.perIp} attempts per window;
 * - per user name, across all addresses: {@link LoginLimits.perUser} failures per window for
 *   browsers without a device cookie of that user, so neither parallel guesses nor spoofed
 *   `X-Forwarded-For` addresses buy more guesses;
 * - per device: a browser that logged in as a user before carries a signed cookie naming that
 *   user, and has its own count instead of the shared one. An attacker who floods a user name
 *   locks out new browsers for at most one window, never the browsers that user already uses;
 *   `pggraph-viewer users unlock` ends the lock at once.
 *
 * In memory, like sessions: a restart clears every count and invalidates device cookies (the
 * signing key is random per process).
 */
export class LoginGuard {
  readonly #perIp: RateLimiter
  readonly #counters = new Map<string, Counter>()
  readonly #limits: LoginLimits
  readonly #now: () => number
  readonly #secret = randomBytes(32)
  readonly #maxKeys: number

  constructor(limits: LoginLimits, now: () => number = Date.now, maxKeys = 100_000) {
    this.#limits = limits
    this.#now = now
    this.#maxKeys = maxKeys
    this.#perIp = new RateLimiter({ limit: limits.perIp, windowMs: limits.windowMs, now, maxKeys })
  }

  /**
   * Reserve one attempt of `user` from `ip` (with the request's device cookie, if any), or
   * refuse with the seconds to wait. Synchronous on purpose: no request can slip in between
   * the check and the count.
   */
  reserve(ip: string, user: string, device: string | undefined): RateVerdict & { attempt?: LoginAttempt } {
    const byIp = this.#perIp.hit(ip)
    if (!byIp.ok) return byIp
    const key = this.#keyOf(user, device)
    const c = this.#counter(key)
    if (c.failures + c.inflight >= this.#limits.perUser) {
      const left = c.failures >= this.#limits.perUser ? c.start + this.#limits.windowMs - this.#now() : 1_000
      return { ok: false, retryAfter: Math.max(1, Math.ceil(left / 1000)) }
    }
    c.inflight++
    let done = false
    const finish = (ok: boolean): void => {
      if (done) return
      done = true
      c.inflight--
      // The count may have been cleared meanwhile (a success, an unlock): a failure then
      // starts a new one.
      const cur = this.#counters.get(key) === c ? c : this.#counter(key)
      if (ok) {
        if (cur.inflight === 0) this.#counters.delete(key)
        else cur.failures = 0
      } else {
        if (cur.failures === 0) cur.start = this.#now()
        cur.failures++
      }
    }
    return { ok: true, attempt: { succeeded: () => finish(true), failed: () => finish(false) } }
  }

  /**
   * When the count an attempt of `user` with this device cookie would use has locked them out,
   * the start of that window; `undefined` when it has not.
   */
  lockedSince(user: string, device: string | undefined): number | undefined {
    const c = this.#counters.get(this.#keyOf(user, device))
    if (!c || c.failures < this.#limits.perUser || this.#now() - c.start >= this.#limits.windowMs) return undefined
    return c.start
  }

  /**
   * Apply a `users unlock` made at `unlockedAt` (ms, default now): every count of `user` (the
   * shared one and each device's) whose window began before it starts again. Returns whether
   * anything was cleared; the same unlock applied twice clears nothing the second time.
   */
  unlock(user: string, unlockedAt: number = this.#now()): boolean {
    const u = user.toLowerCase()
    let cleared = false
    for (const [key, c] of this.#counters) {
      if ((key === `u:${u}` || key.startsWith(`d:${u}:`)) && c.failures > 0 && c.start < unlockedAt) {
        c.failures = 0
        cleared = true
      }
    }
    return cleared
  }

  /**
   * A device cookie value for `user`, set after a successful login: a MAC (32 characters), a
   * random id (16) and the user name, base64url, so it fits the cookie syntax as it is.
   */
  deviceToken(user: string): string {
    const id = `${randomBytes(12).toString('base64url')}${Buffer.from(user.toLowerCase()).toString('base64url')}`
    return `${this.#mac(id)}${id}`
  }

  /** Seconds a device cookie lives. */
  get deviceMaxAge(): number {
    return DEVICE_MAX_AGE_S
  }

  #mac(id: string): string {
    return createHmac('sha256', this.#secret).update(id).digest('base64url').slice(0, 32)
  }

  /** The counter key: the device's own when its cookie is valid for this user, else the user's. */
  #keyOf(user: string, device: string | undefined): string {
    const u = user.toLowerCase()
    const m = device ? /^([A-Za-z0-9_-]{32})([A-Za-z0-9_-]{16})([A-Za-z0-9_-]{1,120})$/.exec(device) : null
    if (m && Buffer.from(m[3]!, 'base64url').toString() === u) {
      const want = Buffer.from(this.#mac(`${m[2]!}${m[3]!}`))
      const got = Buffer.from(m[1]!)
      if (timingSafeEqual(want, got)) return `d:${u}:${m[2]!}`
    }
    return `u:${u}`
  }

  #counter(key: string): Counter {
    const now = this.#now()
    let c = this.#counters.get(key)
    if (c) {
      if (c.failures > 0 && now - c.start >= this.#limits.windowMs) c.failures = 0
      return c
    }
    if (this.#counters.size >= this.#maxKeys) this.#sweep()
    c = { start: now, failures: 0, inflight: 0 }
    this.#counters.set(key, c)
    return c
  }

  // A flood of user names must not grow the map without bound: expired counts go first, then
  // the oldest ones without an attempt in flight.
  #sweep(): void {
    const now = this.#now()
    for (const [k, c] of this.#counters)
      if (c.inflight === 0 && (c.failures === 0 || now - c.start >= this.#limits.windowMs)) this.#counters.delete(k)
    for (const [k, c] of this.#counters) {
      if (this.#counters.size < this.#maxKeys) break
      if (c.inflight === 0) this.#counters.delete(k)
    }
  }
}
