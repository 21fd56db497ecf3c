import { describe, expect, it } from 'vitest'
import { defaultRoles, prefixBudget, validateNamespace, validateRole } from './names.js'

const metric = (name: string) => ({
  name,
  area: 'x',
  description: '',
  scope: 'cluster' as const,
  labels: {},
  values: { v: { kind: 'gauge' as const, unit: 'count' } },
  queries: [],
})

describe('namespaces', () => {
  it('leaves room for the longest <prefix>_<metric>_YYYYMMDD partition name', () => {
    expect(prefixBudget([])).toBe(63 - 1 - 'report_error'.length)
    expect(prefixBudget([metric('pg_stat_replication_slots')])).toBe(63 - 1 - 25 - 9)
    expect(() =>
      validateNamespace({ schema: 'acme', prefix: 'p'.repeat(28) }, [metric('pg_stat_replication_slots')]),
    ).not.toThrow()
    expect(() =>
      validateNamespace({ schema: 'acme', prefix: 'p'.repeat(29) }, [metric('pg_stat_replication_slots')]),
    ).toThrow(/at most 28/)
  })
  it('refuses pg_ schemas and roles, and the reserved prefix', () => {
    expect(() => validateNamespace({ schema: 'pg_toast2', prefix: 'a' })).toThrow(/reserves/)
    expect(() => validateRole('pg_monitor', 'writer', false)).toThrow(/reserves/)
    expect(() => validateNamespace({ schema: 'acme', prefix: 'pggraph' })).toThrow(/reserved/)
    expect(validateNamespace({ schema: 'acme', prefix: 'pg_main' })).toEqual({ schema: 'acme', prefix: 'pg_main' })
  })
  it('derives collision-free role names within 63 bytes', () => {
    expect(defaultRoles({ schema: 'acme', prefix: 'db1' })).toEqual({
      owner: 'acme_owner',
      writer: 'acme__db1_writer',
      reader: 'acme_reader',
    })
    // the collision of the old <schema>_<prefix>_writer names
    const a = defaultRoles({ schema: 'acme', prefix: 'prod_db' }).writer
    const b = defaultRoles({ schema: 'acme_prod', prefix: 'db' }).writer
    expect(a).toBe('acme__prod_db_writer')
    expect(b).toBe('acme_prod__db_writer')
    // parts containing the separator, and names too long, get a deterministic hash
    const c = defaultRoles({ schema: 'a__b', prefix: 'c' }).writer
    const d = defaultRoles({ schema: 'a', prefix: 'b__c' }).writer
    expect(c).not.toBe(d)
    expect(c).toMatch(/^a__b__c_[0-9a-f]{10}_writer$/)
    const long = defaultRoles({ schema: 'a'.repeat(40), prefix: 'b'.repeat(20) }).writer
    expect(Buffer.byteLength(long)).toBe(63)
    expect(validateRole(long, 'writer', true)).toBe(long)
    expect(defaultRoles({ schema: 'a'.repeat(40), prefix: 'b'.repeat(20) }).writer).toBe(long)
    expect(defaultRoles({ schema: 'a'.repeat(40), prefix: 'b'.repeat(19) + 'c' }).writer).not.toBe(long)
  })
  it('says how to fix a given role name that is too long', () => {
    expect(() => validateRole('r'.repeat(64), 'writer', true)).toThrow(/pass writerRole/)
  })
})
