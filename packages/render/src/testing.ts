/**
 * The conformance suite every renderer must pass, built-in or your own: `testRenderer(make)`
 * registers vitest tests that render every catalog graph (with data and without) and check the
 * contract of {@link Renderer}: a name and a media type, output of that type at the requested
 * size, the same bytes for the same input (also when renders run at once), hostile label text
 * never turned into markup, and a spec that cannot be drawn failing as `PggraphError('RENDER')`.
 * Also the deterministic synthetic series the suite draws (`syntheticSet`). Needs `vitest`
 * (a dev dependency of the package that runs it).
 *
 * @example
 * ```ts
 * // my-renderer.test.ts
 * import { testRenderer } from '@pggraph/render/testing'
 * testRenderer(() => myRenderer({ dpi: 144 }))
 * ```
 *
 * @packageDocumentation
 */
import { isPggraphError, type GraphSpec, type RenderOptions, type Renderer, type SeriesSet } from '@pggraph/core'
import { afterAll, describe, expect, it } from 'vitest'
import { graphNames, type GraphName } from './catalog/index.js'
import { graphSpec } from './render.js'
import { DAY, emptySet, MINUTE, syntheticSet, T0 } from './testing/fixtures.js'

export { DAY, emptySet, HOUR, MINUTE, prng, syntheticSet, T0, type SyntheticOptions } from './testing/fixtures.js'

/** Options of {@link testRenderer}. */
export interface TestRendererOptions<Out> {
  /** Graphs to render. Default: the whole catalog. */
  readonly graphs?: readonly GraphName[]
  /** More checks of one output, after the suite's own for its media type. */
  readonly check?: (out: Out, size: RenderOptions) => void | Promise<void>
  /** Shown in the test titles. Default: the renderer's name and media type. */
  readonly title?: string
  /** Close the renderer after the suite (a pool of workers). */
  readonly close?: (renderer: Renderer<Out>) => Promise<void>
}

const SIZE: RenderOptions = { width: 480, height: 180 }
const RANGE = { from: T0, to: T0 + DAY / 4, step: 5 * MINUTE }
const HOSTILE = `</text><script>alert(1)</script><text x="0">"'&`

/**
 * Register the renderer conformance suite for the renderer `make` returns (call it at the top
 * level of a vitest test file). The built-in renderers (`vegaSvgRenderer`, `pngRenderer`,
 * `vegaLiteRenderer`, `createRenderPool`) run it too.
 */
