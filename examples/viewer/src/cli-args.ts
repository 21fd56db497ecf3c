import { PggraphError, closestMatch } from '@pggraph/core'

/** Parsed command line: positional words and `--flag value` / `--switch` options. */
export interface ParsedArgs {
  readonly positional: string[]
  readonly flags: Map<string, string | true>
}

/** The flags one command accepts: `value` flags take an argument, `switch` flags do not. */
export interface FlagSpec {
  readonly value: readonly string[]
  readonly switch: readonly string[]
}

/**
 * Why there is no `--password`: said instead of "unknown option" to whoever tries one.
 * @internal
 */
export const PASSWORD_NOT_AN_ARGUMENT =
  'Passwords are never command-line arguments: other users of this machine can read them in `ps`, and the shell keeps them in its history. ' +
  '"users add" asks for the password on the terminal (not echoed), or reads the first line of stdin: printf \'%s\\n\' "$PW" | pggraph-viewer users add …'

/**
 * Parse `argv` against the flags a command accepts. An unknown flag is a
 * `PggraphError('CONFIG')` naming it, with the closest flag of `command` when one is close
 * and `--password` explained; `command` also names the help to read.
 */
export function parseArgs(argv: readonly string[], spec: FlagSpec, command?: string): ParsedArgs {
  const positional: string[] = []
  const flags = new Map<string, string | true>()
  const help = command ? `pggraph-viewer ${command} --help` : 'pggraph-viewer --help'
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (!a.startsWith('--')) {
      positional.push(a)
      continue
    }
    const eq = a.indexOf('=')
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2)
    if (spec.switch.includes(name)) {
      if (eq > 0) throw new PggraphError('CONFIG', `--${name} takes no value.`)
      flags.set(name, true)
    } else if (spec.value.includes(name)) {
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i]
      if (v === undefined || (eq < 0 && v.startsWith('--')))
        throw new PggraphError('CONFIG', `--${name} needs a value.`)
      flags.set(name, v)
    } else if (/^(password|passwd|pass|pw)$/i.test(name)) {
      throw new PggraphError('CONFIG', PASSWORD_NOT_AN_ARGUMENT)
    } else {
      const best = closestMatch(name, [...spec.value, ...spec.switch])
      throw new PggraphError(
        'CONFIG',
        `Unknown option --${name}${command ? ` for "${command}"` : ''}${best ? ` (did you mean --${best}?)` : ''}: see \`${help}\`.`,
      )
    }
  }
  return { positional, flags }
}

/** The value of a flag, or `undefined`. */
export function flag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name)
  return typeof v === 'string' ? v : undefined
}

/** The value of a required flag (or its environment fallback). */
export function required(args: ParsedArgs, name: string, env?: string): string {
  const v = flag(args, name) ?? (env ? process.env[env] : undefined)
  if (!v) throw new PggraphError('CONFIG', `--${name} is required${env ? ` (or set ${env})` : ''}.`)
  return v
}

/** A positive integer flag within bounds (or its environment fallback). */
export function intFlag(args: ParsedArgs, name: string, min: number, max: number, env?: string): number | undefined {
  const given = flag(args, name)
  const v = given ?? (env ? process.env[env] : undefined)
  if (v === undefined || v === '') return undefined
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max)
    throw new PggraphError(
      'CONFIG',
      `${given === undefined && env ? env : `--${name}`} must be a whole number from ${min} to ${max} (got "${v.slice(0, 20)}").`,
    )
  return Number(v)
}
