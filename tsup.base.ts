// The one shape of every workspace's tsup build: ESM only, declarations, a clean dist, Node 20,
// source maps. Each package's tsup.config.ts names its entries and what stays external.
import { readFileSync } from 'node:fs'
import { defineConfig, type Options } from 'tsup'

/** The build options every library build shares. */
export const libraryDefaults = {
  format: ['esm'],
  dts: true,
  clean: true,
  target: 'node20',
  sourcemap: true,
} as const satisfies Options

/**
 * The source of every subpath export of the package.json at `packageJson` (its `development`
 * condition), so each `@pggraph/<package>/<subpath>` is built as its own entry.
 */
export function exportEntries(packageJson: URL): string[] {
  const pkg = JSON.parse(readFileSync(packageJson, 'utf8')) as { exports: Record<string, { development: string }> }
  return Object.values(pkg.exports).map((e) => e.development)
}

/** A library build: {@link libraryDefaults} with `options` (entries, externals, overrides) on top. */
export function libraryConfig(options: Options): ReturnType<typeof defineConfig> {
  return defineConfig({ ...libraryDefaults, format: [...libraryDefaults.format], ...options })
}
