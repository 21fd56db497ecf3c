import { writeFile } from 'node:fs/promises'
import { PggraphError, validateIdentifier } from '@pggraph/core'
import { listPrefixes, listSchemas, readSeries } from '@pggraph/store'
import { boundGraphData, noteDroppedSeries } from './graph-bounds.js'
import { graphInfo, loadCatalogGraph, renderLoadedGraph } from './graphs.js'
import { openStoreAccess } from './store-access.js'

/** What `pggraph-viewer render` needs. */
export interface RenderCommandOptions {
  readonly store: string
  readonly schema: string
  readonly prefix: string
  readonly graph: string
  /** Range in ms since the epoch. */
  readonly from: number
  readonly to: number
  /** Output file path. */
  readonly out: string
  readonly format?: 'svg' | 'png'
  readonly width?: number
  readonly height?: number
  readonly theme?: 'light' | 'dark'
}

/**
 * Render one catalog graph of one system to a file (SVG or PNG), from the shell or a script;
 * returns the number of bytes written.
 *
 * @example
 * ```ts
 * await renderToFile({ store: 'pglite:./pggraph-data', schema: 'me', prefix: 'laptop',
 *   graph: 'database.transactions', from: Date.now() - 86_400_000, to: Date.now(), out: 'tps.svg' })
 * ```
 */
export async function renderToFile(o: RenderCommandOptions): Promise<number> {
  const schema = validateIdentifier(o.schema, 'schema')
  const prefix = validateIdentifier(o.prefix, 'prefix')
  if (!graphInfo(o.graph))
    throw new PggraphError(
      'NOT_FOUND',
      `There is no graph "${o.graph}": list them with "pggraph-viewer render --list".`,
    )
  if (!(o.to > o.from)) throw new PggraphError('CONFIG', '--to must be after --from.')
  const width = o.width ?? 800
  const height = o.height ?? 260
  if (!(width >= 200 && width <= 4000 && height >= 100 && height <= 3000))
    throw new PggraphError('CONFIG', '--width must be 200-4000 and --height 100-3000 pixels.')
  const store = await openStoreAccess(o.store, { poolSize: 2 })
  try {
    const data = await store.serviceTransaction(async (db) => {
      // A typo in --schema or --prefix is a mistake to report, not an empty graph to draw.
      const schemas = await listSchemas(db)
      if (!schemas.includes(schema)) {
        throw new PggraphError(
          'NOT_FOUND',
          `The store has no schema "${schema}"${schemas.length ? ` (it has: ${schemas.join(', ')})` : ''}: check --schema, or install it with "pggraph-bridge install".`,
        )
      }
      const prefixes = await listPrefixes(db, schema)
      if (!prefixes.includes(prefix)) {
        throw new PggraphError(
          'NOT_FOUND',
          `Schema "${schema}" has no system "${prefix}"${prefixes.length ? ` (it has: ${prefixes.join(', ')})` : ''}: check --prefix.`,
        )
      }
      return loadCatalogGraph(o.graph, (q) => readSeries(db, { schema, prefix }, q), o, width)
    })
    // The same bounds as the viewer: a pathological series cannot make a 34 MB file either.
    const bounded = boundGraphData(data)
    const format = o.format ?? 'svg'
    const image = await renderLoadedGraph(o.graph, bounded.data, { width, height, theme: o.theme ?? 'light', format })
    const body = format === 'svg' ? Buffer.from(noteDroppedSeries(image.toString(), bounded, width)) : image
    await writeFile(o.out, body)
    return body.length
  } finally {
    await store.end()
  }
}
