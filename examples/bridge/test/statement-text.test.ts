// statement_text: pg_stat_statements' text reaches the snapshot only when the operator turns it
// on (a statement's text can hold secrets); the bridge's collect path honours the key.
import { describe, expect, it } from 'vitest'
import { connect, pgServers, withDatabase } from '../../../test/servers/index.js'
import { resolveConfig } from '../src/config.js'
import { collectFromTarget } from '../src/target.js'

// Embedded servers preload pg_stat_statements; the machine's own server may not.
const server = pgServers().find((s) => s.kind !== 'local' && s.major >= 14)

describe.skipIf(!server)('statement_text', () => {
  it('is off by default, and on when set: the statement text then names each statement', async () => {
    expect(resolveConfig({ env: {} }).statementText).toBe(false)
    expect(resolveConfig({ env: { PGGRAPH_STATEMENT_TEXT: 'true' } }).statementText).toBe(true)
    await withDatabase(server!, async (url) => {
      const db = await connect(url)
      try {
        await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements')
        await db.query(`CREATE TABLE secret_orders (id int)`)
        for (let i = 0; i < 3; i++) await db.query(`SELECT count(*) FROM secret_orders WHERE id > ${i}`)
        // 7,000 characters of text, with newlines: kept as a short one-line label.
        await db.query(`SELECT count(*) FROM secret_orders /* long\n${'é'.repeat(7000)} */`)
      } finally {
        await db.end()
      }
      const texts = async (statementText: boolean): Promise<string[]> => {
        const snap = await collectFromTarget({ targetUrl: url, statementText })
        expect(snap.skipped.map((s) => s.metric)).not.toContain('pg_stat_statements')
        return snap.metrics['pg_stat_statements']!.map((r) => String(r['query'] ?? ''))
      }
      const off = await texts(false)
      expect(off.length).toBeGreaterThan(0)
      expect(off.every((t) => t === '')).toBe(true)
      const on = await texts(true)
      // Normalised: the constants became parameters.
      expect(on.find((t) => t.startsWith('SELECT count(*) FROM secret_orders'))).toMatch(/WHERE id > \$1/)
      const long = on.find((t) => t.includes('/* long'))!
      expect([...long].length).toBe(200)
      expect(long).toMatch(/^SELECT count\(\*\) FROM secret_orders \/\* long é+…$/)
      expect(on.every((t) => [...t].length <= 200 && !/\s\s|\n/.test(t))).toBe(true)
    })
  })
})
