// What the store's command-line commands share: where they write, and argument parsing whose
// mistakes are one line naming the closest flag.
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { closestMatch, PggraphError } from '@pggraph/core'

/** Where a `pggraph-store` command writes, and the environment it reads. */
export interface CliIo {
  out(line: string): void
  err(line: string): void
  readonly env: Readonly<Record<string, string | undefined>>
}

type Options = NonNullable<ParseArgsConfig['options']>

/** parseArgs whose errors are `PggraphError('CONFIG')` pointing at `--help`; an unknown flag names the closest one. */
export function parseFlags(command: string, args: readonly string[], options: Options): ReturnType<typeof parseArgs> {
  const help = `Run \`pggraph-store ${command} --help\` for the options.`
  try {
    return parseArgs({ args: [...args], options, allowPositionals: false, strict: true })
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0] ?? ''
    if ((err as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const given = /'(-[^']*)'/.exec(msg)?.[1] ?? ''
      const name = given.replace(/^-+/, '').split('=')[0]!
      const best = closestMatch(name, Object.keys(options))
      throw new PggraphError(
        'CONFIG',
        `Unknown option ${given || 'given'} for "${command}"${best ? ` (did you mean --${best}?)` : ''}. ${help}`,
      )
    }
    if ((err as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      throw new PggraphError('CONFIG', `"${command}" takes no arguments besides its options (${msg}). ${help}`)
    }
    throw new PggraphError('CONFIG', `${msg} ${help}`)
  }
}
