// The load generator of the parallel-writer benchmarks (load.bench.ts, load-citus.bench.ts):
// many bridges, each its own tenant schema and prefix with its own writer role and login,
// writing realistic default snapshots of a 1,000-table database (realistic-load.ts) into one
// store. The writers must not be the bottleneck, so every snapshot is encoded ahead of time
// exactly as writeSnapshot sends it (the JSON and the two binary arrays, captured from
// writeSnapshot itself); a write only splices its time into the JSON and makes the one ingest
// call. What is measured is the store.
import { loadavg } from 'node:os'
import type { Queryable, Snapshot } from '@pggraph/core'
import pg from 'pg'
import { POSTGRES_CAPABILITIES } from '../src/drivers/postgres.js'
import { defaultRoles, installStore, maintainStore, writeSnapshot, type Namespace } from '../src/index.js'
import { prefixedTable } from '../src/names.js'
import { LoadModel } from './realistic-load.js'

export const MINUTE = 60_000
export const HOUR = 3_600_000

/** The prefix every pre-encoded call is captured for; each bridge swaps in its own ingest function. */
const CAPTURE: Namespace = { schema: 'capture', prefix: 'sys' }

/** One snapshot, encoded: the JSON around its time, the binary arrays, the rows it holds. */
interface Encoded {
  readonly head: string
  readonly tail: string
  readonly arrays: readonly unknown[]
}

/**
 * `count` consecutive minutes of a realistic snapshot, encoded once; minute `j` of any bridge is
 * encoding `j % count` dated `start + j` minutes (after `count` minutes the counters go back, as
 * after a statistics reset).
 */
export class Payloads {
  private constructor(
    private readonly encoded: readonly Encoded[],
    readonly start: number,
    readonly sql: string,
    /** Rows per snapshot (the first one). */
    readonly rows: number,
  ) {}

  static async prepare(base: Snapshot, count: number, start: number): Promise<Payloads> {
    const model = new LoadModel(base)
    const encoded: Encoded[] = []
    let sql = ''
    for (let i = 0; i < count; i++) {
      const s = model.next(start + i * MINUTE)
      const calls: { sql: string; params: readonly unknown[] }[] = []
      const capture = {
        capabilities: POSTGRES_CAPABILITIES,
        query: (text: string, params?: readonly unknown[]) => {
          calls.push({ sql: text, params: params ?? [] })
          return Promise.resolve({ rows: [{ r: { written: true, rows: 0 }, l: null }] })
        },
        transaction: <T>(fn: (tx: Queryable) => Promise<T>): Promise<T> => fn(capture as unknown as Queryable),
        close: () => Promise.resolve(),
      }
      await writeSnapshot(capture as unknown as Queryable, CAPTURE, s, { now: new Date(start + i * MINUTE) })
      const call = calls[0]
      if (
        calls.length !== 1 ||
        !call ||
        !call.sql.includes(prefixedTable(CAPTURE, 'ingest')) ||
        call.params.length < 2
      ) {
        throw new Error(`writeSnapshot made an unexpected call: ${JSON.stringify(calls.map((c) => c.sql))}`)
      }
      sql = call.sql
      const json = String(call.params[0])
      const at = `"takenAt":"${s.takenAt}"`
      const k = json.indexOf(at)
      if (k < 0 || json.indexOf(at, k + 1) >= 0) throw new Error('the snapshot time is not once in the JSON')
      encoded.push({ head: json.slice(0, k + 11), tail: json.slice(k + at.length - 1), arrays: call.params.slice(1) })
    }
    return new Payloads(encoded, start, sql, model.size.rows)
  }

  /** The ingest call of `ns` (its SQL), and the parameters of its minute `j`. */
  sqlFor(ns: Namespace): string {
    return this.sql.replace(prefixedTable(CAPTURE, 'ingest'), prefixedTable(ns, 'ingest'))
  }

  params(j: number): unknown[] {
    const e = this.encoded[j % this.encoded.length]!
    return [`${e.head}${new Date(this.start + j * MINUTE).toISOString()}${e.tail}`, ...e.arrays]
  }
}

/** One bridge: its own system (schema and prefix), logged in as its own writer, writing minute after minute. */
export class Bridge {
  /** The next minute to write. */
  minute = 0
  private readonly sql: string

  constructor(
    readonly ns: Namespace,
    private readonly client: pg.Client,
    private readonly payloads: Payloads,
  ) {
    this.sql = payloads.sqlFor(ns)
  }

