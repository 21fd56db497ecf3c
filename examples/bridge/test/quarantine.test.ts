// Permanent refusals are never retried: the snapshot goes to the quarantine folder with its
// reason, the cycle reports it, and the snapshots behind it are not held up.
import { existsSync, mkdtempSync, readdirSync, readFileSync, truncateSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { installStore, openStore } from '@pggraph/store'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config.js'
import { runCycle, spoolOf } from '../src/cycle.js'
import { collectFromTarget } from '../src/target.js'
import { createStore, ownServer, type TestStore } from './helpers.js'

describe('quarantine', () => {
  let store: TestStore
  beforeAll(async () => {
    store = await createStore(ownServer().url)
    // A second prefix in the same schema, whose ingest web1's writer may not call.
    const db = await openStore(store.adminUrl, { ssl: false })
    await installStore(db, { schema: store.schema, prefix: 'web2', writerRole: `${store.schema}_writer2` })
    await db.end()
  })
  afterAll(async () => {
    await store?.drop()
    const { connect } = await import('../../../test/servers/index.js')
    const c = await connect(ownServer().url)
    await c.query(`DROP ROLE IF EXISTS ${store.schema}_writer2`).catch(() => {})
    await c.end()
  })

  const config = (prefix: string) =>
    loadConfig({
      env: {},
      flags: {
        target_url: ownServer().url,
        store_url: store.writerUrl,
        schema: store.schema,
        prefix,
        insecure: true,
        spool_dir: mkdtempSync(join(tmpdir(), 'pggraph-quarantine-')),
        retry_attempts: '3',
        retry_max_delay: '50ms',
      },
    })

  it('quarantines a snapshot refused with permission denied, without retrying it', async () => {
    const c = config('web2')
    const r = await runCycle(c)
    expect(r.ok).toBe(false)
    expect(r.retries).toBe(0)
    expect(r.quarantined).toHaveLength(1)
    // Recording the refusal in web2's sources row is refused too (web1's writer): said, not hidden.
    const [quarantined, unrecorded, ...rest] = r.reason!.split('; ')
    expect(quarantined).toBe(`1 snapshot(s) quarantined in ${c.quarantineDir}`)
    expect(unrecorded).toMatch(
      new RegExp(
        `^store: the quarantine of ${r.quarantined[0]} is not in sources\\.last_error \\(Cannot record the error for .*\\.web2: permission denied`,
      ),
    )
    expect(rest).toEqual([])
    const files = readdirSync(c.quarantineDir).sort()
    expect(files).toEqual([r.quarantined[0], `${r.quarantined[0]}.reason.txt`])
    expect(readFileSync(join(c.quarantineDir, files[1]!), 'utf8')).toMatch(
      /refused snapshot .* for good: .*permission denied.*42501/,
    )
    expect(readdirSync(c.spoolDir).filter((n) => n.endsWith('.snap'))).toEqual([])
  })

  it('quarantines a snapshot dated in the future, and still sends the next one', async () => {
    const c = config(store.prefix)
    const sample = await collectFromTarget({ targetUrl: ownServer().url })
    const future = { ...sample, takenAt: new Date(Date.now() + 3600_000).toISOString() }
    const bad = await runCycle(c, { collectSnapshot: async () => future })
    expect(bad.quarantined).toHaveLength(1)
    expect(bad.reason).toMatch(/quarantined/)
    const good = await runCycle(c)
    expect(good.ok, good.reason ?? '').toBe(true)
    expect(await store.snapshotTimes()).toEqual([good.collected])
    expect(existsSync(join(c.quarantineDir, bad.quarantined[0]!))).toBe(true)
    // The refusal is recorded where the viewer shows it.
    expect(await store.lastError()).toMatch(/5 minutes ahead|future/)
  })
  it('moves a torn spool file aside, never sends it, and sends the rest', async () => {
    const c = config(store.prefix)
    const spool = spoolOf(c)
    await spool.init()
    const sample = await collectFromTarget({ targetUrl: ownServer().url })
    const torn = { ...sample, takenAt: new Date(Date.now() - 120_000).toISOString() }
    const { entry } = await spool.put(torn)
    truncateSync(entry.path, entry.bytes - 100)
    const before = await store.snapshotTimes()
    const r = await runCycle(c)
    expect(r.corrupt).toEqual([entry.name])
    expect(r.ok).toBe(false)
    expect(r.reason).toBe(`1 corrupt spool file(s) moved to ${spool.corruptDir}`)
    expect(r.written).toEqual([r.collected])
    const after = await store.snapshotTimes()
    expect(after).not.toContain(torn.takenAt)
    expect(after.slice(before.length)).toEqual([r.collected])
    expect(readFileSync(join(spool.corruptDir, `${entry.name}.reason.txt`), 'utf8')).toMatch(/truncated/)
  })
})
