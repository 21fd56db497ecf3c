// The start of the shipped bridge, before the program: the template of dist/pggraph-bridge.mjs
// and of the executable's main script (scripts/wrap-program.mjs puts the bundled CommonJS
// program, dist/sea/pggraph-bridge.cjs, in place of PROGRAM; the executable's copy is this
// file turned into CommonJS, with SEA true).
//
// A cron `run` is a new process each minute, and a new process compiles the program again:
// the 300 kB module and then, lazily, every function a cycle calls (a warm process has them
// compiled). So the program is compiled as a vm.Script with V8's code cache, made after the
// command ran (holding every function it compiled) and kept per command and program in a
// private cache folder; the next process of that command compiles nothing it has seen. The
// cache is only an optimisation: unreadable, stale (another program, Node or V8 flags: V8
// rejects it) or unwritable, and the program is compiled from source, as without it.
//
// Safety: code read from the cache runs as this user, so the folder and the file must be this
// user's and writable by nobody else (a folder in a shared /tmp is refused otherwise, a
// symbolic link is never followed), the file is written under a temporary name and renamed,
// and its name holds the SHA-256 of the program (V8 itself checks only the source's length).
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs'
import { renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { homedir, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Script } from 'node:vm'

/** The bundled CommonJS program (its source text), put here by scripts/wrap-program.mjs. */
const PROGRAM = ''
/** The SHA-256 of PROGRAM (hex), put here by scripts/wrap-program.mjs. */
const PROGRAM_ID = ''
/** True in the single executable, where `import()` of a file is not available. */
const SEA = false

const file = SEA ? process.execPath : fileURLToPath(import.meta.url)
// In the single executable, a require() that can load files is made from its path.
const require = createRequire(file)
const argv = process.argv.slice(2)
const command = argv[0] ?? ''

/**
 * A process that lives for one command (a cron `run`, `collect`, `check`, `install`) is tuned
 * for a short life:
 * - V8's optimising compiler (TurboFan) is off. In such a process it compiled the cycle's hot
 *   functions on a background thread — 30 % of a cron `run`'s CPU instructions on a 1,000-table
 *   target — for code that had finished before the optimised version paid off; a warm cycle
 *   costs the same without it.
 * - The young generation does not grow (it starts at 1 MB a semi-space and V8 doubles it as
 *   objects survive). Every page a new process touches for the first time is a page fault, and
 *   on these virtual machines a fault costs ~15–20 µs: growing the young generation touched
 *   ~6 MB (1,500 faults, more than the 20 extra scavenges of a 1 MB one cost).
 * `run --loop` keeps V8's defaults (a long-lived process), and so does PGGRAPH_BRIDGE_OPTIMIZE=1
 * (e.g. for targets much larger than 1,000 tables). Set before the program is compiled: V8's
 * flags are part of what a code cache must match.
 */
const optimize =
  !['run', 'collect', 'check', 'install'].includes(command) ||
  argv.includes('--loop') ||
  process.env['PGGRAPH_BRIDGE_OPTIMIZE'] === '1'
if (!optimize) require('node:v8').setFlagsFromString('--no-opt --semi-space-growth-factor=1')

/** This user's id, or undefined where there are none (then no cache). */
const uid = process.getuid?.()

/** `dir`, created if missing, when it is a folder of this user that nobody else can write. */
function privateFolder(dir) {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    const st = lstatSync(dir)
    return st.isDirectory() && st.uid === uid && (st.mode & 0o022) === 0 ? dir : undefined
  } catch {
    return undefined
  }
}

/** The cache folder: systemd's CacheDirectory, the XDG cache, ~/.cache, or a private folder in the temporary one. */
function cacheFolder() {
  if (uid === undefined || process.env['PGGRAPH_BRIDGE_CODE_CACHE'] === '0') return undefined
  const systemd = process.env['CACHE_DIRECTORY']?.split(':')[0]
  const xdg = process.env['XDG_CACHE_HOME']
  const candidates = [
    systemd,
    xdg?.startsWith('/') ? join(xdg, 'pggraph-bridge') : undefined,
    process.env['HOME'] ? join(homedir(), '.cache', 'pggraph-bridge') : undefined,
    join(tmpdir(), `pggraph-bridge-${uid}`),
  ]
  for (const dir of candidates) if (dir && privateFolder(dir)) return dir
  return undefined
}

/** The cached code of this program for this command and flags: its data, if any, and how to replace it. */
function codeCache() {
  const dir = cacheFolder()
  if (!dir) return undefined
  const key = `${['run', 'collect', 'check', 'install'].includes(command) ? command : 'other'}${optimize ? '-opt' : ''}`
  const prefix = `${PROGRAM_ID.slice(0, 32)}-${process.version}-${process.arch}-`
  const path = join(dir, `${prefix}${key}.cache`)
  let data
  try {
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW)
    try {
      const st = fstatSync(fd)
      if (st.isFile() && st.uid === uid && (st.mode & 0o022) === 0) data = readFileSync(fd)
    } finally {
      closeSync(fd)
    }
  } catch {
    // No cache yet (or not one to trust): compiled from source, and written after the command.
  }
  return {
    data,
    write(bytes) {
      try {
        const tmp = join(dir, `.${key}.${process.pid}.tmp`)
        writeFileSync(tmp, bytes, { mode: 0o600, flag: 'wx' })
        renameSync(tmp, path)
        // Caches of other programs or Node versions unused for a day go; a current one is
        // rewritten by its next process if it was still in use.
        const dayAgo = Date.now() - 86_400_000
        for (const name of readdirSync(dir)) {
          if (!name.endsWith('.cache') || name.startsWith(prefix)) continue
          const other = join(dir, name)
          if (statSync(other).mtimeMs < dayAgo) unlinkSync(other)
        }
      } catch {
        // A cache that cannot be written is not an error: the next process compiles again.
      }
    },
  }
}

const cache = codeCache()
const script = new Script(`(function (exports, require, module, __filename, __dirname) {${PROGRAM}\n})`, {
  filename: file,
  cachedData: cache?.data,
  // `import()` in the program (the optional PGlite package) resolves beside this file.
  importModuleDynamically: SEA ? undefined : (specifier) => import(specifier),
})
if (cache && (!cache.data || script.cachedDataRejected)) {
  // At exit the script holds every function the command compiled, not just its top level.
  process.once('exit', () => cache.write(script.createCachedData()))
}
const module = { exports: {} }
script.runInThisContext()(module.exports, require, module, file, dirname(file))
