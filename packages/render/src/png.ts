import { createRequire } from 'node:module'
import { PggraphError, type Renderer } from '@pggraph/core'
import type { Resvg } from '@resvg/resvg-js'
import { FONT_FAMILY } from './theme.js'
import { vegaSvgRenderer } from './vega-svg.js'

const require = createRequire(import.meta.url)

/**
 * PNG output needs two optional peers that SVG users never install: the rasteriser (a native
 * module, ~10 MB per platform) and the font it draws with.
 */
const PNG_PACKAGES = ['@resvg/resvg-js', 'dejavu-fonts-ttf'] as const

/** `require` an optional PNG peer, or say in one line which package to install. */
function requirePngPeer<T>(pkg: (typeof PNG_PACKAGES)[number], load: () => T): T {
  try {
    return load()
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') throw err
    throw new PggraphError(
      'RENDER',
      `PNG output needs the optional package ${pkg}, which is not installed: run \`npm install ${PNG_PACKAGES.join(' ')}\`, or render SVG.`,
      { cause: err },
    )
  }
}

/** Paths of the bundled DejaVu Sans faces (regular, bold) in the `dejavu-fonts-ttf` package. */
export function bundledFontFiles(): string[] {
  return requirePngPeer('dejavu-fonts-ttf', () =>
    ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) => require.resolve(`dejavu-fonts-ttf/ttf/${f}`)),
  )
}

/**
 * Rasterise an SVG to PNG bytes with resvg, using only the bundled DejaVu Sans (system fonts
 * are never loaded), so text comes out the same on a machine without any fonts.
 * `scale` multiplies the SVG's size (2 for high-density screens).
 *
 * Needs the optional peers `@resvg/resvg-js` and `dejavu-fonts-ttf`; without them it throws a
 * `RENDER` {@link PggraphError} naming the package to install.
 */
export function svgToPng(svg: string, options: { scale?: number } = {}): Uint8Array {
  const fontFiles = bundledFontFiles()
  const { Resvg: Rasteriser } = requirePngPeer(
    '@resvg/resvg-js',
    () => require('@resvg/resvg-js') as { Resvg: typeof Resvg },
  )
  const resvg = new Rasteriser(svg, {
    font: {
      fontFiles,
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
