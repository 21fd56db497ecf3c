import { causeChain, driverCodeOf, errnoOf, messagesOf, sqlStateOf } from './error-chain.js'
import { PggraphError, type PggraphErrorCode } from './errors.js'

/**
 * What a caller should do about a failure:
 * - `transient`: the link or the server is momentarily unable (down, restarting, overloaded, a
 *   serialization conflict): retry with backoff, keep the data;
 * - `permanent`: this request will never be accepted as it is (a bad value, a duplicate, an
 *   invalid snapshot, an operation the role may not perform): do not retry it; set it aside;
 * - `forbidden`: the server refuses this caller or has nothing for it (login refused, TLS not
 *   verified, schema or function missing, a Citus worker refusing the tenant's role): no retry,
 *   nothing set aside; the data waits until an operator fixes the setup.
 */
export type ErrorClass = 'transient' | 'permanent' | 'forbidden'

/**
 * Why an operation failed, in the words an error message needs. `worker-*` are failures a Citus
 * coordinator reports about its own connection to a worker: the server the caller talks to is
 * up, so they are never "unreachable".
 */
export type FailureKind =
  | 'unreachable'
  | 'worker-unreachable'
  | 'worker-login'
  | 'login'
  | 'permission'
  | 'missing'
  | 'invalid-value'
  | 'busy'
  | 'invalid-snapshot'
  | 'other'

/** What {@link explainError} found: the kind, its {@link ErrorClass}, and the evidence. */
export interface ErrorFacts {
  readonly kind: FailureKind
  readonly class: ErrorClass
  readonly sqlState: string | undefined
  /** The driver's message (first line), or the error's own when there is no driver error. */
  readonly detail: string
  /** For `worker-*`: the worker (`host:port`) and the role the coordinator connected as. */
  readonly worker?: { readonly node: string; readonly role: string }
}

/** The innermost error that carries a SQLSTATE or a Node code: the driver's own error. */
function driverError(err: unknown): unknown {
  const chain = causeChain(err)
  for (let i = chain.length - 1; i >= 0; i--) if (driverCodeOf(chain[i])) return chain[i]
  return err
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.trim()
}

const NODE_TRANSIENT = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ERR_STREAM_DESTROYED',
])

// Citus: "connection to the remote node <role>@<host>:<port> failed with the following error: …"
const CITUS_REMOTE = /connection to the remote node (.+?)@(\S+?):(\d+) failed with the following error: ([^\n]*)/
// What a worker says when it refuses the role (as opposed to being down): fixing the setup helps,
// retrying does not.
const REFUSED_LOGIN =
  /password authentication failed|not permitted to log in|no pg_hba\.conf entry|no password supplied|role .* does not exist|database .* does not exist|SSL|certificate/i

/**
 * The one reading of an error: what kind of failure it is and what to do about it, from the
 * SQLSTATE, Node's error code, a Citus coordinator's report about a worker, or pggraph's own code.
 * {@link classify} and {@link toPggraphError} are both built on it.
 */
export function explainError(err: unknown): ErrorFacts {
  const state = sqlStateOf(err)
  const driver = driverError(err)
  const detail = firstLine(driver)
  const facts = (kind: FailureKind, cls: ErrorClass, extra: Partial<ErrorFacts> = {}): ErrorFacts => ({
    kind,
    class: cls,
    sqlState: state,
    detail,
    ...extra,
  })
  if (err instanceof PggraphError && err.code === 'INVALID_SNAPSHOT') return facts('invalid-snapshot', 'permanent')
  // A PggraphError that wraps the failure (toPggraphError) is read by its cause first: a TLS
  // refusal wrapped as PERMISSION is still a login refusal, not a snapshot to set aside.
  if (err instanceof PggraphError && !state) {
    const cause = causeChain(err).find((e) => !(e instanceof PggraphError))
    const inner = cause === undefined ? undefined : explainError(cause)
    if (inner && inner.kind !== 'other') return { ...inner, detail }
  }
  const remote = state?.startsWith('08') ? CITUS_REMOTE.exec(messagesOf(err)) : null
  if (remote) {
    // The server answered: it is a Citus coordinator that cannot use one of its workers.
    const worker = { node: `${remote[2]}:${remote[3]}`, role: remote[1]! }
    const refused = REFUSED_LOGIN.test(remote[4]!)
    return facts(refused ? 'worker-login' : 'worker-unreachable', refused ? 'forbidden' : 'transient', { worker })
  }
  if (state) {
    if (state === '42501') return facts('permission', 'permanent')
    // SET ROLE to a role that does not exist
    if (state === '22023' && /does not exist/.test(detail)) return facts('missing', 'forbidden')
    if (state.startsWith('22') || state.startsWith('23')) return facts('invalid-value', 'permanent')
    // 40 serialization failure / deadlock, 55P03 lock not available, 25P03 idle-in-transaction
    // timeout, 57014 statement cancelled (a timeout), 53 out of resources (too many
    // connections, disk full), 58 system error
    if (/^(40|53|58)/.test(state) || state === '55P03' || state === '25P03' || state === '57014')
      return facts('busy', 'transient')
    // 08 connection failure, 57 operator intervention (shutdown, starting up)
    if (/^(08|57)/.test(state)) return facts('unreachable', 'transient')
    if (state.startsWith('28')) return facts('login', 'forbidden')
    if (/^(3D|3F)/.test(state) || state === '42P01' || state === '42883' || state === '42704')
      return facts('missing', 'forbidden')
    // Any other server error will not go away by retrying, and says nothing bad about the data.
    return facts('other', 'forbidden')
  }
  if (err instanceof PggraphError) {
    const byCode: Partial<Record<PggraphErrorCode, [FailureKind, ErrorClass]>> = {
      PERMISSION: ['permission', 'permanent'],
      CONFIG: ['other', 'forbidden'],
      STORE: ['missing', 'forbidden'],
      UNSUPPORTED_SERVER: ['other', 'forbidden'],
      CONNECT: ['unreachable', 'transient'],
      BUSY: ['busy', 'transient'],
    }
    const hit = byCode[err.code]
    if (hit) return facts(hit[0], hit[1])
  }
  const errno = errnoOf(err)
  if (errno && NODE_TRANSIENT.has(errno)) return facts('unreachable', 'transient')
  if (errno && /CERT|TLS|SSL/.test(errno)) return facts('login', 'forbidden')
  const all = messagesOf(err)
  if (/certificate|self[- ]signed|does not support SSL|Hostname\/IP/i.test(all)) return facts('login', 'forbidden')
  if (/password authentication failed|no pg_hba\.conf entry|SASL/i.test(all)) return facts('login', 'forbidden')
  if (/Connection terminated|connection timeout|timeout expired/i.test(all)) return facts('unreachable', 'transient')
  // Unknown: retrying costs little, setting good data aside costs an operator's time.
  return facts('other', 'transient')
}

