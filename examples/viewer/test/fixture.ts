// A real store for the viewer's tests: a fresh database on a real PostgreSQL (or an embedded
// PGlite store), two tenants installed with the store's installer, and real snapshots taken by
// the collector from a real server with some activity in between.
import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import type pg from 'pg'
import { collect, defaultCollectors } from '@pggraph/collector'
import type { Snapshot } from '@pggraph/core'
import { installStore, openStore, writeSnapshot, type StoreConnection } from '@pggraph/store'
import { openStoreAccess, type StoreAccess } from '../src/index.js'
import { connect, randomName, urlWith, type ServerInfo } from '../../../test/servers/index.js'

/** Two tenants: A with system `db1`, B with systems `db1` and `secret`. */
export interface Tenants {
  readonly a: string
  readonly b: string
}

/** Tenant schema names, random so roles (cluster-wide) never collide between runs. */
export function tenantNames(): Tenants {
  return { a: randomName('va'), b: randomName('vb') }
}

/** Every system {@link installTenants} installs, as the namespaces snapshots are written to. */
export function allSystems(t: Tenants): { schema: string; prefix: string }[] {
  return [
    { schema: t.a, prefix: 'db1' },
    { schema: t.b, prefix: 'db1' },
    { schema: t.b, prefix: 'secret' },
  ]
}

/** Install both tenants in `store`. */
export async function installTenants(store: StoreConnection, t: Tenants): Promise<void> {
  await installStore(store, { schema: t.a, prefix: 'db1', host: 'a.example', database: 'app' })
  await installStore(store, { schema: t.b, prefix: 'db1', host: 'b.example', database: 'app' })
  await installStore(store, { schema: t.b, prefix: 'secret', host: 'b2.example', database: 'app' })
}

/** Some work on the target so counters move between snapshots: inserts, updates, scans, a rollback. */
export async function workload(target: pg.Client, round: number): Promise<void> {
  await target.query('CREATE TABLE IF NOT EXISTS public.viewer_orders (id serial PRIMARY KEY, amount int, note text)')
  await target.query('CREATE INDEX IF NOT EXISTS viewer_orders_amount ON public.viewer_orders (amount)')
  await target.query(
    'INSERT INTO public.viewer_orders (amount, note) SELECT g % 97, md5(g::text) FROM generate_series(1, $1::int) g',
    [200 + round * 50],
  )
  await target.query('UPDATE public.viewer_orders SET amount = amount + 1 WHERE id % 7 = $1', [round % 7])
  await target.query('DELETE FROM public.viewer_orders WHERE id % 11 = $1', [round % 11])
  await target.query('SELECT count(*) FROM public.viewer_orders WHERE note LIKE $1', [`%${round}%`])
  await target.query('SELECT * FROM public.viewer_orders WHERE amount = $1', [round % 97])
  await target.query('BEGIN')
  await target.query('INSERT INTO public.viewer_orders (amount) VALUES (1)')
  await target.query('ROLLBACK')
}

/**
 * Take `count` real snapshots of `targetUrl` (the collector, with a workload between them and
 * `gapMs` apart) and write each to every namespace given.
 */
export async function collectInto(
  store: StoreConnection,
  targetUrl: string,
  namespaces: readonly { schema: string; prefix: string }[],
  count: number,
  gapMs = 1100,
): Promise<Snapshot[]> {
  const target = await connect(targetUrl)
  const snaps: Snapshot[] = []
  try {
    for (let i = 0; i < count; i++) {
      await workload(target, i)
      const snap = await collect(target, { collectors: defaultCollectors() })
      snaps.push(snap)
      for (const ns of namespaces) await writeSnapshot(store, ns, snap)
      if (i < count - 1) await new Promise((r) => setTimeout(r, gapMs))
    }
  } finally {
    await target.end()
  }
  return snaps
}

/** A fresh store database: its URL, a connection to it, and `drop()`, which removes it and the tenants' roles. */
export interface FreshStore {
  readonly url: string
  readonly store: StoreConnection
  drop(): Promise<void>
}

/** A fresh database on `server` holding a store with both tenants; `drop()` removes it and the roles. */
export async function freshPostgresStore(server: ServerInfo, tenants: Tenants): Promise<FreshStore> {
  const name = randomName('vdb')
  const admin = await connect(server.url)
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = urlWith(server.url, { database: name })
  const store = await openStore(url)
  await installTenants(store, tenants)
  return {
    url,
    store,
    async drop() {
      await store.end().catch(() => {})
      const c = await connect(server.url)
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
        const roles = await c.query<{ rolname: string }>(
          `SELECT rolname FROM pg_roles WHERE rolname LIKE $1 OR rolname LIKE $2`,
          [`${tenants.a}\\_%`, `${tenants.b}\\_%`],
        )
        for (const r of roles.rows) await c.query(`DROP ROLE IF EXISTS "${r.rolname}"`)
      } finally {
        await c.end()
      }
    },
  }
}

/** A {@link FreshStore} with real snapshots in every system and the viewer's access to it. */
export interface CollectedStore extends FreshStore {
  readonly access: StoreAccess
}

/**
 * A fresh store on `server` with both tenants, `count` real snapshots (`gapMs` apart) in every
 * system, and the viewer's store access; `drop()` ends the access, then drops the database (a
 * failed setup drops it before throwing).
 */
export async function collectedStore(
  server: ServerInfo,
  tenants: Tenants,
  count: number,
  gapMs: number,
): Promise<CollectedStore> {
  const fresh = await freshPostgresStore(server, tenants)
  let access: StoreAccess
  try {
    await collectInto(fresh.store, fresh.url, allSystems(tenants), count, gapMs)
    access = await openStoreAccess(fresh.url)
  } catch (e) {
    await fresh.drop()
    throw e
  }
  return {
    ...fresh,
    access,
    async drop() {
      await access.end()
      await fresh.drop()
    },
  }
}

/**
 * Node's arguments to run `script` (an ES module body) on the workspace's TypeScript sources, as
 * the development build runs (tsx, the `development` export condition); `args`, when given,
 * follow `--` as the script's `process.argv.slice(1)`.
 */
export function devNodeArgs(script: string, args?: readonly string[]): string[] {
  return [
    '--conditions=development',
    '--import',
    'tsx',
    '--input-type=module',
    '-e',
    script,
    ...(args ? ['--', ...args] : []),
  ]
}

/** What a CLI run printed and its exit code. */
export interface CliRun {
  readonly code: number
  readonly out: string
  readonly err: string
}

/** Run `pggraph-viewer` with `args` in its own process as a user does, `stdin` sent to it. */
export function runCli(args: readonly string[], stdin = ''): Promise<CliRun> {
  const cli = resolve(import.meta.dirname, '../src/cli.ts')
  return new Promise((done, fail) => {
    const p = spawn(
      process.execPath,
      devNodeArgs(
        `const { main } = await import(${JSON.stringify(cli)}); process.exitCode = await main(process.argv.slice(1))`,
        args,
      ),
      { stdio: ['pipe', 'pipe', 'pipe'] },
    )
    let out = ''
    let err = ''
    p.stdout.on('data', (d: Buffer) => (out += d.toString()))
    p.stderr.on('data', (d: Buffer) => (err += d.toString()))
    p.on('error', fail)
    p.on('close', (code) => done({ code: code ?? -1, out, err }))
    p.stdin.end(stdin)
  })
}
