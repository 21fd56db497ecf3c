import { parseArgs } from 'node:util'
import { PggraphError } from '@pggraph/core'

/** What `npm start -- …` accepts. */
export interface QuickstartOptions {
  /** Monitor this server instead of starting one (read-only; pg_monitor is enough). */
  readonly target: string | undefined
  readonly serve: boolean
  readonly port: number
  readonly durationMs: number
  readonly intervalMs: number
  readonly dataDir: string
  readonly outDir: string
  readonly help: boolean
}

export const USAGE = `pggraph quickstart: a real PostgreSQL, a workload, the bridge and graphs, on embedded databases.

Usage: npm start -- [options]

  --target URL      graph your own server instead of starting one (read-only: a role with pg_monitor is enough)
  --serve           keep the viewer running on localhost afterwards, with a printed demo login
  --port N          viewer port with --serve (default 8080; 0 picks a free one)
  --duration 60s    how long the bridge runs (default 60s)
  --interval 5s     time between bridge cycles (default 5s)
  --data-dir DIR    the embedded store (default ./pggraph-data)
  --out DIR         where the SVGs and index.html go (default ./out)
  -h, --help        this text
`

function duration(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim())
  if (!m)
    throw new PggraphError(
      'CONFIG',
      `--${flag} ${JSON.stringify(text)} is not a duration: write it like 60s, 5s or 2m.`,
    )
  const n = Number(m[1])
  return m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000
}

/** Parse argv; a mistake is a `PggraphError('CONFIG')` that says what to write instead. */
export function parseOptions(argv: readonly string[]): QuickstartOptions {
  let parsed
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        target: { type: 'string' },
        serve: { type: 'boolean', default: false },
        port: { type: 'string', default: '8080' },
        duration: { type: 'string', default: '60s' },
        interval: { type: 'string', default: '5s' },
        'data-dir': { type: 'string', default: './pggraph-data' },
        out: { type: 'string', default: './out' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    })
  } catch (err) {
    throw new PggraphError('CONFIG', `${(err as Error).message}. Run npm start -- --help for the options.`)
  }
  const v = parsed.values
  const port = Number(v.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new PggraphError('CONFIG', `--port ${JSON.stringify(v.port)} is not a port number (0-65535).`)
  }
  if (v.target !== undefined && !/^postgres(ql)?:\/\//.test(v.target)) {
    throw new PggraphError('CONFIG', `--target must be a postgres:// URL, got ${JSON.stringify(v.target)}.`)
  }
  const durationMs = duration('duration', v.duration)
  const intervalMs = duration('interval', v.interval)
  if (intervalMs < 1000) throw new PggraphError('CONFIG', '--interval must be at least 1s.')
  if (durationMs < intervalMs * 2)
    throw new PggraphError('CONFIG', '--duration must cover at least two intervals (rates need two snapshots).')
  return {
    target: v.target,
    serve: v.serve,
    port,
    durationMs,
    intervalMs,
    dataDir: v['data-dir'],
    outDir: v.out,
    help: v.help,
  }
}
