// A real streaming standby for record-fixtures.ts. The embedded binaries have no pg_basebackup
// (and the machine's older one refuses a newer server), so the standby is a cold copy: the
// primary is shut down cleanly, its data folder copied, and the copy started with standby.signal,
// streaming from the primary through a physical slot.
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startServer, type RunningServer } from '../../../test/servers/pg-server.js'

const asRoot = process.getuid?.() === 0
const NOBODY = 65534

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Shut a server down (fast shutdown) and wait for its postmaster to exit, keeping its data folder. */
export async function shutDown(dataDir: string): Promise<void> {
  const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
  process.kill(pid, 'SIGINT')
  for (;;) {
    try {
      process.kill(pid, 0)
      await sleep(100)
    } catch {
      return
    }
  }
}

/** A copy of a cleanly shut down server's data folder, set up to start as a standby. */
export function copyAsStandby(dataDir: string): { base: string; dataDir: string } {
  const base = mkdtempSync(join(tmpdir(), 'pggraph-record-standby-'))
  chmodSync(base, 0o755)
  const copy = join(base, 'data')
  execFileSync('cp', ['-a', dataDir, copy])
  rmSync(join(copy, 'postmaster.pid'), { force: true })
  rmSync(join(copy, 'postmaster.opts'), { force: true })
  // The primary's slots are not the standby's (pg_basebackup leaves them out too).
  for (const slot of readdirSync(join(copy, 'pg_replslot')))
    rmSync(join(copy, 'pg_replslot', slot), { recursive: true, force: true })
  writeFileSync(join(copy, 'standby.signal'), '')
  if (asRoot) execFileSync('chown', ['-R', `${NOBODY}:${NOBODY}`, base])
  return { base, dataDir: copy }
}

/** Start the copy as a hot standby of `primary`, streaming through the physical slot `slot`. */
export async function startStandby(
  major: number,
  copy: { base: string; dataDir: string },
  primary: RunningServer,
  slot: string,
  settings: Readonly<Record<string, string>>,
): Promise<RunningServer> {
  const server = await startServer(major, {
    dataDir: copy.dataDir,
    settings: {
      ...settings,
      hot_standby: 'on',
      primary_conninfo: `host=127.0.0.1 port=${primary.port} user=postgres`,
      primary_slot_name: slot,
      wal_retrieve_retry_interval: '1s',
    },
  })
  return {
    ...server,
    async stop() {
      await server.stop()
      rmSync(copy.base, { recursive: true, force: true })
    },
  }
}
