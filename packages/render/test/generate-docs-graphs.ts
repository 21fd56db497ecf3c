// Writes one SVG per catalog graph into docs/graphs/ from fixed, realistic synthetic data (one
// day of 5-minute samples with a stats reset and a restart), plus the catalog table for
// docs/graphs.md. Deterministic: running it twice changes nothing.
// Run from the repository root: node --conditions=development --import tsx packages/render/test/generate-docs-graphs.ts
import { mkdirSync, writeFileSync } from 'node:fs'
import { DAY, emptySet, MINUTE, syntheticSet, T0 } from './fixtures.js'
import { graphCatalog, graphNames, renderGraph } from '../src/index.js'

const out = new URL('../../../docs/graphs/', import.meta.url)
mkdirSync(out, { recursive: true })
const size = { width: 720, height: 240 } as const
const rows: string[] = []
for (const name of graphNames()) {
  const def = graphCatalog[name]
  const file = `${name.replace(/\./g, '-')}.svg`
  writeFileSync(new URL(file, out), await renderGraph(name, syntheticSet(name, { step: 5 * MINUTE }), size))
  const reads = def.queries.map((q) => `\`${q.metric}\`: ${q.columns.map((c) => `\`${c}\``).join(', ')}`).join('; ')
  const needs = [
    def.minServerVersion ? `PostgreSQL ${def.minServerVersion}+` : '',
    ...(def.requires ?? []).map((r) => ('extension' in r ? r.extension : r.privilege)),
  ]
    .filter(Boolean)
    .join(', ')
  rows.push(`| \`${name}\` | ${def.group} | ${def.title} | ${reads} | ${def.axisTitle} | ${needs || '—'} |`)
}
writeFileSync(new URL('no-data.svg', out), await renderGraph('statements.total_time', emptySet(), size))
writeFileSync(
  new URL('dark-database-transactions.svg', out),
  await renderGraph('database.transactions', syntheticSet('database.transactions', { step: 5 * MINUTE }), {
    ...size,
    theme: 'dark',
  }),
)
// A month of 1-minute data, downsampled (the default) and drawn raw: they should look alike.
const month = syntheticSet('database.transactions', { from: T0, to: T0 + 30 * DAY })
writeFileSync(
  new URL('month-downsampled.png', out),
  await renderGraph('database.transactions', month, { ...size, format: 'png' }),
)
writeFileSync(
  new URL('month-raw.png', out),
  await renderGraph('database.transactions', month, { ...size, format: 'png', downsample: false }),
)
console.log(
  '| graph | group | title | reads | y axis | needs |\n| --- | --- | --- | --- | --- | --- |\n' + rows.join('\n'),
)