/**
 * Classify a failure as `transient`, `permanent` or `forbidden` (see {@link ErrorClass}): the
 * one rule every package follows, whatever wrapped the driver's error.
 *
 * @example
 * ```ts
 * if (classify(err) === 'transient') await retryLater()
 * ```
 */
export function classify(err: unknown): ErrorClass {
  return explainError(err).class
}

/** Where {@link toPggraphError} puts a failure into words. */
export interface ErrorContext {
  /** What was being done, after "Cannot": `write the snapshot`, `install the store`. */
  readonly action: string
  /** What it was done for, after "for": `acme.db1`. */
  readonly subject?: string
  /** The server's name in messages. Default `the store`. */
  readonly server?: string
  /** What to do, per kind of failure: one sentence appended to the message. */
  readonly hints?: Partial<Record<FailureKind, string>>
  /** The {@link PggraphErrorCode} for a kind, where the default does not fit. */
  readonly codes?: Partial<Record<FailureKind, PggraphErrorCode>>
}

const CODES: Record<FailureKind, PggraphErrorCode> = {
  unreachable: 'CONNECT',
  'worker-unreachable': 'CONNECT',
  'worker-login': 'STORE',
  login: 'PERMISSION',
  permission: 'PERMISSION',
  missing: 'STORE',
  'invalid-value': 'QUERY',
  busy: 'QUERY',
  'invalid-snapshot': 'INVALID_SNAPSHOT',
  other: 'QUERY',
}

/**
 * Turn any failure into a {@link PggraphError} whose message says what failed, why and what to
 * do, keeping the original as `cause` (its SQLSTATE survives). A PggraphError is returned as
 * it is. A Citus coordinator's failure to reach or log in to a worker is said as such: the store
 * is up, one of its workers is not usable.
 *
 * @example
 * ```ts
 * throw toPggraphError(err, { action: 'write the snapshot', subject: 'acme.db1', hints: { missing: 'Install it first.' } })
 * ```
 */
export function toPggraphError(err: unknown, context: ErrorContext): PggraphError {
  if (err instanceof PggraphError) return err
  const f = explainError(err)
  const server = context.server ?? 'the store'
  const what: Record<FailureKind, string> = {
    unreachable: `${server} is unreachable`,
    'worker-unreachable': `${server} is up, but its Citus coordinator cannot reach worker ${f.worker?.node}`,
    'worker-login': `${server}'s Citus worker ${f.worker?.node} refuses role ${f.worker?.role}`,
    login: `${server} refused the login`,
    permission: 'permission denied',
    missing: `${server} has no such schema, table, function or role`,
    'invalid-value': `${server} refused a value`,
    busy: `${server} cannot take it now`,
    'invalid-snapshot': 'the snapshot is invalid',
    other: '',
  }
  const defaultHints: Partial<Record<FailureKind, string>> = {
    'worker-unreachable': 'Try again when the worker is back.',
    'worker-login':
      'Install the tenant again (it gives its owner and reader roles their worker logins) and let the coordinator in through the worker\u2019s pg_hba.conf (docs/scaling.md).',
  }
  const hint = context.hints?.[f.kind] ?? defaultHints[f.kind]
  const head = `Cannot ${context.action}${context.subject ? ` for ${context.subject}` : ''}`
  const body = what[f.kind] ? `${what[f.kind]} (${f.detail})` : f.detail
  return new PggraphError(
    context.codes?.[f.kind] ?? CODES[f.kind],
    `${head}: ${body.replace(/\.$/, '')}.${hint ? ` ${hint}` : ''}`,
    {
      cause: err,
    },
  )
}
