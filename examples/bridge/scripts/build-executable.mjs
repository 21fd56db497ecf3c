#!/usr/bin/env node
// dist/pggraph-bridge-linux-x64: the bridge as one executable that needs no Node on the server.
// Node's own single-executable-application (SEA) support: the bundled CommonJS program behind
// its loader (dist/sea/pggraph-bridge-main.cjs, from tsup and scripts/wrap-program.mjs, which
// compiles the program with a code cache kept at run time) becomes a blob with V8's code cache
// (`node --experimental-sea-config`), and `postject` (npm) injects it into a copy of this
// Node binary, stripped of its debug symbols. Run by `npm run build:bridge`; skips the work when
// its inputs (the program, this Node, this script) have not changed since the last build.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, copyFileSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const bridgeDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(bridgeDir, '..', '..', 'dist')
const program = join(dist, 'sea', 'pggraph-bridge-main.cjs')
const out = join(dist, 'pggraph-bridge-linux-x64')
const stamp = `${out}.inputs`

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.error(
    `build-executable: builds the linux-x64 executable on linux-x64 only (this is ${process.platform}-${process.arch}).`,
  )
  process.exit(2)
}
if (!existsSync(program)) {
  console.error(`build-executable: ${program} is missing: run \`npm run build -w @pggraph/bridge\` first.`)
  process.exit(2)
}

const inputs = createHash('sha256')
  .update(readFileSync(program))
  .update(process.version)
  .update(readFileSync(process.execPath).subarray(0, 1 << 20))
  .update(readFileSync(fileURLToPath(import.meta.url)))
  .digest('hex')
if (existsSync(out) && existsSync(stamp) && readFileSync(stamp, 'utf8') === inputs) {
  console.log(`build-executable: ${out} is up to date`)
  process.exit(0)
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: dist })
  if (r.status !== 0) {
    console.error(`build-executable: ${cmd} ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`)
    process.exit(1)
  }
}

const started = Date.now()
const blob = join(dist, 'sea', 'pggraph-bridge.blob')
const seaConfig = join(dist, 'sea', 'sea-config.json')
writeFileSync(
  seaConfig,
  JSON.stringify({ main: program, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }),
)
run(process.execPath, ['--experimental-sea-config', seaConfig])

// Build under a temporary name, so a failed or interrupted build never leaves a half-made executable.
const tmp = `${out}.tmp`
rmSync(tmp, { force: true })
// Node's symbol tables are 12 MB that nobody on a monitored server reads; the SEA fuse lives in
// data that `strip` keeps.
const stripped = spawnSync('strip', ['-o', tmp, process.execPath])
if (stripped.status !== 0) copyFileSync(process.execPath, tmp)
chmodSync(tmp, 0o755)

const { inject } = createRequire(import.meta.url)('postject')
await inject(tmp, 'NODE_SEA_BLOB', readFileSync(blob), {
  sentinelFuse: 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2',
})
renameSync(tmp, out)
writeFileSync(stamp, inputs)
rmSync(blob, { force: true })
console.log(`build-executable: ${out} (${Math.round(readFileSync(out).length / 1e6)} MB) in ${Date.now() - started} ms`)
