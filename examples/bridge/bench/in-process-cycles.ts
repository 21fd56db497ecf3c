// A helper of process.bench.ts: `runCycle` N times in one process with the config at argv[2]
// (N = argv[3]), so the instructions of one warm in-process cycle are the difference between
// two counts under callgrind, whatever it costs to start this process.
import { loadConfig, runCycle } from '../src/index.js'

const file = process.argv[2]
const n = Number(process.argv[3] ?? 1)
if (!file || !Number.isInteger(n) || n < 1) {
  console.error('usage: in-process-cycles.ts <config.toml> <cycles>')
  process.exit(2)
}
const config = loadConfig({ env: {}, file })
for (let i = 0; i < n; i++) {
  const r = await runCycle(config)
  if (!r.ok) throw new Error(r.reason ?? 'cycle failed')
}
process.exit(0)
