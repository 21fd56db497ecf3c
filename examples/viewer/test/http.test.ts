// HTTP-level tests of the viewer against a real store (a fresh database on a real PostgreSQL,
// tenants installed by the store's installer, real collected snapshots).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readSeries } from '@pggraph/store'
import { anyServer } from '../../../test/servers/index.js'
import { createViewer, hashPassword, type Viewer } from '../src/index.js'
import { readerRoleOf } from '../src/systems.js'
import { Client } from './client.js'
import { collectedStore, tenantNames, type CollectedStore } from './fixture.js'

const t = tenantNames()
let fresh: CollectedStore
let viewer: Viewer
let base: string
// A second viewer on the same store with a clock the tests move (sessions, lockouts).
let timed: Viewer
let timedBase: string
let clock = Date.now()
const PW = 'a-long-password-1'

beforeAll(async () => {
  fresh = await collectedStore(anyServer(), t, 3, 1100)
  viewer = await createViewer({ store: fresh.access, loginLimits: { perIp: 1000, perUser: 3 }, log: () => {} })
  base = await viewer.listen(0)
  timed = await createViewer({
    store: fresh.access,
    now: () => clock,
    loginLimits: { perIp: 1000, perUser: 3 },
    session: { maxAgeMs: 3_600_000, idleMs: 600_000 },
    log: () => {},
  })
  timedBase = await timed.listen(0)
  await viewer.addUser({ user: 'alice', schema: t.a, password: PW })
  await viewer.addUser({ user: 'bob', schema: t.b, password: PW })
  await viewer.addUser({ user: 'root', admin: true, password: PW })
})

afterAll(async () => {
  await viewer?.close()
  await timed?.close()
  await fresh?.drop()
})

