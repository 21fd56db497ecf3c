// Benchmark: one full collect() against running the same SQL through psql (the floor), on a
// database with 1,000 tables and 2,000 indexes under light load, in one run.
//
//   node --conditions=development --import tsx packages/collector/bench/collect.bench.ts
//
// Starts a private PostgreSQL (PGGRAPH_BENCH_MAJOR, default 17) unless PGGRAPH_BENCH_URL points
// at a server to use. Prints a markdown table; docs/benchmarks.md ("Collector") records it.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { collect, defaultCollectors } from '../src/index.js'
import { combine, plan } from '../src/plan.js'
import { PROBE_SQL, probe } from '../src/probe.js'
import { startServer } from '../../../test/servers/pg-server.js'

const TABLES = 1000
const REPS = Number(process.env['PGGRAPH_BENCH_REPS'] ?? 15)
const psql = join(execFileSync('pg_config', ['--bindir']).toString().trim(), 'psql')

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}
const literal = (v: unknown) =>
  typeof v === 'number' || typeof v === 'boolean'
    ? String(v)
    : v === null
      ? 'NULL'
      : `'${String(v).replace(/'/g, "''")}'`
const bind = (sql: string, params: readonly unknown[]) =>
  sql.replace(/\$(\d+)/g, (_, n: string) => literal(params[Number(n) - 1]))

