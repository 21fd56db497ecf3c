import type { MetricDefinition, Queryable } from '@pggraph/core'
import { isPggraphError } from '@pggraph/core'
import { describe, expect, it } from 'vitest'
import { collect } from './collect.js'
import { builtinMetrics, defaultCollectors } from './defaults.js'
import { combine, compareVersions, normalise, plan } from './plan.js'
import type { Probe } from './probe.js'
import { definitionProblems } from './testing.js'

// A fake server that answers the probe with a given version and records what it was sent.
function fakeServer(versionNum: number): Queryable & { sent: string[] } {
  const sent: string[] = []
  return {
    sent,
    async query<R extends object>(sql: string) {
      sent.push(sql.split(/\s/)[0]!)
      const probe = { version_num: versionNum, version: 'x', start_time: 0, now: 0, databases: [], extensions: {} }
      return { rows: (sql.includes('AS probe') ? [{ probe }] : []) as R[] }
    },
  }
}

const probe = (over: Partial<Probe> = {}): Probe => ({
  versionNum: 160004,
  version: '16.4',
  startTime: '2025-01-01T00:00:00.000Z',
  takenAt: '2025-01-01T00:00:00.000Z',
  inRecovery: false,
  database: 'app',
  user: 'mon',
  superuser: false,
  roles: { pg_monitor: true, pg_read_all_stats: true, pg_read_all_settings: true },
  extensions: {},
  databases: ['app'],
  preload: null,
  control: true,
  ...over,
})

describe('version gate', () => {
  for (const v of [90624, 100023, 110022]) {
    it(`refuses server_version_num ${v} with UNSUPPORTED_SERVER and rolls back`, async () => {
      const db = fakeServer(v)
      const err = await collect(db, { collectors: defaultCollectors() }).catch((e: unknown) => e)
      expect(isPggraphError(err, 'UNSUPPORTED_SERVER')).toBe(true)
      expect((err as Error).message).toMatch(/PostgreSQL 12 to 18/)
      expect(db.sent).toEqual(['BEGIN', 'SELECT', 'ROLLBACK'])
    })
  }
  it('accepts 12 and newer majors', async () => {
    for (const v of [120000, 180001, 190000]) {
      const db = fakeServer(v)
      await collect(db, { collectors: defaultCollectors() })
      expect(db.sent).toEqual(['BEGIN', 'SELECT', 'SELECT', 'COMMIT'])
    }
  })
})

describe('plan', () => {
  it('skips by version, privilege and extension with a reason that says what to do', () => {
    const p = probe({
      versionNum: 130010,
      roles: { pg_monitor: false, pg_read_all_stats: false, pg_read_all_settings: false },
    })
    const { run, skipped } = plan(builtinMetrics, p)
    const reason = (m: string) => skipped.find((s) => s.metric === m)?.reason
    expect(reason('pg_stat_io')).toBe('needs PostgreSQL 16 or newer (server is 13)')
    expect(reason('pg_stat_activity')).toBe('needs pg_read_all_stats: GRANT pg_monitor TO mon')
    expect(reason('pg_stat_statements')).toBe(
      'extension pg_stat_statements is not installed in database app (CREATE EXTENSION pg_stat_statements)',
    )
    expect(skipped.find((s) => s.metric === 'pg_stat_statements')?.database).toBe('app')
    expect(run.map((m) => m.definition.name)).toContain('pg_stat_slru')
    expect(run.map((m) => m.definition.name)).not.toContain('pg_stat_wal')
  })
  it('needs pg_stat_statements preloaded when the setting is readable', () => {
    const extensions = { pg_stat_statements: { version: '1.10', onPath: true } }
    expect(
      plan(builtinMetrics, probe({ extensions, preload: ['auto_explain'] })).skipped.map((s) => s.reason),
    ).toContain('pg_stat_statements is not in shared_preload_libraries (add it and restart the server)')
    // (pg_buffercache installed too: else its metrics are skipped for that)
    const all = { ...extensions, pg_buffercache: { version: '1.4', onPath: true } }
    expect(plan(builtinMetrics, probe({ extensions: all, preload: ['pg_stat_statements'] })).skipped).toEqual([])
  })
})