describe('login', () => {
  it('serves the login form with security headers and an HttpOnly, SameSite=Lax cookie', async () => {
    const c = new Client(base)
    const r = await c.get('/login')
    expect(r.status).toBe(200)
    const csp = r.headers.get('content-security-policy')!
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toContain('unsafe-inline')
    expect(r.headers.get('x-content-type-options')).toBe('nosniff')
    expect(r.headers.get('x-frame-options')).toBe('DENY')
    expect(r.headers.get('referrer-policy')).toBe('same-origin')
    const cookie = r.headers.getSetCookie()[0]!
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Lax/)
    expect(cookie).not.toMatch(/Secure/)
    expect(r.body).not.toMatch(/<script>|style=/)
  })

  it('sends anonymous visitors to the login page and refuses graph requests', async () => {
    const c = new Client(base)
    const r = await c.get('/')
    expect(r.status).toBe(303)
    expect(r.headers.get('location')).toBe('/login')
    expect((await c.get(`/s/${t.a}/db1/graph/database.transactions.svg`)).status).toBe(401)
  })

  it('keeps the deep link a visitor followed through the login, and only links of this viewer', async () => {
    const c = new Client(base)
    const deep = `/s/${t.a}/db1?range=1h`
    const r = await c.get(deep)
    expect(r.status).toBe(303)
    const login = r.headers.get('location')!
    expect(login).toBe(`/login?next=${encodeURIComponent(deep)}`)
    const page = await c.get(login)
    expect(page.body).toContain(`name="next" value="/s/${t.a}/db1?range=1h"`)
    // A wrong password keeps the link on the form it shows again.
    const wrong = await c.post('/login', {
      csrf: Client.csrfOf(page),
      user: 'alice',
      password: 'wrong-password-000',
      next: deep,
    })
    expect(wrong.status).toBe(401)
    expect(wrong.body).toContain(`name="next" value="/s/${t.a}/db1?range=1h"`)
    const ok = await c.post('/login', { csrf: Client.csrfOf(wrong), user: 'alice', password: PW, next: deep })
    expect(ok.status).toBe(303)
    expect(ok.headers.get('location')).toBe(deep)
    expect((await c.get(deep)).status).toBe(200)
    // Already logged in: /login?next=… goes straight there.
    const again = await c.get(login)
    expect(again.status).toBe(303)
    expect(again.headers.get('location')).toBe(deep)

    // An attacker's link cannot turn the login into a redirect elsewhere.
    for (const next of ['//evil.example.com/', '/\\evil.example.com', 'https://evil.example.com/']) {
      const v = new Client(base)
      const form = await v.get(`/login?next=${encodeURIComponent(next)}`)
      expect(form.body).not.toContain('evil.example.com')
      const in1 = await v.post('/login', { csrf: Client.csrfOf(form), user: 'alice', password: PW, next })
      expect(in1.status).toBe(303)
      expect(in1.headers.get('location')).toBe('/')
    }
  })

  it('refuses a wrong password and an unknown user with the same answer', async () => {
    const c = new Client(base)
    const bad = await c.login('alice', 'wrong-password-000')
    expect(bad.status).toBe(401)
    expect(bad.body).toContain('Wrong user name or password')
    const unknown = await c.login('nobody', 'wrong-password-000')
    expect(unknown.status).toBe(401)
    expect(unknown.body).toContain('Wrong user name or password')
    expect((await c.get('/')).status).toBe(303)
  })

  it('logs in, rotates the session id, and lists only the tenant own systems', async () => {
    const c = new Client(base)
    await c.get('/login')
    const anon = c.cookies.get('pggraph')
    const page = await c.get('/login')
    const r = await c.post('/login', { csrf: Client.csrfOf(page), user: 'alice', password: PW })
    expect(r.status).toBe(303)
    expect(r.headers.get('location')).toBe('/')
    expect(c.cookies.get('pggraph')).toBeTruthy()
    expect(c.cookies.get('pggraph')).not.toBe(anon)
    const home = await c.get('/')
    expect(home.status).toBe(200)
    expect(home.body).toContain(`/s/${t.a}/db1`)
    expect(home.body).not.toContain(t.b)
    expect(home.body).toContain('PostgreSQL')
    expect(home.body).toMatch(/class="badge[^"]*">[a-z ]+<\/span> last snapshot <time/)
    // The old anonymous id is dead: replaying it is not logged in.
    const replay = new Client(base)
    replay.cookies.set('pggraph', anon!)
    expect((await replay.get('/')).status).toBe(303)
  })
  it('shows a user of a schema that is no longer installed an explanation, not an error', async () => {
    // users add refuses such a schema now; a user made before (or whose tenant was dropped) remains.
    await fresh.access.service(async (db) =>
      db.query(`INSERT INTO pggraph_admin.viewer_users (username, schema_name, password_hash) VALUES ($1, $2, $3)`, [
        'ghost',
        'vz_not_installed',
        await hashPassword(PW),
      ]),
    )
    const c = new Client(base)
    expect((await c.login('ghost', PW)).status).toBe(303)
    const home = await c.get('/')
    expect(home.status).toBe(200)
    expect(home.body).toContain('cannot be read right now')
    expect((await c.get('/s/vz_not_installed/db1')).status).toBe(404)
  })
})

describe('CSRF', () => {
  it('refuses a login without or with a wrong token', async () => {
    const c = new Client(base)
    await c.get('/login')
    expect((await c.post('/login', { user: 'alice', password: PW })).status).toBe(403)
    expect((await c.post('/login', { csrf: 'x'.repeat(43), user: 'alice', password: PW })).status).toBe(403)
    const fresh = new Client(base)
    expect((await fresh.post('/login', { csrf: 'anything', user: 'alice', password: PW })).status).toBe(403)
    expect((await c.get('/')).status).toBe(303)
  })

  it('refuses a logout without the token, and logs out with it', async () => {
    const c = new Client(base)
    expect((await c.login('alice', PW)).status).toBe(303)
    const home = await c.get('/')
    expect((await c.post('/logout', {})).status).toBe(403)
    expect((await c.post('/logout', { csrf: 'forged' })).status).toBe(403)
    expect((await c.get('/')).status).toBe(200)
    expect((await c.post('/logout', { csrf: Client.csrfOf(home) })).status).toBe(303)
    expect((await c.get('/')).status).toBe(303)
  })

  it('refuses a cross-site post even with a token', async () => {
    const c = new Client(base)
    const page = await c.get('/login')
    const r = await c.post(
      '/login',
      { csrf: Client.csrfOf(page), user: 'alice', password: PW },
      { 'sec-fetch-site': 'cross-site' },
    )
    expect(r.status).toBe(403)
  })
})

