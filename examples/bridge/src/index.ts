/**
 * `@pggraph/bridge`: the parts of the `pggraph-bridge` command as a library, so an application
 * (the quickstart, a test, a custom daemon) can drive bridge cycles in-process: configuration,
 * the store link with explicit TLS, the durable spool, the single-run lock, one cycle and the loop.
 *
 * @example
 * ```ts
 * import { loadConfig, runCycle } from '@pggraph/bridge'
 * const config = loadConfig({ flags: { target_url: 'postgres://localhost/postgres', store_url: 'pglite:./pggraph-data', schema: 'me', prefix: 'laptop' } })
 * const result = await runCycle(config)
 * ```
 *
 * @packageDocumentation
 */
export { CONFIG_KEYS, configKey, type ConfigKey, type ConfigKeyName, type ConfigKeyType } from './config-keys.js'
export { loadConfig, resolveConfig, type BridgeConfig, type ConfigSources, type ConfigValues } from './config.js'
export {
  describeStoreError,
  lockPath,
  monitoredHost,
  runCycle,
  spoolOf,
  type CycleOptions,
  type CycleResult,
} from './cycle.js'
export { nextTick, runLoop, type LoopOptions } from './loop.js'
export { RunLock } from './lock.js'
export { backoffDelay, classifyError, oneLine, withRetry, type ErrorClass, type RetryPolicy } from './retry.js'
export { Spool, SpoolCorruptError, type SpoolEntry, type SpoolOptions, type SpoolUsage } from './spool.js'
export { readState, writeState, type BridgeState } from './state.js'
export { collectFromTarget, connectTarget, redactUrl, type CollectConfig, type TargetOptions } from './target.js'
export { explainTlsError, storeLink, type StoreLink } from './tls.js'
export { formatBytes, formatDuration, parseBytes, parseDuration } from './units.js'
export { main } from './main.js'
export { EXIT, type Io } from './commands/shared.js'
