import { formatBytes } from '@pggraph/core'
import { TIME_ZONE_NAME } from '@pggraph/render'
import { GROUPS, type GraphInfo, type GroupId } from './graphs.js'
import { layout, qs, safe, type SafeHtml } from './html.js'
import { PRESET_RANGES, type TimeRange } from './ranges.js'
import type { ViewerIdentity } from './sessions.js'
import type { SystemInfo } from './systems.js'

/** The header of logged-in pages: who, and a logout form carrying the CSRF token. */
function userHeader(who: ViewerIdentity, csrf: string): SafeHtml {
  return safe`<span>${who.user}${who.admin ? ' (admin)' : ''}</span>
<form method="post" action="/logout"><input type="hidden" name="csrf" value="${csrf}"><button type="submit">Log out</button></form>`
}

/**
 * The login form (with its CSRF token), optionally with an error line, the name typed, and the
 * page to return to after logging in (`next`, already checked by the caller).
 */
export function loginPage(
  csrf: string,
  o: { readonly error?: string; readonly user?: string; readonly next?: string } = {},
): string {
  const { error, user } = o
  return layout({
    title: 'Log in',
    body: safe`<div class="card login">
<h1>Log in</h1>
${error ? safe`<p class="error" role="alert">${error}</p>` : ''}
<form method="post" action="/login">
<input type="hidden" name="csrf" value="${csrf}">
${o.next && o.next !== '/' ? safe`<input type="hidden" name="next" value="${o.next}">` : ''}
<label for="user">User</label><input id="user" name="user" autocomplete="username" required maxlength="64" value="${user ?? ''}" autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024">
<button class="primary" type="submit">Log in</button>
</form></div>`,
  })
}

/** An error page: status, one sentence, a way back. Never a stack trace. */
export function errorPage(status: number, message: string): string {
  const title =
    {
      400: 'Bad request',
      403: 'Forbidden',
      404: 'Not found',
      405: 'Method not allowed',
      413: 'Too large',
      415: 'Unsupported form',
      429: 'Too many attempts',
    }[status] ?? 'Error'
  return layout({
    title,
    body: safe`<div class="card"><h1>${status} · ${title}</h1><p>${message}</p><p><a href="/">Back to your systems</a></p></div>`,
  })
}

function when(ms: number | null): SafeHtml {
  if (ms === null) return safe`never`
  return safe`<time datetime="${new Date(ms).toISOString()}" data-ms="${ms}">${new Date(ms).toISOString().replace('T', ' ').slice(0, 19)} UTC</time>`
}

/** The health line of a system: last snapshot, version, bridge state. */
export function healthLine(s: SystemInfo): SafeHtml {
  const badge = s.failing
    ? safe`<span class="badge error">failing</span>`
    : s.state === 'ok'
      ? safe`<span class="badge">ok</span>`
      : s.state === 'stale'
        ? safe`<span class="badge stale">stale</span>`
        : safe`<span class="badge warn">no data yet</span>`
  const b = s.bridge
  const spool =
    b && (b.spoolFiles > 0 || b.dropped > 0)
      ? safe` · spool ${b.spoolFiles} files (${formatBytes(b.spoolBytes)}), ${b.dropped} dropped`
      : ''
  const err = s.failing ? (s.lastError ?? b?.lastError) : null
  const invalid = s.healthInvalid ? safe` · <span class="badge warn">invalid health data</span>` : ''
  return safe`<div class="health">${badge} last snapshot ${when(s.lastSeen)}${s.serverVersion ? safe` · PostgreSQL ${s.serverVersion}` : ''}${spool}${invalid}${err ? safe` · <span class="error">${err}</span>` : ''}</div>`
}

/**
 * {@link healthLine}, or, if anything about the system cannot be shown, a line saying so: one
 * system's bad data never fails the page of its tenant or of an admin.
 */
function safeHealthLine(s: SystemInfo): SafeHtml {
  try {
    return healthLine(s)
  } catch {
    return safe`<div class="health"><span class="badge warn">invalid health data</span></div>`
  }
}

