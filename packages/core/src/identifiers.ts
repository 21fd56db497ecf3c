import { PggraphError } from './errors.js'

/** PostgreSQL truncates identifiers longer than this many bytes (NAMEDATALEN - 1). */
export const MAX_IDENTIFIER_BYTES = 63

/**
 * The one pattern every schema, prefix and role name must match: lower-case ASCII letters,
 * digits and `_`, starting with a letter. Strict on purpose: such a name never needs case
 * folding, never collides after truncation and reads the same in SQL, shell and URLs.
 */
export const IDENTIFIER_PATTERN = /^[a-z][a-z0-9_]*$/

// PostgreSQL's fully reserved key words (appendix C of the manual, "reserved" column), plus
// the names of the built-in schemas a tenant must never take over.
const RESERVED = new Set(
  (
    'all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate ' +
    'collation column concurrently constraint create cross current_catalog current_date current_role ' +
    'current_schema current_time current_timestamp current_user default deferrable desc distinct do else end ' +
    'except false fetch for foreign freeze from full grant group having ilike in initially inner intersect into ' +
    'is isnull join lateral leading left like limit localtime localtimestamp natural not notnull null offset on ' +
    'only or order outer overlaps placing primary references returning right select session_user similar some ' +
    'symmetric system_user table tablesample then to trailing true union unique user using variadic verbose when ' +
    'where window with public information_schema'
  ).split(' '),
)

/** What kind of name is being checked, for the error message. */
export type IdentifierKind = 'schema' | 'prefix' | 'role' | 'table' | 'column' | 'identifier'

/**
 * Validate a schema, prefix or role name against {@link IDENTIFIER_PATTERN}, the reserved
 * words and a byte budget, and return it unchanged; throw `PggraphError('CONFIG')` otherwise.
 *
 * `maxBytes` lets a caller reserve room for suffixes: a prefix becomes `<prefix>_<metric>`,
 * so the store passes 63 minus the longest suffix.
 *
 * @example
 * ```ts
 * validateIdentifier('acme', 'schema')          // 'acme'
 * validateIdentifier('Acme"; DROP', 'schema')   // throws PggraphError('CONFIG')
 * ```
 */
export function validateIdentifier(
  name: unknown,
  kind: IdentifierKind = 'identifier',
  maxBytes: number = MAX_IDENTIFIER_BYTES,
): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new PggraphError('CONFIG', `The ${kind} name is missing: give a name such as "acme".`)
  }
  const shown = JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name)
  if (!IDENTIFIER_PATTERN.test(name)) {
    throw new PggraphError(
      'CONFIG',
      `The ${kind} name ${shown} is not allowed: use lower-case letters a-z, digits and "_", starting with a letter.`,
    )
  }
  if (RESERVED.has(name)) {
    throw new PggraphError('CONFIG', `The ${kind} name ${shown} is a reserved word in PostgreSQL: choose another name.`)
  }
  if (name.length > maxBytes) {
    throw new PggraphError(
      'CONFIG',
      `The ${kind} name ${shown} is ${name.length} bytes long; at most ${maxBytes} fit here (PostgreSQL identifiers are limited to ${MAX_IDENTIFIER_BYTES} bytes including suffixes).`,
    )
  }
  return name
}

/**
 * Validate and double-quote an identifier for SQL. The only place in pggraph that builds
 * identifiers: everything else calls this (or {@link qualifiedName}).
 *
 * @example
 * ```ts
 * await db.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema, 'schema')}`)
 * ```
 */
export function quoteIdent(
  name: unknown,
  kind: IdentifierKind = 'identifier',
  maxBytes: number = MAX_IDENTIFIER_BYTES,
): string {
  return `"${validateIdentifier(name, kind, maxBytes)}"`
}

/** `"schema"."name"`, both parts validated. */
export function qualifiedName(schema: string, name: string): string {
  return `${quoteIdent(schema, 'schema')}.${quoteIdent(name, 'table')}`
}
