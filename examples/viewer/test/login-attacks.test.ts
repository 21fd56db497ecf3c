// Attacks on the login limits, with truly parallel HTTP requests against a real store: parallel
// guesses must not all be checked, spoofed X-Forwarded-For addresses must not buy guesses, and
// flooding an admin's name must not lock the admin out of a browser they use, nor for good
// (`users unlock`, run as a separate process like an operator would).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anyServer } from '../../../test/servers/index.js'
import { createViewer, openStoreAccess, type StoreAccess, type Viewer } from '../src/index.js'
import { Client } from './client.js'
import { freshPostgresStore, runCli as cli, tenantNames } from './fixture.js'

const t = tenantNames()
const PW = 'a-long-password-1'
const WRONG = 'wrong-password-000'
let drop: () => Promise<void>
let url: string
let access: StoreAccess
const viewers: Viewer[] = []

beforeAll(async () => {
  const fresh = await freshPostgresStore(anyServer(), t)
  drop = fresh.drop
  url = fresh.url
  await fresh.store.end()
  access = await openStoreAccess(url)
  const v = await createViewer({ store: access, log: () => {} })
  for (const [user, schema, admin] of [
    ['alice', t.a, false],
    ['bob', t.b, false],
    ['carol', t.a, false],
    ['dave', t.a, false],
    ['root', null, true],
  ] as const)
    await v.addUser({ user, schema, admin, password: PW })
  await v.close()
})

afterAll(async () => {
  for (const v of viewers) await v.close()
  await access?.end()
  await drop?.()
})

/** A viewer of the shared store with its own limits and log. */
async function start(
  options: Parameters<typeof createViewer>[0] | object = {},
): Promise<{ base: string; log: string[] }> {
  const log: string[] = []
  const v = await createViewer({ store: access, log: (l) => log.push(l), ...options })
  viewers.push(v)
  return { base: await v.listen(0), log }
}

/** `n` clients, each with its login form loaded: ready to post at the same moment. */
async function ready(base: string, n: number): Promise<{ c: Client; csrf: string }[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const c = new Client(base)
      return { c, csrf: Client.csrfOf(await c.get('/login')) }
    }),
  )
}

/** Log in with every request of the client claiming `xff` as its address. */
async function loginFrom(base: string, user: string, password: string, xff: string): Promise<{ status: number }> {
  const c = new Client(base)
  const page = await c.get('/login', { 'x-forwarded-for': xff })
  return c.post('/login', { csrf: Client.csrfOf(page), user, password }, { 'x-forwarded-for': xff })
}

const count = (statuses: number[], s: number): number => statuses.filter((x) => x === s).length

describe('parallel guesses', () => {
  it('checks at most the per-user limit of 20 parallel guesses; the rest get 429 with Retry-After', async () => {
    const { base, log } = await start({ loginLimits: { perIp: 1000, perUser: 5 } })
    const clients = await ready(base, 21)
    // 20 wrong guesses and the right password, all in flight together.
    const replies = await Promise.all(
      clients.map(({ c, csrf }, i) => c.post('/login', { csrf, user: 'alice', password: i === 10 ? PW : WRONG })),
    )
    const statuses = replies.map((r) => r.status)
    const checked = count(statuses, 401) + count(statuses, 303)
    expect(checked).toBeLessThanOrEqual(5)
    expect(count(statuses, 429)).toBeGreaterThanOrEqual(16)
    for (const r of replies.filter((x) => x.status === 429))
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(log.filter((l) => l.startsWith('login failed')).length).toBeLessThanOrEqual(5)
    // Another tenant's user logs in meanwhile, untouched.
    expect((await new Client(base).login('bob', PW)).status).toBe(303)
  })
})

