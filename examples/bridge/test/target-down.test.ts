// The monitored server is down: the cycle fails with a clear one-line message, the failure is
// recorded in the store (sources.last_error), and the next cycle after the server returns works.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createStore,
  ensureBuilt,
  ownServer,
  restartableServer,
  type RestartableServer,
  runCli,
  type TestStore,
  writeConfig,
} from './helpers.js'

describe('target down', () => {
  let target: RestartableServer
  let store: TestStore
  beforeAll(async () => {
    await ensureBuilt()
    target = await restartableServer(16)
    store = await createStore(ownServer().url)
  })
  afterAll(async () => {
    await store?.drop()
    await target?.destroy()
  })

  it('fails clearly, records it, and works again when the target is back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pggraph-target-'))
    const config = writeConfig(dir, {
      target_url: target.url,
      store_url: store.writerUrl,
      schema: store.schema,
      prefix: store.prefix,
      insecure: true,
      spool_dir: join(dir, 'spool'),
      connect_timeout: '2s',
    })
    await target.stop()
    const down = await runCli(['run', '--config', config])
    expect(down.code).toBe(1)
    const lines = down.stderr
      .trim()
      .split('\n')
      .filter((l) => !l.includes('warning'))
    expect(lines).toEqual([
      `pggraph-bridge: target: Cannot connect to the target 127.0.0.1:${target.port}/postgres: connect ECONNREFUSED 127.0.0.1:${target.port}`,
    ])
    expect(await store.lastError()).toMatch(/target: Cannot connect to the target .*ECONNREFUSED/)
    expect(await store.snapshotTimes()).toEqual([])

    await target.start()
    const up = await runCli(['run', '--config', config, '-v'])
    expect(up.code, up.stderr).toBe(0)
    const taken = /^spooled (\S+)/m.exec(up.stdout)![1]
    expect(await store.snapshotTimes()).toEqual([taken])
  })
})
