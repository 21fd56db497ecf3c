import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { collect, defaultCollectors } from '@pggraph/collector'
import { installStore, openStore, readSeries, writeSnapshot } from '@pggraph/store'
import { graphNames, loadGraphData, renderGraph } from '../src/index.js'

const url = 'postgres://postgres@127.0.0.1:5432/postgres'
const db = new pg.Client({ connectionString: url })
await db.connect()
await db.query('CREATE TABLE IF NOT EXISTS render_scratch (id bigserial primary key, v int)')
const store = await openStore('pglite:' + mkdtempSync(join(tmpdir(), 'rs-')))
const ns = { schema: 'scratch', prefix: 'local' }
await installStore(store, ns)
let first = 0
for (let i = 0; i < 12; i++) {
  await db.query('INSERT INTO render_scratch (v) SELECT g FROM generate_series(1, $1::int) g', [1000 * (1 + (i % 4))])
  await db.query('SELECT count(*) FROM render_scratch')
  const snap = await collect(db, { collectors: defaultCollectors() })
  if (!first) first = Date.parse(snap.takenAt)
  await writeSnapshot(store, ns, snap)
  await new Promise((r) => setTimeout(r, 1000))
}
const to = Date.now()
for (const name of graphNames()) {
  const data = await loadGraphData(name, (q) => readSeries(store, ns, q), { from: first - 5000, to })
  writeFileSync(`/tmp/real-${name}.png`, await renderGraph(name, data, { width: 720, height: 240, format: 'png' }))
}
await db.query('DROP TABLE render_scratch')
await db.end()
await store.end()
