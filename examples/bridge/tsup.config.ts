import { defineConfig } from 'tsup'

export default defineConfig([
  // The library: other workspaces stay external, so a user's @pggraph/core is shared.
  {
    entry: ['src/index.ts'],
    format: ['esm'],
    // Types of the other workspaces from their sources, so this builds without theirs.
    dts: { compilerOptions: { customConditions: ['development'] } },
    clean: true,
    target: 'node20',
    sourcemap: true,
  },
  // The CLI: bundles the @pggraph/* workspaces from their sources, so `bin/pggraph-bridge.js`
  // runs after building this workspace alone and never picks up another package's stale dist.
  {
    entry: ['src/cli.ts'],
    format: ['esm'],
    dts: false,
    clean: false,
    target: 'node20',
    sourcemap: true,
    noExternal: [/^@pggraph\//],
    // Everything else (pg, PGlite, smol-toml) stays an import, resolved from node_modules.
    external: [/^(?!@pggraph\/)[^./]/],
    esbuildOptions(options) {
      options.conditions = ['development']
    },
  },
])
