import type { Queryable } from '@pggraph/core'

/**
 * The server functions that create a large object. PostgreSQL grants EXECUTE on them to PUBLIC,
 * so without this every role (writer, reader, the viewer's login) could fill the disk with
 * large objects, which no schema or quota contains. `lo_import` is also superuser-only inside.
 */
const LARGE_OBJECT_CREATORS = [
  'lo_creat(integer)',
  'lo_create(oid)',
  'lo_from_bytea(oid, bytea)',
  'lo_import(text)',
  'lo_import(text, oid)',
]

/**
 * What PUBLIC may still do in this database that lets a tenant role create an object: CREATE on
 * schema `public`, TEMPORARY on the database, EXECUTE on the large-object creators. Read from
 * the catalog; every role may run it (`pggraph-bridge check` reports it).
 */
export async function publicLoopholes(
  db: Queryable,
): Promise<{ publicCreate: boolean; temporary: boolean; largeObjects: boolean }> {
  const { rows } = await db.query<{ pub: boolean; tmp: boolean; lo: boolean }>(
    `SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'public') THEN has_schema_privilege('public', 'public', 'CREATE') ELSE false END AS pub,
            EXISTS (SELECT 1 FROM pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
                     WHERE d.datname = current_database() AND a.grantee = 0 AND a.privilege_type = 'TEMPORARY') AS tmp,
            EXISTS (SELECT 1 FROM pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                     WHERE p.oid = ANY($1::regprocedure[]) AND a.grantee = 0 AND a.privilege_type = 'EXECUTE') AS lo`,
    [LARGE_OBJECT_CREATORS],
  )
  const r = rows[0]
  return { publicCreate: r?.pub ?? true, temporary: r?.tmp ?? true, largeObjects: r?.lo ?? true }
}

/**
 * Revoke from PUBLIC what lets a tenant role create objects, where the installer has the right:
 * CREATE on schema `public` (its owner), TEMPORARY on the database (its owner), EXECUTE on the
 * large-object creators (a superuser: they belong to the bootstrap superuser). Returns `kept`
 * (nothing to do), `applied`, or `skipped`/`applied; PUBLIC keeps …` naming what is left and who
 * must revoke it.
 * @internal
 */
export async function hardenDatabase(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ su: boolean; dbo: boolean; pubo: boolean }>(
    `SELECT r.rolsuper AS su,
            pg_has_role(current_user, (SELECT datdba FROM pg_database WHERE datname = current_database()), 'USAGE') AS dbo,
            coalesce((SELECT pg_has_role(current_user, nspowner, 'USAGE') FROM pg_namespace WHERE nspname = 'public'), false) AS pubo
       FROM pg_roles r WHERE r.rolname = current_user`,
  )
  const row = rows[0]
  if (!row) return 'skipped: could not read the database privileges'
  const open = await publicLoopholes(db)
  if (!open.publicCreate && !open.temporary && !open.largeObjects) return 'kept'
  const left: string[] = []
  let changed = false
  if (open.publicCreate) {
    // Before PostgreSQL 15 the public schema belongs to the bootstrap superuser.
    if (row.su || row.pubo) {
      await db.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`)
      changed = true
    } else left.push('CREATE on schema public (its owner or a superuser must revoke it)')
  }
  if (open.temporary) {
    if (row.su || row.dbo) {
      await db.query(
        `DO $pggraph$ BEGIN EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database()); END $pggraph$`,
      )
      changed = true
    } else left.push('TEMPORARY on the database (its owner or a superuser must revoke it)')
  }
  if (open.largeObjects) {
    if (row.su) {
      await db.query(`REVOKE EXECUTE ON FUNCTION ${LARGE_OBJECT_CREATORS.join(', ')} FROM PUBLIC`)
      changed = true
    } else
      left.push('EXECUTE on the large-object functions lo_creat, lo_create, lo_from_bytea (a superuser must revoke it)')
  }
  if (!changed) return `skipped: PUBLIC keeps ${left.join(' and ')}`
  return left.length ? `applied; PUBLIC keeps ${left.join(' and ')}` : 'applied'
}
