// The program behind bin/pggraph-bridge.js: runs the command line and sets the exit code.
// The logic lives in main.ts, which has no side effects, so tests and the library can import it.
// V8's flags for one-shot commands are set before this program is compiled: scripts/loader.mjs.
import { EXIT } from './commands/shared.js'
import { main } from './main.js'

// `collect --json | head` closes the pipe early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0)
  throw err
})

const argv = process.argv.slice(2)

main(argv).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    process.stderr.write(`pggraph-bridge: ${String(err)}\n`)
    process.exitCode = EXIT.failed
  },
)
