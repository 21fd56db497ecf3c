// Strict XML parsing for tests: an SVG or XHTML fragment that is not well-formed XML fails
// the test with the parser's message, instead of rendering as a broken image in a browser.
import { DOMParser, type Element } from '@xmldom/xmldom'
import { xmlSafeText } from '@pggraph/core'

/** A parsed SVG document's root and the text of its `<text>`, `<title>` and `<desc>` elements. */
export interface ParsedSvg {
  readonly root: Element
  readonly texts: string[]
}

/**
 * Parse `svg` as XML; throws with every parser error, a character XML forbids, or `]]>` in
 * character data (which the parser also lets through).
 */
export function parseSvg(svg: string): ParsedSvg {
  const clean = xmlSafeText(svg)
  if (clean !== svg) {
    let i = 0
    while (clean[i] === svg[i]) i++
    throw new Error(`SVG holds U+${svg.charCodeAt(i).toString(16).padStart(4, '0')} at ${i}, not allowed in XML`)
  }
  const outsideCdata = svg.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '')
  if (outsideCdata.includes(']]>')) throw new Error('SVG holds "]]>" outside a CDATA section')
  const errors: string[] = []
  const doc = new DOMParser({
    onError: (level, msg) => void (level !== 'warning' && errors.push(msg)),
  }).parseFromString(svg, 'image/svg+xml')
  if (errors.length > 0) throw new Error(`SVG is not well-formed XML: ${errors.join('; ')}`)
  const root = doc.documentElement
  if (!root || root.nodeName !== 'svg') throw new Error(`SVG root is ${root?.nodeName ?? 'missing'}`)
  const texts: string[] = []
  for (const tag of ['text', 'title', 'desc']) {
    const nodes = doc.getElementsByTagName(tag)
    for (let i = 0; i < nodes.length; i++) texts.push(nodes.item(i)!.textContent ?? '')
  }
  return { root, texts }
}
