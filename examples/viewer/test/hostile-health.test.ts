// Attack: a writer (its real login role) stores hostile bridge-health JSON through its own
// report_error function, or such rows exist from before the store validated them (written here
// directly as the superuser). The systems page must show "invalid health data" for that one
// system, never a 500, for its tenant and for every admin; other tenants see nothing change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { installStore, listSources } from '@pggraph/store'
import { anyServer, connect, randomName, urlWith } from '../../../test/servers/index.js'
import { createViewer, openStoreAccess, type StoreAccess, type Viewer } from '../src/index.js'
import { Client } from './client.js'
import { collectInto, freshPostgresStore, tenantNames } from './fixture.js'

const t = tenantNames()
const hostile = randomName('vh')
const PW = 'a-long-password-1'
let drop: () => Promise<void>
let storeUrl: string
let writerUrl: string
let access: StoreAccess
let viewer: Viewer
let base: string
let clock = Date.now()
let reportError: string
let mallory: Client
let alice: Client
let root: Client

beforeAll(async () => {
  const fresh = await freshPostgresStore(anyServer(), t)
  drop = async () => {
    await fresh.drop()
    const c = await connect(anyServer().url)
    try {
      const roles = await c.query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE rolname LIKE $1`, [
        `${hostile}\\_%`,
      ])
      for (const r of roles.rows) await c.query(`DROP ROLE IF EXISTS "${r.rolname}"`)
    } finally {
      await c.end()
    }
  }
  storeUrl = fresh.url
  const installed = await installStore(fresh.store, { schema: hostile, prefix: 'db1', host: 'h.example' })
  const writer = installed.roles.find((r) => r.kind === 'writer')!
  writerUrl = urlWith(fresh.url, { user: installed.writerRole, password: writer.generatedPassword! })
  reportError = `"${hostile}"."db1_report_error"`
  await collectInto(
    fresh.store,
    fresh.url,
    [
      { schema: t.a, prefix: 'db1' },
      { schema: hostile, prefix: 'db1' },
    ],
    2,
    1000,
  )
  access = await openStoreAccess(fresh.url)
  // The clock moves past the systems cache (10 s) before every check.
  viewer = await createViewer({ store: access, now: () => clock, log: () => {} })
  base = await viewer.listen(0)
  await viewer.addUser({ user: 'mallory', schema: hostile, password: PW })
  await viewer.addUser({ user: 'alice', schema: t.a, password: PW })
  await viewer.addUser({ user: 'root', admin: true, password: PW })
  mallory = new Client(base)
  alice = new Client(base)
  root = new Client(base)
  expect((await mallory.login('mallory', PW)).status).toBe(303)
  expect((await alice.login('alice', PW)).status).toBe(303)
  expect((await root.login('root', PW)).status).toBe(303)
})

afterAll(async () => {
  await viewer?.close()
  await access?.end()
  await drop?.()
})

/** Every page that shows health: each user's systems list and the hostile system's dashboard. */
async function expectPagesSurvive(): Promise<void> {
  clock += 11_000
  const own = await mallory.get('/')
  expect(own.status).toBe(200)
  expect(own.body).toContain(`/s/${hostile}/db1`)
  expect(own.body).toContain('invalid health data')
  const dash = await mallory.get(`/s/${hostile}/db1?range=1h`)
  expect(dash.status).toBe(200)
  expect(dash.body).toContain('invalid health data')
  const admin = await root.get('/')
  expect(admin.status).toBe(200)
  expect(admin.body).toContain(`/s/${hostile}/db1`)
  expect(admin.body).toContain(`/s/${t.a}/db1`)
  expect((await root.get(`/s/${hostile}/db1`)).status).toBe(200)
  const other = await alice.get('/')
  expect(other.status).toBe(200)
  expect(other.body).toContain(`/s/${t.a}/db1`)
  expect(other.body).not.toContain('invalid health data')
  for (const page of [own, dash, admin]) expect(page.body).not.toMatch(/Something went wrong|\n\s+at /)
}

// Hostile health reports: wrong types, numbers beyond any range, nested junk, arrays, huge text.
const deep = `${'['.repeat(3000)}${']'.repeat(3000)}`
const REPORTS: readonly [string, string][] = [
  ['a string where a count belongs', '{"spoolBytes":"boom"}'],
  ['a string count next to a spool', '{"spoolFiles":3,"spoolBytes":"boom"}'],
  ['a number beyond float range', '{"spoolFiles":1,"spoolBytes":1e400,"dropped":0,"retries":0}'],
  ['a huge integer', `{"spoolFiles":${'9'.repeat(300)},"spoolBytes":1}`],
  ['a negative and a fractional count', '{"spoolFiles":-5,"dropped":1.5}'],
  ['nested junk', `{"spoolFiles":{"a":${deep}},"lastError":{"x":[1,2,3]}}`],
  ['an array inside', '{"spoolFiles":[1,2,3],"spoolBytes":[]}'],
  ['a date that is not a date', '{"lastSuccess":"yesterday-ish","spoolFiles":1}'],
  ['a boolean', '{"spoolFiles":true}'],
]

describe('hostile bridge health sent by the real writer role', () => {
  it.each(REPORTS)('%s: the pages show "invalid health data", never a 500', async (_, json) => {
    const writer = await connect(writerUrl)
    try {
      // After the store validates health JSON it may refuse the call; before, it stores it.
      // Either way the viewer must survive what is in the row.
      const stored = await writer.query(`SELECT ${reportError}($1, $2::jsonb)`, ['bridge broke', json]).then(
        () => true,
        () => false,
      )
      if (!stored) {
        const su = await connect(storeUrl)
        try {
          await su.query(`UPDATE "${hostile}".sources SET bridge = $1::jsonb WHERE prefix = 'db1'`, [json])
        } finally {
          await su.end()
        }
      }
    } finally {
      await writer.end()
    }
    await expectPagesSurvive()
  })
})

describe('hostile rows from before the store validated them (written as the superuser)', () => {
  it.each([
    ['a top-level array', '[1,2,3]'],
    ['a top-level string', '"boom"'],
    ['a top-level number', '42'],
    ...REPORTS,
  ])('%s', async (_, json) => {
    const su = await connect(storeUrl)
    try {
      await su.query(
        `UPDATE "${hostile}".sources SET bridge = $1::jsonb, last_error = $2, last_error_at = now() WHERE prefix = 'db1'`,
        [json, `\u0001<script>alert(1)</script>${'x'.repeat(100_000)}`],
      )
    } finally {
      await su.end()
    }
    await expectPagesSurvive()
  })

  it('leaves the other tenant row and data as they were', async () => {
    const su = await connect(storeUrl)
    try {
      const [a] = await listSources(su, t.a)
      expect(a!.lastError).toBeNull()
      expect(a!.snapshots).toBe(2)
    } finally {
      await su.end()
    }
  })
})
