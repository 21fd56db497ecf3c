// The link to the store dies in the middle of a write — before the server has the whole
// request, or after it committed but before the answer arrives — and the spool is bounded:
// in-process cycles (the library the CLI runs) through a TCP proxy, against a real store.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Snapshot } from '@pggraph/core'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { connect } from '../../../test/servers/index.js'
import { loadConfig } from '../src/config.js'
import { runCycle, type CycleResult } from '../src/cycle.js'
import { Spool } from '../src/spool.js'
import { collectFromTarget } from '../src/target.js'
import { createStore, ownServer, TcpProxy, type TestStore } from './helpers.js'

describe('store connection cut mid-write', () => {
  let store: TestStore
  let proxy: TcpProxy

  beforeAll(async () => {
    store = await createStore(ownServer().url)
    proxy = await TcpProxy.start(new URL(ownServer().url).port ? Number(new URL(ownServer().url).port) : 5432)
  })
  afterAll(async () => {
    await proxy?.down()
    await store?.drop()
  })

  const configFor = (extra: Record<string, string> = {}): ReturnType<typeof loadConfig> =>
    loadConfig({
      env: {},
      flags: {
        target_url: ownServer().url,
        store_url: proxy.url(store.writerUrl),
        schema: store.schema,
        prefix: store.prefix,
        insecure: true,
        spool_dir: mkdtempSync(join(tmpdir(), 'pggraph-cut-')),
        retry_attempts: '3',
        retry_max_delay: '100ms',
        connect_timeout: '2s',
        ...extra,
      },
    })

  it('retries a write whose request was torn, and stores it once', async () => {
    const before = (await store.snapshotTimes()).length
    proxy.cutNext(1, 'request')
    const cut = proxy.cut
    const r = await runCycle(configFor())
    expect(proxy.cut).toBe(cut + 1)
    expect(r.ok, r.reason ?? '').toBe(true)
    expect(r.retries).toBe(1)
    const times = await store.snapshotTimes()
    expect(times.slice(before)).toEqual([r.collected])
  })

  it('retries a write the store committed but whose answer was lost, without a duplicate', async () => {
    const before = (await store.snapshotTimes()).length
    proxy.cutNext(1, 'response')
    const cut = proxy.cut
    const r = await runCycle(configFor())
    expect(proxy.cut).toBe(cut + 1)
    expect(r.ok, r.reason ?? '').toBe(true)
    expect(r.retries).toBe(1)
    expect((await store.snapshotTimes()).slice(before)).toEqual([r.collected])
    expect(await store.duplicateRows('pg_stat_database', 'datname')).toBe(0)
  })

  it('keeps the snapshot spooled when every attempt is cut, and sends both in order next cycle', async () => {
    const before = (await store.snapshotTimes()).length
    const config = configFor({ retry_attempts: '2' })
    proxy.cutNext(2, 'response')
    const failed = await runCycle(config)
    expect(failed.ok).toBe(false)
    expect(failed.reason).toMatch(/^store: .*1 snapshot\(s\) wait in/)
    expect(failed.spoolFiles).toBe(1)
    const ok = await runCycle(config)
    expect(ok.ok, ok.reason ?? '').toBe(true)
    expect(ok.written).toEqual([failed.collected, ok.collected])
    expect((await store.snapshotTimes()).slice(before)).toEqual([failed.collected, ok.collected])
    expect(await store.duplicateRows('pg_stat_database', 'datname')).toBe(0)
  })
})

describe('spool bound', () => {
  let store: TestStore
  let proxy: TcpProxy

  beforeAll(async () => {
    store = await createStore(ownServer().url)
    proxy = await TcpProxy.start(Number(new URL(ownServer().url).port || 5432))
  })
  afterAll(async () => {
    await proxy?.down()
    await store?.drop()
  })

  it('drops the oldest whole snapshots when full, and pushes the count with the next snapshot', async () => {
    const sample = await collectFromTarget({ targetUrl: ownServer().url })
    const size = Spool.encode(sample).length
    const t0 = Date.now() - 60_000
    let n = 0
    // Synthetic times a second apart, so the four snapshots are distinct and ordered.
    const next = async (): Promise<Snapshot> => ({ ...sample, takenAt: new Date(t0 + 1000 * n++).toISOString() })
    const config = loadConfig({
      env: {},
      flags: {
        target_url: ownServer().url,
        store_url: proxy.url(store.writerUrl),
        schema: store.schema,
        prefix: store.prefix,
        insecure: true,
        spool_dir: mkdtempSync(join(tmpdir(), 'pggraph-bound-')),
        spool_max_bytes: String(Math.round(size * 2.5)),
        retry_attempts: '1',
        connect_timeout: '1s',
      },
    })
    await proxy.down()
    const down: CycleResult[] = []
    for (let i = 0; i < 4; i++) down.push(await runCycle(config, { collectSnapshot: next }))
    expect(down.map((r) => r.ok)).toEqual([false, false, false, false])
    expect(down.map((r) => r.dropped)).toEqual([0, 0, 1, 1])
    expect(down[3]!.spoolFiles).toBe(2)
    await proxy.up()
    const up = await runCycle(config, { collectSnapshot: next })
    expect(up.ok, up.reason ?? '').toBe(true)
    // The new snapshot is spooled before the replay, so the bound drops one more.
    expect(up.dropped).toBe(1)
    const kept = [3, 4].map((i) => new Date(t0 + 1000 * i).toISOString())
    expect(up.written).toEqual(kept)
    expect(await store.snapshotTimes()).toEqual(kept)
    const c = await connect(store.adminUrl)
    const health = await c.query<{ bridge: { dropped: number; spoolFiles: number; lastError: string } }>(
      `SELECT bridge FROM ${store.schema}.${store.prefix}_snapshots ORDER BY time LIMIT 1`,
    )
    await c.end()
    // The first replayed snapshot reports the one still waiting behind it.
    expect(health.rows[0]!.bridge).toMatchObject({ dropped: 3, spoolFiles: 1 })
    expect(health.rows[0]!.bridge.lastError).toMatch(/store/)
  })
})

describe('spool cannot take the snapshot (disk full)', () => {
  let store: TestStore
  beforeAll(async () => {
    store = await createStore(ownServer().url)
  })
  afterAll(async () => {
    await store?.drop()
  })

  it('still sends the snapshot in hand from memory, and says the spool failed', async () => {
    const config = loadConfig({
      env: {},
      flags: {
        target_url: ownServer().url,
        store_url: store.writerUrl,
        schema: store.schema,
        prefix: store.prefix,
        insecure: true,
        spool_dir: mkdtempSync(join(tmpdir(), 'pggraph-full-')),
      },
    })
    const full = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' })
    const put = vi.spyOn(Spool.prototype, 'put').mockRejectedValueOnce(full)
    try {
      const r = await runCycle(config)
      expect(r.ok).toBe(false)
      expect(r.reason).toMatch(/^spool: cannot save the snapshot in .* \(ENOSPC\): free space or fix spool_dir$/)
      expect(r.written).toEqual([r.collected])
      expect(await store.snapshotTimes()).toEqual([r.collected])
    } finally {
      put.mockRestore()
    }
  })
})
