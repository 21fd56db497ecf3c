import type { IncomingMessage, ServerResponse } from 'node:http'
import { findUser, msSinceUnlock } from './users.js'
import { burnPasswordCheck, safeEqual, verifyPassword } from './password.js'
import { HttpError, parseCookies, readForm, redirect, send, sessionCookie } from './http-util.js'
import type { LoginGuard } from './login-guard.js'
import { errorPage, loginPage } from './pages.js'
import type { Session, SessionStore } from './sessions.js'
import type { StoreAccess } from './store-access.js'

/** What the login and logout handlers need from the viewer. */
export interface AuthContext {
  readonly store: StoreAccess
  readonly sessions: SessionStore
  readonly guard: LoginGuard
  readonly cookieName: string
  /** The device cookie: proof that this browser logged in as a user before (see {@link LoginGuard}). */
  readonly deviceCookieName: string
  readonly now: () => number
  readonly secure: boolean
  readonly log: (line: string) => void
}

/** The session of a request, if its cookie names a live one. */
export function sessionOf(ctx: AuthContext, req: IncomingMessage): Session | undefined {
  return ctx.sessions.get(parseCookies(req.headers.cookie).get(ctx.cookieName))
}

function setSession(ctx: AuthContext, res: ServerResponse, s: Session): void {
  res.setHeader('Set-Cookie', sessionCookie(ctx.cookieName, s.id, ctx.sessions.cookieMaxAge(s), ctx.secure))
}

/**
 * Refuse a cross-site form post before anything else: the CSRF token must equal the session's
 * (constant-time compare), and a browser that says the request is cross-site is refused too.
 */
export function checkCsrf(req: IncomingMessage, session: Session | undefined, form: URLSearchParams): void {
  if (req.headers['sec-fetch-site'] === 'cross-site') throw new HttpError(403, 'Cross-site form posts are refused.')
  const token = form.get('csrf') ?? ''
  if (!session || !token || !safeEqual(token, session.csrf)) {
    throw new HttpError(403, 'The form has expired or did not come from this site. Reload the page and try again.')
  }
}

/**
 * Where to go after logging in: `next` when it is a page of this viewer (a path starting with
 * one `/`, of plain URL characters, at most 1024 of them), else `/`. Anything else (`//host`,
 * `/\\host`, `https://…`, a CR/LF) would make the login an open redirect or a header injection.
 */
export function safeNext(next: string | null | undefined): string {
  if (!next || next.length > 1024) return '/'
  if (!/^\/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*$/.test(next)) return '/'
  return next
}

/** The login page's address that comes back to `path` (a page's path and query) after logging in. */
export function loginFor(path: string): string {
  const next = safeNext(path)
  return next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`
}

/** GET /login: the form, with a fresh anonymous session carrying its CSRF token. */
export function showLogin(ctx: AuthContext, req: IncomingMessage, res: ServerResponse, next: string): void {
  const current = sessionOf(ctx, req)
  if (current?.identity) return redirect(res, next)
  const s = current ?? ctx.sessions.create(null)
  setSession(ctx, res, s)
  send(req, res, 200, 'text/html; charset=utf-8', loginPage(s.csrf, { next }), { 'Cache-Control': 'no-store' })
}

/**
 * POST /login: CSRF, then one attempt reserved against the limits before the scrypt check
 * (see {@link LoginGuard}: parallel requests cannot all be checked), 429 with Retry-After when
 * refused. Success rotates the session (the anonymous id is dropped, a new one issued) and
 * sets the device cookie that gives this browser its own count for this user.
 */
export async function doLogin(ctx: AuthContext, req: IncomingMessage, res: ServerResponse, ip: string): Promise<void> {
  const form = await readForm(req)
  const anon = sessionOf(ctx, req)
  checkCsrf(req, anon, form)
  const user = (form.get('user') ?? '').trim().slice(0, 64)
  const next = safeNext(form.get('next'))
  const password = (form.get('password') ?? '').slice(0, 1024)
  const device = parseCookies(req.headers.cookie).get(ctx.deviceCookieName)
  const limited = (retryAfter: number): void =>
    send(
      req,
      res,
      429,
      'text/html; charset=utf-8',
      errorPage(429, `Too many login attempts. Try again in ${retryAfter} seconds.`),
      {
        'Retry-After': String(retryAfter),
        'Cache-Control': 'no-store',
      },
    )
  // A lock that `users unlock` lifted (maybe from another process) ends before the attempt.
  const since = ctx.guard.lockedSince(user, device)
  if (since !== undefined) {
    const ago = await ctx.store.service((db) => msSinceUnlock(db, user))
    if (ago !== null) ctx.guard.unlock(user, ctx.now() - ago)
  }
  const verdict = ctx.guard.reserve(ip, user, device)
  if (!verdict.ok || !verdict.attempt) {
    ctx.log(`login refused for ${JSON.stringify(user)} from ${ip}: too many attempts`)
    return limited(verdict.ok ? 1 : verdict.retryAfter)
  }
  const attempt = verdict.attempt
  let stored
  let ok = false
  try {
    stored = user ? await ctx.store.service((db) => findUser(db, user)) : undefined
    ok = stored ? await verifyPassword(password, stored.passwordHash) : await burnPasswordCheck(password)
  } finally {
    if (ok && stored) attempt.succeeded()
    else attempt.failed()
  }
  if (!ok || !stored) {
    ctx.log(`login failed for ${JSON.stringify(user)} from ${ip}`)
    const s = anon!
    setSession(ctx, res, s)
    return send(
      req,
      res,
      401,
      'text/html; charset=utf-8',
      loginPage(s.csrf, { error: 'Wrong user name or password.', user, next }),
      {
        'Cache-Control': 'no-store',
      },
    )
  }
  ctx.sessions.destroy(anon!.id)
  const s = ctx.sessions.create({ user: stored.user, schema: stored.schema, admin: stored.admin })
  res.setHeader('Set-Cookie', [
    sessionCookie(ctx.cookieName, s.id, ctx.sessions.cookieMaxAge(s), ctx.secure),
    sessionCookie(ctx.deviceCookieName, ctx.guard.deviceToken(stored.user), ctx.guard.deviceMaxAge, ctx.secure),
  ])
  ctx.log(`login ${stored.user} from ${ip}`)
  redirect(res, next)
}

/** POST /logout: CSRF-checked; ends the session and clears the cookie. */
export async function doLogout(ctx: AuthContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const form = await readForm(req)
  const s = sessionOf(ctx, req)
  checkCsrf(req, s, form)
  ctx.sessions.destroy(s!.id)
  res.setHeader('Set-Cookie', sessionCookie(ctx.cookieName, '', 0, ctx.secure))
  redirect(res, '/login')
}
