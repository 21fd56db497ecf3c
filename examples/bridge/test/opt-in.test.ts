// opt_in: the bridge runs the opt-in collectors it names besides the defaults (bloat(), and
// pg_buffercache read from its view before 16); an unknown name is refused in one line. A real
// `run` against PostgreSQL 15 (the machine's own server where there is one) into an embedded store.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { installStore, openStore } from '@pggraph/store'
import { describe, expect, it } from 'vitest'
import { connect, pgServers, withDatabase } from '../../../test/servers/index.js'
import { collectFromTarget, loadConfig, main, resolveConfig } from '../src/index.js'

const server = pgServers().find((s) => s.kind === 'local') ?? pgServers().find((s) => s.major === 15)
const dir = mkdtempSync(join(tmpdir(), 'pggraph-opt-in-'))
const base = `target_url = "postgres://mon@localhost/postgres"
store_url = "pglite:${join(dir, 'unused')}"
schema = "acme"
prefix = "web1"
`
let n = 0
function file(text: string): string {
  const p = join(dir, `c${n++}.toml`)
  writeFileSync(p, text, { mode: 0o600 })
  return p
}
function error(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    expect((err as { code?: string }).code).toBe('CONFIG')
    return (err as Error).message
  }
  throw new Error('expected a CONFIG error')
}

describe('opt_in', () => {
  it('is a list from the file, the environment or a flag; an unknown name is refused with the list', () => {
    expect(resolveConfig({ env: {} }).optIn).toEqual([])
    expect(loadConfig({ file: file(`${base}opt_in = ["bloat"]\n`), env: {} }).optIn).toEqual(['bloat'])
    expect(resolveConfig({ env: { PGGRAPH_OPT_IN: 'bloat, buffercache_view,bloat' } }).optIn).toEqual([
      'bloat',
      'buffercache_view',
    ])
    expect(resolveConfig({ env: {}, flags: { opt_in: 'buffercache_view' } }).optIn).toEqual(['buffercache_view'])
    const f = file(`${base}opt_in = ["blaot"]\n`)
    expect(error(() => loadConfig({ file: f, env: {} }))).toBe(
      `Unknown opt-in collector "blaot" in "opt_in" in ${f} (did you mean "bloat"?): the opt-in collectors are bloat, buffercache_view.`,
    )
    expect(error(() => resolveConfig({ env: { PGGRAPH_OPT_IN: 'statements' } }))).toMatch(
      /^Unknown opt-in collector "statements" in PGGRAPH_OPT_IN \(environment\): the opt-in collectors are bloat, buffercache_view\.$/,
    )
    expect(error(() => loadConfig({ file: file(`${base}opt_in = 3\n`), env: {} }))).toMatch(
      /"opt_in" in .*expected a list of collector names such as \["bloat"\]/,
    )
  })

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
        const out: string[] = []
        const io = {
          out: (l: string) => out.push(l),
          err: (l: string) => out.push(l),
          stdin: process.stdin,
          stdout: process.stdout,
          env: {},
        }
        const config = file(`target_url = "${url}"
store_url = "${store}"
schema = "me"
prefix = "srv"
spool_dir = "${join(dir, 'spool')}"
opt_in = ["bloat"]
`)
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
