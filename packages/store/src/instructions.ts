import type { InstallResult } from './install.js'

/** Where the store is and how the bridge should run, for {@link installInstructions}. */
export interface InstructionOptions {
  readonly storeHost: string
  readonly storePort: number
  readonly storeDatabase: string
  /** Network the bridge connects from, for pg_hba.conf. Default `0.0.0.0/0` (any, TLS + SCRAM still required). */
  readonly bridgeNetwork?: string
  /** Network the viewer connects from, when the reader role logs in directly. */
  readonly viewerNetwork?: string
  /** The monitored server as the bridge reaches it. Default `postgres://pggraph@localhost:5432/postgres`. */
  readonly targetUrl?: string
  /** CA file path on the monitored server, written as `ca_file`. */
  readonly caFile?: string
  /** Bridge interval, e.g. `60s`. Default `60s`. */
  readonly interval?: string
  readonly spoolDir?: string
  /** Where the config file goes on the monitored server. Default `/etc/pggraph/<schema>.<prefix>.toml`. */
  readonly configPath?: string
  /** The bridge command. Default `/usr/bin/env npx pggraph-bridge`. */
  readonly bridgeCommand?: string
  /** The writer's password, to put into the config's store URL; a placeholder otherwise. */
  readonly writerPassword?: string
  /** Unix user that runs the bridge (systemd). Default `pggraph`. */
  readonly user?: string
}

/** The text an operator applies outside the store after {@link installStore}. */
export interface InstallInstructions {
  /** Lines for the store's pg_hba.conf (before any broader rule). */
  readonly pgHba: string[]
  /** The bridge configuration file (TOML) for the monitored server. */
  readonly bridgeConfig: string
  /** A crontab line running the bridge every minute. */
  readonly crontab: string
  /** A systemd service + timer pair, as an alternative to cron. */
  readonly systemdService: string
  readonly systemdTimer: string
}

function toml(s: string): string {
  return JSON.stringify(s)
}

function seconds(interval: string): number {
  const m = /^(\d+)\s*(s|m|h)?$/.exec(interval.trim())
  if (!m) return 60
  return Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1)
}

/**
 * The pg_hba.conf lines, bridge config file, crontab line and systemd units that go with an
 * install result: what `pggraph-bridge install` prints for the operator.
 *
 * @example
 * ```ts
 * const text = installInstructions(result, { storeHost: 'store.example.com', storePort: 5432, storeDatabase: 'pggraph' })
 * console.log(text.pgHba.join('\n'))
 * ```
 */
export function installInstructions(result: InstallResult, options: InstructionOptions): InstallInstructions {
  const name = `${result.schema}.${result.prefix}`
  const password =
    options.writerPassword ?? result.roles.find((r) => r.kind === 'writer')?.generatedPassword ?? 'WRITER_PASSWORD'
  const storeUrl = `postgres://${encodeURIComponent(result.writerRole)}:${encodeURIComponent(password)}@${options.storeHost}:${options.storePort}/${encodeURIComponent(options.storeDatabase)}`
  const configPath = options.configPath ?? `/etc/pggraph/${name}.toml`
  const command = options.bridgeCommand ?? '/usr/bin/env npx pggraph-bridge'
  const interval = options.interval ?? '60s'
  const pgHba = [
    `# pggraph ${name}: the bridge's writer role, TLS and SCRAM only`,
    `hostssl ${options.storeDatabase} ${result.writerRole} ${options.bridgeNetwork ?? '0.0.0.0/0'} scram-sha-256`,
  ]
  if (options.viewerNetwork) {
    pgHba.push(`# pggraph ${result.schema}: the reader role, if it logs in directly`)
    pgHba.push(`hostssl ${options.storeDatabase} ${result.readerRole} ${options.viewerNetwork} scram-sha-256`)
  }
  const lines = [
    `# pggraph-bridge configuration for ${name}; keep it readable by the bridge's user only (chmod 600).`,
    `target_url = ${toml(options.targetUrl ?? 'postgres://pggraph@localhost:5432/postgres')}`,
    `store_url = ${toml(storeUrl)}`,
    `schema = ${toml(result.schema)}`,
    `prefix = ${toml(result.prefix)}`,
    ...(options.caFile ? [`ca_file = ${toml(options.caFile)}`] : []),
    `interval = ${toml(interval)}`,
    ...(options.spoolDir ? [`spool_dir = ${toml(options.spoolDir)}`] : []),
  ]
  const every = seconds(interval)
  const minutes = Math.max(1, Math.round(every / 60))
  const user = options.user ?? 'pggraph'
  return {
    pgHba,
    bridgeConfig: `${lines.join('\n')}\n`,
    crontab: `${minutes === 1 ? '*' : `*/${minutes}`} * * * * ${command} run --config ${configPath} >/dev/null 2>&1`,
    systemdService: [
      '[Unit]',
      `Description=pggraph bridge for ${name}`,
      'After=network-online.target',
      '',
      '[Service]',
      'Type=oneshot',
      `User=${user}`,
      `StateDirectory=pggraph-bridge/${name}`,
      `ExecStart=${command} run --config ${configPath}`,
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'ProtectHome=yes',
      'PrivateTmp=yes',
      '',
    ].join('\n'),
    systemdTimer: [
      '[Unit]',
      `Description=Run the pggraph bridge for ${name} every ${every} s`,
      '',
      '[Timer]',
      'OnBootSec=30s',
      `OnUnitActiveSec=${every}s`,
      'AccuracySec=1s',
      '',
      '[Install]',
      'WantedBy=timers.target',
      '',
    ].join('\n'),
  }
}
