import { xmlSafeText } from '@pggraph/core'

/** Escape text for XML character data and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) =>
    c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : c === '"' ? '&quot;' : '&apos;',
  )
}

/**
 * Make Vega's SVG stable, accessible and well-formed: number clip-path and gradient ids in order
 * of appearance (Vega's counters are per process, so they would differ between renders), add
 * `<title>` and `<desc>` as the first children of the root, referenced by `aria-labelledby`,
 * and replace characters XML cannot hold (a table named with control characters) by U+FFFD.
 */
export function finishSvg(svg: string, title: string, desc: string): string {
  const ids = new Map<string, string>()
  let out = svg.replace(/\b(clip|gradient_)(\d+)\b/g, (m, kind: string) => {
    let id = ids.get(m)
    if (id === undefined) {
      id = `${kind === 'clip' ? 'clip' : 'gradient'}${ids.size + 1}`
      ids.set(m, id)
    }
    return id
  })
  // Vega writes path coordinates to 1/1000 px; 1/10 px is invisible and a third smaller.
  out = out.replace(
    / d="([^"]*)"/g,
    (_m, d: string) => ` d="${d.replace(/(\d+\.\d)\d+/g, (n) => trimZero(Number(n).toFixed(1)))}"`,
  )
  const open = out.indexOf('>', out.indexOf('<svg'))
  if (open < 0) return out
  let tag = out.slice(0, open)
  tag = tag.replace(/\s(role|aria-label|aria-roledescription|aria-labelledby)="[^"]*"/g, '')
  tag += ' role="img" aria-labelledby="pggraph-title pggraph-desc"'
  out =
    tag +
    '>' +
    `<title id="pggraph-title">${escapeXml(title)}</title>` +
    `<desc id="pggraph-desc">${escapeXml(desc)}</desc>` +
    out.slice(open + 1)
  return xmlSafeText(out)
}

function trimZero(n: string): string {
  const t = n.endsWith('.0') ? n.slice(0, -2) : n
  return t === '-0' ? '0' : t
}
