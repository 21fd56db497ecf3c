/**
 * The conformance suite every collector must pass, built-in or your own: `testCollector(factory,
 * servers)` registers vitest tests that collect with the collector on each real server, as a
 * superuser, as a role with only `pg_monitor` and as a role without it, and check the contract.
 * Needs `vitest` and `pg` (dev dependencies of the package that runs it).
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto'
import type { Collector, MetricDefinition, MetricRow, Queryable, Snapshot } from '@pggraph/core'
import { definitionMinVersion, definitionProblems as coreDefinitionProblems, majorOf } from '@pggraph/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { collect } from './collect.js'

/** A PostgreSQL server to test against: its major version and a superuser URL. */
export interface TestServer {
  readonly major: number
  readonly url: string
  readonly kind?: string
}

/** A connection the suite can close. */
export type TestConnection = Queryable & { end(): Promise<void> }

/** Options of {@link testCollector}. */
export interface TestCollectorOptions {
  /** Opens a connection to a URL. Default: a `pg.Client` (node-postgres). */
  readonly connect?: (url: string) => Promise<TestConnection>
  /** Runs in the fresh test database (as superuser) before collecting, e.g. to create objects. */
  readonly prepare?: (db: Queryable, server: TestServer) => Promise<void>
}

async function pgConnect(url: string): Promise<TestConnection> {
  const { default: pg } = await import('pg')
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  return c
}

function withUrl(url: string, parts: { database?: string; user?: string }): string {
  const u = new URL(url)
  if (parts.database) u.pathname = `/${parts.database}`
  if (parts.user) {
    u.username = parts.user
    u.password = ''
  }
  return u.toString()
}

/**
 * Rules a definition must follow whatever the server; returns the problems found. The one rule
 * set of `@pggraph/core` (also used by `collect()` and the store), re-exported here.
 */
export const definitionProblems: (d: MetricDefinition) => string[] = coreDefinitionProblems

/** Problems with the rows of `d` in `snap` taken from a server of `major` version. */
export function rowProblems(d: MetricDefinition, rows: readonly MetricRow[], major: number): string[] {
  const problems: string[] = []
  const labels = Object.keys(d.labels)
  const keys = new Set<string>()
  const expected = [...labels, ...Object.keys(d.values), ...(d.statsReset ? ['stats_reset'] : [])].sort()
  for (const r of rows) {
    const got = Object.keys(r).sort()
    if (got.join() !== expected.join()) problems.push(`row has columns ${got.join()} (want ${expected.join()})`)
    for (const l of labels) if (typeof r[l] !== 'string') problems.push(`label ${l} is ${typeof r[l]}, not a string`)
    for (const [v, col] of Object.entries(d.values)) {
      const x = r[v]
      if (x !== null && (typeof x !== 'number' || !Number.isFinite(x)))
        problems.push(`value ${v} is ${JSON.stringify(x)}`)
      if (col.since !== undefined && col.since > major && x !== null)
        problems.push(`${v} exists from ${col.since} but is ${String(x)} on ${major}`)
      if (col.until !== undefined && major >= col.until && x !== null)
        problems.push(`${v} exists until ${col.until} (not on it) but is ${String(x)} on ${major}`)
    }
    if (d.statsReset && r['stats_reset'] !== null && Number.isNaN(Date.parse(String(r['stats_reset']))))
      problems.push('stats_reset is not a time')
    const key = JSON.stringify(labels.map((l) => r[l]))
    if (keys.has(key)) problems.push(`label set ${key} appears twice`)
    keys.add(key)
  }
  return problems
}

const EXPECTED_SKIP = /^(needs PostgreSQL|needs pg_|needs a superuser|extension |.* is not in shared_preload_libraries)/

/**
 * Register the conformance tests of a collector against every server: its definitions are well
 * formed; on each server every metric is collected or skipped for an expected reason (version,
 * privilege, extension, never an SQL error); rows have exactly the declared columns and types,
 * unique label sets, `null` for columns newer than the server; counters do not go backwards
 * between two snapshots; a role with only `pg_monitor` is not refused anything that needs no
 * more, and a role without it gets skips, not an error.
 *
 * @example
 * ```ts
 * // my-collector.test.ts
 * import { testCollector } from '@pggraph/collector/testing'
 * testCollector(() => myCollector(), [{ major: 17, url: process.env.PG17_URL! }])
 * ```
 */
