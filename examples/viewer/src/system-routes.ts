import type { IncomingMessage, ServerResponse } from 'node:http'
import { IDENTIFIER_PATTERN, isPggraphError, type SeriesQuery } from '@pggraph/core'
import { readSeries } from '@pggraph/store'
import { etagMatches, type ImageCache } from './cache.js'
import { graphInfo, graphsOf, isGroup, loadCatalogGraph, renderLoadedGraph, type GraphInfo } from './graphs.js'
import { esc } from './html.js'
import { HttpError, SVG_CSP, send } from './http-util.js'
import { dashboardPage, objectListPage, objectPage, type ObjectRef, type SystemView } from './pages.js'
import { resolveRange, type TimeRange } from './ranges.js'
import type { Session, ViewerIdentity } from './sessions.js'
import type { StoreAccess } from './store-access.js'
import { maySee, readerRoleOf, type SystemInfo } from './systems.js'
import { listObjects, objectFilter, type ObjectKind } from './objects.js'

/** What the per-system routes need from the viewer. */
export interface SystemContext {
  readonly store: StoreAccess
  readonly cache: ImageCache
  readonly now: () => number
  readonly size: { width: number; height: number }
  /** The systems of a schema (cached briefly), read as its reader role. */
  systems(schema: string): Promise<readonly SystemInfo[]>
  readonly log: (line: string) => void
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
  const p = params(url)
  const range = rangeOf(p, ctx.now())
  const view: SystemView = { who, csrf: session.csrf, system: sys, range, size: ctx.size }
  const page = (body: string): void =>
    send(req, res, 200, 'text/html; charset=utf-8', body, { 'Cache-Control': 'no-store' })

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
    return page(objectPage(view, kind, obj, graphsOf(kind === 'table' ? 'tables' : 'indexes')))
  }
  if (rest.length === 2 && rest[0] === 'graph') {
    const m = /^([a-z][a-z0-9_]*\.[a-z][a-z0-9_]*)\.svg$/.exec(rest[1]!)
    const graph = m ? graphInfo(m[1]!) : undefined
    if (!graph) throw new HttpError(404, NOT_FOUND)
    return graphImage(ctx, req, res, sys, graph, range, p)
  }
  throw new HttpError(404, NOT_FOUND)
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
  let objKey = ''
  if (p['rel'] !== undefined || p['idx'] !== undefined || p['ns'] !== undefined || p['db'] !== undefined) {
    const kind: ObjectKind = graph.group === 'indexes' ? 'index' : 'table'
    if (graph.group !== 'tables' && graph.group !== 'indexes')
      throw new HttpError(400, 'Only table and index graphs take a table or index.')
    const obj = await objectOf(ctx, sys, kind, p, range)
    filter = objectFilter(kind, obj)
    objKey = JSON.stringify(obj)
  }
  const { width, height } = ctx.size
  const key = [sys.schema, sys.prefix, graph.name, range.key, objKey, `${width}x${height}`].join('|')
  const role = readerRoleOf(sys.schema)
  const ns = { schema: sys.schema, prefix: sys.prefix }
  let img
  try {
    img = await ctx.cache.get(key, async () => {
      // One transaction per series query: a failing query (a metric this server never had)
      // cannot abort the others' transaction, and the pool reads them in parallel.
      const read = (q: SeriesQuery) => ctx.store.asRole(role, (db) => readSeries(db, ns, filter ? filter(q) : q))
      const data = await loadCatalogGraph(graph.name, read, range, width, sys.serverVersionNum)
      const body = await renderLoadedGraph(graph.name, data, { width, height, theme: 'light', format: 'svg' })
      return { body, contentType: 'image/svg+xml; charset=utf-8', modified: ctx.now() }
    })
  } catch (err) {
    ctx.log(`graph ${graph.name} of ${sys.schema}/${sys.prefix} failed: ${(err as Error).message}`)
    const text = isPggraphError(err) ? err.message : 'The graph could not be rendered; the error is in the viewer log.'
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><title>${esc(graph.title)}: error</title><rect width="100%" height="100%" fill="#fff" stroke="#ccc"/><text x="16" y="32" font-family="sans-serif" font-size="14" fill="#b3261e">${esc(graph.title)}: ${esc(text.slice(0, 160))}</text></svg>`
    return send(req, res, 500, 'image/svg+xml; charset=utf-8', svg, {
      'Content-Security-Policy': SVG_CSP,
      'Cache-Control': 'no-store',
    })
  }
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
