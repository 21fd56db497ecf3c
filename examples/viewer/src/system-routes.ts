import type { IncomingMessage, ServerResponse } from 'node:http'
import { IDENTIFIER_PATTERN, PggraphError, isPggraphError, type SeriesQuery } from '@pggraph/core'
import { readSeries } from '@pggraph/store'
import { BudgetError, type ConcurrencyBudget } from './budget.js'
import { etagMatches, type CachedImage, type ImageCache } from './cache.js'
import { boundGraphData, noteDroppedSeries, type GraphBounds } from './graph-bounds.js'
import { graphInfo, graphsOf, isGroup, loadCatalogGraph, objectGraphsOf, type GraphInfo } from './graphs.js'
import { esc } from './html.js'
import { HttpError, SVG_CSP, send } from './http-util.js'
import { dashboardPage, objectListPage, objectPage, refName, type ObjectRef, type SystemView } from './pages.js'
import { resolveRange, type TimeRange } from './ranges.js'
import type { Session, ViewerIdentity } from './sessions.js'
import type { StoreAccess } from './store-access.js'
import { maySee, readerRoleOf, type SystemInfo } from './systems.js'
import { listObjects, objectFilter, type ObjectKind } from './objects.js'
import type { GraphRenderPool } from './render-pool.js'

/** What the per-system routes need from the viewer. */
export interface SystemContext {
  readonly store: StoreAccess
  readonly cache: ImageCache
  readonly now: () => number
  readonly size: { width: number; height: number }
  /** The systems of a schema (cached briefly), read as its reader role. */
  systems(schema: string): Promise<readonly SystemInfo[]>
  readonly log: (line: string) => void
  /** In-flight requests per user, per tenant and in total, with their queues. */
  readonly budget: ConcurrencyBudget
  /** Worker threads that render graphs, tenant by tenant in turn. */
  readonly renders: GraphRenderPool
  /** How much one graph may draw. */
  readonly bounds: GraphBounds
}

const NOT_FOUND = 'There is no such system, graph or object, or it is not yours.'

const ALLOWED_PARAMS = new Set(['group', 'range', 'from', 'to', 'tzo', 'db', 'ns', 'rel', 'idx'])

/** Refuse unknown, repeated or oversized parameters: tampering gets a 400, not a guess. */
function params(url: URL): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {}
  for (const [k, v] of url.searchParams) {
    if (!ALLOWED_PARAMS.has(k)) throw new HttpError(400, `Unknown parameter "${k.slice(0, 30)}".`)
    if (out[k] !== undefined) throw new HttpError(400, `Parameter "${k}" is given twice.`)
    if (v.length > 200 || /[\u0000-\u001f\u007f]/.test(v)) throw new HttpError(400, `Parameter "${k}" is not valid.`)
    out[k] = v
  }
  return out
}

function rangeOf(p: Record<string, string | undefined>, now: number): TimeRange {
  try {
    return resolveRange(p, now)
  } catch (err) {
    if (isPggraphError(err, 'CONFIG')) throw new HttpError(400, err.message)
    throw err
  }
}

/** The object named by `db`/`ns`/`rel`/`idx`, checked against those stored in the range. */
async function objectOf(
  ctx: SystemContext,
  sys: SystemInfo,
  kind: ObjectKind,
  p: Record<string, string | undefined>,
  range: TimeRange,
): Promise<ObjectRef> {
  if (p['ns'] === undefined || p['rel'] === undefined || (kind === 'index' && p['idx'] === undefined)) {
    throw new HttpError(400, `A ${kind} is named by db, ns, rel${kind === 'index' ? ' and idx' : ''}.`)
  }
  const want: ObjectRef = {
    db: p['db'] ?? '',
    ns: p['ns'],
    rel: p['rel'],
    ...(kind === 'index' ? { idx: p['idx']! } : {}),
  }
  const all = await listObjects(ctx.store, readerRoleOf(sys.schema), sys, kind, range)
  const found = all.find((o) => o.db === want.db && o.ns === want.ns && o.rel === want.rel && o.idx === want.idx)
  if (!found) throw new HttpError(404, NOT_FOUND)
  return found
}

/**
 * Routes under `/s/<schema>/<prefix>`: dashboard, graph images, table and index lists and
 * drill-downs. A schema the user may not see and a prefix that is not in it are both a 404,
 * so a URL never tells whether another tenant's system exists.
 */
