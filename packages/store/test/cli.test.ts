// `pggraph-store maintain` against real stores: PGlite (a folder the command opens itself) and
// each PostgreSQL server of the run. It packs and rolls up, a re-run changes nothing, mistakes
// are one line with exit 1, the writer and reader cannot maintain, and concurrent runs never
// maintain the same prefix at once.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Queryable } from '@pggraph/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main, type CliIo } from '../src/cli.js'
import { installStore, openStore, writeSnapshot, type InstallResult, type StoreConnection } from '../src/index.js'
import { openBackend, serverBackends, type Backend } from './backends.js'
import { snapshot, T0, testMetrics, writerPassword } from './fixtures.js'
import { urlWith } from '../../../test/servers/index.js'

const MIN = 60_000
const HOUR = 3_600_000

interface Run {
  code: number
  out: string[]
  err: string[]
}

async function run(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const out: string[] = []
  const err: string[] = []
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), env }
  const code = await main(args, io)
  return { code, out, err }
}

/**
 * Two closed hours and the start of a third, 10-minute snapshots: 13 snapshots, received an
 * hour ago (maintenance packs again what arrived just before its last run, for ingests that
 * were still committing).
 */
async function fill(db: Queryable, ns: { schema: string; prefix: string }): Promise<void> {
  for (let i = 0; i <= 12; i++) {
    const t = T0 + i * 10 * MIN
    await writeSnapshot(
      db,
      ns,
      snapshot(t, {
        test_database: [
          { datname: 'app', xact_commit: 100 + i * 7, blks_read: i, numbackends: i % 3, stats_reset: null },
        ],
      }),
    )
  }
  await db.query(`UPDATE "${ns.schema}"."${ns.prefix}_snapshots" SET received_at = received_at - interval '1 hour'`)
}

async function state(db: Queryable, schema: string, prefix: string) {
  const { rows } = await db.query<{ packed: Date | null; rolled: Date | null; raw: number; hourly: number }>(
    `SELECT packed_until AS packed, rollup_until AS rolled,
            (SELECT count(*)::int FROM "${schema}"."${prefix}_test_database" WHERE "_packed_times" IS NULL) AS raw,
            (SELECT count(*)::int FROM "${schema}"."${prefix}_test_database_hourly") AS hourly
       FROM "${schema}"."sources" WHERE prefix = $1`,
    [prefix],
  )
  return rows[0]!
}

function oneLine(r: Run): string {
  expect(r.code).toBe(1)
  expect(r.out).toEqual([])
  expect(r.err).toHaveLength(1)
  expect(r.err[0]).toMatch(/^pggraph-store: /)
  expect(r.err[0]).not.toMatch(/\n|\bat .*:\d+:\d+/)
  return r.err[0]!
}

describe('pggraph-store (no store needed)', () => {
  it('prints help, and one line for a misspelt command or flag', async () => {
    const help = await run(['--help'])
    expect(help.code).toBe(0)
    expect(help.out.join('\n')).toMatch(/maintain/)
    const mh = await run(['maintain', '--help'])
    expect(mh.out.join('\n')).toMatch(/--max-hours N/)
    expect(oneLine(await run(['maintian']))).toMatch(/did you mean maintain\?/)
    expect(oneLine(await run(['maintain', '--schma', 'x', '--store', 'pglite:memory:']))).toMatch(
      /Unknown option --schma .*did you mean --schema\?/,
    )
    expect(oneLine(await run(['maintain']))).toMatch(/PGGRAPH_STORE_URL/)
    expect(oneLine(await run(['maintain', '--store', 'mysql://x']))).toMatch(/not supported/)
    expect(oneLine(await run(['maintain', '--store', 'pglite:memory:', '--prefix', 'p']))).toMatch(
      /--prefix needs --schema/,
    )
    expect(oneLine(await run(['maintain', '--store', 'pglite:memory:', '--max-hours', 'two']))).toMatch(/--max-hours/)
    expect(oneLine(await run(['maintain', '--store', 'postgres://nobody:secret@127.0.0.1:1/x']))).toMatch(
      /Cannot reach the store postgres:\/\/nobody:\*\*\*@127\.0\.0\.1:1\/x/,
    )
  })
})

// PGlite opens in seconds on a busy machine, and each run opens the folder again.
describe('pggraph-store maintain on pglite', { timeout: 300_000 }, () => {
  let dir: string
  let url: string
  const open = async <T>(fn: (db: StoreConnection) => Promise<T>): Promise<T> => {
    const db = await openStore(url)
    try {
      return await fn(db)
    } finally {
      await db.end()
    }
  }
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pggraph-cli-'))
    url = `pglite:${dir}`
    await open(async (db) => {
      await installStore(db, { schema: 'acme', prefix: 'db1', metrics: testMetrics })
      await installStore(db, { schema: 'acme', prefix: 'db2', metrics: testMetrics })
      await fill(db, { schema: 'acme', prefix: 'db1' })
      await fill(db, { schema: 'acme', prefix: 'db2' })
    })
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('skips a prefix whose lock file a live run holds, takes a dead run’s', async () => {
    writeFileSync(join(dir, '.pggraph-maintain.acme.db1.lock'), String(process.pid))
    const held = await run(['maintain', '--store', url, '--schema', 'acme', '--prefix', 'db1', '--verbose'])
    expect(held).toEqual({ code: 0, out: ['acme.db1: skipped (another pggraph-store maintain run holds it)'], err: [] })
    expect((await open((db) => state(db, 'acme', 'db1'))).packed).toBeNull()
    writeFileSync(join(dir, '.pggraph-maintain.acme.db1.lock'), '2147483646') // no such process
  })

  it('maintains every prefix quietly, and a re-run packs nothing', async () => {
    const first = await run(['maintain', '--store', url])
    expect(first).toEqual({ code: 0, out: [], err: [] })
    const states = await open(async (db) => [await state(db, 'acme', 'db1'), await state(db, 'acme', 'db2')])
    for (const s of states) {
      expect(s.packed).toEqual(new Date(T0 + 2 * HOUR))
      expect(s.rolled).toEqual(new Date(T0 + 2 * HOUR))
      expect(s.raw).toBe(1) // the newest hour stays raw
      expect(s.hourly).toBe(2)
    }
    const again = await run(['maintain', '--store', url, '--json'])
    expect(again.code).toBe(0)
    const j = JSON.parse(again.out[0]!) as { systems: { prefix: string; status: string; hoursPacked: number }[] }
    expect(j.systems.map((s) => [s.prefix, s.status, s.hoursPacked])).toEqual([
      ['db1', 'maintained', 0],
      ['db2', 'maintained', 0],
    ])
  })

  it('names the known schemas and prefixes when given an unknown one', async () => {
    expect(oneLine(await run(['maintain', '--store', url, '--schema', 'acm']))).toMatch(
      /no pggraph schema "acm" .*its schemas: acme/,
    )
    expect(oneLine(await run(['maintain', '--store', url, '--schema', 'acme', '--prefix', 'db3']))).toMatch(
      /no monitored system "db3" in acme \(its prefixes: db1, db2\)/,
    )
  })
})

