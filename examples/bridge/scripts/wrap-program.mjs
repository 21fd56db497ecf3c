// The shipped bridge's two entry files, each the program behind scripts/loader.mjs (which
// compiles it with V8's code cache): dist/pggraph-bridge.mjs, the one file to copy (an ES
// module), and dist/sea/pggraph-bridge-main.cjs, the executable's main script (CommonJS, the
// form Node's single executable applications run). Called by the bridge's tsup build once
// dist/sea/pggraph-bridge.cjs (the bundled CommonJS program) is written.
import { createHash } from 'node:crypto'
import { chmodSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { transform } from 'esbuild'

const here = dirname(fileURLToPath(import.meta.url))
const dist = join(here, '..', '..', '..', 'dist')

/** `text` with the one line `line` replaced by `by`; a template that lost the line fails the build. */
function replaceLine(text, line, by) {
  const parts = text.split(`\n${line}\n`)
  if (parts.length !== 2) throw new Error(`wrap-program: scripts/loader.mjs must hold the line "${line}" once`)
  return parts.join(`\n${by}\n`)
}

/** Write both entry files from dist/sea/pggraph-bridge.cjs. */
export async function wrapProgram() {
  const program = readFileSync(join(dist, 'sea', 'pggraph-bridge.cjs'), 'utf8')
  const id = createHash('sha256').update(program).digest('hex')
  const loader = (sea) =>
    [
      ["const PROGRAM = ''", `const PROGRAM = ${JSON.stringify(program)}`],
      ["const PROGRAM_ID = ''", `const PROGRAM_ID = '${id}'`],
      ['const SEA = false', `const SEA = ${sea}`],
    ].reduce((text, [line, by]) => replaceLine(text, line, by), readFileSync(join(here, 'loader.mjs'), 'utf8'))

  const file = join(dist, 'pggraph-bridge.mjs')
  writeFileSync(file, `#!/usr/bin/env node\n${loader(false)}`)
  chmodSync(file, 0o755)
  // The executable's copy: CommonJS, `import.meta` and `import()` only in branches it never takes.
  const cjs = await transform(loader(true), { format: 'cjs', platform: 'node', target: 'node20', logLevel: 'error' })
  writeFileSync(join(dist, 'sea', 'pggraph-bridge-main.cjs'), cjs.code)
}
