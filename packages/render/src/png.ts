import { createRequire } from 'node:module'
import { Resvg } from '@resvg/resvg-js'
import type { Renderer } from '@pggraph/core'
import { FONT_FAMILY } from './theme.js'
import { vegaSvgRenderer } from './vega-svg.js'

const require = createRequire(import.meta.url)

/** Paths of the bundled DejaVu Sans faces (regular, bold) in the `dejavu-fonts-ttf` package. */
export function bundledFontFiles(): string[] {
  return ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) => require.resolve(`dejavu-fonts-ttf/ttf/${f}`))
}

/**
 * Rasterise an SVG to PNG bytes with resvg, using only the bundled DejaVu Sans (system fonts
 * are never loaded), so text comes out the same on a machine without any fonts.
 * `scale` multiplies the SVG's size (2 for high-density screens).
 */
export function svgToPng(svg: string, options: { scale?: number } = {}): Uint8Array {
  const resvg = new Resvg(svg, {
    font: {
      fontFiles: bundledFontFiles(),
      loadSystemFonts: false,
      defaultFontFamily: FONT_FAMILY,
      sansSerifFamily: FONT_FAMILY,
    },
    fitTo: options.scale && options.scale !== 1 ? { mode: 'zoom', value: options.scale } : { mode: 'original' },
  })
  return new Uint8Array(resvg.render().asPng())
}

/**
 * A renderer producing PNG: the SVG of `svg` (default {@link vegaSvgRenderer}) rasterised by
 * {@link svgToPng}. The image is exactly `width` × `height` pixels (times `scale`).
 *
 * @example
 * ```ts
 * const png = await pngRenderer().render(graphSpec('wal.bytes', set, opts), opts)
 * await writeFile('wal.png', png)
 * ```
 */
export function pngRenderer(options: { svg?: Renderer<string>; scale?: number } = {}): Renderer<Uint8Array> {
  const svg = options.svg ?? vegaSvgRenderer()
  return {
    name: 'png',
    mediaType: 'image/png',
    async render(spec, opts) {
      return svgToPng(await svg.render(spec, opts), options.scale === undefined ? {} : { scale: options.scale })
    },
  }
}
