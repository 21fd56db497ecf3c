// What the viewer benchmarks share: a tenant filled with synthetic 1-minute data in SQL, the
// viewer started in its own process (as `serve` runs it), and a logged-in session.
import { spawn, type ChildProcess } from 'node:child_process'
import { resolve } from 'node:path'
import pg from 'pg'
import { builtinMetrics } from '@pggraph/collector'
import type { MetricDefinition } from '@pggraph/core'
import { installStore, openStore } from '@pggraph/store'
import { devNodeArgs } from '../test/fixture.js'

/** The PostgreSQL server the benchmarks use (a superuser URL). */
export const ADMIN_URL = process.env['PGGRAPH_BENCH_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres'

/** A fresh store database of one benchmark run, made by {@link benchDatabase}. */
export interface BenchDatabase {
  /** Its URL. */
  readonly url: string
  /** The server's version, as `server_version` says it (e.g. `17.4`). */
  serverVersion(): Promise<string>
  /** Drop the database and the roles the benchmark's tenants made; ends the admin connection. */
  drop(): Promise<void>
}

/**
 * Create database `<name>_<pid>` on {@link ADMIN_URL}; `drop()` removes it and every role named
 * `<rolePrefix>_…` (the roles of the tenants the benchmark installed).
 */
export async function benchDatabase(name: string, rolePrefix: string): Promise<BenchDatabase> {
  const admin = new pg.Client({ connectionString: ADMIN_URL })
  await admin.connect()
  const dbName = `${name}_${process.pid}`
  await admin.query(`CREATE DATABASE ${dbName}`)
  const u = new URL(ADMIN_URL)
  u.pathname = `/${dbName}`
  return {
    url: u.toString(),
    async serverVersion() {
      const { rows } = await admin.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)
      return rows[0]!.v.split(' ')[0]!
    },
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`)
      const roles = await admin.query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE rolname LIKE $1`, [
        `${rolePrefix}\\_%`,
      ])
      for (const r of roles.rows) await admin.query(`DROP ROLE IF EXISTS "${r.rolname}"`)
      await admin.end()
    },
  }
}

/** The databases of the synthetic monitored server. */
export const DATABASES = ['app', 'postgres', 'reporting', 'template1']

/** SQL expression of a synthetic value: counters grow (with per-database slope), gauges wander. */
function valueSql(kind: 'counter' | 'gauge', unit: string, i: number): string {
  // A daily rhythm: rate = k * (1 + 0.5 sin), integrated, so the counter only grows.
  const k = `(length(d) * ${(20 / (i + 1)).toFixed(3)})`
  const e = `extract(epoch FROM ts - $1::timestamptz)`
  if (kind === 'counter') return `(${e} * ${k} - 0.5 * ${k} * 13751 * cos(${e} / 13751))::float8`
  if (unit === 'bytes') return `(1e9 * length(d) + extract(epoch FROM ts - $1::timestamptz) * 500 * length(d))::float8`
  return `(5 + 4 * sin(extract(epoch FROM ts) / ${1800 + i * 97}) + random())::float8`
}

/**
 * Install `schema`/`prefix` in the store at `storeUrl` and fill `pg_stat_database` and
 * `pg_database` (what the overview graphs read) with `days` of 1-minute rows for 4 databases,
 * ending at the current minute. Returns the rows written and the time taken.
 */
export async function loadTenant(
  storeUrl: string,
  schema: string,
  prefix: string,
  days: number,
): Promise<{ rows: number; ms: number }> {
  const store = await openStore(storeUrl, { max: 1 })
  try {
    await installStore(store, { schema, prefix, host: 'bench.example', database: 'app' })
    const t0 = performance.now()
    const to = Math.floor(Date.now() / 60_000) * 60_000
    const from = to - days * 86_400_000
    const range = [new Date(from).toISOString(), new Date(to).toISOString()]
    const metrics = builtinMetrics.filter(
      (m: MetricDefinition) => m.name === 'pg_stat_database' || m.name === 'pg_database',
    )
    let rows = 0
    for (const m of metrics) {
      for (let d = 0; d <= days; d++) {
        await store.query(`SELECT ${schema}.pggraph_add_partition($1, $2::date)`, [
          `${prefix}_${m.name}`,
          new Date(from + d * 86_400_000).toISOString().slice(0, 10),
        ])
      }
      const values = Object.entries(m.values)
      const cols = ['"time"', 'datname', ...values.map(([c]) => `"${c}"`), ...(m.statsReset ? ['stats_reset'] : [])]
      const exprs = [
        'ts',
        'd',
        ...values.map(([, v], i) => valueSql(v.kind, v.unit, i)),
        ...(m.statsReset ? ['NULL'] : []),
      ]
      const r = await store.query(
        `INSERT INTO ${schema}.${prefix}_${m.name} (${cols.join(', ')})
         SELECT ${exprs.join(', ')} FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 minute', interval '1 minute') ts,
              unnest($3::text[]) d`,
        [...range, DATABASES],
      )
      rows += (r as unknown as { rowCount: number }).rowCount
    }
    await store
      .query(`SELECT ${schema}.pggraph_add_partition($1, $2::date)`, [`${prefix}_snapshots`, range[1]!.slice(0, 10)])
      .catch(() => {})
    await store.query(
      `INSERT INTO ${schema}.${prefix}_snapshots ("time", server_version_num, server_version, start_time)
       SELECT ts, 170004, '17.4', $1::timestamptz - interval '1 day'
         FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 minute', interval '1 minute') ts`,
      range,
    )
    await store.query(
      `UPDATE ${schema}.sources SET first_seen = $1, last_seen = $2, last_received = now(), server_version = '17.4', server_version_num = 170004, interval_seconds = 60 WHERE prefix = $3`,
      [...range, prefix],
    )
    await store.query(`ANALYZE`)
    return { rows, ms: performance.now() - t0 }
  } finally {
    await store.end()
  }
}

/** Log in as `user` through the login form; returns the session cookie (`name=value`). */
export async function login(base: string, user: string, password: string): Promise<string> {
  const page = await fetch(`${base}/login`)
  const cookie = page.headers.getSetCookie()[0]!.split(';')[0]!
  const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())![1]!
  const r = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf, user, password }).toString(),
  })
  if (r.status !== 303) throw new Error(`login of ${user} failed: ${r.status}`)
  return r.headers.getSetCookie()[0]!.split(';')[0]!
}

/**
 * Start the viewer in its own process, as `serve` runs it (so load generators do not share its
 * event loop), with `options` given to `startViewer`; resolves to its base URL.
 */
export async function spawnViewer(
  storeUrl: string,
  options: Record<string, unknown> = {},
): Promise<{ base: string; child: ChildProcess }> {
  const entry = resolve(import.meta.dirname, '../src/index.ts')
  const opts = JSON.stringify({ store: storeUrl, port: 0, ...options })
  const child = spawn(
    process.execPath,
    devNodeArgs(
      `const { startViewer } = await import(${JSON.stringify(entry)}); const { url } = await startViewer({ ...${opts}, log: () => {} }); console.log(url)`,
    ),
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const base = await new Promise<string>((ok, fail) => {
    child.stdout!.once('data', (d: Buffer) => ok(d.toString().trim()))
    child.once('exit', (c) => fail(new Error(`viewer exited with ${c}`)))
  })
  return { base, child }
}

/** The value at quantile `q` (0-1) of `xs`. */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!
}
