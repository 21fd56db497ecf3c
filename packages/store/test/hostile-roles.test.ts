// Attacks on the installer's roles, performed with the real roles on real PostgreSQL (issue #10,
// items 1, 2, 6, 7, 8): colliding role names, reused or forged roles, reserved and foreign
// schemas, large objects, a hijacked install lock, connection floods and long statements.
// Each asserts the refusal and that the other tenant is unchanged.
import { sqlStateOf } from '@pggraph/core'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it as test } from 'vitest'
import { pgServers } from '../../../test/servers/index.js'
import { installStore, listSources } from '../src/index.js'
import { openBackend, type Backend, type RoleSession } from './backends.js'
import { snapshot, T0, testMetrics, writerPassword } from './fixtures.js'

const row = [{ datname: 'app', xact_commit: 1, blks_read: 1, numbackends: 1, stats_reset: null }]
const names = pgServers().map((s) => `pg${s.major}${s.kind === 'local' ? '-local' : ''}`)

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  )
}

// The servers run concurrently (each test waits on its own server, in its own database, with
// roles named after its own random schemas); a server's tests run one after another, as each
// opens sessions and holds locks on that server.
const it = test.sequential

describe.concurrent.each(names)('hostile roles on %s', (name) => {
  let b: Backend
  const sessions: RoleSession[] = []
  const as = async (role: string, password: string | undefined): Promise<RoleSession> => {
    const s = await b.asRole(role, password)
    sessions.push(s)
    return s
  }
  const ingest = (schema: string, prefix: string, t: number) =>
    `SELECT "${schema}"."${prefix}_ingest"('${JSON.stringify(snapshot(t, { test_database: row })).replace(/'/g, "''")}'::json)`
  const snapshots = async (schema: string, prefix: string): Promise<number> =>
    (await b.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}"."${prefix}_snapshots"`)).rows[0]!.n

  beforeAll(async () => {
    b = await openBackend(name)
  })
  afterAll(async () => {
    for (const s of sessions) await s.end().catch(() => {})
    await b?.close()
  })

  it('(acme, prod_db) and (acme_prod, db) get different writers; neither can write the other', async () => {
    const acme = b.schema()
    const acmeProd = `${acme}_prod`
    const a = await installStore(b.db, { schema: acme, prefix: 'prod_db', metrics: testMetrics })
    const p = await installStore(b.db, { schema: acmeProd, prefix: 'db', metrics: testMetrics })
    expect(a.writerRole).toBe(`${acme}__prod_db_writer`)
    expect(p.writerRole).toBe(`${acmeProd}__db_writer`)
    expect(p.roles.find((r) => r.kind === 'writer')!.action).toBe('created')
    const wa = await as(a.writerRole, writerPassword(a))
    const err = await failure(wa.query(ingest(acmeProd, 'db', T0)))
    expect(sqlStateOf(err)).toBe('42501')
    expect(await snapshots(acmeProd, 'db')).toBe(0)
    await wa.query(ingest(acme, 'prod_db', T0))
    expect(await snapshots(acme, 'prod_db')).toBe(1)
  })

  it('refuses an existing role that is not this tenant’s, naming the clash, and changes nothing', async () => {
    const s1 = b.schema()
    const s2 = b.schema()
    const first = await installStore(b.db, { schema: s1, prefix: 'db', metrics: testMetrics })
    // another tenant's writer, asked for by name
    const stolen = await failure(
      installStore(b.db, { schema: s2, prefix: 'db', metrics: testMetrics, writerRole: first.writerRole }),
    )
    expect(String(stolen)).toMatch(
      new RegExp(
        `Role ${first.writerRole} already exists and is not the writer of ${s2}\\.db: .*marker "pggraph:writer:[^"]+/${s1}\\.db"`,
      ),
    )
    expect((await b.db.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [s2])).rows).toEqual([])
    // the first tenant's reader and owner, asked for by name
    for (const kind of ['reader', 'owner'] as const) {
      const role = `${s1}_${kind}`
      const err = await failure(
        installStore(b.db, {
          schema: s2,
          prefix: 'db',
          metrics: testMetrics,
          ...(kind === 'reader' ? { readerRole: role } : { ownerRole: role }),
        }),
      )
      expect(String(err)).toMatch(new RegExp(`Role ${s1}_${kind} already exists and is not the ${kind} of ${s2}`))
    }
    // a role someone else made with the default name of a new tenant's owner
    await b.db.query(`CREATE ROLE "${s2}_owner" NOLOGIN`)
    const foreign = await failure(installStore(b.db, { schema: s2, prefix: 'db', metrics: testMetrics }))
    expect(String(foreign)).toMatch(
      new RegExp(`Role ${s2}_owner already exists and is not the owner of ${s2}: no pggraph marker`),
    )
    // the first tenant still works with its own writer, and only its writer has its functions
    const w = await as(first.writerRole, writerPassword(first))
    await w.query(ingest(s1, 'db', T0))
    const grantees = await b.db.query<{ g: string }>(
      `SELECT DISTINCT pg_get_userbyid(a.grantee) AS g FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace,
              aclexplode(p.proacl) a WHERE n.nspname = $1 AND p.proname IN ('db_ingest', 'db_report_error') ORDER BY 1`,
      [s1],
    )
    expect(grantees.rows.map((r) => r.g)).toEqual([`${s1}_owner`, first.writerRole].sort())
  })

  it('a tenant role cannot forge an ownership marker', async () => {
    const s = b.schema()
    const r = await installStore(b.db, { schema: s, prefix: 'db', metrics: testMetrics, readerPassword: 'pw-1' })
    const w = await as(r.writerRole, writerPassword(r))
    const reader = await as(r.readerRole, 'pw-1')
    for (const [session, self] of [
      [w, r.writerRole],
      [reader, r.readerRole],
    ] as const) {
      const err = await failure(session.query(`COMMENT ON ROLE "${self}" IS 'pggraph:writer:x/victim.db'`))
      expect(sqlStateOf(err), String(err)).toBe('42501')
      const schema = await failure(session.query(`COMMENT ON SCHEMA "${s}" IS 'x'`))
      expect(sqlStateOf(schema)).toBe('42501')
    }
  })

  it('upgrades an old install: adopts its own old writer, retires one shared by the old name collision', async () => {
    const acme = b.schema()
    const acmeProd = `${acme}_prod`
    const solo = b.schema()
    const shared = `${acme}_prod_db_writer` // the old default of both (acme, prod_db) and (acme_prod, db)
    // Today's main made these: unmarked roles and schemas, writer <schema>_<prefix>_writer.
    const a = await installStore(b.db, { schema: acme, prefix: 'prod_db', metrics: testMetrics, writerRole: shared })
    const p = await installStore(b.db, {
      schema: acmeProd,
      prefix: 'db',
      metrics: testMetrics,
      writerRole: `${acmeProd}_tmp_writer`,
    })
    const o = await installStore(b.db, {
      schema: solo,
      prefix: 'db',
      metrics: testMetrics,
      writerRole: `${solo}_db_writer`,
    })
    // the second old install kept the first one's role and granted it its functions
    await b.db.query(`GRANT USAGE ON SCHEMA "${acmeProd}" TO "${shared}"`)
    await b.db.query(
      `GRANT EXECUTE ON FUNCTION "${acmeProd}".db_ingest(json), "${acmeProd}".db_report_error(text, jsonb) TO "${shared}"`,
    )
    await b.db.query(`DROP OWNED BY "${p.writerRole}"`)
    await b.db.query(`DROP ROLE "${p.writerRole}"`)
    for (const role of [shared, o.writerRole, ...[acme, acmeProd, solo].flatMap((s) => [`${s}_owner`, `${s}_reader`])])
      await b.db.query(`COMMENT ON ROLE "${role}" IS NULL`)
    for (const s of [acme, acmeProd, solo]) await b.db.query(`COMMENT ON SCHEMA "${s}" IS NULL`)
    const sharedSession = await as(shared, writerPassword(a))
    await sharedSession.query(ingest(acmeProd, 'db', T0)) // the attack works on the old layout
    await sharedSession.end()

    // a clean old install keeps its writer and password
    const again = await installStore(b.db, { schema: solo, prefix: 'db', metrics: testMetrics })
    expect(again.writerRole).toBe(`${solo}_db_writer`)
    expect(again.roles.map((r) => r.action)).toEqual(['kept', 'kept', 'kept'])
    const soloWriter = await as(again.writerRole, writerPassword(o))
    await soloWriter.query(ingest(solo, 'db', T0))

    // the colliding one: the shared role is retired, the tenant gets its own writer
    const fixed = await installStore(b.db, { schema: acmeProd, prefix: 'db', metrics: testMetrics })
    expect(fixed.writerRole).toBe(`${acmeProd}__db_writer`)
    expect(fixed.roles.find((r) => r.kind === 'writer')!.note).toMatch(/retired/)
    const login = await failure(b.asRole(shared, writerPassword(a)))
    expect(String(login)).toMatch(/not permitted to log in/)
    const grants = await b.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_proc p, aclexplode(p.proacl) x WHERE x.grantee = $1::regrole`,
      [shared],
    )
    expect(grants.rows[0]!.n).toBe(0)
    const before = await snapshots(acme, 'prod_db')
    const fresh = await as(fixed.writerRole, writerPassword(fixed))
    await fresh.query(ingest(acmeProd, 'db', T0 + 60_000))
    expect(sqlStateOf(await failure(fresh.query(ingest(acme, 'prod_db', T0 + 60_000))))).toBe('42501')
    expect(await snapshots(acme, 'prod_db')).toBe(before)
    // the other side is not given the retired role back
    const other = await installStore(b.db, { schema: acme, prefix: 'prod_db', metrics: testMetrics })
    expect(other.writerRole).toBe(`${acme}__prod_db_writer`)
    expect(other.roles.find((r) => r.kind === 'writer')!.action).toBe('created')
  })

  it('refuses reserved schemas and schemas the installer did not create', async () => {
    for (const schema of ['pggraph_admin', 'pggraph_x', 'pg_temp_x', 'public', 'information_schema']) {
      const err = await failure(installStore(b.db, { schema, prefix: 'db', metrics: testMetrics }))
      expect(String(err), schema).toMatch(/reserve/)
    }
    const app = b.schema()
    await b.db.query(`CREATE SCHEMA "${app}"`)
    await b.db.query(`CREATE TABLE "${app}".secrets (v text)`)
    const err = await failure(installStore(b.db, { schema: app, prefix: 'db', metrics: testMetrics }))
    expect(String(err)).toMatch(new RegExp(`schema "${app}" already exists and was not created by pggraph's installer`))
    const owner = await b.db.query<{ o: string }>(
      `SELECT pg_get_userbyid(nspowner) AS o FROM pg_namespace WHERE nspname = $1`,
      [app],
    )
    expect(owner.rows[0]!.o).not.toBe(`${app}_owner`)
    expect((await b.db.query(`SELECT 1 FROM pg_roles WHERE rolname LIKE $1`, [`${app}\\_%`])).rows).toEqual([])
  })

  it('no tenant role and no other login can create a large object', async () => {
    const s = b.schema()
    const r = await installStore(b.db, { schema: s, prefix: 'db', metrics: testMetrics, readerPassword: 'pw-2' })
    expect(r.hardening).not.toMatch(/keeps/)
    const viewerLogin = `${s}_viewer_login`
    await b.db.query(`CREATE ROLE "${viewerLogin}" LOGIN PASSWORD 'pw-3'`)
    for (const [role, password] of [
      [r.writerRole, writerPassword(r)],
      [r.readerRole, 'pw-2'],
      [viewerLogin, 'pw-3'],
    ] as const) {
      const session = await as(role, password)
      for (const sql of [`SELECT lo_create(0)`, `SELECT lo_creat(-1)`, `SELECT lo_from_bytea(0, 'x'::bytea)`]) {
        const err = await failure(session.query(sql))
        expect(sqlStateOf(err), `${role}: ${sql}`).toBe('42501')
      }
    }
    expect((await b.db.query(`SELECT 1 FROM pg_largeobject_metadata`)).rows).toEqual([])
  })

  it('a tenant role cannot make another tenant’s install hang; a stuck lock is named within the timeout', async () => {
    const s1 = b.schema()
    const s2 = b.schema()
    const one = await installStore(b.db, { schema: s1, prefix: 'db', metrics: testMetrics, readerPassword: 'pw-4' })
    await installStore(b.db, { schema: s2, prefix: 'db', metrics: testMetrics })
    // the writer of s1 takes the old install key of s2, and of a tenant not installed yet
    const w = await as(one.writerRole, writerPassword(one))
    await w.query(`SELECT pg_advisory_lock(hashtext($1)), pg_advisory_lock(hashtext($2))`, [
      `pggraph:${s2}`,
      `pggraph:${s2}x`,
    ])
    const started = Date.now()
    await installStore(b.db, { schema: s2, prefix: 'db2', metrics: testMetrics, lockTimeout: 2_000 })
    await installStore(b.db, { schema: `${s2}x`, prefix: 'db', metrics: testMetrics, lockTimeout: 2_000 })
    expect(Date.now() - started).toBeLessThan(15_000)
    // s1's reader cannot take the lock the installer takes
    const reader = await as(one.readerRole, 'pw-4')
    const lock = await failure(reader.query(`BEGIN; LOCK TABLE "${s1}".pggraph_migrations IN SHARE ROW EXCLUSIVE MODE`))
    expect(sqlStateOf(lock)).toBe('42501')
    await reader.query('ROLLBACK')
    // another admin session holding the tenant: the install gives up, naming it
    const holder = new pg.Client({ connectionString: b.url! })
    await holder.connect()
    try {
      await holder.query(`BEGIN; LOCK TABLE "${s2}".pggraph_migrations IN SHARE ROW EXCLUSIVE MODE`)
      const pid = (await holder.query<{ p: number }>(`SELECT pg_backend_pid() AS p`)).rows[0]!.p
      const t = Date.now()
      const err = await failure(
        installStore(b.db, { schema: s2, prefix: 'db', metrics: testMetrics, lockTimeout: 300 }),
      )
      expect(Date.now() - t).toBeLessThan(5_000)
      expect(String(err)).toMatch(new RegExp(`waited 300 ms for a lock on schema ${s2}, held by pid ${pid} \\(role `))
      expect(String(err)).toMatch(/pg_terminate_backend/)
    } finally {
      await holder.end()
    }
  })

  it('caps each writer’s connections and cancels a reader’s long statement; other tenants unaffected', async () => {
    const s1 = b.schema()
    const s2 = b.schema()
    const budgets = { writerConnectionLimit: 2, readerStatementTimeout: 300 }
    const one = await installStore(b.db, {
      schema: s1,
      prefix: 'db',
      metrics: testMetrics,
      readerPassword: 'pw-5',
      ...budgets,
    })
    const two = await installStore(b.db, { schema: s2, prefix: 'db', metrics: testMetrics })
    expect(one.budgets).toContain(`${one.writerRole}: connection limit 2`)
    const flood: RoleSession[] = []
    for (let i = 0; i < 2; i++) flood.push(await as(one.writerRole, writerPassword(one)))
    const refused = await failure(b.asRole(one.writerRole, writerPassword(one)))
    expect(sqlStateOf(refused)).toBe('53300')
    const other = await as(two.writerRole, writerPassword(two))
    await other.query(ingest(s2, 'db', T0))
    expect((await listSources(b.db, s2))[0]!.snapshots).toBe(1)
    // the reader's statement timeout
    const reader = await as(one.readerRole, 'pw-5')
    expect(sqlStateOf(await failure(reader.query(`SELECT pg_sleep(3)`)))).toBe('57014')
    // defaults, applied again on re-install (and a re-install with the same values changes nothing)
    const back = await installStore(b.db, { schema: s1, prefix: 'db', metrics: testMetrics })
    expect(back.budgets).toEqual([
      `${one.writerRole}: connection limit 4`,
      `${one.readerRole}: statement_timeout 30000ms`,
    ])
    expect((await installStore(b.db, { schema: s1, prefix: 'db', metrics: testMetrics })).unchanged).toBe(true)
    const roles = await b.db.query<{ rolname: string; rolconnlimit: number; rolconfig: string[] }>(
      `SELECT rolname, rolconnlimit, rolconfig FROM pg_roles WHERE rolname = ANY($1) ORDER BY rolname`,
      [[one.writerRole, one.readerRole]],
    )
    expect(roles.rows).toEqual(
      [
        { rolname: one.writerRole, rolconnlimit: 4, rolconfig: ['statement_timeout=60000ms'] },
        { rolname: one.readerRole, rolconnlimit: 10, rolconfig: ['statement_timeout=30000ms'] },
      ].sort((x, y) => x.rolname.localeCompare(y.rolname)),
    )
    // bad budgets are refused before any SQL
    await expect(
      installStore(b.db, { schema: s1, prefix: 'db', metrics: testMetrics, writerConnectionLimit: 0 }),
    ).rejects.toThrow(/writerConnectionLimit must be a whole number from 1/)
  })
})
