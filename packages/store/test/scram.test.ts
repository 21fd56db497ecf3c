// The writer logs in with its generated password over SCRAM-SHA-256, also on PostgreSQL 12
// whose password_encryption defaults to md5 (the store sends a SCRAM verifier it computed).
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { sqlStateOf } from '@pggraph/core'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../../../test/servers/pg-server.js'
import { pgServers, urlWith } from '../../../test/servers/index.js'
import { installStore, openStore, writeSnapshot } from '../src/index.js'
import { snapshot, testMetrics, writerPassword } from './fixtures.js'

const embedded = pgServers()
  .filter((s) => s.kind === 'embedded')
  .map((s) => s.major)
const majors = [...new Set([Math.min(...embedded), Math.max(...embedded)])].filter(Number.isFinite)

describe.each(majors)('SCRAM login of the writer on a private PostgreSQL %i', (major) => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer(major)
    // Only the test's superuser keeps trust; every other role must prove its password.
    writeFileSync(
      join(server.dataDir, 'pg_hba.conf'),
      'host all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n',
    )
    const c = new pg.Client({ connectionString: server.url })
    await c.connect()
    await c.query('SELECT pg_reload_conf()')
    await c.end()
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('creates the writer with a SCRAM verifier and it can log in and write', async () => {
    const db = await openStore(server.url)
    const result = await installStore(db, { schema: 'acme', prefix: 'db1', metrics: testMetrics })
    const password = writerPassword(result)
    const { rows } = await db.query<{ p: string }>(`SELECT rolpassword AS p FROM pg_authid WHERE rolname = $1`, [
      result.writerRole,
    ])
    expect(rows[0]!.p).toMatch(/^SCRAM-SHA-256\$4096:/)
    const wrong = new pg.Client({
      connectionString: urlWith(server.url, { user: result.writerRole, password: 'wrong' }),
    })
    const err = await wrong.connect().then(
      () => undefined,
      (e: unknown) => e,
    )
    await wrong.end().catch(() => {})
    expect(sqlStateOf(err)).toBe('28P01')
    const writer = await openStore(urlWith(server.url, { user: result.writerRole, password }))
    expect(
      await writeSnapshot(writer, { schema: 'acme', prefix: 'db1' }, snapshot(Date.now() - 1000, {})),
    ).toMatchObject({ written: true })
    await writer.end()
    // A given password replaces the old one; the generated one stops working.
    const again = await installStore(db, {
      schema: 'acme',
      prefix: 'db1',
      metrics: testMetrics,
      writerPassword: 'n3w-pässword',
    })
    expect(again.roles.find((r) => r.kind === 'writer')).toEqual({
      role: result.writerRole,
      kind: 'writer',
      action: 'updated',
    })
    const w2 = new pg.Client({
      connectionString: urlWith(server.url, { user: result.writerRole, password: 'n3w-pässword' }),
    })
    await w2.connect()
    await w2.end()
    await db.end()
  })
})
