import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
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
    expect(existsSync(path)).toBe(false)
    const again = await RunLock.acquire(path)
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() })
    await again.release()
    await again.release() // twice is harmless
    expect(existsSync(path)).toBe(false)
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
    // Ours now, with this process's real start time in place of the stale one.
    const held = JSON.parse(readFileSync(path, 'utf8')) as { pid: number; procStart: string | null; since: string }
    expect(held.pid).toBe(process.pid)
    expect(held.procStart).not.toBe('1')
    expect(held.since).not.toBe('2026-01-01T00:00:00Z')
    await lock.release()
    expect(existsSync(path)).toBe(false)
  })

  it('leaves a lock it does not hold in place on release', async () => {
    const path = lockFile()
    const lock = await RunLock.acquire(path)
    const other = { pid: 1, host: hostname(), procStart: null, since: '2026-01-01T00:00:00Z' }
    writeFileSync(path, JSON.stringify(other))
    await lock.release()
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(other)
  })
})