export async function systemRoute(
  ctx: SystemContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  parts: readonly string[],
  session: Session,
): Promise<void> {
  const who: ViewerIdentity = session.identity!
  const [schema, prefix, ...rest] = parts
  if (!schema || !prefix || !IDENTIFIER_PATTERN.test(schema) || !IDENTIFIER_PATTERN.test(prefix))
    throw new HttpError(404, NOT_FOUND)
  if (!maySee(who, schema)) throw new HttpError(404, NOT_FOUND)
  const p = params(url)
  const range = rangeOf(p, ctx.now())
  let graph: GraphInfo | undefined
  if (rest.length === 2 && rest[0] === 'graph') {
    const m = /^([a-z][a-z0-9_]*\.[a-z][a-z0-9_]*)\.svg$/.exec(rest[1]!)
    graph = m ? graphInfo(m[1]!) : undefined
    if (!graph) throw new HttpError(404, NOT_FOUND)
    // A graph already rendered costs nothing: it is served without taking a slot of the budget.
    const hit = ctx.cache.peek(graphKey(ctx, schema, prefix, graph, range, p))
    if (hit) return sendImage(req, res, hit)
  }
  const aborted = new AbortController()
  const onClose = (): void => {
    if (!res.writableFinished) aborted.abort(new Error('the client went away'))
  }
  res.once('close', onClose)
  try {
    await ctx.budget.run(
      { tenant: schema, user: who.user },
      () => systemWork(ctx, req, res, who, session, schema, prefix, rest, p, range, graph),
      aborted.signal,
    )
  } catch (err) {
    if (err instanceof BudgetError) {
      const refusal = overBudget(err, schema, graph !== undefined, ctx)
      if (!graph) throw refusal
      // An image in the graph's place says why, where the user looks; the status and
      // Retry-After tell scripts.
      return send(req, res, refusal.status, 'image/svg+xml; charset=utf-8', errorImage(ctx, graph, refusal.message), {
        'Content-Security-Policy': SVG_CSP,
        'Cache-Control': 'no-store',
        ...refusal.headers,
      })
    }
    if (aborted.signal.aborted && err === aborted.signal.reason) return
    throw err
  } finally {
    res.off('close', onClose)
  }
}

/** The answer to a request over budget: 429 (the user's or tenant's own load) or 503 (the viewer is full). */
function overBudget(err: BudgetError, schema: string, isGraph: boolean, ctx: SystemContext): HttpError {
  const wait = `try again in ${err.retryAfterS} s`
  const what = isGraph ? 'graphs' : 'pages'
  const limit = `${err.limit.running} at once, ${err.limit.waiting} waiting`
  const message =
    err.scope === 'user'
      ? `You have too many ${what} loading at once (limit: ${limit}); ${wait}.`
      : err.scope === 'tenant'
        ? `The users of "${schema}" have too many ${what} loading at once (limit: ${limit}); ${wait}.`
        : err.scope === 'total'
          ? `The viewer is busy with other requests; ${wait}.`
          : `The viewer is busy and this request waited too long; ${wait}.`
  if (err.scope !== 'user') ctx.log(`over budget (${err.scope}) for ${schema}: ${err.message}`)
  return new HttpError(err.scope === 'user' || err.scope === 'tenant' ? 429 : 503, message, {
    'Retry-After': String(err.retryAfterS),
  })
}

/** What a request under `/s/<schema>/<prefix>` does once it has its slot of the budget. */
async function systemWork(
  ctx: SystemContext,
  req: IncomingMessage,
  res: ServerResponse,
  who: ViewerIdentity,
  session: Session,
  schema: string,
  prefix: string,
  rest: readonly string[],
  p: Record<string, string | undefined>,
  range: TimeRange,
  graph: GraphInfo | undefined,
): Promise<void> {
  let systems: readonly SystemInfo[]
  try {
    systems = await ctx.systems(schema)
  } catch (err) {
    // A schema that is not (or no longer) installed has no systems to show.
    if (isPggraphError(err, 'STORE')) throw new HttpError(404, NOT_FOUND)
    throw err
  }
  const sys = systems.find((s) => s.prefix === prefix)
  if (!sys) throw new HttpError(404, NOT_FOUND)
  const view: SystemView = { who, csrf: session.csrf, system: sys, range, size: ctx.size }
  const page = (body: string): void =>
    send(req, res, 200, 'text/html; charset=utf-8', body, { 'Cache-Control': 'no-store' })

  if (graph) return graphImage(ctx, req, res, sys, graph, range, p)
  if (rest.length === 0) {
    const group = p['group'] ?? 'overview'
    if (!isGroup(group)) throw new HttpError(404, `Unknown graph group "${group.slice(0, 30)}".`)
    return page(dashboardPage(view, group, graphsOf(group)))
  }
  if (rest.length === 1 && (rest[0] === 'tables' || rest[0] === 'indexes')) {
    const kind: ObjectKind = rest[0] === 'tables' ? 'table' : 'index'
    return page(objectListPage(view, kind, await listObjects(ctx.store, readerRoleOf(schema), sys, kind, range)))
  }
  if (rest.length === 1 && (rest[0] === 'table' || rest[0] === 'index')) {
    const kind: ObjectKind = rest[0]
    const obj = await objectOf(ctx, sys, kind, p, range)
    return page(objectPage(view, kind, obj, objectGraphsOf(kind === 'table' ? 'tables' : 'indexes')))
  }
  throw new HttpError(404, NOT_FOUND)
}

