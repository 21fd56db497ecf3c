import { readFileSync } from 'node:fs'
import { defineConfig } from 'tsup'

// One entry per subpath export of package.json (the renderers, and their conformance suite
// `testing`), plus the worker thread script that WorkerPool starts by file name.
const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  exports: Record<string, { development: string }>
}

export default defineConfig({
  entry: [...Object.values(pkg.exports).map((e) => e.development), 'src/render-worker.ts'],
  external: ['vitest'],
  format: ['esm'],
  dts: true,
  clean: true,
  target: 'node20',
  sourcemap: true,
})
