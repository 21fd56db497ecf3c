// `pggraph-store`: the store's command line (bin/pggraph-store.js runs `main`). One command
// today, `maintain`, meant for cron on the store's host. No side effects on import, so tests
// call `main` with their own output.
import { readFileSync } from 'node:fs'
import { closestMatch } from '@pggraph/core'
import { maintainCommand, MAINTAIN_HELP } from './cli-maintain.js'
import type { CliIo } from './cli-shared.js'

export type { CliIo } from './cli-shared.js'

const HELP = `Usage: pggraph-store <command> [options]

The pggraph store's own tasks, run on (or against) the store.

Commands:
  maintain   Pack closed hours and bring the hourly rollups up to date (hourly, from cron)

Options:
  -h, --help     Help (each command has its own: pggraph-store maintain --help)
  -V, --version  The version

Exit codes: 0 done (or nothing to do), 1 a mistake or a failure (one line on stderr).
Docs: docs/store.md#maintenance`

const COMMANDS: Readonly<
  Record<string, { run: (args: readonly string[], io: CliIo) => Promise<number>; help: string }>
> = {
  maintain: { run: maintainCommand, help: MAINTAIN_HELP },
}

/** The real terminal. */
const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string }
    return pkg.version ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

/**
 * Run the `pggraph-store` command line with `argv` (without `node` and the script) and return
 * the exit code: 0 when it did its work or had nothing to do, 1 after one line on stderr.
 *
 * @example
 * ```ts
 * process.exitCode = await main(['maintain', '--store', 'postgres://postgres@localhost/pggraph'])
 * ```
 */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [first, ...rest] = argv
  if (first === undefined || first === '-h' || first === '--help') {
    io.out(HELP)
    return 0
  }
  if (first === '-V' || first === '--version') {
    io.out(version())
    return 0
  }
  if (first === 'help') {
    const cmd = rest[0] === undefined ? undefined : Object.hasOwn(COMMANDS, rest[0]) ? COMMANDS[rest[0]] : undefined
    io.out(cmd ? cmd.help : HELP)
    return 0
  }
  const cmd = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined
  if (!cmd) {
    const best = closestMatch(first, Object.keys(COMMANDS))
    io.err(
      `pggraph-store: unknown command "${first}"${best ? ` (did you mean ${best}?)` : ''}: run \`pggraph-store --help\` for the commands.`,
    )
    return 1
  }
  try {
    return await cmd.run(rest, io)
  } catch (err) {
    io.err(`pggraph-store: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`)
    return 1
  }
}
