// The shipped bridge from cron: what a process per cycle costs. Interleaved in one run:
//   - process start: `--version` of dist/pggraph-bridge.mjs (under node) and of the single
//     executable, against a bare `node -e 0` (target: ≤ 0.3 s);
//   - one cron cycle: `run --config` as a new process (the file and the executable), against
//     the same cycle in-process (`runCycle`, a warm process), on a 1,000-table target with the
//     store up (target: ≤ 1.3×); the file without its code cache (PGGRAPH_BRIDGE_CODE_CACHE=0,
//     as every cycle compiled before scripts/loader.mjs kept one), and the file with V8's
//     optimising compiler kept on (PGGRAPH_BRIDGE_OPTIMIZE=1), as every one-shot command ran
//     before it was turned off. Each process form runs once first, unmeasured, which writes
//     the code cache a cron job finds from its second run on.
// Processes run with the environment cron gives a job (HOME, LOGNAME, PATH, SHELL), not this
// shell's: a variable such as NODE_EXTRA_CA_CERTS makes every Node start parse a CA bundle
// (on these machines 415 M of a bare start's 500 M instructions), which cron never passes.
// HOME is the bench's temporary folder, so the code cache starts empty and goes with it.
// Each variant's CPU time is measured too (user + system, all threads: the children's times in
// /proc/self/stat, process.cpuUsage() for the in-process cycle): a cycle's wall time is mostly
// waiting for PostgreSQL, which a loaded machine stretches for every variant alike.
// Wall times on a shared machine swing with its load, so each variant is also counted in CPU
// instructions under `valgrind --tool=callgrind` (repeatable to ~1 %): one process per variant,
// and the in-process cycle as the difference between 1 and 3 cycles in one process.
// Prints markdown rows for docs/benchmarks.md ("Shipped bridge"). Needs `npm run build:bridge`.
//
//   node --conditions=development --import tsx examples/bridge/bench/process.bench.ts
//
// PGGRAPH_BENCH_URL, PGGRAPH_BENCH_TABLES: as for cycle.bench.ts. PGGRAPH_BENCH_ROUNDS (default 20).
// PGGRAPH_BENCH_ENV=inherit: run the processes with this shell's environment instead.
// PGGRAPH_BENCH_CALLGRIND=0: skip the instruction counts (no valgrind on the machine).
import { spawn, spawnSync } from 'node:child_process'
import { userInfo } from 'node:os'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
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
/** What cron puts in a job's environment (crontab(5)), or this shell's with PGGRAPH_BENCH_ENV=inherit. */
const env: NodeJS.ProcessEnv =
  process.env['PGGRAPH_BENCH_ENV'] === 'inherit'
    ? process.env
    : { HOME: dir, LOGNAME: userInfo().username, PATH: '/usr/bin:/bin', SHELL: '/bin/sh' }
const callgrind = process.env['PGGRAPH_BENCH_CALLGRIND'] !== '0' && spawnSync('valgrind', ['--version']).status === 0

/**
 * CPU time (user + system, all threads, ms) of the children this process has reaped so far:
 * fields 16–17 of /proc/self/stat, in clock ticks (10 ms; the means over the rounds resolve
 * less). `undefined` where there is no /proc.
 */
function childrenCpuMs(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[13]) + Number(fields[14])) * 10
  } catch {
    return undefined
  }
}

/** CPU time (ms) of the last step run by {@link interleaved}: its process's, or this process's for the in-process cycle. */
let lastCpuMs: number | undefined

/** Wall time of one process, spawn to exit, in ms; a failing process stops the benchmark. */
function timed(command: string, args: readonly string[], childEnv = env): Promise<number> {
  const t = performance.now()
  const cpu = childrenCpuMs()
  const child = spawn(command, [...args], { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir, env: childEnv })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => {
      const ms = performance.now() - t
      const after = childrenCpuMs()
      lastCpuMs = cpu === undefined || after === undefined ? undefined : after - cpu
      if (code === 0) resolve(ms)
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr}`))
    }),
  )
}

/** CPU instructions of one process (all its threads), counted by callgrind. */
function instructions(command: string, args: readonly string[], childEnv = env, cwd = dir): number {
  const r = spawnSync('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', command, ...args], {
    cwd,
    env: childEnv,
    encoding: 'utf8',
  })
  const count = /Collected : (\d+)/.exec(r.stderr)?.[1]
  if (r.status !== 0 || !count)
    throw new Error(`callgrind ${command} ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return Number(count)
}

/** CPU ms of each step of the last {@link interleaved} call, per round. */
const cpuOf: Record<string, number[]> = {}

/** Run each step once per round, in a rotating order, so none profits from another's warm caches. */
async function interleaved(steps: Record<string, () => Promise<number>>): Promise<Record<string, number[]>> {
  const names = Object.keys(steps)
  const out: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]))
  for (const n of names) cpuOf[n] = []
  for (let i = 0; i < rounds; i++) {
    for (let j = 0; j < names.length; j++) {
      const name = names[(i + j) % names.length]!
      lastCpuMs = undefined
      out[name]!.push(await steps[name]!())
      if (lastCpuMs !== undefined) cpuOf[name]!.push(lastCpuMs)
    }
  }
  return out
}