export function testCollector(
  factory: () => Collector,
  servers: readonly TestServer[],
  options: TestCollectorOptions = {},
): void {
  const connect = options.connect ?? pgConnect
  const name = factory().name
  describe.concurrent(`collector ${name}`, () => {
    it('has well-formed definitions', () => {
      for (const d of factory().metrics) expect(definitionProblems(d), d.name).toEqual([])
    })
    for (const server of servers) {
      describe(`on PostgreSQL ${server.major}${server.kind ? ` (${server.kind})` : ''}`, () => {
        const id = randomBytes(4).toString('hex')
        const dbName = `conf_${id}`
        const monitor = `conf_mon_${id}`
        const plain = `conf_plain_${id}`
        beforeAll(async () => {
          const admin = await connect(server.url)
          try {
            await admin.query(`CREATE DATABASE ${dbName}`)
            await admin.query(`CREATE ROLE ${monitor} LOGIN IN ROLE pg_monitor`)
            await admin.query(`CREATE ROLE ${plain} LOGIN`)
          } finally {
            await admin.end()
          }
          const db = await connect(withUrl(server.url, { database: dbName }))
          try {
            await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements').catch(() => undefined)
            await options.prepare?.(db, server)
          } finally {
            await db.end()
          }
        })
        afterAll(async () => {
          const admin = await connect(server.url)
          try {
            await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(async () => {
              await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [dbName])
              await admin.query(`DROP DATABASE IF EXISTS ${dbName}`)
            })
            await admin.query(`DROP ROLE IF EXISTS ${monitor}`)
            await admin.query(`DROP ROLE IF EXISTS ${plain}`)
          } finally {
            await admin.end()
          }
        })
        const take = async (user?: string): Promise<Snapshot> => {
          const db = await connect(withUrl(server.url, { database: dbName, ...(user ? { user } : {}) }))
          try {
            return await collect(db, { collectors: [factory()] })
          } finally {
            await db.end()
          }
        }

        it('collects every metric or skips it for an expected reason, with well-formed rows', async () => {
          const snap = await take()
          const major = majorOf(snap.server.versionNum)
          expect(major).toBe(server.major)
          for (const d of factory().metrics) {
            const skip = snap.skipped.filter((s) => s.metric === d.name)
            for (const s of skip) expect(s.reason, d.name).toMatch(EXPECTED_SKIP)
            for (const s of skip)
              expect(s.reason, `${d.name}: a superuser lacks no privilege`).not.toMatch(/^needs (pg_|a superuser)/)
            const min = definitionMinVersion(d)
            if (major < min)
              expect(skip.map((s) => s.reason)).toEqual([`needs PostgreSQL ${min} or newer (server is ${major})`])
            const rows = snap.metrics[d.name]
            expect(rows, d.name).toBeDefined()
            expect(rowProblems(d, rows ?? [], major), d.name).toEqual([])
          }
        })

        it('never sees a counter go backwards between two snapshots', async () => {
          const a = await take()
          const b = await take()
          for (const d of factory().metrics) {
            const labels = Object.keys(d.labels)
            const key = (r: MetricRow) => labels.map((l) => r[l]).join('/')
            const before = new Map((a.metrics[d.name] ?? []).map((r) => [key(r), r]))
            for (const r of b.metrics[d.name] ?? []) {
              const old = before.get(key(r))
              if (!old || old['stats_reset'] !== r['stats_reset'] || labels.some((l) => r[l] === '(other)')) continue
              for (const [v, col] of Object.entries(d.values)) {
                if (col.kind !== 'counter' || old[v] === null || r[v] === null) continue
                expect(r[v] as number, `${d.name}.${v} of ${key(r)}`).toBeGreaterThanOrEqual(old[v] as number)
              }
            }
          }
        })

        it('works for a role with only pg_monitor, and skips (not fails) for a role without it', async () => {
          const mon = await take(monitor)
          for (const s of mon.skipped) {
            expect(s.reason, s.metric).toMatch(EXPECTED_SKIP)
            expect(s.reason, `${s.metric}: pg_monitor must be enough`).not.toMatch(/^needs pg_/)
          }
          const none = await take(plain)
          for (const s of none.skipped) expect(s.reason, s.metric).toMatch(EXPECTED_SKIP)
          for (const d of factory().metrics) {
            const needs = (d.requires ?? []).some((r) => 'privilege' in r)
            const min = definitionMinVersion(d)
            if (needs && server.major >= min)
              expect(
                none.skipped.map((s) => s.metric),
                d.name,
              ).toContain(d.name)
          }
        })
      })
    }
  })
}
