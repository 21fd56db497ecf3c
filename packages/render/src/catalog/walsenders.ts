import type { Series, SeriesPoint, SeriesSet, ValueOf } from '@pggraph/core'
import { pgStatReplication } from '@pggraph/collector/definitions'
import type { Line } from '../spec.js'
import { columns, type LineSource } from './source.js'

/** One WAL sender (one row of pg_stat_replication over its life): its labels, series and time span. */
interface Sender {
  readonly app: string
  readonly addr: string
  readonly pid: string
  readonly series: Map<string, Series>
  from: number
  to: number
}

const overlap = (a: Sender, b: Sender): boolean => a.from <= b.to && b.from <= a.to

function anyOverlap(senders: readonly Sender[]): boolean {
  return senders.some((a, i) => senders.slice(i + 1).some((b) => overlap(a, b)))
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>()
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item])
  return out
}

/**
 * The name of each sender's standby: its application_name, with its client address when another
 * sender of that name was connected at the same time, and its pid when the address does not tell
 * them apart either (two standbys of one host, both `walreceiver` by default). Senders of one
 * name never connected at once get the same name: one standby reconnecting (after a restart).
 */
function standbyNames(senders: readonly Sender[]): Map<Sender, string> {
  const out = new Map<Sender, string>()
  for (const [app, group] of groupBy(senders, (s) => s.app)) {
    const base = app === '' ? '(no application_name)' : app
    const byAddr = groupBy(group, (s) => s.addr)
    const addrs = byAddr.size > 1
    const level = !anyOverlap(group) ? 0 : [...byAddr.values()].some(anyOverlap) ? 2 : 1
    for (const s of group) {
      const parts = [
        ...(level >= 1 && (addrs || level === 1) ? [s.addr === '' ? 'local socket' : s.addr] : []),
        ...(level === 2 ? [`pid ${s.pid}`] : []),
      ]
      out.set(s, parts.length === 0 ? base : `${base} (${parts.join(', ')})`)
    }
  }
  return out
}

/**
 * The points of one standby's senders one after the other, broken between two senders: a new WAL
 * sender is a new connection, and the line does not join the readings of both.
 */
function joined(senders: readonly Sender[], column: string): SeriesPoint[] {
  const out: SeriesPoint[] = []
  for (const s of senders) {
    const points = s.series.get(column)?.points ?? []
    const last = out.at(-1)
    const first = points[0]
    if (last && first && first.t > last.t) out.push({ t: last.t + Math.round((first.t - last.t) / 2), v: null })
    out.push(...points)
  }
  return out
}

/**
 * Lines of `pg_stat_replication` columns (`names`: column → display name), one per column and
 * standby, each named after its standby so no two lines share a name: `replay walreceiver`,
 * `replay walreceiver (pid 4242)` when two senders of that name and address were connected at
 * once. Lines are ordered by column, then standby.
 *
 * @example
 * ```ts
 * walSenderLines({ write_lag: 'write', replay_lag: 'replay' })(set) // [{ name: 'write sub', ... }, ...]
 * ```
 */
export function walSenderLines(names: Readonly<Record<string, string>>): (set: SeriesSet) => Line[] {
  return (set) => {
    const senders = new Map<string, Sender>()
    for (const s of set.series) {
      if (s.metric !== 'pg_stat_replication' || !(s.column in names)) continue
      const app = s.labels['application_name'] ?? ''
      const addr = s.labels['client_addr'] ?? ''
      const pid = s.labels['pid'] ?? ''
      const key = JSON.stringify([app, addr, pid])
      const sender = senders.get(key) ?? { app, addr, pid, series: new Map(), from: Infinity, to: -Infinity }
      sender.series.set(s.column, s)
      for (const p of s.points) {
        if (p.v === null) continue
        sender.from = Math.min(sender.from, p.t)
        sender.to = Math.max(sender.to, p.t)
      }
      senders.set(key, sender)
    }
    const live = [...senders.values()].filter((s) => s.from <= s.to)
    const named = standbyNames(live)
    const standbys = groupBy(live, (s) => named.get(s)!)
    const order = [...standbys.keys()].sort()
    for (const own of standbys.values()) own.sort((a, b) => a.from - b.from)
    return Object.entries(names).flatMap(([column, display]) =>
      order
        .filter((name) => standbys.get(name)!.some((s) => s.series.has(column)))
        .map((name): Line => ({ name: `${display} ${name}`, points: joined(standbys.get(name)!, column) })),
    )
  }
}

/**
 * Columns of {@link pgStatReplication} drawn per standby (see {@link walSenderLines}): the line
 * source of the replication-lag graph.
 *
 * @example
 * ```ts
 * walSenderColumns({ write_lag: 'write', flush_lag: 'flush', replay_lag: 'replay' })
 * ```
 */
export function walSenderColumns<const K extends ValueOf<typeof pgStatReplication>>(names: {
  readonly [C in K]: string
}): LineSource {
  return { ...columns(pgStatReplication, names), lines: walSenderLines(names) }
}