  /**
   * Write the next minute; returns the time the ingest call took (ms), the rows it stored, and
   * whether it opened a new hour (the first minute of a UTC hour: `start` is on the hour).
   */
  async write(): Promise<{ ms: number; rows: number; opensHour: boolean }> {
    const params = this.payloads.params(this.minute)
    const t = performance.now()
    const { rows } = await this.client.query<{ r: { written: boolean; rows: number; error?: string } }>(
      this.sql,
      params,
    )
    const ms = performance.now() - t
    const r = rows[0]?.r
    if (!r || r.error || !r.written) {
      throw new Error(`${this.ns.schema}.${this.ns.prefix} minute ${this.minute}: ${JSON.stringify(r)}`)
    }
    const opensHour = this.minute % 60 === 0
    this.minute++
    return { ms, rows: Number(r.rows), opensHour }
  }

  end(): Promise<void> {
    return this.client.end()
  }
}

/** `url` with another user and password. */
function loginUrl(url: string, user: string, password: string): string {
  const u = new URL(url)
  u.username = user
  u.password = password
  return u.toString()
}

/**
 * Install `count` systems (schema `<stem>_<i>`, prefix `sys`, the default metrics) through the
 * superuser connection `admin`, and open one bridge per system logged in at `url` as its writer.
 */
export async function installBridges(
  admin: Queryable,
  url: string,
  stem: string,
  count: number,
  payloads: Payloads,
): Promise<Bridge[]> {
  const bridges: Bridge[] = []
  for (let i = 0; i < count; i++) {
    const ns = { schema: `${stem}_${i}`, prefix: 'sys' }
    const writerPassword = `load-${process.pid}-${i}`
    const r = await installStore(admin, { ...ns, writerPassword })
    const client = new pg.Client({ connectionString: loginUrl(url, r.writerRole, writerPassword) })
    await client.connect()
    bridges.push(new Bridge(ns, client, payloads))
  }
  return bridges
}

/** Every role the systems of {@link installBridges} made. */
export function rolesOf(stem: string, count: number): string[] {
  const roles: string[] = []
  for (let i = 0; i < count; i++) {
    const d = defaultRoles({ schema: `${stem}_${i}`, prefix: 'sys' })
    roles.push(d.writer, d.reader, d.owner)
  }
  return roles
}

/** Latencies (ms) and counts of a phase. */
export interface PhaseStats {
  readonly writers: number
  readonly writes: number
  readonly rows: number
  readonly seconds: number
  /** Time of each ingest call, ms. */
  readonly latencies: number[]
  /** Time of the ingest calls that opened a new hour (the rollup of the hour before may run in them), ms. */
  readonly hourly: number[]
  /** Time of the other ingest calls, ms. */
  readonly steady: number[]
  /** The 1-minute load average at the end of the phase. */
  readonly load: number
}

export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!
}

/** Every bridge writes its next minute as soon as the previous one is stored, for `seconds`. */
export async function saturate(bridges: readonly Bridge[], seconds: number): Promise<PhaseStats> {
  const latencies: number[] = []
  const hourly: number[] = []
  const steady: number[] = []
  let rows = 0
  const t0 = performance.now()
  const end = t0 + seconds * 1000
  await Promise.all(
    bridges.map(async (b) => {
      while (performance.now() < end) {
        const w = await b.write()
        latencies.push(w.ms)
        ;(w.opensHour ? hourly : steady).push(w.ms)
        rows += w.rows
      }
    }),
  )
  return {
    writers: bridges.length,
    writes: latencies.length,
    rows,
    seconds: (performance.now() - t0) / 1000,
    latencies,
    hourly,
    steady,
    load: loadavg()[0]!,
  }
}

/** What a paced phase did. */
export interface PacedStats extends PhaseStats {
  /** Writes due before the end (the target rate times the duration). */
  readonly due: number
  /** Writes due before the end that had not started by then. */
  readonly backlog: number
  /** How late each write started after it was due, ms (0 when on time). */
  readonly lateness: number[]
  /** Writes completed in each minute of the phase. */
  readonly perMinute: number[]
  /** Maintenance runs (packing each system's closed hours), their total time and errors. */
  readonly maintenance: { runs: number; ms: number; hours: number; errors: string[]; cancelled: boolean }
}

/**
 * The target rate, `rate` snapshots per second in all, spread evenly over the bridges (bridge
 * `b` is due at `(b + i × bridges) / rate` s): a bridge stands for `rate × 60 / bridges` systems
 * at a 60 s interval, writing one after another. A late bridge writes at once (it catches up,
 * in order). When `maintain` is given, one more connection runs `maintainStore` for each system
 * after every simulated hour it wrote, as the hourly cron job would (one run at a time; a run still going 5 s after the writers stop
 * is cancelled with `maintain.cancel()`).
 */
