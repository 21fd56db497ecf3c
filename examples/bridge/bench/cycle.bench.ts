// Bridge cycle overhead: a full `runCycle` (lock, collect, spool with fsync, write to the store,
// delete) against a bare collect (connect, collect, disconnect) of the same server, interleaved
// in one run. Prints markdown table rows for docs/benchmarks.md ("Bridge").
//
//   node --conditions=development --import tsx examples/bridge/bench/cycle.bench.ts
//
// PGGRAPH_BENCH_URL: a superuser URL of a server used as target and store (default: the local one).
// PGGRAPH_BENCH_TABLES: user tables created in the monitored database (default 1000), so the
// snapshot has the size of a real server's.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Snapshot } from '@pggraph/core'
import { loadConfig, runCycle, Spool, collectFromTarget } from '../src/index.js'
import { benchTarget, median } from './bench-target.js'

const rounds = Number(process.env['PGGRAPH_BENCH_ROUNDS'] ?? 30)
const dir = mkdtempSync(join(tmpdir(), 'pggraph-bench-'))
const bench = await benchTarget()
const { tables } = bench

const config = loadConfig({
  env: {},
  flags: {
    target_url: bench.url,
    store_url: bench.writerUrl,
    schema: bench.schema,
    prefix: 'web1',
    insecure: true,
    spool_dir: join(dir, 'spool'),
  },
})

const bare: number[] = []
const cycle: number[] = []
const spool: number[] = []
const inner: number[] = []
let bytes = 0
try {
  await runCycle(config) // warm-up: partitions, JIT
  const sp = new Spool({ dir: join(dir, 'alone'), maxBytes: 1e9, maxAgeMs: 1e12 })
  await sp.init()
  const bareOnce = async (): Promise<void> => {
    const t = performance.now()
    const snap = await collectFromTarget(config)
    bare.push(performance.now() - t)
    const t2 = performance.now()
    const { entry } = await sp.put(snap)
    await sp.read(entry)
    await sp.remove(entry)
    spool.push(performance.now() - t2)
    bytes = entry.bytes
  }
  const cycleOnce = async (): Promise<void> => {
    let collectMs = 0
    const collectSnapshot = async (): Promise<Snapshot> => {
      const t0 = performance.now()
      const snap = await collectFromTarget(config)
      collectMs = performance.now() - t0
      return snap
    }
    const t = performance.now()
    const r = await runCycle(config, { collectSnapshot })
    cycle.push(performance.now() - t)
    inner.push(collectMs)
    if (!r.ok) throw new Error(r.reason ?? 'cycle failed')
  }
  // Interleaved, alternating which goes first, so neither profits from the other's warm caches.
  for (let i = 0; i < rounds; i++) {
    if (i % 2) {
      await bareOnce()
      await cycleOnce()
    } else {
      await cycleOnce()
      await bareOnce()
    }
  }
} finally {
  await bench.drop()
  rmSync(dir, { recursive: true, force: true })
}

const b = median(bare)
const c = median(cycle)
const s = median(spool)
const overhead = median(cycle.map((x, i) => x - inner[i]!))
console.log(
  `Snapshot of a database with ${tables} tables: ${(bytes / 1000).toFixed(1)} kB spooled; ${rounds} rounds, medians.\n`,
)
console.log('| step | median | vs bare collect |')
console.log('| --- | ---: | ---: |')
console.log(`| bare collect (connect, collect, disconnect) | ${b.toFixed(1)} ms | 1.00× |`)
console.log(
  `| full bridge cycle (lock, collect, spool, write to store, delete) | ${c.toFixed(1)} ms | ${(c / b).toFixed(2)}× |`,
)
console.log(
  `| bridge overhead in a cycle (cycle minus its own collect) | ${overhead.toFixed(1)} ms | ${(overhead / b).toFixed(2)}× |`,
)
console.log(
  `| spool alone (write + fsync + rename, read + verify, delete) | ${s.toFixed(1)} ms | ${(s / b).toFixed(2)}× |`,
)
