// The shipped bridge from cron: what a process per cycle costs. Interleaved in one run:
//   - process start: `--version` of dist/pggraph-bridge.mjs (under node) and of the single
//     executable, against a bare `node -e 0` (target: ≤ 0.3 s);
//   - one cron cycle: `run --config` as a new process (the file and the executable), against
//     the same cycle in-process (`runCycle`, a warm process), on a 1,000-table target with the
//     store up (target: ≤ 1.3×).
// Prints markdown rows for docs/benchmarks.md ("Shipped bridge"). Needs `npm run build:bridge`.
//
//   node --conditions=development --import tsx examples/bridge/bench/process.bench.ts
//
// PGGRAPH_BENCH_URL, PGGRAPH_BENCH_TABLES: as for cycle.bench.ts. PGGRAPH_BENCH_ROUNDS (default 20).
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadConfig, runCycle } from '../src/index.js'
import { benchTarget, median } from './bench-target.js'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const file = join(repo, 'dist', 'pggraph-bridge.mjs')
const executable = join(repo, 'dist', 'pggraph-bridge-linux-x64')
const deb = join(repo, 'dist', 'pggraph-bridge_0.1.0_amd64.deb')
for (const f of [file, executable]) {
  if (!existsSync(f)) {
    console.error(`${f} is missing: run \`npm run build:bridge\` first.`)
    process.exit(2)
  }
}
const rounds = Number(process.env['PGGRAPH_BENCH_ROUNDS'] ?? 20)
const dir = mkdtempSync(join(tmpdir(), 'pggraph-bench-'))

/** Wall time of one process, spawn to exit, in ms; a failing process stops the benchmark. */
function timed(command: string, args: readonly string[]): Promise<number> {
  const t = performance.now()
  const child = spawn(command, [...args], { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => {
      const ms = performance.now() - t
      if (code === 0) resolve(ms)
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr}`))
    }),
  )
}

/** Run each step once per round, in a rotating order, so none profits from another's warm caches. */
async function interleaved(steps: Record<string, () => Promise<number>>): Promise<Record<string, number[]>> {
  const names = Object.keys(steps)
  const out: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]))
  for (let i = 0; i < rounds; i++) {
    for (let j = 0; j < names.length; j++) {
      const name = names[(i + j) % names.length]!
      out[name]!.push(await steps[name]!())
    }
  }
  return out
}

const bench = await benchTarget()
try {
  // One config, one spool per way of running, so each cycle finds its own spool empty.
  const configFor = (name: string): string => {
    const path = join(dir, `${name}.toml`)
    const values = {
      target_url: bench.url,
      store_url: bench.writerUrl,
      schema: 'bench',
      prefix: 'web1',
      insecure: true,
      spool_dir: join(dir, `spool-${name}`),
    }
    writeFileSync(
      path,
      Object.entries(values)
        .map(([k, v]) => `${k} = ${JSON.stringify(v)}`)
        .join('\n'),
      { mode: 0o600 },
    )
    return path
  }
  const inProcess = loadConfig({ env: {}, file: configFor('in-process') })
  const fileConfig = configFor('file')
  const exeConfig = configFor('executable')

  const start = await interleaved({
    node: () => timed(process.execPath, ['-e', '0']),
    file: () => timed(process.execPath, [file, '--version']),
    executable: () => timed(executable, ['--version']),
  })

  await runCycle(inProcess) // warm-up: the store's partitions, this process's JIT
  const cycle = await interleaved({
    inProcess: async () => {
      const t = performance.now()
      const r = await runCycle(inProcess)
      if (!r.ok) throw new Error(r.reason ?? 'cycle failed')
      return performance.now() - t
    },
    file: () => timed(process.execPath, [file, 'run', '--config', fileConfig]),
    executable: () => timed(executable, ['run', '--config', exeConfig]),
  })

  const m = (xs: number[] | undefined): number => median(xs ?? [])
  const ms = (x: number): string => `${x.toFixed(0)} ms`
  const mb = (f: string): string => (existsSync(f) ? `${(statSync(f).size / 1e6).toFixed(1)} MB` : 'not built')
  console.log(
    `Node ${process.version}; ${bench.tables} tables in the target; ${rounds} rounds, interleaved, medians.\n`,
  )
  console.log('| process start (`--version`) | median | vs bare `node -e 0` |')
  console.log('| --- | ---: | ---: |')
  console.log(`| bare \`node -e 0\` | ${ms(m(start['node']))} | 1.00× |`)
  for (const k of ['file', 'executable'] as const)
    console.log(
      `| ${k === 'file' ? '`node pggraph-bridge.mjs`' : '`pggraph-bridge-linux-x64`'} | ${ms(m(start[k]))} | ${(m(start[k]) / m(start['node'])).toFixed(2)}× |`,
    )
  console.log('\n| one cron cycle (`run`, store up) | median | vs in-process |')
  console.log('| --- | ---: | ---: |')
  console.log(`| in-process \`runCycle\` (warm process) | ${ms(m(cycle['inProcess']))} | 1.00× |`)
  for (const k of ['file', 'executable'] as const)
    console.log(
      `| ${k === 'file' ? '`node pggraph-bridge.mjs run`' : '`pggraph-bridge-linux-x64 run`'} | ${ms(m(cycle[k]))} | ${(m(cycle[k]) / m(cycle['inProcess'])).toFixed(2)}× |`,
    )
  // No process can beat starting Node and then doing the cycle: that sum is the floor of any
  // process-per-cycle bridge on this machine, measured in the same run.
  const floor = m(cycle['inProcess']) + m(start['node'])
  console.log(
    `| floor: bare \`node -e 0\` + the in-process cycle | ${ms(floor)} | ${(floor / m(cycle['inProcess'])).toFixed(2)}× |`,
  )
  console.log('\n| artefact | size |')
  console.log('| --- | ---: |')
  console.log(`| \`dist/pggraph-bridge.mjs\` | ${(statSync(file).size / 1e3).toFixed(0)} kB |`)
  console.log(`| \`dist/pggraph-bridge-linux-x64\` | ${mb(executable)} |`)
  console.log(`| \`dist/${deb.split('/').pop()}\` | ${mb(deb)} |`)
} finally {
  await bench.drop()
  rmSync(dir, { recursive: true, force: true })
}
