import { defineConfig } from 'tsup'

export default defineConfig({
  // One entry per statistics area, so `@pggraph/collector/<area>` loads only that area.
  entry: [
    'src/index.ts',
    'src/activity.ts',
    'src/archiver.ts',
    'src/bgwriter.ts',
    'src/checkpointer.ts',
    'src/database.ts',
    'src/functions.ts',
    'src/indexes.ts',
    'src/io.ts',
    'src/locks.ts',
    'src/prepared-xacts.ts',
    'src/progress.ts',
    'src/replication.ts',
    'src/server.ts',
    'src/settings.ts',
    'src/slru.ts',
    'src/statements.ts',
    'src/subscriptions.ts',
    'src/tables.ts',
    'src/wal.ts',
    'src/testing.ts',
  ],
  external: ['vitest', 'pg'],
  format: ['esm'],
  dts: true,
  clean: true,
  target: 'node20',
  sourcemap: true,
})
