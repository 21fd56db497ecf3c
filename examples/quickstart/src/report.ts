import { mkdir, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { Queryable } from '@pggraph/core'
import {
  graphCatalog,
  graphNames,
  loadGraphData,
  renderDashboard,
  type GraphData,
  type GraphName,
} from '@pggraph/render'
import { readSeries, type Namespace } from '@pggraph/store'

/** What {@link writeReport} wrote. */
export interface Report {
  readonly indexFile: string
  readonly files: readonly string[]
  /** Graphs that had data in the range. */
  readonly withData: number
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/**
 * Render the overview and activity graphs of one system for `[from, to]` to `<outDir>/<graph>.svg` and an
 * `index.html` that shows them all (static files: open it in any browser, no server needed).
 */
export async function writeReport(
  db: Queryable,
  ns: Namespace,
  range: { from: number; to: number },
  outDir: string,
  title: string,
): Promise<Report> {
  // The overview, plus activity: connections by state, waits, locks and the longest
  // transaction show what the quickstart's workload (and its long transaction) is doing.
  const names: GraphName[] = [...graphNames('overview'), ...graphNames('activity')]
  const width = 760
  const data = new Map<GraphName, GraphData>()
  for (const name of names) {
    data.set(name, await loadGraphData(name, (q) => readSeries(db, ns, q), { ...range, points: width }))
  }
  const svgs = await renderDashboard(names, data, { width, height: 240, theme: 'light' })
  await mkdir(outDir, { recursive: true })
  const files: string[] = []
  for (const [name, svg] of svgs) {
    const file = join(outDir, `${name}.svg`)
    await writeFile(file, svg)
    files.push(file)
  }
  const withData = [...data.values()].filter((d) =>
    d.sets.some((s) => s.series.some((x) => x.points.some((p) => p.v !== null))),
  ).length
  const figures = names
    .map(
      (n) =>
        `<figure><img src="${escapeHtml(n)}.svg" alt="${escapeHtml(graphCatalog[n].title)}" width="${width}"></figure>`,
    )
    .join('\n')
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:"DejaVu Sans",Verdana,sans-serif;margin:1.5rem;background:#fafafa;color:#222}
main{display:grid;grid-template-columns:repeat(auto-fill,minmax(${width}px,1fr));gap:1rem}figure{margin:0;background:#fff;border:1px solid #ddd;border-radius:6px;padding:.5rem}
img{max-width:100%;height:auto}</style></head>
<body><h1>${escapeHtml(title)}</h1>
<p>${new Date(range.from).toISOString()} – ${new Date(range.to).toISOString()} (UTC)</p>
<main>
${figures}
</main></body></html>
`
  const indexFile = join(outDir, 'index.html')
  await writeFile(indexFile, html)
  return { indexFile: resolve(indexFile), files, withData }
}
