#!/usr/bin/env node
// One version for every package: `npm run version:set -- 0.2.0` writes it into the root and
// every workspace package.json, and into the exact @pggraph/* dependency pins between them.
// Then: `npm install` (package-lock.json) and a `## 0.2.0` section in CHANGELOG.md;
// `npm run release:check` verifies all of it.
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..')
const version = process.argv[2]
if (!version || !/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) {
  console.error('Usage: npm run version:set -- <major.minor.patch>, e.g. 0.2.0')
  process.exit(2)
}
const rootFile = join(repo, 'package.json')
const root = JSON.parse(readFileSync(rootFile, 'utf8'))
for (const file of [rootFile, ...root.workspaces.map((w) => join(repo, w, 'package.json'))]) {
  const pkg = JSON.parse(readFileSync(file, 'utf8'))
  pkg.version = version
  for (const field of ['dependencies', 'devDependencies', 'peerDependencies'])
    for (const dep of Object.keys(pkg[field] ?? {})) if (dep.startsWith('@pggraph/')) pkg[field][dep] = version
  writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`)
  console.log(`${pkg.name}: ${version}`)
}
console.log(`Now: npm install, and a "## ${version}" section at the top of CHANGELOG.md.`)
