#!/usr/bin/env node
// dist/pggraph-bridge_<version>_amd64.deb, built with dpkg-deb (no network): the executable
// from build-executable.mjs as /usr/bin/pggraph-bridge, the example config in /etc/pggraph/,
// the systemd service + timer templates (pggraph-bridge@<schema>.<prefix>), and the
// maintainer scripts in debian/ (the pggraph system user, the spool folder, clean removal).
// Skips the work when its inputs have not changed since the last build.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const bridgeDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const repo = join(bridgeDir, '..', '..')
const debian = join(bridgeDir, 'debian')
const dist = join(bridgeDir, '..', '..', 'dist')
const executable = join(dist, 'pggraph-bridge-linux-x64')
const { version } = JSON.parse(readFileSync(join(bridgeDir, 'package.json'), 'utf8'))
const out = join(dist, `pggraph-bridge_${version}_amd64.deb`)
const stamp = `${out}.inputs`

if (!existsSync(executable)) {
  console.error(`build-deb: ${executable} is missing: run scripts/build-executable.mjs first.`)
  process.exit(2)
}
const dpkgDeb = spawnSync('dpkg-deb', ['--version'])
if (dpkgDeb.error || dpkgDeb.status !== 0) {
  console.error('build-deb: dpkg-deb is not installed (Debian: apt-get install dpkg).')
  process.exit(2)
}

/** Every file of the package, as [path in the package, source file, mode]. */
const files = [
  ['usr/bin/pggraph-bridge', executable, 0o755],
  ['etc/pggraph/pggraph-bridge.example.toml', join(bridgeDir, 'pggraph-bridge.example.toml'), 0o644],
  ['lib/systemd/system/pggraph-bridge@.service', join(debian, 'pggraph-bridge@.service'), 0o644],
  ['lib/systemd/system/pggraph-bridge@.timer', join(debian, 'pggraph-bridge@.timer'), 0o644],
  ['usr/share/doc/pggraph-bridge/bridge.md', join(repo, 'docs', 'bridge.md'), 0o644],
  ['usr/share/doc/pggraph-bridge/copyright', join(repo, 'LICENSE'), 0o644],
]
const scripts = ['postinst', 'prerm', 'postrm']

const hash = createHash('sha256').update(version)
for (const [path, source] of files) hash.update(path).update(readFileSync(source))
for (const s of [...scripts, 'control']) hash.update(readFileSync(join(debian, s)))
hash.update(readFileSync(fileURLToPath(import.meta.url)))
const inputs = hash.digest('hex')
if (existsSync(out) && existsSync(stamp) && readFileSync(stamp, 'utf8') === inputs) {
  console.log(`build-deb: ${out} is up to date`)
  process.exit(0)
}

const started = Date.now()
const root = mkdtempSync(join(tmpdir(), 'pggraph-deb-'))
try {
  chmodSync(root, 0o755)
  let bytes = 0
  for (const [path, source, mode] of files) {
    const target = join(root, path)
    mkdirSync(dirname(target), { recursive: true, mode: 0o755 })
    copyFileSync(source, target)
    chmodSync(target, mode)
    bytes += statSync(target).size
  }
  mkdirSync(join(root, 'DEBIAN'), { mode: 0o755 })
  writeFileSync(
    join(root, 'DEBIAN', 'control'),
    readFileSync(join(debian, 'control'), 'utf8')
      .replace('@VERSION@', version)
      .replace('@INSTALLED_SIZE@', String(Math.ceil(bytes / 1024))),
  )
  // The example config is the package's; the operator's own configs beside it are not.
  writeFileSync(join(root, 'DEBIAN', 'conffiles'), '/etc/pggraph/pggraph-bridge.example.toml\n')
  for (const s of scripts) {
    copyFileSync(join(debian, s), join(root, 'DEBIAN', s))
    chmodSync(join(root, 'DEBIAN', s), 0o755)
  }
  for (const d of readdirSync(root, { recursive: true, withFileTypes: true }))
    if (d.isDirectory()) chmodSync(join(d.parentPath, d.name), 0o755)
  const tmp = `${out}.tmp`
  // xz at level 6 takes ~30 s for the 87 MB executable on two shared cores; gzip -6 takes a few
  // seconds for a package ~10% larger, and keeps `npm run build:bridge` quick.
  const r = spawnSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '-z6', '--build', root, tmp], { encoding: 'utf8' })
  if (r.status !== 0) {
    console.error(`build-deb: dpkg-deb failed:\n${r.stdout}${r.stderr}`)
    process.exit(1)
  }
  renameSync(tmp, out)
  writeFileSync(stamp, inputs)
} finally {
  rmSync(root, { recursive: true, force: true })
}
console.log(`build-deb: ${out} (${Math.round(statSync(out).size / 1e6)} MB) in ${Date.now() - started} ms`)
