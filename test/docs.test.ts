// The API reference builds from the TSDoc of every package, and fails on a missing doc comment,
// a broken {@link} or a broken relative link (typedoc.json: treatWarningsAsErrors + validation).
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

describe('npm run docs', () => {
  it('builds the API reference with no warning', { timeout: 240_000 }, () => {
    const r = spawnSync(process.execPath, [join(root, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--emit', 'none'], {
      cwd: root,
      encoding: 'utf8',
    })
    const out = `${r.stdout}\n${r.stderr}`
    expect(out, out).not.toMatch(/\[warning\]|\[error\]/)
    expect(r.status, out).toBe(0)
  })
})
