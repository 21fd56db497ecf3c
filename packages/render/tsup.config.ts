import { defineConfig } from 'tsup'

export default defineConfig({
  entry: ['src/index.ts', 'src/render-worker.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  target: 'node20',
  sourcemap: true,
})
