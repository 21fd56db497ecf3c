// A cron `run` exits when its cycle is done: it does not wait for the store server to close its
// end of the connection (a backend that is slow to exit), which a cycle in a long-lived
// process never waits for either.
import { mkdtempSync } from 'node:fs'
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../../../test/servers/pg-server.js'
import { createStore, ensureBuilt, ownServer, runCli, type TestStore, writeStoreConfig } from './helpers.js'

/** How long the proxy holds the server's side of a connection open after the client closed its own. */
const LINGER_MS = 30_000

/** A TCP proxy to the store that passes everything, but closes toward the client only LINGER_MS after the server did. */
async function lingeringProxy(targetPort: number): Promise<{ url: (u: string) => string; close: () => Promise<void> }> {
  const port = await freePort()
  const sockets = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()
  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    const upstream = createConnection({ port: targetPort, host: '127.0.0.1', allowHalfOpen: true })
    sockets.add(client).add(upstream)
    client.on('data', (d: Buffer) => upstream.write(d))
    upstream.on('data', (d: Buffer) => client.write(d))
    client.on('end', () => upstream.end())
    upstream.on('end', () => timers.add(setTimeout(() => client.end(), LINGER_MS)))
    for (const s of [client, upstream]) s.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    url: (u) => {
      const url = new URL(u)
      url.port = String(port)
      return url.toString()
    },
    close: async () => {
      for (const t of timers) clearTimeout(t)
      for (const s of sockets) s.destroy()
      await new Promise<void>((r) => server.close(() => r()))
    },
  }
}

describe('run', () => {
  let store: TestStore
  let proxy: Awaited<ReturnType<typeof lingeringProxy>>
  const dir = mkdtempSync(join(tmpdir(), 'pggraph-exit-'))

  beforeAll(async () => {
    await ensureBuilt()
    store = await createStore(ownServer().url)
    proxy = await lingeringProxy(Number(new URL(store.writerUrl).port || 5432))
  }, 180_000)
  afterAll(async () => {
    await proxy?.close()
    await store?.drop()
  })

  it('exits when the cycle is done, without waiting for the store to close its end', async () => {
    const config = writeStoreConfig(
      dir,
      { ...store, writerUrl: proxy.url(store.writerUrl) },
      {
        spool_dir: join(dir, 'spool'),
      },
    )
    const started = Date.now()
    const r = await runCli(['run', '--config', config])
    const ms = Date.now() - started
    expect(r.code, r.stderr).toBe(0)
    expect(await store.snapshotTimes()).toHaveLength(1)
    // Waiting for the proxy would take LINGER_MS at least; a cycle takes a few seconds at most.
    expect(ms).toBeLessThan(LINGER_MS / 2)
  })
})