/** The list of the user's systems with their health. */
export function systemsPage(
  who: ViewerIdentity,
  csrf: string,
  systems: readonly SystemInfo[],
  problems: readonly string[] = [],
): string {
  const multi = new Set(systems.map((s) => s.schema)).size > 1 || who.admin
  const items = systems.map(
    (
      s,
    ) => safe`<li><a class="name" href="/s/${s.schema}/${s.prefix}">${multi ? `${s.schema} / ` : ''}${s.prefix}</a>${s.host ? safe` <span class="muted">${s.host}${s.database ? `/${s.database}` : ''}</span>` : ''}
${safeHealthLine(s)}</li>`,
  )
  return layout({
    title: 'Systems',
    header: userHeader(who, csrf),
    body: safe`<h1>Your systems</h1>
${problems.map((p) => safe`<p class="card error" role="alert">${p}</p>`)}
${systems.length ? safe`<ul class="systems">${items}</ul>` : safe`<p class="card">No systems yet: install a bridge with <code>pggraph-bridge install</code> and its first snapshot appears here.</p>`}`,
  })
}

/** Query parameters that reproduce `range` in a link. */
export function rangeParams(range: TimeRange): Record<string, string> {
  return range.name === 'custom' ? { from: String(range.from), to: String(range.to) } : { range: range.name }
}

const utcInput = (ms: number): string => new Date(ms).toISOString().slice(0, 16)

/** Preset links, the custom-range form (GET, works without script) and the refresh link. */
function rangePicker(base: string, range: TimeRange, keep: Readonly<Record<string, string>>): SafeHtml {
  const links = Object.keys(PRESET_RANGES).map(
    (r) =>
      safe`<a href="${base}${qs({ ...keep, range: r })}"${range.name === r ? safe` aria-current="page"` : ''}>${r}</a>`,
  )
  const hidden = Object.entries(keep).map(([k, v]) => safe`<input type="hidden" name="${k}" value="${v}">`)
  return safe`<nav class="ranges" aria-label="Time range">${links}<a href="${base}${qs({ ...keep, ...rangeParams(range) })}">↻ Refresh</a></nav>
<form class="custom-range" method="get" action="${base}">${hidden}<input type="hidden" name="range" value="custom"><input type="hidden" name="tzo" value="">
<label>from <input type="datetime-local" name="from" required value="${utcInput(range.from)}" data-ms="${range.from}"></label>
<label>to <input type="datetime-local" name="to" required value="${utcInput(range.to)}" data-ms="${range.to}"></label>
<span class="zone muted">${TIME_ZONE_NAME}</span><button type="submit">Show</button></form>`
}

function figures(
  graphs: readonly GraphInfo[],
  src: (g: GraphInfo) => string,
  size: { width: number; height: number },
): SafeHtml {
  return safe`<div class="graphs">${graphs.map(
    (g) =>
      safe`<figure><img src="${src(g)}" width="${size.width}" height="${size.height}" alt="${g.title}" loading="lazy" data-graph="${g.name}"><figcaption>${g.description}</figcaption></figure>`,
  )}</div>`
}

/** What a system page needs. */
export interface SystemView {
  readonly who: ViewerIdentity
  readonly csrf: string
  readonly system: SystemInfo
  readonly range: TimeRange
  readonly size: { width: number; height: number }
}

function systemNav(v: SystemView, current: GroupId | 'tables-list' | 'indexes-list' | null): SafeHtml {
  const base = `/s/${v.system.schema}/${v.system.prefix}`
  const r = rangeParams(v.range)
  return safe`<nav class="groups" aria-label="Graph groups">${GROUPS.map(
    (g) =>
      safe`<a href="${base}${qs({ group: g.id, ...r })}"${current === g.id ? safe` aria-current="page"` : ''}>${g.label}</a>`,
  )}<a href="${base}/tables${qs(r)}"${current === 'tables-list' ? safe` aria-current="page"` : ''}>Table list</a><a href="${base}/indexes${qs(r)}"${current === 'indexes-list' ? safe` aria-current="page"` : ''}>Index list</a></nav>`
}

