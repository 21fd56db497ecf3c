import { describe, expect, it } from 'vitest'
import { connect, pgServers, withDatabase } from './index.js'

describe('test PostgreSQL servers', () => {
  it('has every supported major version running', async () => {
    const majors = pgServers()
      .filter((s) => s.kind === 'embedded')
      .map((s) => s.major)
    const wanted = (process.env['PGGRAPH_TEST_MAJORS'] ?? '12,13,14,15,16,17,18').split(',').map(Number)
    expect(majors.sort()).toEqual(wanted.sort())
    for (const s of pgServers()) {
      const c = await connect(s.url)
      const r = await c.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")
      await c.end()
      expect(Math.floor(Number(r.rows[0]!.v) / 10000)).toBe(s.major)
    }
  })

  it('gives each test its own database', async () => {
    const s = pgServers()[0]!
    await withDatabase(s, async (url, name) => {
      const c = await connect(url)
      const r = await c.query<{ d: string }>('SELECT current_database() AS d')
      await c.end()
      expect(r.rows[0]!.d).toBe(name)
    })
  })
})
