import { CONFIG_KEYS } from '../config-keys.js'
import { loadConfig } from '../config.js'
import { runCycle, type CycleResult } from '../cycle.js'
import { runLoop } from '../loop.js'
import { storeLink } from '../tls.js'
import { formatBytes } from '../units.js'
import { configOptions, EXIT, flagHelp, flagsOf, parse, type Io } from './shared.js'

const KEYS = CONFIG_KEYS.map((k) => k.key)

/** The `--help` text of `pggraph-bridge run`. */
export const RUN_HELP = `Usage: pggraph-bridge run [--config FILE] [options] [--loop]

One cycle: collect a snapshot from the target, spool it, then replay the spool (oldest first)
into the store. Exit 0 when everything reached the store, 1 with a one-line reason otherwise
(snapshots wait in the spool and are sent by the next run), 2 for a configuration mistake,
3 when another run holds the lock. Quiet on success unless --verbose (cron-friendly).

  -c, --config FILE   TOML config file (see pggraph-bridge.example.toml) [PGGRAPH_CONFIG]
  --loop              Run cycles forever, aligned to --interval; SIGTERM/SIGINT stop it after
                      the step in hand (a collected snapshot is spooled first)
  -v, --verbose       Print what each cycle does
  -h, --help          This help

Settings (flag > environment > file):
${flagHelp(KEYS)}

Examples:
  pggraph-bridge run --config /etc/pggraph/bridge.toml
  pggraph-bridge run --target postgres://pggraph@localhost/postgres --store postgres://w@store/pggraph \\
                     --schema acme --prefix web1 --ca-file /etc/pggraph/store-ca.pem
  pggraph-bridge run --config /etc/pggraph/bridge.toml --loop --interval 60s`

function summary(r: CycleResult): string {
  const parts = [r.collected ? `collected ${r.collected}` : 'collected nothing', `stored ${r.written.length}`]
  if (r.spoolFiles) parts.push(`${r.spoolFiles} waiting (${formatBytes(r.spoolBytes)})`)
  if (r.retries) parts.push(`${r.retries} retries`)
  if (r.dropped) parts.push(`${r.dropped} dropped`)
  parts.push(`${r.durationMs} ms`)
  return parts.join(', ')
}

/** `pggraph-bridge run`. */
export async function runCommand(args: readonly string[], io: Io): Promise<number> {
  const { values } = parse('run', args, {
    ...configOptions(KEYS),
    loop: { type: 'boolean' },
    verbose: { type: 'boolean', short: 'v' },
  })
  if (values['help']) {
    io.out(RUN_HELP)
    return EXIT.ok
  }
  const config = loadConfig({ file: values['config'] as string | undefined, flags: flagsOf(values), env: io.env })
  const link = storeLink(config)
  for (const w of [...config.warnings, ...link.warnings]) io.err(`pggraph-bridge: warning: ${w}`)
  // A chosen setting (insecure = true) is no news on every cron run: once per loop, and in `check`.
  if (values['loop'] && link.notice) io.err(`pggraph-bridge: note: ${link.notice}`)
  const verbose = values['verbose'] === true
  const log = verbose ? (line: string) => io.out(line) : undefined

  if (!values['loop']) {
    const result = await runCycle(config, log ? { log } : {})
    if (!result.ok) {
      io.err(`pggraph-bridge: ${result.reason}`)
      return EXIT.failed
    }
    if (verbose) io.out(`ok: ${summary(result)}`)
    return EXIT.ok
  }

  const stop = new AbortController()
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stop.signal.aborted) {
      io.err(`pggraph-bridge: ${signal} again: exiting now; the spool is consistent.`)
      process.exit(130)
    }
    io.err(`pggraph-bridge: ${signal}: stopping after the step in hand.`)
    stop.abort()
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
  try {
    await runLoop(config, {
      signal: stop.signal,
      ...(log ? { log } : {}),
      onCycle: (r) => {
        const line = `${new Date().toISOString()} ${r.ok ? 'ok' : 'FAILED'}: ${r.ok ? summary(r) : `${r.reason} (${summary(r)})`}`
        if (r.ok) io.out(line)
        else io.err(line)
      },
    })
  } finally {
    process.off('SIGTERM', onSignal)
    process.off('SIGINT', onSignal)
  }
  io.out('pggraph-bridge: stopped.')
  return EXIT.ok
}
