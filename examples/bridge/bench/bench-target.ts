// The bridge benchmarks' setting: a scratch database with PGGRAPH_BENCH_TABLES user tables
// (default 1000, so a snapshot has the size of a real server's), serving as both the monitored
// target and the store, with the store installed for bench.web1 and its writer's URL.
import { installStore, openStore } from '@pggraph/store'
import pg from 'pg'

/** The scratch database and the URLs a bridge config needs. */
export interface BenchTarget {
  readonly tables: number
  /** The tenant schema installed in the store (its roles are named after it, so parallel runs never share them). */
  readonly schema: string
  /** Superuser URL of the scratch database: the monitored target, with its tables. */
  readonly url: string
  /** The writer role's URL of the store database. */
  readonly writerUrl: string
  drop(): Promise<void>
}

/** Create the scratch database, its tables and the store; `drop()` removes them. */
export async function benchTarget(): Promise<BenchTarget> {
  const url = process.env['PGGRAPH_BENCH_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres'
  const tables = Number(process.env['PGGRAPH_BENCH_TABLES'] ?? 1000)
  const database = `bridge_bench_${process.pid}`
  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${database}`)
  const storeUrl = new URL(url)
  storeUrl.pathname = `/${database}`
  const store = await openStore(storeUrl.toString(), { ssl: false })
  const schema = `bench${process.pid}`
  const installed = await installStore(store, { schema, prefix: 'web1', writerPassword: 'bench' })
  await store.end()
  const target = new pg.Client({ connectionString: storeUrl.toString() })
  await target.connect()
  await target.query(`CREATE SCHEMA app`)
  for (let i = 0; i < tables; i += 100) {
    const batch = Array.from(
      { length: Math.min(100, tables - i) },
      (_, j) => `CREATE TABLE app.t${i + j} (id int PRIMARY KEY, v text);`,
    )
    await target.query(batch.join('\n'))
  }
  await target.query('ANALYZE')
  await target.end()
  const writer = new URL(storeUrl)
  writer.username = installed.writerRole
  writer.password = 'bench'
  return {
    tables,
    schema,
    url: storeUrl.toString(),
    writerUrl: writer.toString(),
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
      for (const r of [installed.writerRole, installed.readerRole, installed.ownerRole])
        await admin.query(`DROP ROLE IF EXISTS ${r}`)
      await admin.end()
    },
  }
}

/** The median of `xs`. */
export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
