import { readFileSync } from 'node:fs'
import { defineConfig } from 'tsup'

// One entry per subpath export of package.json: the store, and its backend suite (testing).
const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  exports: Record<string, { development: string }>
}

export default defineConfig({
  entry: Object.values(pkg.exports).map((e) => e.development),
  external: ['vitest', '@electric-sql/pglite'],
  format: ['esm'],
  dts: true,
  clean: true,
  target: 'node20',
  sourcemap: true,
})
