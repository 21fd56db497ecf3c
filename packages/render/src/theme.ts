/**
 * Colours and fonts of the two themes. The palette is Okabe-Ito (safe for the common forms of
 * colour blindness), reordered so the first colours contrast well on both backgrounds.
 */

/** The font every graph is laid out with; PNG output loads it from the `dejavu-fonts-ttf` npm package. */
export const FONT_FAMILY = 'DejaVu Sans'

/**
 * The font stack written into SVGs: DejaVu Sans first (what the layout was measured with and
 * what PNGs use), then Verdana, whose widths are close (both descend from Bitstream Vera), then
 * any sans-serif, so a browser without DejaVu never falls back to a serif face.
 */
export const FONT_STACK = `${FONT_FAMILY}, Verdana, sans-serif`

/** Okabe-Ito, most distinguishable first; the last entry differs per theme (black / white). */
const OKABE_ITO = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442'] as const

/** Name of a built-in theme. */
export type ThemeName = 'light' | 'dark'

/** The colours of one theme, for renderers and graph specs. */
export interface Theme {
  readonly name: ThemeName
  readonly background: string
  readonly foreground: string
  readonly muted: string
  readonly grid: string
  /** Series colours, in order. */
  readonly palette: readonly string[]
  /** Colour of restart and stats-reset markers. */
  readonly marker: string
  /** Colour of limits drawn on a graph (e.g. the wraparound limit). */
  readonly limit: string
}

/** The built-in themes, by name. */
export const themes: Readonly<Record<ThemeName, Theme>> = {
  light: {
    name: 'light',
    background: '#ffffff',
    foreground: '#1a1a1a',
    muted: '#555555',
    grid: '#e3e3e3',
    palette: [...OKABE_ITO, '#000000'],
    marker: '#555555',
    limit: '#D55E00',
  },
  dark: {
    name: 'dark',
    background: '#1b1e23',
    foreground: '#e8e8e8',
    muted: '#b0b0b0',
    grid: '#3a3f47',
    palette: ['#56B4E9', '#E69F00', '#009E73', '#F0E442', '#CC79A7', '#D55E00', '#0072B2', '#ffffff'],
    marker: '#b0b0b0',
    limit: '#E69F00',
  },
}

/** The Vega-Lite `config` of a theme: fonts, colours, sizes readable at 100% zoom. */
export function vegaConfig(theme: Theme): Record<string, unknown> {
  const axis = {
    labelColor: theme.muted,
    titleColor: theme.foreground,
    gridColor: theme.grid,
    domainColor: theme.muted,
    tickColor: theme.muted,
    labelFontSize: 11,
    titleFontSize: 11,
    titleFontWeight: 'normal',
    labelFont: FONT_STACK,
    titleFont: FONT_STACK,
  }
  return {
    background: theme.background,
    font: FONT_STACK,
    padding: 8,
    view: { stroke: null },
    axis,
    legend: {
      labelColor: theme.foreground,
      titleColor: theme.foreground,
      labelFontSize: 11,
      labelFont: FONT_STACK,
      titleFont: FONT_STACK,
      orient: 'bottom',
      direction: 'horizontal',
      symbolType: 'stroke',
      symbolStrokeWidth: 2,
    },
    title: {
      color: theme.foreground,
      subtitleColor: theme.muted,
      fontSize: 13,
      fontWeight: 'bold',
      font: FONT_STACK,
      subtitleFont: FONT_STACK,
      anchor: 'start',
      offset: 6,
    },
    text: { font: FONT_STACK, color: theme.foreground },
    range: { category: theme.palette },
    line: { strokeWidth: 1.5 },
  }
}