async function main(): Promise<void> {
  const major = Number(process.env['PGGRAPH_BENCH_MAJOR'] ?? 17)
  const own = process.env['PGGRAPH_BENCH_URL']
    ? undefined
    : await startServer(major, { settings: { max_locks_per_transaction: '256' } })
  const baseUrl = process.env['PGGRAPH_BENCH_URL'] ?? own!.url
  const dbName = `bench_${process.pid}`
  const admin = new pg.Client(baseUrl)
  admin.on('error', () => undefined)
  await admin.connect()
  await admin.query(`CREATE DATABASE ${dbName}`)
  const u = new URL(baseUrl)
  u.pathname = `/${dbName}`
  const url = u.toString()
  const tmp = mkdtempSync(join(tmpdir(), 'pggraph-bench-'))
  let stop = false
  try {
    const setup = new pg.Client(url)
    await setup.connect()
    await setup.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements').catch(() => undefined)
    for (let i = 0; i < TABLES; i += 50) {
      const ddl: string[] = []
      for (let j = i; j < i + 50; j++) {
        ddl.push(
          `CREATE TABLE t_${j} (id int PRIMARY KEY, a int, b text); CREATE INDEX ON t_${j} (a); INSERT INTO t_${j} SELECT g, g, md5(g::text) FROM generate_series(1, ${20 + (j % 7) * 30}) g;`,
        )
      }
      await setup.query(ddl.join('\n'))
    }
    await setup.query('ANALYZE')
    await setup.end()

    // light load: ~100 small transactions a second on random tables
    const load = new pg.Client(url)
    await load.connect()
    load.on('error', () => undefined) // terminated when the database is dropped at the end
    const loadDone = (async () => {
      while (!stop) {
        const t = Math.floor(Math.random() * TABLES)
        await load.query(`UPDATE t_${t} SET a = a + 1 WHERE id = 1; SELECT b FROM t_${t} WHERE id = 2`)
        await new Promise((r) => setTimeout(r, 10))
      }
      await load.end()
    })().catch(() => undefined)

    // The exact statements collect() sends, with parameters written as literals, for psql.
    const c = new pg.Client(url)
    await c.connect()
    const collectors = defaultCollectors()
    const defs = collectors.flatMap((x) => [...x.metrics])
    await c.query('BEGIN')
    const p = await probe(c, 5000, 1000)
    await c.query('ROLLBACK')
    await c.end()
    const chosen = plan(defs, p)
    const all = combine(chosen.run, 'NULL')
    const begin = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;'
    const probeSql = `${bind(PROBE_SQL, ['5000', '1000'])};`
    const sameFile = join(tmp, 'same.sql')
    writeFileSync(sameFile, [begin, probeSql, `${bind(all.sql, all.params)};`, 'COMMIT;'].join('\n'))
    const plainFile = join(tmp, 'plain.sql')
    writeFileSync(
      plainFile,
      [begin, probeSql, ...chosen.run.map((m) => `${bind(m.sql, m.params)};`), 'COMMIT;'].join('\n'),
    )

    const runPsql = (file: string) => {
      const t = performance.now()
      const r = spawnSync(psql, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-o', '/dev/null', '-f', file, url], {
        encoding: 'utf8',
      })
      if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`)
      return performance.now() - t
    }
    const runCollect = async () => {
      const t = performance.now()
      const db = new pg.Client(url)
      await db.connect()
      const snap = await collect(db, { collectors })
      await db.end()
      return { ms: performance.now() - t, snap }
    }
    const warm = await runCollect()
    runPsql(sameFile)
    runPsql(plainFile)
    const open = new pg.Client(url)
    open.on('error', () => undefined)
    await open.connect()
    const times = { collect: [] as number[], collectOpen: [] as number[], same: [] as number[], plain: [] as number[] }
    for (let i = 0; i < REPS; i++) {
      times.collect.push((await runCollect()).ms)
      const t = performance.now()
      await collect(open, { collectors })
      times.collectOpen.push(performance.now() - t)
      times.same.push(runPsql(sameFile))
      times.plain.push(runPsql(plainFile))
    }
    await open.end()
    const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)])) as Record<
      keyof typeof times,
      number
    >
    const rows = Object.values(warm.snap.metrics).reduce((s, r) => s + r.length, 0)
    const f = (x: number) => x.toFixed(1)
    console.log(
      `PostgreSQL ${Math.floor(p.versionNum / 10000)}, ${TABLES} tables, ${TABLES * 2} indexes, light load, ${REPS} repetitions (median), ${rows} rows in the snapshot, ${warm.snap.skipped.length} skipped`,
    )
    console.log('')
    console.log(
      '| measurement | collect() | psql, same SQL | ratio | psql, plain per-metric SQL | ratio | round trips (collect / psql plain) |',
    )
    console.log('| --- | --- | --- | --- | --- | --- | --- |')
    console.log(
      `| connect + snapshot + close | ${f(m.collect)} ms | ${f(m.same)} ms | ${(m.collect / m.same).toFixed(2)}× | ${f(m.plain)} ms | ${(m.collect / m.plain).toFixed(2)}× | ${warm.snap.stats.roundTrips} / ${chosen.run.length + 3} |`,
    )
    console.log(`| snapshot on an open connection | ${f(m.collectOpen)} ms | | | | | |`)
    // where the server's time goes: each metric's statement alone, in one transaction
    const prof = new pg.Client(url)
    prof.on('error', () => undefined)
    await prof.connect()
    await prof.query('BEGIN')
    await probe(prof, 60000, 1000)
    const cost: [string, number][] = []
    for (const metric of chosen.run) {
      const one = combine([metric])
      const t = performance.now()
      await prof.query(one.sql, one.params)
      cost.push([metric.definition.name, performance.now() - t])
    }
    await prof.query('COMMIT')
    await prof.end()
    cost.sort((x, y) => y[1] - x[1])
    console.log('')
    console.log(
      `Slowest metric statements alone: ${cost
        .slice(0, 4)
        .map(([n, ms]) => `${n} ${f(ms)} ms`)
        .join(', ')}; all others together ${f(cost.slice(4).reduce((x, [, ms]) => x + ms, 0))} ms.`,
    )
    const pss = await new Promise<number>((resolve) => {
      const k = new pg.Client(url)
      k.connect()
        .then(() => k.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_statements'))
        .then((r) => resolve(Number(r.rows[0]!.n)))
        .catch(() => resolve(0))
        .finally(() => void k.end().catch(() => undefined))
    })
    console.log(`pg_stat_statements held ${pss} entries.`)
    stop = true
    await loadDone
  } catch (err) {
    console.error(err)
    process.exitCode = 1
  } finally {
    stop = true
    rmSync(tmp, { recursive: true, force: true })
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined)
    await admin.end()
    await own?.stop()
  }
}

await main()
