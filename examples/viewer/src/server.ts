import http from 'node:http'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { randomBytes } from 'node:crypto'
import { PggraphError, isPggraphError } from '@pggraph/core'
import { STYLE_CSS, VIEWER_JS } from './assets.js'
import { doLogin, doLogout, loginFor, safeNext, sessionOf, showLogin, type AuthContext } from './auth.js'
import { ConcurrencyBudget } from './budget.js'
import { ImageCache } from './cache.js'
import { DEFAULT_GRAPH_BOUNDS, type GraphBounds } from './graph-bounds.js'
import { HttpError, clientIp, redirect, securityHeaders, send } from './http-util.js'
import { errorPage, systemsPage } from './pages.js'
import { LoginGuard } from './login-guard.js'
import { defaultRenderWorkers, requestBudgetLimits, type RequestBudget } from './limits.js'
import { GraphRenderPool } from './render-pool.js'
import { SessionStore, type Session } from './sessions.js'
import { checkPoolLimits, openStoreAccess, type StoreAccess, type StorePoolOptions } from './store-access.js'
import { systemRoute, type SystemContext } from './system-routes.js'
import { schemasOf, systemsOfSchema, type SystemInfo } from './systems.js'
import { addUser, ensureUsersTable, findUser, unlockUser, type ViewerUser } from './users.js'

/** How to run a viewer; only `store` is required. */
export interface ViewerOptions {
  /** The store URL (`pglite:<folder>` or `postgres://…`), or a store already opened with {@link openStoreAccess}. */
  readonly store: string | StoreAccess
  /** Serve HTTPS with this certificate and key (PEM). Cookies are then `Secure`. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer }
  /** Mark cookies `Secure` without serving TLS (behind a reverse proxy that terminates HTTPS). */
  readonly secureCookies?: boolean
  /** Take the client address from the last `X-Forwarded-For` hop (only behind a trusted proxy). */
  readonly trustProxy?: boolean
  /** Absolute session lifetime (default 12 h) and idle timeout (default 2 h), in ms. */
  readonly session?: { readonly maxAgeMs?: number; readonly idleMs?: number }
  /**
   * Login limits (see {@link LoginGuard}): attempts per client address, and failed attempts per
   * user name (shared by new browsers; each browser that logged in as the user before has its
   * own), in a window. Default 20 and 5 per 15 minutes.
   */
  readonly loginLimits?: { readonly perIp?: number; readonly perUser?: number; readonly windowMs?: number }
  /** Graph size in pixels (default 800 × 260). */
  readonly graphSize?: { readonly width: number; readonly height: number }
  /**
   * How many store reads and renders run at once per user, per tenant and in total, and how long
   * a request may wait (see {@link RequestBudget}; default 4, 8, 16 and 15 s).
   */
  readonly budget?: RequestBudget
  /**
   * Store connections when `store` is a URL: the pool (default 10) and what one tenant's reads
   * may hold of it (default 4, always below the pool).
   */
  readonly storePool?: StorePoolOptions
  /** Worker threads that render graphs (default: the cores but one, 1 to 4). */
  readonly renderWorkers?: number
  /** How much one graph may draw (default {@link DEFAULT_GRAPH_BOUNDS}). */
  readonly graphBounds?: Partial<GraphBounds>
  /** The clock (tests move it to expire sessions). */
  readonly now?: () => number
  /** Where log lines go (default stderr). */
  readonly log?: (line: string) => void
}

/** A running (or ready to run) viewer. */
export interface Viewer {
  readonly server: http.Server
  readonly store: StoreAccess
  /** The request handler, for mounting in another server. */
  handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void>
  /** Listen on `port` (0 picks a free one) and `host` (default 127.0.0.1); resolves to the base URL. */
  listen(port: number, host?: string): Promise<string>
  /** Add or update a user (scrypt-hashed password), e.g. a demo login. */
  addUser(input: { user: string; schema?: string | null; admin?: boolean; password: string }): Promise<ViewerUser>
  /**
   * Lift `user`'s login lock now, in this viewer and (through the users table) in every other
   * viewer of the store, as `pggraph-viewer users unlock` does; false when there is no such user.
   */
  unlockUser(user: string): Promise<boolean>
  /** Number of graphs in the render cache. */
  readonly cachedGraphs: number
  /** Stop listening and close the store (when the viewer opened it). */
  close(): Promise<void>
}

const SYSTEMS_TTL_MS = 10_000
const IDENTITY_RECHECK_MS = 60_000

/**
 * Create the viewer: open the store, create the users table if missing, and build the HTTP(S)
 * server (not yet listening).
 *
 * @example
 * ```ts
 * const viewer = await createViewer({ store: 'pglite:./pggraph-data' })
 * await viewer.addUser({ user: 'demo', schema: 'demo', password: 'demo-password' })
 * console.log(await viewer.listen(8080))
 * ```
 */
