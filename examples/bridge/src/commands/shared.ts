import { readFileSync } from 'node:fs'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { PggraphError, closestMatch } from '@pggraph/core'
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

/** Why there is no `--password`: said instead of "unknown option" to whoever tries one. */
const PASSWORD_NOT_AN_ARGUMENT =
  'Passwords are never command-line arguments: other users of this machine can read them in `ps`, and the shell keeps them in its history. ' +
  'Put the password in store_url in the config file (chmod 600), in PGGRAPH_STORE_URL / PGGRAPH_TARGET_URL, or in ~/.pgpass.'

/**
 * parseArgs, turning its errors into `PggraphError('CONFIG')` that point at `--help`; an
 * unknown flag names the closest one of `command`, and `--password` says why there is none.
 */
export function parse(
  command: string,
  args: readonly string[],
  options: Options,
  allowPositionals = false,
): ReturnType<typeof parseArgs> {
  try {
    return parseArgs({ args: [...args], options, allowPositionals, strict: true })
  } catch (err) {
    const help = `Run \`pggraph-bridge ${command} --help\` for the options.`
    const msg = (err as Error).message.split('\n')[0] ?? ''
    if ((err as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const given = /'(-[^']*)'/.exec(msg)?.[1] ?? ''
      const name = given.replace(/^-+/, '').split('=')[0]!
      if (/^(password|passwd|pass|pw)$/i.test(name)) throw new PggraphError('CONFIG', PASSWORD_NOT_AN_ARGUMENT)
      const best = given.startsWith('--') ? closestMatch(name, Object.keys(options)) : undefined
      throw new PggraphError(
        'CONFIG',
        `Unknown option ${given || 'given'} for "${command}"${best ? ` (did you mean --${best}?)` : ''}: ${help}`,
      )
    }
    throw new PggraphError('CONFIG', `${msg} ${help}`)
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
    case 'collectors':
      return 'a,b'
    case 'boolean':
    case 'identifier':
    case 'string':
      return 'NAME'
  }
}
