// Sequences nearing their end and invalid indexes on every server, each made for real: sequences
// called up to a known share of their range (ascending, descending, a bigint one barely used, one
// never called) and the invalid index a failed CREATE UNIQUE INDEX CONCURRENTLY leaves behind.
import { describe, expect, it } from 'vitest'
import { connect, pgServers, withDatabase } from '../../../test/servers/index.js'
import { collect, invalidIndexes, sequences } from '../src/index.js'

const embedded = pgServers().filter((s) => s.kind === 'embedded')

describe.concurrent.each(embedded.map((s) => [s.major, s] as const))(
  'sequences and invalid indexes on PostgreSQL %s',
  (_, srv) => {
    it('ranks sequences by the share of their range used, honouring a negative increment', async () => {
      await withDatabase(srv, async (url, name) => {
        const db = await connect(url)
        try {
          await db.query(`CREATE SEQUENCE seq_up MAXVALUE 100; CREATE SEQUENCE seq_down INCREMENT -1 MINVALUE -100 MAXVALUE -1;
          CREATE SEQUENCE seq_big; CREATE SEQUENCE seq_unused; CREATE SEQUENCE seq_cycle MAXVALUE 10 CYCLE;
          SELECT nextval('seq_up') FROM generate_series(1, 95); SELECT nextval('seq_down') FROM generate_series(1, 10);
          SELECT nextval('seq_big'); SELECT nextval('seq_cycle') FROM generate_series(1, 5)`)
          const snap = await collect(db, { collectors: [sequences()] })
          const rows = snap.metrics.pg_sequence_usage
          expect(rows.map((r) => r.sequencename)).toEqual(['seq_up', 'seq_cycle', 'seq_down', 'seq_big'])
          const by = Object.fromEntries(rows.map((r) => [r.sequencename, r]))
          expect(by['seq_up']).toMatchObject({ datname: name, schemaname: 'public', values_left: 5, cycle: 0 })
          expect(by['seq_up']!.percent_used).toBeCloseTo((100 * 94) / 99, 9)
          // descending from -1 to -10: 9 of the 99 steps from -1 down to -100 used, 90 calls left
          expect(by['seq_down']!.percent_used).toBeCloseTo((100 * 9) / 99, 9)
          expect(by['seq_down']!.values_left).toBe(90)
          expect(by['seq_cycle']!.cycle).toBe(1)
          expect(by['seq_big']!.percent_used).toBeLessThan(1e-15)
          expect(by['seq_big']!.values_left).toBeGreaterThan(9e18)
          const top = await collect(db, { collectors: [sequences({ top: 2 })] })
          expect(top.metrics.pg_sequence_usage.map((r) => r.sequencename)).toEqual(['seq_up', 'seq_cycle'])
          expect(() => sequences({ top: 0 })).toThrow(/positive integer/)
        } finally {
          await db.end()
        }
      })
    })

    it('lists the invalid index a failed CREATE UNIQUE INDEX CONCURRENTLY leaves', async () => {
      await withDatabase(srv, async (url, name) => {
        const db = await connect(url)
        try {
          await db.query(`CREATE TABLE dup_t (id int, v int); INSERT INTO dup_t SELECT g, g % 10 FROM generate_series(1, 1000) g;
          CREATE INDEX dup_t_ok ON dup_t (id)`)
          expect((await collect(db, { collectors: [invalidIndexes()] })).metrics.pg_invalid_indexes).toEqual([])
          await expect(db.query('CREATE UNIQUE INDEX CONCURRENTLY dup_t_v ON dup_t (v)')).rejects.toThrow(
            /could not create unique index/,
          )
          const snap = await collect(db, { collectors: [invalidIndexes()] })
          expect(snap.metrics.pg_invalid_indexes).toEqual([
            {
              datname: name,
              schemaname: 'public',
              relname: 'dup_t',
              indexrelname: 'dup_t_v',
              invalid: 1,
              size_bytes: expect.any(Number) as number,
            },
          ])
          await db.query('DROP INDEX dup_t_v')
          expect((await collect(db, { collectors: [invalidIndexes()] })).metrics.pg_invalid_indexes).toEqual([])
        } finally {
          await db.end()
        }
      })
    })
  },
)
