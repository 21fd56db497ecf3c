// `npm run bench`: run every package's benchmarks one after another (never in parallel: the
// machines are small and shared, and each benchmark compares ours against a baseline in one
// run). Pass names to filter: `npm run bench -- store render`.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

const roots = ['packages', 'examples']
const filters = process.argv.slice(2)
const files: string[] = []
for (const root of roots) {
  for (const pkg of readdirSync(root)) {
    const dir = join(root, pkg, 'bench')
    if (!existsSync(dir)) continue
    for (const f of readdirSync(dir).sort()) {
      if (f.endsWith('.bench.ts') && (filters.length === 0 || filters.some((x) => join(dir, f).includes(x)))) {
        files.push(join(dir, f))
      }
    }
  }
}
if (files.length === 0) {
  console.error('No benchmarks matched.')
  process.exit(1)
}
let failed = 0
for (const f of files) {
  console.log(`\n## ${f}\n`)
  const r = spawnSync(process.execPath, ['--conditions=development', '--import', 'tsx', f], { stdio: 'inherit' })
  if (r.status !== 0) {
    failed++
    console.error(`${f} failed (exit ${r.status})`)
  }
}
process.exit(failed ? 1 : 0)
