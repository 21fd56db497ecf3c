import type { SeriesReader } from '@pggraph/core'
import {
  GRAPH_GROUP_TITLES,
  GRAPH_GROUPS,
  graphCatalog,
  graphNames,
  loadGraphData,
  renderGraph,
  type GraphData,
  type GraphGroup,
} from '@pggraph/render'

/** The dashboard groups, in order, with their headings: the catalog's own. */
export const GROUPS: readonly { readonly id: GraphGroup; readonly label: string }[] = GRAPH_GROUPS.map((id) => ({
  id,
  label: GRAPH_GROUP_TITLES[id],
}))

/** A dashboard group id. */
export type GroupId = GraphGroup

/** What the viewer shows about a graph of the catalog. */
export interface GraphInfo {
  readonly name: string
  readonly title: string
  readonly group: GroupId
  readonly description: string
}

/** Whether `v` is a group id. */
export function isGroup(v: string): v is GroupId {
  return GROUPS.some((g) => g.id === v)
}

const byName = new Map<string, GraphInfo>()
for (const g of Object.values(graphCatalog)) {
  byName.set(g.name, { name: g.name, title: g.title, group: g.group, description: g.description })
}

/** The catalog graph named `name`, or `undefined` (an unknown name is a 404). */
export function graphInfo(name: string): GraphInfo | undefined {
  return byName.get(name)
}

/**
 * The graphs of a table or index drill-down, titled and described for one object (never "the
 * 10 busiest tables" above a single table's graph).
 */
export function objectGraphsOf(group: 'tables' | 'indexes'): GraphInfo[] {
  return graphNames(group).map((n) => {
    const g = graphCatalog[n]
    return g.single
      ? { name: g.name, title: g.single.title, group: g.group, description: g.single.description }
      : byName.get(n)!
  })
}

/** The graphs of one group, in catalog order. */
export function graphsOf(group: GroupId): GraphInfo[] {
  return graphNames(group)
    .map((n) => byName.get(n)!)
    .filter(Boolean)
}

/** Size, theme and format of a rendered graph. */
export interface ImageOptions {
  readonly width: number
  readonly height: number
  readonly theme: 'light' | 'dark'
  readonly format: 'svg' | 'png'
}

export type { GraphData }

/**
 * Read a graph's series through `read` (bound to a tenant's transaction by the caller).
 * The number of points follows the pixel width: more would be invisible.
 */
export function loadCatalogGraph(
  name: string,
  read: SeriesReader,
  range: { from: number; to: number },
  width: number,
  serverVersion?: number | null,
): Promise<GraphData> {
  const def = graphCatalog[name as keyof typeof graphCatalog]
  return loadGraphData(def, read, {
    from: range.from,
    to: range.to,
    points: width,
    ...(serverVersion ? { serverVersion } : {}),
  })
}

/** Render loaded series (outside any transaction: rendering is CPU work). */
export async function renderLoadedGraph(name: string, data: GraphData, options: ImageOptions): Promise<Buffer> {
  const out: string | Uint8Array = await renderGraph(name as keyof typeof graphCatalog, data, options)
  return typeof out === 'string' ? Buffer.from(out) : Buffer.from(out.buffer, out.byteOffset, out.byteLength)
}
