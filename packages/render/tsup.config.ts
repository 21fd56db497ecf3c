import { exportEntries, libraryConfig } from '../../tsup.base.js'

// One entry per subpath export of package.json (the renderers, and their conformance suite
// `testing`), plus the worker thread script that WorkerPool starts by file name.
export default libraryConfig({
  entry: [...exportEntries(new URL('./package.json', import.meta.url)), 'src/render-worker.ts'],
  external: ['vitest'],
})
