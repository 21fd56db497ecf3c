import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parse } from 'smol-toml'
import { describe, expect, it } from 'vitest'
import { CONFIG_KEYS } from './config-keys.js'
import { resolveConfig } from './config.js'

const example = fileURLToPath(new URL('../pggraph-bridge.example.toml', import.meta.url))
const guide = fileURLToPath(new URL('../../../docs/bridge.md', import.meta.url))

describe('pggraph-bridge.example.toml', () => {
  it('documents every key, with its environment variable, and nothing else', () => {
    const text = readFileSync(example, 'utf8')
    const set = Object.keys(parse(text))
    const commented = [...text.matchAll(/^# (\w+) = /gm)].map((m) => m[1]!)
    expect([...set, ...commented].sort()).toEqual(CONFIG_KEYS.map((k) => k.key).sort())
    for (const k of CONFIG_KEYS) expect(text).toContain(k.env)
  })

  it('has every key in the docs/bridge.md table, with its flag and environment variable', () => {
    const text = readFileSync(guide, 'utf8')
    for (const k of CONFIG_KEYS) {
      expect(text).toMatch(new RegExp(`\\| \`${k.key}\` +\\| \`--${k.flag}\` +\\| \`${k.env}\` +\\|`))
    }
  })

  it('is a valid configuration', () => {
    const c = resolveConfig({ file: example, env: {} })
    expect(c).toMatchObject({ schema: 'acme', prefix: 'web1', intervalMs: 60_000, databases: ['postgres', 'app'] })
  })
})
