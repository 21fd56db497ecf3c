/**
 * The backend suite every store driver must pass, built-in or your own:
 * `testStoreDriver(backend)` registers vitest tests that install, write, read, roll up, prune
 * and check the least-privilege roles on fresh stores of that backend — the same tests the
 * built-in `postgres` and `pglite` drivers run. Needs `vitest` (a dev dependency of the package
 * that runs it).
 *
 * @example
 * ```ts
 * // mystore.test.ts
 * import { openStore, registerStoreDriver } from '@pggraph/store'
 * import { testStoreDriver } from '@pggraph/store/testing'
 *
 * registerStoreDriver('mystore', openMyStore)
 * testStoreDriver({
 *   name: 'mystore',
 *   capabilities: { binaryParams: false, logins: false },
 *   open: async () => ({ db: await openStore(`mystore:${freshFolder()}`) }),
 * })
 * ```
 *
 * @packageDocumentation
 */
import { collectedSuite } from './testing/collected-suite.js'
import { columnarSuite } from './testing/columnar-suite.js'
import { eventsSuite } from './testing/events-suite.js'
import { retentionSuite } from './testing/retention-suite.js'
import { securitySuite } from './testing/security-suite.js'
import { storeSuite } from './testing/store-suite.js'
import type { StoreTestBackend } from './testing/backend.js'

export type { RoleSession, StoreTestBackend, StoreTestTarget } from './testing/backend.js'

/**
 * Register the store backend suite for `backend` (call it at the top level of a vitest test
 * file): install idempotently, write once, keep prefixes and schemas apart, rates with gaps at
 * resets and restarts, downsampling in SQL, future snapshots refused, metrics added later, the
 * columnar write path (where the driver sends binary parameters), rollups, retention, bounded
 * events, the times a metric was collected (snapshots without its rows included) and least
 * privilege of the writer and reader roles. Each group opens its own store
 * and closes it.
 */
export function testStoreDriver(backend: StoreTestBackend): void {
  storeSuite(backend)
  columnarSuite(backend)
  retentionSuite(backend)
  eventsSuite(backend)
  collectedSuite(backend)
  securitySuite(backend)
}
