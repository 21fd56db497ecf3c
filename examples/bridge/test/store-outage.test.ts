// The store is stopped (a real server process, fast shutdown) for several cycles, then started
// again: the bridge spools meanwhile and, after replay, the store holds every snapshot once, in order.
import { mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createStore,
  ensureBuilt,
  restartableServer,
  type RestartableServer,
  runCli,
  type TestStore,
  writeStoreConfig,
  spooledIn,
} from './helpers.js'

describe('store outage', () => {
  let server: RestartableServer
  let store: TestStore
  const dir = mkdtempSync(join(tmpdir(), 'pggraph-outage-'))

  beforeAll(async () => {
    await ensureBuilt()
    server = await restartableServer(17)
    store = await createStore(server.url)
  })
  afterAll(async () => {
    await server?.start().catch(() => {})
    await store?.drop()
    await server?.destroy()
  })

  it('spools while the store is down and replays every snapshot once, in order, when it is back', async () => {
    const spoolDir = join(dir, 'spool')
    const config = writeStoreConfig(dir, store, {
      spool_dir: spoolDir,
      retry_attempts: 2,
      retry_max_delay: '200ms',
      connect_timeout: '2s',
    })
    const taken: string[] = []
    const first = await runCli(['run', '--config', config, '-v'])
    expect(first.code, first.stderr).toBe(0)
    taken.push(...spooledIn(first.stdout))

    await server.stop()
    for (let i = 1; i <= 3; i++) {
      const r = await runCli(['run', '--config', config, '-v'])
      expect(r.code).toBe(1)
      // One line saying what is wrong and what is kept.
      expect(r.stderr).toMatch(new RegExp(`^pggraph-bridge: store: .*; ${i} snapshot\\(s\\) wait in ${spoolDir}$`, 'm'))
      taken.push(...spooledIn(r.stdout))
    }
    expect(readdirSync(spoolDir).filter((n) => n.endsWith('.snap'))).toHaveLength(3)

    await server.start()
    const back = await runCli(['run', '--config', config, '-v'])
    expect(back.code, back.stderr).toBe(0)
    taken.push(...spooledIn(back.stdout))
    expect(taken).toHaveLength(5)
    expect([...back.stdout.matchAll(/^stored /gm)]).toHaveLength(4)

    expect(await store.snapshotTimes()).toEqual(taken)
    expect(await store.duplicateRows('pg_stat_database', 'datname')).toBe(0)
    expect(readdirSync(spoolDir).filter((n) => n.endsWith('.snap'))).toEqual([])
  })
})
