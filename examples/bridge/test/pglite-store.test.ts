// The library path the quickstart takes: cycles driven in-process into an embedded PGlite
// store (no server for the store, no TLS, no warnings).
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { installStore, openStore } from '@pggraph/store'
import { describe, expect, it } from 'vitest'
import { loadConfig, main, runCycle, storeLink } from '../src/index.js'
import { memoryIo, ownServer } from './helpers.js'

describe('runCycle into an embedded store', () => {
  it('stores each cycle in a pglite: folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pggraph-pglite-'))
    const store = `pglite:${join(dir, 'data')}`
    const admin = await openStore(store)
    await installStore(admin, { schema: 'me', prefix: 'laptop' })
    await admin.end()

    const config = loadConfig({
      env: {},
      flags: {
        target_url: ownServer().url,
        store_url: store,
        schema: 'me',
        prefix: 'laptop',
        spool_dir: join(dir, 'spool'),
      },
    })
    expect(storeLink(config)).toMatchObject({ mode: 'local', warnings: [] })
    const lines: string[] = []
    const a = await runCycle(config, { log: (l) => lines.push(l) })
    const b = await runCycle(config)
    expect(a.ok, a.reason ?? '').toBe(true)
    expect(b.ok, b.reason ?? '').toBe(true)
    expect(lines.map((l) => l.split(' ')[0])).toEqual(['spooled', 'stored'])

    const db = await openStore(store)
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM me.laptop_snapshots')
    await db.end()
    expect(rows[0]!.n).toBe(2)

    // The doctor on an embedded store: no TLS and no roles to check, everything else as usual.
    const { out, io } = memoryIo()
    const code = await main(
      [
        'check',
        '--target',
        ownServer().url,
        '--store',
        store,
        '--schema',
        'me',
        '--prefix',
        'laptop',
        '--spool-dir',
        join(dir, 'spool'),
      ],
      io,
    )
    expect(out.join('\n')).toMatch(/^✓ store reachable: .*\(embedded\) as postgres$/m)
    expect(out).toContain('✓ embedded store: one local user, no roles to check')
    expect(out.join('\n')).toMatch(/^✓ spool .*: 0 waiting/m)
    // The target is the test server's superuser: the only failed check.
    expect(out.filter((l) => l.startsWith('✗'))).toEqual(['✗ target role postgres is a superuser'])
    expect(code).toBe(1)
  })

  it('writes through a store connection the caller already holds, and leaves it open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pggraph-pglite-'))
    const url = `pglite:${join(dir, 'data')}`
    const shared = await openStore(url)
    try {
      await installStore(shared, { schema: 'me', prefix: 'shared' })
      const config = loadConfig({
        env: {},
        flags: {
          target_url: ownServer().url,
          store_url: url,
          schema: 'me',
          prefix: 'shared',
          spool_dir: join(dir, 'spool'),
        },
      })
      for (let i = 0; i < 2; i++) {
        const r = await runCycle(config, { store: shared })
        expect(r.ok, r.reason ?? '').toBe(true)
      }
      // Still open: the cycle did not close what it did not open.
      const { rows } = await shared.query<{ n: number }>('SELECT count(*)::int AS n FROM me.shared_snapshots')
      expect(rows[0]!.n).toBe(2)
      // A healthy bridge reports an empty spool: the snapshot being sent does not count itself.
      const health = await shared.query<{ bridge: { spoolFiles: number; spoolBytes: number } }>(
        'SELECT bridge FROM me.shared_snapshots ORDER BY time DESC LIMIT 1',
      )
      expect(health.rows[0]!.bridge).toMatchObject({ spoolFiles: 0, spoolBytes: 0 })
    } finally {
      await shared.end()
    }
  })
})
