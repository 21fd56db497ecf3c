import { describe, expect, it } from 'vitest'
import type { Series, SeriesSet } from '@pggraph/core'
import { graphSpec } from '../index.js'
import { walSenderLines } from './walsenders.js'

const STEP = 3_000
/** One walsender's `replay_lag` (and `write_lag`) read at snapshots `from` to `to` (indexes). */
function sender(app: string, addr: string, pid: string, from: number, to: number): Series[] {
  return ['write_lag', 'replay_lag'].map((column) => ({
    metric: 'pg_stat_replication',
    column,
    labels: { application_name: app, client_addr: addr, pid },
    kind: 'gauge',
    unit: 'seconds',
    points: Array.from({ length: to - from + 1 }, (_, i) => ({ t: (from + i) * STEP, v: 0.01 * (i + 1) })),
  }))
}
const set = (...senders: Series[][]): SeriesSet => ({ from: 0, to: 40 * STEP, series: senders.flat(), events: [] })
const lines = walSenderLines({ write_lag: 'write', replay_lag: 'replay' })
const names = (s: SeriesSet) => lines(s).map((l) => l.name)

describe('replication lag lines: one name per standby, never two lines of one name', () => {
  it('names a standby by its application_name alone when no other of that name was connected at once', () => {
    expect(names(set(sender('sub', '127.0.0.1', '10', 0, 9), sender('replica1', '10.0.0.2', '11', 0, 9)))).toEqual([
      'write replica1',
      'write sub',
      'replay replica1',
      'replay sub',
    ])
  })

  it('draws one standby reconnecting (a new pid after a restart) as one line, broken between the connections', () => {
    const got = lines(set(sender('sub', '127.0.0.1', '10', 0, 9), sender('sub', '127.0.0.1', '20', 12, 20)))
    expect(got.map((l) => l.name)).toEqual(['write sub', 'replay sub'])
    const points = got[0]!.points
    expect(points).toHaveLength(10 + 9 + 1)
    // a null between the last reading of the first sender and the first of the second
    expect(points[10]).toEqual({ t: Math.round((9 * STEP + 12 * STEP) / 2), v: null })
    // even when the new sender answered the very next snapshot
    const next = lines(set(sender('sub', '', '10', 0, 9), sender('sub', '', '20', 10, 20)))[0]!.points
    expect(next.filter((p) => p.v === null)).toHaveLength(1)
  })

  it('adds the client address when two standbys of one name are connected from different hosts', () => {
    expect(
      names(set(sender('walreceiver', '10.0.0.2', '10', 0, 9), sender('walreceiver', '10.0.0.3', '11', 0, 9))),
    ).toEqual([
      'write walreceiver (10.0.0.2)',
      'write walreceiver (10.0.0.3)',
      'replay walreceiver (10.0.0.2)',
      'replay walreceiver (10.0.0.3)',
    ])
  })

  it('adds the pid when two standbys of one name are connected from one host, and keeps other names plain', () => {
    const got = names(
      set(
        sender('walreceiver', '127.0.0.1', '10', 0, 9),
        sender('walreceiver', '127.0.0.1', '11', 5, 20),
        sender('sub', '127.0.0.1', '12', 0, 20),
      ),
    )
    expect(got).toEqual([
      'write sub',
      'write walreceiver (pid 10)',
      'write walreceiver (pid 11)',
      'replay sub',
      'replay walreceiver (pid 10)',
      'replay walreceiver (pid 11)',
    ])
  })

  it('names a sender without application_name, or connected through a socket, for what it is', () => {
    expect(names(set(sender('', '', '10', 0, 9), sender('', '', '11', 0, 9)))).toEqual([
      'write (no application_name) (pid 10)',
      'write (no application_name) (pid 11)',
      'replay (no application_name) (pid 10)',
      'replay (no application_name) (pid 11)',
    ])
    expect(names(set(sender('', '', '10', 0, 9), sender('', '10.0.0.2', '11', 0, 9)))).toEqual([
      'write (no application_name) (10.0.0.2)',
      'write (no application_name) (local socket)',
      'replay (no application_name) (10.0.0.2)',
      'replay (no application_name) (local socket)',
    ])
  })

  it('gives the replication lag graph a legend without repeated names', () => {
    const data = set(
      sender('walreceiver', '127.0.0.1', '10', 0, 9),
      sender('walreceiver', '127.0.0.1', '11', 0, 9),
      sender('walreceiver', '127.0.0.1', '12', 14, 30),
      sender('walreceiver', '127.0.0.1', '13', 14, 30),
    )
    const spec = graphSpec(
      'wal.replication_lag',
      { graph: 'wal.replication_lag', from: 0, to: 40 * STEP, sets: [data] },
      { width: 720, height: 240 },
    )
    const layer = (spec['layer'] as { encoding?: { color?: { scale?: { domain?: string[] } } } }[])[0]!
    const domain = layer.encoding!.color!.scale!.domain!
    expect(domain).toHaveLength(4 * 2) // four senders, two columns
    expect(new Set(domain).size).toBe(domain.length)
  })
})