describe('rate limiting', () => {
  it('locks a user after 3 failures with 429 and Retry-After, even for the right password', async () => {
    await viewer.addUser({ user: 'carol', schema: t.a, password: PW })
    const c = new Client(timedBase)
    for (let i = 0; i < 3; i++) expect((await c.login('carol', 'wrong-password-000')).status).toBe(401)
    const fourth = await c.login('carol', 'wrong-password-000')
    expect(fourth.status).toBe(429)
    expect(Number(fourth.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(Number(fourth.headers.get('retry-after'))).toBeLessThanOrEqual(15 * 60)
    const right = await c.login('carol', PW)
    expect(right.status).toBe(429)
    // Other users are not affected.
    expect((await new Client(timedBase).login('alice', PW)).status).toBe(303)
    clock += 16 * 60_000
    expect((await new Client(timedBase).login('carol', PW)).status).toBe(303)
  })

  it('limits attempts per IP address', async () => {
    const v = await createViewer({ store: fresh.access, loginLimits: { perIp: 4, perUser: 100 }, log: () => {} })
    const url = await v.listen(0)
    try {
      const c = new Client(url)
      const statuses: number[] = []
      for (let i = 0; i < 6; i++) statuses.push((await c.login(`user${i}`, 'wrong-password-000')).status)
      expect(statuses).toEqual([401, 401, 401, 401, 429, 429])
    } finally {
      await v.close()
    }
  })
})

describe('session expiry', () => {
  it('ends a session after the idle timeout and after its maximum age', async () => {
    const c = new Client(timedBase)
    expect((await c.login('alice', PW)).status).toBe(303)
    clock += 5 * 60_000
    expect((await c.get('/')).status).toBe(200)
    clock += 11 * 60_000
    expect((await c.get('/')).status).toBe(303)

    const d = new Client(timedBase)
    expect((await d.login('alice', PW)).status).toBe(303)
    for (let i = 0; i < 6; i++) {
      clock += 9 * 60_000
      expect((await d.get('/')).status).toBe(200)
    }
    clock += 9 * 60_000
    expect((await d.get('/')).status).toBe(303)
  })
})

describe('tenant isolation', () => {
  let alice: Client
  beforeAll(async () => {
    alice = new Client(base)
    expect((await alice.login('alice', PW)).status).toBe(303)
  })

  it("answers 404 for another tenant's system, its graphs and its prefixes", async () => {
    for (const path of [
      `/s/${t.b}/db1`,
      `/s/${t.b}/secret`,
      `/s/${t.b}/db1/graph/database.transactions.svg`,
      `/s/${t.b}/db1/tables`,
      `/s/${t.a}/secret`,
      `/s/${t.a}/secret/graph/database.transactions.svg`,
      `/s/${t.b.toUpperCase()}/db1`,
    ]) {
      const r = await alice.get(path)
      expect(r.status, path).toBe(404)
      expect(r.body).not.toContain(t.b + '/')
    }
    expect((await alice.get(`/s/${t.a}/db1`)).status).toBe(200)
  })

  it('lets an admin open every tenant', async () => {
    const root = new Client(base)
    expect((await root.login('root', PW)).status).toBe(303)
    const home = await root.get('/')
    expect(home.body).toContain(`/s/${t.a}/db1`)
    expect(home.body).toContain(`/s/${t.b}/secret`)
    expect((await root.get(`/s/${t.b}/secret`)).status).toBe(200)
  })

  it("refuses, in PostgreSQL itself, a tenant role reading another tenant's tables", async () => {
    const now = Date.now()
    const q = { metric: 'pg_stat_database', columns: ['xact_commit'], from: now - 3_600_000, to: now }
    const own = await fresh.access.asRole(readerRoleOf(t.a), (db) => readSeries(db, { schema: t.a, prefix: 'db1' }, q))
    expect(own.series.length).toBeGreaterThan(0)
    await expect(
      fresh.access.asRole(readerRoleOf(t.a), (db) => readSeries(db, { schema: t.b, prefix: 'db1' }, q)),
    ).rejects.toThrow(/permission|denied|privilege/i)
    await expect(
      fresh.access.asRole(readerRoleOf(t.a), (db) => db.query(`SELECT * FROM pggraph_admin.viewer_users`)),
    ).rejects.toThrow(/permission denied/i)
  })
})

describe('graphs and caching', () => {
  let alice: Client
  beforeAll(async () => {
    alice = new Client(base)
    expect((await alice.login('alice', PW)).status).toBe(303)
  })

  it('shows a dashboard of server-rendered SVGs and serves them with ETag, 304 on revalidation', async () => {
    const page = await alice.get(`/s/${t.a}/db1?range=1h`)
    expect(page.status).toBe(200)
    const srcs = [...page.body.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1]!.replaceAll('&amp;', '&'))
    expect(srcs.length).toBeGreaterThan(3)
    expect(srcs[0]).toMatch(new RegExp(`^/s/${t.a}/db1/graph/[a-z_.]+\\.svg\\?range=1h$`))
    // A preset range moves with the minute: when the minute turns between the render and the
    // revalidation, the second request is a new graph. Then try again within one minute.
    for (let attempt = 0; ; attempt++) {
      const minute = Math.floor(Date.now() / 60_000)
      const img = await alice.get(srcs[0]!)
      expect(img.status).toBe(200)
      expect(img.headers.get('content-type')).toMatch(/^image\/svg\+xml/)
      expect(img.body).toMatch(/<svg[\s\S]*<\/svg>\s*$/)
      const etag = img.headers.get('etag')!
      expect(etag).toMatch(/^".+"$/)
      expect(img.headers.get('last-modified')).toBeTruthy()
      const cached = viewer.cachedGraphs
      const again = await alice.get(srcs[0]!, { 'if-none-match': etag })
      if (attempt === 0 && Math.floor(Date.now() / 60_000) !== minute) continue
      expect(again.status).toBe(304)
      expect(again.body).toBe('')
      expect(viewer.cachedGraphs).toBe(cached)
      break
    }
  })

  it('renders every catalog graph for a real system (no error images)', async () => {
    const { graphNames } = await import('@pggraph/render')
    for (const name of graphNames()) {
      const r = await alice.get(`/s/${t.a}/db1/graph/${name}.svg?range=1h`)
      expect(r.status, `${name}: ${r.body.slice(0, 300)}`).toBe(200)
      expect(r.body).toContain('<svg')
    }
  })

  it('renders every group, and table and index drill-downs', async () => {
    for (const g of ['overview', 'activity', 'io', 'wal', 'tables', 'indexes', 'statements']) {
      expect((await alice.get(`/s/${t.a}/db1?group=${g}&range=6h`)).status, g).toBe(200)
    }
    const tables = await alice.get(`/s/${t.a}/db1/tables?range=1h`)
    expect(tables.status).toBe(200)
    const link = /href="(\/s\/[^"]+\/table\?[^"]*rel=viewer_orders[^"]*)"/.exec(tables.body)
    expect(link, tables.body).toBeTruthy()
    const detail = await alice.get(link![1]!.replaceAll('&amp;', '&'))
    expect(detail.status).toBe(200)
    const img = /<img src="([^"]+)"/.exec(detail.body)![1]!.replaceAll('&amp;', '&')
    expect(img).toContain('rel=viewer_orders')
    const svg = await alice.get(img)
    expect(svg.status).toBe(200)
    expect(svg.body).toContain('viewer_orders')
    const indexes = await alice.get(`/s/${t.a}/db1/indexes?range=1h`)
    expect(indexes.body).toContain('viewer_orders_amount')
  })
})