describe('--trust-proxy', () => {
  it('50 spoofed X-Forwarded-For addresses do not buy 50 guesses', async () => {
    const { base } = await start({ trustProxy: true })
    const clients = await ready(base, 50)
    const replies = await Promise.all(
      clients.map(({ c, csrf }, i) =>
        c.post('/login', { csrf, user: 'carol', password: WRONG }, { 'x-forwarded-for': `203.0.113.${i + 1}` }),
      ),
    )
    const statuses = replies.map((r) => r.status)
    expect(count(statuses, 401)).toBeLessThanOrEqual(5)
    expect(count(statuses, 429)).toBeGreaterThanOrEqual(45)
    // Later, one by one from yet more addresses: still refused, the right password too.
    for (let i = 0; i < 5; i++) expect((await loginFrom(base, 'carol', PW, `198.51.100.${i + 1}`)).status).toBe(429)
  })

  it('takes only the last hop: a client-supplied first entry changes nothing', async () => {
    const { base, log } = await start({ trustProxy: true, loginLimits: { perIp: 1000, perUser: 100 } })
    const c = new Client(base)
    const page = await c.get('/login')
    await c.post(
      '/login',
      { csrf: Client.csrfOf(page), user: 'nobody', password: WRONG },
      { 'x-forwarded-for': '1.1.1.1, 192.0.2.7' },
    )
    expect(log.some((l) => l.includes('from 192.0.2.7'))).toBe(true)
    expect(log.some((l) => l.includes('1.1.1.1'))).toBe(false)
  })
})

describe('locking out an admin', () => {
  it('keeps the admin in from a browser they used before, and `users unlock` lifts the lock at once', async () => {
    const { base } = await start({ trustProxy: true })
    const adminBrowser = new Client(base)
    expect((await adminBrowser.login('root', PW)).status).toBe(303)
    expect([...adminBrowser.cookies.keys()]).toContain('pggraph-device')
    expect((await adminBrowser.post('/logout', { csrf: Client.csrfOf(await adminBrowser.get('/')) })).status).toBe(303)

    // An attacker who never logged in floods the admin's name from many addresses.
    const attackers = await ready(base, 12)
    await Promise.all(
      attackers.map(({ c, csrf }, i) =>
        c.post('/login', { csrf, user: 'root', password: WRONG }, { 'x-forwarded-for': `203.0.113.${i + 1}` }),
      ),
    )
    expect((await new Client(base).login('root', PW)).status).toBe(429)
    // The admin's own browser (its device cookie) is not locked out.
    expect((await adminBrowser.login('root', PW)).status).toBe(303)
    // A forged device cookie does not escape the lock.
    const forger = new Client(base)
    forger.cookies.set('pggraph-device', `${'A'.repeat(48)}${Buffer.from('root').toString('base64url')}`)
    expect((await forger.login('root', PW)).status).toBe(429)

    // From a new browser: the operator unlocks from the shell, and the next login works.
    const unlock = await cli(['users', 'unlock', '--store', url, '--user', 'root'])
    expect(unlock.err).toBe('')
    expect(unlock.code).toBe(0)
    expect(unlock.out).toContain('user root unlocked')
    expect((await new Client(base).login('root', PW)).status).toBe(303)
    const none = await cli(['users', 'unlock', '--store', url, '--user', 'nosuchuser'])
    expect(none.code).toBe(2)
    expect(none.err).toContain('no user "nosuchuser"')
  })

  it('ends a lock after the window without any unlock', async () => {
    let clock = Date.now()
    const { base } = await start({ now: () => clock, loginLimits: { perIp: 1000, perUser: 2 } })
    for (let i = 0; i < 2; i++) expect((await new Client(base).login('dave', WRONG)).status).toBe(401)
    const locked = await new Client(base).login('dave', PW)
    expect(locked.status).toBe(429)
    expect(Number(locked.headers.get('retry-after'))).toBeLessThanOrEqual(15 * 60)
    clock += 15 * 60_000
    expect((await new Client(base).login('dave', PW)).status).toBe(303)
  })
})