describe.each(serverBackends().filter((b) => b.name !== 'citus'))(
  'pggraph-store maintain on $name',
  { timeout: 180_000 },
  (backend) => {
    let b: Backend
    let url: string
    let schema: string
    let installed: InstallResult
    const readerPassword = 'reader-Pw-1'
    beforeAll(async () => {
      b = await openBackend(backend)
      url = b.url!
      schema = b.schema()
      installed = await installStore(b.db, { schema, prefix: 'db1', metrics: testMetrics, readerPassword })
      await fill(b.db, { schema, prefix: 'db1' })
    })
    afterAll(async () => {
      await b?.close()
    })

    it('refuses the writer and the reader in one line naming the role to run as', async () => {
      for (const [role, password] of [
        [installed.writerRole, writerPassword(installed)],
        [installed.readerRole, readerPassword],
      ] as const) {
        for (const args of [['--schema', schema], []]) {
          const msg = oneLine(await run(['maintain', '--store', urlWith(url, { user: role, password }), ...args]))
          expect(msg).toContain(`Role "${role}" may not maintain ${schema}`)
          expect(msg).toMatch(/owner role \(\S+_owner.*or a superuser/)
          expect(msg).not.toContain(password)
        }
      }
      expect((await state(b.db, schema, 'db1')).packed).toBeNull()
    })

    it('skips a prefix another run holds, then packs and rolls up; a re-run packs nothing', async () => {
      const other = await openStore(url, { max: 1 })
      try {
        await other.transaction(async (tx) => {
          await tx.query(`SELECT pg_advisory_lock(hashtext($1))`, [`pggraph:maintain-run:${schema}.db1`])
          const held = await run(['maintain', '--store', url, '--json'])
          expect(held.code).toBe(0)
          expect(JSON.parse(held.out[0]!).systems).toEqual([
            { schema, prefix: 'db1', status: 'skipped', reason: 'another pggraph-store maintain run holds it' },
          ])
          await tx.query(`SELECT pg_advisory_unlock(hashtext($1))`, [`pggraph:maintain-run:${schema}.db1`])
        })
      } finally {
        await other.end()
      }
      expect((await state(b.db, schema, 'db1')).packed).toBeNull()
      const first = await run(['maintain', '--store', url, '--schema', schema])
      expect(first).toEqual({ code: 0, out: [], err: [] })
      const s = await state(b.db, schema, 'db1')
      expect(s).toEqual({ packed: new Date(T0 + 2 * HOUR), rolled: new Date(T0 + 2 * HOUR), raw: 1, hourly: 2 })
      const hourly = async () =>
        (await b.db.query(`SELECT * FROM "${schema}"."db1_test_database_hourly" ORDER BY "time"`)).rows
      const before = await hourly()
      const again = await run(['maintain', '--store', url, '--schema', schema, '--prefix', 'db1', '--verbose'])
      expect(again.code).toBe(0)
      expect(again.out).toHaveLength(1)
      expect(again.out[0]).toMatch(
        new RegExp(`^${schema}\\.db1: nothing to pack, rollups .*, 0 partition\\(s\\) vacuumed`),
      )
      expect(await hourly()).toEqual(before)
      expect(await state(b.db, schema, 'db1')).toEqual(s)
    })

    it('lets concurrent runs maintain each prefix once', async () => {
      const ns2 = { schema, prefix: 'db2' }
      await installStore(b.db, { ...ns2, metrics: testMetrics })
      await fill(b.db, ns2)
      const runs = await Promise.all([1, 2, 3].map(() => run(['maintain', '--store', url, '--json'])))
      const systems = runs.flatMap((r) => {
        expect(r.code).toBe(0)
        return (JSON.parse(r.out[0]!) as { systems: { prefix: string; status: string; hoursPacked?: number }[] })
          .systems
      })
      expect(systems.filter((x) => x.status === 'failed')).toEqual([])
      // Each closed hour of db2 is packed by exactly one run.
      expect(systems.filter((x) => x.prefix === 'db2').reduce((n, x) => n + (x.hoursPacked ?? 0), 0)).toBe(2)
      expect(await state(b.db, schema, 'db2')).toEqual({
        packed: new Date(T0 + 2 * HOUR),
        rolled: new Date(T0 + 2 * HOUR),
        raw: 1,
        hourly: 2,
      })
    })
  },
)
