// opt_in: the bridge runs the opt-in collectors it names besides the defaults (bloat(), and
// pg_buffercache read from its view before 16). A real `run` against PostgreSQL 15 (the
// machine's own server where there is one) into an embedded store; how the setting is read and
// refused is in src/config.test.ts.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { installStore, openStore } from '@pggraph/store'
import { describe, expect, it } from 'vitest'
import { connect, pgServers, withDatabase } from '../../../test/servers/index.js'
import { collectFromTarget, main } from '../src/index.js'
import { memoryIo, writeConfig } from './helpers.js'

const server = pgServers().find((s) => s.kind === 'local') ?? pgServers().find((s) => s.major === 15)
const dir = mkdtempSync(join(tmpdir(), 'pggraph-opt-in-'))

describe('opt_in', () => {
  it.skipIf(!server)(
    'run with opt_in = ["bloat"] stores table and index bloat; without it, none',
    { timeout: 180_000 },
    async () => {
      await withDatabase(server!, async (url) => {
        const db = await connect(url)
        try {
          await db.query(`CREATE TABLE bloated (id int PRIMARY KEY, v text);
          INSERT INTO bloated SELECT g, repeat('x', 100) FROM generate_series(1, 20000) g;
          DELETE FROM bloated WHERE id % 10 <> 0`)
          await db.query('ANALYZE bloated')
        } finally {
          await db.end()
        }
        const store = `pglite:${join(dir, 'store')}`
        const admin = await openStore(store)
        await installStore(admin, { schema: 'me', prefix: 'srv' })
        await admin.end()
        const { out, io } = memoryIo()
        const config = writeConfig(dir, {
          target_url: url,
          store_url: store,
          schema: 'me',
          prefix: 'srv',
          spool_dir: join(dir, 'spool'),
          opt_in: ['bloat'],
        })
        expect(await main(['run', '--config', config], io), out.join('\n')).toBe(0)
        const off = await collectFromTarget({ targetUrl: url })
        expect(Object.keys(off.metrics)).not.toContain('pg_table_bloat')
        expect(off.metrics['pg_stat_user_tables']!.map((r) => r['relname'])).toContain('bloated')
        const read = await openStore(store)
        try {
          const rows = async (table: string, col: string) =>
            (await read.query<{ name: string }>(`SELECT ${col} AS name FROM me.${table}`)).rows.map((r) => r.name)
          const ratio = await read.query<{ method: string; wasted_ratio: number }>(
            "SELECT method, wasted_ratio FROM me.srv_pg_table_bloat WHERE relname = 'bloated'",
          )
          // 90% of the rows deleted: most of the table is waste, by the estimate (or pgstattuple_approx)
          expect(ratio.rows).toHaveLength(1)
          expect(ratio.rows[0]!.wasted_ratio).toBeGreaterThan(0.7)
          expect(await rows('srv_pg_index_bloat', 'indexrelname')).toContain('bloated_pkey')
          expect(await rows('srv_pg_stat_user_tables', 'relname')).toContain('bloated') // and the defaults
        } finally {
          await read.end()
        }
      })
    },
  )
})
