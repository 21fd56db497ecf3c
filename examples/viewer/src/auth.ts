import type { IncomingMessage, ServerResponse } from 'node:http'
import { findUser } from './users.js'
import { burnPasswordCheck, safeEqual, verifyPassword } from './password.js'
import { HttpError, parseCookies, readForm, redirect, send, sessionCookie } from './http-util.js'
import { errorPage, loginPage } from './pages.js'
import type { RateLimiter } from './rate-limit.js'
import type { Session, SessionStore } from './sessions.js'
import type { StoreAccess } from './store-access.js'

/** What the login and logout handlers need from the viewer. */
export interface AuthContext {
  readonly store: StoreAccess
  readonly sessions: SessionStore
  readonly perIp: RateLimiter
  readonly perUser: RateLimiter
  readonly cookieName: string
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
 * POST /login: CSRF, then the per-IP and per-user limits (429 with Retry-After), then the
 * scrypt check. Success rotates the session: the anonymous id is dropped and a new id issued.
 */
export async function doLogin(ctx: AuthContext, req: IncomingMessage, res: ServerResponse, ip: string): Promise<void> {
  const form = await readForm(req)
  const anon = sessionOf(ctx, req)
  checkCsrf(req, anon, form)
  const user = (form.get('user') ?? '').trim().slice(0, 64)
  const next = safeNext(form.get('next'))
  const password = (form.get('password') ?? '').slice(0, 1024)
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
  const byIp = ctx.perIp.hit(ip)
  if (!byIp.ok) return limited(byIp.retryAfter)
  const userKey = user.toLowerCase()
  const byUser = ctx.perUser.check(userKey)
  if (!byUser.ok) return limited(byUser.retryAfter)
  const stored = user ? await ctx.store.service((db) => findUser(db, user)) : undefined
  const ok = stored ? await verifyPassword(password, stored.passwordHash) : await burnPasswordCheck(password)
  if (!ok || !stored) {
    const after = ctx.perUser.hit(userKey)
    ctx.log(`login failed for ${JSON.stringify(user)} from ${ip}`)
    if (!after.ok) return limited(after.retryAfter)
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
  ctx.perUser.reset(userKey)
  ctx.sessions.destroy(anon!.id)
  const s = ctx.sessions.create({ user: stored.user, schema: stored.schema, admin: stored.admin })
  setSession(ctx, res, s)
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
