import { exportEntries, libraryConfig } from '../../tsup.base.js'

// One entry per subpath export of package.json (itself generated from the list of built-in
// collectors by scripts/generate.ts), so `@pggraph/collector/<area>` loads only that area.
export default libraryConfig({
  entry: exportEntries(new URL('./package.json', import.meta.url)),
  external: ['vitest', 'pg'],
})