describe('tampering', () => {
  let alice: Client
  beforeAll(async () => {
    alice = new Client(base)
    expect((await alice.login('alice', PW)).status).toBe(303)
  })

  it.each([
    [`/s/${t.a}/db1?range=2h`, 400],
    [`/s/${t.a}/db1?range=1h&range=6h`, 400],
    [`/s/${t.a}/db1?evil=1`, 400],
    [`/s/${t.a}/db1?range=custom&from=2026-01-01T00:00&to=2025-01-01T00:00`, 400],
    [`/s/${t.a}/db1?range=custom&from=%3Cscript%3E&to=x`, 400],
    [`/s/${t.a}/db1?group=nope`, 404],
    [`/s/${t.a}/db1/graph/nope.graph.svg`, 404],
    [`/s/${t.a}/db1/graph/database.transactions.png`, 404],
    [`/s/${t.a}/db1/graph/database.transactions.svg?rel=x`, 400],
    [`/s/${t.a}/db1/table?db=app&ns=public&rel=no_such_table`, 404],
    [`/s/${t.a}/db1/table?ns=public`, 400],
    [`/s/${t.a}/db1/..%2f..%2f/etc`, 400],
    [`/s/${t.a}%22%3B--/db1`, 404],
    [`/s/${t.a}/db1%00`, 400],
    [`/s/${t.a}/db1/nothing`, 404],
    ['/nothing', 404],
  ])('%s → %i, a page without a stack trace', async (path, status) => {
    const r = await alice.get(path)
    expect(r.status).toBe(status)
    expect(r.headers.get('content-type')).toMatch(/text\/html/)
    expect(r.body).not.toMatch(/\n\s+at |node_modules|Error:/)
    expect(r.body).not.toContain('<script>')
  })

  it('refuses dot segments in the raw path (fetch would normalise them away)', async () => {
    const { request } = await import('node:http')
    const status = await new Promise<number>((resolve, reject) => {
      const u = new URL(base)
      const req = request(
        {
          host: u.hostname,
          port: u.port,
          path: `/s/${t.a}/db1/%2e%2e/%2E%2e/x`,
          headers: { cookie: [...alice.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
        },
        (res) => {
          res.resume()
          resolve(res.statusCode!)
        },
      )
      req.on('error', reject)
      req.end()
    })
    expect(status).toBe(400)
  })

  it('refuses other methods', async () => {
    expect((await alice.request(`/s/${t.a}/db1`, { method: 'POST' })).status).toBe(405)
    expect((await alice.request('/login', { method: 'PUT' })).status).toBe(405)
  })
})

describe('HTTPS', () => {
  it('serves TLS with --tls-cert/--tls-key: Secure __Host- cookie and HSTS', async () => {
    const { readFile } = await import('node:fs/promises')
    const https = await import('node:https')
    const cert = await readFile(new URL('./fixtures/localhost-cert.pem', import.meta.url))
    const key = await readFile(new URL('./fixtures/localhost-key.pem', import.meta.url))
    const v = await createViewer({ store: fresh.access, tls: { cert, key }, log: () => {} })
    const url = await v.listen(0)
    try {
      expect(url).toMatch(/^https:\/\//)
      const res = await new Promise<{ status: number; headers: Record<string, string | string[] | undefined> }>(
        (ok, fail) => {
          https
            .get(`${url}/login`, { ca: cert, servername: 'localhost' }, (r) => {
              r.resume()
              ok({ status: r.statusCode!, headers: r.headers })
            })
            .on('error', fail)
        },
      )
      expect(res.status).toBe(200)
      const cookie = (res.headers['set-cookie'] as string[])[0]!
      expect(cookie).toMatch(/^__Host-pggraph=[A-Za-z0-9_-]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax; Secure$/)
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/)
    } finally {
      await v.close()
    }
  })
})

describe('least-privilege viewer login', () => {
  it('works as a NOINHERIT member of the reader roles, which by itself reads no tenant rows', async () => {
    const role = `${t.a}_viewer`
    const { connect, urlWith } = await import('../../../test/servers/index.js')
    const su = await connect(fresh.url)
    try {
      await su.query(`CREATE ROLE ${role} LOGIN NOINHERIT`)
      await su.query(`GRANT ${t.a}_reader, ${t.b}_reader TO ${role}`)
      await su.query(`GRANT USAGE ON SCHEMA pggraph_admin TO ${role}`)
      await su.query(`GRANT SELECT ON pggraph_admin.viewer_users TO ${role}`)
    } finally {
      await su.end()
    }
    const url = urlWith(fresh.url, { user: role })
    const direct = await connect(url)
    try {
      await expect(direct.query(`SELECT * FROM ${t.a}.sources`)).rejects.toThrow(/permission denied/)
    } finally {
      await direct.end()
    }
    const v = await createViewer({ store: url, log: () => {} })
    const vBase = await v.listen(0)
    try {
      const c = new Client(vBase)
      expect((await c.login('alice', PW)).status).toBe(303)
      expect((await c.get('/')).body).toContain(`/s/${t.a}/db1`)
      const img = await c.get(`/s/${t.a}/db1/graph/database.transactions.svg?range=1h`)
      expect(img.status).toBe(200)
      expect(img.body).toContain('<svg')
      const root = new Client(vBase)
      expect((await root.login('root', PW)).status).toBe(303)
      expect((await root.get('/')).body).toContain(`/s/${t.b}/secret`)
    } finally {
      await v.close()
    }
  })
})
