// Every catalog graph renders from real collected data: a real server with activity, collected
// by @pggraph/collector, stored in a PGlite store, read back with readSeries, rendered.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DOMParser } from '@xmldom/xmldom'
import { describe, expect, it } from 'vitest'
import { collect, defaultCollectors } from '@pggraph/collector'
import type { Snapshot } from '@pggraph/core'
import { installStore, openStore, readSeries, writeSnapshot } from '@pggraph/store'
import { until } from '../../collector/test/until.js'
import { connect, pgServers, randomName, withDatabase, type ServerInfo } from '../../../test/servers/index.js'
import { graphCatalog, graphNames, graphSpec, loadGraphData, renderGraph, type GraphName } from '../src/index.js'

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

function texts(svg: string): string[] {
  const errors: string[] = []
  const doc = new DOMParser({
    onError: (level, msg) => void (level !== 'warning' && errors.push(msg)),
  }).parseFromString(svg, 'image/svg+xml')
  expect(errors).toEqual([])
  const out: string[] = []
  for (const tag of ['text', 'title', 'desc']) {
    const nodes = doc.getElementsByTagName(tag)
    for (let i = 0; i < nodes.length; i++) out.push(nodes.item(i)!.textContent ?? '')
  }
  return out
}

/** Graphs allowed to be empty on this server, and the words their "no data" panel must say. */
function allowedEmpty(major: number, snaps: readonly Snapshot[]): Partial<Record<GraphName, string>> {
  const skipped = new Set(snaps.flatMap((s) => s.skipped.map((k) => k.metric)))
  const out: Partial<Record<GraphName, string>> = {
    'wal.replication_lag': 'pg_stat_replication',
    // the test servers are primaries: replay delay is collected on a standby only
    'wal.standby_replay_delay': 'on a standby only',
    'wal.standby_replay_bytes': 'on a standby only',
    'wal.recovery_prefetch': major < 15 ? 'PostgreSQL 15 or newer' : 'on a standby only',
  }
  // No ANALYZE, VACUUM FULL, COPY or base backup runs while a snapshot is taken (they are seen
  // mid-way in packages/collector/test/progress-commands.test.ts).
  out['activity.progress'] = 'Rows exist only while such a command runs'
  // bloat() is opt-in: this test collects defaultCollectors() (bloat is tested in the collector's tests).
  out['tables.bloat'] = 'The bloat collector is opt-in'
  out['indexes.bloat'] = 'The bloat collector is opt-in'
  // The workload creates pg_buffercache; its functions exist from 16 (the view scan is opt-in).
  if (major < 16) {
    out['io.buffercache'] = 'PostgreSQL 16 or newer'
    out['io.buffercache_usage'] = 'PostgreSQL 16 or newer'
    out['io.reads_by_backend_type'] = 'PostgreSQL 16 or newer'
    out['io.writes_by_backend_type'] = 'PostgreSQL 16 or newer'
  }
  if (major < 14) out['wal.bytes'] = 'PostgreSQL 14 or newer'
  // The test servers run without data checksums before 18 (initdb turns them on from 18).
  if (major < 18) out['database.checksum_failures'] = 'data checksums'
  if (skipped.has('pg_stat_statements')) out['statements.total_time'] = 'pg_stat_statements'
  // JIT columns come with pg_stat_statements 1.10 (PostgreSQL 15).
  if (major < 15) out['statements.jit_time'] = 'PostgreSQL 15 or newer'
  else if (skipped.has('pg_stat_statements')) out['statements.jit_time'] = 'pg_stat_statements'
  return out
}

const now = <T>(_url: string, fn: () => Promise<T>): Promise<T> => fn()

