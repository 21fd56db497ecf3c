import { readFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { checkServerIdentity, type ConnectionOptions } from 'node:tls'
import { errnoOf, messagesOf, PggraphError } from '@pggraph/core'

/** What the bridge will do on the link to the store. */
export interface StoreLink {
  /** The store URL with every TLS parameter removed (they are built here, explicitly). */
  readonly url: string
  /** TLS options for the store connection, or `false` for plain text. */
  readonly ssl: ConnectionOptions | false
  /** `verify-full` (the default), `insecure` (plain text, by request) or `local` (PGlite). */
  readonly mode: 'verify-full' | 'insecure' | 'local'
  /** Human description for messages, e.g. `verify-full against /etc/pggraph/ca.pem (store.example.com)`. */
  readonly description: string
  /** Mistakes to warn about on every run (TLS parameters in the URL that are ignored). */
  readonly warnings: readonly string[]
  /**
   * A chosen, documented setting worth one reminder, not a mistake (`insecure = true`): `check`
   * shows it as a warning (exit 0) and `run --loop` once at start; a cron `run` stays quiet.
   */
  readonly notice?: string
}

// The libpq TLS parameters pg would otherwise interpret from the URL, with a meaning that has
// changed between pg versions: removed, so only the options built below are in force.
const URL_TLS_PARAMS = [
  'ssl',
  'sslmode',
  'sslcert',
  'sslkey',
  'sslrootcert',
  'sslcrl',
  'sslnegotiation',
  'sslpassword',
  'uselibpqcompat',
]

/**
 * Build the TLS options of the link to the store explicitly: certificate verification against
 * `caFile` (or the system's CAs) with the host name checked (`verify-full`), unless `insecure`.
 * TLS parameters in the URL are removed with a warning, so `pg`'s version-dependent `sslmode`
 * parsing never decides.
 *
 * @example
 * ```ts
 * const link = storeLink({ storeUrl: 'postgres://w@store.example.com/pggraph', caFile: '/etc/pggraph/ca.pem', insecure: false })
 * const db = await openStore(link.url, { ssl: link.ssl })
 * ```
 */
export function storeLink(options: {
  readonly storeUrl: string
  readonly caFile?: string | undefined
  readonly tlsServerName?: string | undefined
  readonly insecure: boolean
}): StoreLink {
  if (options.storeUrl.startsWith('pglite:')) {
    return {
      url: options.storeUrl,
      ssl: false,
      mode: 'local',
      description: 'embedded store (no network)',
      warnings: [],
    }
  }
  const u = new URL(options.storeUrl)
  const warnings: string[] = []
  const dropped = URL_TLS_PARAMS.filter((p) => u.searchParams.has(p))
  for (const p of dropped) u.searchParams.delete(p)
  if (dropped.length) {
    warnings.push(
      `store_url parameter${dropped.length > 1 ? 's' : ''} ${dropped.join(', ')} ignored: TLS is set by ca_file, tls_server_name and insecure in the bridge config.`,
    )
  }
  const url = u.toString()
  const host = decodeURIComponent(u.hostname).replace(/^\[|\]$/g, '')
  if (!host || u.searchParams.get('host')?.startsWith('/')) {
    // A Unix socket: nothing crosses the network, and PostgreSQL offers no TLS on sockets.
    return { url, ssl: false, mode: 'local', description: 'Unix socket (no network)', warnings }
  }
  if (options.insecure) {
    return {
      url,
      ssl: false,
      mode: 'insecure',
      description: 'plain text (insecure = true)',
      warnings,
      notice: `insecure = true: snapshots and the writer's password go to the store at ${host} in plain text; fine for a store on this host or a trusted private network, otherwise set ca_file and remove insecure (see docs/bridge.md, "TLS set-up").`,
    }
  }
  let ca: Buffer | undefined
  if (options.caFile) {
    try {
      ca = readFileSync(options.caFile)
    } catch (err) {
      throw new PggraphError(
        'CONFIG',
        `ca_file ${options.caFile} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}): copy the store's CA certificate there or fix the path.`,
      )
    }
    if (!ca.toString('latin1').includes('-----BEGIN CERTIFICATE-----')) {
      throw new PggraphError(
        'CONFIG',
        `ca_file ${options.caFile} holds no PEM certificate ("-----BEGIN CERTIFICATE-----"): give the CA certificate in PEM form.`,
      )
    }
  }
  const name = options.tlsServerName ?? host
  const ssl: ConnectionOptions = {
    rejectUnauthorized: true,
    ...(ca ? { ca } : {}),
    // pg passes `host` and sets `servername` from the URL; both are fixed here so the name
    // verified is exactly the configured one, and SNI is never an IP address.
    host: name,
    ...(isIP(name) === 0 ? { servername: name } : {}),
    checkServerIdentity: (_hostname, cert) => checkServerIdentity(name, cert),
  }
  const against = options.caFile ? options.caFile : "the system's trusted CAs"
  return { url, ssl, mode: 'verify-full', description: `verify-full against ${against} (${name})`, warnings }
}

/** The words a fix is given in: the bridge config's keys, or `install`'s flags. */
const WORDS = {
  config: { url: 'store_url', caFile: 'set ca_file', serverName: 'or set tls_server_name to it' },
  install: { url: '--store', caFile: 'give --ca-file', serverName: 'or give --bridge-store-host and that name' },
} as const

/**
 * One-line explanation, with the fix, of a TLS failure on the store link; `undefined` when
 * `err` is not a TLS error. `audience` picks the words of the fix: the bridge config's keys
 * (`run`, `check`) or the flags of `install`.
 */
export function explainTlsError(
  err: unknown,
  link: StoreLink,
  audience: 'config' | 'install' = 'config',
): string | undefined {
  const w = WORDS[audience]
  const code = errnoOf(err)
  const msg = messagesOf(err)
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || /Hostname\/IP does not match/i.test(msg)) {
    return `The store's certificate is not valid for the name the ${audience === 'install' ? 'installer' : 'bridge'} connects to (${msg}). Use the host name in the certificate in ${w.url}, ${w.serverName}.`
  }
  if (
    typeof code === 'string' &&
    /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_SIGNATURE_FAILURE|CERT_UNTRUSTED)$/.test(
      code,
    )
  ) {
    return `The store's certificate could not be verified (${code}) with ${link.description}: ${w.caFile} to the CA that signed the store's certificate.`
  }
  if (typeof code === 'string' && /^CERT_(HAS_EXPIRED|NOT_YET_VALID)$/.test(code)) {
    return `The store's certificate is not valid now (${code}): renew it on the store, or check this server's clock.`
  }
  if (/server does not support SSL/i.test(msg)) {
    return audience === 'install'
      ? 'The store does not accept TLS connections: for a store on this host add --insecure (plain text), otherwise enable ssl on the store and give its CA with --ca-file (see docs/bridge.md, "TLS set-up").'
      : 'The store does not accept TLS connections: enable ssl on the store (see docs/bridge.md, "TLS set-up"); insecure = true only for a store on this host or a trusted private network.'
  }
  return undefined
}
