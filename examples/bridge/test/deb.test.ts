// The Debian package on this machine: `dpkg -i`, one cycle against a real store as the pggraph
// user through the command line the systemd unit runs (systemd itself does not run here, so
// the test does what it would: the instance's config, User=, StateDirectory=, ExecStart=), a
// bridge left running in a loop, then `dpkg -r` (no process left, the spool and the user kept)
// and `dpkg --purge` (spool, user and example config gone; the operator's config kept).
// Needs root and dpkg (CI runs as root on Debian); skipped with the reason otherwise.
import { spawn, spawnSync } from 'node:child_process'
import {
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStore, ensureShipped, finished, ownServer, shipped, type TestStore } from './helpers.js'

const skipReason =
  process.getuid?.() !== 0
    ? 'needs root (dpkg -i installs into /usr/bin and creates a system user)'
    : spawnSync('dpkg', ['--version']).status !== 0
      ? 'dpkg is not installed (not a Debian system)'
      : spawnSync('useradd', ['--help']).status !== 0
        ? 'useradd is missing (the package creates its user with it)'
        : installedByOthers()
          ? 'pggraph-bridge is already installed on this machine, not by this test: it would be removed'
          : undefined

const BIN = '/usr/bin/pggraph-bridge'
const STATE = '/var/lib/pggraph-bridge'
/** Left in the spool folder while the test's install is in place, so a crashed run's install is taken over. */
const MARKER = join(STATE, '.installed-by-pggraph-tests')
const LOCK = '/tmp/pggraph-deb-test.lock'

function installedByOthers(): boolean {
  const s = spawnSync('dpkg-query', ['-W', '-f=${Status}', 'pggraph-bridge'], { encoding: 'utf8' })
  return s.status === 0 && s.stdout.includes('installed') && !s.stdout.includes('not-installed') && !existsSync(MARKER)
}

function sh(command: string, args: readonly string[]): { status: number | null; out: string } {
  const r = spawnSync(command, args, { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
  return { status: r.status, out: `${r.stdout}${r.stderr}` }
}

/** Processes running the installed executable. */
function bridgeProcesses(): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readlinkSync(`/proc/${p}/exe`).startsWith(BIN)
      } catch {
        return false
      }
    })
    .map(Number)
}

function user(name: string): { uid: number; gid: number; home: string; shell: string } | undefined {
  const r = spawnSync('getent', ['passwd', name], { encoding: 'utf8' })
  if (r.status !== 0) return undefined
  const f = r.stdout.trim().split(':')
  return { uid: Number(f[2]), gid: Number(f[3]), home: f[5]!, shell: f[6]! }
}

/** The unit's settings, as systemd reads them for instance `instance`. */
function unit(instance: string): Record<string, string> {
  const text = readFileSync('/lib/systemd/system/pggraph-bridge@.service', 'utf8')
  const out: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const m = /^(\w+)=(.*)$/.exec(line)
    if (m) out[m[1]!] = m[2]!.replaceAll('%i', instance)
  }
  return out
}

