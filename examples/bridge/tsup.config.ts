import { readFileSync } from 'node:fs'
import { isBuiltin } from 'node:module'
import { defineConfig, type Options } from 'tsup'
import { libraryDefaults } from '../../tsup.base.js'

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string }
const define = { PGGRAPH_BRIDGE_VERSION: JSON.stringify(version) }

// In an ES module, esbuild hoists every `import … from 'node:…'` of the bundle to the top, so
// `--version` would load TLS, crypto, readline and the rest (~40 built-in modules). Seen as
// CommonJS modules they are required where the module that uses them is first evaluated, and a
// command loads only its own: `--version` loads no built-in module beyond a bare `node -e 0`'s.
const lazyBuiltins: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'lazy-builtins',
  setup(build) {
    build.onResolve({ filter: /^[a-z0-9_:/]+$/ }, (args) =>
      isBuiltin(args.path) && args.namespace !== 'lazy-builtin'
        ? { path: args.path, namespace: 'lazy-builtin' }
        : undefined,
    )
    build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)})`,
      loader: 'js',
    }))
  },
}

// The shipped builds bundle everything, from the workspaces' sources, except PGlite (only for
// `pglite:` stores: 10 MB of WebAssembly a monitored server does not need; it is loaded from
// node_modules when present) and pg's optional native binding.
const shipped: Options = {
  entry: { 'pggraph-bridge': 'src/cli.ts' },
  platform: 'node',
  target: 'node20',
  dts: false,
  clean: false,
  sourcemap: false,
  splitting: false,
  minify: true,
  // tsup's own plugin would resolve `node:` imports before ours and leave them hoisted.
  removeNodeProtocol: false,
  define: {
    ...define,
    // pg asks whether it runs on Cloudflare Workers by touching the global `Response`, which on
    // Node 20 loads the whole fetch implementation (undici): ~100 ms of a cron cycle's CPU.
    // This bundle runs on Node only, where `navigator` (Node >= 21) says "Node.js".
    navigator: JSON.stringify({ userAgent: 'Node.js' }),
  },
  // A dynamic `import('node:…')` left external would fail in the single executable (Node 20
  // gives its main script no dynamic-import callback).
  esbuildPlugins: [lazyBuiltins],
  noExternal: [/^(?!@electric-sql\/pglite|pg-native)/],
  external: ['@electric-sql/pglite', 'pg-native'],
  esbuildOptions(options) {
    options.conditions = ['development']
    options.legalComments = 'none'
  },
}

export default defineConfig([
  // The library: other workspaces stay external, so a user's @pggraph/core is shared.
  {
    ...libraryDefaults,
    format: ['esm'],
    entry: ['src/index.ts'],
    // Types of the other workspaces from their sources, so this builds without theirs.
    dts: { compilerOptions: { customConditions: ['development'] } },
    define,
  },
  // `dist/sea/pggraph-bridge.cjs`: the program as CommonJS, which scripts/wrap-program.mjs
  // puts behind the loader that compiles it with V8's code cache (scripts/loader.mjs):
  // `dist/pggraph-bridge.mjs` (at the repository's root, beside the executable, the .deb and
  // the packed libraries), the one file to copy to a monitored server (Node >= 20 and nothing
  // else; bin/pggraph-bridge.js runs it too), and the executable's main script
  // (scripts/build-executable.mjs turns it into the executable).
  {
    ...shipped,
    format: ['cjs'],
    outDir: '../../dist/sea',
    outExtension: () => ({ js: '.cjs' }),
    onSuccess: async () => {
      const { wrapProgram } = (await import('./scripts/wrap-program.mjs')) as { wrapProgram: () => Promise<void> }
      await wrapProgram()
    },
  },
])
