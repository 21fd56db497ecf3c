import { readFileSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { PggraphError, closestMatch, validateIdentifier } from '@pggraph/core'
import { parse as parseToml, TomlError } from 'smol-toml'
import { CONFIG_KEYS, type ConfigKey, type ConfigKeyName } from './config-keys.js'
import { OPT_IN_COLLECTORS, type OptInName } from './opt-in.js'
import { parseBytes, parseDuration } from './units.js'

/** Every setting, resolved from flags, environment and file, defaults applied; the four names may be missing. */
export interface ConfigValues {
  readonly targetUrl: string | undefined
  readonly storeUrl: string | undefined
  readonly schema: string | undefined
  readonly prefix: string | undefined
  /** `undefined`: only the target URL's database. */
  readonly databases: readonly string[] | 'all' | undefined
  /** Collect pg_stat_statements' statement text (`statement_text`). */
  readonly statementText: boolean
  /** Opt-in collectors run besides the defaults (`opt_in`). */
  readonly optIn: readonly OptInName[]
  readonly caFile: string | undefined
  readonly tlsServerName: string | undefined
  readonly insecure: boolean
  readonly intervalMs: number
  readonly spoolDir: string | undefined
  readonly spoolMaxBytes: number
  readonly spoolMaxAgeMs: number
  readonly quarantineDir: string | undefined
  readonly connectTimeoutMs: number
  readonly statementTimeoutMs: number
  readonly retryAttempts: number
  readonly retryMaxDelayMs: number
  /** The config file read, if any (absolute). */
  readonly file: string | undefined
  /** Things the operator should fix that do not stop the bridge (printed to stderr). */
  readonly warnings: readonly string[]
}

/** A complete configuration for `run` and `check`: everything {@link ConfigValues} has, nothing missing. */
export interface BridgeConfig extends ConfigValues {
  readonly targetUrl: string
  readonly storeUrl: string
  readonly schema: string
  readonly prefix: string
  readonly spoolDir: string
  readonly quarantineDir: string
}

/** Where settings come from; each is optional. Flags win over environment, environment over the file. */
export interface ConfigSources {
  /** Path of a TOML file. */
  readonly file?: string | undefined
  /** Flag values by key name (`target_url`, `interval`, ...): strings or booleans as parsed from argv. */
  readonly flags?: Readonly<Partial<Record<ConfigKeyName, string | boolean | undefined>>>
  /** The environment (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>
}

type Raw = string | number | boolean | readonly unknown[]
interface Found {
  readonly value: Raw
  readonly where: string
}

function fail(message: string): never {
  throw new PggraphError('CONFIG', message)
}

function readFile(file: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT')
      fail(`The config file ${file} does not exist: check the path given to --config (or PGGRAPH_CONFIG).`)
    fail(`The config file ${file} cannot be read (${code ?? String(err)}): check its permissions.`)
  }
  try {
    return parseToml(text) as Record<string, unknown>
  } catch (err) {
    if (err instanceof TomlError) {
      fail(
        `The config file ${file} is not valid TOML (line ${err.line}, column ${err.column}): ${err.message.split('\n')[0]}`,
      )
    }
    throw err
  }
}

function checkUnknownKeys(data: Record<string, unknown>, file: string): void {
  const names = CONFIG_KEYS.map((c) => c.key as string)
  for (const key of Object.keys(data)) {
    if (names.includes(key)) continue
    const best = closestMatch(key, names)
    const hint = best ? ` (did you mean "${best}"?)` : ''
    const what = data[key] && typeof data[key] === 'object' && !Array.isArray(data[key]) ? 'section' : 'key'
    fail(`Unknown ${what} "${key}" in ${file}${hint}. The keys are: ${names.join(', ')}.`)
  }
}

function describe(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? 'a list' : `${typeof v} ${JSON.stringify(v)}`
}

function convert(spec: ConfigKey, found: Found): unknown {
  const { value: v, where } = found
  const bad = (expected: string): never => fail(`Invalid value for ${where}: expected ${expected}, got ${describe(v)}.`)
  switch (spec.type) {
    case 'string':
    case 'path':
      if (typeof v !== 'string' || v === '') return bad('a non-empty string')
      return spec.type === 'path' ? resolve(v.replace(/^~(?=\/|$)/, homedir())) : v
    case 'url': {
      if (typeof v !== 'string') return bad('a URL string such as "postgres://user@host/db"')
      if (spec.key === 'store_url' && /^pglite:/.test(v)) return v
      let u: URL
      try {
        u = new URL(v)
      } catch {
        return bad('a URL such as "postgres://user@host:5432/db"')
      }
      if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
        return bad(`a postgres:// URL${spec.key === 'store_url' ? ' (or pglite:./dir)' : ''}`)
      }
      return v
    }
    case 'identifier':
      if (typeof v !== 'string') return bad('a name such as "acme"')
      try {
        return validateIdentifier(v, spec.key === 'schema' ? 'schema' : 'prefix')
      } catch (err) {
        return fail(`Invalid value for ${where}: ${(err as Error).message}`)
      }
    case 'duration': {
      const ms = typeof v === 'string' || typeof v === 'number' ? parseDuration(v) : undefined
      if (ms === undefined || ms <= 0) return bad('a duration such as "60s", "5m" or "1h"')
      return ms
    }
    case 'bytes': {
      const n = typeof v === 'string' || typeof v === 'number' ? parseBytes(v) : undefined
      if (n === undefined || n <= 0) return bad('a size such as "100MB" or "1GB"')
      return n
    }
    case 'boolean':
      if (typeof v === 'boolean') return v
      if (typeof v === 'string' && /^(true|1|yes|on)$/i.test(v)) return true
      if (typeof v === 'string' && /^(false|0|no|off)$/i.test(v)) return false
      return bad('true or false')
    case 'integer': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : NaN
      if (!Number.isInteger(n) || n < 1 || n > 100) return bad('a whole number from 1 to 100')
      return n
    }
    case 'databases': {
      if (v === 'all') return 'all'
      const list = typeof v === 'string' ? v.split(',').map((s) => s.trim()) : v
      if (!Array.isArray(list) || list.length === 0 || !list.every((x) => typeof x === 'string' && x !== '')) {
        return bad('"all" or a list of database names such as ["app", "postgres"]')
      }
      return list
    }
    case 'collectors': {
      const list =
        typeof v === 'string'
          ? v
              .split(',')
              .map((s) => s.trim())
              .filter((s) => s !== '')
          : v
      const names = Object.keys(OPT_IN_COLLECTORS)
      if (!Array.isArray(list)) return bad(`a list of collector names such as ["bloat"] (${names.join(', ')})`)
      for (const name of list) {
        if (typeof name === 'string' && names.includes(name)) continue
        const best = typeof name === 'string' ? closestMatch(name, names) : undefined
        fail(
          `Unknown opt-in collector ${describe(name)} in ${where}${best ? ` (did you mean "${best}"?)` : ''}: the opt-in collectors are ${names.join(', ')}.`,
        )
      }
      return [...new Set(list as OptInName[])]
    }
  }
}

function defaultSpoolDir(env: Readonly<Record<string, string | undefined>>, schema: string, prefix: string): string {
  // systemd's StateDirectory= is already per service (the printed unit names it after schema.prefix).
  if (env['STATE_DIRECTORY']) return env['STATE_DIRECTORY'].split(':')[0]!
  const name = `${schema}.${prefix}`
  const base = env['XDG_STATE_HOME'] || join(homedir(), '.local', 'state')
  return join(base, 'pggraph-bridge', name)
}

function hasPassword(data: Record<string, unknown>): boolean {
  for (const key of ['target_url', 'store_url']) {
    const v = data[key]
    if (typeof v !== 'string') continue
    try {
      if (new URL(v).password) return true
    } catch {
      // an invalid URL is reported by validation
    }
  }
  return false
}

/**
 * Resolve every setting from flags, environment and an optional TOML file (flag over
 * environment over file), validate each, and apply defaults. Throws `PggraphError('CONFIG')`
 * naming the key and where it came from on the first mistake; the four names (target, store,
 * schema, prefix) may still be missing: {@link loadConfig} requires them.
 */
export function resolveConfig(sources: ConfigSources = {}): ConfigValues {
  const env = sources.env ?? process.env
  const flags = sources.flags ?? {}
  const fileName = sources.file ?? (env['PGGRAPH_CONFIG'] || undefined)
  const file = fileName ? resolve(fileName) : undefined
  const data = file ? readFile(file) : {}
  if (file) checkUnknownKeys(data, file)
  const warnings: string[] = []
  if (file && hasPassword(data)) {
    const mode = statSync(file).mode
    if (mode & 0o077) {
      warnings.push(
        `${file} holds a password and is readable by group or others (mode ${(mode & 0o777).toString(8)}): run \`chmod 600 ${file}\`, or move the password to the environment (PGGRAPH_STORE_URL) or ~/.pgpass.`,
      )
    }
  }
  const values = new Map<string, unknown>()
  for (const spec of CONFIG_KEYS as readonly ConfigKey[]) {
    const flag = flags[spec.key as ConfigKeyName]
    const envValue = env[spec.env]
    let found: Found | undefined
    if (flag !== undefined) found = { value: flag, where: `--${spec.flag}` }
    else if (envValue !== undefined && envValue !== '') found = { value: envValue, where: `${spec.env} (environment)` }
    else if (data[spec.key] !== undefined) found = { value: data[spec.key] as Raw, where: `"${spec.key}" in ${file}` }
    else if (spec.default !== undefined) found = { value: spec.default, where: `the default of "${spec.key}"` }
    values.set(spec.key, found ? convert(spec, found) : undefined)
  }
  const get = <T>(key: ConfigKeyName): T => values.get(key) as T
  return {
    targetUrl: get('target_url'),
    storeUrl: get('store_url'),
    schema: get('schema'),
    prefix: get('prefix'),
    databases: get('databases'),
    statementText: get('statement_text'),
    optIn: get<readonly OptInName[] | undefined>('opt_in') ?? [],
    caFile: get('ca_file'),
    tlsServerName: get('tls_server_name'),
    insecure: get('insecure'),
    intervalMs: get('interval'),
    spoolDir: get('spool_dir'),
    spoolMaxBytes: get('spool_max_bytes'),
    spoolMaxAgeMs: get('spool_max_age'),
    quarantineDir: get('quarantine_dir'),
    connectTimeoutMs: get('connect_timeout'),
    statementTimeoutMs: get('statement_timeout'),
    retryAttempts: get('retry_attempts'),
    retryMaxDelayMs: get('retry_max_delay'),
    file,
    warnings,
  }
}

/** Throw the "missing value" error for `key`, saying every place it can be set. */
export function missing(key: ConfigKeyName, file: string | undefined): never {
  const spec = CONFIG_KEYS.find((c) => c.key === key)!
  const where = file
    ? `set ${key} in ${file}, ${spec.env} in the environment, or --${spec.flag}`
    : `give --${spec.flag}, set ${spec.env}, or use --config FILE with ${key} = ...`
  fail(`Missing value for "${key}": ${where}.`)
}

/**
 * Load the complete configuration `run` and `check` need: {@link resolveConfig}, then require
 * the target, the store, the schema and the prefix, and place the spool.
 *
 * @example
 * ```ts
 * const config = loadConfig({ file: '/etc/pggraph/bridge.toml', flags: { interval: '30s' } })
 * ```
 */
export function loadConfig(sources: ConfigSources = {}): BridgeConfig {
  const v = resolveConfig(sources)
  const env = sources.env ?? process.env
  for (const key of ['target_url', 'store_url', 'schema', 'prefix'] as const) {
    const field = { target_url: v.targetUrl, store_url: v.storeUrl, schema: v.schema, prefix: v.prefix }[key]
    if (field === undefined) missing(key, v.file)
  }
  const spoolDir = v.spoolDir ?? defaultSpoolDir(env, v.schema!, v.prefix!)
  return {
    ...v,
    targetUrl: v.targetUrl!,
    storeUrl: v.storeUrl!,
    schema: v.schema!,
    prefix: v.prefix!,
    spoolDir,
    quarantineDir: v.quarantineDir ?? join(spoolDir, 'quarantine'),
  }
}
