import { existsSync, mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Snapshot } from '@pggraph/core'
import { describe, expect, it } from 'vitest'
import { Spool, SpoolCorruptError } from './spool.js'

function snap(t: number, rows = 1): Snapshot {
  return {
    format: 1,
    takenAt: new Date(t).toISOString(),
    server: {
      versionNum: 170000,
      version: '17.0',
      startTime: '2026-01-01T00:00:00Z',
      systemIdentifier: '1',
      timeline: 1,
      inRecovery: false,
    },
    databases: ['postgres'],
    resets: [],
    metrics: { pg_stat_database: Array.from({ length: rows }, (_, i) => ({ datname: `db${i}`, xact_commit: t })) },
    skipped: [],
    stats: { durationMs: 1, roundTrips: 1 },
  }
}
const T0 = Date.parse('2026-11-28T06:00:00Z')
const spoolAt = (opts: Partial<{ maxBytes: number; maxAgeMs: number; now: () => number }> = {}): Spool =>
  new Spool({
    dir: mkdtempSync(join(tmpdir(), 'pggraph-spool-')),
    maxBytes: 1e9,
    maxAgeMs: 1e12,
    now: () => T0 + 3600e3,
    ...opts,
  })

describe('Spool', () => {
  it('keeps snapshots durably and lists them oldest first, whatever the order they were put in', async () => {
    const spool = spoolAt()
    await spool.init()
    for (const t of [T0 + 2000, T0, T0 + 1000]) await spool.put(snap(t))
    const list = await spool.list()
    expect(await Promise.all(list.map(async (e) => (await spool.read(e)).takenAt))).toEqual(
      [T0, T0 + 1000, T0 + 2000].map((t) => new Date(t).toISOString()),
    )
    await spool.remove(list[0]!)
    expect((await spool.usage()).files).toBe(2)
  })

  it('round-trips the snapshot exactly', async () => {
    const spool = spoolAt()
    await spool.init()
    const s = snap(T0, 3)
    const { entry } = await spool.put(s)
    expect(await spool.read(entry)).toEqual(s)
  })

  it('detects a torn file and an altered byte, and sets them aside', async () => {
    const spool = spoolAt()
    await spool.init()
    const a = (await spool.put(snap(T0))).entry
    const b = (await spool.put(snap(T0 + 1))).entry
    truncateSync(a.path, a.bytes - 10)
    const text = readFileSync(b.path, 'utf8')
    writeFileSync(b.path, text.replace('"xact_commit":', '"xact_commiT":'))
    await expect(spool.read(a)).rejects.toThrow(/truncated/)
    await expect(spool.read(b)).rejects.toBeInstanceOf(SpoolCorruptError)
    await expect(spool.read(b)).rejects.toThrow(/checksum mismatch/)
    await spool.setAside(a, 'torn')
    expect(existsSync(join(spool.corruptDir, a.name))).toBe(true)
    expect(readFileSync(join(spool.corruptDir, `${a.name}.reason.txt`), 'utf8')).toMatch(/torn/)
    expect((await spool.list()).map((e) => e.name)).toEqual([b.name])
  })

  it('drops the oldest whole snapshots beyond the byte bound, never the newest', async () => {
    const probe = Spool.encode(snap(T0)).length
    const spool = spoolAt({ maxBytes: probe * 3 + 10 })
    await spool.init()
    const dropped: number[] = []
    for (let i = 0; i < 6; i++) dropped.push((await spool.put(snap(T0 + i * 1000))).dropped.length)
    expect(dropped).toEqual([0, 0, 0, 1, 1, 1])
    const left = await spool.list()
    expect(left.map((e) => e.takenAtMs)).toEqual([T0 + 3000, T0 + 4000, T0 + 5000])
    const tiny = spoolAt({ maxBytes: 10 })
    await tiny.init()
    await tiny.put(snap(T0))
    expect((await tiny.put(snap(T0 + 1))).dropped.map((e) => e.takenAtMs)).toEqual([T0])
    expect((await tiny.list()).length).toBe(1)
  })

  it('drops snapshots older than the age bound', async () => {
    const spool = spoolAt({ maxAgeMs: 30 * 60e3 }) // now = T0 + 1h
    await spool.init()
    await spool.put(snap(T0))
    expect((await spool.put(snap(T0 + 20 * 60e3))).dropped.map((e) => e.takenAtMs)).toEqual([T0])
    expect((await spool.put(snap(T0 + 50 * 60e3))).dropped.map((e) => e.takenAtMs)).toEqual([T0 + 20 * 60e3])
    expect((await spool.list()).map((e) => e.takenAtMs)).toEqual([T0 + 50 * 60e3])
  })

  it('removes temporary files left by a crash, and ignores foreign files', async () => {
    const spool = spoolAt()
    await spool.init()
    writeFileSync(join(spool.dir, '.tmp-000001-dead.snap-1-abcd'), 'half')
    writeFileSync(join(spool.dir, 'notes.txt'), 'mine')
    await spool.init()
    expect(readdirSync(spool.dir).sort()).toEqual(['notes.txt'])
    expect(await spool.list()).toEqual([])
  })

  it('quarantines with the reason', async () => {
    const spool = spoolAt()
    await spool.init()
    const { entry } = await spool.put(snap(T0))
    await spool.quarantine(entry, 'permission denied (SQLSTATE 42501)')
    expect((await spool.quarantined()).files).toBe(1)
    expect(readFileSync(join(spool.quarantineDir, `${entry.name}.reason.txt`), 'utf8')).toMatch(/42501/)
    expect(await spool.list()).toEqual([])
  })
})