/** The mean of `xs` (CPU ticks are too coarse for a median), or NaN when there are none. */
const mean = (xs: readonly number[] | undefined): number =>
  xs?.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN

const bench = await benchTarget()
const loadAtStart = loadavg()
try {
  // One config, one spool per way of running, so each cycle finds its own spool empty.
  const configFor = (name: string): string => {
    const path = join(dir, `${name}.toml`)
    const values = {
      target_url: bench.url,
      store_url: bench.writerUrl,
      schema: bench.schema,
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
  const optimizedConfig = configFor('file-optimized')
  const uncachedConfig = configFor('file-uncached')
  /** The shipped file with V8's optimising compiler kept on, as every cycle ran before (PGGRAPH_BRIDGE_OPTIMIZE=1). */
  const optimizeEnv = { ...env, PGGRAPH_BRIDGE_OPTIMIZE: '1' }
  /** The shipped file compiling its program from source, as every process did before the code cache. */
  const uncachedEnv = { ...env, PGGRAPH_BRIDGE_CODE_CACHE: '0' }
  // Once each, unmeasured: what a cron job's first run does (and writes the code caches).
  for (const [command, args, childEnv] of [
    [process.execPath, [file, '--version'], env],
    [executable, ['--version'], env],
    [process.execPath, [file, 'run', '--config', fileConfig], env],
    [executable, ['run', '--config', exeConfig], env],
    [process.execPath, [file, 'run', '--config', optimizedConfig], optimizeEnv],
  ] as const)
    await timed(command, args, childEnv)

  const start = await interleaved({
    node: () => timed(process.execPath, ['-e', '0']),
    file: () => timed(process.execPath, [file, '--version']),
    executable: () => timed(executable, ['--version']),
  })

  const startCpu = { ...cpuOf }
  await runCycle(inProcess) // warm-up: the store's partitions, this process's JIT
  const cycle = await interleaved({
    inProcess: async () => {
      const t = performance.now()
      const cpu = process.cpuUsage()
      const r = await runCycle(inProcess)
      const used = process.cpuUsage(cpu)
      lastCpuMs = (used.user + used.system) / 1000
      if (!r.ok) throw new Error(r.reason ?? 'cycle failed')
      return performance.now() - t
    },
    file: () => timed(process.execPath, [file, 'run', '--config', fileConfig]),
    executable: () => timed(executable, ['run', '--config', exeConfig]),
    uncached: () => timed(process.execPath, [file, 'run', '--config', uncachedConfig], uncachedEnv),
    optimized: () => timed(process.execPath, [file, 'run', '--config', optimizedConfig], optimizeEnv),
  })

  const m = (xs: number[] | undefined): number => median(xs ?? [])
  const ms = (x: number): string => `${x.toFixed(0)} ms`
  const mb = (f: string): string => (existsSync(f) ? `${(statSync(f).size / 1e6).toFixed(1)} MB` : 'not built')
  console.log(
    `Node ${process.version}; ${bench.tables} tables in the target; ${rounds} rounds, interleaved, medians; load average ${loadAtStart.map((x) => x.toFixed(1)).join(' ')} at the start, ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} after the rounds.\n`,
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
  console.log(
    `| \`node pggraph-bridge.mjs run\`, no code cache (\`PGGRAPH_BRIDGE_CODE_CACHE=0\`) | ${ms(m(cycle['uncached']))} | ${(m(cycle['uncached']) / m(cycle['inProcess'])).toFixed(2)}× |`,
  )
  console.log(
    `| \`node pggraph-bridge.mjs run\`, optimising compiler kept (\`PGGRAPH_BRIDGE_OPTIMIZE=1\`) | ${ms(m(cycle['optimized']))} | ${(m(cycle['optimized']) / m(cycle['inProcess'])).toFixed(2)}× |`,
  )
  // No process can beat starting Node and then doing the cycle: that sum is the floor of any
  // process-per-cycle bridge on this machine, measured in the same run.
  const floor = m(cycle['inProcess']) + m(start['node'])
  console.log(
    `| floor: bare \`node -e 0\` + the in-process cycle | ${ms(floor)} | ${(floor / m(cycle['inProcess'])).toFixed(2)}× |`,
  )
  // CPU time is what a process per cycle adds to the machine's work, and what the load moves
  // least: the wall time of a cycle is mostly waiting for PostgreSQL, which a busy machine
  // stretches for every variant alike.
  const cpu = (k: string, from = cpuOf): string => `${mean(from[k]).toFixed(0)} ms`
  const cpuRatio = (k: string): string => (mean(cpuOf[k]) / mean(cpuOf['inProcess'])).toFixed(2)
  console.log('\nCPU time (user + system, all threads; mean of the rounds):\n')
  console.log('| process | CPU | vs in-process cycle |')
  console.log('| --- | ---: | ---: |')
  console.log(`| bare \`node -e 0\` | ${cpu('node', startCpu)} | |`)
  console.log(`| \`node pggraph-bridge.mjs --version\` | ${cpu('file', startCpu)} | |`)
  console.log(`| \`pggraph-bridge-linux-x64 --version\` | ${cpu('executable', startCpu)} | |`)
  console.log(`| in-process \`runCycle\` (warm process) | ${cpu('inProcess')} | 1.00× |`)
  console.log(`| \`node pggraph-bridge.mjs run\` | ${cpu('file')} | ${cpuRatio('file')}× |`)
  console.log(`| \`pggraph-bridge-linux-x64 run\` | ${cpu('executable')} | ${cpuRatio('executable')}× |`)
  console.log(`| \`node pggraph-bridge.mjs run\`, no code cache | ${cpu('uncached')} | ${cpuRatio('uncached')}× |`)
  console.log(
    `| \`node pggraph-bridge.mjs run\`, optimiser kept on | ${cpu('optimized')} | ${cpuRatio('optimized')}× |`,
  )
  const cpuFloor = mean(startCpu['node']) + mean(cpuOf['inProcess'])
  console.log(
    `| floor: bare \`node -e 0\` + the in-process cycle | ${cpuFloor.toFixed(0)} ms | ${(cpuFloor / mean(cpuOf['inProcess'])).toFixed(2)}× |`,
  )
  if (callgrind) {
    const helper = join(dirname(fileURLToPath(import.meta.url)), 'in-process-cycles.ts')
    const tsx = ['--conditions=development', '--import', 'tsx', helper, configFor('counted')]
    const node = instructions(process.execPath, ['-e', '0'])
    const nodeInherited = instructions(process.execPath, ['-e', '0'], process.env)
    const version = {
      file: instructions(process.execPath, [file, '--version']),
      executable: instructions(executable, ['--version']),
    }
    const run = {
      file: instructions(process.execPath, [file, 'run', '--config', configFor('counted-file')]),
      executable: instructions(executable, ['run', '--config', configFor('counted-exe')]),
      uncached: instructions(process.execPath, [file, 'run', '--config', configFor('counted-uncached')], uncachedEnv),
      optimized: instructions(process.execPath, [file, 'run', '--config', configFor('counted-optimized')], {
        ...optimizeEnv,
      }),
    }
    // From the repository, where `--import tsx` resolves.
    const inProcessCycle =
      (instructions(process.execPath, [...tsx, '3'], env, repo) -
        instructions(process.execPath, [...tsx, '1'], env, repo)) /
      2
    const M = (x: number): string => `${(x / 1e6).toFixed(0)} M`
    console.log('\nCPU instructions (callgrind, all threads), one process each:\n')
    console.log('| process | instructions | vs bare `node -e 0` | vs in-process cycle |')
    console.log('| --- | ---: | ---: | ---: |')
    console.log(`| bare \`node -e 0\` | ${M(node)} | 1.00× | |`)
    console.log(
      `| bare \`node -e 0\`, this shell's environment (NODE_EXTRA_CA_CERTS=${process.env['NODE_EXTRA_CA_CERTS'] ?? 'unset'}) | ${M(nodeInherited)} | ${(nodeInherited / node).toFixed(2)}× | |`,
    )
    console.log(
      `| \`node pggraph-bridge.mjs --version\` | ${M(version.file)} | ${(version.file / node).toFixed(2)}× | |`,
    )
    console.log(
      `| \`pggraph-bridge-linux-x64 --version\` | ${M(version.executable)} | ${(version.executable / node).toFixed(2)}× | |`,
    )
    console.log(`| in-process \`runCycle\` (warm; 3 cycles − 1, halved) | ${M(inProcessCycle)} | | 1.00× |`)
    console.log(`| \`node pggraph-bridge.mjs run\` | ${M(run.file)} | | ${(run.file / inProcessCycle).toFixed(2)}× |`)
    console.log(
      `| \`pggraph-bridge-linux-x64 run\` | ${M(run.executable)} | | ${(run.executable / inProcessCycle).toFixed(2)}× |`,
    )
    console.log(
      `| \`node pggraph-bridge.mjs run\`, no code cache | ${M(run.uncached)} | | ${(run.uncached / inProcessCycle).toFixed(2)}× |`,
    )
    console.log(
      `| \`node pggraph-bridge.mjs run\`, optimising compiler kept | ${M(run.optimized)} | | ${(run.optimized / inProcessCycle).toFixed(2)}× |`,
    )
    console.log(
      `| floor: bare \`node -e 0\` + the in-process cycle | ${M(node + inProcessCycle)} | | ${((node + inProcessCycle) / inProcessCycle).toFixed(2)}× |`,
    )
  }

  console.log('\n| artefact | size |')
  console.log('| --- | ---: |')
  console.log(`| \`dist/pggraph-bridge.mjs\` | ${(statSync(file).size / 1e3).toFixed(0)} kB |`)
  console.log(`| \`dist/pggraph-bridge-linux-x64\` | ${mb(executable)} |`)
  console.log(`| \`dist/${deb.split('/').pop()}\` | ${mb(deb)} |`)
} finally {
  await bench.drop()
  rmSync(dir, { recursive: true, force: true })
}
