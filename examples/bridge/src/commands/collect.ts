import { PggraphError } from '@pggraph/core'
import { missing, resolveConfig } from '../config.js'
import { collectFromTarget } from '../target.js'
import { configOptions, EXIT, flagHelp, flagsOf, parse, type Io } from './shared.js'

const KEYS = ['target_url', 'databases', 'opt_in', 'connect_timeout', 'statement_timeout'] as const

/** The `--help` text of `pggraph-bridge collect`. */
export const COLLECT_HELP = `Usage: pggraph-bridge collect --target URL [--json]

Take one snapshot of the target and print it: a summary per metric, or with --json the whole
snapshot as JSON on stdout (for debugging and piping). Nothing is sent to a store.

  -c, --config FILE   Read target_url (and the options below) from a bridge config file
  --json              Print the snapshot as JSON
  --pretty            Indent the JSON
  -h, --help          This help

${flagHelp(KEYS)}

Example:
  pggraph-bridge collect --target postgres://pggraph@localhost/postgres --json | jq .server`

/** `pggraph-bridge collect`. */
export async function collectCommand(args: readonly string[], io: Io): Promise<number> {
  const { values } = parse('collect', args, {
    ...configOptions(KEYS),
    json: { type: 'boolean' },
    pretty: { type: 'boolean' },
  })
  if (values['help']) {
    io.out(COLLECT_HELP)
    return EXIT.ok
  }
  const config = resolveConfig({ file: values['config'] as string | undefined, flags: flagsOf(values), env: io.env })
  if (!config.targetUrl) missing('target_url', config.file)
  let snapshot
  try {
    snapshot = await collectFromTarget({ ...config, targetUrl: config.targetUrl })
  } catch (err) {
    if (err instanceof PggraphError && err.code === 'CONFIG') throw err
    io.err(`pggraph-bridge: ${(err as Error).message.split('\n')[0]}`)
    return EXIT.failed
  }
  if (values['json']) {
    io.out(JSON.stringify(snapshot, null, values['pretty'] ? 2 : undefined))
    return EXIT.ok
  }
  io.out(
    `PostgreSQL ${snapshot.server.version} at ${snapshot.takenAt}, ${snapshot.stats.durationMs} ms, ${snapshot.stats.roundTrips} round trips`,
  )
  const names = Object.keys(snapshot.metrics).sort()
  const width = Math.max(0, ...names.map((n) => n.length)) + 2
  for (const name of names) io.out(`  ${name.padEnd(width)}${snapshot.metrics[name]!.length} rows`)
  for (const s of snapshot.skipped) io.out(`  skipped ${s.metric}${s.database ? ` (${s.database})` : ''}: ${s.reason}`)
  return EXIT.ok
}