/** The service's ExecStart as systemd would start it: its user, its state directory, `/` as cwd, a minimal environment. */
function startAsUnit(instance: string, extraArgs: readonly string[] = []): ReturnType<typeof spawn> {
  const u = unit(instance)
  const account = user(u['User']!)!
  const stateDir = join('/var/lib', u['StateDirectory']!)
  mkdirSync(stateDir, { recursive: true, mode: 0o700 })
  chownSync(stateDir, account.uid, account.gid)
  const cacheDir = join('/var/cache', u['CacheDirectory']!)
  mkdirSync(cacheDir, { recursive: true, mode: 0o755 })
  chownSync(cacheDir, account.uid, account.gid)
  const [command, ...args] = u['ExecStart']!.split(' ')
  return spawn(command!, [...args, ...extraArgs], {
    cwd: '/',
    uid: account.uid,
    gid: account.gid,
    env: {
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: account.home,
      USER: u['User']!,
      LOGNAME: u['User']!,
      LANG: 'C.UTF-8',
      STATE_DIRECTORY: stateDir,
      CACHE_DIRECTORY: cacheDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

async function lock(): Promise<void> {
  const deadline = Date.now() + 600_000
  for (;;) {
    try {
      mkdirSync(LOCK)
      writeFileSync(join(LOCK, 'pid'), String(process.pid))
      return
    } catch {
      const pid = Number(readFileSync(join(LOCK, 'pid'), { encoding: 'utf8', flag: 'a+' }) || 0)
      const alive = pid > 0 && existsSync(`/proc/${pid}`)
      if (!alive && Date.now() - (statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? 0) > 5_000)
        rmSync(LOCK, { recursive: true, force: true })
      if (Date.now() > deadline) throw new Error(`${LOCK} is held by another test run`)
      await new Promise((r) => setTimeout(r, 500))
    }
  }
}

describe.skipIf(skipReason !== undefined)(`the Debian package${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let store: TestStore
  let instance: string
  let config: string

  beforeAll(async () => {
    await ensureShipped()
    await lock()
    store = await createStore(ownServer().url)
    instance = `${store.schema}.${store.prefix}`
    config = `/etc/pggraph/${instance}.toml`
  }, 600_000)

  afterAll(async () => {
    if (existsSync(MARKER)) sh('dpkg', ['--purge', 'pggraph-bridge'])
    if (config) rmSync(config, { force: true })
    spawnSync('rmdir', ['/etc/pggraph'])
    await store?.drop()
    rmSync(LOCK, { recursive: true, force: true })
  })

  it('installs with dpkg -i: the executable, the example config, the unit templates, the user, the spool folder', () => {
    const r = sh('dpkg', ['-i', shipped.deb])
    expect(r.status, r.out).toBe(0)
    writeFileSync(MARKER, '')
    expect(statSync(BIN).mode & 0o777).toBe(0o755)
    expect(existsSync('/etc/pggraph/pggraph-bridge.example.toml')).toBe(true)
    expect(readFileSync('/lib/systemd/system/pggraph-bridge@.timer', 'utf8')).toContain('OnUnitActiveSec=60s')
    const account = user('pggraph')
    expect(account).toMatchObject({ home: STATE, shell: '/usr/sbin/nologin' })
    expect(account!.uid).toBeLessThan(1000) // a system user
    const st = statSync(STATE)
    expect([st.uid, st.mode & 0o777]).toEqual([account!.uid, 0o750])
    expect(sh(BIN, ['--version']).out.trim()).toMatch(/^\d+\.\d+\.\d+$/)
  })

  it('runs one cycle against a real store as the pggraph user, through the unit ExecStart', async () => {
    const u = unit(instance)
    expect(u['ExecStart']).toBe(`/usr/bin/pggraph-bridge run --config /etc/pggraph/${instance}.toml`)
    expect(u['User']).toBe('pggraph')
    const account = user('pggraph')!
    writeFileSync(
      config,
      [
        `target_url = ${JSON.stringify(ownServer().url)}`,
        `store_url = ${JSON.stringify(store.writerUrl)}`,
        `schema = ${JSON.stringify(store.schema)}`,
        `prefix = ${JSON.stringify(store.prefix)}`,
        'insecure = true',
        '',
      ].join('\n'),
      { mode: 0o600 },
    )
    chownSync(config, account.uid, account.gid)
    const r = await finished(startAsUnit(instance), 60_000)
    expect(r.code, r.stderr).toBe(0)
    expect(await store.snapshotTimes()).toHaveLength(1)
    // The spool is the unit's StateDirectory, owned by pggraph.
    const state = join(STATE, instance, 'state.json')
    expect(statSync(state).uid).toBe(account.uid)
    expect(JSON.parse(readFileSync(state, 'utf8'))).toHaveProperty('lastSuccess')
    // The program's code cache for the next run is in the unit's CacheDirectory, pggraph's alone.
    const cached = readdirSync('/var/cache/pggraph-bridge').filter((n) => n.endsWith('-run.cache'))
    expect(cached).toHaveLength(1)
    const c = statSync(join('/var/cache/pggraph-bridge', cached[0]!))
    expect([c.uid, c.mode & 0o777]).toEqual([account.uid, 0o600])
  })

  it('dpkg -r stops a running bridge and leaves no process; dpkg --purge removes the spool and the user', async () => {
    const loop = startAsUnit(instance, ['--loop', '--interval', '1s'])
    const exited = finished(loop, 60_000)
    // Wait until the loop has stored a cycle, so it is really running when dpkg -r comes.
    const deadline = Date.now() + 30_000
    while ((await store.snapshotTimes()).length < 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200))
    expect(bridgeProcesses()).toContain(loop.pid)

    const removed = sh('dpkg', ['-r', 'pggraph-bridge'])
    expect(removed.status, removed.out).toBe(0)
    const r = await exited
    expect(r.signal === 'SIGTERM' || r.code === 0, `${r.code} ${r.signal} ${r.stderr}`).toBe(true)
    expect(bridgeProcesses()).toEqual([])
    expect(existsSync(BIN)).toBe(false)
    expect(existsSync('/lib/systemd/system/pggraph-bridge@.service')).toBe(false)
    // Kept by -r: the spool (snapshots not yet sent), the user that owns it, the example config.
    expect(existsSync(join(STATE, instance))).toBe(true)
    expect(user('pggraph')).toBeDefined()
    expect(existsSync('/etc/pggraph/pggraph-bridge.example.toml')).toBe(true)

    const purged = sh('dpkg', ['--purge', 'pggraph-bridge'])
    expect(purged.status, purged.out).toBe(0)
    expect(existsSync(STATE)).toBe(false)
    expect(existsSync('/var/cache/pggraph-bridge')).toBe(false)
    expect(user('pggraph')).toBeUndefined()
    expect(sh('getent', ['group', 'pggraph']).status).not.toBe(0)
    expect(existsSync('/etc/pggraph/pggraph-bridge.example.toml')).toBe(false)
    // The operator's own config is never removed by the package.
    expect(existsSync(config)).toBe(true)
    expect(sh('dpkg-query', ['-W', '-f=${Status}', 'pggraph-bridge']).out).not.toMatch(/ installed/)
  })
})
