// The program behind bin/pggraph-bridge.js: runs the command line and sets the exit code.
// The logic lives in main.ts, which has no side effects, so tests and the library can import it.
import { EXIT } from './commands/shared.js'
import { main } from './main.js'

// `collect --json | head` closes the pipe early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0)
  throw err
})

const argv = process.argv.slice(2)

/**
 * A process that lives for one command (a cron `run`, `collect`, `check`, `install`) turns off
 * V8's optimising compiler (TurboFan). In such a process it compiled the cycle's hot functions
 * on a background thread — 30 % of a cron `run`'s CPU instructions on a 1,000-table target —
 * for code that had finished before the optimised version paid off; a warm cycle costs the same
 * without it. `run --loop` keeps it (a long-lived process), and so does
 * PGGRAPH_BRIDGE_OPTIMIZE=1 (e.g. for targets much larger than 1,000 tables).
 */
async function tune(): Promise<void> {
  const oneShot = ['run', 'collect', 'check', 'install'].includes(argv[0] ?? '') && !argv.includes('--loop')
  if (oneShot && process.env['PGGRAPH_BRIDGE_OPTIMIZE'] !== '1') {
    const v8 = await import('node:v8')
    v8.setFlagsFromString('--no-opt')
  }
}

tune()
  .then(() => main(argv))
  .then(
    (code) => {
      process.exitCode = code
    },
    (err: unknown) => {
      process.stderr.write(`pggraph-bridge: ${String(err)}\n`)
      process.exitCode = EXIT.failed
    },
  )
