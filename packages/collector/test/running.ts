import type pg from 'pg'
import { connect } from '../../../test/servers/index.js'

/** Run `command` on its own connection after `setup`; `stop` cancels it and waits for it to end. */
export async function running(url: string, setup: string, command: string) {
  const c = await connect(url)
  await c.query(setup)
  const pid = (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid
  const done = c.query(command).then(
    () => undefined,
    (e: unknown) => e,
  )
  return {
    pid,
    async stop(admin: pg.Client): Promise<void> {
      await admin.query('SELECT pg_cancel_backend($1)', [pid])
      await done
      await c.end()
    },
  }
}
