import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { RunLock } from './lock.js'

const lockFile = (): string => join(mkdtempSync(join(tmpdir(), 'pggraph-lock-')), 'bridge.lock')

describe('RunLock', () => {
  it('refuses a second holder at once, naming the first, and frees on release', async () => {
    const path = lockFile()
    const first = await RunLock.acquire(path)
    // Same pid counts as alive: a second acquire in this process is refused too.
    await expect(RunLock.acquire(path)).rejects.toMatchObject({
      code: 'BUSY',
      message: expect.stringMatching(new RegExp(`pid ${process.pid}`)),
    })
    await first.release()
    const again = await RunLock.acquire(path)
    await again.release()
  })

  it('takes over a lock left by a dead process', async () => {
    const path = lockFile()
    const child = spawn(process.execPath, ['-e', ''])
    const pid = child.pid!
    await new Promise((r) => child.on('exit', r))
    writeFileSync(path, JSON.stringify({ pid, host: hostname(), procStart: null, since: '2026-01-01T00:00:00Z' }))
    const lock = await RunLock.acquire(path)
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid)
    await lock.release()
  })

  it('takes over a lock whose pid now belongs to another process (pid reuse)', async () => {
    const path = lockFile()
    writeFileSync(
      path,
      JSON.stringify({ pid: process.pid, host: hostname(), procStart: '1', since: '2026-01-01T00:00:00Z' }),
    )
    const lock = await RunLock.acquire(path)
    await lock.release()
  })
})
