// Per-table freeze age on every server, with a workload that ages a table: transaction IDs
// burnt one by one age it, a shared row lock of two sessions gives it a multixact age, and a
// VACUUM with vacuum_freeze_table_age = 0 and vacuum_freeze_min_age = 0 (an aggressive vacuum
// freezing every row) brings it back. The threshold
// of each table is its own storage parameter only when lower than the server's.
import { describe, expect, it } from 'vitest'
import { connect, pgServers, withDatabase } from '../../../test/servers/index.js'
import { collect, freeze } from '../src/index.js'

const embedded = pgServers().filter((s) => s.kind === 'embedded')
const BURNT = 1000

describe.concurrent.each(embedded.map((s) => [s.major, s] as const))('freeze age on PostgreSQL %s', (_, srv) => {
  it('ages a table with burnt XIDs and a multixact, and a freezing VACUUM brings it back', async () => {
    await withDatabase(srv, async (url, name) => {
      const db = await connect(url)
      const [a, b] = await Promise.all([connect(url), connect(url)])
      try {
        await db.query(`CREATE TABLE fz_old (id int PRIMARY KEY, v text) WITH (autovacuum_enabled = off);
          INSERT INTO fz_old VALUES (1, repeat('x', 10000));
          CREATE TABLE fz_low (id int) WITH (autovacuum_freeze_max_age = 100000, autovacuum_multixact_freeze_max_age = 150000);
          CREATE TABLE fz_high (id int) WITH (autovacuum_freeze_max_age = 2000000000)`)
        // a multixact: two sessions share a row lock on fz_old
        await a.query('BEGIN; SELECT id FROM fz_old WHERE id = 1 FOR SHARE')
        await b.query('BEGIN; SELECT id FROM fz_old WHERE id = 1 FOR SHARE')
        await Promise.all([a.query('COMMIT'), b.query('COMMIT')])
        await db.query(`DO $$ BEGIN FOR i IN 1..${BURNT} LOOP PERFORM txid_current(); COMMIT; END LOOP; END $$`)
        const settings = await db.query<{ x: string; m: string }>(
          "SELECT current_setting('autovacuum_freeze_max_age') AS x, current_setting('autovacuum_multixact_freeze_max_age') AS m",
        )
        const serverMax = Number(settings.rows[0]!.x)
        const serverMultiMax = Number(settings.rows[0]!.m)

        const all = (await collect(db, { collectors: [freeze({ top: 10_000 })] })).metrics.pg_table_freeze_age
        const row = (t: string) => all.find((r) => r.relname === t && r.schemaname === 'public')
        expect(row('fz_old')).toMatchObject({ datname: name, freeze_max_age: serverMax })
        expect(row('fz_old')!.xid_age).toBeGreaterThanOrEqual(BURNT)
        expect(row('fz_old')!.mxid_age).toBeGreaterThanOrEqual(1)
        expect(row('fz_old')!.multixact_freeze_max_age).toBe(serverMultiMax)
        expect(row('fz_low')).toMatchObject({ freeze_max_age: 100000, multixact_freeze_max_age: 150000 })
        expect(row('fz_high')!.freeze_max_age).toBe(serverMax) // a higher table value is ignored by autovacuum
        // system catalogs count too: they age like any table
        expect(all.some((r) => r.schemaname === 'pg_catalog')).toBe(true)

        // top N: at most N oldest by XID age plus N oldest by multixact age, the oldest first kept
        const top = (await collect(db, { collectors: [freeze({ top: 1 })] })).metrics.pg_table_freeze_age
        expect(top.length).toBeGreaterThanOrEqual(1)
        expect(top.length).toBeLessThanOrEqual(2)
        expect(Math.max(...top.map((r) => r.xid_age ?? 0))).toBeGreaterThanOrEqual(
          Math.max(...all.map((r) => r.xid_age ?? 0)),
        )

        // an aggressive vacuum (freeze_table_age 0) that freezes every row (freeze_min_age 0)
        await db.query(`SET vacuum_freeze_table_age = 0; SET vacuum_freeze_min_age = 0;
          SET vacuum_multixact_freeze_table_age = 0; SET vacuum_multixact_freeze_min_age = 0`)
        await db.query('VACUUM fz_old')
        const after = (await collect(db, { collectors: [freeze({ top: 10_000 })] })).metrics.pg_table_freeze_age.find(
          (r) => r.relname === 'fz_old' && r.schemaname === 'public',
        )
        expect(after!.xid_age).toBeLessThan(row('fz_old')!.xid_age!)
        expect(after!.xid_age).toBeLessThan(BURNT)
      } finally {
        await Promise.all([a.end(), b.end(), db.end()])
      }
    })
  })

  it('refuses a top that is not a positive integer, in one line', () => {
    expect(() => freeze({ top: 0 })).toThrow('freeze({ top }) must be a positive integer (got 0).')
  })
})
