import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic } from './atomic-file.js'

/** What the bridge remembers between runs, kept in `<spool_dir>/state.json`. */
export interface BridgeState {
  /** Snapshots dropped because the spool was full or too old, since the spool was created. */
  dropped: number
  /** Last time a snapshot was committed to the store (ISO 8601), or `null`. */
  lastSuccess: string | null
  /** The last error, one line, and when. */
  lastError: string | null
  lastErrorAt: string | null
  /** End of the last cycle (ISO 8601). */
  lastCycle: string | null
}

const EMPTY: BridgeState = { dropped: 0, lastSuccess: null, lastError: null, lastErrorAt: null, lastCycle: null }

/** The state file of a spool folder. */
export function statePath(spoolDir: string): string {
  return join(spoolDir, 'state.json')
}

/** Read the state; a missing or unreadable file gives the empty state (counting restarts at 0). */
export async function readState(spoolDir: string): Promise<BridgeState> {
  try {
    const raw = JSON.parse(await readFile(statePath(spoolDir), 'utf8')) as Partial<BridgeState>
    return {
      dropped: typeof raw.dropped === 'number' ? raw.dropped : 0,
      lastSuccess: typeof raw.lastSuccess === 'string' ? raw.lastSuccess : null,
      lastError: typeof raw.lastError === 'string' ? raw.lastError : null,
      lastErrorAt: typeof raw.lastErrorAt === 'string' ? raw.lastErrorAt : null,
      lastCycle: typeof raw.lastCycle === 'string' ? raw.lastCycle : null,
    }
  } catch {
    return { ...EMPTY }
  }
}

/** Write the state atomically. */
export async function writeState(spoolDir: string, state: BridgeState): Promise<void> {
  await writeFileAtomic(statePath(spoolDir), `${JSON.stringify(state, null, 2)}\n`)
}