describe('per-query requirements', () => {
  it('picks the first query whose extension version fits, else the unconditional one', () => {
    const d = {
      name: 'x',
      area: 'x',
      scope: 'database',
      description: 'x',
      labels: {},
      values: {},
      requires: [{ extension: 'ext' }],
      queries: [
        { since: 12, sql: 'new', requires: [{ extension: 'ext', minVersion: '1.10', maxVersion: '1.12' }] },
        { since: 12, sql: 'old', requires: [{ extension: 'ext', minVersion: '1.8', maxVersion: '1.10' }] },
        { since: 12, sql: 'any' },
      ],
    } as const satisfies MetricDefinition
    const sqlFor = (version: string) => plan([d], probe({ extensions: { ext: { version, onPath: true } } })).run[0]?.sql
    expect(sqlFor('1.11')).toBe('new')
    expect(sqlFor('1.10')).toBe('new')
    expect(sqlFor('1.9')).toBe('old')
    expect(sqlFor('1.12')).toBe('any')
    expect(sqlFor('1.4')).toBe('any')
    expect(plan([d], probe()).skipped[0]?.reason).toMatch(/^extension ext is not installed/)
  })
  it('compares versions part by part', () => {
    expect(compareVersions('1.10', '1.9')).toBeGreaterThan(0)
    expect(compareVersions('1.8', '1.8')).toBe(0)
    expect(compareVersions('1.8', '1.8.1')).toBeLessThan(0)
  })
})

describe('combine', () => {
  it('renumbers each metric’s parameters after the previous ones', () => {
    const def = (name: string, sql: string, params: number[]) =>
      ({ definition: { name } as MetricDefinition, sql, params }) as const
    const c = combine([def('a', 'SELECT $1 AS x', [5]), def('b', 'SELECT $2 AS y, $1 AS z;', [6, 7])])
    expect(c.params).toEqual([5, 6, 7])
    expect(c.sql).toContain('SELECT $1 AS x')
    expect(c.sql).toContain('SELECT $3 AS y, $2 AS z\n')
    expect(() => combine([def('c', 'SELECT $2', [1])])).toThrow(/uses \$2 but declares 1 params/)
  })
})

describe('normalise', () => {
  it('makes labels strings, values numbers or null, stats_reset ISO, and records resets', () => {
    const d = builtinMetrics.find((m) => m.name === 'pg_stat_database')!
    const { rows, resets } = normalise(d, [
      {
        datname: 'app',
        xact_commit: '9007199254740993',
        blk_read_time: 'NaN',
        stats_reset: '2025-01-02T03:04:05.123456+01:00',
        extra: 1,
      },
    ])
    expect(rows[0]).toMatchObject({
      datname: 'app',
      xact_commit: 9007199254740992,
      blk_read_time: null,
      session_time: null,
      stats_reset: '2025-01-02T02:04:05.123Z',
    })
    expect(rows[0]).not.toHaveProperty('extra')
    expect(resets).toEqual([{ metric: 'pg_stat_database', key: 'app', at: '2025-01-02T02:04:05.123Z' }])
  })
})

describe('built-in definitions', () => {
  it('are well formed and uniquely named', () => {
    for (const d of builtinMetrics) expect(definitionProblems(d), d.name).toEqual([])
    expect(new Set(builtinMetrics.map((d) => d.name)).size).toBe(builtinMetrics.length)
    const inDefaults = defaultCollectors().flatMap((c) => c.metrics.map((m) => m.name))
    // every built-in metric but those of the opt-in collectors (bloat: too costly by default)
    expect([...inDefaults, 'pg_table_bloat', 'pg_index_bloat'].sort()).toEqual(builtinMetrics.map((d) => d.name).sort())
  })
})
