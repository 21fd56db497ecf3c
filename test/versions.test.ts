// One version for all packages: the root's, in every workspace, in the exact pins between the
// @pggraph packages, in package-lock.json, with its section in CHANGELOG.md.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const read = (path: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(root, path), 'utf8')) as Record<string, unknown>
const rootPkg = read('package.json') as { version: string; workspaces: string[] }

describe('one version', () => {
  it('every workspace has the root version and pins the other @pggraph packages to it', () => {
    expect(rootPkg.version).toMatch(/^\d+\.\d+\.\d+/)
    for (const w of rootPkg.workspaces) {
      const pkg = read(join(w, 'package.json')) as Record<string, Record<string, string> | string>
      expect(pkg['version'], w).toBe(rootPkg.version)
      for (const field of ['dependencies', 'devDependencies', 'peerDependencies'])
        for (const [dep, range] of Object.entries((pkg[field] as Record<string, string> | undefined) ?? {}))
          if (dep.startsWith('@pggraph/')) expect(range, `${w} ${field} ${dep}`).toBe(rootPkg.version)
    }
  })

  it('package-lock.json and CHANGELOG.md agree', () => {
    const lock = read('package-lock.json') as { version: string; packages: Record<string, { version?: string }> }
    expect(lock.version).toBe(rootPkg.version)
    for (const w of rootPkg.workspaces) expect(lock.packages[w]?.version, w).toBe(rootPkg.version)
    const changelog = readFileSync(join(root, 'CHANGELOG.md'), 'utf8')
    expect(changelog).toMatch(new RegExp(`^## ${rootPkg.version.replaceAll('.', '\\.')}\\b`, 'm'))
  })
})
