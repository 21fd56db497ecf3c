// The bridge process is SIGKILLed at random moments across many cycles (while collecting,
// spooling, writing, deleting): every snapshot it reported as spooled reaches the store once,
// in order, no spool file is ever torn, and the stale lock of each killed run is taken over.
import { existsSync, mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createStore,
  ensureBuilt,
  finished,
  ownServer,
  runCli,
  startCli,
  type TestStore,
  writeStoreConfig,
  spooledIn,
} from './helpers.js'

// A small deterministic generator, so a failure can be replayed with the printed seed.
function random(seed: number): () => number {
  let s = seed >>> 0
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32
}

describe('bridge killed at random points', () => {
  let store: TestStore
  beforeAll(async () => {
    await ensureBuilt()
    store = await createStore(ownServer().url)
  })
  afterAll(async () => {
    await store?.drop()
  })

  it('loses nothing it spooled, replays no corrupt file, and never stays locked out', async () => {
    const seed = Number(process.env['PGGRAPH_KILL_SEED'] ?? Date.now() % 100000)
    const rand = random(seed)
    const dir = mkdtempSync(join(tmpdir(), 'pggraph-kill-'))
    const spoolDir = join(dir, 'spool')
    const config = writeStoreConfig(dir, store, {
      spool_dir: spoolDir,
      retry_attempts: 2,
      retry_max_delay: '100ms',
    })
    const taken: string[] = []
    // One undisturbed run measures how long a cycle takes here (start-up included), so the
    // kills land anywhere from start-up to the final unlink on a fast or a loaded machine.
    const t0 = Date.now()
    const first = await runCli(['run', '--config', config, '-v'])
    const cycleMs = Date.now() - t0
    expect(first.code, first.stderr).toBe(0)
    taken.push(...spooledIn(first.stdout))
    let killed = 0
    for (let i = 0; i < 18; i++) {
      const child = startCli(['run', '--config', config, '-v'])
      const done = finished(child)
      // Three kinds of moment, in turn: any time from start-up on; just after the snapshot
      // is spooled (while the store write runs); just after the store committed it (while
      // the spool file is being removed and the state written).
      const phase = (['start', 'spooled', 'stored'] as const)[i % 3]!
      let timer: NodeJS.Timeout | undefined
      const arm = (ms: number): void => {
        timer ??= setTimeout(() => child.kill('SIGKILL'), ms)
      }
      if (phase === 'start') arm(rand() * cycleMs)
      else child.stdout!.on('data', (d: Buffer) => d.toString().includes(`${phase} `) && arm(rand() * 30))
      const r = await done
      clearTimeout(timer)
      if (r.signal === 'SIGKILL') killed++
      else expect(r.code, `seed ${seed}, run ${i}: ${r.stderr}`).toBe(0)
      taken.push(...spooledIn(r.stdout))
    }
    expect(killed, `seed ${seed}`).toBeGreaterThan(0)
    if (process.env['DEBUG_KILL']) console.log({ killed, taken: taken.length, cycleMs })

    const last = await runCli(['run', '--config', config, '-v'])
    expect(last.code, `seed ${seed}: ${last.stderr}`).toBe(0)
    taken.push(...spooledIn(last.stdout))

    const stored = await store.snapshotTimes()
    // Everything reported spooled is stored (a snapshot killed before its "spooled" line may
    // be stored too: it was durable before the line was printed).
    for (const t of taken) expect(stored, `seed ${seed}`).toContain(t)
    expect(new Set(stored).size).toBe(stored.length)
    expect([...stored].sort()).toEqual(stored)
    expect(await store.duplicateRows('pg_stat_database', 'datname')).toBe(0)
    expect(readdirSync(spoolDir).filter((n) => n.endsWith('.snap') || n.startsWith('.tmp-'))).toEqual([])
    expect(existsSync(join(spoolDir, 'corrupt'))).toBe(false)
    expect(existsSync(join(spoolDir, 'quarantine'))).toBe(false)
  })
})
