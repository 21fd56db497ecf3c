// The recorded fixtures of the visual regression suite (written by record-fixtures.ts): one
// GraphData per catalog graph in test/fixtures/<graph>.json, points stored as [t, v] pairs, and
// what happened when in test/fixtures/recording.json.
import { existsSync, readFileSync } from 'node:fs'
import type { Series, SeriesSet } from '@pggraph/core'
import type { GraphData } from '../src/index.js'

/** The size every recorded graph is rendered at (and trimmed for). */
export const RECORDED_SIZE = { width: 720, height: 240 } as const

/** The command that records the fixtures again. */
export const RECORD_COMMAND = 'npx tsx packages/render/test/record-fixtures.ts'

const dir = new URL('./fixtures/', import.meta.url)

/** What the recorder made happen, and when (epoch ms, real timestamps of the recording). */
export interface Recording {
  readonly server: string
  readonly stepMs: number
  readonly from: number
  readonly to: number
  readonly snapshots: readonly number[]
  /** Snapshots taken while a session held a SHARE ROW EXCLUSIVE lock (the mode is absent from the others). */
  readonly lockHeld: readonly number[]
  /** Snapshots taken while a session waited for another's row lock. */
  readonly lockWait: readonly number[]
  readonly longTransaction: Span
  /** A slowed VACUUM of a table with thousands of dead rows (pg_stat_progress_vacuum). */
  readonly vacuum: Span
  /** The standby's replay was paused (pg_wal_replay_pause()) while the primary wrote. */
  readonly replayPaused: Span
  /** The last snapshot before the collector stopped, and the first after it ran again. */
  readonly gap: Span
  /** The start times of the two restarted servers. */
  readonly restarts: readonly number[]
  readonly statsReset: number
  /** The streaming standby, collected at the same times as the primary (it was never restarted). */
  readonly standby: {
    /** The graphs recorded from the standby's snapshots (a primary has no rows of them). */
    readonly graphs: readonly string[]
    readonly snapshots: readonly number[]
    readonly gap: Span
    readonly restarts: readonly number[]
  }
}

/** From when to when something happened (epoch ms). */
export interface Span {
  readonly from: number
  readonly to: number
}

type Packed = Omit<Series, 'points'> & { points: [number, number | null][] }

/** `data` with its points as [t, v] pairs (a third of the bytes). */
export function packFixture(data: GraphData): unknown {
  return {
    ...data,
    sets: data.sets.map((set) => ({
      ...set,
      series: set.series.map((s): Packed => ({ ...s, points: s.points.map((p) => [p.t, p.v]) })),
    })),
  }
}

export function recording(): Recording {
  return JSON.parse(readFileSync(new URL('recording.json', dir), 'utf8')) as Recording
}

/** The recorded data of `name`, or `undefined` when it has none (a graph added after the recording). */
export function recordedData(name: string): GraphData | undefined {
  const file = new URL(`${name}.json`, dir)
  if (!existsSync(file)) return undefined
  const packed = JSON.parse(readFileSync(file, 'utf8')) as Omit<GraphData, 'sets'> & {
    sets: (Omit<SeriesSet, 'series'> & { series: Packed[] })[]
  }
  return {
    ...packed,
    sets: packed.sets.map((set) => ({
      ...set,
      series: set.series.map((s) => ({ ...s, points: s.points.map(([t, v]) => ({ t, v })) })),
    })),
  }
}
