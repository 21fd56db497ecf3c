// The library path the quickstart takes: cycles driven in-process into an embedded PGlite
// store (no server for the store, no TLS, no warnings).
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { installStore, openStore } from '@pggraph/store'
import { describe, expect, it } from 'vitest'
import { loadConfig, runCycle, storeLink } from '../src/index.js'
import { ownServer } from './helpers.js'

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
  })
})
