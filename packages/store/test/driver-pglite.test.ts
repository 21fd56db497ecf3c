// The built-in pglite: driver passes the store backend suite of @pggraph/store/testing.
import { testStoreDriver } from '../src/testing.js'
import { pgliteBackend } from './backends.js'

testStoreDriver(pgliteBackend)
