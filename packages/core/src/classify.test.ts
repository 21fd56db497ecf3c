import { describe, expect, it } from 'vitest'
import { classify, explainError, toPggraphError, type ErrorClass, type FailureKind } from './classify.js'
import { PggraphError } from './errors.js'

// Shaped like node-postgres's DatabaseError (PGlite's has the same fields): what the server sent.
const serverError = (code: string, message: string): Error =>
  Object.assign(new Error(message), { code, severity: 'ERROR' })
const nodeError = (code: string, message = code): Error => Object.assign(new Error(message), { code })

// SQLSTATEs PostgreSQL really sends (src/backend/utils/errcodes.txt), with the answer each gets.
const CASES: readonly [string, string, FailureKind, ErrorClass][] = [
  ['08006', 'server closed the connection unexpectedly', 'unreachable', 'transient'],
  ['08001', 'could not connect to server', 'unreachable', 'transient'],
  ['08P01', 'invalid message format', 'unreachable', 'transient'],
  ['57P01', 'terminating connection due to administrator command', 'unreachable', 'transient'],
  ['57P03', 'the database system is starting up', 'unreachable', 'transient'],
  ['53300', 'sorry, too many clients already', 'busy', 'transient'],
  ['53100', 'could not extend file: No space left on device', 'busy', 'transient'],
  ['58030', 'could not write to file', 'busy', 'transient'],
  ['40001', 'could not serialize access due to concurrent update', 'busy', 'transient'],
  ['40P01', 'deadlock detected', 'busy', 'transient'],
  ['55P03', 'canceling statement due to lock timeout', 'busy', 'transient'],
  ['57014', 'canceling statement due to statement timeout', 'busy', 'transient'],
  ['25P03', 'terminating connection due to idle-in-transaction timeout', 'busy', 'transient'],
  ['42501', 'permission denied for table t', 'permission', 'permanent'],
  ['22P02', 'invalid input syntax for type integer: "x"', 'invalid-value', 'permanent'],
  ['22003', 'value "1e400" is out of range for type double precision', 'invalid-value', 'permanent'],
  ['22007', 'invalid input syntax for type timestamp with time zone: "y"', 'invalid-value', 'permanent'],
  ['23505', 'duplicate key value violates unique constraint "t_pkey"', 'invalid-value', 'permanent'],
  ['23502', 'null value in column "time" violates not-null constraint', 'invalid-value', 'permanent'],
  ['28P01', 'password authentication failed for user "w"', 'login', 'forbidden'],
  ['28000', 'no pg_hba.conf entry for host "10.0.0.1"', 'login', 'forbidden'],
  ['3D000', 'database "nope" does not exist', 'missing', 'forbidden'],
  ['3F000', 'schema "acme" does not exist', 'missing', 'forbidden'],
  ['42P01', 'relation "acme.db1_snapshots" does not exist', 'missing', 'forbidden'],
  ['42883', 'function acme.db1_ingest(json) does not exist', 'missing', 'forbidden'],
  ['42704', 'role "acme_reader" does not exist', 'missing', 'forbidden'],
  ['22023', 'role "acme_reader" does not exist', 'missing', 'forbidden'],
  [
    '0A000',
    'functions used in the DO UPDATE SET clause of INSERTs on distributed tables must be marked IMMUTABLE',
    'other',
    'forbidden',
  ],
  ['XX000', 'cache lookup failed for relation 1', 'other', 'forbidden'],
]

describe('classify over SQLSTATEs', () => {
  it.each(CASES)('%s (%s) is %s, %s', (code, message, kind, cls) => {
    const err = serverError(code, message)
    expect(explainError(err).kind).toBe(kind)
    expect(classify(err)).toBe(cls)
    // The same answer whatever wrapped it, including a PggraphError whose code looks like a SQLSTATE.
    expect(classify(new PggraphError('QUERY', 'wrapped', { cause: err }))).toBe(cls)
    expect(classify(new Error('outer', { cause: new PggraphError('STORE', 'middle', { cause: err }) }))).toBe(cls)
  })
})

