import { readFileSync } from 'node:fs'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { PggraphError } from '@pggraph/core'
import { CONFIG_KEYS, type ConfigKey, type ConfigKeyName } from '../config-keys.js'

/** Exit codes of the CLI, documented in docs/bridge.md. */
export const EXIT = { ok: 0, failed: 1, usage: 2, busy: 3 } as const

/** Where a command writes; the tests and the quickstart can capture it. */
export interface Io {
  out(line: string): void
  err(line: string): void
  readonly stdin: NodeJS.ReadStream
  readonly stdout: NodeJS.WriteStream
  readonly env: Readonly<Record<string, string | undefined>>
}

/** The real terminal. */
export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  stdin: process.stdin,
  stdout: process.stdout,
  env: process.env,
}

// Set by the build of the shipped file and executable (tsup `define`), which carry no package.json.
declare const PGGRAPH_BRIDGE_VERSION: string | undefined

/** The package version: built into the shipped file, else read from package.json next to src/ or dist/. */
export function version(): string {
  if (typeof PGGRAPH_BRIDGE_VERSION === 'string') return PGGRAPH_BRIDGE_VERSION
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }
    return pkg.version ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

type Options = NonNullable<ParseArgsConfig['options']>

/** parseArgs options for the given config keys (each key's flag), plus `--config` and `--help`. */
export function configOptions(keys: readonly ConfigKeyName[]): Options {
  const options: Options = {
    config: { type: 'string', short: 'c' },
    help: { type: 'boolean', short: 'h' },
  }
  for (const spec of CONFIG_KEYS as readonly ConfigKey[]) {
    if (keys.includes(spec.key as ConfigKeyName))
      options[spec.flag] = { type: spec.type === 'boolean' ? 'boolean' : 'string' }
  }
  return options
}

/** The config-key flags found in parsed values, by key name. */
export function flagsOf(
  values: Record<string, string | boolean | (string | boolean)[] | undefined>,
): Partial<Record<ConfigKeyName, string | boolean>> {
  const flags: Partial<Record<ConfigKeyName, string | boolean>> = {}
  for (const spec of CONFIG_KEYS as readonly ConfigKey[]) {
    const v = values[spec.flag]
    if (typeof v === 'string' || typeof v === 'boolean') flags[spec.key as ConfigKeyName] = v
  }
  return flags
}

/** parseArgs, turning its errors into `PggraphError('CONFIG')` that point at `--help`. */
export function parse(
  command: string,
  args: readonly string[],
  options: Options,
  allowPositionals = false,
): ReturnType<typeof parseArgs> {
  try {
    return parseArgs({ args: [...args], options, allowPositionals, strict: true })
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0]
    throw new PggraphError('CONFIG', `${msg} Run \`pggraph-bridge ${command} --help\` for the options.`)
  }
}

/** The help lines of config-key flags, aligned, with env variable names. */
export function flagHelp(keys: readonly ConfigKeyName[]): string {
  const rows = (CONFIG_KEYS as readonly ConfigKey[])
    .filter((s) => keys.includes(s.key as ConfigKeyName))
    .map((s) => [`  --${s.flag}${s.type === 'boolean' ? '' : ' ' + argName(s)}`, `${s.doc} [${s.env}]`] as const)
  const width = Math.max(...rows.map((r) => r[0].length)) + 2
  return rows.map(([a, b]) => `${a.padEnd(width)}${b}`).join('\n')
}

function argName(s: ConfigKey): string {
  switch (s.type) {
    case 'url':
      return 'URL'
    case 'duration':
      return 'DURATION'
    case 'bytes':
      return 'SIZE'
    case 'integer':
      return 'N'
    case 'path':
      return 'PATH'
    case 'databases':
      return 'all|a,b'
    case 'boolean':
    case 'identifier':
    case 'string':
      return 'NAME'
  }
}