export async function createViewer(options: ViewerOptions): Promise<Viewer> {
  const ownsStore = typeof options.store === 'string'
  // Limits are checked before anything is opened: a bad one is a one-line error, not a half-started viewer.
  const budgetLimits = requestBudgetLimits(options.budget)
  const renderWorkers = options.renderWorkers ?? defaultRenderWorkers()
  if (!Number.isInteger(renderWorkers) || renderWorkers < 1 || renderWorkers > 64)
    throw new PggraphError('CONFIG', `--render-workers must be a whole number from 1 to 64 (got ${renderWorkers}).`)
  const store =
    typeof options.store === 'string'
      ? await openStoreAccess(options.store, checkPoolLimits(options.storePool ?? {}))
      : options.store
  await ensureUsersTable(store)
  const now = options.now ?? Date.now
  const log = options.log ?? ((line: string) => process.stderr.write(`${new Date(now()).toISOString()} ${line}\n`))
  const secure = Boolean(options.tls) || options.secureCookies === true
  const windowMs = options.loginLimits?.windowMs ?? 15 * 60_000
  const auth: AuthContext = {
    store,
    sessions: new SessionStore(
      { maxAgeMs: options.session?.maxAgeMs ?? 12 * 3_600_000, idleMs: options.session?.idleMs ?? 2 * 3_600_000 },
      now,
    ),
    guard: new LoginGuard(
      { perIp: options.loginLimits?.perIp ?? 20, perUser: options.loginLimits?.perUser ?? 5, windowMs },
      now,
    ),
    // The __Host- prefix pins the cookie to this host and path, over HTTPS only.
    cookieName: secure ? '__Host-pggraph' : 'pggraph',
    deviceCookieName: secure ? '__Host-pggraph-device' : 'pggraph-device',
    now,
    secure,
    log,
  }
  const cache = new ImageCache()
  const systemsCache = new Map<string, { at: number; list: Promise<SystemInfo[]> }>()
  const systemsOf = (schema: string): Promise<SystemInfo[]> => {
    const hit = systemsCache.get(schema)
    if (hit && now() - hit.at < SYSTEMS_TTL_MS) return hit.list
    const list = systemsOfSchema(store, schema, now())
    list.catch(() => systemsCache.delete(schema))
    systemsCache.set(schema, { at: now(), list })
    return list
  }
  const renders = new GraphRenderPool(renderWorkers)
  const sys: SystemContext = {
    store,
    cache,
    now,
    size: options.graphSize ?? { width: 800, height: 260 },
    systems: systemsOf,
    log,
    budget: new ConcurrencyBudget(budgetLimits),
    renders,
    bounds: { ...DEFAULT_GRAPH_BOUNDS, ...options.graphBounds },
  }
  const checked = new WeakMap<Session, number>()

  /** The logged-in session, re-checked against the users table every minute (removed users lose access). */
  async function loggedIn(req: http.IncomingMessage): Promise<Session | undefined> {
    const s = sessionOf(auth, req)
    if (!s?.identity) return undefined
    const last = checked.get(s) ?? s.created
    if (now() - last >= IDENTITY_RECHECK_MS) {
      const u = await store.service((db) => findUser(db, s.identity!.user))
      if (!u || u.schema !== s.identity.schema || u.admin !== s.identity.admin) {
        auth.sessions.destroy(s.id)
        return undefined
      }
      checked.set(s, now())
    }
    return s
  }

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const raw = req.url ?? '/'
    if (raw.length > 4096 || !raw.startsWith('/')) throw new HttpError(400, 'The request line is not valid.')
    // Dot segments (also percent-encoded) are refused before URL parsing would resolve them.
    if (/(^|\/)(\.|%2e){1,2}(\/|\?|$)/i.test(raw.split('?')[0]!)) throw new HttpError(400, 'The path is not valid.')
    const url = new URL(raw, 'http://viewer.invalid')
    let parts: string[]
    try {
      parts = url.pathname
        .split('/')
        .filter(Boolean)
        .map((p) => decodeURIComponent(p))
    } catch {
      throw new HttpError(400, 'The path is not valid.')
    }
    if (parts.some((p) => p === '.' || p === '..' || /[\u0000-\u001f\u007f/\\]/.test(p)))
      throw new HttpError(400, 'The path is not valid.')
    const method = req.method ?? 'GET'
    const isGet = method === 'GET' || method === 'HEAD'
    const path = `/${parts.join('/')}`

    if (path === '/static/style.css' || path === '/static/viewer.js') {
      if (!isGet) throw new HttpError(405, 'Only GET here.', { Allow: 'GET, HEAD' })
      const css = path.endsWith('.css')
      return send(
        req,
        res,
        200,
        css ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8',
        css ? STYLE_CSS : VIEWER_JS,
        { 'Cache-Control': 'public, max-age=3600' },
      )
    }
    if (path === '/healthz')
      return send(req, res, 200, 'text/plain; charset=utf-8', 'ok\n', { 'Cache-Control': 'no-store' })
    if (path === '/login') {
      if (isGet) return showLogin(auth, req, res, safeNext(url.searchParams.get('next')))
      if (method === 'POST') return doLogin(auth, req, res, clientIp(req, options.trustProxy === true))
      throw new HttpError(405, 'Use the login form.', { Allow: 'GET, HEAD, POST' })
    }
    if (path === '/logout') {
      if (method === 'POST') return doLogout(auth, req, res)
      throw new HttpError(405, 'Log out with the button on the page.', { Allow: 'POST' })
    }
    if (!isGet) throw new HttpError(405, 'Only GET here.', { Allow: 'GET, HEAD' })
    const session = await loggedIn(req)
    if (!session) {
      if (parts[0] === 's' && parts[3] === 'graph') throw new HttpError(401, 'Log in first.')
      // Back to the page the visitor followed (a shared link, the quickstart's) after logging in.
      return redirect(res, loginFor(`${url.pathname}${url.search}`))
    }
    if (path === '/') {
      const schemas = await schemasOf(store, session.identity!)
      // One broken tenant (not installed, or a missing GRANT) must not hide the others.
      const settled = await Promise.allSettled(schemas.map((s) => systemsOf(s)))
      const problems: string[] = []
      const lists = settled.map((r, i) => {
        if (r.status === 'fulfilled') return r.value
        log(`systems of ${schemas[i]}: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`)
        problems.push(`The systems of "${schemas[i]}" cannot be read right now; the viewer log says why.`)
        return []
      })
      return send(
        req,
        res,
        200,
        'text/html; charset=utf-8',
        systemsPage(session.identity!, session.csrf, lists.flat(), problems),
        { 'Cache-Control': 'no-store' },
      )
    }
    if (parts[0] === 's') return systemRoute(sys, req, res, url, parts.slice(1), session)
    throw new HttpError(404, 'There is no such page.')
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    securityHeaders(res, Boolean(options.tls))
    try {
      await route(req, res)
    } catch (err) {
      if (res.headersSent) {
        res.destroy()
        return
      }
      let status = 500
      let message = 'Something went wrong on our side; the details are in the viewer log.'
      let headers: Readonly<Record<string, string>> = {}
      if (err instanceof HttpError) {
        status = err.status
        message = err.message
        headers = err.headers
      } else if (isPggraphError(err, 'CONFIG')) {
        status = 400
        message = err.message
      } else {
        const id = randomBytes(4).toString('hex')
        message = `Something went wrong on our side (error ${id}); the details are in the viewer log.`
        log(
          `error ${id} on ${req.method} ${(req.url ?? '').slice(0, 200)}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
        )
      }
      res.removeHeader('Set-Cookie')
      send(req, res, status, 'text/html; charset=utf-8', errorPage(status, message), {
        'Cache-Control': 'no-store',
        ...headers,
      })
    }
  }

  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    void handle(req, res)
  }
  const server: http.Server = options.tls
    ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, listener)
    : http.createServer(listener)
  server.headersTimeout = 20_000
  server.requestTimeout = 60_000

  return {
    server,
    store,
    handle,
    get cachedGraphs() {
      return cache.size
    },
    addUser: (input) => addUser(store, input),
    async unlockUser(user) {
      const found = await unlockUser(store, user)
      if (found) auth.guard.unlock(user)
      return found
    },
    listen(port, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, host, () => {
          server.off('error', reject)
          const a = server.address() as AddressInfo
          const h = a.family === 'IPv6' ? `[${a.address}]` : a.address
          resolve(`${options.tls ? 'https' : 'http'}://${h}:${a.port}`)
        })
      })
    },
    async close() {
      await new Promise<void>((resolve) => {
        if (!server.listening) return resolve()
        server.close(() => resolve())
        server.closeAllConnections()
      })
      await renders.close()
      if (ownsStore) await store.end()
    },
  }
}

/**
 * Create a viewer and start listening: the one call the quickstart and `serve` make.
 *
 * @example
 * ```ts
 * const { url, viewer } = await startViewer({ store: 'pglite:./pggraph-data', port: 8080 })
 * ```
 */
export async function startViewer(
  options: ViewerOptions & { readonly port: number; readonly host?: string },
): Promise<{ viewer: Viewer; url: string }> {
  const viewer = await createViewer(options)
  try {
    const url = await viewer.listen(options.port, options.host)
    return { viewer, url }
  } catch (err) {
    await viewer.close()
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new PggraphError('CONFIG', `Port ${options.port} is in use: choose another with --port.`, { cause: err })
    }
    throw err
  }
}
