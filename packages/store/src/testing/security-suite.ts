// Least privilege, proven by trying: every forbidden action of the writer and reader roles must
// fail with a permission error (SQLSTATE 42501), and the allowed ones must work.
import { seriesQuery, sqlStateOf } from '@pggraph/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  installStore,
  listSchemas,
  listSources,
  readSeries,
  recordSourceError,
  writeSnapshot,
  type InstallResult,
} from '../index.js'
import { openTarget, type OpenedStore as Backend, type RoleSession, type StoreTestBackend } from './backend.js'
import { snapshot, T0, tDatabase, testMetrics, writerPassword } from './fixtures.js'

const row = [{ datname: 'app', xact_commit: 1, blks_read: 1, numbackends: 1, stats_reset: null }]

async function denied(session: RoleSession, sql: string, params?: unknown[]): Promise<void> {
  const err = await session.query(sql, params).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err, `${sql} should be refused`).toBeDefined()
  expect(sqlStateOf(err), `${sql}: ${String((err as Error).message)}`).toBe('42501')
}

/** Registers these tests for `backend`. @internal */
export function securitySuite(backend: StoreTestBackend): void {
  describe(`least privilege on ${backend.name}`, () => leastPrivilegeTests(backend))
}

function leastPrivilegeTests(backend: StoreTestBackend): void {
  let b: Backend
  let s1: string
  let s2: string
  let p1: InstallResult
  let writer: RoleSession
  let reader: RoleSession
  const readerPassword = 'reader-secret-Ü1'

  beforeAll(async () => {
    b = await openTarget(backend)
    s1 = b.schema()
    s2 = b.schema()
    p1 = await installStore(b.db, { schema: s1, prefix: 'p1', metrics: testMetrics, readerPassword })
    await installStore(b.db, { schema: s1, prefix: 'p2', metrics: testMetrics })
    await installStore(b.db, { schema: s2, prefix: 'p1', metrics: testMetrics })
    for (const [schema, prefix] of [
      [s1, 'p1'],
      [s1, 'p2'],
      [s2, 'p1'],
    ] as const) {
      await writeSnapshot(b.db, { schema, prefix }, snapshot(T0, { test_database: row }))
    }
    writer = await b.asRole(p1.writerRole, writerPassword(p1))
    reader = await b.asRole(p1.readerRole, readerPassword)
  })
  afterAll(async () => {
    await writer?.end()
    await reader?.end()
    await b?.close()
  })

  it('the writer adds snapshots and reports errors for its own prefix', async () => {
    const ns = { schema: s1, prefix: 'p1' }
    expect(await writeSnapshot(writer, ns, snapshot(T0 + 60_000, { test_database: row }))).toMatchObject({
      written: true,
      rows: 1,
    })
    expect(await writeSnapshot(writer, ns, snapshot(T0 + 60_000, { test_database: row }))).toMatchObject({
      written: false,
    })
    await recordSourceError(writer, ns, 'target down')
    const sources = await listSources(b.db, s1)
    expect(sources.find((s) => s.prefix === 'p1')!.lastError).toBe('target down')
    expect(sources.find((s) => s.prefix === 'p2')!.lastError).toBeNull()
  })

  it('the writer cannot read, change or create anything else', async () => {
    const own = `"${s1}"."p1_test_database"`
    const other = `"${s1}"."p2_test_database"`
    const otherSchema = `"${s2}"."p1_test_database"`
    for (const t of [
      own,
      other,
      otherSchema,
      `"${s1}"."p1_snapshots"`,
      `"${s1}"."sources"`,
      `"${s1}"."pggraph_metrics"`,
      `"${s1}"."pggraph_migrations"`,
    ]) {
      await denied(writer, `SELECT * FROM ${t}`)
    }
    await denied(writer, `INSERT INTO ${own} ("time", datname) VALUES (now(), 'x')`)
    for (const t of [other, otherSchema]) {
      await denied(writer, `INSERT INTO ${t} ("time", datname) VALUES (now(), 'x')`)
      await denied(writer, `UPDATE ${t} SET xact_commit = 0`)
      await denied(writer, `DELETE FROM ${t}`)
      await denied(writer, `TRUNCATE ${t}`)
    }
    await denied(writer, `UPDATE "${s1}"."sources" SET last_error = 'x' WHERE prefix = 'p2'`)
    await denied(writer, `DROP TABLE ${own}`)
    await denied(writer, `ALTER TABLE ${own} ADD COLUMN x int`)
    await denied(writer, `SELECT "${s1}"."p2_ingest"($1::json)`, [JSON.stringify(snapshot(T0 + 120_000, {}))])
    await denied(writer, `SELECT "${s2}"."p1_ingest"($1::json)`, [JSON.stringify(snapshot(T0 + 120_000, {}))])
    await denied(writer, `SELECT "${s1}"."p2_report_error"('x', NULL)`)
    await denied(writer, `SELECT "${s1}"."pggraph_add_partition"('p1_test_database', current_date + 30)`)
    await denied(writer, `SELECT "${s1}"."p1_rollup"(now() - interval '1 day', now())`)
    await denied(writer, `CREATE TABLE "${s1}"."x" (i int)`)
    await denied(writer, `CREATE FUNCTION "${s1}"."f"() RETURNS int LANGUAGE sql AS 'SELECT 1'`)
    await denied(writer, `CREATE TABLE public.x (i int)`)
    await denied(writer, `CREATE TEMP TABLE x (i int)`)
    await denied(writer, `CREATE SCHEMA x`)
    // The store refuses the forbidden writes through the API too, as PERMISSION errors.
    await expect(writeSnapshot(writer, { schema: s1, prefix: 'p2' }, snapshot(T0 + 120_000, {}))).rejects.toMatchObject(
      { code: 'PERMISSION' },
    )
    await expect(
      readSeries(
        writer,
        { schema: s1, prefix: 'p1' },
        seriesQuery(tDatabase, ['xact_commit'], { from: T0, to: T0 + 1 }),
      ),
    ).rejects.toMatchObject({
      code: 'PERMISSION',
    })
  })

  it('the reader reads its schema only and writes nothing', async () => {
    const set = await readSeries(
      reader,
      { schema: s1, prefix: 'p2' },
      seriesQuery(tDatabase, ['numbackends'], { from: T0 - 1, to: T0 + 1 }),
    )
    expect(set.series[0]!.points).toEqual([{ t: T0, v: 1 }])
    expect((await listSources(reader, s1)).map((s) => s.prefix)).toEqual(['p1', 'p2'])
    expect(await listSchemas(reader)).toEqual([s1])
    await expect(listSources(reader, s2)).rejects.toMatchObject({ code: 'PERMISSION' })
    await denied(reader, `SELECT * FROM "${s2}"."p1_test_database"`)
    await denied(reader, `SELECT * FROM "${s2}"."sources"`)
    for (const t of [`"${s1}"."p1_test_database"`, `"${s1}"."sources"`, `"${s1}"."p1_snapshots"`]) {
      await denied(reader, `INSERT INTO ${t} DEFAULT VALUES`)
      await denied(
        reader,
        `UPDATE ${t} SET "time" = now()`.replace(
          '"time" = now()',
          t.endsWith('"sources"') ? 'host = NULL' : '"time" = now()',
        ),
      )
      await denied(reader, `DELETE FROM ${t}`)
      await denied(reader, `TRUNCATE ${t}`)
    }
    await denied(reader, `SELECT "${s1}"."p1_ingest"($1::json)`, [JSON.stringify(snapshot(T0 + 180_000, {}))])
    await denied(reader, `SELECT "${s1}"."p1_report_error"('x', NULL)`)
    await denied(reader, `SELECT "${s1}"."p1_rollup"(now() - interval '1 day', now())`)
    await denied(reader, `CREATE TABLE "${s1}"."x" (i int)`)
    await denied(reader, `CREATE TABLE public.x (i int)`)
    await denied(reader, `CREATE TEMP TABLE x (i int)`)
    await expect(writeSnapshot(reader, { schema: s1, prefix: 'p1' }, snapshot(T0 + 180_000, {}))).rejects.toMatchObject(
      { code: 'PERMISSION' },
    )
  })
}
