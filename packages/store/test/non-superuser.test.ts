// Managed PostgreSQL has no superuser: the installer is a role with CREATEROLE that owns the
// database. installStore must work for it, and the roles it makes must behave the same.
import { seriesQuery } from '@pggraph/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, pgServers, randomName, urlWith, type ServerInfo } from '../../../test/servers/index.js'
import { installStore, openStore, readSeries, writeSnapshot } from '../src/index.js'
import { snapshot, tDatabase, testMetrics } from './fixtures.js'

const servers = pgServers().filter((s) => s.kind === 'embedded')

describe.each(servers.map((s) => [s.major, s] as const))(
  'install as a non-superuser on PostgreSQL %i',
  (_major, server: ServerInfo) => {
    const installer = randomName('inst')
    const dbName = randomName('db')
    const schema = randomName('s')
    beforeAll(async () => {
      const c = await connect(server.url)
      await c.query(`CREATE ROLE ${installer} LOGIN CREATEROLE`)
      await c.query(`CREATE DATABASE ${dbName} OWNER ${installer}`)
      await c.end()
    })
    afterAll(async () => {
      const c = await connect(server.url)
      await c.query(`DROP DATABASE IF EXISTS ${dbName}`)
      const { rows } = await c.query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE rolname LIKE $1`, [
        `${schema}\\_%`,
      ])
      for (const r of rows) await c.query(`DROP ROLE IF EXISTS "${r.rolname}"`)
      await c.query(`DROP ROLE IF EXISTS ${installer}`)
      await c.end()
    })

    it('installs, and the writer writes and the reader reads', async () => {
      const db = await openStore(urlWith(server.url, { database: dbName, user: installer }))
      try {
        const result = await installStore(db, { schema, prefix: 'db1', metrics: testMetrics, readerPassword: 'r' })
        expect(result.hardening).toMatch(/^applied/)
        expect((await installStore(db, { schema, prefix: 'db1', metrics: testMetrics })).unchanged).toBe(true)
        const writer = await openStore(
          urlWith(server.url, {
            database: dbName,
            user: result.writerRole,
            password: result.roles[1]!.generatedPassword!,
          }),
        )
        const t = Date.now() - 60_000
        const row = { datname: 'app', xact_commit: 1, blks_read: 1, numbackends: 7, stats_reset: null }
        expect(
          await writeSnapshot(writer, { schema, prefix: 'db1' }, snapshot(t, { test_database: [row] })),
        ).toMatchObject({ written: true })
        await writer.end()
        const reader = await openStore(
          urlWith(server.url, { database: dbName, user: result.readerRole, password: 'r' }),
        )
        const set = await readSeries(
          reader,
          { schema, prefix: 'db1' },
          seriesQuery(tDatabase, ['numbackends'], { from: t - 1, to: t + 1 }),
        )
        expect(set.series[0]!.points).toEqual([{ t, v: 7 }])
        await reader.end()
      } finally {
        await db.end()
      }
    })
  },
)
