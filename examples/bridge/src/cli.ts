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

/**
 * Exit once the command is done and its output written. When main() returns every connection
 * has been ended (each server was sent its Terminate message), but Node would keep the process until
 * each server has closed its end too — after its backend has exited, tens of ms on a busy
 * server — which a cron `run` would pay every minute, and a cycle in a long-lived process never
 * does. Output still on its way down a pipe (asynchronous on POSIX) is left to Node's own exit.
 */
function exitWhenWritten(): void {
  if (process.stdout.writableLength === 0 && process.stderr.writableLength === 0) process.exit()
}

main(argv).then(
  (code) => {
    process.exitCode = code
    exitWhenWritten()
  },
  (err: unknown) => {
    process.stderr.write(`pggraph-bridge: ${String(err)}\n`)
    process.exitCode = EXIT.failed
  },
)
