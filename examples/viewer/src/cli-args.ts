import { PggraphError } from '@pggraph/core'

/** Parsed command line: positional words and `--flag value` / `--switch` options. */
export interface ParsedArgs {
  readonly positional: string[]
  readonly flags: Map<string, string | true>
}

/**
 * Parse `argv` against the flags a command accepts (`value` flags take an argument, `switch`
 * flags do not); an unknown flag is a `PggraphError('CONFIG')` naming it.
 */
export function parseArgs(
  argv: readonly string[],
  spec: { value: readonly string[]; switch: readonly string[] },
): ParsedArgs {
  const positional: string[] = []
  const flags = new Map<string, string | true>()
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
    } else {
      throw new PggraphError('CONFIG', `Unknown option --${name}: see --help.`)
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

/** A positive integer flag within bounds. */
export function intFlag(args: ParsedArgs, name: string, min: number, max: number): number | undefined {
  const v = flag(args, name)
  if (v === undefined) return undefined
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max)
    throw new PggraphError('CONFIG', `--${name} must be a whole number from ${min} to ${max}.`)
  return Number(v)
}
