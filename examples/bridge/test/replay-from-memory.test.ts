// A cycle sends the snapshot it has just spooled from memory, and reads back from disk only
// what earlier cycles left in the spool: the store ends up with both, oldest first, each once.
import { mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { collectFromTarget, loadConfig, runCycle, Spool, spoolOf } from '../src/index.js'
import { createStore, ownServer, type TestStore, writeStoreConfig } from './helpers.js'

describe('replay', () => {
  let store: TestStore
  const dir = mkdtempSync(join(tmpdir(), 'pggraph-replay-'))

  beforeAll(async () => {
    store = await createStore(ownServer().url)
  })
  afterAll(async () => {
    vi.restoreAllMocks()
    await store?.drop()
  })

  it("sends this cycle's snapshot from memory and reads only older spool files back", async () => {
    const config = loadConfig({ env: {}, file: writeStoreConfig(dir, store, { spool_dir: join(dir, 'spool') }) })
    // A snapshot an earlier cycle could not deliver, waiting in the spool.
    const earlier = await collectFromTarget(config)
    const waiting = spoolOf(config)
    await waiting.init()
    const { entry: old } = await waiting.put({
      ...earlier,
      takenAt: new Date(Date.parse(earlier.takenAt) - 60_000).toISOString(),
    })

    const read = vi.spyOn(Spool.prototype, 'read')
    const result = await runCycle(config)
    expect(result.ok, result.reason ?? '').toBe(true)
    expect(result.written).toHaveLength(2)
    expect(result.written[1]).toBe(result.collected)
    // Only the earlier file was read back (and verified); the new one went from memory.
    expect(read.mock.calls.map(([e]) => e.name)).toEqual([old.name])
    expect(await store.snapshotTimes()).toEqual(result.written)
    expect(readdirSync(config.spoolDir).filter((n) => n.endsWith('.snap'))).toEqual([])
  })
})
