// Everything derived from the one list of built-in collectors is current: the package's subpath
// exports, docs/collectors.md, and the root and /definitions entries re-export every area.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { DOC, PACKAGE_JSON, renderDoc, renderPackageJson } from '../scripts/generate.js'
import * as root from '../src/index.js'
import * as definitions from '../src/definitions.js'
import { builtinCollectors, builtinMetrics } from '../src/definitions.js'

// if a test here fails: node --conditions=development --import tsx packages/collector/scripts/generate.ts
describe('generated from the list of built-in collectors', () => {
  it('docs/collectors.md has the collectors, privileges and metric reference of the current definitions', async () => {
    const current = readFileSync(DOC, 'utf8')
    expect(await renderDoc(current)).toBe(current)
    expect(current).toContain('### pg_stat_checkpointer')
  })

  it('package.json exports one subpath per collector (and tsup builds what it exports)', async () => {
    const current = readFileSync(PACKAGE_JSON, 'utf8')
    expect(await renderPackageJson(current)).toBe(current)
    const exports = Object.keys((JSON.parse(current) as { exports: object }).exports)
    for (const e of builtinCollectors) expect(exports).toContain(`./${e.subpath}`)
  })

  it.each(builtinCollectors.map((e) => [e.subpath, e] as const))(
    '%s: every export is re-exported by the root and /definitions',
    async (subpath, e) => {
      const mod = (await import(`../src/${subpath}.ts`)) as Record<string, unknown>
      expect(mod[e.factory.name]).toBe(e.factory)
      for (const [name, value] of Object.entries(mod)) {
        expect((definitions as Record<string, unknown>)[name], `${subpath}.${name}`).toBe(value)
        expect((root as Record<string, unknown>)[name], `${subpath}.${name}`).toBe(value)
      }
      for (const m of e.factory().metrics) expect(builtinMetrics.map((b) => b.name)).toContain(m.name)
    },
  )

  it('/definitions is data only: its imports never reach collect(), the session or the probe', () => {
    const seen = new Set<string>()
    const walk = (file: string): void => {
      if (seen.has(file)) return
      seen.add(file)
      const text = readFileSync(new URL(`../src/${file}`, import.meta.url), 'utf8')
      for (const m of text.matchAll(/from '\.\/([a-z-]+)\.js'/g)) walk(`${m[1]}.ts`)
    }
    walk('definitions.ts')
    expect(seen.size).toBeGreaterThan(builtinCollectors.length)
    for (const runtime of ['collect.ts', 'session.ts', 'plan.ts', 'probe.ts', 'testing.ts'])
      expect(seen).not.toContain(runtime)
  })

  it('lists each metric once, in collector order', () => {
    const names = builtinMetrics.map((m) => m.name)
    expect(new Set(names).size).toBe(names.length)
    expect(names).toEqual(builtinCollectors.flatMap((e) => e.factory().metrics.map((m) => m.name)))
  })
})
