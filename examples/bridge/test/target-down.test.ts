// The monitored server is down: the cycle fails with a clear one-line message, the failure is
// recorded in the store (sources.last_error), and the next cycle after the server returns works.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config.js'
import { runCycle } from '../src/cycle.js'
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

  it('reports a spool whose bounds cannot be applied instead of counting it as nothing dropped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pggraph-bounds-'))
    const spoolDir = join(dir, 'spool')
    const config = loadConfig({
      env: {},
      flags: {
        target_url: target.url,
        store_url: store.writerUrl,
        schema: store.schema,
        prefix: store.prefix,
        insecure: true,
        spool_dir: spoolDir,
      },
    })
    // The target fails; while its failure is logged the spool folder turns into a symlink loop
    // (ELOOP for anyone, root included), and it is put back once the bounds error is logged.
    const lines: string[] = []
    const result = await runCycle(config, {
      collectSnapshot: () => Promise.reject(new Error('target down')),
      log: (line) => {
        lines.push(line)
        if (line.startsWith('target:')) {
          rmSync(spoolDir, { recursive: true })
          symlinkSync(spoolDir, spoolDir)
        } else if (line.startsWith('spool:')) {
          rmSync(spoolDir)
          mkdirSync(spoolDir)
        }
      },
    })
    expect(lines).toContain(
      `spool: cannot apply spool_max_bytes and spool_max_age in ${spoolDir} (ELOOP): fix spool_dir`,
    )
    expect(result.ok).toBe(false)
    expect(result.reason).toContain(`spool: cannot apply spool_max_bytes and spool_max_age in ${spoolDir} (ELOOP)`)
  })
})
