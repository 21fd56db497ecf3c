import { exportEntries, libraryConfig } from '../../tsup.base.js'

// One entry per subpath export of package.json (the store, and its backend suite: testing), and
// the command line that bin/pggraph-store.js runs (dist/cli.js).
export default libraryConfig({
  entry: [...exportEntries(new URL('./package.json', import.meta.url)), 'src/cli.ts'],
  external: ['vitest', '@electric-sql/pglite'],
})
