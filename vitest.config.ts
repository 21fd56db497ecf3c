import { defineConfig } from 'vitest/config'

// Tests import the packages' TypeScript sources through the "development" export condition,
// so `npm test` needs no build step.
export default defineConfig({
  resolve: { conditions: ['development'] },
  ssr: { resolve: { conditions: ['development'] } },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'examples/*/src/**/*.test.ts',
      'examples/*/test/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    globalSetup: ['test/servers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Per-server tests run their servers concurrently (describe.concurrent.each): one slot per
    // server of the run (7 embedded majors + the local one), not vitest's default 5.
    maxConcurrency: 8,
  },
})
