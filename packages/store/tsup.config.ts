import { readFileSync } from 'node:fs'
import { defineConfig } from 'tsup'

// One entry per subpath export of package.json (the store, and its backend suite: testing), and
// the command line that bin/pggraph-store.js runs (dist/cli.js).
const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  exports: Record<string, { development: string }>
}

export default defineConfig({
  entry: [...Object.values(pkg.exports).map((e) => e.development), 'src/cli.ts'],
  external: ['vitest', '@electric-sql/pglite'],
  format: ['esm'],
  dts: true,
  clean: true,
  target: 'node20',
  sourcemap: true,
})
