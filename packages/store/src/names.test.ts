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
  it('derives role names and says how to fix one that is too long', () => {
    expect(defaultRoles({ schema: 'acme', prefix: 'db1' })).toEqual({
      owner: 'acme_owner',
      writer: 'acme_db1_writer',
      reader: 'acme_reader',
    })
    const long = defaultRoles({ schema: 'a'.repeat(40), prefix: 'b'.repeat(20) }).writer
    expect(() => validateRole(long, 'writer', true)).toThrow(/pass writerRole/)
  })
})
