import { randomBytes } from 'node:crypto'

/** Who is logged in: a user of one tenant schema, or an admin who may open every schema. */
export interface ViewerIdentity {
  readonly user: string
  /** The user's tenant schema; `null` for an admin without one. */
  readonly schema: string | null
  readonly admin: boolean
}

/**
 * A browser session. Anonymous sessions (before login) exist only to carry the CSRF token of
 * the login form; a login replaces the session with a new id (rotation against fixation).
 */
export interface Session {
  readonly id: string
  readonly csrf: string
  readonly identity: ViewerIdentity | null
  readonly created: number
  lastSeen: number
}

/** Lifetimes of sessions, in milliseconds. */
export interface SessionTimes {
  /** Absolute lifetime of a logged-in session. */
  readonly maxAgeMs: number
  /** A logged-in session unused for this long expires. */
  readonly idleMs: number
}

const token = (): string => randomBytes(32).toString('base64url')

/**
 * In-memory sessions with absolute and idle expiry. In memory on purpose: a restart logs
 * everyone out, which is acceptable for a viewer and keeps secrets out of the store.
 */
export class SessionStore {
  readonly #sessions = new Map<string, Session>()
  readonly #times: SessionTimes
  readonly #now: () => number
  #lastSweep = 0

  readonly #max: number

  constructor(times: SessionTimes, now: () => number = Date.now, maxSessions = 100_000) {
    this.#times = times
    this.#now = now
    this.#max = maxSessions
  }

  /** The live session of `id`, refreshed; `undefined` when unknown or expired. */
  get(id: string | undefined): Session | undefined {
    if (!id) return undefined
    const s = this.#sessions.get(id)
    if (!s) return undefined
    const now = this.#now()
    if (this.#expired(s, now)) {
      this.#sessions.delete(id)
      return undefined
    }
    s.lastSeen = now
    return s
  }

  /** A new session (anonymous when `identity` is null) with fresh id and CSRF token. */
  create(identity: ViewerIdentity | null): Session {
    const now = this.#now()
    this.#sweep(now)
    if (this.#sessions.size >= this.#max) this.#shed()
    const s: Session = { id: token(), csrf: token(), identity, created: now, lastSeen: now }
    this.#sessions.set(s.id, s)
    return s
  }

  /** End a session (logout, or rotation at login). */
  destroy(id: string): void {
    this.#sessions.delete(id)
  }

  /** End every session of `user` (after a password change or removal). */
  destroyUser(user: string): void {
    for (const [id, s] of this.#sessions) if (s.identity?.user === user) this.#sessions.delete(id)
  }

  /** Seconds a cookie for `s` should live. */
  cookieMaxAge(s: Session): number {
    const left = s.created + (s.identity ? this.#times.maxAgeMs : ANON_MAX_AGE_MS) - this.#now()
    return Math.max(0, Math.floor(left / 1000))
  }

  #expired(s: Session, now: number): boolean {
    if (!s.identity) return now - s.created >= ANON_MAX_AGE_MS
    return now - s.created >= this.#times.maxAgeMs || now - s.lastSeen >= this.#times.idleMs
  }

  // Every visit to the login page makes an anonymous session: under a flood, the oldest
  // anonymous ones go first, so logged-in users keep theirs.
  #shed(): void {
    const target = Math.floor(this.#max * 0.9)
    for (const [id, s] of this.#sessions) {
      if (this.#sessions.size <= target) return
      if (!s.identity) this.#sessions.delete(id)
    }
    for (const id of this.#sessions.keys()) {
      if (this.#sessions.size <= target) return
      this.#sessions.delete(id)
    }
  }

  #sweep(now: number): void {
    if (now - this.#lastSweep < 60_000) return
    this.#lastSweep = now
    for (const [id, s] of this.#sessions) if (this.#expired(s, now)) this.#sessions.delete(id)
  }
}

/** A login form is valid this long. */
const ANON_MAX_AGE_MS = 60 * 60 * 1000
