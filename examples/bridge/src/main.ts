import { closestMatch, isPggraphError } from '@pggraph/core'
import { EXIT, processIo, version, type Io } from './commands/shared.js'

const HELP = `Usage: pggraph-bridge <command> [options]

Pushes PostgreSQL statistics snapshots from this (monitored) server to a pggraph store, from
cron or as a loop; snapshots wait in a local spool while the store is unreachable.

Commands:
  run       One cycle: collect, spool, replay into the store (--loop to keep going)
  collect   Print one snapshot of the target (--json for the whole snapshot)
  check     Doctor: target, store, TLS, roles, clocks, spool; each check with its fix
  install   Set up the store for a monitored system and print the remaining steps

Options:
  -h, --help     Help (each command has its own: pggraph-bridge run --help, or help run)
  -V, --version  The version

Passwords are never arguments (\`ps\` and shell history show them): put them in the config
file (chmod 600), PGGRAPH_STORE_URL / PGGRAPH_TARGET_URL, or ~/.pgpass.

Exit codes: 0 ok, 1 the cycle or a check failed, 2 usage or configuration mistake,
3 another run holds the lock. Docs: docs/bridge.md`

interface Command {
  run(args: readonly string[], io: Io): Promise<number>
  readonly help: string
}

// Each command is loaded when it is called, so `--version` and `--help` load no driver and a
// cron `run` loads only what a cycle needs (the shipped single file keeps them lazy too).
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  run: async () => {
    const m = await import('./commands/run.js')
    return { run: m.runCommand, help: m.RUN_HELP }
  },
  collect: async () => {
    const m = await import('./commands/collect.js')
    return { run: m.collectCommand, help: m.COLLECT_HELP }
  },
  check: async () => {
    const m = await import('./commands/check.js')
    return { run: m.checkCommand, help: m.CHECK_HELP }
  },
  install: async () => {
    const m = await import('./commands/install.js')
    return { run: m.installCommand, help: m.INSTALL_HELP }
  },
}

function commandLoader(name: string): (() => Promise<Command>) | undefined {
  return Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined
}

/**
 * Run the `pggraph-bridge` command line with `argv` (without `node` and the script) and return
 * the exit code. A user mistake prints one clear line (never a stack trace) and returns 2.
 */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const [first, ...rest] = argv
  if (first === '--version' || first === '-V') {
    io.out(version())
    return EXIT.ok
  }
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' && rest[0] ? commandLoader(rest[0]) : undefined
    io.out(topic ? (await topic()).help : HELP)
    return EXIT.ok
  }
  const load = commandLoader(first)
  if (!load) {
    const best = closestMatch(first, Object.keys(COMMANDS))
    io.err(
      `pggraph-bridge: unknown command "${first}"${best ? ` (did you mean "${best}"?)` : ''}: use run, collect, check or install (pggraph-bridge --help).`,
    )
    return EXIT.usage
  }
  try {
    const command = await load()
    return await command.run(rest, io)
  } catch (err) {
    if (isPggraphError(err, 'CONFIG')) {
      io.err(`pggraph-bridge: ${err.message}`)
      return EXIT.usage
    }
    if (isPggraphError(err, 'BUSY')) {
      io.err(`pggraph-bridge: ${err.message}`)
      return EXIT.busy
    }
    if (isPggraphError(err)) {
      io.err(`pggraph-bridge: ${err.message.split('\n')[0]}`)
      return EXIT.failed
    }
    io.err(`pggraph-bridge: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
    return EXIT.failed
  }
}
