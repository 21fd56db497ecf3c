// A real logical replication subscription (publisher and subscriber databases on one server)
// whose apply worker fails on a conflicting row: pg_stat_subscription_stats counts it.
import { describe, expect, it } from 'vitest'
import { connect, pgServers, randomName, urlWith, withDatabase } from '../../../test/servers/index.js'
import { collect, subscriptions } from '../src/index.js'

const servers = pgServers().filter((s) => s.kind === 'embedded' && s.major >= 15)

describe.concurrent.each(servers.map((s) => [s.major, s] as const))('subscriptions on PostgreSQL %s', (_, srv) => {
  it('labels each subscription with its database and counts apply errors', async () => {
    await withDatabase(srv, async (pubUrl, pubDb) => {
      await withDatabase(srv, async (subUrl, subDb) => {
        const sub = randomName('sub')
        const pub = await connect(pubUrl)
        const dst = await connect(subUrl)
        try {
          await pub.query(`CREATE TABLE kv (k int PRIMARY KEY); CREATE PUBLICATION ${sub} FOR TABLE kv`)
          // a subscription to the same server cannot create its slot itself (it would wait for itself)
          await pub.query(`SELECT pg_create_logical_replication_slot('${sub}', 'pgoutput')`)
          await dst.query('CREATE TABLE kv (k int PRIMARY KEY); INSERT INTO kv VALUES (1)')
          const conn = new URL(urlWith(srv.url, { database: pubDb }))
          await dst.query(
            `CREATE SUBSCRIPTION ${sub} CONNECTION 'host=${conn.hostname} port=${conn.port} user=postgres dbname=${pubDb}'
             PUBLICATION ${sub} WITH (create_slot = false, slot_name = '${sub}', copy_data = false)`,
          )
          await pub.query('SET synchronous_commit = on; INSERT INTO kv VALUES (1)') // conflicts on the subscriber
          let row
          for (let i = 0; i < 100 && !((row?.apply_error_count ?? 0) >= 1); i++) {
            await new Promise((r) => setTimeout(r, 200))
            const snap = await collect(dst, { collectors: [subscriptions()] })
            row = snap.metrics.pg_stat_subscription_stats.find((r) => r.subname === sub)
          }
          expect(row).toMatchObject({ datname: subDb, subname: sub, sync_error_count: 0 })
          expect(row!.apply_error_count).toBeGreaterThanOrEqual(1)
          if (srv.major >= 18) expect(row!.confl_insert_exists).toBeGreaterThanOrEqual(1)
          else expect(row!.confl_insert_exists).toBeNull()
        } finally {
          await dst.query(`ALTER SUBSCRIPTION ${sub} DISABLE`).catch(() => undefined)
          await dst.query(`ALTER SUBSCRIPTION ${sub} SET (slot_name = NONE)`).catch(() => undefined)
          await dst.query(`DROP SUBSCRIPTION IF EXISTS ${sub}`).catch(() => undefined)
          await dst.end()
          for (let i = 0; i < 50; i++) {
            const r = await pub.query(
              `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active`,
              [sub],
            )
            const left = await pub.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [sub])
            if (left.rows.length === 0 || r.rows.length > 0) break
            await new Promise((res) => setTimeout(res, 100))
          }
          await pub.end()
        }
      })
    })
  })
})
