import { execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { sleep } from './sleep.js'

/** What the workload did, for the summary line. */
export interface WorkloadStats {
  transactions: number
  rollbacks: number
  engine: 'pgbench' | 'built-in'
}

/** The machine's `pgbench` (next to `pg_config --bindir`, or in the usual places), if any. */
export async function findPgbench(): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)('pg_config', ['--bindir'])
    const p = join(stdout.trim(), 'pgbench')
    if (existsSync(p)) return p
  } catch {
    // no pg_config: fall through to PATH
  }
  return ['/usr/bin/pgbench', '/usr/local/bin/pgbench'].find((p) => existsSync(p))
}

/** Create the demo schema: a few tables with indexes, a function, and pg_stat_statements. */
export async function prepareWorkload(adminUrl: string): Promise<void> {
  const db = new pg.Client({ connectionString: adminUrl })
  await db.connect()
  try {
    await db.query(`
      CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
      CREATE TABLE IF NOT EXISTS shop_customers (id bigserial PRIMARY KEY, name text NOT NULL, created timestamptz DEFAULT now());
      CREATE TABLE IF NOT EXISTS shop_orders (id bigserial PRIMARY KEY, customer_id bigint NOT NULL, amount numeric NOT NULL, status text NOT NULL DEFAULT 'new');
      CREATE INDEX IF NOT EXISTS shop_orders_customer ON shop_orders (customer_id);
      CREATE INDEX IF NOT EXISTS shop_orders_status ON shop_orders (status);
      CREATE TABLE IF NOT EXISTS shop_audit (id bigserial PRIMARY KEY, note text);
      CREATE OR REPLACE FUNCTION shop_total(c bigint) RETURNS numeric LANGUAGE sql AS 'SELECT coalesce(sum(amount), 0) FROM shop_orders WHERE customer_id = c';
      INSERT INTO shop_customers (name) SELECT 'customer ' || g FROM generate_series(1, 2000) g;
      INSERT INTO shop_orders (customer_id, amount) SELECT 1 + (g % 2000), (g % 97) + 0.5 FROM generate_series(1, 20000) g;
      ANALYZE;
    `)
  } finally {
    await db.end()
  }
}

/**
 * Drive a realistic mix on the target until `signal` aborts: pgbench (when the machine has it)
 * for the TPC-B-like load, plus our own clients for reads, updates, deletes, a rollback now
 * and then, and one long-running transaction (so "longest transaction" has something to show).
 */
export async function runWorkload(
  adminUrl: string,
  signal: AbortSignal,
  stats: WorkloadStats,
  pgbench?: string,
): Promise<void> {
  const tasks: Promise<void>[] = [mixedClient(adminUrl, signal, stats), longTransaction(adminUrl, signal)]
  if (pgbench) {
    stats.engine = 'pgbench'
    tasks.push(runPgbench(pgbench, adminUrl, signal))
  } else {
    tasks.push(mixedClient(adminUrl, signal, stats))
  }
  await Promise.all(tasks)
}

function pgbenchEnv(adminUrl: string): NodeJS.ProcessEnv {
  const u = new URL(adminUrl)
  return {
    ...process.env,
    PGHOST: u.hostname,
    PGPORT: u.port,
    PGUSER: decodeURIComponent(u.username),
    PGPASSWORD: decodeURIComponent(u.password),
    PGDATABASE: u.pathname.slice(1),
  }
}

async function runPgbench(bin: string, adminUrl: string, signal: AbortSignal): Promise<void> {
  const env = pgbenchEnv(adminUrl)
  await new Promise<void>((resolve) => {
    const init = spawn(bin, ['-i', '-q', '-s', '2', '--no-vacuum'], { env, stdio: 'ignore' })
    init.on('exit', () => resolve())
    init.on('error', () => resolve())
  })
  if (signal.aborted) return
  await new Promise<void>((resolve) => {
    // -R throttles to a rate a laptop keeps up with while the bridge and renderer run.
    const run = spawn(bin, ['-c', '4', '-j', '1', '-R', '150', '-T', '3600', '-n'], { env, stdio: 'ignore' })
    const stop = () => run.kill('SIGINT')
    signal.addEventListener('abort', stop, { once: true })
    run.on('exit', () => resolve())
    run.on('error', () => resolve())
  })
}

/**
 * A client whose connection may be cut under it (the server stops on Ctrl-C before the loop
 * notices): the error surfaces from the next query, not as an unhandled 'error' event.
 */
async function workloadClient(adminUrl: string, applicationName: string): Promise<pg.Client> {
  const db = new pg.Client({ connectionString: adminUrl, application_name: applicationName })
  db.on('error', () => {})
  await db.connect()
  return db
}

async function mixedClient(adminUrl: string, signal: AbortSignal, stats: WorkloadStats): Promise<void> {
  const db = await workloadClient(adminUrl, 'quickstart-app')
  try {
    let i = 0
    while (!signal.aborted) {
      i++
      const c = 1 + (i % 2000)
      await db.query('SELECT shop_total($1)', [c])
      await db.query('SELECT count(*) FROM shop_orders WHERE status = $1', ['new'])
      await db.query('INSERT INTO shop_orders (customer_id, amount) VALUES ($1, $2)', [c, (i % 50) + 1])
      await db.query("UPDATE shop_orders SET status = 'paid' WHERE id = $1", [1 + (i % 20000)])
      if (i % 7 === 0) await db.query('DELETE FROM shop_audit WHERE id < (SELECT max(id) - 100 FROM shop_audit)')
      await db.query('INSERT INTO shop_audit (note) VALUES ($1)', [`op ${i}`])
      if (i % 25 === 0) {
        await db.query('BEGIN')
        await db.query("UPDATE shop_customers SET name = name || '!' WHERE id = $1", [c])
        await db.query('ROLLBACK')
        stats.rollbacks++
      }
      if (i % 200 === 0) await db.query('SELECT * FROM shop_orders ORDER BY amount DESC LIMIT 5') // a sort, a seq scan
      stats.transactions += 6
      await new Promise((r) => setTimeout(r, 15))
    }
  } finally {
    await db.end().catch(() => {})
  }
}

async function longTransaction(adminUrl: string, signal: AbortSignal): Promise<void> {
  const db = await workloadClient(adminUrl, 'quickstart-report')
  try {
    while (!signal.aborted) {
      await db.query('BEGIN')
      await db.query('SELECT count(*) FROM shop_customers')
      // Hold the transaction open for up to 20 s, as a slow report would.
      await sleep(20_000, signal)
      await db.query('COMMIT')
    }
  } finally {
    await db.end().catch(() => {})
  }
}