/** A dashboard: one group of catalog graphs for one system and range. */
export function dashboardPage(v: SystemView, group: GroupId, graphs: readonly GraphInfo[]): string {
  const base = `/s/${v.system.schema}/${v.system.prefix}`
  const r = rangeParams(v.range)
  const label = GROUPS.find((g) => g.id === group)!.label
  return layout({
    title: `${v.system.prefix} · ${label}`,
    header: userHeader(v.who, v.csrf),
    body: safe`<h1>${v.system.prefix} <span class="muted">· ${label}</span></h1>
${safeHealthLine(v.system)}
${systemNav(v, group)}
${rangePicker(base, v.range, { group })}
${figures(graphs, (g) => `${base}/graph/${g.name}.svg${qs(r)}`, v.size)}`,
  })
}

/** An object of a drill-down: a table or an index, by its labels. */
export interface ObjectRef {
  readonly db: string
  readonly ns: string
  readonly rel: string
  readonly idx?: string
}

const refParams = (o: ObjectRef): Record<string, string> => ({
  db: o.db,
  ns: o.ns,
  rel: o.rel,
  ...(o.idx ? { idx: o.idx } : {}),
})
/** How a drill-down names its object: `app: public.orders`, `app: public.orders · orders_pkey`. */
export const refName = (o: ObjectRef): string => `${o.db}: ${o.ns}.${o.rel}${o.idx ? ` · ${o.idx}` : ''}`

/** The list of tables (or indexes) seen in the range, each linking to its drill-down. */
export function objectListPage(v: SystemView, kind: 'table' | 'index', objects: readonly ObjectRef[]): string {
  const base = `/s/${v.system.schema}/${v.system.prefix}`
  const r = rangeParams(v.range)
  const rows = objects.map(
    (o) =>
      safe`<tr><td><a href="${base}/${kind}${qs({ ...refParams(o), ...r })}">${o.idx ?? o.rel}</a></td><td>${o.ns}</td><td>${o.db}</td>${kind === 'index' ? safe`<td>${o.rel}</td>` : ''}</tr>`,
  )
  return layout({
    title: `${v.system.prefix} · ${kind === 'table' ? 'Tables' : 'Indexes'}`,
    header: userHeader(v.who, v.csrf),
    body: safe`<h1>${v.system.prefix} <span class="muted">· ${kind === 'table' ? 'tables' : 'indexes'}</span></h1>
${systemNav(v, kind === 'table' ? 'tables-list' : 'indexes-list')}
${rangePicker(`${base}/${kind === 'table' ? 'tables' : 'indexes'}`, v.range, {})}
${objects.length ? safe`<table class="list"><thead><tr><th>${kind === 'table' ? 'Table' : 'Index'}</th><th>Schema</th><th>Database</th>${kind === 'index' ? safe`<th>Table</th>` : ''}</tr></thead><tbody>${rows}</tbody></table>` : safe`<p class="card">No ${kind === 'table' ? 'tables' : 'indexes'} were collected in this range.</p>`}`,
  })
}

/** A drill-down: the table (or index) graphs for one object. */
export function objectPage(
  v: SystemView,
  kind: 'table' | 'index',
  obj: ObjectRef,
  graphs: readonly GraphInfo[],
): string {
  const base = `/s/${v.system.schema}/${v.system.prefix}`
  const r = rangeParams(v.range)
  return layout({
    title: `${v.system.prefix} · ${refName(obj)}`,
    header: userHeader(v.who, v.csrf),
    body: safe`<h1>${v.system.prefix} <span class="muted">· ${kind} ${refName(obj)}</span></h1>
${systemNav(v, null)}
${rangePicker(`${base}/${kind}`, v.range, refParams(obj))}
${figures(graphs, (g) => `${base}/graph/${g.name}.svg${qs({ ...r, ...refParams(obj) })}`, v.size)}`,
  })
}
