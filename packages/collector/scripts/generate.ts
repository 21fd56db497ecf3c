// Generates, from the one list of built-in collectors (src/defaults.ts) and their definitions:
// the package's subpath exports (package.json; tsup builds what they name), and the generated
// sections of docs/collectors.md (collectors and subpaths, privileges, the metric reference).
// A test (test/generated.test.ts) fails when any of them is stale.
//
//   node --conditions=development --import tsx packages/collector/scripts/generate.ts
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { MetricDefinition, Requirement, ValueColumn } from '@pggraph/core'
import { definitionMinVersion } from '@pggraph/core'
import { format, resolveConfig } from 'prettier'
import { builtinCollectors, builtinMetrics } from '../src/definitions.js'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
export const DOC = join(ROOT, '..', '..', 'docs', 'collectors.md')
export const PACKAGE_JSON = join(ROOT, 'package.json')
const SCRIPT = 'packages/collector/scripts/generate.ts'

const code = (s: string): string => `\`${s}\``

function requirement(r: Requirement): string {
  if (!('extension' in r)) return code(r.privilege)
  return `extension ${code(r.extension)}${r.minVersion ? ` ${r.minVersion} or newer` : ''}`
}

function needs(d: MetricDefinition): string {
  const r = (d.requires ?? []).map(requirement)
  return r.length ? r.join(', ') : '—'
}

/** The majors a column exists on: '' (all), '13+', '≤ 16' (removed in 17), '14–16'. */
function versions(c: ValueColumn): string {
  if (c.until === undefined) return c.since === undefined ? '' : `${c.since}+`
  return c.since === undefined ? `≤ ${c.until - 1}` : `${c.since}–${c.until - 1}`
}

/** The collectors and their subpaths: one row per entry of the list. */
export function collectorsMarkdown(): string {
  const rows = builtinCollectors.map((e) => {
    const c = e.factory()
    const opts = 'options' in e ? `{ ${e.options.join(', ')} }` : ''
    const optIn = 'optIn' in e && e.optIn ? ' (opt-in)' : ''
    return `| ${code(`${e.factory.name}(${opts})`)}${optIn} | ${code(`/${e.subpath}`)} | ${c.metrics.map((m) => code(m.name)).join(', ')} |`
  })
  return ['| factory | subpath | metrics |', '| --- | --- | --- |', ...rows].join('\n')
}

/** Which metrics need what beyond a plain login. */
export function privilegesMarkdown(defs: readonly MetricDefinition[] = builtinMetrics): string {
  const by = new Map<string, string[]>()
  for (const d of defs) {
    const reqs = d.requires ?? []
    const keys = reqs.length ? reqs.map(requirement) : ['nothing']
    for (const k of keys) by.set(k, [...(by.get(k) ?? []), d.name])
  }
  const label = (k: string): string =>
    k === 'nothing'
      ? 'nothing'
      : k.startsWith('extension')
        ? `${k} in the database (and in \`shared_preload_libraries\` where the extension needs it)`
        : `${k} (in \`pg_monitor\`)`
  const order = [...by.keys()].sort((a, b) => (a === 'nothing' ? 1 : b === 'nothing' ? -1 : a.localeCompare(b)))
  return [
    '| needs | metrics |',
    '| --- | --- |',
    ...order.map((k) => `| ${label(k)} | ${by.get(k)!.map(code).join(', ')} |`),
  ].join('\n')
}

/** The metric reference: one summary table, then one section per metric with its columns. */
export function metricsMarkdown(defs: readonly MetricDefinition[] = builtinMetrics): string {
  const labels = (d: MetricDefinition): string => Object.keys(d.labels).map(code).join(', ')
  const out: string[] = [
    '| metric | area | scope | versions | needs | labels |',
    '| --- | --- | --- | --- | --- | --- |',
    ...defs.map(
      (d) =>
        `| [${code(d.name)}](#${d.name}) | ${d.area} | ${d.scope} | ${definitionMinVersion(d)}+ | ${needs(d)} | ${labels(d) || '—'} |`,
    ),
    '',
  ]
  for (const d of defs) {
    out.push(`### ${d.name}`, '', `${d.description}.`, '')
    const facts = [
      `scope **${d.scope}**`,
      `PostgreSQL **${definitionMinVersion(d)}+**`,
      `labels ${labels(d) || 'none (one row)'}`,
      d.statsReset ? 'rows carry `stats_reset`' : undefined,
      d.requires?.length ? `needs ${needs(d)}` : undefined,
      d.params?.length ? `default params ${code(JSON.stringify(d.params))}` : undefined,
    ].filter(Boolean)
    out.push(
      facts.join(' · '),
      '',
      '| column | kind | unit | versions | description |',
      '| --- | --- | --- | --- | --- |',
    )
    for (const [name, c] of Object.entries(d.values)) {
      const kind = c.per ? `${c.kind} (rate per ${c.per})` : c.kind
      out.push(
        `| ${code(name)} | ${kind} | ${c.unit} | ${versions(c)} | ${(c.description ?? '').replace(/\|/g, '\\|')} |`,
      )
    }
    out.push('')
  }
  return out.join('\n')
}

const SECTIONS: Record<string, () => string> = {
  collectors: collectorsMarkdown,
  privileges: () => privilegesMarkdown(),
  metrics: () => metricsMarkdown(),
}

function replaceSection(text: string, name: string, body: string): string {
  const start = `<!-- ${name}:start (generated by ${SCRIPT}) -->`
  const end = `<!-- ${name}:end -->`
  const a = text.indexOf(start)
  const b = text.indexOf(end)
  if (a < 0 || b < a) throw new Error(`docs/collectors.md lacks the ${start} ... ${end} markers`)
  return `${text.slice(0, a + start.length)}\n\n${body}\n\n${text.slice(b)}`
}

/** docs/collectors.md with every generated section replaced, formatted by prettier like the rest of the repo. */
export async function renderDoc(current: string): Promise<string> {
  let text = current
  for (const [name, body] of Object.entries(SECTIONS)) text = replaceSection(text, name, body())
  return format(text, { ...(await resolveConfig(DOC)), filepath: DOC })
}

/** The `exports` map of package.json: the root, the data-only definitions, each collector, the test suite. */
export function packageExports(): Record<string, Record<string, string>> {
  const entry = (file: string) => ({
    development: `./src/${file}.ts`,
    types: `./dist/${file}.d.ts`,
    default: `./dist/${file}.js`,
  })
  return {
    '.': entry('index'),
    './definitions': entry('definitions'),
    ...Object.fromEntries(builtinCollectors.map((e) => [`./${e.subpath}`, entry(e.subpath)])),
    './testing': entry('testing'),
  }
}

/** package.json with the generated `exports`, everything else as it is. */
export async function renderPackageJson(current: string): Promise<string> {
  const pkg = JSON.parse(current) as Record<string, unknown>
  pkg['exports'] = packageExports()
  return format(JSON.stringify(pkg, null, 2), { ...(await resolveConfig(PACKAGE_JSON)), filepath: PACKAGE_JSON })
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(DOC, await renderDoc(readFileSync(DOC, 'utf8')))
  writeFileSync(PACKAGE_JSON, await renderPackageJson(readFileSync(PACKAGE_JSON, 'utf8')))
  console.log(`updated ${DOC} and ${PACKAGE_JSON}`)
}