/**
 * The cache key of a graph image: tenant, system, graph, range bucket, the object asked for (as
 * the request names it: an object that is not stored never gets an image cached) and size.
 */
function graphKey(
  ctx: SystemContext,
  schema: string,
  prefix: string,
  graph: GraphInfo,
  range: TimeRange,
  p: Record<string, string | undefined>,
): string {
  const obj = [p['db'], p['ns'], p['rel'], p['idx']].some((v) => v !== undefined)
    ? JSON.stringify([p['db'] ?? '', p['ns'] ?? '', p['rel'] ?? '', p['idx'] ?? ''])
    : ''
  return [schema, prefix, graph.name, range.key, obj, `${ctx.size.width}x${ctx.size.height}`].join('|')
}

async function graphImage(
  ctx: SystemContext,
  req: IncomingMessage,
  res: ServerResponse,
  sys: SystemInfo,
  graph: GraphInfo,
  range: TimeRange,
  p: Record<string, string | undefined>,
): Promise<void> {
  let filter: ((q: SeriesQuery) => SeriesQuery) | undefined
  let object: string | undefined
  if (p['rel'] !== undefined || p['idx'] !== undefined || p['ns'] !== undefined || p['db'] !== undefined) {
    const kind: ObjectKind = graph.group === 'indexes' ? 'index' : 'table'
    if (graph.group !== 'tables' && graph.group !== 'indexes')
      throw new HttpError(400, 'Only table and index graphs take a table or index.')
    const obj = await objectOf(ctx, sys, kind, p, range)
    filter = objectFilter(kind, obj)
    object = refName(obj)
  }
  const { width, height } = ctx.size
  const key = graphKey(ctx, sys.schema, sys.prefix, graph, range, p)
  const role = readerRoleOf(sys.schema)
  const ns = { schema: sys.schema, prefix: sys.prefix }
  let img
  try {
    img = await ctx.cache.get(key, async () => {
      // One transaction per series query: a failing query (a metric this server never had)
      // cannot abort the others' transaction, and the pool reads them in parallel.
      const read = (q: SeriesQuery) => ctx.store.asRole(role, (db) => readSeries(db, ns, filter ? filter(q) : q))
      const data = await loadCatalogGraph(graph.name, read, range, width, sys.serverVersionNum)
      // A drill-down's graph is titled for its one table or index.
      const bounded = boundGraphData(object === undefined ? data : { ...data, object }, ctx.bounds)
      const svg = await ctx.renders.render(sys.schema, graph.name, bounded.data, {
        width,
        height,
        theme: 'light',
        format: 'svg',
      })
      const body = Buffer.from(noteDroppedSeries(svg, bounded, width))
      if (body.length > ctx.bounds.maxSvgBytes)
        throw new PggraphError(
          'RENDER',
          `The graph would be ${(body.length / 1048576).toFixed(1)} MB, more than the viewer sends; choose a shorter range.`,
        )
      return { body, contentType: 'image/svg+xml; charset=utf-8', modified: ctx.now() }
    })
  } catch (err) {
    if (err instanceof BudgetError) throw err
    ctx.log(`graph ${graph.name} of ${sys.schema}/${sys.prefix} failed: ${(err as Error).message}`)
    const text = isPggraphError(err) ? err.message : 'The graph could not be rendered; the error is in the viewer log.'
    return send(req, res, 500, 'image/svg+xml; charset=utf-8', errorImage(ctx, graph, text), {
      'Content-Security-Policy': SVG_CSP,
      'Cache-Control': 'no-store',
    })
  }
  sendImage(req, res, img)
}

/** A graph-sized SVG that says what went wrong, so the dashboard shows it in the graph's place. */
export function errorImage(ctx: Pick<SystemContext, 'size'>, graph: GraphInfo, text: string): string {
  const { width, height } = ctx.size
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><title>${esc(graph.title)}: error</title><rect width="100%" height="100%" fill="#fff" stroke="#ccc"/><text x="16" y="32" font-family="sans-serif" font-size="14" fill="#b3261e">${esc(graph.title)}: ${esc(text.slice(0, 160))}</text></svg>`
}

/** Send a rendered graph, or 304 when the browser's copy is current. */
function sendImage(req: IncomingMessage, res: ServerResponse, img: CachedImage): void {
  const headers = {
    ETag: img.etag,
    'Last-Modified': new Date(img.modified).toUTCString(),
    'Cache-Control': 'private, no-cache',
    'Content-Security-Policy': SVG_CSP,
  }
  const ims = req.headers['if-modified-since']
  const inm = req.headers['if-none-match']
  if (etagMatches(inm, img.etag) || (!inm && ims && Date.parse(ims) >= Math.floor(img.modified / 1000) * 1000)) {
    res.statusCode = 304
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v)
    res.end()
    return
  }
  send(req, res, 200, img.contentType, img.body, headers)
}
