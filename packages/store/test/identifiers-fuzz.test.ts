// Fuzzing schema, prefix and role names: every input is either refused with
// PggraphError('CONFIG') before any SQL is sent, or round-trips exactly through a real server.
import { isPggraphError, quoteIdent, type Queryable } from '@pggraph/core'
import fc from 'fast-check'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anyServer, connect, randomName, urlWith } from '../../../test/servers/index.js'
import { installStore, validateNamespace } from '../src/index.js'
import { validateRole } from '../src/names.js'
import { testMetrics } from './fixtures.js'

const nasty = fc.constantFrom(
  '"',
  "'",
  '\u0000',
  '\\',
  ';',
  ' ',
  '-',
  '$',
  '.',
  'A',
  'Z',
  'é',
  'ß',
  'İ',
  '\u212A',
  '日本',
  '🐘',
  '\u200B',
  '\u0301',
  '\n',
  '`',
)
const names = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.array(fc.oneof(fc.constantFrom('a', 'z', '_', '0', '9'), nasty), { maxLength: 70 }).map((a) => a.join('')),
  fc.stringMatching(/^[a-z][a-z0-9_]{0,90}$/),
  fc.constantFrom(
    'select',
    'user',
    'pg_x',
    'fz',
    'table',
    'public',
    'information_schema',
    'pggraph',
    'order',
    'time',
    'pg_catalog',
    'a'.repeat(63),
    'a'.repeat(64),
  ),
)

describe('identifier fuzzing', () => {
  let admin: pg.Client
  let dbName: string
  beforeAll(async () => {
    const server = anyServer()
    dbName = randomName('db')
    const c = await connect(server.url)
    await c.query(`CREATE DATABASE ${dbName}`)
    await c.end()
    admin = await connect(urlWith(server.url, { database: dbName }))
  })
  afterAll(async () => {
    await admin?.end()
    const c = await connect(anyServer().url)
    await c.query(`DROP DATABASE IF EXISTS ${dbName}`)
    await c.end()
  })

  it('a schema name is refused or round-trips exactly through pg_namespace', async () => {
    let accepted = 0
    await fc.assert(
      fc.asyncProperty(names, async (name) => {
        let quoted: string
        try {
          validateNamespace({ schema: name, prefix: 'p' })
          quoted = quoteIdent(name, 'schema')
        } catch (err) {
          expect(isPggraphError(err, 'CONFIG')).toBe(true)
          return
        }
        accepted++
        expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63)
        await admin.query(`CREATE SCHEMA ${quoted}`)
        const { rows } = await admin.query<{ n: string }>(`SELECT nspname AS n FROM pg_namespace WHERE nspname = $1`, [
          name,
        ])
        expect(rows.map((r) => r.n)).toEqual([name])
        await admin.query(`DROP SCHEMA ${quoted}`)
      }),
      { numRuns: 400 },
    )
    expect(accepted).toBeGreaterThan(20)
  })

  it('a role name is refused or round-trips exactly through pg_roles', async () => {
    await fc.assert(
      fc.asyncProperty(names, async (raw) => {
        let quoted: string
        // Roles are cluster-wide: keep accepted fuzz names apart from real ones.
        const name = /^[a-z]/.test(raw) ? `fz${raw}` : raw
        try {
          quoted = quoteIdent(validateRole(name, 'writer', false), 'role')
        } catch (err) {
          expect(isPggraphError(err, 'CONFIG')).toBe(true)
          return
        }
        const exists = await admin.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [name])
        if (exists.rows.length) return
        await admin.query(`CREATE ROLE ${quoted} NOLOGIN`)
        try {
          const { rows } = await admin.query<{ n: string }>(`SELECT rolname AS n FROM pg_roles WHERE rolname = $1`, [
            name,
          ])
          expect(rows.map((r) => r.n)).toEqual([name])
        } finally {
          await admin.query(`DROP ROLE ${quoted}`)
        }
      }),
      { numRuns: 150 },
    )
  })

  it('installStore sends no SQL for a refused name', async () => {
    await fc.assert(
      fc.asyncProperty(names, names, async (schema, prefix) => {
        let sent = 0
        const spy: Queryable = {
          query: () => {
            sent++
            throw new Error('stop after the first statement')
          },
        }
        const err = await installStore(spy, { schema, prefix, metrics: testMetrics }).catch((e: unknown) => e)
        if (isPggraphError(err, 'CONFIG')) expect(sent).toBe(0)
        else expect(sent).toBe(1)
      }),
      { numRuns: 500 },
    )
  })
})
