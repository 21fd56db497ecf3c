// What the store benchmarks share: a scratch database on the benchmark server (created, and
// dropped with the tenant's roles afterwards) and a synthetic snapshot around given rows.
import type { MetricRow, Snapshot } from '@pggraph/core'
import pg from 'pg'
import { defaultRoles } from '../src/index.js'

/** The benchmark server: a superuser URL (`PGGRAPH_BENCH_URL`, default the local PostgreSQL). */
export const BENCH_URL = process.env['PGGRAPH_BENCH_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres'

/**
 * A connection to a new database `name` on {@link BENCH_URL}, and how to drop it with the roles
 * of `schema` and of its `prefixes`' writers.
 */
export async function scratchDatabase(
  name: string,
  schema: string,
  prefixes: readonly string[] = ['sys1'],
): Promise<{ db: pg.Client; url: string; drop(): Promise<void> }> {
  const admin = new pg.Client({ connectionString: BENCH_URL })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  const u = new URL(BENCH_URL)
  u.pathname = `/${name}`
  const db = new pg.Client({ connectionString: u.toString() })
  await db.connect()
  return {
    db,
    url: u.toString(),
    async drop() {
      await db.end()
      await admin.query(`DROP DATABASE IF EXISTS ${name}`)
      for (const r of [
        ...prefixes.map((prefix) => defaultRoles({ schema, prefix }).writer),
        `${schema}_reader`,
        `${schema}_owner`,
      ])
        await admin.query(`DROP ROLE IF EXISTS ${r}`)
      await admin.end()
    },
  }
}

/** A PostgreSQL 17 snapshot taken at `t` (ms) holding `metrics`. */
export function benchSnapshot(t: number, metrics: Record<string, readonly MetricRow[]>): Snapshot {
  return {
    format: 1,
    takenAt: new Date(t).toISOString(),
    server: {
      versionNum: 170004,
      version: '17.4',
      startTime: '2026-01-01T00:00:00Z',
      systemIdentifier: '1',
      timeline: 1,
      inRecovery: false,
    },
    databases: ['app'],
    resets: [],
    metrics,
    skipped: [],
    stats: { durationMs: 1, roundTrips: 1 },
  }
}
