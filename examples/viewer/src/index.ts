/**
 * The pggraph web viewer: each user logs in and sees the graphs of their own tenant's systems,
 * and nothing else. Every store query of a request runs under the tenant's reader role.
 *
 * @packageDocumentation
 */
export { createViewer, startViewer, type Viewer, type ViewerOptions } from './server.js'
export { openStoreAccess, storeAccessFrom, type StoreAccess, type StorePoolOptions } from './store-access.js'
export { DEFAULT_REQUEST_BUDGET, type RequestBudget } from './limits.js'
export { DEFAULT_GRAPH_BOUNDS, type GraphBounds } from './graph-bounds.js'
export {
  ADMIN_SCHEMA,
  USER_PATTERN,
  addUser,
  ensureUsersTable,
  findUser,
  listUsers,
  removeUser,
  unlockUser,
  type StoredUser,
  type ViewerUser,
} from './users.js'
export { hashPassword, verifyPassword } from './password.js'
export { renderToFile, type RenderCommandOptions } from './render-command.js'