export async function paced(
  bridges: readonly Bridge[],
  rate: number,
  seconds: number,
  maintain?: { db: Queryable; cancel(): Promise<void> },
  progress?: (minute: number, writes: number) => void,
): Promise<PacedStats> {
  const latencies: number[] = []
  const hourly: number[] = []
  const steady: number[] = []
  const lateness: number[] = []
  const perMinute: number[] = []
  let rows = 0
  const n = bridges.length
  const t0 = performance.now() + 50
  const end = t0 + seconds * 1000
  const due = Math.floor(rate * seconds)
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
  let running = true
  const maintenance = { runs: 0, ms: 0, hours: 0, errors: [] as string[], cancelled: false }
  const maintained = new Map(bridges.map((b) => [b, Math.floor(b.minute / 60)]))
  const maintainer = (async () => {
    if (!maintain) return
    while (running) {
      let did = false
      for (const b of bridges) {
        const hours = Math.floor(b.minute / 60)
        if (hours <= maintained.get(b)!) continue
        maintained.set(b, hours)
        const t = performance.now()
        try {
          maintenance.hours += (await maintainStore(maintain.db, b.ns)).hoursPacked
        } catch (err) {
          if (!maintenance.cancelled && maintenance.errors.length < 5) maintenance.errors.push((err as Error).message)
        }
        maintenance.ms += performance.now() - t
        maintenance.runs++
        did = true
        if (!running) break
      }
      if (!did) await sleep(200)
    }
  })()
  let started = 0
  const ticker = setInterval(() => {
    const minute = perMinute.length
    perMinute.push(latencies.length - perMinute.reduce((a, x) => a + x, 0))
    progress?.(minute + 1, perMinute[minute]!)
  }, 60_000)
  await Promise.all(
    bridges.map(async (b, k) => {
      for (let i = 0; ; i++) {
        const at = t0 + ((k + i * n) / rate) * 1000
        if (at >= end) return
        const now = performance.now()
        if (now >= end) return
        if (now < at) await sleep(at - now)
        lateness.push(Math.max(0, performance.now() - at))
        started++
        const w = await b.write()
        latencies.push(w.ms)
        ;(w.opensHour ? hourly : steady).push(w.ms)
        rows += w.rows
      }
    }),
  )
  clearInterval(ticker)
  const tail = latencies.length - perMinute.reduce((a, x) => a + x, 0)
  if (tail > 0) perMinute.push(tail)
  running = false
  const elapsed = (performance.now() - t0) / 1000
  // A maintenance run still going 5 s after the writers stopped is cancelled (and said so).
  if (!(await Promise.race([maintainer.then(() => true), sleep(5000).then(() => false)]))) {
    maintenance.cancelled = true
    await maintain?.cancel()
    await maintainer
  }
  return {
    writers: n,
    writes: latencies.length,
    rows,
    seconds: elapsed,
    latencies,
    hourly,
    steady,
    load: loadavg()[0]!,
    due,
    backlog: Math.max(0, due - started),
    lateness,
    perMinute,
    maintenance,
  }
}

/**
 * Sample, every second until stopped, the writers' sessions waiting on a lock and what blocks
 * them (the blocking session's query, cut short): a store that makes its ingest wait under load.
 */
export function lockSampler(db: Queryable, writerLike: string): { stop(): Promise<Map<string, number>> } {
  const seen = new Map<string, number>()
  let running = true
  const loop = (async () => {
    while (running) {
      const { rows } = await db.query<{ blocker: string }>(
        `SELECT coalesce(left(regexp_replace(b.query, '\\s+', ' ', 'g'), 120), '?') AS blocker
           FROM pg_stat_activity w CROSS JOIN LATERAL unnest(pg_blocking_pids(w.pid)) AS bp(pid)
           LEFT JOIN pg_stat_activity b ON b.pid = bp.pid
          WHERE w.wait_event_type = 'Lock' AND w.usename LIKE $1`,
        [writerLike],
      )
      for (const r of rows) seen.set(r.blocker, (seen.get(r.blocker) ?? 0) + 1)
      await new Promise((r) => setTimeout(r, 1000))
    }
  })()
  return {
    async stop() {
      running = false
      await loop
      return seen
    },
  }
}

/** `x` with thousands separators and `d` decimals. */
export const f = (x: number, d = 0): string =>
  x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })

/** One table row of a phase: writers, snapshots/s, rows/s, p50, p99, max (ms), hour-opening writes, load. */
export function phaseRow(s: PhaseStats): string {
  const rate = s.writes / s.seconds
  return `| ${s.writers} | ${f(s.writes)} | ${f(rate, 1)} | ${f(s.rows / s.seconds)} | ${f(quantile(s.latencies, 0.5))} | ${f(quantile(s.latencies, 0.99))} | ${f(Math.max(...s.latencies))} | ${f(quantile(s.steady, 0.99))} | ${s.hourly.length ? `${s.hourly.length}: ${f(quantile(s.hourly, 0.5))}` : '0'} | ${f(rate * 60)} | ${f(s.load, 1)} |`
}

export const PHASE_HEADER = [
  '| writers | snapshots | snapshots/s | rows/s | p50 ms | p99 ms | max ms | p99 of the others ms | hour-opening writes: median ms | systems at 60 s | load avg |',
  '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
]
