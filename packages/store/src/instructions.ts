import type { InstallResult } from './install.js'

/** Where the store is and how the bridge should run, for {@link installInstructions}. */
export interface InstructionOptions {
  readonly storeHost: string
  readonly storePort: number
  readonly storeDatabase: string
  /**
   * Network the bridge connects from, for pg_hba.conf. Default `0.0.0.0/0` over TLS (any host,
   * TLS + SCRAM still required); with {@link InstructionOptions.insecure} `samehost` for a store
   * on the bridge's host (`localhost` or a loopback address), else `samenet`.
   */
  readonly bridgeNetwork?: string
  /**
   * The bridge reaches the store in plain text (`pggraph-bridge install --insecure`): the config
   * gets `insecure = true` and pg_hba.conf a `host` line instead of `hostssl`, so the printed
   * config and pg_hba lines work as printed.
   */
  readonly insecure?: boolean
  /**
   * The bridge reaches the store over this Unix socket folder (e.g. `/var/run/postgresql`):
   * the config's store_url names it (`?host=`, which wins over the URL's host) and pg_hba.conf
   * gets a `local` line (no network, no TLS).
   */
  readonly socketDir?: string
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
  /** The bridge command on the monitored server. Default `/usr/local/bin/pggraph-bridge` (where docs/bridge.md copies the one file). */
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
  /** The systemd unit name of both, e.g. `pggraph-bridge-acme-db1` (`.service` and `.timer`). */
  readonly systemdUnit: string
}

/** Where docs/bridge.md installs the one-file bridge on a monitored server. */
const DEFAULT_BRIDGE_COMMAND = '/usr/local/bin/pggraph-bridge'

function toml(s: string): string {
  return JSON.stringify(s)
}

/** Whether a host name is this machine (the bridge and the store on one host). */
function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '')
  return h === 'localhost' || h === '::1' || /^127\./.test(h)
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
  const db = encodeURIComponent(options.storeDatabase)
  const credentials = `${encodeURIComponent(result.writerRole)}:${encodeURIComponent(password)}`
  const storeUrl = options.socketDir
    ? `postgres://${credentials}@localhost/${db}?host=${encodeURIComponent(options.socketDir)}`
    : `postgres://${credentials}@${options.storeHost}:${options.storePort}/${db}`
  const configPath = options.configPath ?? `/etc/pggraph/${name}.toml`
  const command = options.bridgeCommand ?? DEFAULT_BRIDGE_COMMAND
  const interval = options.interval ?? '60s'
  const hba = (who: string, role: string, network: string | undefined): string[] => {
    if (options.socketDir)
      return [`# pggraph ${who}, over the Unix socket`, `local ${options.storeDatabase} ${role} scram-sha-256`]
    if (options.insecure) {
      const net = network ?? (isLoopback(options.storeHost) ? 'samehost' : 'samenet')
      return [
        `# pggraph ${who}, plain text (--insecure): for a store on this host or a trusted private network only`,
        `host ${options.storeDatabase} ${role} ${net} scram-sha-256`,
      ]
    }
    return [
      `# pggraph ${who}, TLS and SCRAM only`,
      `hostssl ${options.storeDatabase} ${role} ${network ?? '0.0.0.0/0'} scram-sha-256`,
    ]
  }
  const pgHba = hba(`${name}: the bridge's writer role`, result.writerRole, options.bridgeNetwork)
  if (options.viewerNetwork)
    pgHba.push(
      ...hba(`${result.schema}: the reader role, if it logs in directly`, result.readerRole, options.viewerNetwork),
    )
  const lines = [
    `# pggraph-bridge configuration for ${name}; keep it readable by the bridge's user only (chmod 600).`,
    `target_url = ${toml(options.targetUrl ?? 'postgres://pggraph@localhost:5432/postgres')}`,
    `store_url = ${toml(storeUrl)}`,
    `schema = ${toml(result.schema)}`,
    `prefix = ${toml(result.prefix)}`,
    ...(options.caFile && !options.insecure && !options.socketDir ? [`ca_file = ${toml(options.caFile)}`] : []),
    ...(options.insecure && !options.socketDir
      ? [
          '# Plain text to the store, as chosen at install (--insecure); `check` reminds you of it once.',
          'insecure = true',
        ]
      : []),
    `interval = ${toml(interval)}`,
    ...(options.spoolDir ? [`spool_dir = ${toml(options.spoolDir)}`] : []),
  ]
  const every = seconds(interval)
  const minutes = Math.max(1, Math.round(every / 60))
  const user = options.user ?? 'pggraph'
  return {
    pgHba,
    systemdUnit: `pggraph-bridge-${result.schema}-${result.prefix}`.replaceAll('_', '-'),
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
