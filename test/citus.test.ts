// The store on a real Citus cluster (a coordinator and two workers, schema-based sharding, see
// servers/citus-cluster.ts): tenants on both workers, worker-only logins for the owner and
// reader roles, the viewer's tenant isolation, a worker refusing a role said as such by the
// bridge, and a tenant moved between workers while its bridge keeps writing. The store's backend
// suites (packages/store/test) also run on this cluster as the `citus` backend.
import { mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig, runCycle } from '@pggraph/bridge'
import { classify, explainError, seriesQuery, toPggraphError, type Snapshot } from '@pggraph/core'
import { installStore, openStore, readSeries, type InstallResult, type StoreConnection } from '@pggraph/store'
import { createViewer, openStoreAccess, type StoreAccess, type Viewer } from '@pggraph/viewer'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { snapshot, tableRows, testMetrics, tTables } from '../packages/store/test/fixtures.js'
import { Client } from '../examples/viewer/test/client.js'
import { anyServer, citusCluster, citusSkipReason, connect, randomName, urlWith } from './servers/index.js'

const citus = citusCluster()
const MIN = 60_000

/** A tenant: its schema, its roles with passwords, and a first prefix. */
interface Tenant {
  readonly schema: string
  readonly install: InstallResult
  readonly writerPassword: string
  readonly readerPassword: string
}

async function placement(c: pg.Client, schemas: readonly string[]): Promise<Map<string, number[]>> {
  const { rows } = await c.query<{ schema: string; ports: number[] }>(
    `SELECT s.schema_name::text AS schema, array_agg(DISTINCT sh.nodeport ORDER BY sh.nodeport) AS ports
       FROM citus_schemas s JOIN citus_shards sh ON sh.colocation_id = s.colocation_id
      WHERE s.schema_name::text = ANY($1) GROUP BY 1`,
    [schemas],
  )
  return new Map(rows.map((r) => [r.schema, r.ports.map(Number)]))
}

function rejection(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'resolved',
    (e: unknown) => (e instanceof Error ? e.message : String(e)),
  )
}

