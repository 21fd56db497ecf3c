#!/usr/bin/env node
// `npm pack` of each library package, as it would be published, into dist/packages/.
//
// Each package is packed from a staged copy of what it publishes (package.json, README, the
// repository's LICENSE, dist/): the copy's package.json drops the `development` export
// condition (it points at src/, which is not published, and bundlers such as Vite enable that
// condition in a user's dev server), the workspace scripts and the devDependencies.
// Run after `npm run build`. Prints the tarball paths, one a line.
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..')

/** The packages a TypeScript user installs: the workspaces under packages/ that are not private. */
export const LIBRARIES = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'))
  .workspaces.filter((w) => w.startsWith('packages/'))
  .map((w) => w.slice('packages/'.length))
  .filter((name) => !JSON.parse(readFileSync(join(repo, 'packages', name, 'package.json'), 'utf8')).private)

/** The manifest as published: no `development` condition, no workspace-only fields. */
export function publishedManifest(pkg) {
  const published = { ...pkg }
  delete published.scripts
  delete published.devDependencies
  published.exports = Object.fromEntries(
    Object.entries(pkg.exports ?? {}).map(([path, target]) => {
      if (typeof target !== 'object' || target === null) return [path, target]
      const conditions = { ...target }
      delete conditions.development
      return [path, conditions]
    }),
  )
  return published
}

/** Pack every library package into `outDir`; returns the tarball paths. */
export function packLibraries(outDir = join(repo, 'dist', 'packages')) {
  mkdirSync(outDir, { recursive: true })
  const tarballs = []
  for (const name of LIBRARIES) {
    const dir = join(repo, 'packages', name)
    if (!existsSync(join(dir, 'dist', 'index.js')))
      throw new Error(`packages/${name}/dist is missing: run \`npm run build\` first.`)
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
    const stage = mkdtempSync(join(tmpdir(), `pggraph-pack-${name}-`))
    try {
      writeFileSync(join(stage, 'package.json'), `${JSON.stringify(publishedManifest(pkg), null, 2)}\n`)
      cpSync(join(repo, 'LICENSE'), join(stage, 'LICENSE'))
      for (const f of pkg.files ?? [])
        if (existsSync(join(dir, f))) cpSync(join(dir, f), join(stage, f), { recursive: true })
      const out = execFileSync('npm', ['pack', '--json', '--pack-destination', outDir], {
        cwd: stage,
        encoding: 'utf8',
        env: { ...process.env, npm_config_ignore_scripts: 'true' },
      })
      const [info] = JSON.parse(out)
      tarballs.push(join(outDir, info.filename))
    } finally {
      rmSync(stage, { recursive: true, force: true })
    }
  }
  return tarballs
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const t of packLibraries(process.argv[2])) console.log(t)
}