export function testRenderer<Out>(make: () => Renderer<Out>, options: TestRendererOptions<Out> = {}): void {
  const graphs = options.graphs ?? graphNames()
  const renderer = make()
  const { mediaType } = renderer

  describe(`renderer ${options.title ?? `${renderer.name} (${mediaType})`}`, () => {
    const others: Renderer<Out>[] = []
    const fresh = (): Renderer<Out> => {
      const r = make()
      others.push(r)
      return r
    }
    afterAll(async () => {
      if (options.close) for (const r of [renderer, ...others]) await options.close(r)
    })
    const check = async (out: Out, size: RenderOptions): Promise<void> => {
      checkMediaType(out, mediaType, size)
      await options.check?.(out, size)
    }

    it('declares a name and a media type', () => {
      expect(renderer.name).toMatch(/^[a-z0-9][a-z0-9.+-]*$/i)
      expect(mediaType).toMatch(/^[a-z]+\/[a-z0-9.+-]+$/i)
    })

    it.each(graphs)('draws %s, with data and without, as its media type says', async (graph) => {
      for (const data of [syntheticSet(graph, RANGE), emptySet()] as const)
        await check(await renderer.render(spec(graph, data, SIZE), SIZE), SIZE)
    })

    it('gives the same bytes for the same input, from any instance, one at a time or at once', async () => {
      const specs = graphs.slice(0, 4).map((g) => spec(g, syntheticSet(g, RANGE), SIZE))
      const one: Out[] = []
      for (const s of specs) one.push(await renderer.render(s, SIZE))
      const other = fresh()
      const atOnce = await Promise.all([...specs, ...specs].map((s, i) => (i % 2 ? other : renderer).render(s, SIZE)))
      expect(atOnce.map(bytes)).toEqual([...one, ...one].map(bytes))
    })

    it('follows the requested size', async () => {
      const g = graphs[0]!
      const wide = { width: 900, height: 200 }
      const out = await renderer.render(spec(g, syntheticSet(g, RANGE), wide), wide)
      await check(out, wide)
      const small = await renderer.render(spec(g, syntheticSet(g, RANGE), SIZE), SIZE)
      expect(bytes(out)).not.toEqual(bytes(small))
    })

    it.skipIf(!/svg/.test(mediaType))(
      `never turns label text into markup${/svg/.test(mediaType) ? '' : ' (skipped: not an SVG renderer)'}`,
      async () => {
        const g =
          graphs.find((n) => syntheticSet(n, RANGE).series.some((s) => Object.keys(s.labels).length)) ?? graphs[0]!
        const set = syntheticSet(g, RANGE)
        const hostile: SeriesSet = {
          ...set,
          series: set.series.map((s) => ({
            ...s,
            labels: Object.fromEntries(Object.keys(s.labels).map((k) => [k, HOSTILE])),
          })),
          events: [...set.events, { t: set.from + 60 * MINUTE, kind: 'stats_reset', label: HOSTILE }],
        }
        const out = String(await renderer.render(spec(g, hostile, SIZE), SIZE))
        expect(out).not.toMatch(/<script/i)
        expect(out).not.toContain('alert(1)</script>')
      },
    )

    it('fails a spec it cannot draw as a PggraphError RENDER, or draws it', async () => {
      const bad: GraphSpec = { mark: 'no-such-mark', data: { values: [] } }
      const result = await renderer.render(bad, SIZE).then(
        () => undefined,
        (err: unknown) => err,
      )
      if (result !== undefined) expect(isPggraphError(result, 'RENDER'), String(result)).toBe(true)
    })
  })
}

function spec(graph: GraphName, data: SeriesSet, size: RenderOptions): GraphSpec {
  return graphSpec(graph, data, size)
}

/** Output as comparable bytes (a string as its UTF-8). */
function bytes(out: unknown): Uint8Array {
  if (typeof out === 'string') return new TextEncoder().encode(out)
  if (out instanceof Uint8Array) return out
  return new TextEncoder().encode(JSON.stringify(out))
}

/** The suite's checks for the media types it knows: SVG, PNG and JSON at the requested size. */
function checkMediaType(out: unknown, mediaType: string, size: RenderOptions): void {
  if (mediaType === 'image/svg+xml') {
    expect(typeof out).toBe('string')
    const svg = out as string
    expect(svg.startsWith('<svg')).toBe(true)
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true)
    expect(svg).toMatch(new RegExp(`<svg[^>]* width="${size.width}"[^>]* height="${size.height}"`))
  } else if (mediaType === 'image/png') {
    expect(out).toBeInstanceOf(Uint8Array)
    const png = out as Uint8Array
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    const view = new DataView(png.buffer, png.byteOffset, png.byteLength)
    const w = view.getUint32(16)
    const h = view.getUint32(20)
    // A whole multiple of the size (a scale for high-density screens).
    expect(w % size.width, `PNG width ${w} for ${size.width}`).toBe(0)
    expect(w / size.width).toBe(h / size.height)
  } else if (/[/+]json$/.test(mediaType)) {
    expect(typeof out).toBe('string')
    const json = JSON.parse(out as string) as { width?: unknown; height?: unknown }
    expect([json.width, json.height]).toEqual([size.width, size.height])
  } else {
    expect(bytes(out).length).toBeGreaterThan(0)
  }
}
