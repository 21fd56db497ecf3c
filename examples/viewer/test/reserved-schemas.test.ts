// Attack: give a viewer user a schema that is not a tenant — pggraph's own admin schema (whose
// table holds every password hash), PostgreSQL's schemas, or any schema the installer did not
// create — so that their reader role, or the viewer, reads what no tenant may. `users add`
// (the CLI and the library call) refuses each with one line naming the store's tenants, and
// users made before the check can open no reserved schema.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anyServer, connect } from '../../../test/servers/index.js'
import {
  addUser,
  createViewer,
  findUser,
  hashPassword,
  openStoreAccess,
  type StoreAccess,
  type Viewer,
} from '../src/index.js'
import { Client } from './client.js'
import { freshPostgresStore, runCli as cli, tenantNames } from './fixture.js'

const t = tenantNames()
const PW = 'a-long-password-1'
let url: string
let drop: () => Promise<void>
let access: StoreAccess
let viewer: Viewer
let base: string

beforeAll(async () => {
  const fresh = await freshPostgresStore(anyServer(), t)
  url = fresh.url
  drop = fresh.drop
  await fresh.store.end()
  // What an install before the reserved-name check could leave: pggraph tables in reserved
  // schemas, and a plain schema that no installer made.
  const su = await connect(url)
  try {
    await su.query(`CREATE SCHEMA pggraph_evil`)
    await su.query(`CREATE TABLE pggraph_evil.pggraph_migrations (id text)`)
    await su.query(`CREATE TABLE public.pggraph_migrations (id text)`)
    await su.query(`CREATE SCHEMA plain_not_tenant`)
  } finally {
    await su.end()
  }
  access = await openStoreAccess(url)
  viewer = await createViewer({ store: access, log: () => {} })
  base = await viewer.listen(0)
  await viewer.addUser({ user: 'root', admin: true, password: PW })
})

afterAll(async () => {
  await viewer?.close()
  await access?.end()
  await drop?.()
})

const known = (): RegExp => new RegExp(`the store's tenants are: ${[t.a, t.b].sort().join(', ')}`)

describe('users add', () => {
  it.each([
    ['pggraph_admin', /is reserved/],
    ['pg_catalog', /is reserved/],
    ['nosuchschema', /is not an installed tenant.*pggraph-bridge install --schema nosuchschema/],
  ])('the CLI refuses --schema %s before asking for a password, naming the tenants', async (schema, why) => {
    const r = await cli(['users', 'add', '--store', url, '--user', 'mallory', '--schema', schema], `${PW}\n`)
    expect(r.code).toBe(2)
    expect(r.err.trim().split('\n')).toHaveLength(1)
    expect(r.err).toMatch(why)
    expect(r.err).toMatch(known())
    expect(r.out).toBe('')
    expect(await access.service((db) => findUser(db, 'mallory'))).toBeUndefined()
  })

  it.each([
    'pggraph_admin',
    'pggraph_evil',
    'pg_catalog',
    'pg_toast',
    'public',
    'information_schema',
    'plain_not_tenant',
    'nosuchschema',
  ])('the library refuses schema %s, for a user and for an admin', async (schema) => {
    for (const admin of [false, true]) {
      const err = await addUser(access, { user: 'mallory', schema, admin, password: PW }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(Error)
      expect((err as Error).message).toMatch(new RegExp(`^Schema "${schema}" is (reserved|not an installed tenant)`))
      expect((err as Error).message).toMatch(known())
    }
    expect(await access.service((db) => findUser(db, 'mallory'))).toBeUndefined()
  })

  it('accepts an installed tenant', async () => {
    await expect(addUser(access, { user: 'alice', schema: t.a, password: PW })).resolves.toMatchObject({
      schema: t.a,
    })
  })
})

describe('the viewer never opens a reserved schema', () => {
  it('leaves reserved schemas out of the admin list, even with pggraph tables in them', async () => {
    const root = new Client(base)
    expect((await root.login('root', PW)).status).toBe(303)
    const home = await root.get('/')
    expect(home.status).toBe(200)
    expect(home.body).not.toMatch(/pggraph_evil|\/s\/public\//)
    for (const path of ['/s/pggraph_admin/viewer', '/s/pggraph_evil/x', '/s/public/x', '/s/pg_catalog/x'])
      expect((await root.get(path)).status, path).toBe(404)
  })

  it('gives a user made with a reserved schema before the check nothing to see', async () => {
    await access.service(async (db) =>
      db.query(`INSERT INTO pggraph_admin.viewer_users (username, schema_name, password_hash) VALUES ($1, $2, $3)`, [
        'legacy',
        'pggraph_admin',
        await hashPassword(PW),
      ]),
    )
    const c = new Client(base)
    expect((await c.login('legacy', PW)).status).toBe(303)
    const home = await c.get('/')
    expect(home.status).toBe(200)
    expect(home.body).toContain('No systems yet')
    expect((await c.get('/s/pggraph_admin/viewer')).status).toBe(404)
    expect((await c.get('/s/pggraph_admin/viewer/graph/database.transactions.svg')).status).toBe(404)
  })
})
