#!/usr/bin/env node
// Finds `any` in the public types of installed @pggraph packages, the way a user's compiler sees
// them: for every export of every entry point given, walks its type (members, call and construct
// signatures, parameters, results, type arguments, union members) through the types the
// @pggraph packages declare, and prints each path that ends in `any`. Exit 1 when there is one.
//
//   node check-public-types.mjs @pggraph/core @pggraph/collector ...   (run in the consumer project)
//
// Uses that project's own `typescript`. An unresolved import in a declaration file also shows
// here, since the compiler turns it into `any`.
import { createRequire } from 'node:module'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

const require = createRequire(join(process.cwd(), 'package.json'))
const ts = require('typescript')

const entries = process.argv.slice(2)
const probe = join(process.cwd(), '.public-types-probe.ts')
writeFileSync(probe, entries.map((e, i) => `import * as m${i} from '${e}'\nexport { m${i} }\n`).join(''))
const program = ts.createProgram([probe], {
  strict: true,
  noEmit: true,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  types: ['node'],
})
const checker = program.getTypeChecker()
const source = program.getSourceFile(probe)
const problems = []
const diagnostics = ts.getPreEmitDiagnostics(program, source)
for (const d of diagnostics) problems.push(`compile: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`)

const ours = (decl) => /[\\/]node_modules[\\/]@pggraph[\\/]/.test(decl.getSourceFile().fileName)
const declaredByUs = (type) => {
  const decls = (type.aliasSymbol ?? type.symbol)?.declarations ?? []
  return decls.length > 0 && decls.some(ours)
}

function walk(type, path, depth, seen) {
  if (type.flags & ts.TypeFlags.Any) {
    problems.push(`${path}: any`)
    return
  }
  if (depth > 8 || seen.has(type)) return
  seen.add(type)
  for (const arg of type.aliasTypeArguments ?? []) walk(arg, `${path}<>`, depth + 1, seen)
  if (type.isUnionOrIntersection()) {
    for (const t of type.types) walk(t, path, depth + 1, seen)
    return
  }
  if (type.flags & ts.TypeFlags.Object) {
    if (type.objectFlags & ts.ObjectFlags.Reference)
      for (const arg of checker.getTypeArguments(type)) walk(arg, `${path}<>`, depth + 1, seen)
    // Types of other packages (pg, Node) are theirs to type: only their arguments above are ours.
    const anonymous = !type.symbol || type.symbol.flags & (ts.SymbolFlags.TypeLiteral | ts.SymbolFlags.ObjectLiteral)
    if (!anonymous && !declaredByUs(type) && !(type.symbol.flags & ts.SymbolFlags.Function)) return
    for (const kind of [ts.SignatureKind.Call, ts.SignatureKind.Construct]) {
      for (const sig of checker.getSignaturesOfType(type, kind)) {
        for (const p of sig.getParameters()) walk(checker.getTypeOfSymbol(p), `${path}(${p.name})`, depth + 1, seen)
        walk(sig.getReturnType(), `${path}()`, depth + 1, seen)
      }
    }
    for (const prop of checker.getPropertiesOfType(type)) {
      if (!(prop.declarations ?? []).some(ours)) continue
      walk(checker.getTypeOfSymbol(prop), `${path}.${prop.name}`, depth + 1, seen)
    }
  }
}

let exported = 0
for (const [i, entry] of entries.entries()) {
  const decl = source.statements[i * 2]
  const moduleSymbol = checker.getSymbolAtLocation(decl.moduleSpecifier)
  if (!moduleSymbol) {
    problems.push(`${entry}: does not resolve`)
    continue
  }
  for (const sym of checker.getExportsOfModule(moduleSymbol)) {
    exported++
    const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym
    const path = `${entry}#${sym.name}`
    if (target.flags & ts.SymbolFlags.Value) walk(checker.getTypeOfSymbol(target), path, 0, new Set())
    if (target.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias | ts.SymbolFlags.Class))
      walk(checker.getDeclaredTypeOfSymbol(target), path, 0, new Set())
  }
}
console.log(`${entries.length} entry points, ${exported} exports checked`)
for (const p of problems) console.log(p)
process.exit(problems.length ? 1 : 0)