/** Run `fn` while a VACUUM of `orders`, slowed down by its cost delay, is running (then cancel it). */
async function whileVacuuming<T>(url: string, fn: () => Promise<T>): Promise<T> {
  const vacuumer = await connect(url)
  try {
    const pid = (await vacuumer.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid
    await vacuumer.query('SET vacuum_cost_delay = 100; SET vacuum_cost_limit = 1')
    const running = vacuumer.query('VACUUM orders').catch(() => undefined)
    await until('a running VACUUM', async () => {
      const c = await connect(url)
      try {
        const p = await c.query('SELECT 1 FROM pg_stat_progress_vacuum WHERE pid = $1', [pid])
        return p.rowCount ? true : undefined
      } finally {
        await c.end()
      }
    })
    const out = await fn()
    const c = await connect(url)
    await c.query('SELECT pg_cancel_backend($1)', [pid]).finally(() => c.end())
    await running
    return out
  } finally {
    await vacuumer.end()
  }
}

/** Run `fn` while a session waits for a row lock another session holds (a real lock wait). */
async function whileWaiting<T>(url: string, fn: () => Promise<T>): Promise<T> {
  const locker = await connect(url)
  const waiter = await connect(url)
  try {
    await locker.query(`BEGIN; SELECT id FROM waits WHERE id = 1 FOR UPDATE`)
    const waiting = waiter.query(`UPDATE waits SET id = id WHERE id = 1`)
    await until('a session waiting for the row lock', async () => {
      const r = await locker.query(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock'`)
      return r.rowCount ? true : undefined
    })
    await sleep(200)
    const out = await fn()
    await locker.query('ROLLBACK')
    await waiting
    return out
  } finally {
    await Promise.all([locker.end(), waiter.end()])
  }
}

async function workload(url: string, round: number): Promise<void> {
  const c = await connect(url)
  try {
    await c.query(`INSERT INTO orders (customer, amount) SELECT g % 50, g FROM generate_series(1, 2000) g`)
    await c.query(`UPDATE orders SET amount = amount + 1 WHERE id % 7 = ${round}`)
    await c.query(`DELETE FROM orders WHERE id % 13 = ${round}`)
    for (let i = 0; i < 5; i++) await c.query(`SELECT count(*) FROM orders WHERE amount > $1`, [i])
    for (let i = 0; i < 20; i++) await c.query(`SELECT * FROM orders WHERE id = $1`, [i + 1])
    await c.query(`BEGIN; INSERT INTO orders (customer, amount) VALUES (1, 1); ROLLBACK`)
    await c.query(`SET work_mem = '64kB'; SELECT * FROM orders ORDER BY amount DESC OFFSET 100000`)
  } finally {
    await c.end()
  }
}

describe.each(pgServers().map((s) => [`pg${s.major}${s.kind === 'local' ? '-local' : ''}`, s] as [string, ServerInfo]))(
  '%s',
  (_name, server) => {
    it('renders every catalog graph from collected, stored and read data', { timeout: 180_000 }, async () => {
      await withDatabase(server, async (url) => {
        const dir = mkdtempSync(join(tmpdir(), 'pggraph-render-'))
        const store = await openStore(`pglite:${dir}`)
        const slot = randomName('slot')
        const db = await connect(url)
        const holder = await connect(url)
        try {
          await db.query(`CREATE TABLE orders (id bigserial PRIMARY KEY, customer int, amount int)`)
          await db.query(`CREATE INDEX orders_customer_unused ON orders (customer)`)
          await db.query(`CREATE TABLE waits (id int PRIMARY KEY); INSERT INTO waits VALUES (1)`)
          // a failed CREATE UNIQUE INDEX CONCURRENTLY leaves an invalid index (indexes.invalid)
          await db.query(`CREATE TABLE dups (v int); INSERT INTO dups SELECT g % 3 FROM generate_series(1, 30) g`)
          await db.query(`CREATE UNIQUE INDEX CONCURRENTLY dups_v_key ON dups (v)`).catch(() => undefined)
          await db.query(`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`).catch(() => undefined)
          await db.query(`CREATE EXTENSION IF NOT EXISTS pg_buffercache`).catch(() => undefined)
          const slotMade = await db.query(`SELECT pg_create_physical_replication_slot($1, true)`, [slot]).then(
            () => true,
            () => false,
          )
          await holder.query(`BEGIN; LOCK TABLE orders IN ACCESS SHARE MODE; SELECT txid_current()`)
          const ns = { schema: randomName('s'), prefix: 'srv' }
          await installStore(store, ns)

          const snaps: Snapshot[] = []
          for (let round = 0; round < 4; round++) {
            if (round === 3) await db.query(`SELECT pg_stat_reset()`)
            await workload(url, round)
            if (round === 1) await db.query('CHECKPOINT')
            await sleep(1_100)
            // Rounds 1 and 2 are taken while one session waits for another's row lock.
            // Round 2 also while a VACUUM runs (the vacuum progress graph has real data).
            const during =
              round === 1
                ? whileWaiting
                : round === 2
                  ? (u: string, f: () => Promise<Snapshot>) => whileWaiting(u, () => whileVacuuming(u, f))
                  : now
            const snap = await during(url, () => collect(db, { collectors: defaultCollectors() }) as Promise<Snapshot>)
            await writeSnapshot(store, ns, snap)
            snaps.push(snap)
          }
          const major = Math.floor(snaps[0]!.server.versionNum / 10_000)
          const started = Date.parse(snaps[0]!.server.startTime)
          const from = Math.min(started, Date.parse(snaps[0]!.takenAt)) - 60_000
          const to = Date.parse(snaps[snaps.length - 1]!.takenAt) + 60_000
          const empty = allowedEmpty(major, snaps)
          if (!slotMade) empty['wal.retained'] = 'pg_replication_slots'

          for (const name of graphNames()) {
            const def = graphCatalog[name]
            const data = await loadGraphData(name, (q) => readSeries(store, ns, q), {
              from,
              to,
              serverVersion: snaps[0]!.server.versionNum,
            })
            const spec = graphSpec(name, data, { width: 720, height: 240 })
            const svg = await renderGraph(name, data, { width: 720, height: 240 })
            const t = texts(svg)
            expect(t, name).toContain(def.title)
            if (String(spec['description']).startsWith('No data:')) {
              expect(Object.keys(empty), `${name} has no data on PostgreSQL ${major}`).toContain(name)
              expect(t.join(' '), name).toContain(empty[name]!)
              continue
            }
            expect(t, name).toContain(def.axisTitle)
            if (def.mark === 'bar') {
              expect(t.join(' '), name).toContain('orders_customer_unused')
              continue
            }
            expect(
              t.some((x) => x.startsWith('restart: server restarted')),
              `${name} marks the restart`,
            ).toBe(true)
            const layer = (spec['layer'] as { encoding?: { color?: { scale?: { domain?: string[] } } } }[])[0]
            const lines = layer?.encoding?.color?.scale?.domain ?? []
            expect(lines.length, name).toBeGreaterThan(0)
            for (const l of lines) expect(t, `${name}: ${l}`).toContain(l)
          }
          // A statistics reset in the range is marked on the database graphs.
          const tx = await renderGraph(
            'database.transactions',
            await loadGraphData('database.transactions', (q) => readSeries(store, ns, q), { from, to }),
            {
              width: 720,
              height: 240,
            },
          )
          expect(texts(tx).join(' ')).toContain('pg_stat_database reset (')
        } finally {
          await holder.end().catch(() => undefined)
          await db.query(`SELECT pg_drop_replication_slot($1)`, [slot]).catch(() => undefined)
          await db.end()
          await store.end()
          rmSync(dir, { recursive: true, force: true })
        }
      })
    })
  },
)
