// The built-in postgres:// driver passes the store backend suite of @pggraph/store/testing on
// every PostgreSQL server of the run, and on the Citus coordinator when Citus is installed.
import { testStoreDriver } from '../src/testing.js'
import { serverBackends } from './backends.js'

for (const backend of serverBackends()) testStoreDriver(backend)