describe('classify without a SQLSTATE', () => {
  it('retries network failures and a dropped connection', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'EHOSTUNREACH'])
      expect(classify(nodeError(code))).toBe('transient')
    expect(classify(new Error('Connection terminated unexpectedly'))).toBe('transient')
    expect(classify(new PggraphError('CONNECT', 'x', { cause: nodeError('ECONNREFUSED') }))).toBe('transient')
  })
  it('does not retry an unverified certificate or a refused password', () => {
    expect(classify(nodeError('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'))).toBe(
      'forbidden',
    )
    expect(classify(nodeError('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'))).toBe('forbidden')
    expect(classify(new Error('The server does not support SSL connections'))).toBe('forbidden')
    expect(classify(new Error('SASL: SCRAM-SERVER-FINAL-MESSAGE: server signature is missing'))).toBe('forbidden')
    // Wrapped by toPggraphError as PERMISSION ("refused the login"): still the link, not the snapshot.
    const tls = nodeError('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate')
    const wrapped = toPggraphError(tls, { action: 'write the snapshot' })
    expect(wrapped.code).toBe('PERMISSION')
    expect(classify(wrapped)).toBe('forbidden')
    const altname = nodeError('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames")
    expect(classify(new PggraphError('PERMISSION', 'x', { cause: altname }))).toBe('forbidden')
  })
  it('follows pggraph codes when no driver error is inside', () => {
    expect(classify(new PggraphError('INVALID_SNAPSHOT', 'dated in the future'))).toBe('permanent')
    expect(classify(new PggraphError('PERMISSION', 'no'))).toBe('permanent')
    expect(classify(new PggraphError('CONFIG', 'bad url'))).toBe('forbidden')
    expect(classify(new PggraphError('STORE', 'no prefix'))).toBe('forbidden')
    expect(classify(new PggraphError('BUSY', 'locked'))).toBe('transient')
    // An INVALID_SNAPSHOT stays permanent even when the store's refusal is inside it.
    expect(classify(new PggraphError('INVALID_SNAPSHOT', 'x', { cause: serverError('08006', 'gone') }))).toBe(
      'permanent',
    )
  })
  it('retries what it does not know, and does not loop on a cyclic cause', () => {
    expect(classify(new Error('something odd'))).toBe('transient')
    expect(classify('a string')).toBe('transient')
    const a = new Error('a') as Error & { cause?: unknown }
    a.cause = a
    expect(classify(a)).toBe('transient')
  })
})

describe('a Citus coordinator that cannot use a worker', () => {
  const remote = (inner: string): Error =>
    serverError(
      '08006',
      `connection to the remote node acme_owner@10.0.0.7:5432 failed with the following error: ${inner}`,
    )
  it('is the worker refusing the role (forbidden), not the store being unreachable', () => {
    for (const inner of [
      'FATAL:  role "acme_owner" is not permitted to log in',
      'FATAL:  password authentication failed for user "acme_owner"',
      'fe_sendauth: no password supplied',
      'FATAL:  no pg_hba.conf entry for host "10.0.0.5", user "acme_owner", database "pggraph", SSL encryption',
      'FATAL:  role "acme_owner" does not exist',
    ]) {
      const f = explainError(remote(inner))
      expect(f).toMatchObject({ kind: 'worker-login', class: 'forbidden' })
      expect(f.worker).toEqual({ node: '10.0.0.7:5432', role: 'acme_owner' })
    }
  })
  it('is a worker down (transient): the coordinator answered, the worker did not', () => {
    for (const inner of [
      'connection to server at "10.0.0.7", port 5432 failed: Connection refused',
      'timeout expired',
      'FATAL:  the database system is shutting down',
    ])
      expect(explainError(remote(inner))).toMatchObject({ kind: 'worker-unreachable', class: 'transient' })
  })
  it('says so in the message, with what to do', () => {
    const refused = toPggraphError(remote('fe_sendauth: no password supplied'), {
      action: 'write the snapshot',
      subject: 'acme.db1',
    })
    expect(refused.code).toBe('STORE')
    expect(refused.message).toMatch(
      /^Cannot write the snapshot for acme\.db1: the store's Citus worker 10\.0\.0\.7:5432 refuses role acme_owner \(.*no password supplied\)\. Install the tenant again/,
    )
    expect(refused.message).not.toMatch(/unreachable/)
    const down = toPggraphError(remote('Connection refused'), { action: 'write the snapshot' })
    expect(down.code).toBe('CONNECT')
    expect(down.message).toMatch(/the store is up, but its Citus coordinator cannot reach worker 10\.0\.0\.7:5432/)
  })
})

describe('toPggraphError', () => {
  it('keeps a PggraphError, and the cause and its SQLSTATE of anything else', () => {
    const own = new PggraphError('CONFIG', 'bad')
    expect(toPggraphError(own, { action: 'x' })).toBe(own)
    const cause = serverError('42501', 'permission denied for function acme.db2_ingest')
    const e = toPggraphError(cause, {
      action: 'write the snapshot',
      subject: 'acme.db2',
      hints: { permission: 'Use the writer role made for this prefix.' },
    })
    expect(e).toMatchObject({ code: 'PERMISSION', cause })
    expect(e.message).toBe(
      'Cannot write the snapshot for acme.db2: permission denied (permission denied for function acme.db2_ingest). Use the writer role made for this prefix.',
    )
  })
  it('takes the code the caller gives a kind, and words an unknown failure plainly', () => {
    const bad = toPggraphError(serverError('22P02', 'invalid input syntax for type double precision: "x"'), {
      action: 'write the snapshot',
      codes: { 'invalid-value': 'INVALID_SNAPSHOT' },
    })
    expect(bad.code).toBe('INVALID_SNAPSHOT')
    expect(bad.message).toMatch(/the store refused a value \(invalid input syntax/)
    expect(toPggraphError(new Error('odd.'), { action: 'read', server: 'the target' }).message).toBe(
      'Cannot read: odd.',
    )
    expect(
      toPggraphError(nodeError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'), {
        action: 'x',
        server: 'the target',
      }).message,
    ).toBe('Cannot x: the target is unreachable (connect ECONNREFUSED 127.0.0.1:1).')
  })
})