describe.skipIf(!citus)(`store on a Citus cluster${citus ? '' : ` (skipped: ${citusSkipReason()})`}`, () => {
  const url = citus?.url ?? ''
  let db: StoreConnection
  let admin: pg.Client
  const tenants: Tenant[] = []
  const workerPorts = (citus?.workerUrls ?? []).map((u) => Number(new URL(u).port))

  const addTenant = async (prefix = 'db1'): Promise<Tenant> => {
    const schema = randomName('cit')
    const t = {
      schema,
      writerPassword: `w-${randomName()}`,
      readerPassword: `r-${randomName()}`,
    }
    const install = await installStore(db, {
      schema,
      prefix,
      metrics: testMetrics,
      writerPassword: t.writerPassword,
      readerPassword: t.readerPassword,
    })
    const tenant = { ...t, install }
    tenants.push(tenant)
    return tenant
  }

  beforeAll(async () => {
    db = await openStore(url)
    admin = await connect(url)
  })
  afterAll(async () => {
    await db?.end()
    for (const t of tenants) {
      await admin.query(`DROP SCHEMA IF EXISTS "${t.schema}" CASCADE`)
      for (const role of [t.install.ownerRole, t.install.readerRole, t.install.writerRole]) {
        await admin.query(`DROP OWNED BY "${role}" CASCADE`).catch(() => {})
        await admin.query(`DELETE FROM pg_dist_authinfo WHERE rolename = $1`, [role])
        await admin.query(`DROP ROLE IF EXISTS "${role}"`)
      }
    }
    await admin?.end()
  })

  it('places each tenant schema whole on one worker, and tenants on both workers', async () => {
    const mine: string[] = []
    for (let i = 0; i < 4; i++) mine.push((await addTenant()).schema)
    const where = await placement(admin, mine)
    expect([...where.keys()].sort()).toEqual([...mine].sort())
    for (const ports of where.values()) expect(ports).toHaveLength(1)
    expect(new Set([...where.values()].map((p) => p[0])).size).toBe(2)
    expect([...new Set([...where.values()].map((p) => p[0]))].sort()).toEqual([...workerPorts].sort())
  })

  it('gives the owner and the reader a login on the workers only, known to the coordinator alone', async () => {
    const t = await addTenant()
    const { ownerRole, readerRole, writerRole } = t.install
    // The reader reads its tenant through the coordinator (whose worker connection is the reader's).
    const reader = await openStore(urlWith(url, { user: readerRole, password: t.readerPassword }))
    try {
      await writeAs(t, [snapshot(Date.now() - MIN, { test_tables: tableRows(3, 1) })])
      const got = await readSeries(
        reader,
        { schema: t.schema, prefix: 'db1' },
        seriesQuery(tTables, ['n_live_tup'], { from: Date.now() - 10 * MIN, to: Date.now() }),
      )
      expect(got.series).toHaveLength(3)
      expect(await rejection(reader.query('SELECT authinfo FROM pg_dist_authinfo'))).toMatch(/permission denied/)
    } finally {
      await reader.end()
    }
    const worker = citus!.workerUrls[0]!
    // Nobody logs in as the owner on the coordinator; the writer and a stolen reader password get
    // nowhere on a worker.
    expect(await rejection(connect(urlWith(url, { user: ownerRole, password: 'x' })))).toMatch(
      /not permitted to log in|password authentication failed/,
    )
    expect(await rejection(connect(urlWith(worker, { user: writerRole, password: t.writerPassword })))).toMatch(
      /not permitted to log in/,
    )
    expect(await rejection(connect(urlWith(worker, { user: readerRole, password: t.readerPassword })))).toMatch(
      /password authentication failed/,
    )
    // The worker password lives in pg_dist_authinfo; installing again keeps it and changes nothing.
    const before = await admin.query(`SELECT rolename, authinfo FROM pg_dist_authinfo WHERE rolename = ANY($1)`, [
      [ownerRole, readerRole],
    ])
    expect(before.rows).toHaveLength(2)
    const again = await installStore(db, { schema: t.schema, prefix: 'db1', metrics: testMetrics })
    expect(again.unchanged).toBe(true)
    const after = await admin.query(`SELECT rolename, authinfo FROM pg_dist_authinfo WHERE rolename = ANY($1)`, [
      [ownerRole, readerRole],
    ])
    expect(after.rows).toEqual(before.rows)
    for (const w of citus!.workerUrls) {
      const c = await connect(w)
      const { rows } = await c.query<{ rolname: string; rolcanlogin: boolean }>(
        `SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname = ANY($1) ORDER BY rolname`,
        [[ownerRole, readerRole, writerRole]],
      )
      await c.end()
      expect(Object.fromEntries(rows.map((r) => [r.rolname, r.rolcanlogin]))).toEqual({
        [ownerRole]: true,
        [readerRole]: true,
        [writerRole]: false,
      })
    }
  })

  it('says when a worker refuses the tenant, without retrying; a new install repairs it and the spool is sent', async () => {
    const t = await addTenant()
    const spoolDir = mkdtempSync(join(tmpdir(), 'pggraph-citus-spool-'))
    let n = 0
    const config = bridgeConfig(t, spoolDir)
    const collectSnapshot = async (): Promise<Snapshot> =>
      snapshot(Date.now() - 30 * MIN + n++ * 1000, { test_tables: tableRows(5, n) })
    expect((await runCycle(config, { collectSnapshot })).written).toHaveLength(1)
    // The owner's worker password is lost (a new coordinator, a hand edit): every write fails.
    await admin.query(`DELETE FROM pg_dist_authinfo WHERE rolename = $1`, [t.install.ownerRole])
    const refused = await runCycle(config, { collectSnapshot })
    expect(refused.written).toEqual([])
    expect(refused.retries).toBe(0)
    expect(refused.quarantined).toEqual([])
    expect(refused.storeError).toMatch(
      new RegExp(`Citus worker 127\\.0\\.0\\.1:\\d+ refuses role ${t.install.ownerRole} .*Install the tenant again`),
    )
    expect(refused.storeError).not.toMatch(/unreachable/)
    expect(refused.spoolFiles).toBe(1)
    await installStore(db, { schema: t.schema, prefix: 'db1', metrics: testMetrics })
    const repaired = await runCycle(config, { collectSnapshot })
    expect(repaired.written).toHaveLength(2)
    expect(repaired.spoolFiles).toBe(0)
    expect(await snapshotCount(t)).toBe(3)
  })

  it('tells a worker that does not answer (transient) from one that refuses a role (forbidden)', async () => {
    // A real report of the coordinator about a worker it cannot reach: adding a node on a port
    // where nothing listens (rolled back).
    const c = await connect(url)
    let err: unknown
    try {
      await c.query('BEGIN')
      err = await c.query(`SELECT citus_add_node('127.0.0.1', 1)`).catch((e: unknown) => e)
      await c.query('ROLLBACK')
    } finally {
      await c.end()
    }
    expect(explainError(err)).toMatchObject({
      kind: 'worker-unreachable',
      class: 'transient',
      worker: { node: '127.0.0.1:1' },
    })
    expect(toPggraphError(err, { action: 'add the node' }).message).toMatch(
      /the store is up, but its Citus coordinator cannot reach worker 127\.0\.0\.1:1/,
    )
    // A real refusal: the reader's worker password removed.
    const t = await addTenant()
    await admin.query(`DELETE FROM pg_dist_authinfo WHERE rolename = $1`, [t.install.readerRole])
    const reader = await openStore(urlWith(url, { user: t.install.readerRole, password: t.readerPassword }))
    const refused = await reader.query(`SELECT * FROM "${t.schema}".sources`).catch((e: unknown) => e)
    await reader.end()
    expect(classify(refused)).toBe('forbidden')
    expect(explainError(refused).kind).toBe('worker-login')
    await installStore(db, { schema: t.schema, prefix: 'db1', metrics: testMetrics })
  })

  it('moves a tenant to the other worker while its bridge keeps writing, losing nothing', async () => {
    const t = await addTenant()
    await installStore(db, { schema: t.schema, prefix: 'db2', metrics: testMetrics })
    const spoolDir = mkdtempSync(join(tmpdir(), 'pggraph-citus-move-'))
    const config = bridgeConfig(t, spoolDir)
    const start = Date.now() - 50 * MIN
    let n = 0
    const collected: string[] = []
    const collectSnapshot = async (): Promise<Snapshot> => {
      const s = snapshot(start + n++ * 1000, { test_tables: tableRows(20, n), test_database: [] })
      collected.push(s.takenAt)
      return s
    }
    for (let i = 0; i < 3; i++) await runCycle(config, { collectSnapshot })
    const [from] = (await placement(admin, [t.schema])).get(t.schema)!
    const to = workerPorts.find((p) => p !== from)!
    const shard = await admin.query<{ shardid: string }>(
      `SELECT min(sh.shardid)::text AS shardid FROM citus_schemas s JOIN citus_shards sh ON sh.colocation_id = s.colocation_id
        WHERE s.schema_name::text = $1`,
      [t.schema],
    )
    const before = await snapshotCount(t)
    expect(before).toBe(3)
    // The bridge writes a snapshot a cycle, as fast as it can, while the tenant's shards move.
    let moving = true
    const writing = (async () => {
      const results = []
      while (moving) results.push(await runCycle(config, { collectSnapshot }))
      return results
    })()
    const moved = admin.query(`SELECT citus_move_shard_placement($1, '127.0.0.1', $2, '127.0.0.1', $3)`, [
      shard.rows[0]!.shardid,
      from,
      to,
    ])
    await moved.finally(() => {
      moving = false
    })
    const cycles = await writing
    // Snapshots were stored while the shards moved (logical replication keeps writes going).
    expect(cycles.flatMap((c) => c.written).length).toBeGreaterThan(0)
    // Whatever a cycle could not send waits in the spool; one more cycle sends it.
    const last = await runCycle(config, { collectSnapshot })
    expect(last.ok, last.reason ?? '').toBe(true)
    expect(readdirSync(spoolDir).filter((f) => f.endsWith('.snap'))).toEqual([])
    expect((await placement(admin, [t.schema])).get(t.schema)).toEqual([to])
    // Every snapshot collected is in the store, once.
    expect(await snapshotCount(t)).toBe(collected.length)
    const times = await admin.query<{ t: Date }>(`SELECT "time" AS t FROM "${t.schema}".db1_snapshots ORDER BY 1`)
    expect(times.rows.map((r) => r.t.toISOString())).toEqual(collected)
    const rows = await admin.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${t.schema}".db1_test_tables`)
    expect(Number(rows.rows[0]!.n)).toBe(collected.length * 20)
  })

  describe('the viewer', () => {
    let access: StoreAccess
    let viewer: Viewer
    let base: string
    let a: Tenant
    let b: Tenant
    const PW = 'a-long-password-1'
    beforeAll(async () => {
      a = await addTenant()
      b = await addTenant()
      await installStore(db, { schema: b.schema, prefix: 'secret', metrics: testMetrics })
      for (const [t, prefix] of [
        [a, 'db1'],
        [b, 'db1'],
        [b, 'secret'],
      ] as const)
        await writeAs(
          t,
          [0, 1, 2].map((i) => snapshot(Date.now() - (10 - i) * MIN, { test_tables: tableRows(3, i + 1) })),
          prefix,
        )
      access = await openStoreAccess(url)
      viewer = await createViewer({ store: access, loginLimits: { perIp: 1000, perUser: 3 }, log: () => {} })
      base = await viewer.listen(0)
      await viewer.addUser({ user: `alice-${a.schema}`, schema: a.schema, password: PW })
    })
    afterAll(async () => {
      await viewer?.close()
      await access?.end()
    })

    it("shows a tenant its own systems and answers 404 for another tenant's", async () => {
      const alice = new Client(base)
      expect((await alice.login(`alice-${a.schema}`, PW)).status).toBe(303)
      expect((await alice.get('/')).body).toContain(`/s/${a.schema}/db1`)
      expect((await alice.get(`/s/${a.schema}/db1`)).status).toBe(200)
      for (const path of [`/s/${b.schema}/db1`, `/s/${b.schema}/secret`, `/s/${a.schema}/secret`]) {
        const r = await alice.get(path)
        expect(r.status, path).toBe(404)
        expect(r.body).not.toContain(`${b.schema}/`)
      }
    })

    it("refuses, on the workers too, a reader role reading another tenant's tables", async () => {
      const q = { metric: 'test_tables', columns: ['n_live_tup'], from: Date.now() - 20 * MIN, to: Date.now() }
      const own = await access.asRole(a.install.readerRole, (tx) =>
        readSeries(tx, { schema: a.schema, prefix: 'db1' }, q),
      )
      expect(own.series.length).toBe(3)
      await expect(
        access.asRole(a.install.readerRole, (tx) => readSeries(tx, { schema: b.schema, prefix: 'db1' }, q)),
      ).rejects.toThrow(/permission denied/i)
      // Even logged in on b's worker with the reader's worker password (read from the
      // coordinator's pg_dist_authinfo), a's reader cannot read b's shard there.
      const port = (await placement(admin, [b.schema])).get(b.schema)![0]!
      const worker = citus!.workerUrls.find((u) => Number(new URL(u).port) === port)!
      const shard = await admin.query<{ name: string }>(
        `SELECT shard_name AS name FROM citus_shards WHERE table_name = $1::regclass`,
        [`"${b.schema}".sources`],
      )
      const secret = await admin.query<{ authinfo: string }>(
        `SELECT authinfo FROM pg_dist_authinfo WHERE rolename = $1`,
        [a.install.readerRole],
      )
      const password = /password=(\S+)/.exec(secret.rows[0]!.authinfo)![1]!
      const onWorker = await connect(urlWith(worker, { user: a.install.readerRole, password }))
      try {
        const table = shard.rows[0]!.name.replace(/^([^.]+)\.(.+)$/, '"$1"."$2"')
        expect(await rejection(onWorker.query(`SELECT count(*) FROM ${table}`))).toMatch(/permission denied/)
        expect(await rejection(onWorker.query(`SELECT count(*) FROM "${b.schema}".sources`))).toMatch(
          /permission denied/,
        )
      } finally {
        await onWorker.end()
      }
    })
  })

  function bridgeConfig(t: Tenant, spoolDir: string) {
    return loadConfig({
      env: {},
      flags: {
        target_url: anyServer().url,
        store_url: urlWith(url, { user: t.install.writerRole, password: t.writerPassword }),
        schema: t.schema,
        prefix: 'db1',
        insecure: true,
        spool_dir: spoolDir,
        retry_attempts: '6',
        retry_max_delay: '500ms',
      },
    })
  }

  async function writeAs(t: Tenant, snaps: readonly Snapshot[], prefix = 'db1'): Promise<void> {
    const { writeSnapshot } = await import('@pggraph/store')
    const writerRole = prefix === 'db1' ? t.install.writerRole : `${t.schema}__${prefix}_writer`
    const writer =
      prefix === 'db1' ? await openStore(urlWith(url, { user: writerRole, password: t.writerPassword })) : db
    try {
      for (const s of snaps) await writeSnapshot(writer, { schema: t.schema, prefix }, s)
    } finally {
      if (writer !== db) await writer.end()
    }
  }

  async function snapshotCount(t: Tenant): Promise<number> {
    const { rows } = await admin.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${t.schema}".db1_snapshots`)
    return Number(rows[0]!.n)
  }
})
